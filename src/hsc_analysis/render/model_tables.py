"""Table builders for the model-based findings: PROCESS mediation (models 4 and 6) and moderated mediation (7 and
14), moderation (model 1), intraclass correlations, multilevel models and the parent–teacher perception gap.

Each builder takes one result object of :mod:`hsc_analysis.findings` (data first), the language and the variable
labels (column name → label in that language; a name without one is shown as it is), and returns a
:class:`~hsc_analysis.render.table.Table` whose cells are the result's numbers formatted
(:mod:`hsc_analysis.render.format`) — nothing is computed here — and whose headers and notes come from
``templates/<lang>.yaml``. Every result these builders take has rows (the findings raise rather than return an
empty result), so each returns a table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from hsc_analysis.render.format import EMPTY, bounded, count, degrees_of_freedom, number, p_phrase, p_value, stars
from hsc_analysis.render.language import Language, language
from hsc_analysis.render.table import Spanner, Table

if TYPE_CHECKING:
    from hsc_analysis.findings import (
        GapResult,
        IccResult,
        MediationResult,
        ModeratedMediationResult,
        ModerationResult,
        MultilevelResult,
    )

__all__ = [
    "conditional_effects_table",
    "icc_table",
    "mediation_effects_table",
    "mediation_paths_table",
    "moderated_mediation_table",
    "moderation_table",
    "multilevel_table",
    "perception_gap_table",
]

DECIMALS = 3
"""Decimals of coefficients, effects, SEs and intervals in the model tables and their paragraphs (indirect effects
are often below .01, where two decimals would show a zero; PROCESS prints four)."""

_CONSTANTS = ("constant", "(Intercept)")
_PROBES = {
    "16th percentile": "process_p16",
    "50th percentile": "process_p50",
    "84th percentile": "process_p84",
    "mean - 1 SD": "process_mean_minus_sd",
    "mean": "process_mean",
    "mean + 1 SD": "process_mean_plus_sd",
}
"""The probe values of W that :func:`hsc_analysis.findings.moderation` uses, and their template words."""

_FLAGS = (
    (re.compile(r"^(?P<k>\d+) teacher\(s\) teach several classes"), "gap_flag_several"),
    (re.compile(r"^(?P<k>\d+) class\(es\) have respondents on one side only"), "gap_flag_unmatched"),
    (re.compile(r"^(?P<outcome>\S+): the between-(?P<cluster>\S+) variance is estimated as 0"), "icc_flag_boundary"),
)
"""The flags of the findings that the templates word in the report's language; any other stays as it is."""


def label(labels: Mapping[str, str] | None, name: str) -> str:
    """The label of a variable, or its name when it has none."""
    return (labels or {}).get(name, name)


def term_label(term: str, *, lang: str, labels: Mapping[str, str] | None) -> str:
    """A model term as readers know it: the constant, a variable's label, ``A × B`` for a product, ``A（群组均值）``
    for the cluster mean a group-centred multilevel model adds."""
    t = language(lang)
    if term in _CONSTANTS:
        return t.word("process_constant" if term == "constant" else "multilevel_intercept")
    if ":" in term:
        return " × ".join(label(labels, part) for part in term.split(":"))
    if term not in (labels or {}) and term.endswith("_mean"):
        return t.text("multilevel_cluster_mean", variable=label(labels, term[: -len("_mean")]))
    return label(labels, term)


def flag_text(flag: str, *, lang: str, labels: Mapping[str, str] | None) -> str:
    """A flag of a finding in the report's language (a flag without a template is given as the finding wrote it)."""
    for pattern, key in _FLAGS:
        found = pattern.match(flag)
        if found:
            values = {k: label(labels, v) for k, v in found.groupdict().items()}
            return language(lang).text(key, **values)
    return flag


def ci(low, high, decimals: int = DECIMALS) -> str:
    """An interval as ``[0.04, 0.09]`` (the dash of an empty cell when it does not exist)."""
    if pd.isna(low) or pd.isna(high):
        return EMPTY
    return f"[{number(low, decimals)}, {number(high, decimals)}]"


def level(confidence: float) -> str:
    """``0.95`` → ``"95%"``."""
    return f"{100 * confidence:g}%"


