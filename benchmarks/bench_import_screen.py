"""Benchmark: import and screen N respondents × 50 items end to end — in memory from Parquet and from CSV, and
streamed in two passes from Parquet — optionally against another checkout of the package, side by side.

Run from the repository root:

    uv run python benchmarks/bench_import_screen.py [N] [RUNS] [--baseline SRC]

Defaults: 1,000,000 rows, 3 runs. ``--baseline SRC`` adds the in-memory Parquet chain run with the package found in
the ``src`` folder SRC of another checkout (``git archive main src | tar -x -C /tmp/main`` gives one), so that the
code before and after a change is timed in the same run. The synthetic answers of ``_synthetic.py`` are written
once as a plain table (``respondent_id, duration_seconds`` and the item codes) in both formats; every run is a fresh
process with one BLAS thread (``OPENBLAS_NUM_THREADS=1`` and friends, printed) that times ``read_responses(...,
on_invalid="mark")`` + ``screen``, or ``stream_screen``, and reports wall and CPU seconds and its peak resident set
size. The tools take turns run by run, so that a change in the machine's load touches each. Prints every run and
the medians, and checks that every tool keeps the same number of respondents.

Measured 2026-12-02 03:33–03:48 UTC on the 2-core development machine shared with three other jobs (load average
7.0–8.6, so wall time was 3–5 × CPU time: compare CPU seconds and ratios), 1,000,000 × 50, medians of 3 runs, one
BLAS thread, two screening threads (the default); 976,349 kept and 23,651 excluded by every tool in every run; the
baseline is main before the block-wise screening (``git archive`` of main, issue 15 §2):

    tool                     import s  screen s  total s  CPU s  RSS MiB
    memory parquet               15.3      31.9     47.2   10.7    1,579
    memory csv                   26.0      29.5     55.5   12.5    1,654
    stream parquet                  -         -     66.1   15.4      582
    baseline memory parquet      21.9      42.4     64.0   12.3    1,752

An earlier run at load 6.6–6.9 (the keyed codes then float16): Parquet 4.3 s import, 19.2 s total, 9.6 s CPU;
baseline 8.2, 22.5 and 11.1 s.

Import 0.52–0.70× the baseline's wall time; the whole chain 0.74–0.85× its wall, 0.86–0.87× its CPU and 0.90× its
peak memory. The goal (3 s
wall, peak RSS ≤ 2 × the 381 MiB item matrix) is not met; the import alone peaks at 760 MiB. Where the time goes
(``os.times`` of one run each, same load): import 1.6 s user + 1.3 s system (baseline 1.7 + 1.9), screening
5.5 s user + 1.6 s system (baseline 5.1 + 2.2) — system time is memory touched for the first time, which costs
about 1 s per 400 MB in a fresh process on this virtual machine (``np.ones`` of 400 MB: 1.0 s; copying into memory
already touched: 0.04 s). What the result holds at rest is itself above the memory goal: the imported items
(381 MiB), the kept rows' copy (372 MiB) and the indices (179 MiB).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _synthetic import INSTRUMENT, answers

THREADS = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def run_once(mode: str, path: str, folder: str) -> None:
    """One timed import + screening (in a fresh process); prints a JSON line."""
    from hsc_analysis.screening import ScreeningRules

    start, cpu = time.perf_counter(), time.process_time()
    if mode == "stream":
        from hsc_analysis.streaming_screen import stream_screen

        result = stream_screen(path, instrument=INSTRUMENT, rules=ScreeningRules(), output=folder)
        imported = screened = None  # one chain: the two passes each import and screen
        kept = int(result.flow["n_after"].iloc[-1])
        excluded = int(result.flow["n_excluded"].sum())
    else:
        from hsc_analysis.io import read_responses
        from hsc_analysis.screening import screen

        data = read_responses(path, INSTRUMENT, on_invalid="mark")
        imported = time.perf_counter()
        result = screen(data, instrument=INSTRUMENT, rules=ScreeningRules())
        screened = time.perf_counter()
        kept, excluded = result.kept.n, len(result.excluded)
        assert data.n == kept + excluded
    end = time.perf_counter()
    print(json.dumps({
        "import": imported and imported - start, "screen": screened and screened - imported, "total": end - start,
        "cpu": time.process_time() - cpu, "kept": kept, "excluded": excluded,
        "rss_mib": _peak_rss_mib(),
    }))  # fmt: skip


def main(n: int, runs: int, baseline: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        table = answers(n)
        files = {"csv": Path(folder) / "answers.csv", "parquet": Path(folder) / "answers.parquet"}
        table.to_csv(files["csv"], index=False)
        table.to_parquet(files["parquet"], index=False)
        del table
        tools = {  # name: (mode, file, PYTHONPATH)
            "memory parquet": ("memory", files["parquet"], None),
            "memory csv": ("memory", files["csv"], None),
            "stream parquet": ("stream", files["parquet"], None),
        }
        if baseline:
            tools["baseline memory parquet"] = ("memory", files["parquet"], baseline)
        from hsc_analysis.screening.indices import thread_count

        print(f"{n:,} rows × 50 items; {', '.join(f'{k}={v}' for k, v in THREADS.items())}; screening threads "
              f"{thread_count(None)} (the default); load average {os.getloadavg()[0]:.1f} at the start")  # fmt: skip
        header = f"{'tool':24} {'run':>3} {'import s':>9} {'screen s':>9} {'total s':>8} {'CPU s':>6} {'RSS MiB':>8}"
        print(header + "  kept / excluded")
        results = {name: [] for name in tools}
        for run in range(runs):
            for name, (mode, path, src) in tools.items():
                env = {**os.environ, **THREADS}
                if src:
                    env["PYTHONPATH"] = src
                out = subprocess.run(
                    [sys.executable, __file__, "--run", mode, str(path), str(Path(folder) / f"out{run}")],
                    capture_output=True, text=True, check=True, env=env,
                ).stdout  # fmt: skip
                r = json.loads(out.splitlines()[-1])
                results[name].append(r)
                print(f"{name:24} {run + 1:>3} {_s(r['import']):>9} {_s(r['screen']):>9} {r['total']:8.1f} "
                      f"{r['cpu']:6.1f} {r['rss_mib']:8,.0f}  {r['kept']:,} / {r['excluded']:,}")  # fmt: skip
        print(f"load average {os.getloadavg()[0]:.1f} at the end; medians:")
        for name, rows in results.items():
            median = {k: _median([r[k] for r in rows]) for k in ("import", "screen", "total", "cpu", "rss_mib")}
            print(f"{name:24} med {_s(median['import']):>9} {_s(median['screen']):>9} {median['total']:8.1f} "
                  f"{median['cpu']:6.1f} {median['rss_mib']:8,.0f}")  # fmt: skip
        assert len({r["kept"] for rows in results.values() for r in rows}) == 1, "the tools disagree"


def _peak_rss_mib() -> float:
    """This process's peak resident set size (VmHWM: counted from exec; ``ru_maxrss`` would keep the parent's)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 2**10
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def _median(values: list) -> float | None:
    return None if None in values else statistics.median(values)


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        run_once(*sys.argv[2:5])
    else:
        arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
        base = sys.argv[sys.argv.index("--baseline") + 1] if "--baseline" in sys.argv else None
        if base:
            arguments.remove(base)
        main(int(arguments[0]) if arguments else 1_000_000, int(arguments[1]) if len(arguments) > 1 else 3, base)
