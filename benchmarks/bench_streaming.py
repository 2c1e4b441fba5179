"""Benchmark: the streamed chain on a file larger than memory would be — generate, screen, score — with the wall
time, CPU time and peak memory of each step.

Run from the repository root:

    OPENBLAS_NUM_THREADS=1 uv run python benchmarks/bench_streaming.py [N ...] [--folder DIR] [--keep]

Defaults: 1,000,000 and 4,000,000 rows, in a temporary folder (``--folder`` puts the files elsewhere: 100,000,000
rows need about 7 GB of disk for the answers and as much again for the kept rows and the scores; ``--keep`` leaves
them there). For every N, three steps, each in a fresh process that reports its wall and CPU seconds and its peak
resident set size (VmHWM, counted from the process's start):

- ``generate``: ``respondent_id``, ``duration_seconds`` and the 36 item codes of bench_scale.py's six scales of six
  items (2 % blank, the sixth item of each scale written reversed), made and written 100,000 rows at a time (a
  different seed per chunk) as one row group each, so that generating is as flat in memory as reading;
- ``screen``: :func:`hsc_analysis.streaming_screen.stream_screen` with the default rules (two passes; kept,
  excluded and indices Parquet);
- ``score``: :func:`hsc_analysis.streaming.stream_scores` of the kept rows (listwise α of the six scales and the
  36 × 36 correlation table; scores Parquet).

Measured 2026-12-02 on the 2-core machine shared with three other jobs (load average 5–9, so wall time was 2–5 ×
CPU time: compare CPU seconds), one BLAS thread, batches of 65,536 rows; 100,000,000 rows under ``--folder``:

    rows          step       wall s   CPU s  rows/s (CPU)  peak RSS MiB
    100,000,000   generate    1,205     242       412,553          372
    100,000,000   screen      2,270     943       106,105        3,036   98,894,480 kept, 1,105,520 excluded
     98,894,480   score         555     190       521,877          491   α 0.8863 for each of the six scales
                                                                         (listwise n 87.60–87.61 million)

The whole chain: 1,374 s CPU (23 min), 67 min wall. At 1,000,000 rows the screening peaked at 469 MiB and at
4,000,000 at 533 MiB: one batch with the modules (≈ 470 MiB) plus the first pass's 24 bytes a respondent
(3,036 MiB at 10⁸); scoring is flat (406 → 491 MiB from 1M to 99M rows).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_import_screen import THREADS, _peak_rss_mib
from bench_scale import SEED, _instrument, codes

CHUNK = 100_000


def generate(path: Path, n: int) -> dict:
    """Writes the answers of n respondents chunk by chunk; returns the rows written."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for chunk, start in enumerate(range(0, n, CHUNK)):
            size = min(CHUNK, n - start)
            table = codes(size, seed=SEED + chunk)
            rng = np.random.default_rng([SEED, chunk])
            table.insert(0, "respondent_id", np.char.add("r", np.arange(start, start + size).astype(str)))
            table.insert(1, "duration_seconds", rng.lognormal(5.4, 0.4, size).round(1))
            arrow = pa.Table.from_pandas(table, preserve_index=False)
            writer = writer or pq.ParquetWriter(path, arrow.schema)
            writer.write_table(arrow)
    finally:
        if writer is not None:
            writer.close()
    return {"rows": n}


def screen(path: Path, folder: Path) -> dict:
    from hsc_analysis.screening import ScreeningRules
    from hsc_analysis.streaming_screen import stream_screen

    result = stream_screen(path, instrument=_instrument(), rules=ScreeningRules(), output=folder)
    return {"rows": result.n_rows, "kept": int(result.flow["n_after"].iloc[-1]),
            "excluded": int(result.flow["n_excluded"].sum()), "batches": result.n_batches}  # fmt: skip


def score(path: Path, output: Path) -> dict:
    from hsc_analysis.streaming import stream_scores

    result = stream_scores(path, instrument=_instrument(), output=output, nan_policy="listwise")
    r = result.correlations.to_numpy()
    return {"rows": result.n_rows, "alpha": result.reliability["alpha"].round(4).tolist(),
            "n_alpha": result.reliability["n"].tolist(), "r_within": round(float(r[0, 1]), 4),
            "r_between": round(float(r[0, 6]), 4)}  # fmt: skip


def run_once(step: str, *arguments: str) -> None:
    """One step in this fresh process (imports are not timed); prints a JSON line."""
    import pyarrow.parquet  # noqa: F401

    import hsc_analysis.measurement.reliability
    import hsc_analysis.screening  # noqa: F401

    start, cpu = time.perf_counter(), time.process_time()
    if step == "generate":
        out = generate(Path(arguments[0]), int(arguments[1]))
    elif step == "screen":
        out = screen(Path(arguments[0]), Path(arguments[1]))
    else:
        out = score(Path(arguments[0]), Path(arguments[1]))
    out.update(seconds=time.perf_counter() - start, cpu=time.process_time() - cpu, rss_mib=_peak_rss_mib())
    print(json.dumps(out))


def main(sizes: list[int], folder: Path | None, keep: bool) -> None:
    print(f"{', '.join(f'{k}={v}' for k, v in THREADS.items())}; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"{'rows':>12} {'step':9} {'wall s':>8} {'CPU s':>8} {'rows/s (CPU)':>13} {'peak RSS MiB':>13}  result")
    base = Path(folder or tempfile.mkdtemp(prefix="bench_streaming_"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            work = base / f"n{n}"
            work.mkdir(exist_ok=True)
            steps = [("generate", work / "answers.parquet", n), ("screen", work / "answers.parquet", work / "screened"),
                     ("score", work / "screened" / "kept.parquet", work / "scores.parquet")]  # fmt: skip
            for step, *arguments in steps:
                out = subprocess.run([sys.executable, __file__, "--run", step, *map(str, arguments)],
                                     capture_output=True, text=True, check=True, env={**os.environ, **THREADS},
                                     ).stdout  # fmt: skip
                r = json.loads(out.splitlines()[-1])
                shown = {k: v for k, v in r.items() if k not in ("seconds", "cpu", "rss_mib", "rows")}
                print(f"{r['rows']:>12,} {step:9} {r['seconds']:8.1f} {r['cpu']:8.1f} {r['rows'] / r['cpu']:13,.0f} "
                      f"{r['rss_mib']:13,.0f}  {json.dumps(shown)}", flush=True)  # fmt: skip
            if not keep:
                shutil.rmtree(work)
    finally:
        if not keep and folder is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        run_once(*sys.argv[2:])
    else:
        arguments = sys.argv[1:]
        where = Path(arguments[arguments.index("--folder") + 1]) if "--folder" in arguments else None
        numbers = [int(a) for a in arguments if a.isdigit() and (where is None or a != str(where))]
        main(numbers or [1_000_000, 4_000_000], where, "--keep" in arguments)
