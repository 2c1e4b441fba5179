"""Scale scores: validate item codes, reverse-key, and combine items per construct under the min-valid rule."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument

__all__ = [
    "ScaleScores",
    "key_items",
    "keyed_blocks",
    "keyed_matrix",
    "reverse_code",
    "score_scales",
    "scores_of_keyed",
    "select_constructs",
]

_MAX_LISTED = 5
_KEY_BLOCK_ROWS = 8_192  # rows keyed at a time: the temporaries of a block stay in the processor cache


@dataclass(frozen=True)
class ScaleScores:
    """Result of :func:`score_scales`.

    Attributes
    ----------
    scores : DataFrame
        One column per construct (named by construct id), indexed like the input data.
    summary : DataFrame
        One row per construct: ``construct, label_zh, label_en, method, n_items, min_valid_items, n, n_scored,
        n_insufficient`` — ``n_insufficient`` counts respondents whose score is NaN because fewer than
        ``min_valid_items`` items were valid.
    """

    scores: pd.DataFrame
    summary: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.scores


def reverse_code(values: np.ndarray | pd.Series | pd.DataFrame, *, low: int, high: int):
    """Reverse-key item codes on the scale ``low..high``: x becomes low + high − x (NaN stays NaN).

    Examples
    --------
    >>> reverse_code(np.array([1.0, 2.0, 5.0, np.nan]), low=1, high=5)
    array([ 5.,  4.,  1., nan])
    """
    return (low + high) - values


def key_items(data: pd.DataFrame, *, instrument: Instrument, constructs: Sequence[str] | None = None) -> pd.DataFrame:
    """Item codes ready for analysis: validated, special missing codes set to NaN, reverse-keyed items recoded.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows, item codes in columns named by item id (other columns are ignored).
    instrument : Instrument
        Declares each item's response scale and key.
    constructs : list of construct ids, optional
        Only the items of these constructs; all constructs by default.

    Returns
    -------
    DataFrame
        float columns, one per item in instrument order, indexed like ``data`` (one block: the matrix of
        :func:`keyed_matrix`, not copied). The caller's data is not changed.

    Raises
    ------
    DataError
        When item columns are missing (all are listed) or a cell holds a value that is neither one of the scale's
        codes nor one of its declared missing codes (row, column, value and allowed codes are named).
    """
    items = _item_ids(select_constructs(instrument, constructs))
    return pd.DataFrame(_keyed(data, instrument, items), index=data.index, columns=items, copy=False)


def keyed_matrix(data: pd.DataFrame, *, instrument: Instrument, constructs: Sequence[str] | None = None) -> np.ndarray:
    """The keyed item codes of :func:`key_items` as one float matrix (respondents × items, column-major).

    One pass over row blocks validates every cell against its item's scale, sets special missing codes to NaN and
    reverse-keys (x → low + high − x), so that every later statistic starts from one matrix. Columns follow the
    instrument's item order (of ``constructs`` when given); errors are those of :func:`key_items`.
    """
    return _keyed(data, instrument, _item_ids(select_constructs(instrument, constructs)))


def _item_ids(selected) -> list[str]:
    return [item_id for c in selected for item_id in c.items]


def keyed_blocks(
    data: pd.DataFrame, *, instrument: Instrument, constructs: Sequence[str] | None = None, rows: int = _KEY_BLOCK_ROWS
) -> Iterator[np.ndarray]:
    """The matrix of :func:`keyed_matrix` row block by row block, never whole: for statistics that need only sums
    over rows (:func:`hsc_analysis.moments.group_moments`), so that a million respondents are keyed and
    summed while each block is still in the processor cache.

    Each block is a column-major array of up to ``rows`` rows, reused for the next block: the caller may change
    it, and must not keep it. Errors are those of :func:`key_items`, raised after the last block (a block may
    hold codes off the scale until then).
    """
    yield from _key_in_blocks(data, instrument, _item_ids(select_constructs(instrument, constructs)), rows=rows)


def _keyed(data: pd.DataFrame, instrument: Instrument, items: list[str]) -> np.ndarray:
    values = np.empty((len(data), len(items)), order="F")
    for _ in _key_in_blocks(data, instrument, items, rows=_KEY_BLOCK_ROWS, out=values):
        pass
    return values


def _key_in_blocks(
    data: pd.DataFrame, instrument: Instrument, items: list[str], *, rows: int, out: np.ndarray | None = None
) -> Iterator[np.ndarray]:
    """Validate, set special missing codes to NaN and reverse-key, ``rows`` rows at a time: into ``out`` (the whole
    matrix) when given, else into one reused block; then raise the first error in item order, if any."""
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise DataError(
            f"data lack {len(missing)} item column(s) of instrument '{instrument.id}': {', '.join(missing)}"
        )
    raw, unreadable = [], {}
    for j, item_id in enumerate(items):
        column, bad = _numeric_column(data[item_id], item_id, instrument.scale_of(item_id).describe_allowed())
        raw.append(column)
        if bad is not None:
            unreadable[j] = bad
    by_scale: dict[str, list[int]] = {}
    for j, item_id in enumerate(items):
        by_scale.setdefault(instrument.item(item_id).scale, []).append(j)
    reverse = [instrument.item(i).reverse for i in items]
    plans = []
    for columns in by_scale.values():
        scale = instrument.scale_of(items[columns[0]])
        whole = columns == list(range(columns[0], columns[-1] + 1))
        flipped = [j for j, column in enumerate(columns) if reverse[column]]
        plans.append((np.asarray(columns), scale, whole, flipped, float(scale.low + scale.high)))
    invalid_columns = set(unreadable)
    n = len(data)
    buffer = np.empty((min(rows, n), len(items)), order="F") if out is None else None
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        block = out[start:stop] if out is not None else buffer[: stop - start]
        for j, column in enumerate(raw):
            block[:, j] = column[start:stop]
        for columns, scale, whole, flipped, total in plans:
            part = block[:, columns[0] : columns[-1] + 1] if whole else block[:, columns]
            allowed, special = _columns_allowed(part, scale)
            if not allowed.all():
                invalid_columns.update(columns[~allowed].tolist())
            if special is not None:
                part[special] = np.nan
            for j in flipped:
                np.subtract(total, part[:, j], out=part[:, j])
            if not whole:
                block[:, columns] = part
        yield block
    if invalid_columns:
        _raise_first(data, items, instrument, min(invalid_columns), unreadable)


def _columns_allowed(values: np.ndarray, scale) -> tuple[np.ndarray, np.ndarray | None]:
    """Per column, whether every cell holds a code of ``scale``, one of its missing codes or NaN; and which cells
    hold a missing code (None when the scale has none). For consecutive codes without missing codes, from each
    column's minimum, maximum and largest fractional part, with no cell-wise masks (NaN and ±inf leave a NaN
    fraction; ±inf fail the range)."""
    codes = sorted(scale.codes)
    if scale.missing_codes or codes != list(range(codes[0], codes[-1] + 1)):
        allowed, special = _allowed(values, scale)
        return allowed.all(axis=0), special
    low, high = np.fmin.reduce(values, axis=0), np.fmax.reduce(values, axis=0)
    with np.errstate(invalid="ignore"):
        fraction = np.fmax.reduce(values - np.floor(values), axis=0)
    return ~(low < codes[0]) & ~(high > codes[-1]) & ~(fraction > 0), None


def _allowed(values: np.ndarray, scale) -> tuple[np.ndarray, np.ndarray | None]:
    """Which cells hold a code of ``scale``, one of its missing codes or NaN; and which hold a missing code."""
    codes = sorted(scale.codes)
    allowed = np.isnan(values)
    if codes == list(range(codes[0], codes[-1] + 1)):
        allowed |= (values >= codes[0]) & (values <= codes[-1]) & (np.floor(values) == values)
    else:
        allowed |= np.isin(values, codes)
    special = np.isin(values, list(scale.missing_codes)) if scale.missing_codes else None
    if special is not None:
        allowed |= special
    return allowed, special


def _raise_first(data: pd.DataFrame, items: list[str], instrument: Instrument, j: int, unreadable: dict) -> None:
    """Raise the error of column ``j`` (the first in item order with one): unreadable text or codes off the scale."""
    item_id = items[j]
    scale = instrument.scale_of(item_id)
    if j in unreadable:
        bad = unreadable[j]
        _raise_cells(data.index, item_id, data[item_id].to_numpy()[bad], bad, f"expected item codes "
                     f"({scale.describe_allowed()})")  # fmt: skip
    values = _numeric_column(data[item_id], item_id, scale.describe_allowed())[0]
    invalid = ~_allowed(values, scale)[0]
    _raise_cells(
        data.index, item_id, data[item_id].to_numpy()[invalid], invalid, f"allowed: {scale.describe_allowed()}"
    )


def score_scales(data: pd.DataFrame, *, instrument: Instrument, constructs: Sequence[str] | None = None) -> ScaleScores:
    """Score every construct of an instrument: the mean (or sum) of its keyed items.

    A respondent's score is NaN when fewer than the construct's ``min_valid_items`` items are valid; the summary
    says how many such cases there are. A ``sum`` construct with missing items is prorated (mean of valid items ×
    number of items), so that it stays on the scale of a complete sum.

    Parameters
    ----------
    data : DataFrame
        Respondents in rows, item codes in columns named by item id.
    instrument : Instrument
        Items, keys, response scales and min-valid rules.
    constructs : list of construct ids, optional
        Score only these constructs; all by default.

    Returns
    -------
    ScaleScores
        ``scores`` (one column per construct, indexed like ``data``) and a per-construct ``summary``.

    Notes
    -----
    For item codes x on a scale low..high, a reverse-keyed item scores low + high − x. With ``n_j`` valid items
    out of ``k`` for respondent j, the mean score is Σ valid x / n_j when n_j ≥ ceil(min_valid·k), else NaN.

    Matches R ``psych::scoreItems(keys, items, impute="none", min=low, max=high)$scores`` (psych 2.2.9) to 1e-9
    on psych's ``bfi`` data when ``min_valid`` admits a single item (tests/reference/scoring.R).

    Examples
    --------
    >>> inst = Instrument.from_keys({"A": ["-A1", "A2"]}, response_range=(1, 5))
    >>> data = pd.DataFrame({"A1": [1, 5, 2], "A2": [5, 1, np.nan]})
    >>> score_scales(data, instrument=inst).scores
         A
    0  5.0
    1  1.0
    2  4.0
    """
    selected = select_constructs(instrument, constructs)
    items = _item_ids(selected)
    return scores_of_keyed(_keyed(data, instrument, items), selected=selected, index=data.index)


def scores_of_keyed(keyed: np.ndarray, *, selected, index: pd.Index) -> ScaleScores:
    """:func:`score_scales` of an already keyed matrix whose columns are the items of ``selected`` constructs in
    order (as :func:`keyed_matrix` returns them); used to score a file chunk by chunk."""
    items = _item_ids(selected)
    sums, counts = _construct_sums(keyed, _indicator(selected, items))
    columns, rows = {}, []
    for c, construct in enumerate(selected):
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = sums[:, c] / counts[:, c]
        enough = counts[:, c] >= construct.min_valid_items
        columns[construct.id] = np.where(
            enough, mean * (len(construct.items) if construct.method == "sum" else 1), np.nan
        )
        rows.append(
            {
                "construct": construct.id,
                "label_zh": construct.label.zh,
                "label_en": construct.label.en,
                "method": construct.method,
                "n_items": len(construct.items),
                "min_valid_items": construct.min_valid_items,
                "n": len(keyed),
                "n_scored": int(enough.sum()),
                "n_insufficient": int((~enough).sum()),
            }
        )
    return ScaleScores(scores=pd.DataFrame(columns, index=index), summary=pd.DataFrame(rows))


def _indicator(selected, items: list[str]) -> np.ndarray:
    """Items × constructs: 1 where the item belongs to the construct."""
    position = {item_id: j for j, item_id in enumerate(items)}
    indicator = np.zeros((len(items), len(selected)))
    for c, construct in enumerate(selected):
        indicator[[position[i] for i in construct.items], c] = 1.0
    return indicator


def _construct_sums(keyed: np.ndarray, indicator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per respondent and construct, the sum of the valid keyed items and their number: one matrix product of the
    zero-filled items and one of the valid-cell mask with the indicator matrix, row block by row block."""
    sums = np.empty((len(keyed), indicator.shape[1]))
    counts = np.empty_like(sums)
    for start in range(0, len(keyed), _KEY_BLOCK_ROWS):
        block = np.array(keyed[start : start + _KEY_BLOCK_ROWS], order="C")
        blank = np.isnan(block)
        np.copyto(block, 0.0, where=blank)
        np.matmul(block, indicator, out=sums[start : start + _KEY_BLOCK_ROWS])
        np.matmul(~blank, indicator, out=counts[start : start + _KEY_BLOCK_ROWS])
    return sums, counts


