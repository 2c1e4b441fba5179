"""Figures of the compliance section: a rule × class shortfall heat map and coverage over time by semester."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hsc_analysis.render.figures._text import check_lang, phrase, wrap
from hsc_analysis.render.figures.spec import FigureSpec
from hsc_analysis.render.figures.theme import GROUP_COLOURS, NEUTRAL_COLOUR, TEXT_WIDTH_INCHES, new_figure, themed

if TYPE_CHECKING:
    from hsc_analysis.compliance import StudyCompliance

__all__ = ["compliance_figures", "coverage_over_time", "shortfall_heatmap"]


def shortfall_heatmap(classes: pd.DataFrame, *, rules: dict[str, str], periods: dict[str, str], lang: str):
    """Rules (rows, one per rule and period) × classes (columns): the capped rate min(1, count / required) as colour
    (1 = met) and the shortfall written in every cell that falls short.

    Parameters
    ----------
    classes : DataFrame
        Rows of :attr:`hsc_analysis.compliance.ComplianceAudit.classes` (``rule_id, class_id, period, rate,
        shortfall``), typically one school year, with a boolean ``suppressed`` column
        (:func:`hsc_analysis.render.compliance_tables.suppress_student_cells`): those cells are drawn blank (grey,
        no number).
    rules : dict
        Rule id → label in ``lang``; the rows follow its order.
    periods : dict
        Period id → short label.
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang, function="shortfall_heatmap")
    keys = [(r, p) for r in rules for p in pd.unique(classes.loc[classes["rule_id"] == r, "period"])]
    class_ids = list(pd.unique(classes["class_id"]))
    rate = np.full((len(keys), len(class_ids)), np.nan)
    gap = np.zeros_like(rate)
    hidden = np.zeros(rate.shape, dtype=bool)
    index = {c: j for j, c in enumerate(class_ids)}
    for i, (rule, period) in enumerate(keys):
        block = classes[(classes["rule_id"] == rule) & (classes["period"] == period)]
        cols = [index[c] for c in block["class_id"]]
        rate[i, cols] = pd.to_numeric(block["rate"]).to_numpy(float)
        gap[i, cols] = pd.to_numeric(block["shortfall"]).fillna(0).to_numpy(float)
        hidden[i, cols] = block["suppressed"].to_numpy(dtype=bool)
    shown = np.where(hidden, np.nan, rate)
    with themed():
        from matplotlib.colors import BoundaryNorm, ListedColormap

        # five bands of the shortfall's size, and met (= 1) in a colour of its own
        cmap = ListedColormap(["#D55E00", "#E69F00", "#F0E442", "#D9EF8B", "#91CF60", "#1A7837"])
        cmap = cmap.with_extremes(bad=NEUTRAL_COLOUR)
        bounds = [0, 0.2, 0.4, 0.6, 0.8, 0.9999, 1.0001]
        norm = BoundaryNorm(bounds, cmap.N)
        height = 1.3 + 0.28 * len(keys)
        fig = new_figure(height, width=TEXT_WIDTH_INCHES)
        ax = fig.add_subplot()
        image = ax.imshow(shown, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
        size = 5.5 if len(class_ids) <= 45 else 4
        for i, j in zip(*np.nonzero(np.isfinite(shown) & (gap > 0)), strict=True):
            colour = "white" if shown[i, j] < 0.2 else "black"
            ax.text(j, i, f"{gap[i, j]:.0f}", ha="center", va="center", fontsize=size, color=colour)
        ax.set_yticks(
            np.arange(len(keys)),
            [
                wrap(
                    f"{rules[r]}（{periods.get(p, p)}）" if lang == "zh" else f"{rules[r]} ({periods.get(p, p)})",
                    lang,
                    width=44,
                )
                for r, p in keys
            ],
            fontsize=6,
        )
        ax.set_xticks(np.arange(len(class_ids)), class_ids, rotation=90, fontsize=5)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xlabel(phrase("compliance_class_axis", lang))
        bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.01)
        bar.set_ticks(
            [0.1, 0.3, 0.5, 0.7, 0.9, 1.0],
            labels=["< .2", ".2–.4", ".4–.6", ".6–.8", "≥ .8", phrase("compliance_met", lang)],
        )
        bar.ax.tick_params(labelsize=6, length=0)
        bar.set_label(phrase("compliance_rate_axis", lang), fontsize=7)
    return fig


