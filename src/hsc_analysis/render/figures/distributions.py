"""Scale-score distributions: one box per construct, or per construct and group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, phrase, wrap
from hsc_analysis.render.figures.privacy import DEFAULT_MIN_GROUP_N, split_groups
from hsc_analysis.render.figures.theme import GROUP_COLOURS, new_figure, themed

__all__ = ["score_distributions"]


def score_distributions(
    scores: pd.DataFrame,
    *,
    labels: dict[str, str],
    lang: str,
    group: pd.Series | None = None,
    min_group_n: int = DEFAULT_MIN_GROUP_N,
    score_range: tuple[float, float] | None = None,
):
    """Box plots of scale scores, one row per construct, one box per group.

    Parameters
    ----------
    scores : DataFrame
        Respondents × constructs (``ScaleScores.scores``); NaN scores are left out of their box.
    labels : dict
        Construct id → label in ``lang``; the rows follow its order.
    lang : {"zh", "en"}
    group : Series, optional
        Group label per respondent (indexed like ``scores``); a categorical keeps its order. Groups with fewer than
        ``min_group_n`` respondents are not drawn.
    min_group_n : int
    score_range : (low, high), optional
        Axis limits, e.g. the response scale (1, 5) for mean scores.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Boxes span the quartiles with the median marked; whiskers reach the furthest score within 1.5 IQR
    (Tukey, matplotlib's and ggplot2's default); the diamond is the mean.
    """
    check_lang(lang, function="score_distributions")
    missing = [c for c in labels if c not in scores.columns]
    if missing:
        raise InputError(f"score_distributions: scores lack construct column(s) {', '.join(missing)}")
    constructs = list(labels)
    if group is None:
        series = {"": pd.Series(True, index=scores.index)}
    else:
        group = group.reindex(scores.index)
        split = split_groups(group, min_group_n=min_group_n)
        text = group.astype("string")
        series = {f"{name} (n = {n})": text == name for name, n in split.shown.items()}
    k = len(series)
    width = 0.8 / k
    with themed():
        fig = new_figure(0.7 + len(constructs) * (0.14 + 0.11 * k))
        ax = fig.add_subplot()
        for j, (name, mask) in enumerate(series.items()):
            colour = GROUP_COLOURS[j % len(GROUP_COLOURS)]
            data = [scores.loc[mask, c].dropna().to_numpy() for c in constructs]
            positions = np.arange(len(constructs)) - 0.4 + width * (j + 0.5)
            ax.boxplot(
                data,
                positions=positions,
                widths=width * 0.8,
                orientation="horizontal",
                patch_artist=True,
                showmeans=True,
                flierprops={"markersize": 1.5, "markeredgecolor": colour, "alpha": 0.5},
                boxprops={"facecolor": colour, "alpha": 0.55, "edgecolor": colour},
                medianprops={"color": "black", "linewidth": 0.9},
                whiskerprops={"color": colour},
                capprops={"color": colour},
                meanprops={"marker": "D", "markersize": 2.5, "markerfacecolor": "white", "markeredgecolor": "black"},
                label=name or None,
            )
        ax.set_yticks(np.arange(len(constructs)), [wrap(labels[c], lang, width=26) for c in constructs])
        ax.set_ylim(len(constructs) - 0.5, -0.5)
        if score_range is not None:
            low, high = score_range
            ax.set_xlim(low - 0.1, high + 0.1)
        ax.set_xlabel(phrase("score_axis", lang))
        ax.grid(axis="x", linewidth=0.4, color="#DDDDDD")
        ax.set_axisbelow(True)
        if group is not None:
            fig.legend(loc="outside lower center", ncol=min(k, 4))
    return fig
