"""Standardised CFA loadings, factor by factor: one small panel per factor, one bar per item.

A path diagram of an instrument with a dozen factors (about 50 indicators and 80 factor covariances) cannot be read
at a page's width, so the measurement model is drawn as a loading chart: each bar is an item's standardised
loading with its significance stars, against the customary .50 and .70 marks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, number, phrase, stars, wrap
from hsc_analysis.render.figures.theme import GROUP_COLOURS, new_figure, themed

__all__ = ["loading_chart"]

_COLUMNS = ("factor", "item", "std_all", "p_value")


def loading_chart(loadings: pd.DataFrame, *, labels: dict[str, str], lang: str, columns: int = 3):
    """Bars of standardised loadings (``std_all``), one panel per factor.

    Parameters
    ----------
    loadings : DataFrame
        ``ValidityReport.loadings``: ``factor, item, std_all, p_value`` (one row per item).
    labels : dict
        Factor → label in ``lang``; panels follow its order.
    lang : {"zh", "en"}
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang, function="loading_chart")
    missing = [c for c in _COLUMNS if c not in loadings.columns]
    if missing:
        raise InputError(f"loading_chart: loadings lack column(s) {', '.join(missing)}")
    factors = list(labels)
    rows = int(np.ceil(len(factors) / columns))
    most = int(loadings.groupby("factor").size().max())
    with themed():
        fig = new_figure(rows * (0.45 + 0.17 * most) + 0.3)
        axes = fig.subplots(rows, columns, sharex=True, squeeze=False).ravel()
        low = min(0.0, float(loadings["std_all"].min()))
        for ax, factor in zip(axes, factors, strict=False):
            part = loadings[loadings["factor"] == factor]
            y = np.arange(len(part))
            values = part["std_all"].to_numpy(dtype=float)
            ax.barh(y, values, height=0.65, color=GROUP_COLOURS[0], alpha=0.8)
            for pos, value, p in zip(y, values, part["p_value"].to_numpy(dtype=float), strict=True):
                ax.text(
                    max(value, 0) + 0.02,
                    pos,
                    number(value, 2, leading_zero=False) + stars(p),
                    va="center",
                    fontsize=6.5,
                )
            ax.set_yticks(y, part["item"].tolist(), fontsize=7)
            ax.set_ylim(most - 0.5, -0.5)
            for mark in (0.5, 0.7):
                ax.axvline(mark, color="#999999", linewidth=0.5, linestyle=":")
            ax.set_title(wrap(labels[factor], lang, width=30), fontsize=8, loc="left")
            ax.tick_params(axis="y", length=0)
        for ax in axes[len(factors) :]:
            ax.set_axis_off()
        ticks = np.arange(np.floor(low * 2) / 2, 1.01, 0.25)
        axes[0].set_xlim(low, 1.2)
        axes[0].set_xticks(ticks, [number(t, 2) for t in ticks])
        for ax in axes[max(len(factors) - columns, 0) : len(factors)]:  # the lowest panel of each column
            ax.tick_params(labelbottom=True)
            ax.set_xlabel(phrase("loading_axis", lang))
    return fig