def chain(path: str, *, labels: Mapping[str, str] | None, ends: bool = True) -> str:
    """A path ``"x → m → y"`` of an effects frame with every variable labelled; ``ends=False`` keeps only the
    mediators (X and Y are in a table's title)."""
    names = path.split(" → ")
    return " → ".join(label(labels, name) for name in (names if ends else names[1:-1]))


def _coefficient_cells(row) -> tuple[str, ...]:
    return (
        number(row.estimate, DECIMALS),
        number(row.se, DECIMALS),
        number(row.statistic),
        p_value(row.p_value),
        ci(row.ci_low, row.ci_high),
    )


def sampling_note(
    result: MediationResult | ModeratedMediationResult, t: Language, labels: Mapping[str, str] | None
) -> str:
    """How the bootstrap drew its resamples: method, number, case or cluster resampling, seed."""
    if not result.n_boot:
        return t.text("process_no_bootstrap")
    resampling = (
        t.text("process_cluster_resampling", cluster=label(labels, result.cluster), k=result.n_clusters)
        if result.cluster
        else t.text("process_case_resampling")
    )
    return t.text(
        "process_bootstrap",
        method=t.word(f"process_ci_{result.ci}"),
        n_boot=result.n_boot,
        valid=result.n_boot_valid,
        resampling=resampling,
        seed=result.seed,
        level=level(result.confidence),
    )


def _sample_note(result, t: Language, labels, lang: str) -> str:
    covariates = t.word("list_separator").join(label(labels, c) for c in result.covariates)
    return t.text(
        "process_sample",
        n=count(result.n, lang=lang),
        dropped=count(result.n_dropped, lang=lang),
        covariates=t.text("process_covariates", covariates=covariates) if covariates else "",
    )


def mediation_paths_table(
    result: MediationResult | ModeratedMediationResult, *, lang: str, labels: Mapping[str, str] | None = None
) -> Table:
    """Every regression of a PROCESS model, as PROCESS prints them: per equation a row with its outcome, R² and
    F(df1, df2) (stars), then B, SE, t, p and the t-based 95 % CI of each term (constant, X, mediators, moderator
    and product, covariates), path names (a1, b1, c′, c) beside the terms; for mediation the total-effect model of
    Y on X last."""
    t = language(lang)
    rows = []
    for model in result.models.itertuples():
        outcome = label(labels, model.outcome)
        if model.role == "total effect":
            outcome = t.text("process_total_model", outcome=outcome)
        equation = t.text(
            "process_equation",
            outcome=outcome,
            r2=bounded(model.r_squared),
            df1=degrees_of_freedom(model.df1),
            df2=degrees_of_freedom(model.df2),
            f=number(model.f) + stars(model.p_value),
        )
        rows.append((equation, *("",) * 5))
        paths = result.paths[(result.paths["outcome"] == model.outcome) & (result.paths["role"] == model.role)]
        for row in paths.itertuples():
            predictor = term_label(row.term, lang=lang, labels=labels)
            if row.path:
                predictor = t.text("process_path_label", label=predictor, path=row.path.replace("'", "′"))
            rows.append((predictor, *_coefficient_cells(row)))
    return Table(
        name=f"process_paths_{result.x}",
        title=t.text("title_process_paths", model=result.model, x=label(labels, result.x), y=label(labels, result.y)),
        columns=(
            t.word("process_predictor"),
            "B",
            "SE",
            "t",
            "p",
            t.text("process_ci_header", level=level(result.confidence)),
        ),
        rows=tuple(rows),
        data=result.paths.merge(result.models, on=["outcome", "role"], suffixes=("", "_model")),
        lang=lang,
        notes=(
            t.text("note_process_paths", model=result.model),
            _sample_note(result, t, labels, lang),
        ),
        stars=True,
        stub=1,
    )


