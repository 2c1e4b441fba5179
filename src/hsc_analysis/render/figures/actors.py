"""Who coordinates with whom: the actors of the interviews' relation codes as a network on a circle."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hsc_analysis.render.figures._text import check_lang, phrase, wrap
from hsc_analysis.render.figures.spec import FigureSpec
from hsc_analysis.render.figures.theme import GROUP_COLOURS, NEUTRAL_COLOUR, new_figure, themed

if TYPE_CHECKING:
    from hsc_analysis.qualitative.actors import ActorTable
    from hsc_analysis.qualitative.plan import InterviewResults

__all__ = ["actor_network", "interview_figures"]

MAX_LINE_WIDTH = 9.0
"""Line width (points) of the most-mentioned relation; the others scale with their number of segments."""


def actor_network(actors: ActorTable, *, lang: str):
    """Actors on a circle, one line per pair that the interviews mention, its width and label the number of
    segments (the symmetric ``actors.matrix``); pairs never mentioned have no line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang, function="actor_network")
    matrix = actors.matrix
    names = list(matrix.index)
    k = len(names)
    angle = np.pi / 2 - 2 * np.pi * np.arange(k) / k
    x, y = np.cos(angle), np.sin(angle)
    values = matrix.to_numpy(dtype=float)
    largest = values.max() if values.size and values.max() > 0 else 1.0
    with themed():
        fig = new_figure(3.7, width=4.8)
        ax = fig.add_subplot()
        for i, j in zip(*np.nonzero(np.triu(values, k=1)), strict=True):
            width = 1 + MAX_LINE_WIDTH * values[i, j] / largest
            ax.plot([x[i], x[j]], [y[i], y[j]], color=NEUTRAL_COLOUR, lw=width, solid_capstyle="round", zorder=1)
            box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}
            middle = ((x[i] + x[j]) / 2, (y[i] + y[j]) / 2)
            ax.text(*middle, f"{int(values[i, j])}", ha="center", va="center", fontsize=7, zorder=3, bbox=box)
        ax.scatter(x, y, s=900, color=GROUP_COLOURS[0], zorder=2)
        for i, name in enumerate(names):  # beside its node, on the side away from the centre
            side = "left" if x[i] > 0.3 else "right" if x[i] < -0.3 else "center"
            dx = 0.0 if side == "center" else 0.16 * np.sign(x[i])
            dy = 0.2 * np.sign(y[i]) if side == "center" else 0.0
            ax.text(x[i] + dx, y[i] + dy, wrap(name, lang, width=12), ha=side, va="center", fontsize=8)
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.25, 1.35)
        ax.set_aspect("equal")
        ax.axis("off")
    return fig


def interview_figures(interviews: InterviewResults, *, lang: str) -> list[FigureSpec]:
    """The figures of a study's interview section (the actor network when relations are declared)."""
    check_lang(lang, function="interview_figures")
    if interviews.actors is None:
        return []
    caption = phrase("actors_caption", lang, n=interviews.actors.n)
    return [FigureSpec(name="interviews_actors", caption=caption, figure=actor_network(interviews.actors, lang=lang))]
