"""Results text of the first findings: one paragraph per descriptives, group-difference and regression table,
APA-style ("t(2575) = −5.76, p < .001, d = −0.24"), in Chinese or English.

The wording lives in ``templates/<lang>.yaml``; this module picks the template that fits the result (a significant
difference or not, Welch's test or Student's, pairs that differ) and fills in the numbers formatted by
:mod:`hsc_analysis.render.format`. Which test is reported is decided once, by
:func:`~hsc_analysis.render.findings_tables.chosen_test`, so the text and the table always agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from hsc_analysis.render.findings_tables import (
    ChosenTest,
    chosen_test,
    group_label,
    n_range,
    normality_tests,
    post_hoc_pairs,
    standard_error_text,
    term_label,
    variable_label,
)
from hsc_analysis.render.format import bounded, count, degrees_of_freedom, number
from hsc_analysis.render.language import language
from hsc_analysis.render.text import p_phrase as p_phrase

if TYPE_CHECKING:
    from hsc_analysis.findings import Description, GroupComparison, HierarchicalRegression
    from hsc_analysis.instruments import Instrument

__all__ = [
    "KURTOSIS_CUT",
    "LARGE_SAMPLE",
    "SKEW_CUT",
    "VIF_CUT",
    "descriptives_text",
    "differences_text",
    "regression_text",
]

SKEW_CUT, KURTOSIS_CUT = 2.0, 7.0
"""|skewness| ≥ 2 or |kurtosis| ≥ 7 is a substantial departure from normality (West, Finch & Curran, 1995;
Kim, 2013)."""

LARGE_SAMPLE = 300
"""From this n a normality test rejects for trivial departures, and skewness and kurtosis are the guide (Kim,
2013)."""

VIF_CUT = 5.0
"""A VIF of 5 or more signals multicollinearity."""


def descriptives_text(
    description: Description, *, lang: str, table: str, labels: Mapping[str, str] | None = None
) -> str:
    """Range of the means (which variable is lowest and highest), of skewness and kurtosis against the usual
    cut-offs, and how many variables the normality test rejects."""
    t = language(lang)
    frame = description.table.dropna(subset=["mean"])
    low, high = frame.loc[frame["mean"].idxmin()], frame.loc[frame["mean"].idxmax()]
    off = frame[(frame["skewness"].abs() >= SKEW_CUT) | (frame["kurtosis"].abs() >= KURTOSIS_CUT)]
    names = [variable_label(v, labels) for v in dict.fromkeys(off["variable"])]
    shape = t.text("shape_off", variables=t.word("list_separator").join(names)) if names else t.text("shape_fine")
    tested = frame.dropna(subset=["normality_p_value"])
    tests = normality_tests(tested["normality_test"], lang=lang)
    rejected = int((tested["normality_p_value"] < 0.05).sum())
    normality = (
        t.text(
            "normality_rejected",
            test=tests,
            k=len(tested),
            m=rejected,
            caveat=t.text("normality_large_sample") if tested["n"].min() >= LARGE_SAMPLE else "",
        )
        if rejected
        else t.text("normality_kept", test=tests)
        if len(tested)
        else ""
    )
    return t.text(
        "descriptives",
        table=table,
        policy=t.word(f"policy_{description.nan_policy}"),
        n=n_range(frame["n"], lang=lang),
        mean_min=number(low["mean"]),
        low=variable_label(low["variable"], labels),
        mean_max=number(high["mean"]),
        high=variable_label(high["variable"], labels),
        skew_min=number(frame["skewness"].min()),
        skew_max=number(frame["skewness"].max()),
        kurt_min=number(frame["kurtosis"].min()),
        kurt_max=number(frame["kurtosis"].max()),
        shape=shape,
        normality=normality,
    )


def _reason(chosen: ChosenTest, t) -> str:
    if chosen.levene is None:
        return t.text("reason_paired")
    if np.isnan(chosen.levene["p_value"]):
        return t.text("reason_undefined")
    return t.text("reason_unequal" if chosen.welch else "reason_equal", p=p_phrase(chosen.levene["p_value"]))


def _test_phrase(comparison: GroupComparison, chosen: ChosenTest, t, lang: str) -> str:
    test = chosen.test
    name = t.word(f"test_{test['test']}")
    common = {"name": name, "p": p_phrase(test["p_value"]), "n": count(comparison.n, lang=lang)}
    if chosen.post_hoc is None and len(comparison.descriptives) == 2:
        return t.text(
            "test_t",
            **common,
            df=degrees_of_freedom(test["df"]),
            t=number(test["statistic"]),
            d=number(chosen.effect["estimate"]),
            reason=_reason(chosen, t),
        )
    return t.text(
        "test_f",
        **common,
        df1=degrees_of_freedom(test["df"]),
        df2=degrees_of_freedom(test["df2"]),
        f=number(test["statistic"]),
        eta=bounded(chosen.effect["estimate"], 3),
        reason=_reason(chosen, t),
    )


def differences_text(
    comparisons: Sequence[GroupComparison],
    *,
    instrument: Instrument,
    lang: str,
    table: str,
    min_cell: int,
    labels: Mapping[str, str] | None = None,
) -> str:
    """One sentence per outcome of a group-difference table: significant or not, the reported test with its df,
    p, effect size and n, why that test (Levene's p), and for three or more groups the post hoc pairs that
    differ (by group name)."""
    t = language(lang)
    first = comparisons[0]
    grouping = variable_label(first.group, labels).rstrip("？?")
    names = [group_label(instrument, first.group, g, lang=lang) for g in first.descriptives["group"]]
    parts = []
    for comparison in comparisons:
        chosen = chosen_test(comparison)
        significant = bool(chosen.test["p_value"] < 0.05)
        result = t.word("significant" if significant else "not_significant")
        outcome = variable_label(comparison.outcome, labels)
        test = _test_phrase(comparison, chosen, t, lang)
        if chosen.post_hoc is None:
            difference = chosen.test["estimate"]
            higher, lower = (names[0], names[1]) if difference > 0 else (names[1], names[0])
            parts.append(
                t.text("difference_two_higher", outcome=outcome, result=result, higher=higher, lower=lower, test=test)
                if significant
                else t.text("difference_two", outcome=outcome, result=result, test=test)
            )
            continue
        pairs = post_hoc_pairs(comparison, min_cell=min_cell)
        method = t.word(f"post_hoc_{chosen.post_hoc}")
        if pairs is None:
            post_hoc = ""
        elif pairs:
            below: dict[int, list[str]] = {}
            for a, b in pairs:
                below.setdefault(a, []).append(t.text("group_name", group=names[b - 1]))
            shown = [
                t.text("pair", higher=names[a - 1], lower=t.word("list_separator").join(lower))
                for a, lower in sorted(below.items())
            ]
            post_hoc = t.text("post_hoc_pairs", method=method, pairs=t.word("sentence_separator").join(shown))
        else:
            post_hoc = t.text("post_hoc_no_pairs", method=method)
        parts.append(t.text("difference_several", outcome=outcome, result=result, test=test, post_hoc=post_hoc))
    return t.text("differences", group=grouping, table=table, parts=t.word("sentence_separator").join(parts))


def regression_text(
    regression: HierarchicalRegression,
    *,
    instrument: Instrument,
    lang: str,
    table: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """The steps (R² and F of model 1, ΔR² and ΔF of each later block), the predictors of the full model that are
    significant (β, t, p) and those that are not, and the VIF range."""
    t = language(lang)
    sep = t.word("list_separator")
    outcome = variable_label(regression.outcome, labels)

    def label(term: str) -> str:
        return term_label(regression, term, instrument=instrument, lang=lang, labels=labels)

    entered = regression.coefficients.groupby("step", sort=True)["variable"].unique()
    steps, seen = [], {"(Intercept)"}
    for step in regression.steps.itertuples():
        block = [v for v in entered[step.step] if v not in seen]
        seen.update(block)
        added = sep.join(variable_label(v, labels) for v in block)
        common = {"added": added, "df1": degrees_of_freedom(step.df1), "df2": degrees_of_freedom(step.df2)}
        if step.step == 1:
            steps.append(t.text("regression_first", **common, r2=bounded(step.r_squared, 3), f=number(step.f),
                                p=p_phrase(step.f_p_value)))  # fmt: skip
        else:
            steps.append(t.text("regression_step", **common, k=step.step, dr2=bounded(step.r_squared_change, 3),
                                f=number(step.f_change), p=p_phrase(step.p_change)))  # fmt: skip
    last = int(regression.steps["step"].max())
    final = regression.coefficients[
        (regression.coefficients["step"] == last) & (regression.coefficients["term"] != "(Intercept)")
    ]
    significant = final[final["p_value"] < 0.05]
    others = final[~(final["p_value"] < 0.05)]
    terms = [
        t.text(
            "regression_term",
            term=label(c.term),
            beta=bounded(c.std_estimate),
            df=degrees_of_freedom(c.df),
            t=number(c.statistic),
            p=p_phrase(c.p_value),
        )
        for c in significant.itertuples()
    ]
    if terms:
        effects = t.text("regression_significant", terms=sep.join(terms), outcome=outcome)
        if len(others):
            effects += t.text("regression_nonsignificant", terms=sep.join(label(x) for x in others["term"]))
    else:
        effects = t.text("regression_none", outcome=outcome)
    high = final[final["vif"] >= VIF_CUT]
    vif_assessment = (
        t.text("vif_high", terms=sep.join(label(x) for x in high["term"])) if len(high) else t.text("vif_fine")
    )
    return t.text(
        "regression",
        outcome=outcome,
        table=table,
        n=count(regression.n, lang=lang),
        se=standard_error_text(regression, lang=lang, labels=labels),
        steps=t.word("sentence_separator").join(steps),
        last=last,
        effects=effects,
        vif_min=number(final["vif"].min()),
        vif_max=number(final["vif"].max()),
        vif_assessment=vif_assessment,
    )
