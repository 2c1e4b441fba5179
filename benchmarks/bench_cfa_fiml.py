"""Benchmark: FIML CFA (6 factors × 6 items, 2 % missing completely at random), hsc_analysis vs lavaan, side by side.

Data are simulated here: factor correlations 0.3, standardized loadings U(0.55, 0.85), continuous responses cut into
five codes at ±0.5 and ±1.5 (shifted per item), then each answer blanked with probability 0.02. For every N the same
CSV is fitted in fresh processes — ``cfa(..., nan_policy="fiml")`` in Python, ``lavaan::cfa(..., missing = "ml")``
(lavaan 0.6-14) through Rscript — each timing its own fit call (reading the CSV and starting the interpreter are
excluded); medians over ``--repeats``. Both run with single-threaded BLAS (OPENBLAS_NUM_THREADS=1), as the machine is
shared. The table compares the numbers too: the largest |Δ| of estimates and standard errors, and of χ², CFI, RMSEA.
Rows are printed as each N finishes; ``--lavaan-timeout`` stops a lavaan fit that runs longer (recorded as such).

    uv run python benchmarks/bench_cfa_fiml.py                          # N = 1,000, 10,000, 100,000
    uv run python benchmarks/bench_cfa_fiml.py --n 1000 10000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

FACTORS, ITEMS = 6, 6
MODEL = "\n".join(f"f{f + 1} =~ " + " + ".join(f"y{f + 1}_{i + 1}" for i in range(ITEMS)) for f in range(FACTORS))
MEASURES = ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl")
R_SCRIPT = """
suppressMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1])
model <- readLines(args[2])
seconds <- system.time(fit <- cfa(model, data = data, missing = "ml"))[["elapsed"]]
pe <- parameterEstimates(fit)
fm <- fitMeasures(fit, c("chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "ntotal"))
out <- list(seconds = seconds, key = paste(pe$lhs, pe$op, pe$rhs), estimate = pe$est, se = pe$se,
            fit = as.list(fm), npatterns = nrow(lavInspect(fit, "patterns")))
writeLines(jsonlite::toJSON(out, digits = NA, auto_unbox = TRUE), args[3])
"""


def simulate(n: int, *, seed: int, missing: float = 0.02) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    phi = np.full((FACTORS, FACTORS), 0.3) + 0.7 * np.eye(FACTORS)
    factors = rng.standard_normal((n, FACTORS)) @ np.linalg.cholesky(phi).T
    owner = np.repeat(np.arange(FACTORS), ITEMS)
    loading = rng.uniform(0.55, 0.85, size=len(owner))
    latent = factors[:, owner] * loading + rng.standard_normal((n, len(owner))) * np.sqrt(1 - loading**2)
    shift = rng.uniform(-0.4, 0.4, size=len(owner))
    codes = 1.0 + (latent[:, :, None] > (np.array([-1.5, -0.5, 0.5, 1.5]) + shift[:, None])[None]).sum(axis=2)
    codes[rng.random(codes.shape) < missing] = np.nan
    names = [f"y{f + 1}_{i + 1}" for f in range(FACTORS) for i in range(ITEMS)]
    return pd.DataFrame(codes, columns=names)


def worker(data_path: Path, out_path: Path) -> None:
    """Fit in this (fresh) process and write the timing and numbers as JSON."""
    from hsc_analysis.measurement.confirmatory import cfa

    data = pd.read_csv(data_path)
    start = time.perf_counter()
    result = cfa(data, model=MODEL, nan_policy="fiml")
    seconds = time.perf_counter() - start
    est = result.estimates
    out = {
        "seconds": seconds,
        "key": [f"{a} {b} {c}" for a, b, c in zip(est["lhs"], est["op"], est["rhs"], strict=True)],
        "estimate": est["estimate"].tolist(),
        "se": est["se"].fillna(0.0).tolist(),
        "fit": {k: float(result.fit[k]) for k in (*MEASURES, "n")},
        "npatterns": result.n_patterns,
        "converged": result.converged,
    }
    out_path.write_text(json.dumps(out), encoding="utf-8")


def _run(command: list[str], out: Path, timeout: float | None = None) -> dict | None:
    env = os.environ | {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    try:
        subprocess.run(command, check=True, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--lavaan-timeout", type=float, help="seconds after which a lavaan fit is stopped")
    parser.add_argument("--worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    print(f"FIML CFA, {FACTORS} factors × {ITEMS} items, 2 % MCAR; median of {args.repeats} fresh process(es)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "model.lavaan").write_text(MODEL + "\n", encoding="utf-8")
        (tmp / "fit.R").write_text(R_SCRIPT, encoding="utf-8")
        for n in args.n:
            data_path = tmp / f"data_{n}.csv"
            simulate(n, seed=args.seed).to_csv(data_path, index=False)
            runs = {"hsc_analysis": [], "lavaan 0.6-14": []}
            for _ in range(args.repeats):
                ours, theirs = tmp / "ours.json", tmp / "theirs.json"
                command = [sys.executable, __file__, "--worker", str(data_path), str(ours)]
                runs["hsc_analysis"].append(_run(command, ours))
                command = ["Rscript", str(tmp / "fit.R"), str(data_path), str(tmp / "model.lavaan"), str(theirs)]
                runs["lavaan 0.6-14"].append(_run(command, theirs, args.lavaan_timeout))
            print(_rows(n, runs, timeout=args.lavaan_timeout).to_string(index=False, float_format="{:.6g}".format),
                  flush=True)  # fmt: skip


def _rows(n: int, runs: dict, *, timeout: float | None) -> pd.DataFrame:
    ours = runs["hsc_analysis"][0]
    a = pd.DataFrame({"estimate": ours["estimate"], "se": ours["se"]}, index=ours["key"])
    finished = [r for r in runs["lavaan 0.6-14"] if r is not None]
    if finished:
        theirs = finished[0]
        b = pd.DataFrame({"estimate": theirs["estimate"], "se": theirs["se"]}, index=theirs["key"]).reindex(a.index)
        gaps = (a - b).abs().max()
    rows = []
    for name, out in runs.items():
        done = [r for r in out if r is not None]
        if not done:
            rows.append({"n": n, "package": name, "seconds": f"> {timeout:g} (stopped)"})
            continue
        seconds = float(np.median([r["seconds"] for r in done]))
        rows.append({
            "n": n, "package": name, "seconds": seconds, "patterns": done[0]["npatterns"],
            **{k: done[0]["fit"][k] for k in MEASURES},
            "max_estimate_gap": gaps["estimate"] if finished else np.nan,
            "max_se_gap": gaps["se"] if finished else np.nan,
            "speed_up": (float(np.median([r["seconds"] for r in finished])) / seconds if finished else np.nan)
            if name == "hsc_analysis" else np.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main()
