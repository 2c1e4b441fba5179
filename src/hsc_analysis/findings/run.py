"""Run a study's analysis plan: every finding of every dataset, from the analysed respondents' scores.

An analysis that the data cannot support (a constant variable, too few cases in a group, no class with both
parents and teachers) does not stop the study: it is listed in ``skipped`` with the reason, as a CFA that cannot be
fitted is in the measurement summary.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.findings.frame import analysis_frame, class_level_mean
from hsc_analysis.findings.plan import (
    LOCALE_LABELS,
    SCHOOL_LOCALE,
    AnalysisPlan,
    ComplianceIndex,
    DatasetPlan,
    LocaleComparison,
)
from hsc_analysis.instruments import Instrument

__all__ = ["DatasetFindings", "FindingsInput", "run_findings"]


@dataclass(frozen=True)
class FindingsInput:
    """What the findings of one dataset start from: the analysed respondents' scale scores and background codes."""

    instrument: Instrument
    scores: pd.DataFrame
    background: pd.DataFrame


@dataclass(frozen=True)
class DatasetFindings:
    """Every finding of one dataset, each field the results of one kind of analysis in plan order.

    ``data`` is the analysis frame every finding was computed from (scores, labelled background, the plan's
    indicators and class-level variables; no personal field). ``skipped`` lists the analyses the data could not
    support: ``analysis, variables, reason``.
    """

    dataset: str
    data: pd.DataFrame
    descriptives: tuple = ()
    frequencies: tuple = ()
    comparisons: tuple = ()
    correlations: tuple = ()
    regression: tuple = ()
    mediation: tuple = ()
    moderation: tuple = ()
    icc: tuple = ()
    multilevel: tuple = ()
    locale_comparison: tuple = ()
    perception_gaps: tuple = ()
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["analysis", "variables", "reason"]))


class _Collector:
    """Results of one dataset by kind, and the analyses skipped with their reasons."""

    def __init__(self) -> None:
        self.done: dict[str, list] = {}
        self.skipped: list[dict[str, str]] = []

    def run(self, kind: str, variables, call: Callable[[], Any]) -> None:
        try:
            result = call()
        except InputError as err:
            self.skipped.append({"analysis": kind, "variables": ", ".join(map(str, variables)), "reason": str(err)})
        else:
            self.done.setdefault(kind, []).append(result)

    def findings(self, dataset: str, data: pd.DataFrame) -> DatasetFindings:
        return DatasetFindings(
            dataset=dataset,
            data=data,
            **{kind: tuple(results) for kind, results in self.done.items()},
            skipped=pd.DataFrame(self.skipped, columns=["analysis", "variables", "reason"]),
        )


def run_findings(
    inputs: Mapping[str, FindingsInput],
    *,
    plan: AnalysisPlan,
    seed: int,
    lang: Literal["zh", "en"],
    school_locales: Mapping[str, str] | None = None,
    class_indices: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, DatasetFindings]:
    """The findings of every dataset in ``inputs`` under ``plan``; bootstrap draws start from ``seed``; background
    labels are in ``lang``. Perception gaps are reported with the parents' dataset. ``school_locales`` (school id
    → urban, town or rural, from the study's school table) gives the ``school_locale`` column of the frames of
    datasets with a locale comparison on it; ``class_indices`` (rule-set id → the class compliance index table of
    :func:`hsc_analysis.compliance.class_compliance_predictor`) the plan's class-level compliance indices."""
    from hsc_analysis.findings import perception_gap

    frames = {
        name: _frame(item, plan.dataset(name), inputs, lang, school_locales or {}, class_indices or {})
        for name, item in inputs.items()
    }
    collectors = {name: _Collector() for name in inputs}
    for gap in plan.perception_gaps:
        if gap.parents in frames and gap.teachers in frames:
            collectors[gap.parents].run(
                "perception_gaps",
                gap.constructs,
                lambda gap=gap: perception_gap(
                    frames[gap.parents],
                    frames[gap.teachers],
                    by=(gap.by, gap.teacher_classes),
                    constructs=list(gap.constructs),
                ),
            )
    for name, data in frames.items():
        _dataset_findings(data, plan.dataset(name), plan, seed, inputs[name].instrument, collectors[name])
    return {name: collectors[name].findings(name, frames[name]) for name in inputs}