def mediation_effects_table(result: MediationResult, *, lang: str, labels: Mapping[str, str] | None = None) -> Table:
    """Total (c), direct (c′) and each specific indirect effect (named by its mediators) with the total indirect
    effect and the pairwise contrasts: effect, SE (bootstrap for indirect effects), 95 % CI (t-based or bootstrap)
    and the completely standardised effect with its bootstrap CI. The p of the total and direct effects is in the
    paragraph (and the paths table)."""
    t = language(lang)
    rows, number_of = [], {}
    for row in result.effects.itertuples():
        if row.effect == "indirect":
            number_of[row.path] = len(number_of) + 1
            kind = t.text("process_indirect_n", k=number_of[row.path], path=chain(row.path, labels=labels, ends=False))
        else:
            kind = t.word(f"process_effect_{row.effect.replace(' ', '_')}")
        rows.append(
            (
                kind,
                number(row.estimate, DECIMALS),
                number(row.se, DECIMALS),
                ci(row.ci_low, row.ci_high),
                number(row.std_estimate, DECIMALS),
                ci(row.std_ci_low, row.std_ci_high),
            )
        )
    for row in result.contrasts.itertuples():
        name = t.text("process_contrast", first=number_of[row.path_1], second=number_of[row.path_2])
        rows.append(
            (name, number(row.estimate, DECIMALS), number(row.se, DECIMALS), ci(row.ci_low, row.ci_high), EMPTY, EMPTY)
        )
    contrasts = result.contrasts
    data = result.effects
    if len(contrasts):
        paths = contrasts["path_1"] + " − " + contrasts["path_2"]
        contrasts = contrasts.drop(columns=["path_1", "path_2"]).assign(effect="contrast", path=paths)
        data = pd.concat([data, contrasts], ignore_index=True)
    header = t.text("process_ci_header", level=level(result.confidence))
    notes = [t.text("note_process_effects", model=result.model), sampling_note(result, t, labels)]
    if len(result.contrasts):
        notes.append(t.text("note_process_contrasts"))
    notes.append(_sample_note(result, t, labels, lang))
    return Table(
        name=f"process_effects_{result.x}",
        title=t.text("title_process_effects", model=result.model, x=label(labels, result.x), y=label(labels, result.y)),
        columns=(
            t.word("process_effect"),
            t.word("process_estimate"),
            "SE",
            header,
            t.word("process_std_effect"),
            header,
        ),
        rows=tuple(rows),
        data=data,
        lang=lang,
        spanners=(Spanner("", 1), Spanner(t.word("process_unstandardised"), 3), Spanner(t.word("process_std"), 2)),
        notes=tuple(notes),
    )


def moderated_mediation_table(
    result: ModeratedMediationResult, *, lang: str, labels: Mapping[str, str] | None = None
) -> Table:
    """PROCESS model 7 or 14: the indirect effect at each probe value of W (bootstrap SE and CI), the index of
    moderated mediation and the (unmoderated) direct effect."""
    t = language(lang)
    rows = [
        (
            t.word("process_conditional_indirect") if i == 0 else "",
            probe_label(row.moderator_value, t),
            number(row.w),
            number(row.estimate, DECIMALS),
            number(row.se, DECIMALS),
            ci(row.ci_low, row.ci_high),
        )
        for i, row in enumerate(result.conditional_indirect.itertuples())
    ]
    index = result.index.iloc[0]
    rows.append(
        (
            t.word("process_index"),
            EMPTY,
            EMPTY,
            number(index.estimate, DECIMALS),
            number(index.se, DECIMALS),
            ci(index.ci_low, index.ci_high),
        )
    )
    direct = result.direct.iloc[0]
    rows.append(
        (
            t.word("process_effect_direct"),
            EMPTY,
            EMPTY,
            number(direct.estimate, DECIMALS),
            number(direct.se, DECIMALS),
            ci(direct.ci_low, direct.ci_high),
        )
    )
    return Table(
        name=f"process_moderated_mediation_{result.x}",
        title=t.text(
            "title_process_moderated_mediation",
            model=result.model,
            x=label(labels, result.x),
            m=label(labels, result.mediator),
            w=label(labels, result.w),
            y=label(labels, result.y),
        ),
        columns=(
            t.word("process_effect"),
            t.word("process_w_value"),
            "W",
            t.word("process_estimate"),
            "SE",
            t.text("process_ci_header", level=level(result.confidence)),
        ),
        rows=tuple(rows),
        data=result.to_frame(),
        lang=lang,
        notes=(
            t.text(
                "note_process_moderated_mediation", model=result.model, index="a3·b" if result.model == 7 else "a·b3"
            ),
            sampling_note(result, t, labels),
            _sample_note(result, t, labels, lang),
        ),
        stub=2,
    )


