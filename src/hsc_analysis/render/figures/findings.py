"""The figures of one finding, with names and captions, for the report: one call whatever the kind of result."""

from __future__ import annotations

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import check_lang, number, phrase
from hsc_analysis.render.figures.forest import coefficient_plot
from hsc_analysis.render.figures.gap import perception_gap_plot
from hsc_analysis.render.figures.heatmap import correlation_heatmap
from hsc_analysis.render.figures.mediation import mediation_diagram
from hsc_analysis.render.figures.moderation import SD_PROBES, johnson_neyman_plot, simple_slopes_plot
from hsc_analysis.render.figures.spec import FigureSpec

__all__ = ["finding_figures"]

_INTERCEPTS = ("(Intercept)", "constant", "Intercept")


def finding_figures(
    result, *, name: str, labels: dict[str, str], lang: str, data: pd.DataFrame | None = None
) -> list[FigureSpec]:
    """The figures of one result of :mod:`hsc_analysis.findings`.

    ==========================  ===========================================================================
    result                      figures
    ==========================  ===========================================================================
    ``CorrelationTable``        correlation heat map (r and stars, lower triangle)
    ``HierarchicalRegression``  coefficient plot of the last step (B with its CI)
    ``MultilevelResult``        coefficient plot of the fixed effects (and of the cluster-robust OLS beside a
                                singular fit)
    ``MediationResult``         path diagram with every path's coefficient and stars
    ``ModerationResult``        simple slopes (needs ``data``) and, for a continuous moderator, Johnson–Neyman
    ``GapResult``               perception gap of parents and teachers
    ==========================  ===========================================================================

    Parameters
    ----------
    result
        A findings result.
    name : str
        Stem of the figure names (``<name>_<figure>``), e.g. ``parent_mediation_1``.
    labels : dict
        Variable (and construct) → label in ``lang``; variables without a label keep their name.
    lang : {"zh", "en"}
    data : DataFrame, optional
        The data a moderation was fitted on (the plotting range of its simple slopes).

    Returns
    -------
    list of FigureSpec
    """
    check_lang(lang, function="finding_figures")
    from hsc_analysis import findings

    kind = type(result).__name__
    draw = {
        findings.CorrelationTable: _correlations,
        findings.HierarchicalRegression: _regression,
        findings.MultilevelResult: _multilevel,
        findings.MediationResult: _mediation,
        findings.ModerationResult: _moderation,
        findings.GapResult: _gap,
    }.get(type(result))
    if draw is None:
        raise InputError(f"finding_figures: no figure for a {kind}; allowed: {', '.join(_KINDS)}")
    label = _Labels(labels, lang)
    return [FigureSpec(f"{name}_{stem}", caption, figure) for stem, figure, caption in draw(result, label, lang, data)]


_KINDS = ("CorrelationTable", "HierarchicalRegression", "MultilevelResult", "MediationResult", "ModerationResult")
_KINDS += ("GapResult",)


class _Labels(dict):
    """Variable labels; a variable without one keeps its name."""

    def __init__(self, labels: dict[str, str], lang: str) -> None:
        super().__init__(labels)
        self.lang = lang

    def __missing__(self, key: str) -> str:
        return key


def _correlations(result, labels, lang, data):
    r, p = result.lower_triangle("r"), result.lower_triangle("p_value")
    names = {v: labels[v] for v in result.descriptives["variable"]}
    method = phrase(f"method_{result.method}", lang)
    policy = phrase(f"policy_{result.nan_policy}", lang)
    caption = phrase("correlation_caption", lang, method=method, n=result.n, policy=policy)
    yield "correlations", correlation_heatmap(r, labels=names, lang=lang, p_values=p), caption


def _term_labels(table: pd.DataFrame, labels) -> dict[str, str]:
    names = {}
    for row in table.itertuples():
        if row.term in _INTERCEPTS:
            continue
        variable = getattr(row, "variable", row.term)
        if row.term not in labels and row.term.endswith("_mean") and row.term[: -len("_mean")] in labels:
            names[row.term] = phrase("cluster_mean_term", labels.lang, variable=labels[row.term[: -len("_mean")]])
            continue
        names[row.term] = (
            labels[row.term]
            if row.term in labels
            else (labels[variable] if row.term == variable else f"{labels[variable]}: {row.term}")
        )
    return names


