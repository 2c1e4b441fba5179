"""Files larger than memory: screen a plain table (Parquet or CSV) in two passes over its row batches, writing the
kept rows, the exclusion log and every respondent's indices out batch by batch.

Pass 1 imports each batch and accumulates what needs the whole sample: the moments of the keyed items (merged by
addition: the Mahalanobis covariance, item means and psychometric synonyms), the time per item (for the median)
and the duplicate keys (64-bit hashes). Pass 2 imports each batch again, computes its rows' indices with the
sample of the whole file and applies the hurdles, which then depend on each row alone. Decisions and values equal
those of ``screen(read_responses(path, ...))`` on the whole file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument
from hsc_analysis.responses import METADATA_COLUMNS, SurveyResponses
from hsc_analysis.screening.hurdles import decide, duplicate_keys
from hsc_analysis.screening.indices import ScreeningSample, careless_indices, moments_and_counts
from hsc_analysis.screening.rules import ScreeningRules
from hsc_analysis.streaming import BATCH_ROWS
from hsc_analysis.streaming_keys import KeyChunks, Repeats, median_of_chunks, repeated_values

__all__ = ["StreamedScreening", "stream_screen"]

_FLOW_COUNTS = ["n_before", "n_excluded", "n_after"]


@dataclass(frozen=True)
class StreamedScreening:
    """Result of :func:`stream_screen`.

    Attributes
    ----------
    kept, excluded, indices : Path
        Parquet files written: the kept respondents (``respondent_id``, the metadata of ``METADATA_COLUMNS``,
        non-personal background and the item codes, NaN where missing); the exclusion log (``respondent_id,
        source_row, hurdle, reason, detail``); and every respondent's indices, flags and hurdle — as
        :class:`hsc_analysis.screening.ScreeningResult` gives them in ``kept``, ``excluded`` and ``indices``.
    flow : DataFrame
        The sample flow (``step, label_en, label_zh, n_before, n_excluded, n_after``) of the whole file.
    log : DataFrame
        The import log of every batch (``batch, level, column, message, n_rows``), from pass 1.
    rules : ScreeningRules
        The rules applied.
    n_rows, n_batches : int
        Respondents read and batches they came in.
    nan_policy : str
        ``"available"``, as for :func:`hsc_analysis.screening.screen`.
    """

    kept: Path
    excluded: Path
    indices: Path
    flow: pd.DataFrame
    log: pd.DataFrame
    rules: ScreeningRules
    n_rows: int
    n_batches: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        return self.flow


@threadpool_limits.wrap(limits=1, user_api="blas")  # batch × items products: extra threads only spin
def stream_screen(
    path: str | Path,
    *,
    instrument: Instrument,
    rules: ScreeningRules,
    output: str | Path,
    mapping: Mapping[str, str | None] | None = None,
    on_invalid: Literal["raise", "mark"] = "mark",
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[str, int, int], None] | None = None,
) -> StreamedScreening:
    """Import and screen a plain table larger than memory in two passes over batches of rows.

    Parameters
    ----------
    path : str or Path
        A plain table (``.parquet``, ``.csv``) as :func:`hsc_analysis.io.read_responses` reads one with
        ``source="table"``: one column per question, optional ``respondent_id``, ``duration_seconds``,
        ``submitted_at`` and ``channel`` columns.
    instrument : Instrument
        The questionnaire the answers belong to.
    rules : ScreeningRules
        Thresholds of the hurdles.
    output : str or Path
        Folder (created if absent) for ``kept.parquet``, ``excluded.parquet`` and ``indices.parquet``.
    mapping, on_invalid
        As for :func:`hsc_analysis.io.read_responses`; invalid answers are marked by default (screening excludes
        those respondents).
    batch_rows : int
        Rows per batch (one batch and its indices are in memory at a time).
    progress : callable, optional
        Called after every batch as ``progress(step, batches_done, rows_done)``, ``step`` being ``"sample"`` in
        pass 1 and ``"screen"`` in pass 2.

    Returns
    -------
    StreamedScreening

    Raises
    ------
    DataError
        As :func:`hsc_analysis.io.read_responses` (a file or column problem, a repeated respondent id across the
        whole file), and for a ``batch_rows`` that is not a positive integer or a file that holds no respondent.

    Notes
    -----
    Pass 1 keeps, per respondent, the time per item (8 bytes) and the 64-bit hashes of the duplicate keys (8 bytes
    each: the respondent id, each ``duplicate_id_columns`` column and the answers): 24 bytes a respondent by
    default, against 8 bytes per item and more in memory. An exact median and duplicates across the whole file need
    them; they are drawn from the batches' arrays without joining them (:mod:`hsc_analysis.streaming_keys`: radix
    selection for the median, one hash partition at a time for the duplicates). Everything else is a sum over
    batches (:class:`hsc_analysis.moments.Moments`) or a batch's own. Pass 2 reads the file again (and a third pass
    finds the rows in the file of repeated respondent ids, to name them in the error). Parquet is read without
    pre-buffering (:func:`hsc_analysis.io.grid.grid_batches`). Runs with one BLAS thread, as
    :func:`hsc_analysis.streaming.stream_scores`.

    The indices, the flags, every hurdle's decision, the exclusion details and the flow equal those of
    :func:`hsc_analysis.screening.screen` on :func:`hsc_analysis.io.read_responses` of the whole file (tested to
    1e-10 at two batch sizes, and memory tested flat as the file grows). 10⁸ respondents × 36 items were screened in
    3,036 MiB of peak RSS (``benchmarks/bench_streaming.py``).

    Examples
    --------
    >>> import tempfile
    >>> inst = Instrument.from_keys({"A": ["a1", "a2", "a3"]}, response_range=(1, 5))
    >>> rng = np.random.default_rng(0)
    >>> table = pd.DataFrame(rng.integers(1, 6, size=(40, 3)).astype(float), columns=["a1", "a2", "a3"])
    >>> table.insert(0, "duration_seconds", 60.0)
    >>> table.loc[5] = [60.0, 9.0, 2.0, 3.0]  # 9 is not a code of the 1–5 scale: an invalid answer
    >>> folder = Path(tempfile.mkdtemp())
    >>> table.to_parquet(folder / "answers.parquet")
    >>> result = stream_screen(folder / "answers.parquet", instrument=inst, rules=ScreeningRules(),
    ...                        output=folder / "screened", batch_rows=16)
    >>> excluded = pd.read_parquet(result.excluded)
    >>> result.n_batches, excluded.loc[excluded["hurdle"] == "invalid", "respondent_id"].tolist()
    (3, ['6'])
    """
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise DataError(f"stream_screen: batch_rows must be a positive integer; got {batch_rows!r}")
    path, folder = Path(path), Path(output)

    def batches() -> Iterator[SurveyResponses]:
        from hsc_analysis.io.grid import grid_batches
        from hsc_analysis.io.plain import METADATA, read_plain
        from hsc_analysis.io.responses import responses_of_export

        for grid in grid_batches(path, batch_rows=batch_rows, text_headers=METADATA):
            export = read_plain(grid)
            if len(export.questions):
                yield responses_of_export(export, instrument, path=path, mapping=mapping, on_invalid=on_invalid)

    sample, repeats, key_names, logs, keys = _first_pass(batches(), path=path, instrument=instrument, rules=rules,
                                                         progress=progress)  # fmt: skip
    repeated = repeated_values(keys[0])  # the respondent id, as import checks it
    if len(repeated):
        rows = _source_rows(batches(), repeated)
        shown = ", ".join(map(str, rows[:5])) + (f" … ({len(rows)} rows)" if len(rows) > 5 else "")
        raise DataError(f"{path}: column 'respondent_id' repeats respondent id(s) in row(s) {shown}")
    del keys
    needed = np.unique(repeats.earlier)  # rows repeated later: their ids name the duplicates
    seen: dict[int, str] = {}
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / f"{name}.parquet" for name in ("kept", "excluded", "indices")}
    sinks = {name: _ParquetSink(file, fixed=_excluded_schema() if name == "excluded" else None)
             for name, file in files.items()}  # fmt: skip
    flow, offset, n_batches = None, 0, 0
    personal = {q.id for q in (*instrument.background, *instrument.identifiers) if q.pii}
    try:
        for data in batches():
            rows = slice(offset, offset + data.n)
            ids = data.items.index.astype(str).to_numpy(dtype=object)
            here = needed[slice(*np.searchsorted(needed, [rows.start, rows.stop]))]
            seen.update(zip(here.tolist(), ids[here - offset], strict=True))
            earlier, which = repeats.of_rows(rows.start, rows.stop)
            duplicate_of = np.array([seen.get(p) for p in earlier.tolist()], dtype=object)
            indices = careless_indices(data, instrument=instrument, sample=sample)
            result = decide(data, indices=indices, duplicate_of=duplicate_of, duplicate_key=which,
                            key_names=key_names, instrument=instrument, rules=rules)  # fmt: skip
            sinks["kept"].write(_kept_table(result.kept, personal))
            sinks["excluded"].write(result.excluded)
            sinks["indices"].write(result.indices.reset_index())
            counts = result.flow[_FLOW_COUNTS]
            flow = result.flow if flow is None else flow.assign(**{c: flow[c] + counts[c] for c in _FLOW_COUNTS})
            offset, n_batches = rows.stop, n_batches + 1
            if progress is not None:
                progress("screen", n_batches, offset)
    finally:
        for sink in sinks.values():
            sink.close()
    return StreamedScreening(files["kept"], files["excluded"], files["indices"], flow, logs, rules, offset,
                             n_batches, "available")  # fmt: skip


def _first_pass(
    batches: Iterator[SurveyResponses],
    *,
    path: Path,
    instrument: Instrument,
    rules: ScreeningRules,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[ScreeningSample, Repeats, list[str], pd.DataFrame, list[KeyChunks]]:
    """The sample of the whole file, the rows that repeat an earlier one, the keys' names, the import logs and the
    keys' hashes (for the error naming repeated ids)."""
    moments, seconds, keys, logs, key_names, n_rows = None, [], [], [], [], 0
    for b, data in enumerate(batches):
        part, counts = moments_and_counts(data, instrument=instrument)
        moments = part if moments is None else moments + part
        seconds.append(counts["seconds_per_item"])
        named = duplicate_keys(data, instrument=instrument, rules=rules)
        key_names = [name for name, _ in named]
        keys = keys or [KeyChunks() for _ in named]
        for chunks, (_, hashed) in zip(keys, named, strict=True):
            chunks.append(hashed)
        logs.append(data.log.assign(batch=b + 1))
        n_rows += data.n
        if progress is not None:
            progress("sample", b + 1, n_rows)
    if moments is None:
        raise DataError(f"{path}: holds no respondents")
    sample = ScreeningSample.of(moments, median_seconds_per_item=median_of_chunks(seconds),
                                synonym_min_r=rules.synonym_min_r)  # fmt: skip
    del seconds
    log = pd.concat(logs, ignore_index=True)
    return sample, Repeats.of(keys), key_names, log[["batch", *(c for c in log.columns if c != "batch")]], keys


