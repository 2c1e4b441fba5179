"""Results text for the model-based findings: one APA-style paragraph per table, in Chinese or English.

As :mod:`hsc_analysis.render.text`, this module only picks the template that fits the result (an indirect effect
whose bootstrap interval excludes zero or not, a significant interaction or not, a singular multilevel fit) and
fills in the result's numbers formatted; the wording is in ``templates/<lang>.yaml`` (``text:``). Judgements use
the result's own p-values and intervals at its confidence level; nothing is computed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from hsc_analysis.render.format import bounded, count, degrees_of_freedom, number, p_phrase
from hsc_analysis.render.language import Language, language
from hsc_analysis.render.model_tables import (
    DECIMALS,
    at_w,
    chain,
    ci,
    johnson_neyman_phrase,
    label,
    level,
    term_label,
)

if TYPE_CHECKING:
    import pandas as pd

    from hsc_analysis.findings import (
        GapResult,
        IccResult,
        MediationResult,
        ModeratedMediationResult,
        ModerationResult,
        MultilevelResult,
    )

__all__ = [
    "icc_text",
    "mediation_text",
    "moderated_mediation_text",
    "moderation_text",
    "multilevel_text",
    "perception_gap_text",
]

DESIGN_EFFECT_CUT = 2.0
"""Muthén & Satorra (1995): a design effect above 2 means the clustering cannot be ignored."""

_PROBED = ("mean - 1 SD", "mean", "mean + 1 SD")
"""The probe values the paragraphs name (the table has all of them)."""


def _join(parts: list[str], t: Language) -> str:
    return t.word("list_separator").join(parts)


def _excludes_zero(low: float, high: float) -> bool:
    return bool(low > 0 or high < 0)


def _covariates(result, t: Language, labels) -> str:
    names = [label(labels, c) for c in result.covariates]
    return t.text("process_text_covariates", covariates=_join(names, t)) if names else ""


def _effect(row, t: Language, *, level_text: str) -> str:
    """``B = 0.38, 95% CI [0.33, 0.43], p < .001`` of an OLS effect, significant or not."""
    key = "process_effect_significant" if row.p_value < 0.05 else "process_effect_not_significant"
    return t.text(
        key,
        b=number(row.estimate, DECIMALS),
        ci=ci(row.ci_low, row.ci_high),
        p=p_phrase(row.p_value),
        level=level_text,
    )


def _indirect(estimate: float, low: float, high: float, t: Language, *, name: str, level_text: str, std: str) -> str:
    if math.isnan(low) or math.isnan(high):  # no bootstrap
        return t.text("process_indirect_no_ci", name=name, b=number(estimate, DECIMALS))
    key = "process_indirect_excludes" if _excludes_zero(low, high) else "process_indirect_includes"
    return t.text(key, name=name, b=number(estimate, DECIMALS), ci=ci(low, high), level=level_text, std=std)


def mediation_text(
    result: MediationResult, *, lang: str, labels: Mapping[str, str] | None, table: str, table_effects: str
) -> str:
    """The mediation paragraph: design, total and direct effect, each specific indirect effect with its bootstrap
    interval (and the completely standardised effect), and whether mediation is full, partial or absent."""
    t = language(lang)
    effects = result.effects
    lvl = level(result.confidence)
    total, direct = effects.iloc[0], effects.iloc[1]
    parts, supported, total_supported = [], [], False
    for row in effects[effects["effect"] != "direct"].iloc[1:].itertuples():
        is_total = row.effect == "total indirect"
        if is_total and len(result.mediators) == 1:
            continue
        name = (
            t.word("process_total_indirect_name")
            if is_total
            else t.text("process_indirect_name", chain=chain(row.path, labels=labels))
        )
        std = t.text("process_std_phrase", b=number(row.std_estimate, DECIMALS))
        parts.append(_indirect(row.estimate, row.ci_low, row.ci_high, t, name=name, level_text=lvl, std=std))
        if is_total:
            total_supported = _excludes_zero(row.ci_low, row.ci_high)
        elif _excludes_zero(row.ci_low, row.ci_high):
            supported.append(chain(row.path, labels=labels, ends=False))
    if not result.n_boot:
        conclusion = t.text("mediation_not_tested")
    elif not supported:
        conclusion = t.text("mediation_total_only" if total_supported else "mediation_none")
    else:
        key = "mediation_partial" if direct.p_value < 0.05 else "mediation_full"
        conclusion = t.text(key, mediators=_join(supported, t), x=label(labels, result.x), y=label(labels, result.y))
    return t.text(
        "mediation",
        x=label(labels, result.x),
        y=label(labels, result.y),
        mediators=_join([label(labels, m) for m in result.mediators], t),
        covariates=_covariates(result, t, labels),
        model=result.model,
        kind=t.word(f"process_kind_{result.model}"),
        n=count(result.n, lang=lang),
        table=table,
        table_effects=table_effects,
        total=_effect(total, t, level_text=lvl),
        direct=_effect(direct, t, level_text=lvl),
        indirect=t.word("sentence_separator").join(parts),
        conclusion=conclusion,
    )


def _probe_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a paragraph names: M − 1 SD, M and M + 1 SD of a continuous W, both values of a dichotomous one."""
    chosen = frame[frame["moderator_value"].isin(_PROBED)]
    return chosen if len(chosen) else frame


