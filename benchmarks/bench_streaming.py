"""Benchmark: stream_scores on Parquet files of growing size — time and peak memory (flat when streaming works).

Run from the repository root:

    OPENBLAS_NUM_THREADS=1 uv run python benchmarks/bench_streaming.py [N ...]     (default 1,000,000 4,000,000)

Each file holds N respondents × 36 items (bench_scale.py's six scales of six items, 2 % blank), written in row
groups of 100,000 rows from data generated chunk by chunk, so that writing it needs no more memory than one chunk.
Every size is streamed in a fresh process, which reports its wall time and peak resident set size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_scale import _instrument, codes

CHUNK = 100_000


def write(path: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    for start in range(0, n, CHUNK):
        table = pa.Table.from_pandas(codes(min(CHUNK, n - start)), preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def run_once(path: str) -> None:
    import resource

    import pyarrow.parquet  # noqa: F401

    import hsc_analysis.measurement.reliability  # noqa: F401  (imports are not timed)
    from hsc_analysis.streaming import stream_scores

    start = time.perf_counter()
    result = stream_scores(path, instrument=_instrument(), output=Path(path).with_suffix(".scores.parquet"),
                           nan_policy="listwise")  # fmt: skip
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    alpha = result.reliability["alpha"].round(6).tolist()
    print(json.dumps({"seconds": seconds, "rss_mib": rss, "rows": result.n_rows, "alpha": alpha}))


def main(sizes: list[int]) -> None:
    print(f"{'rows':>12} {'seconds':>8} {'rows/s':>11} {'peak RSS MiB':>13}  alpha of the six scales")
    with tempfile.TemporaryDirectory() as folder:
        for n in sizes:
            path = Path(folder) / f"codes{n}.parquet"
            write(path, n)
            out = subprocess.run([sys.executable, __file__, "--run", str(path)], capture_output=True, text=True,
                                 check=True).stdout  # fmt: skip
            r = json.loads(out.splitlines()[-1])
            print(f"{r['rows']:>12,} {r['seconds']:8.1f} {r['rows'] / r['seconds']:11,.0f} {r['rss_mib']:13,.0f}  "
                  f"{r['alpha']}")  # fmt: skip
            path.unlink()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        run_once(sys.argv[2])
    else:
        main([int(a) for a in sys.argv[1:]] or [1_000_000, 4_000_000])