def select_constructs(instrument: Instrument, constructs: Sequence[str] | None):
    """The constructs named (all by default), checked against the instrument."""
    if constructs is None:
        return list(instrument.constructs)
    if isinstance(constructs, str):
        raise TypeError(f"constructs must be a list of construct ids, got the string {constructs!r}")
    return [instrument.construct(c) for c in constructs]


def _numeric_column(column: pd.Series, name: str, allowed: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The column as float codes, and where it holds text that is not a number (None when nowhere): such text is an
    error, never silently NaN."""
    if pd.api.types.is_bool_dtype(column) or not (
        pd.api.types.is_numeric_dtype(column) or column.dtype == object or pd.api.types.is_string_dtype(column)
    ):
        raise DataError(f"column '{name}' has type {column.dtype}; expected item codes ({allowed})")
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float), None
    numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    blank = column.isna().to_numpy() | column.astype(str).str.strip().eq("").to_numpy()
    bad = np.isnan(numeric) & ~blank
    return numeric, (bad if bad.any() else None)


def _raise_cells(index: pd.Index, column: str, values: np.ndarray, mask: np.ndarray, allowed: str) -> None:
    where = index[mask]
    label = index.name or "row"
    cells = "; ".join(
        f"{label} {r}: {_show(v)}" for r, v in zip(where[:_MAX_LISTED], values[:_MAX_LISTED], strict=False)
    )
    more = f" (and {mask.sum() - _MAX_LISTED} more)" if mask.sum() > _MAX_LISTED else ""
    raise DataError(f"column '{column}' has {mask.sum()} value(s) outside the scale — {cells}{more}; {allowed}")


def _show(value) -> str:
    """A cell value as the user typed it: 7 rather than np.float64(7.0), text in quotes."""
    if isinstance(value, str):
        return repr(value)
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)