def probe_label(value: str, t: Language) -> str:
    """A probe value of W as the reader knows it: ``"M − 1 SD"``, ``"第 16 百分位"``; the values of a 0/1 indicator
    as no and yes; other values of a dichotomous W as they are."""
    if value in _PROBES:
        return t.word(_PROBES[value])
    return {"0": t.word("no"), "1": t.word("yes")}.get(value, value)


def at_w(row, t: Language, *, w: str) -> str:
    """``"W为 M − 1 SD（2.95）时"`` at a probe value of a continuous W, ``"W = 1 时"`` at a value of a dichotomous
    one."""
    if row.moderator_value in _PROBES:
        return t.text("process_at_probe", w=w, probe=t.word(_PROBES[row.moderator_value]), value=number(row.w))
    return t.text("process_at_value", w=w, value=row.moderator_value)


def moderation_table(result: ModerationResult, *, lang: str, labels: Mapping[str, str] | None = None) -> Table:
    """PROCESS model 1: B, SE, t, p and the t-based 95 % CI of each term (the product X × W among them), then the
    model's R² and F and the interaction's ΔR² and F."""
    t = language(lang)
    rows = [
        (term_label(r.term, lang=lang, labels=labels), *_coefficient_cells(r)) for r in result.coefficients.itertuples()
    ]
    model, change = result.model.iloc[0], result.interaction.iloc[0]
    blank = ("",) * 4
    rows += [
        ("R²", bounded(model.r_squared, 3), *blank),
        (
            t.text("process_f_df", df1=degrees_of_freedom(model.df1), df2=degrees_of_freedom(model.df2)),
            number(model.f) + stars(model.p_value),
            *blank,
        ),
        (t.word("process_delta_r_squared"), bounded(change.r_squared_change, 3), *blank),
        (
            t.text("process_f_df", df1=degrees_of_freedom(change.df1), df2=degrees_of_freedom(change.df2)),
            number(change.f) + stars(change.p_value),
            *blank,
        ),
    ]
    return Table(
        name=f"process_moderation_{result.x}_{result.w}",
        title=t.text(
            "title_process_moderation", x=label(labels, result.x), w=label(labels, result.w), y=label(labels, result.y)
        ),
        columns=(
            t.word("process_predictor"),
            "B",
            "SE",
            "t",
            "p",
            t.text("process_ci_header", level=level(result.confidence)),
        ),
        rows=tuple(rows),
        data=result.coefficients.assign(
            **{f"model_{k}": v for k, v in model.items() if k != "outcome"},
            **{f"interaction_{k}": v for k, v in change.items() if k != "term"},
        ),
        lang=lang,
        notes=(
            t.text(
                "note_process_moderation",
                centred=t.word("process_centred" if result.center else "process_not_centred"),
                se=t.word(f"process_se_{result.cov_type.lower()}"),
            ),
            _sample_note(result, t, labels, lang),
        ),
        stars=True,
    )


def conditional_effects_table(result: ModerationResult, *, lang: str, labels: Mapping[str, str] | None = None) -> Table:
    """The effect of X at the probe values of W (16th/50th/84th percentiles and M ± 1 SD, or both values of a
    dichotomous W) with SE, t, p and the t-based CI; the Johnson–Neyman boundaries in the note."""
    t = language(lang)
    rows = [
        (probe_label(r.moderator_value, t), number(r.w), *_coefficient_cells(r))
        for r in result.conditional_effects.itertuples()
    ]
    return Table(
        name=f"process_conditional_{result.x}_{result.w}",
        title=t.text(
            "title_process_conditional", x=label(labels, result.x), w=label(labels, result.w), y=label(labels, result.y)
        ),
        columns=(
            t.word("process_w_value"),
            "W",
            t.word("process_effect_of_x"),
            "SE",
            "t",
            "p",
            t.text("process_ci_header", level=level(result.confidence)),
        ),
        rows=tuple(rows),
        data=result.conditional_effects,
        lang=lang,
        notes=(t.text("note_process_conditional"), johnson_neyman_phrase(result, lang=lang)),
    )