def _dataset_findings(
    data: pd.DataFrame, spec: DatasetPlan, plan: AnalysisPlan, seed: int, instrument: Instrument, out: _Collector
) -> None:
    from hsc_analysis.findings import (
        compare_groups,
        correlation_table,
        describe,
        few_cluster_comparison,
        frequencies,
        hierarchical_regression,
        icc,
        mediation,
        moderation,
        multilevel,
    )

    cluster = spec.cluster
    if (locale := spec.locale_comparison) is not None:
        out.run(
            "locale_comparison",
            (*locale.outcomes, locale.locale),
            lambda: few_cluster_comparison(
                data,
                outcome=list(locale.outcomes),
                group=locale.locale,
                cluster=locale.school,
                inner_cluster=locale.classes,
                reference=_reference_label(locale, data, instrument),
                weights=locale.weights,
                n_boot=locale.n_boot,
                confidence=plan.confidence,
                seed=seed,
            ),
        )
    if spec.describe:
        out.run("descriptives", spec.describe, lambda: describe(data, columns=list(spec.describe)))
    if spec.frequencies:
        out.run("frequencies", spec.frequencies, lambda: frequencies(data, columns=list(spec.frequencies)))
    for outcome in spec.compare_outcomes:
        for group in spec.compare_groups:
            out.run(
                "comparisons", (outcome, group), lambda o=outcome, g=group: compare_groups(data, outcome=o, group=g)
            )
    if spec.correlations:
        out.run("correlations", spec.correlations, lambda: correlation_table(data, columns=list(spec.correlations)))
    if (reg := spec.regression) is not None:
        out.run(
            "regression",
            (reg.outcome, *sum(reg.blocks, ())),
            lambda: hierarchical_regression(
                data,
                outcome=reg.outcome,
                blocks=[list(b) for b in reg.blocks],
                cov_type=reg.cov_type,
                cluster=cluster if reg.cov_type == "cluster" else None,
            ),
        )
    for m in spec.mediation:
        out.run(
            "mediation",
            (m.x, *m.mediators, m.y),
            lambda m=m: mediation(
                data,
                x=m.x,
                mediators=list(m.mediators),
                y=m.y,
                covariates=list(m.covariates),
                serial=m.serial,
                n_boot=plan.n_boot,
                seed=seed,
                cluster=cluster,
                confidence=plan.confidence,
            ),
        )
    for m in spec.moderation:
        out.run(
            "moderation",
            (m.x, m.w, m.y),
            lambda m=m: moderation(data, x=m.x, w=m.w, y=m.y, covariates=list(m.covariates)),
        )
    if cluster is None:
        return
    constructs = {c.id for c in instrument.constructs}
    scales = [c for c in spec.describe if c in constructs]
    if scales:
        out.run("icc", scales, lambda: icc(data, outcome=scales, cluster=cluster))
    for m in spec.multilevel:
        out.run(
            "multilevel",
            (m.outcome, *m.predictors, *m.level2),
            lambda m=m: multilevel(
                data,
                outcome=m.outcome,
                predictors=list(m.predictors),
                cluster=cluster,
                level2=list(m.level2),
                random_slopes=list(m.random_slopes),
                center=None if m.center == "none" else m.center,
            ),
        )


def _reference_label(locale: LocaleComparison, data: pd.DataFrame, instrument: Instrument) -> str | None:
    """The label (in the frame's language) of the plan's reference level, given as a code."""
    if locale.reference is None:
        return None
    if locale.locale == SCHOOL_LOCALE:
        codes = list(LOCALE_LABELS)
    else:
        codes = sorted(next(q for q in instrument.background if q.id == locale.locale).levels)
    return str(data[locale.locale].cat.categories[codes.index(locale.reference)])


def _frame(
    item: FindingsInput,
    spec: DatasetPlan,
    inputs: Mapping[str, FindingsInput],
    lang: str,
    school_locales: Mapping[str, str],
    class_indices: Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """The analysis frame of one dataset with the plan's indicators, class-level variables and (for a locale
    comparison on the school table) each respondent's school locale added."""
    frame = analysis_frame(item.scores, item.background, instrument=item.instrument, lang=lang)
    added = {}
    locale = spec.locale_comparison
    if locale is not None and locale.locale == SCHOOL_LOCALE:
        labels = [getattr(label, lang) for label in LOCALE_LABELS.values()]
        names = dict(zip(LOCALE_LABELS, labels, strict=True))
        located = frame[locale.school].astype("string").map(lambda school: names.get(school_locales.get(school)))
        added[SCHOOL_LOCALE] = pd.Categorical(located.astype(object), categories=labels)
    for indicator in spec.indicators:
        codes = item.background[indicator.question].reindex(frame.index)
        added[indicator.name] = codes.isin(indicator.codes).astype(float).where(codes.notna())
    for level in spec.class_level:
        if isinstance(level, ComplianceIndex):
            if level.rules not in class_indices:
                audited = ", ".join(class_indices) or "none"
                raise InputError(f"class_level {level.name}: rule set {level.rules!r} was not audited ({audited})")
            index = class_indices[level.rules].set_index("class_id")[f"cci_{level.index}"]
            added[level.name] = frame[spec.cluster].astype("string").map(index).astype(float)
            continue
        source = inputs[level.dataset]
        rows = pd.concat([source.scores, source.background.reindex(source.scores.index)], axis=1)
        means = class_level_mean(rows, value=level.construct, classes=level.classes, where=dict(level.where))
        added[level.name] = frame[spec.cluster].map(means).astype(float)
    return frame.assign(**added)
