"""Mediation path diagram (PROCESS models 4 and 6): X, the mediators and Y with each path's standardised coefficient
and stars."""

from __future__ import annotations

import numpy as np

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, number, phrase, stars, wrap
from hsc_analysis.render.figures.theme import new_figure, themed

__all__ = ["mediation_diagram"]

_BOX = {"boxstyle": "round,pad=0.45", "facecolor": "white", "edgecolor": "black", "linewidth": 0.8}
_LABEL = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"}


def mediation_diagram(result, *, labels: dict[str, str], lang: str, value: str = "std_estimate"):
    """The statistical diagram of a mediation model with its path coefficients (standardised by default).

    Parameters
    ----------
    result : MediationResult
        From :func:`hsc_analysis.findings.mediation`; its ``paths`` table gives every coefficient, standardised
        and not, with its p value (``path`` names a1, b1, d21, c′ and c).
    labels : dict
        Variable → label in ``lang`` for X, the mediators and Y.
    lang : {"zh", "en"}
    value : str
        Column of ``paths`` to print: ``std_estimate`` (β = B·SD(X)/SD(Y), APA style without a leading zero) or
        ``estimate`` (B). The stars are those of the t test of B either way.

    Returns
    -------
    matplotlib.figure.Figure
        X at the lower left, Y at the lower right, parallel mediators stacked above the middle (model 4) or serial
        mediators in a row above (model 6); the direct path is labelled c′ with the total effect c beside it.
    """
    check_lang(lang, function="mediation_diagram")
    paths = result.paths
    if value not in paths.columns:
        raise InputError(f"mediation_diagram: value got {value!r}; allowed: a column of result.paths")
    missing = [v for v in (result.x, *result.mediators, result.y) if v not in labels]
    if missing:
        raise InputError(f"mediation_diagram: labels lack variable(s) {', '.join(missing)}")
    named = paths[paths["path"].fillna("") != ""]
    digits = {"leading_zero": value == "estimate"}  # β: no leading zero (APA)
    k = len(result.mediators)
    serial = result.model == 6
    position = {result.x: (0.1, 0.0), result.y: (0.9, 0.0)}
    for i, m in enumerate(result.mediators):
        position[m] = (0.22 + 0.56 * i / max(k - 1, 1), 1.0) if serial else (0.5, 0.4 + 0.8 * (k - i) / max(k, 1))
    wrapped = {name: wrap(labels[name], lang, width=16) for name in position}
    lines = max(wrapped[m].count("\n") + 1 for m in result.mediators)  # stacked boxes of long labels need room
    height = 1.2 + (0.9 if serial else 0.55 * k) * (1 + 0.45 * (lines - 1))
    with themed():
        fig = new_figure(height)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(-0.05, 1.05)
        top = 1.25 + (0.15 * (k - 2) if k > 2 else 0) if serial else 0.6 + 0.8
        ax.set_ylim(-0.35, top)
        boxes = {
            name: ax.text(x, y, wrapped[name], ha="center", va="center", bbox=_BOX, zorder=3)
            for name, (x, y) in position.items()
        }
        total = named[named["path"] == "c"]
        for row in named.itertuples():
            if row.path == "c" or row.term not in position or row.outcome not in position:
                continue
            start, end = np.array(position[row.term]), np.array(position[row.outcome])
            bend = -0.3 if row.path.startswith("d") and _gap(row.path) > 1 else 0.0
            ax.annotate(
                "",
                xy=end,
                xytext=start,
                zorder=1,
                arrowprops={
                    "arrowstyle": "-|>",
                    "linewidth": 0.8,
                    "color": "black",
                    "shrinkA": 2,
                    "shrinkB": 2,
                    "patchA": boxes[row.term].get_bbox_patch(),
                    "patchB": boxes[row.outcome].get_bbox_patch(),
                    "connectionstyle": f"arc3,rad={bend}",
                },
            )
            text = f"{_path_name(row.path)} = {number(getattr(row, value), 2, **digits)}{stars(row.p_value)}"
            if row.path == "c'" and len(total):
                c = total.iloc[0]
                text += f"\n(c = {number(c[value], 2, **digits)}{stars(c['p_value'])})"
            where = _label_point(ax, row.path, start, end, bend, serial=serial)
            ax.text(*where, text, ha="center", va="center", fontsize=7.5, bbox=_LABEL, zorder=2)
        ax.text(0.5, -0.3, phrase("mediation_legend", lang), ha="center", va="center", fontsize=7)
    return fig


def _label_point(ax, path: str, start: np.ndarray, end: np.ndarray, bend: float, *, serial: bool) -> np.ndarray:
    """Where a path's label goes: a paths near their mediator, b paths a little lower (so the labels of crossing
    paths do not meet), serial d paths just above the arrow or at the top of its arc."""
    if path.startswith("a"):
        return start + (0.75 if serial else 0.62) * (end - start)
    if path.startswith("b"):
        return start + (0.45 if serial else 0.38) * (end - start)
    if not path.startswith("d"):
        return (start + end) / 2
    display = ax.transData.transform(np.array([start, end]))
    (dx, dy), middle = display[1] - display[0], display.mean(axis=0)
    apex = middle + bend / 2 * np.array([dy, -dx])  # the top of matplotlib's arc3 curve
    point = ax.transData.inverted().transform(apex)
    return point + (np.array([0.0, 0.11]) if bend == 0 else 0.0)


def _path_name(path: str) -> str:
    return path.replace("'", "\N{PRIME}")


def _gap(path: str) -> int:
    """How many mediators a serial path d<to><from> skips over (d21: 1, d31: 2)."""
    return int(path[1]) - int(path[2]) if len(path) == 3 and path[1:].isdigit() else 1
