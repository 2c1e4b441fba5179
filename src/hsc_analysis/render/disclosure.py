"""Disclosure control for tables that show groups: small cells are suppressed before anything is written.

Primary suppression hides every count with ``0 < n < min_cell``. When a variable has exactly one hidden cell, its
value would follow from the total, so the next-smallest non-zero cell of that variable is hidden too
(complementary suppression). Zero cells stay visible: they describe no one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["suppress_frequencies", "suppressed_cells"]


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


def suppress_frequencies(frame: pd.DataFrame, *, min_cell: int) -> pd.DataFrame:
    """A frequency table (``variable, …, n`` and percentage columns, as
    :func:`hsc_analysis.findings.frequencies` returns it) with the counts and percentages of small cells blanked
    (NaN) per variable by :func:`suppressed_cells`, and a ``suppressed`` column saying which.

    Examples
    --------
    >>> table = pd.DataFrame({"variable": ["a"] * 3, "n": [40, 3, 9], "percent_valid": [76.9, 5.8, 17.3]})
    >>> suppress_frequencies(table, min_cell=5)["n"].tolist()
    [40.0, nan, nan]
    """
    hidden = pd.concat(
        [suppressed_cells(block["n"], min_cell=min_cell) for _, block in frame.groupby("variable", sort=False)]
    ).reindex(frame.index, fill_value=False)
    shares = [c for c in frame.columns if c == "n" or c.startswith(("percent", "cumulative_percent"))]
    return frame.assign(**{c: frame[c].mask(hidden) for c in shares}, suppressed=hidden)
