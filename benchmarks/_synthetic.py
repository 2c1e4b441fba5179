"""The synthetic survey the screening benchmarks share: 10 constructs of 5 items on a 1–5 scale, 5 % blank answers,
log-normal durations (median ≈ 220 s)."""

import numpy as np
import pandas as pd

from hsc_analysis.instruments import Instrument

INSTRUMENT = Instrument.from_keys({f"s{k}": [f"s{k}_{i}" for i in range(5)] for k in range(10)}, response_range=(1, 5))


def answers(n: int, *, seed: int = 0) -> pd.DataFrame:
    """``respondent_id, duration_seconds`` and the 50 item codes (float, NaN = blank) of n respondents."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n, 10)).astype(np.float32).repeat(5, axis=1)
    codes = np.clip(np.rint(3 + factors + rng.normal(scale=0.7, size=(n, 50)).astype(np.float32)), 1, 5)
    codes = codes.astype(float)
    codes[rng.random(codes.shape) < 0.05] = np.nan
    table = pd.DataFrame(codes, columns=INSTRUMENT.item_ids)
    table.insert(0, "respondent_id", np.char.add("r", np.arange(n).astype(str)))
    table.insert(1, "duration_seconds", rng.lognormal(5.4, 0.4, n).round(1))
    return table