def _regression(result, labels, lang, data):
    last = result.coefficients[result.coefficients["step"] == result.coefficients["step"].max()]
    caption = phrase(
        "regression_caption",
        lang,
        outcome=labels[result.outcome],
        step=int(last["step"].iloc[0]),
        n=result.n,
        level=f"{100 * result.confidence:g}",
    )
    axis = phrase("b_axis", lang, level=f"{100 * result.confidence:g}")
    yield "coefficients", coefficient_plot(last, labels=_term_labels(last, labels), lang=lang, axis_label=axis), caption


def _multilevel(result, labels, lang, data):
    levels = " / ".join(labels[c] for c in result.cluster)
    axis = phrase("b_axis", lang, level="95")
    caption = phrase("multilevel_caption", lang, outcome=labels[result.outcome], clusters=levels, n=result.n)
    table = result.fixed_effects
    yield (
        "fixed_effects",
        coefficient_plot(table, labels=_term_labels(table, labels), lang=lang, axis_label=axis),
        (caption + (" " if lang == "en" else "") + phrase("singular_note", lang) if result.singular else caption),
    )
    if result.singular and result.robust_ols is not None:
        robust = result.robust_ols
        figure = coefficient_plot(robust, labels=_term_labels(robust, labels), lang=lang, axis_label=axis)
        yield "robust_ols", figure, phrase("robust_caption", lang, outcome=labels[result.outcome], n=result.n)


def _mediation(result, labels, lang, data):
    sep = "、" if lang == "zh" else ", "
    mediators = [labels[m] for m in result.mediators]
    chain = (
        mediators
        if result.model == 6 or len(mediators) == 1
        else [f"（{sep.join(mediators)}）" if lang == "zh" else f"({sep.join(mediators)})"]
    )
    names = " → ".join([labels[result.x], *chain, labels[result.y]])
    effects = result.effects.set_index("effect")
    indirect = effects.loc["total indirect"] if "total indirect" in effects.index else effects.loc["indirect"]
    fields = {
        key: number(indirect[column], 2)
        for key, column in (("indirect", "estimate"), ("low", "ci_low"), ("high", "ci_high"), ("std", "std_estimate"))
    }
    caption = phrase(
        "mediation_caption",
        lang,
        model=result.model,
        path=names,
        n=result.n,
        n_boot=result.n_boot,
        ci=phrase(f"ci_{result.ci}", lang),
        level=f"{100 * result.confidence:g}",
        **fields,
    )
    if result.covariates:
        caption += phrase("covariates_note", lang, covariates=sep.join(labels[c] for c in result.covariates))
    yield "mediation", mediation_diagram(result, labels=labels, lang=lang), caption


def _moderation(result, labels, lang, data):
    if data is None:
        raise InputError("finding_figures: a moderation needs data= (the data it was fitted on) for its simple slopes")
    fields = {"x": labels[result.x], "w": labels[result.w], "y": labels[result.y], "n": result.n}
    by_sd = result.conditional_effects["moderator_value"].isin(SD_PROBES).any()
    caption = phrase("slopes_caption" if by_sd else "slopes_values_caption", lang, **fields)
    yield "simple_slopes", simple_slopes_plot(result, data, labels=labels, lang=lang), caption
    if len(result.regions):
        yield (
            "johnson_neyman",
            johnson_neyman_plot(result, labels=labels, lang=lang),
            phrase("jn_caption", lang, **fields, level=f"{100 * result.confidence:g}"),
        )


def _gap(result, labels, lang, data):
    names = {c: labels[c] for c in result.tests["construct"]}
    n_classes = int(result.tests["n_classes"].max())
    yield (
        "perception_gap",
        perception_gap_plot(result, labels=names, lang=lang),
        phrase("gap_caption", lang, n_classes=n_classes),
    )
