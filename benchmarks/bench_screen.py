"""Benchmark: screen() on N respondents × 50 items (10 constructs of 5), in memory; 5% missing answers.

Run: uv run python benchmarks/bench_screen.py [N]   (default 1,000,000). Prints the wall time of one screening
and its peak memory: what screening itself allocated (tracemalloc) and the process's maximum resident set size.
Reading the export (CSV/Parquet) is not included; it is added once the readers are merged.
"""

import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from hsc_analysis.instruments import Instrument
from hsc_analysis.responses import SurveyResponses
from hsc_analysis.screening import ScreeningRules, screen


def synthetic(n: int, instrument: Instrument) -> SurveyResponses:
    rng = np.random.default_rng(0)
    factors = rng.normal(size=(n, 10)).astype(np.float32).repeat(5, axis=1)
    codes = np.clip(np.rint(3 + factors + rng.normal(scale=0.7, size=(n, 50)).astype(np.float32)), 1, 5)
    codes = codes.astype(float)
    codes[rng.random(codes.shape) < 0.05] = np.nan
    ids = pd.Index(np.char.add("r", np.arange(n).astype(str)), name="respondent_id")
    items = pd.DataFrame(codes, columns=instrument.item_ids, index=ids)
    missing = pd.DataFrame(np.where(np.isnan(codes), "blank", None), columns=instrument.item_ids, index=ids)
    metadata = pd.DataFrame({"source_row": np.arange(2, n + 2), "duration_seconds": rng.lognormal(5.4, 0.4, n)}, ids)
    return SurveyResponses(
        items=items, missing=missing, background=pd.DataFrame(index=ids), metadata=metadata,
        log=pd.DataFrame(), source="synthetic", platform="table",
    )  # fmt: skip


def main(n: int) -> None:
    instrument = Instrument.from_keys(
        {f"s{k}": [f"s{k}_{i}" for i in range(5)] for k in range(10)}, response_range=(1, 5)
    )
    data = synthetic(n, instrument)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    start = time.perf_counter()
    result = screen(data, instrument=instrument, rules=ScreeningRules())
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    tracemalloc.start()
    screen(data, instrument=instrument, rules=ScreeningRules())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(result.flow.to_string(index=False))
    print(
        f"screen {n:,} × 50: {seconds:.1f} s; peak allocation {peak / 2**20:,.0f} MiB (tracemalloc); "
        f"max RSS {rss_after:,.0f} MiB (with the data in memory: {rss_before:,.0f} MiB)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
