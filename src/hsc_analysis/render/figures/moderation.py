"""Moderation (PROCESS model 1): simple slopes of Y on X at values of W, and the Johnson–Neyman plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, number, phrase, stars, wrap
from hsc_analysis.render.figures.theme import GROUP_COLOURS, NEUTRAL_COLOUR, new_figure, themed

__all__ = ["johnson_neyman_plot", "simple_slopes_plot"]

SD_PROBES = ("mean - 1 SD", "mean", "mean + 1 SD")
"""The probe values of W drawn as simple slopes (PROCESS's other probes, percentiles, are in the tables)."""


def _probes(result) -> pd.DataFrame:
    """The values of W to draw: M − 1 SD, M, M + 1 SD (or both values of a dichotomous W)."""
    effects = result.conditional_effects
    chosen = effects[effects["moderator_value"].isin(SD_PROBES)]
    return chosen if len(chosen) else effects


def simple_slopes_plot(result, data: pd.DataFrame, *, labels: dict[str, str], lang: str):
    """Predicted Y across X (from M − 1 SD to M + 1 SD of X) at the probed values of W, each line labelled with
    its simple slope and stars.

    Parameters
    ----------
    result : ModerationResult
        From :func:`hsc_analysis.findings.moderation`: its coefficients draw the lines, its conditional effects
        label them.
    data : DataFrame
        The data the model was fitted on. Only the plotting range is taken from it: the mean and SD of X and the
        means of W and the covariates over the complete cases (the covariates are held at their means, as PROCESS
        plots). It must give the result's n, or the lines would not be the result's.
    labels : dict
        Variable → label in ``lang`` for X, W and Y.
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_lang(lang, function="simple_slopes_plot")
    variables = [result.x, result.w, result.y, *result.covariates]
    missing = [v for v in variables if v not in data.columns]
    if missing:
        raise InputError(f"simple_slopes_plot: data lack column(s) {', '.join(missing)}")
    complete = data[variables].dropna()
    if len(complete) != result.n:
        raise InputError(
            f"simple_slopes_plot: data have {len(complete)} complete cases but the result was fitted on {result.n}; "
            "pass the data the model was fitted on"
        )
    b = result.coefficients.set_index("term")["estimate"]
    means = complete.mean()
    shift_x, shift_w = (means[result.x], means[result.w]) if result.center else (0.0, 0.0)
    constant = b["constant"] + sum(b[c] * means[c] for c in result.covariates)
    sd_x = complete[result.x].std()
    x = np.linspace(means[result.x] - sd_x, means[result.x] + sd_x, 2)
    product = f"{result.x}:{result.w}"
    with themed():
        fig = new_figure(3.4, width=5.2)
        ax = fig.add_subplot()
        for j, row in enumerate(_probes(result).itertuples()):
            w = row.w - shift_w
            line = constant + b[result.x] * (x - shift_x) + b[result.w] * w + b[product] * (x - shift_x) * w
            name = phrase(f"probe_{row.moderator_value}", lang) if row.moderator_value in SD_PROBES else ""
            slope = f"{phrase('slope', lang)} = {number(row.estimate, 2)}{stars(row.p_value)}"
            text = wrap(
                f"{labels[result.w]} = {number(row.w, 2)}{name}{'：' if lang == 'zh' else ': '}{slope}", lang, width=90
            )
            ax.plot(x, line, color=GROUP_COLOURS[j], linewidth=1.4, linestyle=("-", "--", ":")[j % 3], label=text)
        ax.set_xlabel(labels[result.x])
        ax.set_ylabel(labels[result.y])
        fig.legend(loc="outside lower center", ncol=1, fontsize=7)
    return fig


def johnson_neyman_plot(result, *, labels: dict[str, str], lang: str):
    """The effect of X at the probed values of W with its confidence interval, the regions of W where that effect
    is significant shaded, and the Johnson–Neyman boundaries with the share of the sample on each side.

    Parameters
    ----------
    result : ModerationResult
        Its ``conditional_effects`` (estimate and t-based interval at each probed W), ``regions`` and
        ``johnson_neyman`` are drawn as they are.
    labels : dict
        Variable → label in ``lang`` for X and W.
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.figure.Figure
        The line joining the points is the conditional effect b₁ + b₃w, which is linear in w.
    """
    check_lang(lang, function="johnson_neyman_plot")
    effects = result.conditional_effects.sort_values("w")
    regions = result.regions
    low, high = float(regions["w_from"].min()), float(regions["w_to"].max())
    w, estimate = effects["w"].to_numpy(dtype=float), effects["estimate"].to_numpy(dtype=float)
    slope = (estimate[-1] - estimate[0]) / (w[-1] - w[0]) if w[-1] > w[0] else 0.0
    with themed():
        fig = new_figure(3.4, width=5.2)
        ax = fig.add_subplot()
        for row in regions.itertuples():
            ax.axvspan(
                row.w_from,
                row.w_to,
                color=GROUP_COLOURS[2] if row.significant else NEUTRAL_COLOUR,
                alpha=0.15,
                linewidth=0,
            )
        ends = np.array([low, high])
        ax.plot(ends, estimate[0] + slope * (ends - w[0]), color="black", linewidth=0.8)
        ax.errorbar(
            w,
            estimate,
            yerr=[estimate - effects["ci_low"], effects["ci_high"] - estimate],
            fmt="o",
            color=GROUP_COLOURS[0],
            markersize=3.5,
            capsize=2.5,
            linewidth=1,
        )
        ax.axhline(0, color="#999999", linewidth=0.6)
        for row in result.johnson_neyman.itertuples():
            ax.axvline(row.w, color=GROUP_COLOURS[5], linestyle="--", linewidth=0.8)
            share = phrase("jn_share", lang, below=f"{100 * row.share_below:.1f}", above=f"{100 * row.share_above:.1f}")
            ax.text(
                row.w,
                1.0,
                f"{number(row.w, 2)}\n{share}",
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        ax.set_xlim(low, high)
        ax.set_xlabel(labels[result.w])
        ax.set_ylabel(phrase("jn_axis", lang, x=labels[result.x]))
        significant = [r for r in regions.itertuples() if r.significant]
        ax.legend(
            handles=_region_handles(lang, any(significant), len(significant) < len(regions)), loc="best", fontsize=7
        )
    return fig


def _region_handles(lang: str, significant: bool, not_significant: bool) -> list:
    from matplotlib.patches import Patch

    handles = []
    if significant:
        handles.append(Patch(color=GROUP_COLOURS[2], alpha=0.3, label=phrase("jn_significant", lang)))
    if not_significant:
        handles.append(Patch(color=NEUTRAL_COLOUR, alpha=0.3, label=phrase("jn_not_significant", lang)))
    return handles
