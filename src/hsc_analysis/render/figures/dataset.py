"""Every figure of one dataset of a study run, with names and captions, for the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.findings.plan import ComplianceIndex
from hsc_analysis.render.figures._text import check_lang, phrase
from hsc_analysis.render.figures.distributions import score_distributions
from hsc_analysis.render.figures.flow import sample_flow
from hsc_analysis.render.figures.likert import likert_bars
from hsc_analysis.render.figures.loadings import loading_chart
from hsc_analysis.render.figures.privacy import DEFAULT_MIN_GROUP_N, split_groups
from hsc_analysis.render.figures.scree import scree_plot
from hsc_analysis.render.figures.spec import FigureSpec
from hsc_analysis.study import DatasetResult

__all__ = ["dataset_figures", "group_labels", "variable_labels"]

FINDING_KINDS = ("correlations", "regression", "mediation", "moderation", "multilevel", "perception_gaps")
"""The findings drawn, in this order (descriptives, frequencies and group comparisons are tables only)."""

LIKERT_ROWS_PER_FIGURE = 20
"""Bars per Likert figure (so that one figure fits a page); constructs are never split across figures."""


def group_labels(result: DatasetResult, question: str, *, lang: str) -> pd.Series:
    """The answers of the analysed respondents to a single-choice background question, as an ordered categorical
    of its level labels in ``lang`` (codes without a label keep their code)."""
    instrument = result.dataset.instrument
    known = {q.id: q for q in instrument.background if q.type == "single"}
    if question not in known:
        raise InputError(f"group got {question!r}; allowed: a single-choice background question ({', '.join(known)})")
    levels = known[question].levels
    codes = result.screening.kept.background[question]
    names = {code: levels[code].get(lang) if code in levels else f"{code:g}" for code in codes.dropna().unique()}
    order = [names[c] for c in sorted(names, key=lambda c: (c not in levels, c))]
    return pd.Series(pd.Categorical(codes.map(names), categories=order, ordered=True), index=codes.index)


def variable_labels(study, dataset: str, *, lang: str) -> dict[str, str]:
    """Labels in ``lang`` of every variable a dataset's findings may name: constructs, background questions and
    identifiers of its instrument (and of the other datasets, for a perception gap), and the plan's derived
    variables — a 0/1 indicator as "question: level, level", a class-level variable as "construct (class
    mean)"."""
    check_lang(lang, function="variable_labels")
    instruments = {d.name: d.instrument for d in study.datasets}
    labels: dict[str, str] = {}
    for name in [dataset, *(n for n in instruments if n != dataset)]:
        instrument = instruments[name]
        for entry in (*instrument.background, *instrument.identifiers):
            labels.setdefault(entry.id, entry.text.get(lang))
        for construct in instrument.constructs:
            labels.setdefault(construct.id, construct.label.get(lang))
    plan = study.plan.dataset(dataset)
    sep = "、" if lang == "zh" else ", "
    colon = "：" if lang == "zh" else ": "
    for indicator in plan.indicators if plan else ():
        question = next(q for q in instruments[dataset].background if q.id == indicator.question)
        levels = sep.join(question.levels[c].get(lang) for c in indicator.codes if c in question.levels)
        labels[indicator.name] = f"{question.text.get(lang)}{colon}{levels}"
    for level in plan.class_level if plan else ():
        if isinstance(level, ComplianceIndex):
            labels[level.name] = phrase(f"class_compliance_{level.index}", lang, rules=level.jurisdiction.get(lang))
            continue
        source = instruments[level.dataset]
        construct = source.construct(level.construct).label.get(lang)
        labels[level.name] = phrase("class_mean", lang, construct=construct)
    return labels