def johnson_neyman_phrase(result: ModerationResult, *, lang: str) -> str:
    """Where on W the effect of X is significant (Johnson–Neyman), from the result's regions."""
    t = language(lang)
    if result.regions.empty:
        return t.text("process_jn_dichotomous")
    significant = result.regions[result.regions["significant"].astype(bool)]
    if significant.empty:
        return t.text("process_jn_nowhere", level=level(result.confidence))
    if len(significant) == len(result.regions):
        return t.text("process_jn_everywhere", level=level(result.confidence))
    parts = [
        t.text("process_jn_region", low=number(r.w_from), high=number(r.w_to), share=bounded(r.share, 3))
        for r in significant.itertuples()
    ]
    boundaries = t.word("list_separator").join(number(w) for w in result.johnson_neyman["w"])
    return t.text(
        "process_jn",
        boundaries=boundaries,
        regions=t.word("list_separator").join(parts),
        level=level(result.confidence),
    )


def icc_table(result: IccResult, *, lang: str, labels: Mapping[str, str] | None = None) -> Table:
    """Per outcome: n, clusters, mean cluster size, between- and within-cluster variance of the null model, ICC(1),
    ICC(2), the ANOVA F of cluster differences (stars) and the design effect."""
    t = language(lang)
    table = result.table
    nested = "outer_icc1" in table
    rows = [
        (
            label(labels, r.outcome),
            count(r.n, lang=lang),
            count(r.n_clusters, lang=lang),
            number(r.mean_cluster_size, 1),
            number(r.between_variance, 3),
            number(r.within_variance, 3),
            bounded(r.icc1, 3),
            *((bounded(r.outer_icc1, 3),) if nested else ()),
            bounded(r.icc2_anova, 3),
            number(r.f) + stars(r.p_value),
            number(r.design_effect),
        )
        for r in table.itertuples()
    ]
    first = table.iloc[0]
    outer = (t.text("icc_outer", cluster=label(labels, first["outer_cluster"])),) if nested else ()
    return Table(
        name="icc",
        title=t.text("title_icc", cluster=label(labels, first["cluster"])),
        columns=(
            t.word("construct"),
            "n",
            t.word("icc_clusters"),
            t.word("icc_mean_size"),
            "τ₀₀",
            "σ²",
            "ICC(1)",
            *outer,
            "ICC(2)",
            "F",
            t.word("icc_design_effect"),
        ),
        rows=tuple(rows),
        data=table,
        lang=lang,
        notes=(
            t.text("note_icc", df1=degrees_of_freedom(first["df_between"]), df2=degrees_of_freedom(first["df_within"])),
            *(flag_text(f, lang=lang, labels=labels) for f in result.flags),
        ),
        stars=True,
    )


