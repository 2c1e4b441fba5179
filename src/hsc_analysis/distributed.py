"""The same results on a Dask DataFrame: row-wise work partition by partition, statistics from a tree reduction of
moment sums, so that a data centre runs the analysis on its Dask cluster as it is.

A Dask DataFrame of item codes (one column per item id, as ``dask.dataframe.read_parquet`` gives it) is handled by
the kernels of the in-memory functions: each partition is keyed and scored by :func:`hsc_analysis.scoring` and
summed into :class:`hsc_analysis.moments.Moments`; the partitions' sums are added in a tree of tasks
(``SPLIT_EVERY`` at a time) and the statistics computed once from the total, by the same code as in memory. Sums of
integer codes are exact, so the results equal the in-memory ones whatever the partitioning.

Nothing here starts a cluster: the work runs on Dask's current scheduler — the local threads by default, or the
cluster of a ``distributed.Client`` created beforehand. Dask is imported only when a function here is called
(install it with the ``dask`` extra).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.moments import Moments, group_moments, row_blocks
from hsc_analysis.scoring import keyed_matrix, score_scales, scores_of_keyed, select_constructs

__all__ = [
    "SPLIT_EVERY",
    "DaskMoments",
    "dask_item_table",
    "dask_moments",
    "dask_reliability",
    "dask_row_indices",
    "dask_score_scales",
]

SPLIT_EVERY = 8
"""Partial sums merged by one task of the tree reduction."""


@dataclass(frozen=True)
class DaskMoments:
    """Result of :func:`dask_moments`: the moment sums of a whole Dask DataFrame, merged over its partitions.

    Attributes
    ----------
    constructs : tuple of Moments
        Each construct's keyed items under ``nan_policy`` (as :func:`hsc_analysis.moments.group_moments`).
    items : Moments
        All keyed items, pairwise (each pair over the rows where both are answered).
    summary : DataFrame
        As :attr:`hsc_analysis.scoring.ScaleScores.summary`, counted over every partition.
    instrument : Instrument
    nan_policy : str
    n_rows, n_partitions : int
    """

    constructs: tuple[Moments, ...]
    items: Moments
    summary: pd.DataFrame
    instrument: Instrument
    nan_policy: str
    n_rows: int
    n_partitions: int

    def reliability(self, *, confidence: float = 0.95) -> pd.DataFrame:
        """:func:`hsc_analysis.measurement.reliability` with ``n_boot=0, ordinal=False``: α, Feldt's interval,
        standardised α, average r, ω total, the smallest item–total r and the flags, per construct."""
        from hsc_analysis.measurement.reliability import reliability_of_moments

        return reliability_of_moments(
            self.constructs, instrument=self.instrument, nan_policy=self.nan_policy, confidence=confidence
        )

    def correlations(self) -> pd.DataFrame:
        """Pairwise-complete correlations of all keyed items (as pandas ``DataFrame.corr`` of the keyed items)."""
        items = [item_id for construct in self.instrument.constructs for item_id in construct.items]
        return pd.DataFrame(self.items.covariance()[1], index=items, columns=items)

    def to_frame(self) -> pd.DataFrame:
        return self.reliability()


def dask_moments(frame, *, instrument: Instrument, nan_policy: str) -> DaskMoments:
    """Key, score and sum every partition of a Dask DataFrame of item codes, and merge the sums in a tree.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        One column per item (named by item id); other columns are not read.
    instrument : Instrument
        Items, keys, response scales and min-valid rules.
    nan_policy : {"listwise", "pairwise"}
        Rows entering each construct's statistics (as :func:`hsc_analysis.measurement.reliability`).

    Returns
    -------
    DaskMoments
        The merged sums; ``.reliability()`` and ``.correlations()`` compute the statistics (the item table,
        whose critical ratio needs a second pass, is :func:`dask_item_table`).

    Raises
    ------
    DataError
        An item column missing from ``frame``, or a code off the scale (raised when the partition holding it is
        computed, naming its index label).

    Notes
    -----
    Per partition (a pandas DataFrame): :func:`hsc_analysis.scoring.keyed_matrix`, the summary counts of
    :func:`hsc_analysis.scoring.scores_of_keyed`, :func:`hsc_analysis.moments.group_moments` of the constructs and
    the pairwise :class:`hsc_analysis.moments.Moments` of all items. Partial sums are added ``SPLIT_EVERY`` at a
    time until one is left, which is the only thing brought back from the workers. Reliability, correlations and
    counts equal those of ``reliability(n_boot=0, ordinal=False)``, pandas ``corr`` of the keyed items and
    ``score_scales`` on the whole table in memory (tested to 1e-10 on the example and on synthetic
    codes with missing values, on a two-worker ``LocalCluster`` and on the synchronous scheduler).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> inst = Instrument.from_keys({"A": ["a1", "a2", "-a3"]}, response_range=(1, 5))
    >>> codes = pd.DataFrame({"a1": [1, 2, 4, 5, 3], "a2": [2, 2, 5, 4, 3], "a3": [5, 4, 1, 2, 3]})
    >>> sums = dask_moments(dd.from_pandas(codes, npartitions=2), instrument=inst, nan_policy="listwise")
    >>> sums.n_partitions, round(float(sums.reliability()["alpha"].iloc[0]), 4)
    (2, 0.9626)
    """
    selected, items, groups, parts = _partitions(frame, instrument, nan_policy, "dask_moments")
    per_construct, all_items, counts, n_rows = _sum_over(parts, _partition_sums, instrument, groups, nan_policy)
    summary = scores_of_keyed(np.empty((0, len(items))), selected=selected, index=pd.RangeIndex(0)).summary
    summary[["n", "n_scored", "n_insufficient"]] = counts.astype(int)
    return DaskMoments(tuple(per_construct), all_items, summary, instrument, nan_policy, n_rows, len(parts))


def dask_reliability(frame, *, instrument: Instrument, nan_policy: str, confidence: float = 0.95) -> pd.DataFrame:
    """:func:`hsc_analysis.measurement.reliability` (``n_boot=0, ordinal=False``) of a Dask DataFrame of item
    codes: one row per construct, from :func:`dask_moments`.

    The bootstrap and the polychoric (ordinal) statistics need the rows themselves and are left out (NaN); every
    other column equals the in-memory table (tested to 1e-10).
    """
    return dask_moments(frame, instrument=instrument, nan_policy=nan_policy).reliability(confidence=confidence)


def dask_item_table(frame, *, instrument: Instrument, nan_policy: str) -> pd.DataFrame:
    """:func:`hsc_analysis.measurement.item_table` of a Dask DataFrame of item codes, in two passes.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        One column per item (named by item id).
    instrument : Instrument
    nan_policy : {"listwise", "pairwise"}
        Applied per construct, as in :func:`hsc_analysis.measurement.item_table`.

    Returns
    -------
    DataFrame
        The columns, values and flags of ``item_table`` (tested equal to 1e-10).

    Notes
    -----
    Pass 1: each construct's moments and the distribution of its total scores (the mean of the items answered;
    a few hundred distinct values), merged in a tree; the 27 % and 73 % cuts follow exactly
    (:func:`hsc_analysis.measurement.reliability.extreme_cuts`). Pass 2: the answers, sums and sums of squares of
    each item in the low and high groups, merged the same way, give Welch's critical ratio.
    """
    from hsc_analysis.measurement.reliability import extreme_cuts, item_table_of_moments

    _, _, groups, parts = _partitions(frame, instrument, nan_policy, "dask_item_table")
    moments, totals, n_rows = _sum_over(parts, _partition_totals, instrument, groups, nan_policy)
    cuts = [extreme_cuts(counts) if len(counts) else (np.nan, np.nan) for counts in totals]
    extremes = _sum_over(parts, _partition_extremes, instrument, groups, nan_policy, cuts)
    return item_table_of_moments(moments, instrument=instrument, nan_policy=nan_policy, n_rows=n_rows,
                                 extremes=extremes)  # fmt: skip


def dask_score_scales(frame, *, instrument: Instrument, constructs: Sequence[str] | None = None):
    """:func:`hsc_analysis.scoring.score_scales` partition by partition: a lazy Dask DataFrame of scores.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        One column per item (named by item id).
    instrument : Instrument
    constructs : list of construct ids, optional

    Returns
    -------
    dask.dataframe.DataFrame
        One float column per construct, with ``frame``'s index and partitions; nothing is computed until it is
        (``.to_parquet(...)``, ``.compute()``). The counts of scored and insufficient respondents are in
        :attr:`DaskMoments.summary`.
    """
    _dask()
    selected, items = _selected_items(frame, instrument, constructs)
    ids = [c.id for c in selected]
    meta = pd.DataFrame({c: pd.Series(dtype=float) for c in ids}, index=frame._meta.index)
    return frame[items].map_partitions(_score_partition, instrument, ids, meta=meta)


def dask_row_indices(frame, *, instrument: Instrument):
    """The careless-response indices of :func:`hsc_analysis.screening.careless_indices` that need no statistic of
    the whole sample, partition by partition: a lazy Dask DataFrame.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        One column per scale item of ``instrument`` (named by item id).
    instrument : Instrument
        Items in questionnaire order, constructs and keys.

    Returns
    -------
    dask.dataframe.DataFrame
        ``longstring, irv, even_odd, n_even_odd_pairs``, with ``frame``'s index: the values ``careless_indices``
        gives these respondents (tested equal on the example). The sample-wide indices (psychometric synonyms,
        Mahalanobis D², the speed ratio) and the hurdles need the whole sample and stay with ``screen``.
    """
    _dask()
    _, items = _selected_items(frame, instrument, None)
    return frame[items].map_partitions(_row_partition, instrument, meta=_row_partition(frame[items]._meta, instrument))


def _dask():
    try:
        import dask
    except ImportError as err:  # pragma: no cover - dask is in the dev group
        raise InputError(
            "the Dask back end needs dask: install hsc-analysis with its dask extra (hsc-analysis[dask])"
        ) from err
    return dask


def _selected_items(frame, instrument: Instrument, constructs):
    if not hasattr(frame, "to_delayed"):
        raise InputError(f"frame must be a dask DataFrame of item codes, got {type(frame).__name__}")
    selected = select_constructs(instrument, constructs)
    items = [item_id for c in selected for item_id in c.items]
    absent = [i for i in items if i not in frame.columns]
    if absent:
        raise DataError(
            f"the Dask DataFrame lacks {len(absent)} item column(s) of instrument '{instrument.id}': "
            f"{', '.join(absent)}"
        )
    return selected, items


def _partition_sums(part: pd.DataFrame, instrument: Instrument, groups, nan_policy: str):
    """One partition's sums: per-construct moments, all items' pairwise moments, the score counts, the rows."""
    keyed = keyed_matrix(part, instrument=instrument)
    scored = scores_of_keyed(keyed, selected=list(instrument.constructs), index=part.index)
    counts = scored.summary[["n", "n_scored", "n_insufficient"]].to_numpy()
    return group_moments(row_blocks(keyed), groups, nan_policy=nan_policy), Moments.of(keyed), counts, len(part)


def _partition_totals(part: pd.DataFrame, instrument: Instrument, groups, nan_policy: str):
    """One partition's construct moments, the counts of each construct's total scores, and its rows."""
    from hsc_analysis.measurement.reliability import total_counts

    keyed = keyed_matrix(part, instrument=instrument)
    totals = [total_counts(keyed[:, g], nan_policy=nan_policy) for g in groups]
    return group_moments(row_blocks(keyed), groups, nan_policy=nan_policy), totals, len(part)


def _partition_extremes(part: pd.DataFrame, instrument: Instrument, groups, nan_policy: str, cuts):
    """One partition's sums of each construct's extreme groups."""
    from hsc_analysis.measurement.reliability import ExtremeGroups

    keyed = keyed_matrix(part, instrument=instrument)
    return [ExtremeGroups.of(keyed[:, g], nan_policy=nan_policy, cuts=c) for g, c in zip(groups, cuts, strict=True)]


def _partitions(frame, instrument: Instrument, nan_policy: str, function: str):
    """The constructs, their items, each construct's columns among them, and the frame's partitions (delayed)."""
    _dask()
    from hsc_analysis.measurement._matrix import NAN_POLICIES, check_option

    check_option(nan_policy, NAN_POLICIES, parameter="nan_policy", function=function)
    selected, items = _selected_items(frame, instrument, None)
    position = {item_id: j for j, item_id in enumerate(items)}
    groups = [[position[i] for i in c.items] for c in selected]
    return selected, items, groups, frame[items].to_delayed()


def _sum_over(parts: list, kernel, instrument: Instrument, *arguments):
    """``kernel(partition, instrument, *arguments)`` on every partition, the results added up in a tree of tasks
    (``SPLIT_EVERY`` at a time) and computed; one task holds the instrument, not every partition's."""
    import dask

    shared = dask.delayed(instrument, traverse=False)
    partials = [dask.delayed(kernel, pure=True)(part, shared, *arguments) for part in parts]
    merge = dask.delayed(_merge, pure=True)
    while len(partials) > 1:
        partials = [merge(*partials[i : i + SPLIT_EVERY]) for i in range(0, len(partials), SPLIT_EVERY)]
    return partials[0].compute()


def _merge(*parts):
    """The sum of partial sums of one shape: lists and tuples element by element, counts of total scores (Series)
    by their index, everything else (Moments, ExtremeGroups, arrays, numbers) with ``+``."""
    first = parts[0]
    if isinstance(first, list | tuple):
        return type(first)(_merge(*same) for same in zip(*parts, strict=True))
    if isinstance(first, pd.Series):
        return reduce(lambda a, b: a.add(b, fill_value=0), parts)
    return reduce(operator.add, parts)


def _score_partition(part: pd.DataFrame, instrument: Instrument, ids: list[str]) -> pd.DataFrame:
    return score_scales(part, instrument=instrument, constructs=ids).scores


def _row_partition(part: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The row-wise careless indices of one partition, by the kernels ``careless_indices`` uses."""
    from hsc_analysis.screening.indices import row_indices

    columns = row_indices(keyed_matrix(part, instrument=instrument), instrument=instrument)
    return pd.DataFrame(columns, index=part.index)