def _source_rows(batches: Iterator[SurveyResponses], positions: np.ndarray) -> np.ndarray:
    """The rows in the file of the respondents at ``positions`` (ascending), read in one more pass."""
    found, offset = [], 0
    for data in batches:
        at = positions[(positions >= offset) & (positions < offset + data.n)] - offset
        found.append(data.metadata["source_row"].to_numpy()[at])
        offset += data.n
    return np.concatenate(found)


def _kept_table(kept: SurveyResponses, personal: set[str]) -> pd.DataFrame:
    """The kept rows as one table without personal data: id, standard metadata, non-personal background, items."""
    metadata = kept.metadata[[c for c in METADATA_COLUMNS if c in kept.metadata.columns]]
    background = kept.background[
        [c for c in kept.background.columns if c.split("__")[0] not in personal and not c.endswith("__other")]
    ]
    table = pd.concat([metadata, background, kept.items], axis=1)
    return table.rename_axis("respondent_id").reset_index()


def _excluded_schema():
    """The exclusion log's columns: a batch without exclusions has no values to infer their types from."""
    import pyarrow as pa

    text = pa.string()
    return pa.schema([("respondent_id", text), ("source_row", pa.int64()), ("hurdle", text), ("reason", text),
                      ("detail", text)])  # fmt: skip


class _ParquetSink:
    """Appends frames to one Parquet file; text columns are written as strings, so that a batch whose text column
    happens to be empty has the schema of the others."""

    def __init__(self, path: Path, *, fixed=None) -> None:
        self.path, self.writer, self.schema = path, None, fixed

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.writer is None and self.schema is not None:
            self.writer = pq.ParquetWriter(self.path, self.schema)
        if self.schema is None:
            inferred = pa.Schema.from_pandas(frame, preserve_index=False)
            text = {c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
                    and not pd.api.types.is_datetime64_any_dtype(frame[c])}  # fmt: skip
            self.schema = pa.schema([pa.field(f.name, pa.string()) if f.name in text else f for f in inferred])
            self.writer = pq.ParquetWriter(self.path, self.schema)
        self.writer.write_table(pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