def multilevel_table(result: MultilevelResult, *, lang: str, labels: Mapping[str, str] | None = None) -> Table:
    """Fixed effects (B, SE, Satterthwaite df, t, p, 95 % CI), the variance components with the intercept ICC, and
    the levels with their counts and log-likelihood, AIC and BIC. When a variance collapsed (a singular fit) the
    cluster-robust OLS (CR1) the result carries stands beside the model, and the note says why."""
    t = language(lang)
    robust = result.robust_ols.set_index("term") if result.robust_ols is not None else None
    width = 6 + (3 if robust is not None else 0)
    rows = []
    for r in result.fixed_effects.itertuples():
        cells = [
            term_label(r.term, lang=lang, labels=labels),
            number(r.estimate, DECIMALS),
            number(r.se, DECIMALS),
            degrees_of_freedom(r.df),
            number(r.statistic),
            p_value(r.p_value),
            ci(r.ci_low, r.ci_high),
        ]
        if robust is not None:
            o = robust.loc[r.term]
            cells += [number(o.estimate, DECIMALS), number(o.se, DECIMALS), p_value(o.p_value)]
        rows.append(tuple(cells))

    def extra(name: str, value: str) -> tuple[str, ...]:
        return (name, value, *("",) * (width - 1))

    rows.append(extra(t.word("multilevel_random"), ""))
    for c in result.variance_components.itertuples():
        group = label(labels, c.group)
        if c.group == "Residual":
            rows.append(extra(t.word("multilevel_residual"), number(c.variance, 3)))
        elif not pd.isna(c.correlation):
            rows.append(extra(t.text("multilevel_correlation", group=group, terms=c.term), bounded(c.correlation)))
        else:
            term = term_label(c.term, lang=lang, labels=labels)
            rows.append(extra(t.text("multilevel_variance", group=group, term=term), number(c.variance, 3)))
            if not pd.isna(c.icc):
                rows.append(extra(t.text("multilevel_icc", group=group), bounded(c.icc, 3)))
    rows.append(extra(t.word("multilevel_model"), ""))
    rows.append(extra(t.word("multilevel_n"), count(result.n, lang=lang)))
    for name in reversed(result.cluster):
        rows.append(
            extra(t.text("multilevel_clusters", group=label(labels, name)), count(result.n_clusters[name], lang=lang))
        )
    estimation = "REML" if result.reml else "ML"
    rows += [
        extra(t.text("multilevel_loglik", estimation=estimation), number(result.log_likelihood)),
        extra("AIC", number(result.aic)),
        extra("BIC", number(result.bic)),
    ]
    header = t.text("process_ci_header", level="95%")
    columns = [t.word("multilevel_term"), "B", "SE", "df", "t", "p", header]
    spanners: tuple[Spanner, ...] = ()
    notes = [
        t.text(
            "note_multilevel",
            estimation=estimation,
            centring=t.word(f"multilevel_centre_{result.center or 'none'}"),
            dropped=count(result.n_dropped, lang=lang),
        )
    ]
    if robust is not None:
        columns += ["B", "SE", "p"]
        spanners = (Spanner("", 1), Spanner(t.word("multilevel_mixed_model"), 6), Spanner(t.word("multilevel_cr1"), 3))
        notes.append(t.text("note_multilevel_singular", cluster=label(labels, result.cluster[0])))
    notes += [flag for flag in result.flags if "singular fit" not in flag]
    return Table(
        name=f"multilevel_{result.outcome}",
        title=t.text("title_multilevel", outcome=label(labels, result.outcome)),
        columns=tuple(columns),
        rows=tuple(rows),
        data=result.to_frame(),
        lang=lang,
        spanners=spanners,
        notes=tuple(notes),
    )


def perception_gap_table(result: GapResult, *, lang: str, labels: Mapping[str, str] | None = None) -> Table:
    """Per shared construct: classes compared, parents' and teachers' mean of class means, the gap (parents −
    teachers) with its 95 % CI, paired t over classes, dz, and the class-level correlation of the two views."""
    t = language(lang)
    tests = result.tests
    rows = [
        (
            label(labels, r.construct),
            count(r.n_classes, lang=lang),
            number(r.parent_mean),
            number(r.teacher_mean),
            number(r.mean_gap),
            ci(r.ci_low, r.ci_high, 2),
            number(r.statistic),
            degrees_of_freedom(r.df),
            p_value(r.p_value),
            number(r.cohen_dz),
            bounded(r.class_r) + stars(r.class_r_p_value),
        )
        for r in tests.itertuples()
    ]
    wilcoxon = t.word("list_separator").join(
        t.text("gap_wilcoxon_part", construct=label(labels, r.construct), p=p_phrase(r.wilcoxon_p_value))
        for r in tests.itertuples()
    )
    return Table(
        name="perception_gap",
        title=t.word("title_perception_gap"),
        columns=(
            t.word("construct"),
            t.word("gap_classes"),
            t.word("gap_parents"),
            t.word("gap_teachers"),
            t.word("gap_difference"),
            t.text("process_ci_header", level="95%"),
            "t",
            "df",
            "p",
            "dz",
            t.word("gap_class_r"),
        ),
        rows=tuple(rows),
        data=tests,
        lang=lang,
        spanners=(
            Spanner("", 2),
            Spanner(t.word("gap_class_means"), 2),
            Spanner(t.word("gap_paired"), 5),
            Spanner("", 2),
        ),
        notes=(
            t.text(
                "note_perception_gap",
                parents=count(result.n_parents, lang=lang),
                teachers=count(result.n_teachers, lang=lang),
                wilcoxon=wilcoxon,
            ),
            *(flag_text(f, lang=lang, labels=labels) for f in result.flags),
        ),
        stars=True,
    )
