"""The correlation table of a thesis: M and SD of each variable, then Pearson or Spearman r with p and stars in
the lower triangle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.errors import DataError
from hsc_analysis.findings._data import check_confidence, numeric_frame, require_columns
from hsc_analysis.measurement._matrix import check_option

__all__ = ["CorrelationTable", "correlation_table", "significance_stars"]

STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"))
"""Significance stars: p < .001, p < .01, p < .05."""


def significance_stars(p_values: np.ndarray | pd.Series) -> np.ndarray:
    """``"***"``, ``"**"``, ``"*"`` or ``""`` for each p value (p < .001, .01, .05)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, "", dtype=object)
    for threshold, mark in reversed(STARS):
        out[p < threshold] = mark
    return out


@dataclass(frozen=True)
class CorrelationTable:
    """Correlations of a set of variables.

    Attributes
    ----------
    pairs : DataFrame
        One row per pair (``variable_1`` later in ``columns`` than ``variable_2``): ``r``, ``p_value``, ``n``,
        ``ci_low``, ``ci_high`` (Fisher-z interval; NaN for Spearman), ``stars``.
    descriptives : DataFrame
        ``variable``, ``n``, ``mean``, ``sd``.
    method : str
        ``"pearson"`` or ``"spearman"``.
    n, n_dropped : int
        Listwise: the complete cases and those left out. Pairwise: cases with at least one of the variables and
        those with none (each pair's own n is in ``pairs``).
    nan_policy : str
    confidence : float
    """

    pairs: pd.DataFrame
    descriptives: pd.DataFrame
    method: str
    n: int
    n_dropped: int
    nan_policy: str
    confidence: float

    def lower_triangle(self, values: str = "r") -> pd.DataFrame:
        """The variables × variables lower triangle of ``values`` ("r", "p_value", "n" or "stars"); the diagonal
        and upper triangle are NaN (empty text for "stars")."""
        check_option(values, ("r", "p_value", "n", "stars"), parameter="values", function="lower_triangle")
        names = list(self.descriptives["variable"])
        fill = "" if values == "stars" else np.nan
        table = pd.DataFrame(fill, index=names, columns=names, dtype=object if values == "stars" else float)
        for row in self.pairs.itertuples(index=False):
            table.loc[row.variable_1, row.variable_2] = getattr(row, values)
        return table

    def to_frame(self) -> pd.DataFrame:
        """The thesis table: ``variable``, ``n``, ``mean``, ``sd`` and then one column of r per variable (lower
        triangle, NaN above and on the diagonal)."""
        return pd.concat([self.descriptives.set_index("variable"), self.lower_triangle("r")], axis=1).reset_index(
            names="variable"
        )


def correlation_table(
    data: pd.DataFrame,
    *,
    columns: Sequence[str],
    method: str = "pearson",
    nan_policy: str = "pairwise",
    confidence: float = 0.95,
) -> CorrelationTable:
    """Means, SDs and the correlations of ``columns`` with their p values, as a thesis correlation table.

    Parameters
    ----------
    data : DataFrame
    columns : sequence of str
        At least two numeric columns, in the order of the table.
    method : {"pearson", "spearman"}
    nan_policy : {"pairwise", "listwise"}
        ``"pairwise"`` (default, as SPSS CORRELATIONS): each r on the cases with both variables, M and SD on each
        variable's available cases; ``"listwise"``: everything on the cases complete on all columns.
    confidence : float
        Level of the Pearson intervals.

    Returns
    -------
    CorrelationTable

    Notes
    -----
    Spearman's ρ is Pearson's r of the mid-ranks. p is two-sided from
    :math:`t = r \\sqrt{(n - 2) / (1 - r^2)}` with n − 2 df (for Spearman this is the t approximation, R's
    cor.test(exact = FALSE) and SPSS); the Pearson interval is :math:`\\tanh(\\operatorname{atanh} r \\pm
    z_{(1+c)/2} / \\sqrt{n - 3})`. Stars: \\* p < .05, \\*\\* p < .01, \\*\\*\\* p < .001. Checked against R 4.2.2
    cor.test on bfi, pairwise and listwise (r, p, CI to 1e-10).

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"COM": [1.0, 2, 3, 4, 5], "TRU": [2.0, 1, 4, 3, 5], "EFT": [1.0, 3, 2, 5, 4]})
    >>> correlation_table(data, columns=["COM", "TRU", "EFT"]).to_frame().round(2)
      variable  n  mean    sd  COM  TRU  EFT
    0      COM  5   3.0  1.58  NaN  NaN  NaN
    1      TRU  5   3.0  1.58  0.8  NaN  NaN
    2      EFT  5   3.0  1.58  0.8  0.3  NaN
    """
    function = "correlation_table"
    check_option(method, ("pearson", "spearman"), parameter="method", function=function)
    check_option(nan_policy, ("pairwise", "listwise"), parameter="nan_policy", function=function)
    check_confidence(confidence, function=function)
    columns = list(dict.fromkeys(columns))
    if len(columns) < 2:
        raise DataError(f"{function}: needs at least two columns; got {columns}")
    require_columns(data, columns, function=function)
    if nan_policy == "listwise":
        frame = numeric_frame(data, columns, function=function)
        n, n_dropped = frame.n, frame.n_dropped
        single = {c: frame.data[[c]] for c in columns}
        pairs = {(a, b): frame.data[[a, b]] for a, b in combinations(columns, 2)}
    else:
        single = {c: numeric_frame(data, [c], function=function).data for c in columns}
        pairs = {(a, b): numeric_frame(data, [a, b], function=function).data for a, b in combinations(columns, 2)}
        n = int(data[columns].notna().any(axis=1).sum())
        n_dropped = len(data) - n
    descriptives = pd.DataFrame(
        {
            "variable": columns,
            "n": [len(single[c]) for c in columns],
            "mean": [single[c][c].mean() for c in columns],
            "sd": [single[c][c].std(ddof=1) for c in columns],
        }
    )
    z = stats.norm.ppf((1 + confidence) / 2)
    rows = []
    for (first, second), part in pairs.items():
        values = part.to_numpy()
        if method == "spearman":
            values = stats.rankdata(values, axis=0)
        r = float(np.clip(np.corrcoef(values, rowvar=False)[0, 1], -1, 1))
        size = len(values)
        with np.errstate(divide="ignore"):
            t = r * np.sqrt((size - 2) / (1 - r**2)) if abs(r) < 1 else np.copysign(np.inf, r)
            half = z / np.sqrt(size - 3) if size > 3 and method == "pearson" else np.nan
        rows.append(
            {
                "variable_1": second,
                "variable_2": first,
                "r": r,
                "p_value": 2 * stats.t.sf(abs(t), size - 2),
                "n": size,
                "ci_low": np.tanh(np.arctanh(r) - half) if abs(r) < 1 else r,
                "ci_high": np.tanh(np.arctanh(r) + half) if abs(r) < 1 else r,
            }
        )
    table = pd.DataFrame(rows)
    table["stars"] = significance_stars(table["p_value"])
    return CorrelationTable(table, descriptives, method, n, n_dropped, nan_policy, confidence)
