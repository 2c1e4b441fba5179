"""Benchmark: score_scales on N respondents × the parent instrument's 51 items (10% missing cells).

Run: uv run python benchmarks/bench_scoring.py [N]   (default 1,000,000). Prints the median of 5 runs and the peak
memory the scoring itself allocated (tracemalloc).
"""

import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from hsc_analysis.instruments import load_instrument
from hsc_analysis.scoring import score_scales


def main(n: int) -> None:
    parent = load_instrument("surveys/parent.yaml")
    rng = np.random.default_rng(0)
    codes = rng.integers(1, 6, size=(n, len(parent.items))).astype(float)
    codes[rng.random(codes.shape) < 0.10] = np.nan
    data = pd.DataFrame(codes, columns=parent.item_ids)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        score_scales(data, instrument=parent)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    score_scales(data, instrument=parent)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"score_scales {n:,} × {len(parent.items)}: median {np.median(times):.2f} s over 5 runs, "
        f"peak allocation {peak / 2**20:.0f} MiB (input {data.memory_usage().sum() / 2**20:.0f} MiB)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
