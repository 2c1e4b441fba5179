"""Careless-response indices, one row per respondent, vectorised over the respondent × item matrix."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.moments import MOMENT_BLOCK_ROWS, Moments, group_moments
from hsc_analysis.responses import REASON_CODES, SurveyResponses
from hsc_analysis.scoring import keyed_blocks, reverse_code

__all__ = [
    "ScreeningSample",
    "careless_indices",
    "compact_dtype",
    "median_time",
    "moments_and_counts",
    "row_indices",
    "thread_count",
]

_MAX_CONDITION = 1e12
"""Above this condition number the item covariance is treated as singular and D² is not computed."""
_BLOCK_ROWS = 4_096
"""Rows per block of the row-wise indices: a block's temporaries stay in the processor cache."""
_IN_FLIGHT = 2
"""Blocks queued per thread: enough to keep every thread busy, few enough that the queued copies stay small."""


def careless_indices(
    data: SurveyResponses,
    *,
    instrument: Instrument,
    synonym_min_r: float = 0.60,
    sample: ScreeningSample | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Every careless-response index for every respondent.

    Parameters
    ----------
    data : SurveyResponses
        Imported responses; ``items`` must hold every scale item and attention check of ``instrument``.
    instrument : Instrument
        Items in questionnaire order, constructs, keys and checks.
    synonym_min_r : float, default 0.60
        Item pairs whose correlation across the sample exceeds this are psychometric synonyms.
    sample : ScreeningSample, optional
        The sample quantities to use (those of a whole file when ``data`` is one batch of it); by default those of
        ``data`` (``synonym_min_r`` is then used to build it, and is otherwise part of ``sample``).
    threads : int, optional
        Threads that compute the row blocks (numpy and BLAS release the interpreter lock); by default the
        processors this process may run on (:func:`thread_count`). The values do not depend on it.

    Returns
    -------
    DataFrame
        Indexed like ``data.items`` (``respondent_id``), with columns

        - ``n_items, n_answered, completeness``: scale items shown (not skipped by the form's logic), answered
          ("don't know" counts) and their ratio;
        - ``n_invalid``: answers marked ``invalid`` at import, over scale items and checks;
        - ``n_checks, failed_checks``: attention checks shown and failed (a blank check fails);
        - ``duration_seconds, seconds_per_item, speed_ratio``: time per shown item and check, and its ratio to the
          sample median;
        - ``longstring``: longest run of identical consecutive answers (raw codes; a missing answer breaks a run);
        - ``irv``: intra-individual SD of the raw codes answered;
        - ``even_odd, n_even_odd_pairs``: Spearman–Brown corrected even–odd consistency and the constructs used;
        - ``synonyms, n_synonym_pairs``: within-person correlation over psychometric-synonym pairs and the pairs
          used;
        - ``mahalanobis_d2, mahalanobis_df, mahalanobis_p``: Mahalanobis D², its degrees of freedom (items
          answered) and the χ² upper-tail p-value.

    Notes
    -----
    Missing answers are handled by available items (``nan_policy`` "available"); each index states its n.
    Longstring assumes the instrument lists items in the order they were shown (not for shuffled item order).
    The duration covers the whole questionnaire, background questions included, so seconds per item overstate
    the time per rated item and a speed limit errs towards keeping respondents.
    Let x be a respondent's keyed codes (``scoring.key_items``) and r their raw codes.

    - longstring = max run length of r (``rle`` in R); irv = sd(r) (n − 1 denominator), Dunn et al. (2018).
    - even–odd (Johnson, 2005): per construct, the mean of its even-numbered and of its odd-numbered items;
      r_eo = cor(even means, odd means) over constructs with both; even_odd = 2·r_eo / (1 + r_eo), floored at −1.
      ``careless::evenodd`` (≥ 1.2) returns the negative of this; here higher means more consistent.
    - synonyms (Meade & Craig, 2012): pairs (j, k) with pairwise-complete r_jk > ``synonym_min_r`` across the
      sample; the respondent's Pearson correlation of x_j with x_k over the pairs both answered, when more than
      two are (as ``careless::psychsyn(resample_na = FALSE)``).
    - D² = (x − m)ᵀ S⁻¹ (x − m) with column means m and pairwise-complete covariance S; a missing answer adds
      nothing (as ``psych::outlier``, which ``careless::mahad`` calls); p = P(χ²_df > D²), df = items answered.
      D² is NaN for everyone when S cannot be inverted (fewer respondents than items, an item that never varies
      or is a linear function of others, item pairs never answered together).

    Computation: two passes over row blocks, never the keyed matrix in float64. The first keys 16,384 rows at a
    time, adds their pairwise moments (as ``Moments.of`` of the whole keyed matrix: the same blocks summed in the
    same order) and counts, and keeps the keyed codes in a smaller float type that holds them exactly
    (:func:`compact_dtype`: float32 for codes up to ±2²⁴, half of float64); the second takes 4,096 rows of
    those at a time back to float64 and computes the pattern indices. Blocks go to ``threads`` threads and are
    joined in order, so every value is the same bit for bit whatever the thread count (tested with 1–3). numpy
    suffices (no compiled kernel): in a profile of 1,000,000 × 50 the passes are BLAS products and single
    vectorised sweeps, and the time left beside them is memory first touched (see the README's benchmarks).

    ``careless`` is not packaged for Debian, so tests/reference/careless.R implements these formulas in R from
    the package's published source and pins them on psych's ``bfi`` data (to 1e-9); D² matches
    ``psych::outlier`` 2.2.9 on all rows and ``stats::mahalanobis`` on complete rows.

    References
    ----------
    Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data. JESP, 66, 4–19.
    Dunn, A. M., et al. (2018). Intra-individual response variability as an indicator of insufficient effort
    responding. J Bus Psychol, 33, 105–121.
    Johnson, J. A. (2005). Ascertaining the validity of individual protocols from web-based personality
    inventories. J Res Pers, 39, 103–129.
    Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data. Psychol Methods, 17,
    437–455.

    Examples
    --------
    >>> inst = Instrument.from_keys({"A": ["a1", "a2", "a3"], "B": ["b1", "-b2", "b3"]}, response_range=(1, 5))
    >>> items = pd.DataFrame([[1, 2, 3, 3, 2, 4], [4, 4, 4, 4, 4, 4], [5, 4, 5, 2, 4, 1], [2, 2, 1, 4, 1, 5]],
    ...                      columns=["a1", "a2", "a3", "b1", "b2", "b3"], dtype=float,
    ...                      index=pd.Index(["r1", "r2", "r3", "r4"], name="respondent_id"))
    >>> data = SurveyResponses(items=items, missing=items.isna().replace({True: "blank", False: None}),
    ...     background=pd.DataFrame(index=items.index), log=pd.DataFrame(), source="example", platform="table",
    ...     metadata=pd.DataFrame({"duration_seconds": [60.0, 9.0, 50.0, 70.0]}, index=items.index))
    >>> careless_indices(data, instrument=inst)[["longstring", "irv", "seconds_per_item"]].round(3)
    ... # doctest: +NORMALIZE_WHITESPACE
                   longstring    irv  seconds_per_item
    respondent_id
    r1                      2  1.049            10.000
    r2                      6  0.000             1.500
    r3                      1  1.643             8.333
    r4                      2  1.643            11.667
    """
    threads = thread_count(threads)
    keyed = np.empty((data.n, len(instrument.item_ids)), dtype=compact_dtype(instrument))
    moments, counts = moments_and_counts(data, instrument=instrument, threads=threads, codes_out=keyed)
    if sample is None:
        sample = ScreeningSample.of(
            moments, median_seconds_per_item=median_time(counts["seconds_per_item"]), synonym_min_r=synonym_min_r
        )
    patterns = _pattern_indices(keyed, instrument=instrument, sample=sample, threads=threads)
    del keyed
    df = patterns.pop("mahalanobis_df")
    from scipy.special import chdtrc  # χ² upper tail; lighter to import than scipy.stats

    with np.errstate(invalid="ignore", divide="ignore"):
        columns = {
            **counts,
            "speed_ratio": counts["seconds_per_item"] / sample.median_seconds_per_item,
            **patterns,
            "mahalanobis_df": df,
            "mahalanobis_p": np.where(df > 0, chdtrc(np.maximum(df, 1), patterns["mahalanobis_d2"]), np.nan),
        }
    return pd.DataFrame(columns, index=data.items.index)


@dataclass(frozen=True)
class ScreeningSample:
    """What the row-wise indices need from the whole sample: the keyed items' means and inverse covariance
    (Mahalanobis D²), the psychometric-synonym pairs and the median time per item (the speed ratio).

    Built from :class:`hsc_analysis.moments.Moments`, which merge by addition, so that a file read in batches (or a
    cluster's partitions) gives the sample of the whole table: :func:`careless_indices` of each part with this
    sample equals the rows of :func:`careless_indices` on the whole.
    """

    means: np.ndarray
    inverse: np.ndarray | None
    synonym_first: np.ndarray
    synonym_second: np.ndarray
    median_seconds_per_item: float

    @classmethod
    def of(cls, moments: Moments, *, median_seconds_per_item: float, synonym_min_r: float) -> ScreeningSample:
        """The sample of the keyed items' pairwise moments; D² is left out (``inverse`` None) when the
        covariance cannot be inverted (see :func:`careless_indices`)."""
        (cov, corr), means = moments.covariance(), moments.means()
        first, second = np.nonzero(np.tril(corr > synonym_min_r, k=-1))
        invertible = np.isfinite(cov).all() and np.linalg.cond(cov) <= _MAX_CONDITION
        inverse = np.linalg.inv(cov) if invertible else None
        return cls(means, inverse, first, second, float(median_seconds_per_item))


def median_time(seconds_per_item: np.ndarray) -> float:
    """The median of the times per item known (NaN when none is)."""
    known = seconds_per_item[~np.isnan(seconds_per_item)]
    return float(np.median(known)) if len(known) else np.nan


def thread_count(threads: int | None) -> int:
    """The threads to use: ``threads`` when given (a whole number ≥ 1), else the processors this process may run
    on."""
    if threads is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(f"The 'threads' parameter must be a whole number of threads, 1 or more; got {threads!r}.")
    return threads


def moments_and_counts(
    data: SurveyResponses, *, instrument: Instrument, threads: int | None = None, codes_out: np.ndarray | None = None
) -> tuple[Moments, dict[str, np.ndarray]]:
    """The pairwise moments of the keyed items (:func:`hsc_analysis.scoring.key_items`; what
    :class:`ScreeningSample` is built from) and the per-respondent counts of :func:`careless_indices` that need no
    sample quantity (``n_items`` through ``seconds_per_item``), in one pass over row blocks keyed one at a time:
    the keyed matrix is never held whole in float64. The moments equal ``Moments.of(key_items(...).to_numpy())``
    exactly (the same blocks, summed in the same order, whatever ``threads``). ``codes_out`` (respondents × items,
    of :func:`compact_dtype`), when given, receives the keyed codes."""
    item_ids = instrument.item_ids
    check_ids = [check.id for check in instrument.checks]
    absent = [c for c in (*item_ids, *check_ids) if c not in data.items.columns]
    absent += [f"metadata.{c}" for c in ("duration_seconds",) if c not in data.metadata.columns]
    if absent:
        raise DataError(
            f"{data.source}: responses lack {len(absent)} column(s) of '{instrument.id}': {', '.join(absent)}"
        )
    k = len(item_ids)
    codes = data.missing_codes[[*item_ids, *check_ids]].to_numpy()  # a view: one int8 block
    checks = data.items[check_ids].to_numpy(dtype=float)
    correct = np.array([check.correct for check in instrument.checks], dtype=float)
    skipped, invalid, dont_know = (REASON_CODES[r] for r in ("skipped", "invalid", "dont_know"))

    def block(start: int, keyed: np.ndarray) -> tuple[Moments, dict[str, np.ndarray]]:
        rows = slice(start, start + len(keyed))
        code = codes[rows]
        shown = code != skipped
        check_shown = shown[:, k:]
        answered = ~np.isnan(keyed) | (code[:, :k] == dont_know)
        counts = {
            "n_items": shown[:, :k].sum(axis=1),
            "n_answered": answered.sum(axis=1),
            "n_invalid": (code == invalid).sum(axis=1),
            "n_checks": check_shown.sum(axis=1),
            "failed_checks": (check_shown & (checks[rows] != correct)).sum(axis=1),
        }
        if codes_out is not None:
            codes_out[rows] = keyed
        return group_moments([keyed], [range(keyed.shape[1])])[0], counts

    parts = list(_map_blocks(block, keyed_blocks(data.items, instrument=instrument, rows=MOMENT_BLOCK_ROWS),
                             threads=thread_count(threads), copy="F"))  # fmt: skip
    moments = Moments.zero(k)
    for part, _ in parts:
        moments = moments + part
    joined = _joined([c for _, c in parts], like={
        "n_items": 0, "n_answered": 0, "n_invalid": 0, "n_checks": 0, "failed_checks": 0})  # fmt: skip
    n_items, n_checks = joined["n_items"], joined["n_checks"]
    duration = data.metadata["duration_seconds"].to_numpy(dtype=float)
    shown = n_items + n_checks
    with np.errstate(invalid="ignore", divide="ignore"):
        counts = {
            "n_items": n_items,
            "n_answered": joined["n_answered"],
            "completeness": np.where(n_items > 0, joined["n_answered"] / np.maximum(n_items, 1), np.nan),
            "n_invalid": joined["n_invalid"],
            "n_checks": n_checks,
            "failed_checks": joined["failed_checks"],
            "duration_seconds": duration,
            "seconds_per_item": np.where(shown > 0, duration / shown, np.nan),
        }
    return moments, counts


def compact_dtype(instrument: Instrument) -> np.dtype:
    """A float type smaller than float64 that holds every keyed code of the instrument exactly (codes are whole
    numbers and keying maps a scale onto itself; NaN stays NaN): float32 up to ±2²⁴, else float64. Not float16,
    though it would hold the usual codes: numpy converts it to float64 four times slower than float32, which
    outweighs the memory it saves."""
    bound = _code_bound(instrument)
    return np.dtype(np.float32 if bound <= 2**24 else np.float64)


def _code_bound(instrument: Instrument) -> int:
    """The largest absolute code of the instrument's items (keyed codes too: keying maps a scale onto itself)."""
    return max((max(abs(s.low), abs(s.high)) for s in map(instrument.scale_of, instrument.item_ids)), default=0)


def _map_blocks(
    work: Callable[[int, np.ndarray], object], blocks: Iterable[np.ndarray], *, threads: int, copy: str
) -> Iterator[object]:
    """``work(start, block)`` of each row block (``blocks`` may reuse one buffer: each is copied to float64, in
    ``copy`` order, before it is handed on), by ``threads`` threads, the results in block order; at most
    ``_IN_FLIGHT`` blocks per thread wait, so that the copies stay few."""
    if threads == 1:
        start = 0
        for block in blocks:
            yield work(start, np.array(block, dtype=np.float64, order=copy))
            start += len(block)
        return
    with ThreadPoolExecutor(threads) as pool:
        pending, start = deque(), 0
        for block in blocks:
            pending.append(pool.submit(work, start, np.array(block, dtype=np.float64, order=copy)))
            start += len(block)
            if len(pending) >= threads * _IN_FLIGHT:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _joined(parts: list[dict[str, np.ndarray]], *, like: dict) -> dict[str, np.ndarray]:
    """The blocks' columns concatenated (empty columns of the dtype ``like`` shows when there are no rows)."""
    if not parts:
        return {name: np.zeros(0, dtype=np.asarray(value).dtype) for name, value in like.items()}
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _longstring(values: np.ndarray) -> np.ndarray:
    """Longest run of equal consecutive values per row; NaN never equals anything (R's ``rle``).

    A run ends where a value differs from the next (or at the row's end): the gaps between consecutive breaks of
    the flattened block are the run lengths, and each row's longest is one ``maximum.reduceat`` over its gaps (the
    gap from a row's last break to the next row's first is 1, which never exceeds a real run)."""
    n, p = values.shape
    if n == 0 or p < 2:
        return np.ones(n, dtype=np.int64)
    breaks = np.ones((n, p + 1), dtype=bool)  # column 0: the row starts; column j: values j−1 and j differ
    np.not_equal(values[:, 1:], values[:, :-1], out=breaks[:, 1:p])
    gaps = np.diff(np.flatnonzero(breaks.ravel()))
    first = np.concatenate([[0], np.cumsum(breaks.sum(axis=1))[:-1]])
    return np.maximum.reduceat(gaps, first)


def _row_sd(values: np.ndarray) -> np.ndarray:
    """Row SD over non-missing values (n − 1 denominator); NaN with fewer than two values."""
    valid = ~np.isnan(values)
    n = valid.sum(axis=1)
    filled = np.where(valid, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=1) / n
        squares = (np.where(valid, values - mean[:, None], 0.0) ** 2).sum(axis=1)
        return np.where(n > 1, np.sqrt(squares / (n - 1)), np.nan)


def _row_correlation(a: np.ndarray, b: np.ndarray, *, min_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of a[i] with b[i] per row over the columns where both are present, and that count:
    centred in place, then three row-wise dot products."""
    blank = np.isnan(a) | np.isnan(b)
    n = a.shape[1] - blank.sum(axis=1)
    a, b = np.where(blank, 0.0, a), np.where(blank, 0.0, b)
    with np.errstate(invalid="ignore", divide="ignore"):
        for x in (a, b):
            x -= (x.sum(axis=1) / n)[:, None]
            np.copyto(x, 0.0, where=blank)
        denominator = np.sqrt(np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", b, b))
        r = np.einsum("ij,ij->i", a, b) / denominator
    return np.where((n >= min_pairs) & (denominator > 0), np.clip(r, -1.0, 1.0), np.nan), n


def row_indices(keyed: np.ndarray, *, instrument: Instrument) -> dict[str, np.ndarray]:
    """The indices of each row that need nothing from the rest of the sample — ``longstring`` and ``irv`` on the
    raw codes, ``even_odd`` and ``n_even_odd_pairs`` on the keyed ones — for a block of rows of the keyed matrix
    (:func:`~hsc_analysis.scoring.keyed_matrix` column order). :func:`careless_indices` applies it block by block;
    the Dask back end partition by partition."""
    return _row_indices(np.ascontiguousarray(keyed), _RowKernel.of(instrument, keyed.shape[1]))


@dataclass(frozen=True)
class _RowKernel:
    """What the row-wise indices need of the instrument: the odd- and even-item × construct indicator matrices
    (construct means for even–odd come from one product with each), and the reverse-keyed columns with their
    scale ends (to take the keyed codes back to the raw ones)."""

    halves: np.ndarray
    reverse: list[int]
    low: np.ndarray
    high: np.ndarray
    single: bool

    @classmethod
    def of(cls, instrument: Instrument, n_items: int) -> _RowKernel:
        position = {item_id: j for j, item_id in enumerate(instrument.item_ids)}
        halves = np.zeros((2, n_items, len(instrument.constructs)))
        for c, construct in enumerate(instrument.constructs):
            columns = [position[i] for i in construct.items]
            halves[0, columns[0::2], c] = halves[1, columns[1::2], c] = 1.0
        reverse = [j for j, item in enumerate(instrument.items) if item.reverse]
        scales = [instrument.scale_of(instrument.items[j].id) for j in reverse]
        low = np.array([scale.low for scale in scales], dtype=float)
        high = np.array([scale.high for scale in scales], dtype=float)
        return cls(halves, reverse, low, high, single=n_items * _code_bound(instrument) ** 2 < 2**24)


def _row_indices(block: np.ndarray, kernel: _RowKernel) -> dict[str, np.ndarray]:
    raw = block.copy()
    raw[:, kernel.reverse] = reverse_code(block[:, kernel.reverse], low=kernel.low, high=kernel.high)
    even_odd, n_even_odd = _even_odd(block, kernel.halves)
    return {"longstring": _longstring(raw), "irv": _row_sd(raw), "even_odd": even_odd, "n_even_odd_pairs": n_even_odd}


def _pattern_indices(
    keyed: np.ndarray, *, instrument: Instrument, sample: ScreeningSample, threads: int
) -> dict[str, np.ndarray]:
    """The response-pattern indices and D²'s degrees of freedom of the keyed codes (any float type), row-wise over
    blocks of rows taken to float64 one at a time (row-major, so that each index runs along contiguous rows and a
    block's temporaries stay within the processor cache), by ``threads`` threads."""
    p = len(instrument.item_ids)
    kernel = _RowKernel.of(instrument, p)
    pairs = np.zeros((p, p))
    pairs[sample.synonym_first, sample.synonym_second] = 1.0

    def block(start: int, rows: np.ndarray) -> dict[str, np.ndarray]:
        synonyms, n_synonyms = _synonyms(rows, pairs, single=kernel.single)
        return _row_indices(rows, kernel) | {
            "synonyms": synonyms,
            "n_synonym_pairs": n_synonyms,
            "mahalanobis_d2": _mahalanobis(rows, means=sample.means, inverse=sample.inverse),
            "mahalanobis_df": (~np.isnan(rows)).sum(axis=1),
        }

    blocks = (keyed[start : start + _BLOCK_ROWS] for start in range(0, len(keyed), _BLOCK_ROWS))
    parts = list(_map_blocks(block, blocks, threads=threads, copy="C"))
    like = {"longstring": 0, "irv": 0.0, "even_odd": 0.0, "n_even_odd_pairs": 0, "synonyms": 0.0,
            "n_synonym_pairs": 0, "mahalanobis_d2": 0.0, "mahalanobis_df": 0}  # fmt: skip
    return _joined(parts, like=like)


def _synonyms(keyed: np.ndarray, pairs: np.ndarray, *, single: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the correlation of x_j with x_k over the synonym pairs (j, k) both answered (``pairs``: 1 at
    [j, k]), when more than two are, and their number.

    Every sum over pairs is a bilinear form of the row: with x zero-filled and m the answered mask, Σ x_j x_k =
    xᵀPx, Σ x_j = xᵀPm, Σ x_k² = mᵀP(x∘x) and so on, from three products with P instead of gathering the pairs'
    columns. Item codes are integers, so every sum is exact and r = (nΣab − ΣaΣb) / √((nΣa² − (Σa)²)(nΣb² −
    (Σb)²)) equals the two-pass correlation (to rounding), with an exact zero for a constant row. With
    ``single``, the three products are one in float32, twice as fast and as exact when every sum is a whole number
    below 2²⁴ (:class:`_RowKernel` knows when the instrument's codes guarantee it)."""
    valid = ~np.isnan(keyed)
    x = np.where(valid, keyed, 0.0)
    mask = valid.astype(float)
    square = x * x
    stacked = np.concatenate([x, mask, square])
    dtype = np.float32 if single else np.float64
    product = (stacked.astype(dtype, copy=False) @ pairs.astype(dtype)).astype(np.float64, copy=False)
    x_p, mask_p, square_p = np.split(product, 3)

    def total(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", a, b)

    n = total(mask_p, mask)
    sum_a, sum_b = total(x_p, mask), total(mask_p, x)
    spread = (n * total(square_p, mask) - sum_a**2) * (n * total(mask_p, square) - sum_b**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (n * total(x_p, x) - sum_a * sum_b) / np.sqrt(spread)
    return np.where((n >= 3) & (spread > 0), np.clip(r, -1.0, 1.0), np.nan), n.astype(np.int64)


def _even_odd(keyed: np.ndarray, halves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the Spearman–Brown corrected correlation of the constructs' odd-item means with their even-item
    means (``halves``: the odd and the even items × constructs indicator matrices)."""
    valid = ~np.isnan(keyed)
    both = np.concatenate(list(halves), axis=1)  # the odd items' columns, then the even items'
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (np.where(valid, keyed, 0.0) @ both) / (valid.astype(float) @ both)  # sums of integer codes: exact
    odd, even = np.split(means, 2, axis=1)
    r, n = _row_correlation(even, odd, min_pairs=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        corrected = np.maximum(2 * r / (1 + r), -1.0)  # NaN stays NaN
    return corrected, n


def _mahalanobis(block: np.ndarray, *, means: np.ndarray, inverse: np.ndarray | None) -> np.ndarray:
    """D² of each row; a missing answer adds nothing (as psych::outlier); NaN without an inverse covariance."""
    valid = ~np.isnan(block)
    if inverse is None:
        return np.full(len(block), np.nan)
    centred = np.where(valid, block - means, 0.0)
    d2 = np.einsum("ij,ij->i", centred @ inverse, centred)
    return np.where(valid.any(axis=1), d2, np.nan)
