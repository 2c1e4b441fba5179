"""Benchmark: the school-locale comparison of a district (15 schools: 6 urban, 4 town, 5 rural; N ≈ 7,300 parents),
OLS with CR2 standard errors, Satterthwaite df and the HTZ joint test — ours vs R clubSandwich — side by side in one
run, plus our restricted wild cluster bootstrap (9,999 Webb draws, p-values and intervals by test inversion), which
has no Debian-packaged R counterpart.

Run from the repository root:  uv run python benchmarks/bench_few_clusters.py

The data are written once to a temporary CSV; each tool then runs in a fresh process that reads it, computes
``REPEATS`` times and reports the median time (reading the file excluded) and its results. clubSandwich runs only if
``Rscript`` with clubSandwich is installed.

On a shared 2-core machine under heavy load from other jobs (numpy 2.4, R 4.2.2, clubSandwich 0.5.8), N = 7,355,
median seconds: CR2 + Satterthwaite df + HTZ 0.022 (ours) vs 136 (clubSandwich, which forms n_g × n_g matrices per
school; ~6,000×; a second run at lower load: 0.0021 vs 27.7), same SEs and df to 1.5e-13; the wild cluster
bootstrap (9,999 Webb draws, two p-values, two intervals by test inversion, the joint test) 4.8 s.
"""

from __future__ import annotations

import platform
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from bench_multilevel import _run  # one fresh process per tool, its last stdout line as JSON

SIZES = [800, 820, 760, 900, 700, 880, 420, 380, 410, 400, 180, 170, 190, 160, 185]
LOCALES = ["urban"] * 6 + ["town"] * 4 + ["rural"] * 5
SEED, REPEATS = 20261201, 3

OURS = """
import json, sys, time
import numpy as np, pandas as pd
from hsc_analysis.findings._cr2 import cr2_fit, htz_test, satterthwaite_df
from hsc_analysis.findings._wild import ClusterStats, cluster_weights, wild_interval, wild_test
data = pd.read_csv(sys.argv[1])
x = np.column_stack([np.ones(len(data)), data["locale"] == "town", data["locale"] == "rural"]).astype(float)
y, codes = data["y"].to_numpy(), pd.factorize(data["school"], sort=True)[0]
cr2, wild = [], []
for _ in range({repeats}):
    start = time.perf_counter()
    fit = cr2_fit(x, y, codes)
    df = [satterthwaite_df(fit, row) for row in np.eye(3)[1:]]
    htz = htz_test(fit, np.eye(3)[1:])
    cr2.append(time.perf_counter() - start)
    start = time.perf_counter()
    sums = ClusterStats.of(x, y, codes)
    draws = cluster_weights(9999, 15, kind="webb", seed=1)
    p = [wild_test(sums, np.eye(3)[[k]], np.zeros(1), draws)[1] for k in (1, 2)]
    ci = [wild_interval(sums, k, draws, confidence=0.95) for k in (1, 2)]
    joint = wild_test(sums, np.eye(3)[1:], np.zeros(2), draws)[1]
    wild.append(time.perf_counter() - start)
print(json.dumps({{"seconds": float(np.median(cr2)), "seconds_wild": float(np.median(wild)),
                  "se": np.sqrt(np.diag(fit.vcov)).tolist(), "df": df, "F": htz[0], "df_den": htz[2]}}))
"""

CLUBSANDWICH = """
suppressMessages({{library(clubSandwich); library(jsonlite)}})
data <- read.csv(commandArgs(TRUE)[1])
data$locale <- factor(data$locale, levels = c("urban", "town", "rural"))
t <- numeric({repeats})
for (i in seq_along(t)) t[i] <- system.time({{
  m <- lm(y ~ locale, data = data)
  V <- vcovCR(m, cluster = data$school, type = "CR2")
  ct <- coef_test(m, vcov = V, test = "Satterthwaite")
  wt <- Wald_test(m, constraints = constrain_zero(2:3), vcov = V, test = "HTZ")
}})[["elapsed"]]
cat(toJSON(list(seconds = median(t), se = ct$SE, df = ct$df_Satt[2:3], F = wt$Fstat, df_den = wt$df_denom,
                version = as.character(packageVersion("clubSandwich"))), auto_unbox = TRUE, digits = NA))
"""


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    school = np.repeat(np.arange(len(SIZES)), SIZES)
    locale = np.array(LOCALES)[school]
    effect = np.select([locale == "town", locale == "rural"], [-0.1, -0.25], 0.0)
    y = 3.8 + effect + rng.normal(scale=0.3, size=len(SIZES))[school] + rng.normal(scale=0.8, size=len(school))
    return pd.DataFrame({"y": y, "school": school, "locale": locale})


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "district.csv"
        _data().to_csv(path, index=False)
        ours = _run([sys.executable, "-c", OURS.format(repeats=REPEATS), str(path)])
        club = (
            _run(["Rscript", "-e", CLUBSANDWICH.format(repeats=REPEATS), str(path)])
            if shutil.which("Rscript")
            else None
        )
    print(
        f"N = {sum(SIZES):,} in {len(SIZES)} schools (6/4/5); median of {REPEATS} runs in a fresh process per tool; "
        f"numpy {np.__version__}, Python {platform.python_version()}, clubSandwich {club['version'] if club else '-'}"
    )
    print(f"hsc_analysis CR2 + Satterthwaite df + HTZ: {ours['seconds']:.4f} s")
    if club:
        ratio = club["seconds"] / ours["seconds"]
        print(f"clubSandwich vcovCR + coef_test + Wald_test: {club['seconds']:.3f} s ({ratio:.0f}×)")
        gaps = [abs(a - b) for a, b in zip(ours["se"] + ours["df"], club["se"] + club["df"], strict=True)]
        print(f"largest |difference| in SE and df: {max(gaps):.1e}; HTZ F {ours['F']:.6f} vs {club['F']:.6f}")
    print(
        f"hsc_analysis wild cluster bootstrap (9,999 Webb draws; 2 p-values, 2 inverted CIs, joint test): "
        f"{ours['seconds_wild']:.3f} s"
    )


if __name__ == "__main__":
    main()
