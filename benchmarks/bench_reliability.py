"""Benchmark: Cronbach's α with a 1,000-resample bootstrap CI at N = 10,000, ours vs pingouin, in one run.

Run from the repository root:  uv run python benchmarks/bench_reliability.py

pingouin.cronbach_alpha gives α and Feldt's parametric interval only; its bootstrap is therefore a Python loop of
pingouin calls over the same resample indices. Times are medians of ``REPEATS`` runs (one run for the loop).
"""

from __future__ import annotations

import platform
import time

import numpy as np
import pandas as pd

from hsc_analysis.measurement import cronbach_alpha

N, K, N_BOOT, SEED, REPEATS = 10_000, 8, 1000, 20240601, 5


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    latent = rng.normal(size=(N, 1))
    codes = np.clip(np.round(3.5 + latent + rng.normal(size=(N, K)) * 1.2), 1, 6)
    return pd.DataFrame(codes, columns=[f"item{j + 1}" for j in range(K)])


def _median_seconds(function, repeats: int = REPEATS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def main() -> None:
    import pingouin

    data = _data()
    ours_alpha_time, ours_alpha = _median_seconds(
        lambda: cronbach_alpha(data, nan_policy="listwise", seed=SEED, n_boot=0)
    )
    ours_boot_time, ours = _median_seconds(
        lambda: cronbach_alpha(data, nan_policy="listwise", seed=SEED, n_boot=N_BOOT)
    )
    pg_time, (pg_alpha, pg_ci) = _median_seconds(lambda: pingouin.cronbach_alpha(data, nan_policy="listwise"))

    index = np.random.default_rng(SEED).integers(0, N, size=(N_BOOT, N), dtype=np.int32)
    values = data.to_numpy()

    def pingouin_bootstrap():
        boot = [pingouin.cronbach_alpha(pd.DataFrame(values[i]), nan_policy="listwise")[0] for i in index]
        return np.quantile(boot, [0.025, 0.975])

    pg_boot_time, pg_boot = _median_seconds(pingouin_bootstrap, repeats=1)

    print(
        f"N = {N}, k = {K} items, {N_BOOT} bootstrap resamples; numpy {np.__version__}, "
        f"pingouin {pingouin.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    rows = [
        ("hsc_analysis: alpha + Feldt CI", ours_alpha_time, ours_alpha.estimate, ours_alpha.ci_low, ours_alpha.ci_high),
        ("pingouin: alpha + Feldt CI", pg_time, pg_alpha, pg_ci[0], pg_ci[1]),
        ("hsc_analysis: alpha + bootstrap CI", ours_boot_time, ours.estimate, ours.boot_ci_low, ours.boot_ci_high),
        ("pingouin in a loop: bootstrap CI", pg_boot_time, pg_alpha, pg_boot[0], pg_boot[1]),
    ]
    print(f"{'':38}{'median s':>10}{'alpha':>10}{'ci_low':>10}{'ci_high':>10}")
    for name, seconds, alpha, low, high in rows:
        print(f"{name:38}{seconds:10.4f}{alpha:10.5f}{low:10.5f}{high:10.5f}")
    print(f"bootstrap speed-up over the pingouin loop: {pg_boot_time / ours_boot_time:.0f}×")


if __name__ == "__main__":
    main()