def moderated_mediation_text(
    result: ModeratedMediationResult, *, lang: str, labels: Mapping[str, str] | None, table: str, table_effects: str
) -> str:
    """The moderated-mediation paragraph: the index of moderated mediation with its bootstrap interval, and the
    conditional indirect effect at low, mean and high W."""
    t = language(lang)
    lvl = level(result.confidence)
    index = result.index.iloc[0]
    verdict = t.text(
        "moderated_mediation_supported"
        if _excludes_zero(index.ci_low, index.ci_high)
        else "moderated_mediation_not_supported"
    )
    w = label(labels, result.w)
    parts = [
        _indirect(
            r.estimate,
            r.ci_low,
            r.ci_high,
            t,
            level_text=lvl,
            std="",
            name=t.text("process_conditional_indirect_name", at=at_w(r, t, w=w)),
        )
        for r in _probe_rows(result.conditional_indirect).itertuples()
    ]
    return t.text(
        "moderated_mediation",
        x=label(labels, result.x),
        m=label(labels, result.mediator),
        w=w,
        y=label(labels, result.y),
        covariates=_covariates(result, t, labels),
        model=result.model,
        stage=t.word(f"process_stage_{result.model}"),
        n=count(result.n, lang=lang),
        table=table,
        table_effects=table_effects,
        index=number(index.estimate, DECIMALS),
        ci=ci(index.ci_low, index.ci_high),
        level=lvl,
        verdict=verdict,
        conditional=t.word("sentence_separator").join(parts),
    )


def moderation_text(
    result: ModerationResult, *, lang: str, labels: Mapping[str, str] | None, table: str, table_conditional: str
) -> str:
    """The moderation paragraph: the interaction's B, t, p and ΔR², then the simple slopes at low, mean and high W
    (or both values of a dichotomous W) and the Johnson–Neyman region."""
    t = language(lang)
    x, w, y = (label(labels, v) for v in (result.x, result.w, result.y))
    coefficients = result.coefficients.set_index("term")
    product = coefficients.loc[f"{result.x}:{result.w}"]
    change = result.interaction.iloc[0]
    lvl = level(result.confidence)
    slopes = [
        t.text(
            "moderation_slope",
            at=at_w(r, t, w=w),
            b=number(r.estimate, DECIMALS),
            ci=ci(r.ci_low, r.ci_high),
            p=p_phrase(r.p_value),
            level=lvl,
        )
        for r in _probe_rows(result.conditional_effects).itertuples()
    ]
    return t.text(
        "moderation",
        x=x,
        w=w,
        y=y,
        covariates=_covariates(result, t, labels),
        table=table,
        table_conditional=table_conditional,
        b=number(product.estimate, DECIMALS),
        df=degrees_of_freedom(product.df),
        t=number(product.statistic),
        p=p_phrase(product.p_value),
        delta=bounded(change.r_squared_change, 3),
        df1=degrees_of_freedom(change.df1),
        df2=degrees_of_freedom(change.df2),
        f=number(change.f),
        verdict=t.text("moderation_significant" if change.p_value < 0.05 else "moderation_not_significant"),
        slopes=t.word("sentence_separator").join(slopes),
        johnson_neyman=johnson_neyman_phrase(result, lang=lang),
        n=count(result.n, lang=lang),
    )


