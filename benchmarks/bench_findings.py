"""Benchmark: group comparison, hierarchical regression and a correlation table at N = 1,500 and 100,000, ours vs
pingouin, side by side in one run.

Run from the repository root:  uv run python benchmarks/bench_findings.py

Each (tool, task, N) runs in a fresh Python process on the same synthetic data (same seed); the time is the median
of ``REPEATS`` calls after one warm-up call (imports excluded). The tasks ask both tools for the same numbers:

- groups: one outcome in five groups: ANOVA, Welch's ANOVA, Levene (mean-centred), Kruskal–Wallis, Tukey HSD and
  Games–Howell (pingouin: anova, welch_anova, homoscedasticity(center="mean"), kruskal, pairwise_tukey,
  pairwise_gameshowell). Ours also gives Brown–Forsythe, LSD, Scheffé, η²/ω² with CIs and ε².
- regression: two blocks (6 + 2 predictors): ours gives R², ΔR², ΔF and per-step B, SE, β, CI and VIF;
  pingouin.linear_regression is called once per step (no ΔF test, no VIF).
- correlations: ten variables, pairwise Pearson r with p and CI (pingouin.pairwise_corr).

Each line prints a check value computed by both tools (F, R² of step 2, r of the first pair) to show they agree.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time

import numpy as np
import pandas as pd

SIZES, REPEATS, SEED = (1_500, 100_000), 5, 20250601
TASKS, TOOLS = ("groups", "regression", "correlations"), ("hsc_analysis", "pingouin")


def _data(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(n, 10)) @ np.linalg.cholesky(0.3 * np.ones((10, 10)) + 0.7 * np.eye(10)).T
    frame = pd.DataFrame(x, columns=[f"v{j}" for j in range(10)])
    frame["group"] = rng.integers(0, 5, size=n).astype(str)
    frame["y"] = x[:, :8] @ np.linspace(0.3, 0.05, 8) + 0.1 * (frame["group"] == "3") + rng.normal(size=n)
    return frame


def _call(tool: str, task: str, data: pd.DataFrame):
    columns = [f"v{j}" for j in range(10)]
    blocks = [columns[:6], columns[6:8]]
    if tool == "hsc_analysis":
        import hsc_analysis as hsc

        if task == "groups":
            result = hsc.compare_groups(data, outcome="y", group="group")
            return float(result.tests.set_index("test").loc["anova", "statistic"])
        if task == "regression":
            result = hsc.hierarchical_regression(data, outcome="y", blocks=blocks)
            return float(result.steps["r_squared"].iloc[-1])
        return float(hsc.correlation_table(data, columns=columns).pairs["r"].iloc[0])
    import pingouin

    if task == "groups":
        anova = pingouin.anova(data, dv="y", between="group")
        pingouin.welch_anova(data, dv="y", between="group")
        pingouin.homoscedasticity(data, dv="y", group="group", center="mean")
        pingouin.kruskal(data, dv="y", between="group")
        pingouin.pairwise_tukey(data, dv="y", between="group")
        pingouin.pairwise_gameshowell(data, dv="y", between="group")
        return float(anova["F"].iloc[0])
    if task == "regression":
        fits = [pingouin.linear_regression(data[blocks[0] + blocks[1][:k]], data["y"]) for k in (0, 2)]
        return float(fits[-1]["r2"].iloc[0])
    return float(pingouin.pairwise_corr(data, columns=columns, method="pearson")["r"].iloc[0])


def _child(tool: str, task: str, n: int) -> None:
    import warnings

    warnings.simplefilter("ignore")  # pingouin's FutureWarnings from pandas must not distort its timing
    data = _data(n)
    _call(tool, task, data)  # warm-up: imports and first-call caches
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        check = _call(tool, task, data)
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": float(np.median(times)), "check": check}))


def main() -> None:
    import pingouin

    print(f"median of {REPEATS}, fresh process per tool; pingouin {pingouin.__version__}, numpy {np.__version__}, "
          f"pandas {pd.__version__}, Python {platform.python_version()}, {platform.machine()}")  # fmt: skip
    print(f"{'task':14}{'N':>9}{'hsc_analysis s':>16}{'pingouin s':>12}{'ratio':>8}{'check (ours / pingouin)':>32}")
    for task in TASKS:
        for n in SIZES:
            out = {}
            for tool in TOOLS:
                run = subprocess.run(
                    [sys.executable, __file__, tool, task, str(n)], capture_output=True, text=True, check=True
                )
                out[tool] = json.loads(run.stdout.strip().splitlines()[-1])
            ours, theirs = out["hsc_analysis"], out["pingouin"]
            ratio = theirs["seconds"] / ours["seconds"]
            check = f"{ours['check']:.6f} / {theirs['check']:.6f}"
            print(f"{task:14}{n:>9,}{ours['seconds']:16.3f}{theirs['seconds']:12.3f}{ratio:7.1f}×{check:>32}")


if __name__ == "__main__":
    if len(sys.argv) == 4:
        _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    else:
        main()
