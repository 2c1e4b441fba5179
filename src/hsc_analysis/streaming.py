"""Files larger than memory: score a Parquet table of item codes batch by batch, writing the scores out as they are
computed, and accumulate the moments behind α and the item correlations, merged exactly at the end.

Only one batch of rows is in memory at a time, so memory stays flat however many respondents the file holds. The
moment sums are exact for integer item codes (every partial sum is an integer below 2⁵³), so the statistics equal
those computed in memory on the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument
from hsc_analysis.io.grid import parquet_batches
from hsc_analysis.moments import Moments
from hsc_analysis.scoring import keyed_matrix, scores_of_keyed, select_constructs

__all__ = ["StreamedScores", "stream_scores"]

BATCH_ROWS = 65_536
"""Rows read per batch by default: about 65,536 × items × 8 bytes of keyed codes at a time."""


@dataclass(frozen=True)
class StreamedScores:
    """Result of :func:`stream_scores`.

    Attributes
    ----------
    output : Path
        The Parquet file of scores written: ``respondent_id`` (when the input has it) and one column per construct.
    summary : DataFrame
        As :attr:`hsc_analysis.scoring.ScaleScores.summary`, counted over the whole file.
    reliability : DataFrame
        One row per construct: ``construct, n_items, n, nan_policy, alpha, ci_low, ci_high`` (Feldt),
        ``std_alpha, average_r`` — as :func:`hsc_analysis.measurement.reliability` gives them.
    correlations : DataFrame
        Pairwise-complete correlations of all keyed items (item × item; NaN for a pair never answered together).
    n_rows, n_batches : int
        Respondents read and batches they came in.
    """

    output: Path
    summary: pd.DataFrame
    reliability: pd.DataFrame
    correlations: pd.DataFrame
    n_rows: int
    n_batches: int

    def to_frame(self) -> pd.DataFrame:
        return self.reliability


@threadpool_limits.wrap(limits=1, user_api="blas")  # batch × items products: extra threads only spin
def stream_scores(
    path: str | Path,
    *,
    instrument: Instrument,
    output: str | Path,
    nan_policy: str,
    constructs: Sequence[str] | None = None,
    confidence: float = 0.95,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[str, int, int], None] | None = None,
) -> StreamedScores:
    """Score a Parquet table of item codes batch by batch; α and the item correlations from merged moments.

    Parameters
    ----------
    path : str or Path
        Parquet file with one column per item (named by item id) and optionally ``respondent_id``; other columns
        are not read.
    instrument : Instrument
        Items, keys, response scales and min-valid rules.
    output : str or Path
        Parquet file the scores are written to (must differ from ``path``).
    nan_policy : {"listwise", "pairwise"}
        Rows entering each construct's α (as :func:`hsc_analysis.measurement.reliability`).
    constructs : list of construct ids, optional
        Only these constructs; all by default.
    confidence : float
        Level of Feldt's interval.
    batch_rows : int
        Rows per batch.
    progress : callable, optional
        Called after every batch as ``progress("score", batches_done, rows_done)``.

    Returns
    -------
    StreamedScores

    Raises
    ------
    DataError
        A missing file or item column, or a code off the scale (the row is named by its position in the file).

    Notes
    -----
    Per batch: key the items once (:func:`hsc_analysis.scoring.keyed_matrix`), score them, append the scores to
    ``output``, and add the batch's :class:`hsc_analysis.moments.Moments` (per construct under ``nan_policy``, and
    of all items pairwise) to running totals. Scores, counts, α and correlations equal those of ``score_scales``,
    ``reliability`` and pairwise ``corr`` on the whole table (tested to 1e-10). Runs with one BLAS thread: the
    products are batch × items, too thin for more threads to help, and on a busy machine idle BLAS threads spin.

    Examples
    --------
    >>> import tempfile
    >>> inst = Instrument.from_keys({"A": ["a1", "a2", "-a3"]}, response_range=(1, 5))
    >>> codes = pd.DataFrame({"a1": [1, 2, 4, 5, 3], "a2": [2, 2, 5, 4, 3], "a3": [5, 4, 1, 2, 3]})
    >>> folder = Path(tempfile.mkdtemp())
    >>> codes.to_parquet(folder / "codes.parquet")
    >>> result = stream_scores(folder / "codes.parquet", instrument=inst, output=folder / "scores.parquet",
    ...                        nan_policy="listwise", batch_rows=2)
    >>> result.n_batches, round(float(result.reliability["alpha"].iloc[0]), 4)
    (3, 0.9626)
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from hsc_analysis.measurement._matrix import check_option
    from hsc_analysis.measurement.reliability import alpha_of_moments

    check_option(nan_policy, ("listwise", "pairwise"), parameter="nan_policy", function="stream_scores")
    path, output = Path(path), Path(output)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if output.resolve() == path.resolve():
        raise DataError(f"{output}: the scores would overwrite the input; choose another output file")
    if not isinstance(batch_rows, int) or batch_rows < 1:
        raise DataError(f"stream_scores: batch_rows must be a positive integer; got {batch_rows!r}")
    selected = select_constructs(instrument, constructs)
    ids = [c.id for c in selected]
    items = [item_id for c in selected for item_id in c.items]
    source = pq.ParquetFile(path)
    names = set(source.schema_arrow.names)
    absent = [i for i in items if i not in names]
    if absent:
        raise DataError(f"{path}: lacks {len(absent)} item column(s) of '{instrument.id}': {', '.join(absent)}")
    id_column = ["respondent_id"] if "respondent_id" in names else []
    position = {item_id: j for j, item_id in enumerate(items)}
    blocks = [[position[i] for i in c.items] for c in selected]
    per_construct = [Moments.zero(len(b)) for b in blocks]
    all_items = Moments.zero(len(items))
    summary, n_rows, n_batches, writer = None, 0, 0, None
    try:
        for batch in parquet_batches(path, batch_rows=batch_rows, columns=[*id_column, *items]):
            frame = batch.to_pandas()
            frame.index = pd.RangeIndex(n_rows + 1, n_rows + 1 + len(frame), name="row")
            keyed = keyed_matrix(frame, instrument=instrument, constructs=ids)
            scored = scores_of_keyed(keyed, selected=selected, index=frame.index)
            table = scored.scores.reset_index(drop=True)
            if id_column:
                table.insert(0, "respondent_id", frame["respondent_id"].to_numpy())
            arrow = pa.Table.from_pandas(table, preserve_index=False)
            writer = writer or pq.ParquetWriter(output, arrow.schema)
            writer.write_table(arrow)
            counts = scored.summary[["n", "n_scored", "n_insufficient"]]
            summary = (
                scored.summary if summary is None else summary.assign(**{c: summary[c] + counts[c] for c in counts})
            )
            per_construct = [
                m + Moments.of(keyed[:, b], nan_policy=nan_policy) for m, b in zip(per_construct, blocks, strict=True)
            ]
            all_items = all_items + Moments.of(keyed)
            n_rows += len(frame)
            n_batches += 1
            if progress is not None:
                progress("score", n_batches, n_rows)
    finally:
        if writer is not None:
            writer.close()
    if summary is None:
        raise DataError(f"{path}: holds no rows")
    rows = []
    for construct, moments in zip(selected, per_construct, strict=True):
        row = {"construct": construct.id, "n_items": len(construct.items), "n": moments.rows, "nan_policy": nan_policy}
        statistics = dict.fromkeys(("alpha", "ci_low", "ci_high", "std_alpha", "average_r"), np.nan)
        if len(construct.items) >= 2 and moments.rows >= 3 and not moments.constant(list(construct.items)):
            alpha = alpha_of_moments(moments, nan_policy, confidence=confidence)
            statistics = {"alpha": alpha.estimate, "ci_low": alpha.ci_low, "ci_high": alpha.ci_high,
                          "std_alpha": alpha.std_alpha, "average_r": alpha.average_r}  # fmt: skip
        rows.append({**row, **statistics})
    correlations = pd.DataFrame(all_items.covariance()[1], index=items, columns=items)
    return StreamedScores(output, summary, pd.DataFrame(rows), correlations, n_rows, n_batches)