def dataset_figures(
    result: DatasetResult,
    *,
    lang: str,
    group: str | None = "",
    min_group_n: int = DEFAULT_MIN_GROUP_N,
    labels: dict[str, str] | None = None,
) -> list[FigureSpec]:
    """The figures of one dataset: sample flow, Likert bars, scale-score distributions by group, scree plot with
    parallel analysis, (when the CFA was fitted) the standardised loadings, then the figures of the findings
    (:data:`FINDING_KINDS`, see :func:`~hsc_analysis.render.figures.finding_figures`).

    Parameters
    ----------
    result : DatasetResult
        One dataset of :func:`hsc_analysis.study.run_study`.
    lang : {"zh", "en"}
        Language of every label and caption.
    group : str or None
        Single-choice background question to split the score distributions by; ``""`` (default) takes the
        instrument's first single-choice background question, None draws no groups.
    min_group_n : int
        Groups with fewer respondents are not drawn, and the caption says which.
    labels : dict, optional
        Labels of the variables the findings name (:func:`variable_labels` of the study); the instrument's
        construct labels otherwise, and a variable without a label keeps its name.

    Returns
    -------
    list of FigureSpec
        Names are ``<dataset>_<figure>``. A figure that cannot be drawn from the data (a parallel analysis of a
        singular correlation matrix, a CFA not fitted) is left out; the measurement tables say why.

    Examples
    --------
    >>> from hsc_analysis.study import load_study, run_study
    >>> parent = run_study(load_study("data/example/study.yaml"))[0]
    >>> [spec.name for spec in dataset_figures(parent, lang="en")]  # doctest: +NORMALIZE_WHITESPACE
    ['parent_sample_flow', 'parent_likert_1', 'parent_likert_2', 'parent_likert_3', 'parent_likert_4',
     'parent_likert_5', 'parent_score_distributions', 'parent_scree', 'parent_cfa_loadings', 'parent_correlations',
     'parent_coefficients', 'parent_mediation_1', 'parent_mediation_2', 'parent_mediation_3', 'parent_mediation_4',
     'parent_mediation_5', 'parent_simple_slopes', 'parent_fixed_effects', 'parent_perception_gap']
    """
    check_lang(lang, function="dataset_figures")
    name = result.dataset.name
    dataset = result.dataset.instrument.title.get(lang)
    makers: list[tuple[str, Callable[[], tuple]]] = [("sample_flow", lambda: _flow(result, dataset, lang))]
    for i, constructs in enumerate(_likert_chunks(result), start=1):
        makers.append((f"likert_{i}", lambda c=constructs: _likert(result, c, dataset, lang)))
    makers.append(("score_distributions", lambda: _distributions(result, dataset, lang, group, min_group_n)))
    makers.append(("scree", lambda: _scree(result, dataset, lang)))
    if result.measurement.validity is not None:
        makers.append(("cfa_loadings", lambda: _loadings(result, dataset, lang)))
    names = {c.id: c.label.get(lang) for c in result.dataset.instrument.constructs} | dict(labels or {})
    findings = result.findings
    for kind in FINDING_KINDS:
        results = getattr(findings, kind)
        for i, finding in enumerate(results, start=1):
            suffix = f"_{i}" if len(results) > 1 else ""
            makers.append((kind, lambda f=finding, x=suffix: _finding(f, name, x, names, lang, findings.data)))
    specs = []
    for stem, make in makers:
        drawn = make()
        if isinstance(drawn, list):
            specs += drawn
        elif drawn is not None:
            figure, caption = drawn
            specs.append(FigureSpec(name=f"{name}_{stem}", caption=caption, figure=figure))
    return specs


def _finding(result, name: str, suffix: str, labels: dict[str, str], lang: str, data: pd.DataFrame):
    """The figures of one finding, named ``<dataset>_<figure><suffix>`` (``parent_mediation_2``)."""
    from hsc_analysis.render.figures.findings import finding_figures

    specs = finding_figures(result, name=name, labels=labels, lang=lang, data=data)
    return [replace(spec, name=spec.name + suffix) for spec in specs]


