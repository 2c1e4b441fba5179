"""Benchmark: draw and save every figure of the bundled example (three datasets, one language) as PNG, SVG and PDF.

Run: uv run python benchmarks/bench_figures.py [zh|en] [RUNS]   (defaults zh, 3). Each run is a fresh process (the
first figure of a process pays for loading matplotlib and the CJK font); the study itself is run once beforehand
and handed over, so only drawing and saving are timed. Prints per run the wall-clock seconds of drawing (including
the parallel analyses of dataset_figures), of saving each format and in all, the CPU seconds of each, then the
medians. On a shared machine the CPU time is the steadier figure; numpy's BLAS threads inflate the wall time of the
parallel analyses under load (OPENBLAS_NUM_THREADS=1 avoids that).

2-core machine shared with other jobs (load ≈ 8), zh, 37 figures (screening, measurement and findings of the three
datasets): CPU 6.0 s drawing (with imports), 7.6 s PNG, 5.3 s SVG, 16.0 s PDF; 35 s in all (89 s wall).
"""

import json
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import json, pickle, sys, time
from pathlib import Path
start, cpu = time.perf_counter(), {}
from hsc_analysis.render.figures import dataset_figures, save_figure
results, lang, out = pickle.loads(Path(sys.argv[1]).read_bytes()), sys.argv[2], Path(sys.argv[3])
specs = [s for r in results for s in dataset_figures(r, lang=lang)]
drawn, cpu["draw"] = time.perf_counter(), time.process_time()
saving = {}
for fmt in ("png", "svg", "pdf"):
    t, c = time.perf_counter(), time.process_time()
    for spec in specs:
        save_figure(spec.figure, out / spec.name, formats=(fmt,))
    saving[fmt], cpu[fmt] = time.perf_counter() - t, time.process_time() - c
total = time.perf_counter() - start
print(json.dumps({"figures": len(specs), "draw": drawn - start, **saving, "total": total,
                  **{f"cpu_{k}": v for k, v in cpu.items()}, "cpu": time.process_time()}))
"""


def main(lang: str, runs: int) -> None:
    from hsc_analysis.study import load_study, run_study

    results = run_study(load_study("data/example/study.yaml"))
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "results.pkl"
        data.write_bytes(pickle.dumps(results))
        rows = []
        for _ in range(runs):
            run = subprocess.run(
                [sys.executable, "-c", _CHILD, str(data), lang, folder], capture_output=True, text=True, check=True
            )
            rows.append(json.loads(run.stdout))
            print(rows[-1])
    print({key: round(statistics.median(r[key] for r in rows), 2) for key in rows[0]})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "zh", int(sys.argv[2]) if len(sys.argv) > 2 else 3)
