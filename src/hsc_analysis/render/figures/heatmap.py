"""Correlation heat map: the lower triangle of a correlation matrix with its values and stars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, number, stars, wrap
from hsc_analysis.render.figures.theme import TEXT_WIDTH_INCHES, new_figure, themed

__all__ = ["correlation_heatmap"]


def correlation_heatmap(
    correlations: pd.DataFrame, *, labels: dict[str, str], lang: str, p_values: pd.DataFrame | None = None
):
    """Lower-triangle heat map of a correlation matrix, each cell labelled with r (APA: no leading zero) and stars.

    Parameters
    ----------
    correlations : DataFrame
        Square, rows and columns named by variable (e.g. the r matrix of a correlation table of scale scores).
    labels : dict
        Variable → label in ``lang``; the rows and columns follow its order.
    lang : {"zh", "en"}
    p_values : DataFrame, optional
        Same shape: the p value of each r, for stars (* p < .05, ** p < .01, *** p < .001).

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang, function="correlation_heatmap")
    names = list(labels)
    missing = [n for n in names if n not in correlations.index or n not in correlations.columns]
    if missing:
        raise InputError(f"correlation_heatmap: correlations lack variable(s) {', '.join(missing)}")
    r = correlations.loc[names, names].to_numpy(dtype=float)
    p = None if p_values is None else p_values.loc[names, names].to_numpy(dtype=float)
    k = len(names)
    lower = np.tril(np.ones((k, k), dtype=bool), k=-1)
    shown = np.where(lower, r, np.nan)
    with themed():
        side = min(TEXT_WIDTH_INCHES, 1.6 + 0.42 * k)
        fig = new_figure(side * 0.92, width=side + 0.6)
        ax = fig.add_subplot()
        image = ax.imshow(shown, cmap="RdBu_r", vmin=-1, vmax=1)
        size = 7 if k <= 8 else 5.5
        for i, j in zip(*np.nonzero(lower), strict=True):
            mark = "" if p is None else stars(p[i, j])
            ax.text(
                j,
                i,
                number(r[i, j], 2, leading_zero=False) + mark,
                ha="center",
                va="center",
                fontsize=size,
                color="white" if abs(r[i, j]) > 0.6 else "black",
            )
        columns = [wrap(labels[n], lang, width=32) for n in names[:-1]]  # slanted: one long line reads best
        ax.set_xticks(np.arange(k - 1), columns, rotation=45, ha="right", rotation_mode="anchor", fontsize=6.5)
        ax.set_yticks(np.arange(1, k), [wrap(labels[n], lang, width=18) for n in names[1:]], fontsize=6.5)
        ax.set_xlim(-0.5, k - 1.5)
        ax.set_ylim(k - 0.5, 0.5)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(image, ax=ax, shrink=0.6, label="r")
    return fig
