"""The streamed chain — screen a file, then score its kept rows — in memory that does not grow with the file beyond
the few bytes a respondent that the screening's first pass keeps."""

import pyarrow as pa

from hsc_analysis.instruments import load_instrument
from hsc_analysis.screening import ScreeningRules
from hsc_analysis.streaming import stream_scores
from hsc_analysis.streaming_screen import stream_screen

from .test_streaming_screen import _table

BATCH = 400


def _chain_peaks(folder, parent, n: int) -> tuple[int, int]:
    """The chain on n respondents: the peak of Python-tracked memory (numpy arrays included) and the largest Arrow
    allocation seen after any batch (Arrow's own pool, which tracemalloc does not see)."""
    import tracemalloc

    raw = folder / f"answers{n}.parquet"
    _table(parent, seed=11, n_attentive=n - 50).to_parquet(raw, index=False, row_group_size=BATCH)
    arrow = [0]

    def progress(step: str, batch: int, rows: int) -> None:
        arrow[0] = max(arrow[0], pa.total_allocated_bytes())

    tracemalloc.start()
    try:
        screened = stream_screen(raw, instrument=parent, rules=ScreeningRules(), output=folder / f"screened{n}",
                                 batch_rows=BATCH, progress=progress)  # fmt: skip
        stream_scores(screened.kept, instrument=parent, output=folder / f"scores{n}.parquet", nan_policy="listwise",
                      batch_rows=BATCH, progress=progress)  # fmt: skip
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, arrow[0]


def test_the_chain_stays_flat_in_memory_as_the_file_grows(tmp_path):
    parent = load_instrument("surveys/parent.yaml")
    _chain_peaks(tmp_path, parent, 300)  # the first run's peak holds the modules it imports
    n = 1_000
    (small, small_arrow), (large, large_arrow) = (_chain_peaks(tmp_path, parent, size) for size in (n, 4 * n))
    # in memory, every added respondent would cost its ~60 codes several times over (8 bytes each: ≥ 1 kB); streamed,
    # the first pass keeps 24 bytes of them (time per item, two 64-bit hashes) and the rest is one batch's
    per_row = (large - small) / (3 * n)
    assert per_row < 64, (small, large, per_row)
    # Arrow holds one batch at a time: a pre-buffering Parquet reader would hold every row group read so far
    assert large_arrow < small_arrow + 64 * 2**10, (small_arrow, large_arrow)
