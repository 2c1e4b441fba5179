"""Benchmark: import and screen N respondents × 50 items end to end, from a CSV file and from a Parquet file.

Run: uv run python benchmarks/bench_import_screen.py [N] [RUNS]   (defaults 1,000,000 and 3). The synthetic answers
of ``_synthetic.py`` are written once as a plain table (``respondent_id, duration_seconds`` and the item codes) in
both formats; each run is a fresh process that times ``read_responses(..., on_invalid="mark")`` and ``screen`` and
reports its maximum resident set size, so the formats do not share memory or caches. Prints every run and the
medians, and checks that received = analysed + excluded.

Measured 2026-11-22 on the 2-core / 24 GB development machine, 1,000,000 × 50, medians of 3 runs (runs in
parentheses); 976,349 kept and 23,651 excluded in every run:

    format   import s          screen s             total s              peak RSS MiB
    csv      7.7 (7.6 8.2)     14.5 (15.0 13.3)     22.2 (22.6 21.5)     2,375 (2,582 2,316)
    parquet  4.4 (3.3 4.6)     14.3 (15.0 14.2)     18.6 (18.3 18.8)     2,809 (2,811 2,343)
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _synthetic import INSTRUMENT, answers


def run_once(path: str) -> None:
    """One timed import + screening (in a fresh process); prints a JSON line."""
    import resource

    from hsc_analysis.io import read_responses
    from hsc_analysis.screening import ScreeningRules, screen

    start = time.perf_counter()
    data = read_responses(path, INSTRUMENT, on_invalid="mark")
    imported = time.perf_counter()
    result = screen(data, instrument=INSTRUMENT, rules=ScreeningRules())
    screened = time.perf_counter()
    assert data.n == result.kept.n + len(result.excluded)
    print(json.dumps({
        "import": imported - start, "screen": screened - imported, "total": screened - start,
        "rows": data.n, "kept": result.kept.n, "excluded": len(result.excluded),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10,
    }))  # fmt: skip


def main(n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        table = answers(n)
        files = {"csv": Path(folder) / "answers.csv", "parquet": Path(folder) / "answers.parquet"}
        table.to_csv(files["csv"], index=False)
        table.to_parquet(files["parquet"], index=False)
        del table
        header = f"{'format':8} {'run':>3} {'import s':>9} {'screen s':>9} {'total s':>8} {'peak RSS MiB':>13}"
        print(header + "  kept / excluded")
        for name, path in files.items():
            results = []
            for run in range(runs):
                out = subprocess.run(
                    [sys.executable, __file__, "--run", str(path)], capture_output=True, text=True, check=True
                ).stdout
                results.append(json.loads(out.splitlines()[-1]))
                r = results[-1]
                print(f"{name:8} {run + 1:>3} {r['import']:9.1f} {r['screen']:9.1f} {r['total']:8.1f} "
                      f"{r['rss_mib']:13,.0f}  {r['kept']:,} / {r['excluded']:,}")  # fmt: skip
            median = {
                key: statistics.median(r[key] for r in results) for key in ("import", "screen", "total", "rss_mib")
            }
            print(f"{name:8} {'med':>3} {median['import']:9.1f} {median['screen']:9.1f} {median['total']:8.1f} "
                  f"{median['rss_mib']:13,.0f}  ({n:,} rows × 50 items)")  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        run_once(sys.argv[2])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
