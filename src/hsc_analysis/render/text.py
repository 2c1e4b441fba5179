"""Results text: one paragraph per analysis, in Chinese or English, from the result objects.

The wording lives in ``templates/<lang>.yaml`` (``text:``); this module only picks the template that fits the
result (a CFA that fits or does not, items that discriminate or not), formats the numbers APA-style
(:mod:`hsc_analysis.render.format`) and fills them in. Table numbers are passed in by the chapter.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from hsc_analysis.render.format import bounded, count, degrees_of_freedom, number, p_phrase, percent
from hsc_analysis.render.language import language

if TYPE_CHECKING:
    from hsc_analysis.render.table import Table
    from hsc_analysis.study import DatasetResult, Study

__all__ = [
    "cfa_text",
    "discriminant_text",
    "efa_text",
    "flow_text",
    "items_text",
    "overview_text",
    "profile_text",
    "reliability_text",
]

CFA_CUTOFFS = {
    "chisq_df": (3.0, "<"),
    "cfi": (0.90, ">="),
    "tli": (0.90, ">="),
    "rmsea": (0.08, "<="),
    "srmr": (0.08, "<="),
}
"""The cut-offs the CFA paragraph judges fit by (also stated in the fit table's note)."""

_CFA_NAMES = {"chisq_df": "χ²/df", "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR"}
_SMALL_SAMPLE = re.compile(r"(\d+) (?:complete )?respondent\(s\) for (\d+) items")
_SINGULAR = re.compile(r"correlation matrix is (singular|not positive definite)")


def _join(parts: list[str], lang: str) -> str:
    return language(lang).word("list_separator").join(parts)


def _flow(result: DatasetResult) -> tuple[int, int]:
    flow = result.screening.flow.set_index("step")["n_after"]
    return int(flow["received"]), int(flow["analysed"])


def _name(result: DatasetResult, lang: str) -> str:
    return result.dataset.instrument.title.get(lang)


def overview_text(study: Study, results: tuple[DatasetResult, ...], *, lang: str) -> str:
    t = language(lang)
    datasets = [
        t.text(
            "overview_dataset",
            name=_name(r, lang),
            received=count(_flow(r)[0], lang=lang),
            analysed=count(_flow(r)[1], lang=lang),
        )
        for r in results
    ]
    return t.text(
        "overview", title=study.title.get(lang), k=len(results), datasets=_join(datasets, lang), seed=study.seed
    )


def flow_text(result: DatasetResult, *, lang: str, table: str) -> str:
    t = language(lang)
    received, analysed = _flow(result)
    flow = result.screening.flow
    steps = flow[(flow["n_excluded"] > 0) & ~flow["step"].isin(["received", "analysed"])]
    exclusions = [
        t.text("flow_exclusion", reason=getattr(s, f"label_{lang}"), n=count(s.n_excluded, lang=lang))
        for s in steps.itertuples()
    ]
    return t.text(
        "flow",
        name=_name(result, lang),
        received=count(received, lang=lang),
        analysed=count(analysed, lang=lang),
        exclusions=_join(exclusions, lang) if exclusions else t.text("flow_none"),
        rate=percent(analysed / received) if received else "—",
        table=table,
    )


def profile_text(profile: Table, *, lang: str, table: str, result: DatasetResult) -> str:
    """The modal category of each background question, from the (already suppressed) profile table's data."""
    t = language(lang)
    data = profile.data.dropna(subset=["code"])
    questions = {q.id: q for q in result.dataset.instrument.background}
    parts = []
    for question_id, block in data.groupby("question", sort=False):
        shown = block.dropna(subset=["n"])
        if shown.empty:
            continue
        top = shown.loc[shown["n"].idxmax()]
        question = questions[question_id]
        parts.append(
            t.text(
                "profile_part",
                variable=question.text.get(lang).rstrip("？?"),
                category=question.levels[int(top["code"])].get(lang),
                pct=percent(top["share"]),
            )
        )
    return t.text("profile", table=table, parts=language(lang).word("sentence_separator").join(parts))


def items_text(result: DatasetResult, *, lang: str, table: str) -> str:
    t = language(lang)
    items = result.measurement.items
    not_significant = items.loc[~(items["p_value"] < 0.05), "item"].tolist()
    low = items.loc[items["item_total_r"] < 0.30, "item"].tolist()
    significance = (
        t.text("items_some_not_significant", items=_join(not_significant, lang))
        if not_significant
        else t.text("items_all_significant")
    )
    return t.text(
        "items",
        table=table,
        k=len(items),
        significance=significance,
        cr_min=number(items["critical_ratio"].min()),
        cr_max=number(items["critical_ratio"].max()),
        r_min=bounded(items["item_total_r"].min()),
        r_max=bounded(items["item_total_r"].max()),
        low=t.text("items_low", items=_join(low, lang)) if low else t.text("items_fine"),
    )


def reliability_text(result: DatasetResult, *, lang: str, table: str) -> str:
    t = language(lang)
    rel = result.measurement.reliability
    labels = rel[f"label_{lang}"].where(rel[f"label_{lang}"].astype(bool), rel["construct"])
    low = labels[rel["alpha"] < 0.70].tolist()
    return t.text(
        "reliability",
        table=table,
        alpha_min=bounded(rel["alpha"].min(), 3),
        alpha_max=bounded(rel["alpha"].max(), 3),
        omega_min=bounded(rel["omega_total"].min(), 3),
        omega_max=bounded(rel["omega_total"].max(), 3),
        policy=t.word(f"policy_{rel['nan_policy'].iloc[0]}"),
        n_min=count(rel["n"].min(), lang=lang),
        n_max=count(rel["n"].max(), lang=lang),
        assessment=t.text("reliability_low", constructs=_join(low, lang)) if low else t.text("reliability_fine"),
    )


def efa_text(result: DatasetResult, *, lang: str, table: str | None, table_loadings: str | None) -> str:
    t = language(lang)
    summary = result.exploratory
    k_items = len(result.dataset.instrument.items)
    if summary.efa is None:
        if _SINGULAR.search(summary.note):
            return t.text("efa_singular", n=count(_flow(result)[1], lang=lang), k=k_items)
        return t.text("efa_other", reason=summary.note)
    kmo, bartlett, efa = summary.kmo, summary.bartlett, summary.efa
    return t.text(
        "efa",
        kmo=bounded(kmo.overall, 3),
        df=degrees_of_freedom(bartlett.df),
        chisq=number(bartlett.statistic),
        p=p_phrase(bartlett.p_value),
        suitability=t.text("efa_suitable") if kmo.overall >= 0.60 else t.text("efa_unsuitable"),
        table=table,
        pa=summary.parallel.n_factors,
        k=efa.n_factors,
        method=efa.method,
        rotation=efa.rotation,
        n=count(efa.n, lang=lang),
        cumulative=percent(efa.variance["cumulative"].iloc[-1]),
        table_loadings=table_loadings,
    )


def cfa_text(result: DatasetResult, *, lang: str, table: str | None) -> str:
    t = language(lang)
    measurement = result.measurement
    k = len(result.dataset.instrument.constructs)
    if measurement.validity is None:
        small = _SMALL_SAMPLE.search(measurement.cfa_note)
        if small:
            return t.text("cfa_not_fitted_small", n=small.group(1), k=small.group(2))
        return t.text("cfa_not_fitted", reason=measurement.cfa_note)
    cfa = measurement.validity.cfa
    fit = cfa.fit
    failing = [
        _CFA_NAMES[name]
        for name, (cut, op) in CFA_CUTOFFS.items()
        if not (fit[name] < cut if op == "<" else fit[name] >= cut if op == ">=" else fit[name] <= cut)
    ]
    assessment = t.text("cfa_poor", failing=_join(failing, lang)) if failing else t.text("cfa_good")
    if cfa.warnings:
        assessment += t.text("cfa_warnings", warnings="; ".join(cfa.warnings))
    return t.text(
        "cfa",
        k=k,
        estimator=cfa.estimator.upper(),
        sample=t.text(f"cfa_sample_{cfa.nan_policy}", n=count(fit["n"], lang=lang), patterns=cfa.n_patterns),
        table=table,
        df=degrees_of_freedom(fit["df"]),
        chisq=number(fit["chisq"]),
        p=p_phrase(fit["p_value"]),
        ratio=number(fit["chisq_df"]),
        cfi=bounded(fit["cfi"], 3),
        tli=bounded(fit["tli"], 3),
        rmsea=bounded(fit["rmsea"], 3),
        rmsea_low=bounded(fit["rmsea_ci_low"], 3),
        rmsea_high=bounded(fit["rmsea_ci_high"], 3),
        srmr=bounded(fit["srmr"], 3),
        assessment=assessment,
    )


def discriminant_text(result: DatasetResult, *, lang: str, table: str, table_htmt: str) -> str:
    t = language(lang)
    validity = result.measurement.validity
    labels = {c.id: c.label.get(lang) for c in result.dataset.instrument.constructs}
    rel = validity.reliability
    low_ave = [labels[f] for f in rel.loc[rel["ave"] < 0.50, "factor"]]
    fl = validity.fornell_larcker
    failing = [labels[f] for f in fl.loc[~fl["discriminant"].astype(bool), "factor"]]
    pairs = validity.htmt
    high = pairs[pairs["htmt"] >= 0.85]
    high_pairs = [f"{labels[a]}–{labels[b]}" for a, b in zip(high["factor_a"], high["factor_b"], strict=True)]
    return t.text(
        "discriminant",
        table=table,
        table_htmt=table_htmt,
        cr_min=bounded(rel["cr"].min(), 3),
        cr_max=bounded(rel["cr"].max(), 3),
        ave_min=bounded(rel["ave"].min(), 3),
        ave_max=bounded(rel["ave"].max(), 3),
        ave_assessment=t.text("ave_low", constructs=_join(low_ave, lang)) if low_ave else t.text("ave_fine"),
        fornell_larcker=(t.text("fl_fail", constructs=_join(failing, lang)) if failing else t.text("fl_fine")),
        htmt_max=bounded(float(np.nanmax(pairs["htmt"])), 3),
        htmt_assessment=(t.text("htmt_fail", pairs=_join(high_pairs, lang)) if high_pairs else t.text("htmt_fine")),
    )