def icc_text(result: IccResult, *, lang: str, labels: Mapping[str, str] | None, table: str) -> str:
    """The ICC paragraph: the ranges of ICC(1), ICC(2) and the design effect, and which variables' clustering
    cannot be ignored (design effect above 2)."""
    t = language(lang)
    table_frame = result.table
    high = [label(labels, o) for o in table_frame.loc[table_frame["design_effect"] > DESIGN_EFFECT_CUT, "outcome"]]
    first = table_frame.iloc[0]
    return t.text(
        "icc",
        table=table,
        cluster=label(labels, first["cluster"]),
        k=count(first["n_clusters"], lang=lang),
        icc1_min=bounded(table_frame["icc1"].min(), 3),
        icc1_max=bounded(table_frame["icc1"].max(), 3),
        icc2_min=bounded(table_frame["icc2_anova"].min(), 3),
        icc2_max=bounded(table_frame["icc2_anova"].max(), 3),
        deff_min=number(table_frame["design_effect"].min()),
        deff_max=number(table_frame["design_effect"].max()),
        assessment=t.text("icc_high", variables=_join(high, t)) if high else t.text("icc_low"),
    )


def multilevel_text(result: MultilevelResult, *, lang: str, labels: Mapping[str, str] | None, table: str) -> str:
    """The multilevel paragraph: the model, the significant fixed effects, the variance components and, for a
    singular fit, what collapsed and the cluster-robust OLS beside it."""
    t = language(lang)
    fixed = result.fixed_effects[result.fixed_effects["term"] != "(Intercept)"]
    significant = [
        t.text(
            "multilevel_effect",
            term=term_label(r.term, lang=lang, labels=labels),
            b=number(r.estimate, DECIMALS),
            df=degrees_of_freedom(r.df),
            t=number(r.statistic),
            p=p_phrase(r.p_value),
        )
        for r in fixed[fixed["p_value"] < 0.05].itertuples()
    ]
    components = result.variance_components
    inner = result.cluster[-1]
    intercept = components[(components["group"] == inner) & (components["term"] == "(Intercept)")].iloc[0]
    residual = components[components["group"] == "Residual"].iloc[0]
    slopes = components[(components["term"] != "(Intercept)") & (components["group"] != "Residual")]
    clusters = _join(
        [
            t.text("multilevel_level", k=count(result.n_clusters[c], lang=lang), group=label(labels, c))
            for c in reversed(result.cluster)
        ],
        t,
    )
    return t.text(
        "multilevel",
        outcome=label(labels, result.outcome),
        levels=len(result.cluster) + 1,
        kind=t.word("multilevel_kind_slope" if len(slopes) else "multilevel_kind_intercept"),
        n=count(result.n, lang=lang),
        clusters=clusters,
        estimation="REML" if result.reml else "ML",
        centring=t.word(f"multilevel_centre_{result.center or 'none'}"),
        table=table,
        effects=(
            t.text("multilevel_significant", effects=t.word("sentence_separator").join(significant))
            if significant
            else t.text("multilevel_none_significant")
        ),
        tau=number(intercept.variance, 3),
        sigma=number(residual.variance, 3),
        icc=bounded(intercept.icc, 3),
        group=label(labels, inner),
        singular=(
            t.text("multilevel_singular_text", cluster=label(labels, result.cluster[0])) if result.singular else ""
        ),
    )


def perception_gap_text(result: GapResult, *, lang: str, labels: Mapping[str, str] | None, table: str) -> str:
    """The perception-gap paragraph: per construct the two means of class means, the paired t over classes, dz
    and the class-level correlation, each judged at p < .05."""
    t = language(lang)
    parts = []
    for r in result.tests.itertuples():
        if r.p_value < 0.05:
            verdict = t.word("gap_parents_higher" if r.mean_gap > 0 else "gap_parents_lower")
        else:
            verdict = t.word("gap_no_difference")
        agreement = t.word("gap_agree" if r.class_r_p_value < 0.05 and r.class_r > 0 else "gap_not_agree")
        parts.append(
            t.text(
                "gap_part",
                construct=label(labels, r.construct),
                parents=number(r.parent_mean),
                teachers=number(r.teacher_mean),
                gap=number(r.mean_gap),
                ci=ci(r.ci_low, r.ci_high, 2),
                df=degrees_of_freedom(r.df),
                t=number(r.statistic),
                p=p_phrase(r.p_value),
                dz=number(r.cohen_dz),
                verdict=verdict,
                r=bounded(r.class_r),
                r_p=p_phrase(r.class_r_p_value),
                agreement=agreement,
            )
        )
    unmatched = result.unmatched["class"].nunique()
    return t.text(
        "gap",
        table=table,
        k=count(result.tests["n_classes"].max(), lang=lang),
        parents=count(result.n_parents, lang=lang),
        teachers=count(result.n_teachers, lang=lang),
        parts=t.word("sentence_separator").join(parts),
        unmatched=t.text("gap_unmatched", k=unmatched) if unmatched else "",
    )
