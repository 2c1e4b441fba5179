"""The screening hurdles in their fixed order, the exclusion log and the sample flow."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument
from hsc_analysis.responses import SurveyResponses
from hsc_analysis.screening.indices import careless_indices
from hsc_analysis.screening.rules import HURDLES, PATTERN_INDICES, ScreeningRules

__all__ = ["ScreeningResult", "decide", "duplicate_keys", "first_occurrences", "row_hashes", "screen"]

_STEP_LABELS = {  # step: (English, Chinese), for the flow diagram and the exclusion log
    "received": ("received", "回收问卷"),
    "invalid": ("invalid answer at import", "导入时存在无效作答"),
    "duplicate": ("duplicate submission", "重复提交"),
    "incomplete": ("too many unanswered items", "未作答题目过多"),
    "attention": ("failed attention check", "未通过注意力检测题"),
    "speed": ("too fast (speeder)", "作答时间过短"),
    "pattern": ("careless response pattern", "粗心作答模式"),
    "analysed": ("analysed", "纳入分析"),
}


@dataclass(frozen=True)
class ScreeningResult:
    """Result of :func:`screen`.

    Attributes
    ----------
    kept : SurveyResponses
        The respondents who passed every hurdle, in their original order.
    excluded : DataFrame
        One row per excluded respondent: ``respondent_id, source_row, hurdle, reason, detail``; ``hurdle`` is the
        first hurdle failed (see ``HURDLES``).
    indices : DataFrame
        Every index of :func:`careless_indices` for every respondent received, plus ``duplicate_of``, one boolean
        ``flag_<index>`` per pattern index, ``n_pattern_flags`` (flags counting towards exclusion) and ``hurdle``
        (None when kept).
    flow : DataFrame
        The sample flow for a flow diagram: ``step, label_en, label_zh, n_before, n_excluded, n_after``, from
        ``received`` through each hurdle to ``analysed``; ``received = analysed + Σ n_excluded`` always.
    rules : ScreeningRules
        The rules applied.
    nan_policy : str
        How missing answers enter the indices: ``"available"``, each index over the answers a respondent gave;
        the n behind each is in ``indices`` (``n_answered, n_even_odd_pairs, n_synonym_pairs, mahalanobis_df``).
    """

    kept: SurveyResponses
    excluded: pd.DataFrame
    indices: pd.DataFrame
    flow: pd.DataFrame
    rules: ScreeningRules
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        """The per-respondent table: indices, flags and the hurdle each excluded respondent failed."""
        return self.indices


def screen(
    data: SurveyResponses, *, instrument: Instrument, rules: ScreeningRules, threads: int | None = None
) -> ScreeningResult:
    """Screen imported responses: compute every index, then exclude respondents hurdle by hurdle.

    Parameters
    ----------
    data : SurveyResponses
        Imported responses (not changed).
    instrument : Instrument
        The questionnaire the responses answer.
    rules : ScreeningRules
        Thresholds of the hurdles (``ScreeningRules()`` for the documented defaults).
    threads : int, optional
        Threads for the row-wise indices (:func:`careless_indices`); the decisions do not depend on it.

    Returns
    -------
    ScreeningResult

    Notes
    -----
    The hurdles run in this fixed order; a respondent is excluded at the first one failed, and the indices of
    every respondent are still reported:

    1. ``invalid``: any answer marked ``invalid`` at import.
    2. ``duplicate``: a later row with the ``respondent_id`` of an earlier one, the same non-empty value in a
       ``duplicate_id_columns`` column, or the same answers (items, checks, non-personal background) and
       ``fingerprint_columns``; the first occurrence is kept.
    3. ``incomplete``: completeness below ``min_completeness``.
    4. ``attention``: more than ``max_failed_checks`` attention checks failed.
    5. ``speed``: seconds per item below ``min_seconds_per_item`` or below ``min_speed_ratio`` × the median
       (a missing duration passes).
    6. ``pattern``: flagged by at least ``pattern_min_flags`` of the ``pattern_exclude_by`` indices, where
       longstring ≥ ``max_longstring_share`` × items, irv < ``min_irv``, even_odd < ``min_even_odd``,
       synonyms < ``min_synonyms`` (over at least ``min_synonym_pairs`` pairs) and mahalanobis_p <
       ``mahalanobis_alpha``; an index that is NaN does not flag.

    Direct evidence comes first (import errors, duplicates, unanswered items, instructed items, response time)
    and statistical pattern indices last, as in the multiple-hurdle approach of Curran (2016) and Meade & Craig
    (2012); the speed cut-off follows Huang et al. (2012). Sample-based quantities (synonym pairs, the
    Mahalanobis covariance, the median speed) use every respondent received.

    Validation (tests/screening/test_screening.py): in simulated parent samples of 950 attentive respondents and 50
    planted careless ones (straight, random and cyclic answers, fast, mostly failing the check), the default rules
    excluded every careless respondent (recall 1.00 over three seeds) at precision .63–.74; the attentive
    respondents excluded were the 1% who fail the check and the 1–2% faster than the speed limits, none by the
    pattern hurdle. Without checks and durations, the pattern indices alone flagged 78–88% of the careless
    respondents (all straight-liners) and no attentive one.

    References
    ----------
    Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data. JESP, 66, 4–19.
    Huang, J. L., et al. (2012). Detecting and deterring insufficient effort responding to surveys. J Bus
    Psychol, 27, 99–114.
    Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data. Psychol Methods, 17,
    437–455.
    R package ``careless`` (Yentes & Wilhelm), github.com/ryentes/careless.

    Examples
    --------
    Three constructs of four items, 300 respondents answering from a factor model, then five identical
    straight-liners:

    >>> rng = np.random.default_rng(1)
    >>> inst = Instrument.from_keys({s: [f"{s}{i}" for i in range(4)] for s in "abc"}, response_range=(1, 5))
    >>> ids = pd.Index([f"r{i}" for i in range(305)], name="respondent_id")
    >>> factors = rng.normal(size=(305, 3)).repeat(4, axis=1)
    >>> items = pd.DataFrame(np.clip(np.rint(3 + factors + rng.normal(scale=0.6, size=(305, 12))), 1, 5),
    ...                      columns=inst.item_ids, index=ids)
    >>> items.iloc[300:] = 5.0
    >>> data = SurveyResponses(items=items, missing=items.isna().replace({True: "blank", False: None}),
    ...     background=pd.DataFrame(index=ids), log=pd.DataFrame(), source="example", platform="table",
    ...     metadata=pd.DataFrame({"duration_seconds": rng.normal(60, 5, 305)}, index=ids))
    >>> result = screen(data, instrument=inst, rules=ScreeningRules())
    >>> result.flow[["step", "n_before", "n_excluded", "n_after"]]
             step  n_before  n_excluded  n_after
    0    received       305           0      305
    1     invalid       305           0      305
    2   duplicate       305           4      301
    3  incomplete       301           0      301
    4   attention       301           0      301
    5       speed       301           0      301
    6     pattern       301           2      299
    7    analysed       299           0      299

    The first straight-liner fails the pattern hurdle, the other four are its duplicates. So does one attentive
    respondent with many top answers: on a short questionnaire, even–odd rests on three constructs only.

    >>> result.excluded[["respondent_id", "hurdle"]].iloc[:3]
      respondent_id     hurdle
    0           r80    pattern
    1          r300    pattern
    2          r301  duplicate
    >>> print(result.excluded["detail"].iloc[0])
    flagged by longstring, even_odd (≥ 2 of longstring, irv, even_odd, mahalanobis)
    """
    indices = careless_indices(data, instrument=instrument, synonym_min_r=rules.synonym_min_r, threads=threads)
    keys = duplicate_keys(data, instrument=instrument, rules=rules)
    earlier, key = first_occurrences([hashed for _, hashed in keys])
    duplicate = earlier >= 0
    ids = data.items.index.astype(str).to_numpy(dtype=object)
    duplicate_of = np.full(data.n, None, dtype=object)
    duplicate_of[duplicate] = ids[earlier[duplicate]]
    return decide(data, indices=indices, duplicate_of=duplicate_of, duplicate_key=key,
                  key_names=[name for name, _ in keys], instrument=instrument, rules=rules)  # fmt: skip


def decide(
    data: SurveyResponses,
    *,
    indices: pd.DataFrame,
    duplicate_of: np.ndarray,
    duplicate_key: np.ndarray,
    key_names: list[str],
    instrument: Instrument,
    rules: ScreeningRules,
) -> ScreeningResult:
    """The hurdles applied to responses whose indices and duplicates are known: the decisions of each row depend
    on that row alone, so the batches of a file decided one by one give the rows of the whole file's decision.

    ``duplicate_of`` holds, per row, the id of the earlier row it repeats (None if none), ``duplicate_key`` the
    position in ``key_names`` of the key it repeats (of :func:`duplicate_keys`; −1 if none).
    """
    n = len(indices)
    found = duplicate_key >= 0
    duplicate_detail = np.full(n, "", dtype=object)
    duplicate_detail[found] = np.asarray(key_names, dtype=object)[duplicate_key[found]] + " as " + duplicate_of[found]
    flags = _pattern_flags(indices, n_items=len(instrument.items), rules=rules)
    counted = flags[list(rules.pattern_exclude_by)].sum(axis=1).to_numpy()

    failing = {
        "invalid": (indices["n_invalid"] > 0).to_numpy(),
        "duplicate": found,
        "incomplete": (indices["completeness"].fillna(0) < rules.min_completeness).to_numpy(),
        "attention": (indices["failed_checks"] > rules.max_failed_checks).to_numpy(),
        "speed": (
            (indices["seconds_per_item"] < rules.min_seconds_per_item)
            | (indices["speed_ratio"] < rules.min_speed_ratio)
        ).to_numpy(),
        "pattern": counted >= rules.pattern_min_flags,
    }

    hurdle = np.full(n, None, dtype=object)
    remaining = np.ones(n, dtype=bool)
    rows = []
    for step in HURDLES:
        out = remaining & failing[step]
        hurdle[out] = step
        rows.append(_flow_row(step, int(remaining.sum()), int(out.sum())))
        remaining &= ~out
    flow = pd.DataFrame([_flow_row("received", n, 0), *rows, _flow_row("analysed", int(remaining.sum()), 0)])
    out = ~remaining
    excluded = pd.DataFrame(
        {
            "respondent_id": indices.index[out],
            "source_row": _source_rows(data)[out],
            "hurdle": hurdle[out],
            "reason": [_STEP_LABELS[h][0] for h in hurdle[out]],
            "detail": _details(
                indices[out],
                hurdle=hurdle[out],
                duplicate=duplicate_detail[out],
                flags=flags[out][list(rules.pattern_exclude_by)],
                rules=rules,
            ),
        }
    )
    report = indices.assign(
        duplicate_of=duplicate_of,
        **{f"flag_{name}": flags[name].to_numpy() for name in flags.columns},
        n_pattern_flags=counted,
        hurdle=hurdle,
    )
    return ScreeningResult(
        kept=_take(data, remaining), excluded=excluded, indices=report, flow=flow, rules=rules, nan_policy="available"
    )


def _flow_row(step: str, n_before: int, n_excluded: int) -> dict:
    label_en, label_zh = _STEP_LABELS[step]
    return {
        "step": step,
        "label_en": label_en,
        "label_zh": label_zh,
        "n_before": n_before,
        "n_excluded": n_excluded,
        "n_after": n_before - n_excluded,
    }


def _details(
    indices: pd.DataFrame, *, hurdle: np.ndarray, duplicate: np.ndarray, flags: pd.DataFrame, rules: ScreeningRules
) -> np.ndarray:
    """Why each excluded respondent failed their hurdle, in words (built for the excluded rows only)."""

    def text(column: str) -> np.ndarray:
        return indices[column].to_numpy().astype(str)

    too_fast = (indices["seconds_per_item"] < rules.min_seconds_per_item).to_numpy()
    spi, ratio = indices["seconds_per_item"].round(2).to_numpy(), indices["speed_ratio"].round(2).to_numpy()
    candidates = {
        "invalid": text("n_invalid") + " answer(s) marked invalid at import",
        "duplicate": duplicate,
        "incomplete": "answered " + text("n_answered") + " of " + text("n_items")
        + f" items (completeness < {rules.min_completeness:g})",
        "attention": "failed " + text("failed_checks") + " of " + text("n_checks")
        + f" check(s) (allowed: {rules.max_failed_checks})",
        "speed": np.where(
            too_fast,
            spi.astype(str) + f" s per item (< {rules.min_seconds_per_item:g} s)",
            ratio.astype(str) + f" of the median time per item (< {rules.min_speed_ratio:g})",
        ),
        "pattern": "flagged by " + _joined_names(flags).to_numpy()
        + f" (≥ {rules.pattern_min_flags} of {', '.join(rules.pattern_exclude_by)})",
    }  # fmt: skip
    return np.select([hurdle == step for step in HURDLES], [candidates[step] for step in HURDLES], default="")


def _pattern_flags(indices: pd.DataFrame, *, n_items: int, rules: ScreeningRules) -> pd.DataFrame:
    """One boolean column per pattern index (NaN never flags), indexed by position."""
    flags = {
        "longstring": indices["longstring"] >= rules.max_longstring_share * n_items,
        "irv": indices["irv"] < rules.min_irv,
        "even_odd": indices["even_odd"] < rules.min_even_odd,
        "synonyms": (indices["synonyms"] < rules.min_synonyms)
        & (indices["n_synonym_pairs"] >= rules.min_synonym_pairs),
        "mahalanobis": indices["mahalanobis_p"] < rules.mahalanobis_alpha,
    }
    return pd.DataFrame({name: flags[name].to_numpy() for name in PATTERN_INDICES})


def _joined_names(flags: pd.DataFrame) -> pd.Series:
    """Per row, the names of the true columns joined by ', ' (built column by column, not row by row)."""
    names = np.full(len(flags), "", dtype=object)
    for column in flags.columns:
        hit = flags[column].to_numpy()
        names[hit] = names[hit] + np.where(names[hit] == "", "", ", ") + column
    return pd.Series(names, index=flags.index)


def duplicate_keys(
    data: SurveyResponses, *, instrument: Instrument, rules: ScreeningRules
) -> list[tuple[str, pd.arrays.IntegerArray]]:
    """What makes a row a duplicate, in the order tried, each as a description and one 64-bit hash per row (NA
    where the row has no value): the respondent id, each ``duplicate_id_columns`` column (stripped text), and the
    answers (items, checks, non-personal background) with the ``fingerprint_columns`` found. Hashes of equal values
    are equal in every batch of a file (pandas' fixed hash key), so the keys of batches concatenate."""
    ids = data.items.index.astype(str).to_numpy(dtype=object)
    keys = [("same respondent_id", pd.array(pd.util.hash_array(ids, categorize=False), dtype="UInt64"))]
    sources = pd.concat([data.background, data.metadata], axis=1).reset_index(drop=True)
    absent = [c for c in rules.duplicate_id_columns if c not in sources.columns]
    if absent:
        known = ", ".join(map(str, sources.columns))
        raise DataError(f"{data.source}: duplicate_id_columns {', '.join(absent)} not in the data; known: {known}")
    for column in rules.duplicate_id_columns:
        values = sources[column].astype("string").str.strip().replace("", pd.NA)
        hashed = pd.array(
            pd.util.hash_array(values.fillna("").to_numpy(dtype=object), categorize=False), dtype="UInt64"
        )
        hashed[values.isna().to_numpy()] = pd.NA
        keys.append((f"same {column}", hashed))
    personal = {q.id for q in (*instrument.background, *instrument.identifiers) if q.pii}
    fingerprint = [c for c in rules.fingerprint_columns if c in sources.columns]
    background = [c for c in data.background.columns if c.split("__")[0] not in personal]
    extra = [*background, *fingerprint]
    hashed = pd.array(row_hashes(data.items, sources[extra].astype("string")), dtype="UInt64")
    hashed[data.items.isna().all(axis=1).to_numpy()] = pd.NA  # empty submissions are left to completeness
    keys.append(("same answers" + "".join(f" and {c}" for c in fingerprint), hashed))
    return keys


_HASH_ROWS = 32_768
"""Rows hashed at a time: a block of each column's hashes stays in the processor cache."""
_NAN_BITS = np.array(np.nan).view(np.uint64)[()]
_NEGATIVE_ZERO_BITS = np.array(-0.0).view(np.uint64)[()]


def row_hashes(items: pd.DataFrame, extra: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row of the item columns followed by the ``extra`` columns (same rows, by position):
    ``pandas.util.hash_pandas_object`` of the two side by side (``index=False``), bit for bit, without joining
    them into one frame.

    pandas hashes a frame column by column (each value's bits, NaN and −0.0 made canonical, through a
    splitmix64-style mix) and combines the columns' hashes as CPython combines a tuple's; float64 item columns are
    hashed here the same way over blocks of rows, so that a block's hashes stay in the processor cache instead of
    one pass over the whole column per step; other columns go through pandas. Checked against pandas in
    tests/screening/test_screening.py."""
    n, widths = len(items), (items.shape[1], extra.shape[1])
    out = np.full(n, 0x345678, dtype=np.uint64)
    multipliers = _multipliers(sum(widths))
    float_items = widths[0] > 0 and all(dtype == np.float64 for dtype in items.dtypes)
    if float_items:
        values = items.to_numpy()
        for start in range(0, n, _HASH_ROWS):
            part = out[start : start + _HASH_ROWS]
            for j in range(widths[0]):
                part ^= _mixed(values[start : start + _HASH_ROWS, j])
                part *= multipliers[j]
    others = [*([] if float_items else [items[c] for c in items.columns]), *(extra[c] for c in extra.columns)]
    for j, column in enumerate(others, start=widths[0] if float_items else 0):
        out ^= pd.util.hash_pandas_object(column.reset_index(drop=True), index=False).to_numpy()
        out *= multipliers[j]
    out += np.uint64(97531)
    return out


def _multipliers(count: int) -> np.ndarray:
    """The multiplier of each column in pandas' (CPython's) combination of hashes."""
    mult, values = 1000003, []
    for i in range(count):
        values.append(mult)
        mult = (mult + 82520 + 2 * (count - i)) % 2**64
    return np.array(values, dtype=np.uint64)


def _mixed(values: np.ndarray) -> np.ndarray:
    """pandas' hash of each float64 value: its bits (NaN and −0.0 canonical), mixed."""
    bits = values.view(np.uint64).copy()
    bits[np.isnan(values)] = _NAN_BITS
    bits[bits == _NEGATIVE_ZERO_BITS] = 0
    bits ^= bits >> np.uint64(30)
    bits *= np.uint64(0xBF58476D1CE4E5B9)
    bits ^= bits >> np.uint64(27)
    bits *= np.uint64(0x94D049BB133111EB)
    bits ^= bits >> np.uint64(31)
    return bits


def first_occurrences(keys: list[pd.arrays.IntegerArray]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the position of the first row with the same value of the first key it repeats, and which key that
    is (−1 and −1 for a row that repeats none); the first occurrence of a value is never a duplicate. Equal hashes
    are taken as equal values (for 10⁸ rows the chance that two different values share a 64-bit hash is below
    10⁻³)."""
    n = len(keys[0]) if keys else 0
    earlier, which = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int8)
    for k, hashed in enumerate(keys):
        # factorize numbers values in order of first appearance: a row is the first of its value when its code
        # exceeds every code before it, and code c first appears at the c-th such row
        codes = pd.factorize(hashed, use_na_sentinel=True)[0]
        new = codes > np.concatenate([[-1], np.maximum.accumulate(codes)[:-1]])
        hit = (codes >= 0) & ~new & (which < 0)
        earlier[hit] = np.flatnonzero(new)[codes[hit]]
        which[hit] = k
    return earlier, which


def _source_rows(data: SurveyResponses) -> np.ndarray:
    if "source_row" in data.metadata.columns:
        return data.metadata["source_row"].to_numpy()
    return np.full(data.n, np.nan)


def _take(data: SurveyResponses, keep: np.ndarray) -> SurveyResponses:
    """The responses at the kept positions (by position, so that repeated ids stay apart)."""
    return dataclasses.replace(
        data,
        items=_rows(data.items, keep),
        missing_codes=_rows(data.missing_codes, keep),
        background=_rows(data.background, keep),
        metadata=_rows(data.metadata, keep),
    )


def _rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame[keep]``; a frame of one numpy dtype (the item codes, the codes of the missing reasons) is taken as
    one array, faster than pandas' column-wise take."""
    dtypes = set(frame.dtypes)
    if frame.shape[1] == 0 or len(dtypes) != 1 or not isinstance(next(iter(dtypes)), np.dtype):
        return frame[keep]
    rows = np.flatnonzero(keep)
    values = frame.to_numpy().T.take(rows, axis=1).T  # along the contiguous rows of the block: stays column-major
    return pd.DataFrame(values, index=frame.index[rows], columns=frame.columns, copy=False)
