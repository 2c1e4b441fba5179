"""Disclosure control for tables that show groups: small cells are suppressed before anything is written.

Primary suppression hides every count with ``0 < n < min_cell``. When a variable has exactly one hidden cell, its
value would follow from the total, so the next-smallest non-zero cell of that variable is hidden too
(complementary suppression). Zero cells stay visible: they describe no one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["suppressed_cells"]


def suppressed_cells(counts: pd.Series, *, min_cell: int) -> pd.Series:
    """Which cells of one variable's counts to hide (boolean Series on the same index).

    Examples
    --------
    >>> suppressed_cells(pd.Series([40, 3, 9, 0]), min_cell=5).tolist()
    [False, True, True, False]
    """
    values = counts.to_numpy(dtype=float)
    hidden = (values > 0) & (values < min_cell)
    if hidden.sum() == 1:
        candidates = np.where((values > 0) & ~hidden, values, np.inf)
        if np.isfinite(candidates).any():
            hidden[int(np.argmin(candidates))] = True
    return pd.Series(hidden, index=counts.index)
