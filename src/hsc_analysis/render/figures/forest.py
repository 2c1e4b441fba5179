"""Coefficient (forest) plot: estimates with their confidence intervals, one row per term."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, number, stars, wrap
from hsc_analysis.render.figures.theme import GROUP_COLOURS, new_figure, themed

__all__ = ["coefficient_plot"]


def coefficient_plot(
    coefficients: pd.DataFrame,
    *,
    labels: dict[str, str],
    lang: str,
    axis_label: str,
    estimate: str = "estimate",
    ci_low: str = "ci_low",
    ci_high: str = "ci_high",
    term: str = "term",
    p_value: str = "p_value",
):
    """Points at the estimates with horizontal lines for their intervals, a reference line at 0, and each estimate
    with its stars printed at the right.

    Parameters
    ----------
    coefficients : DataFrame
        One row per term, e.g. the coefficient table of a regression or a multilevel model; the interval columns
        are those of the result (this function computes nothing).
    labels : dict
        Term → label in ``lang``; rows follow its order (terms not in it are not drawn, e.g. the constant).
    lang : {"zh", "en"}
    axis_label : str
        What the estimates are, e.g. "B (95% CI)" or "β".
    estimate, ci_low, ci_high, term, p_value : str
        Column names.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang, function="coefficient_plot")
    missing = [c for c in (term, estimate, ci_low, ci_high, p_value) if c not in coefficients.columns]
    if missing:
        raise InputError(f"coefficient_plot: coefficients lack column(s) {', '.join(missing)}")
    table = coefficients.set_index(term)
    absent = [t for t in labels if t not in table.index]
    if absent:
        raise InputError(f"coefficient_plot: no row for term(s) {', '.join(absent)}")
    table = table.loc[list(labels)]
    y = np.arange(len(table))
    values = table[estimate].to_numpy(dtype=float)
    low, high = table[ci_low].to_numpy(dtype=float), table[ci_high].to_numpy(dtype=float)
    with themed():
        fig = new_figure(0.7 + 0.32 * len(table))
        ax = fig.add_subplot()
        ax.axvline(0, color="#999999", linewidth=0.6)
        ax.hlines(y, low, high, color=GROUP_COLOURS[0], linewidth=1.2)
        ax.plot(values, y, "o", color=GROUP_COLOURS[0], markersize=4)
        ax.set_yticks(y, [wrap(labels[t], lang, width=30) for t in table.index])
        ax.set_ylim(len(table) - 0.5, -0.5)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel(axis_label)
        transform = ax.get_yaxis_transform()
        for pos, value, p in zip(y, values, table[p_value].to_numpy(dtype=float), strict=True):
            ax.text(1.01, pos, number(value, 2) + stars(p), transform=transform, va="center", fontsize=7.5)
    return fig