def _flow(result: DatasetResult, dataset: str, lang: str):
    flow = result.screening.flow
    quiet = flow.iloc[1:-1][flow["n_excluded"].iloc[1:-1] == 0][f"label_{lang}"].tolist()
    sep = "、" if lang == "zh" else ", "
    fields = {"dataset": dataset, "received": int(flow["n_after"].iloc[0]), "analysed": int(flow["n_after"].iloc[-1])}
    caption = phrase(
        "flow_caption", lang, **fields, quiet=phrase("flow_quiet", lang, steps=sep.join(quiet)) if quiet else ""
    )
    return sample_flow(flow, lang=lang), caption.strip()


def _likert_chunks(result: DatasetResult) -> list[list[str]]:
    """Constructs in instrument order, cut into figures of at most LIKERT_ROWS_PER_FIGURE items that share one set
    of answer labels."""
    instrument = result.dataset.instrument
    chunks: list[list[str]] = []
    size, labels = 0, None
    for construct in instrument.constructs:
        scale = instrument.scales[instrument.item(construct.items[0]).scale]
        these = tuple((label.zh, label.en) for label in scale.codes.values())
        if not chunks or these != labels or size + len(construct.items) > LIKERT_ROWS_PER_FIGURE:
            chunks.append([])
            size, labels = 0, these
        chunks[-1].append(construct.id)
        size += len(construct.items)
    return chunks


def _likert(result: DatasetResult, constructs: list[str], dataset: str, lang: str):
    instrument = result.dataset.instrument
    sep = "、" if lang == "zh" else "; "
    names = sep.join(instrument.construct(c).label.get(lang) for c in constructs)
    caption = phrase("likert_caption", lang, dataset=dataset, constructs=names, n=result.screening.kept.n)
    return likert_bars(result.screening.kept.items, instrument=instrument, constructs=constructs, lang=lang), caption


def _distributions(result: DatasetResult, dataset: str, lang: str, group: str | None, min_group_n: int):
    instrument = result.dataset.instrument
    if group == "":
        group = next((q.id for q in instrument.background if q.type == "single"), None)
    labels = {c.id: c.label.get(lang) for c in instrument.constructs}
    scales = [instrument.scales[instrument.item(c.items[0]).scale] for c in instrument.constructs]
    means = all(c.method == "mean" for c in instrument.constructs)
    score_range = (min(s.low for s in scales), max(s.high for s in scales)) if means else None
    groups = None if group is None else group_labels(result, group, lang=lang)
    by, note = "", ""
    if groups is not None:
        question = next(q for q in instrument.background if q.id == group)
        text = question.text.get(lang)
        by = phrase("by_group", lang, group=text[:1].lower() + text[1:] if lang == "en" else text)
        note = split_groups(groups, min_group_n=min_group_n).note(lang)
    figure = score_distributions(
        result.scores.scores, labels=labels, lang=lang, group=groups, min_group_n=min_group_n, score_range=score_range
    )
    caption = phrase("distributions_caption", lang, dataset=dataset, by=by)
    return figure, f"{caption}{' ' if lang == 'en' and note else ''}{note}"


def _scree(result: DatasetResult, dataset: str, lang: str):
    parallel = result.exploratory.parallel  # computed by run_study (measurement.exploratory_summary)
    if parallel is None:
        return None
    caption = phrase(
        "scree_caption",
        lang,
        dataset=dataset,
        n=parallel.n,
        n_iter=parallel.n_iter,
        n_factors=parallel.n_factors,
        n_components=parallel.n_components,
    )
    return scree_plot(parallel, lang=lang), caption


def _loadings(result: DatasetResult, dataset: str, lang: str):
    validity = result.measurement.validity
    instrument = result.dataset.instrument
    labels = {c.id: c.label.get(lang) for c in instrument.constructs}
    caption = phrase(
        "loadings_caption", lang, dataset=dataset, estimator=validity.cfa.estimator.upper(), n=validity.cfa.n
    )
    return loading_chart(validity.loadings, labels=labels, lang=lang), caption
