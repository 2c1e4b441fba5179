"""Perception gap: parents' and teachers' class means on the constructs both answered."""

from __future__ import annotations

import numpy as np

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, number, phrase, stars, wrap
from hsc_analysis.render.figures.theme import GROUP_COLOURS, new_figure, themed

__all__ = ["perception_gap_plot"]


def perception_gap_plot(result, *, labels: dict[str, str], lang: str):
    """Left: parents' and teachers' mean of class means per construct, joined, with the mean gap, its paired-t
    stars and d_z. Right: the spread of the class gaps (parents − teachers) per construct as box plots.

    Parameters
    ----------
    result : GapResult
        From :func:`hsc_analysis.findings.perception_gap`: ``tests`` (one row per construct) and ``classes``.
    labels : dict
        Construct (the ``construct`` of ``result.tests``) → label in ``lang``; rows follow its order.
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.figure.Figure
        No class is shown on its own: a class mean of one to four teachers would disclose their answers, so the
        class gaps appear only inside box plots (quartiles, whiskers at the 10th and 90th percentiles, which are
        interpolated rather than one class's value) without outlying points, and no class is named.
    """
    check_lang(lang, function="perception_gap_plot")
    tests = result.tests.set_index("construct")
    absent = [c for c in labels if c not in tests.index]
    if absent:
        raise InputError(f"perception_gap_plot: the result has no construct(s) {', '.join(absent)}")
    constructs = list(labels)
    y = np.arange(len(constructs))
    with themed():
        fig = new_figure(1.0 + 0.5 * len(constructs))
        left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.2, 1]})
        rows = tests.loc[constructs]
        parents, teachers = rows["parent_mean"].to_numpy(float), rows["teacher_mean"].to_numpy(float)
        left.hlines(y, np.minimum(parents, teachers), np.maximum(parents, teachers), color="#999999", linewidth=1)
        left.plot(parents, y, "o", color=GROUP_COLOURS[0], label=phrase("gap_parents", lang))
        left.plot(teachers, y, "s", color=GROUP_COLOURS[1], label=phrase("gap_teachers", lang))
        for pos, row in zip(y, rows.itertuples(), strict=True):
            comma = "，" if lang == "zh" else ", "
            text = f"{phrase('gap_label', lang)} = {number(row.mean_gap, 2)}{stars(row.p_value)}{comma}"
            text += f"$d_z$ = {number(row.cohen_dz, 2)}"
            left.annotate(
                text,
                (max(row.parent_mean, row.teacher_mean), pos),
                xytext=(0, 7),
                textcoords="offset points",
                ha="right",
                fontsize=7,
            )
        left.set_xlabel(phrase("gap_mean_axis", lang))
        left.legend(loc="lower left", fontsize=7)
        classes = result.classes
        data = [classes.loc[classes["construct"] == c, "gap"].dropna().to_numpy() for c in constructs]
        right.boxplot(
            data,
            positions=y,
            orientation="horizontal",
            widths=0.5,
            showfliers=False,
            whis=(10, 90),
            patch_artist=True,
            boxprops={"facecolor": GROUP_COLOURS[4], "alpha": 0.5},
            medianprops={"color": "black"},
        )
        right.axvline(0, color="#999999", linewidth=0.6)
        right.set_xlabel(phrase("gap_class_axis", lang))
        right.tick_params(axis="y", length=0)
        left.set_yticks(y, [wrap(labels[c], lang, width=22) for c in constructs])  # after boxplot, which sets its own
        left.set_ylim(len(constructs) - 0.4, -0.7)
    return fig
