"""The sample-flow diagram (CONSORT style): received, each screening step that excluded someone, analysed."""

from __future__ import annotations

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, phrase
from hsc_analysis.render.figures.theme import new_figure, themed

__all__ = ["sample_flow"]

_BOX = {"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "black", "linewidth": 0.7}
_SIDE = {**_BOX, "facecolor": "#F2F2F2"}
_COLUMNS = ("step", "label_zh", "label_en", "n_before", "n_excluded", "n_after")


def sample_flow(flow: pd.DataFrame, *, lang: str):
    """Draw a screening flow: the received questionnaires at the top, one side box per step that excluded
    respondents, the analysed sample at the bottom.

    Parameters
    ----------
    flow : DataFrame
        ``ScreeningResult.flow``: one row per step in order, ``step, label_zh, label_en, n_before, n_excluded,
        n_after``; the first row is what was received and the last what was analysed.
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.figure.Figure
        Steps that excluded nobody are not drawn (the caption of :func:`dataset_figures` names them).
    """
    check_lang(lang, function="sample_flow")
    missing = [c for c in _COLUMNS if c not in flow.columns]
    if missing:
        raise InputError(f"sample_flow: flow lacks column(s) {', '.join(missing)}")
    label = f"label_{lang}"
    flow = flow.assign(**{label: flow[label].str.slice(0, 1).str.upper() + flow[label].str.slice(1)})
    first, last = flow.iloc[0], flow.iloc[-1]
    excluded = flow.iloc[1:-1][flow["n_excluded"].iloc[1:-1] > 0]
    n_side = max(len(excluded), 1)
    height = 1.3 + 0.62 * n_side
    with themed():
        fig = new_figure(height, width=4.8)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, n_side + 1)
        top, bottom = n_side + 0.6, 0.4
        main_x, side_x = 0.25, 0.56
        ax.text(main_x, top, f"{first[label]}\nn = {first['n_after']}", ha="center", va="center", bbox=_BOX)
        ax.text(main_x, bottom, f"{last[label]}\nn = {last['n_after']}", ha="center", va="center", bbox=_BOX)
        ax.annotate(
            "",
            xy=(main_x, bottom + 0.28),
            xytext=(main_x, top - 0.28),
            arrowprops={"arrowstyle": "-|>", "linewidth": 0.8, "color": "black"},
        )
        rows = list(excluded.itertuples()) or [None]
        for i, row in enumerate(rows):
            y = n_side - i
            text = phrase("flow_none_excluded", lang) if row is None else f"{getattr(row, label)}\nn = {row.n_excluded}"
            ax.annotate(
                "",
                xy=(side_x - 0.03, y),
                xytext=(main_x, y),
                arrowprops={"arrowstyle": "-|>", "linewidth": 0.8, "color": "black"},
            )
            ax.text(side_x, y, text, ha="left", va="center", bbox=_SIDE, fontsize=8)
        ax.text(side_x, n_side + 0.6, phrase("flow_excluded", lang), ha="left", va="center", fontsize=8)
    return fig
