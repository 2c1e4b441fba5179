"""Benchmark: ``hsc report`` end to end on the bundled example study, in fresh processes.

Run: uv run python benchmarks/bench_report.py [--runs 3] [CHECKOUT ...]

Each run is ``hsc report --out <tmp>`` in a new Python process (the checkout's own ``.venv/bin/python``, started in
the checkout, so the imports, the font registration and the study are all paid for as a user pays for them). The
command is the real one (``hsc_analysis.cli.main``); only its progress bar is swapped for a recorder of when each
step starts, which gives the split: startup (imports, loading study.yaml), analyse (run_study), figures (all
datasets), chapter, docx, html, tables (every table file and the data/ folder), finish (manifest and the swap into
place). Per run it prints wall seconds, CPU seconds (user + system of the process and of every process it waited
for, such as figure workers) and peak RSS in MB (the largest of the process and of each process it waited for);
then the median of each per checkout.

With several checkouts (``git worktree add ../base main --detach``, then ``uv sync`` there) the runs alternate
between them (A B A B ...), so that a shared machine's load falls on both alike; compare the medians as ratios.
Default: the checkout this script is in.

``--chain`` times the chain alone: ``run_study`` on the example (importing the three exports through the findings
and the activity-log audit; no rendering), in a fresh process with one BLAS thread as ``hsc report`` runs it. It
prints start-up (Python imports and loading study.yaml), the chain, and its two parts: reading (``read_responses``
of the exports and ``read_study_logs``) and statistics (everything else: screening, scoring, measurement, EFA,
findings, audits), each in wall and CPU seconds.

Figures (2026-12-02, the 2-core machine shared with three other jobs at a load average of 7–9, so the wall clock
is inflated two- to fourfold and only the CPU seconds and ratios compare; medians of 3, the previous code and this
one alternated):

- ``--chain``: chain 5.46 s CPU (previous code 8.20 s: 0.67×); reading 1.10 s CPU (1.12: unchanged, the readers
  were not touched), statistics 4.36 s CPU (7.06: 0.62×). Wall 27.9 s against 34.8 s. Where the 5.5 s go (CPU,
  one process, median of 3): reading the exports 0.93 and the logs 0.28; screening 0.08, scoring 0.01;
  measurement 2.25 (the parent CFA by FIML over 416 missing-data patterns, 13 factors, 231 parameters, about 1.0;
  α with its bootstrap, ω and ordinal α 0.5; items, CR/AVE/HTMT); EFA with KMO, Bartlett and parallel analysis
  0.54; findings 1.58; the activity-log audits 0.35. Start-up (imports and study.yaml) another 3.4 s CPU.
- the whole ``hsc report`` (this code): 129.9 s wall, 43.6 s CPU; startup 8.0 s, analyse (reading and
  statistics) 25.2 s, rendering 102 s (figures 67.0, chapter 4.9, docx 11.7, html 0.2, tables 18.1; medians of
  each part): the analysis is a fifth of the wall clock, rendering four fifths.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

_CHILD = """
import contextlib, json, resource, sys, time
from hsc_analysis import cli

start, marks = time.perf_counter(), []

@contextlib.contextmanager
def recorder(steps):
    yield lambda name: marks.append((name, time.perf_counter() - start))

cli._progress = recorder
cli.main(["report", "--out", sys.argv[1]])
marks.append(("end", time.perf_counter() - start))
rss = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"marks": marks, "rss_kb": rss}))
"""

# --chain: run_study alone (import of the raw files through the findings, no rendering), in one BLAS thread as
# `hsc report` runs it; reading the exports and the activity logs is timed apart from the statistics around it
_CHAIN_CHILD = """
import json, sys, time
start = time.perf_counter()
from threadpoolctl import threadpool_limits
import hsc_analysis.io, hsc_analysis.compliance.study as compliance
from hsc_analysis.study import load_study, run_study

reading = [0.0, 0.0]  # wall, CPU

def timed(read):
    def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return read(*args, **kwargs)
        finally:
            reading[0] += time.perf_counter() - wall
            reading[1] += time.process_time() - cpu
    return wrapper

hsc_analysis.io.read_responses = timed(hsc_analysis.io.read_responses)
compliance.read_study_logs = timed(compliance.read_study_logs)
study = load_study("data/example/study.yaml")
startup = time.perf_counter() - start
with threadpool_limits(limits=1, user_api="blas"):
    wall, cpu = time.perf_counter(), time.process_time()
    run_study(study)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"startup": startup, "chain": wall, "chain_cpu": cpu, "reading": reading[0],
                  "reading_cpu": reading[1], "statistics": wall - reading[0], "statistics_cpu": cpu - reading[1]}))
"""

_PARTS = ("startup", "analyse", "figures", "chapter", "docx", "html", "tables", "finish")


def _split(marks: list[tuple[str, float]]) -> dict[str, float]:
    """Seconds per part: start-up (imports, loading the study) until the first step, then from a step's start to
    the next step's start, the figure steps of all datasets summed."""
    parts = dict.fromkeys(_PARTS, 0.0)
    parts["startup"] = marks[0][1]
    for (name, at), (_, following) in itertools.pairwise(marks):
        parts[name.split()[0]] += following - at
    return parts


def run_once(checkout: Path) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        run = subprocess.run(
            [str(checkout / ".venv/bin/python"), "-c", _CHILD, str(Path(folder) / "reports")],
            cwd=checkout,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    if run.returncode:
        raise SystemExit(f"{checkout}: hsc report failed:\n{run.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    child = json.loads(run.stdout.strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, "rss_mb": child["rss_kb"] / 1024, **_split(child["marks"])}


def run_chain(checkout: Path) -> dict[str, float]:
    """One fresh process timing run_study on the example (``--chain``): seconds of start-up (imports and loading
    study.yaml), of the chain, and of its reading and statistics parts, wall and CPU."""
    run = subprocess.run(
        [str(checkout / ".venv/bin/python"), "-c", _CHAIN_CHILD], cwd=checkout, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if run.returncode:
        raise SystemExit(f"{checkout}: run_study failed:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*", type=Path, default=[Path(__file__).resolve().parent.parent])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chain", action="store_true", help="time run_study alone (no rendering)")
    args = parser.parse_args()
    once = run_chain if args.chain else run_once
    rows: dict[Path, list[dict[str, float]]] = {c: [] for c in args.checkouts}
    for i in range(args.runs):
        for checkout in args.checkouts:
            rows[checkout].append(once(checkout))
            print(f"run {i + 1} {checkout}: " + ", ".join(f"{k} {v:.2f}" for k, v in rows[checkout][-1].items()))
    for checkout, runs in rows.items():
        medians = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(f"median of {len(runs)} {checkout}: " + ", ".join(f"{k} {v:.2f}" for k, v in medians.items()))


if __name__ == "__main__":
    main()
