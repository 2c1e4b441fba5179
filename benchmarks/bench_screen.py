"""Benchmark: screen() on N respondents × 50 items (10 constructs of 5), in memory; 5% missing answers.

Run: uv run python benchmarks/bench_screen.py [N]   (default 1,000,000). Prints the wall time of one screening
and its peak memory: what screening itself allocated (tracemalloc) and the process's maximum resident set size.
Reading the export is not included: bench_import_screen.py times import and screening together.
"""

import resource
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd
from _synthetic import INSTRUMENT, answers

from hsc_analysis.responses import REASON_CODES, SurveyResponses
from hsc_analysis.screening import ScreeningRules, screen


def synthetic(n: int) -> SurveyResponses:
    table = answers(n).set_index("respondent_id")
    items = table[list(INSTRUMENT.item_ids)]
    blank = np.where(items.isna(), REASON_CODES["blank"], 0).astype(np.int8)
    missing = pd.DataFrame(blank, columns=items.columns, index=items.index)
    metadata = table[["duration_seconds"]].assign(source_row=np.arange(2, n + 2))
    return SurveyResponses(
        items=items, missing_codes=missing, background=pd.DataFrame(index=items.index), metadata=metadata,
        log=pd.DataFrame(), source="synthetic", platform="table",
    )  # fmt: skip


def main(n: int) -> None:
    instrument = INSTRUMENT
    data = synthetic(n)
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