def coverage_over_time(
    by_period: pd.DataFrame,
    unflagged: pd.DataFrame,
    *,
    periods: pd.DataFrame,
    rules: dict[str, str],
    lang: str,
    period_labels: dict[str, str] | None = None,
):
    """Coverage of each count rule per period, counting every valid event (solid) and without the events flagged as
    paper compliance (dashed), on an axis of semesters (a school-year rule sits between its semesters).

    Parameters
    ----------
    by_period, unflagged : DataFrame
        :meth:`hsc_analysis.compliance.ComplianceAudit.by_period` of the audit with all events and without the
        flagged ones (``rule_id, period, coverage``).
    periods : DataFrame
        :attr:`hsc_analysis.compliance.ComplianceAudit.periods` (``period, kind, school_year``).
    rules : dict
        Rule id → label in ``lang``; lines follow its order and colours.
    lang : {"zh", "en"}
    period_labels : dict, optional
        Term id → tick label (default the id; may hold line breaks).

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang, function="coverage_over_time")
    terms = periods[periods["kind"] == "term"].reset_index(drop=True)
    x_of = {term: float(i) for i, term in enumerate(terms["period"])}
    for year, block in terms.groupby("school_year", sort=False):
        x_of[year] = float(block.index.to_numpy().mean())
    with themed():
        fig = new_figure(3.2)
        ax = fig.add_subplot()
        for k, (rule, label) in enumerate(rules.items()):
            colour = GROUP_COLOURS[k % len(GROUP_COLOURS)]
            for frame, style, name in ((by_period, "-", label), (unflagged, "--", None)):
                rows = frame[frame["rule_id"] == rule]
                if not len(rows):
                    continue
                x = rows["period"].map(x_of).to_numpy(float)
                ax.plot(
                    x,
                    100 * rows["coverage"].to_numpy(float),
                    style,
                    marker="o",
                    markersize=3,
                    linewidth=1,
                    color=colour,
                    label=wrap(name, lang, width=36) if name else None,
                )
        ax.plot([], [], "--", color="#555555", linewidth=1, label=phrase("compliance_without_flagged", lang))
        labels = period_labels or {}
        ax.set_xticks(np.arange(len(terms)), [labels.get(t, t) for t in terms["period"]])
        ax.set_xlim(-0.4, len(terms) - 0.6)
        ax.set_ylim(0, 105)
        ax.set_ylabel(phrase("compliance_coverage_axis", lang))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=6.5)
    return fig


def compliance_figures(result: StudyCompliance, *, lang: str, min_cell: int) -> list[FigureSpec]:
    """The figures of one rule set's audit: the shortfall heat map of the last school year and coverage over time.
    Names are ``compliance_<rule set>_shortfall`` and ``compliance_<rule set>_coverage``."""
    from hsc_analysis.render.compliance_tables import period_labels, suppress_student_cells

    check_lang(lang, function="compliance_figures")
    audit = result.audit
    title = result.rules.title.get(lang) or result.rules.id
    labels = {r.id: r.label.get(lang) or r.id for r in result.rules.of_kind("count")}
    classes = suppress_student_cells(
        audit.classes[audit.classes["school_year"] == result.school_year], min_cell=min_cell
    )
    out = []
    rules = {r: label for r, label in labels.items() if r in set(classes["rule_id"])}
    if rules:
        figure = shortfall_heatmap(classes, rules=rules, periods=period_labels(audit, lang=lang, short=True), lang=lang)
        caption = phrase(
            "compliance_shortfall_caption",
            lang,
            rule_set=title,
            year=result.school_year.replace("-", "–"),
            min_cell=min_cell,
        )
        out.append(FigureSpec(f"compliance_{result.rules.id}_shortfall", caption, figure))
    by_period = audit.by_period()
    if len(by_period):
        years, short = period_labels(audit, lang=lang), period_labels(audit, lang=lang, short=True)
        ticks = {p.period: f"{years[p.school_year]}\n{short[p.period]}" for p in audit.periods.itertuples()}
        rules = {r: label for r, label in labels.items() if r in set(by_period["rule_id"])}
        figure = coverage_over_time(
            by_period,
            result.audit_unflagged.by_period(),
            periods=audit.periods,
            rules=rules,
            lang=lang,
            period_labels=ticks,
        )
        caption = phrase("compliance_coverage_caption", lang, rule_set=title)
        out.append(FigureSpec(f"compliance_{result.rules.id}_coverage", caption, figure))
    return out
