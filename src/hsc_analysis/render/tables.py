"""Table builders: one function per table of a measurement chapter, from a study's results to a :class:`Table`.

Each builder takes one :class:`~hsc_analysis.study.DatasetResult` (data first) and the language, reads the
numbers the analysis computed, labels rows with the instrument's zh/en labels, translates headers from
``templates/<lang>.yaml`` and formats numbers (:mod:`hsc_analysis.render.format`). A builder returns None when its
table does not exist for this dataset (a CFA that was not fitted); the reason is then in the results text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hsc_analysis.render.disclosure import suppressed_cells
from hsc_analysis.render.format import EMPTY, bounded, count, degrees_of_freedom, number, p_value, percent, stars
from hsc_analysis.render.language import language
from hsc_analysis.render.table import Spanner, Table

if TYPE_CHECKING:
    from hsc_analysis.instruments import Instrument
    from hsc_analysis.study import DatasetResult

__all__ = [
    "cfa_fit_table",
    "correlation_tables",
    "discriminant_table",
    "efa_table",
    "htmt_table",
    "invariance_table",
    "item_analysis_table",
    "kmo_bartlett_table",
    "reliability_table",
    "sample_flow_table",
    "sample_profile_table",
]

LOADING_CUT = 0.30
"""EFA loadings below this in absolute value are left blank (stated in the table note)."""

HTMT_CUT = 0.85
"""Henseler, Ringle & Sarstedt (2015): HTMT at or above .85 questions discriminant validity."""


def _construct_labels(instrument: Instrument, lang: str) -> dict[str, str]:
    return {c.id: c.label.get(lang) for c in instrument.constructs}


def sample_flow_table(result: DatasetResult, *, lang: str) -> Table:
    """Received → each screening hurdle → analysed, with the number excluded at each step."""
    t = language(lang)
    flow = result.screening.flow
    rows = []
    for step in flow.itertuples():
        excluded = EMPTY if step.step in ("received", "analysed") else count(step.n_excluded, lang=lang)
        label = getattr(step, f"label_{lang}")
        rows.append((label[:1].upper() + label[1:], excluded, count(step.n_after, lang=lang)))
    return Table(
        name="sample_flow",
        title=t.word("title_sample_flow"),
        columns=(t.word("step"), t.word("n_excluded"), t.word("n_remaining")),
        rows=tuple(rows),
        data=flow,
        lang=lang,
        notes=(t.text("note_sample_flow"),),
    )


def sample_profile_table(result: DatasetResult, *, lang: str, min_cell: int) -> Table | None:
    """Counts and percentages of each single-choice background question among the analysed respondents.

    Personal questions (``pii``) are never shown; cells of fewer than ``min_cell`` respondents (and, where one
    alone would be recoverable from the total, the next-smallest) are suppressed (:mod:`~.disclosure`).
    """
    t = language(lang)
    instrument = result.dataset.instrument
    kept = result.screening.kept.background
    records, rows = [], []
    for question in instrument.background:
        if question.type != "single" or question.pii or question.id not in kept.columns:
            continue
        answers = kept[question.id]
        counts = answers.value_counts().reindex(list(question.levels), fill_value=0)
        missing = int(answers.isna().sum())
        total = int(counts.sum())
        hidden = suppressed_cells(counts, min_cell=min_cell)
        for i, (code, n) in enumerate(counts.items()):
            share = n / total if total else np.nan
            records.append(
                {
                    "question": question.id,
                    "code": code,
                    "n": np.nan if hidden[code] else n,
                    "share": np.nan if hidden[code] else share,
                    "suppressed": bool(hidden[code]),
                }
            )
            mark = t.text("suppressed_cell", min_cell=min_cell)
            shown = (mark, mark) if hidden[code] else (count(n, lang=lang), percent(share))
            rows.append((question.text.get(lang) if i == 0 else "", question.levels[code].get(lang), *shown))
        if missing:
            records.append(
                {"question": question.id, "code": np.nan, "n": missing, "share": np.nan, "suppressed": False}
            )
            rows.append(("", t.word("missing"), count(missing, lang=lang), EMPTY))
    if not rows:
        return None
    return Table(
        name="sample_profile",
        title=t.word("title_sample_profile"),
        columns=(t.word("variable"), t.word("category"), t.word("n"), t.word("percent")),
        rows=tuple(rows),
        data=pd.DataFrame.from_records(records),
        lang=lang,
        notes=(t.text("note_sample_profile", n=count(len(kept), lang=lang), min_cell=min_cell),),
        stub=2,
    )


def item_analysis_table(result: DatasetResult, *, lang: str) -> Table:
    """Per item: M, SD, corrected item–total r, α if deleted and the 27 % critical ratio (Welch t with stars)."""
    t = language(lang)
    items = result.measurement.items
    labels = _construct_labels(result.dataset.instrument, lang)
    rows, previous = [], None
    for row in items.itertuples():
        construct = labels.get(row.construct, row.construct) if row.construct != previous else ""
        previous = row.construct
        rows.append(
            (
                construct,
                row.item,
                number(row.mean),
                number(row.sd),
                bounded(row.item_total_r),
                bounded(row.alpha_if_deleted),
                number(row.critical_ratio) + stars(row.p_value),
            )
        )
    policy = t.word(f"policy_{result.measurement.reliability['nan_policy'].iloc[0]}")
    return Table(
        name="item_analysis",
        title=t.word("title_item_analysis"),
        columns=(
            t.word("construct"),
            t.word("item"),
            "M",
            "SD",
            t.word("citc"),
            t.word("alpha_if_deleted"),
            t.word("critical_ratio"),
        ),
        rows=tuple(rows),
        data=items.drop(columns=["text_zh", "text_en"]),
        lang=lang,
        notes=(t.text("note_item_analysis", policy=policy),),
        stars=True,
        stub=2,
    )


def reliability_table(result: DatasetResult, *, lang: str) -> Table:
    """Per construct: items, n, Cronbach's α with its Feldt 95 % CI, McDonald's ω and ordinal α."""
    t = language(lang)
    table = result.measurement.reliability
    rows = [
        (
            getattr(r, f"label_{lang}") or r.construct,
            str(r.n_items),
            count(r.n, lang=lang),
            bounded(r.alpha, 3),
            f"[{bounded(r.ci_low, 3)}, {bounded(r.ci_high, 3)}]",
            bounded(r.omega_total, 3),
            bounded(r.ordinal_alpha, 3),
        )
        for r in table.itertuples()
    ]
    policy = t.word(f"policy_{table['nan_policy'].iloc[0]}")
    return Table(
        name="reliability",
        title=t.word("title_reliability"),
        columns=(t.word("construct"), t.word("n_items"), "n", "α", t.word("ci95"), "ω", t.word("ordinal_alpha")),
        rows=tuple(rows),
        data=table.drop(columns=["flags"]),
        lang=lang,
        notes=(t.text("note_reliability", policy=policy),),
    )


def kmo_bartlett_table(result: DatasetResult, *, lang: str) -> Table | None:
    """KMO, Bartlett's test of sphericity and the parallel analysis' suggested number of factors."""
    t = language(lang)
    summary = result.exploratory
    if summary.kmo is None:
        return None
    kmo, bartlett, parallel = summary.kmo, summary.bartlett, summary.parallel
    data = pd.DataFrame(
        {
            "measure": ["kmo", "bartlett_chisq", "bartlett_df", "bartlett_p_value", "parallel_n_factors", "n"],
            "value": [kmo.overall, bartlett.statistic, bartlett.df, bartlett.p_value, parallel.n_factors, kmo.n],
        }
    )
    rows = (
        (t.word("kmo"), bounded(kmo.overall, 3)),
        (t.word("bartlett_chisq"), number(bartlett.statistic)),
        ("df", degrees_of_freedom(bartlett.df)),
        ("p", p_value(bartlett.p_value)),
        (t.word("parallel_n_factors"), str(parallel.n_factors)),
        ("n", count(kmo.n, lang=lang)),
    )
    return Table(
        name="kmo_bartlett",
        title=t.word("title_kmo_bartlett"),
        columns=(t.word("measure"), t.word("value")),
        rows=rows,
        data=data,
        lang=lang,
        notes=(t.text("note_kmo_bartlett", n_iter=parallel.n_iter),),
    )


def efa_table(result: DatasetResult, *, lang: str) -> Table | None:
    """Rotated pattern loadings (|λ| < .30 blank), communalities, and the variance each factor explains."""
    t = language(lang)
    efa = result.exploratory.efa
    if efa is None:
        return None
    loadings = efa.loadings
    factors = list(loadings.columns)
    rows = [
        (
            item,
            *("" if abs(v) < LOADING_CUT else bounded(v) for v in loadings.loc[item]),
            bounded(efa.communalities[item]),
        )
        for item in loadings.index
    ]
    variance = efa.variance.set_index("factor")
    rows += [
        (t.word("ss_loadings"), *(number(variance.loc[f, "ss_loadings"]) for f in factors), ""),
        (t.word("variance_percent"), *(percent(variance.loc[f, "proportion"]) for f in factors), ""),
        (t.word("cumulative_percent"), *(percent(variance.loc[f, "cumulative"]) for f in factors), ""),
    ]
    data = loadings.assign(communality=efa.communalities).rename_axis("item").reset_index()
    return Table(
        name="efa_loadings",
        title=t.word("title_efa"),
        columns=(t.word("item"), *factors, "h²"),
        rows=tuple(rows),
        data=data,
        lang=lang,
        notes=(
            t.text(
                "note_efa",
                method=efa.method,
                rotation=efa.rotation,
                k=efa.n_factors,
                n=count(efa.n, lang=lang),
                cut=bounded(LOADING_CUT),
            ),
        ),
    )


def cfa_fit_table(result: DatasetResult, *, lang: str) -> Table | None:
    """One row per fitted model (here the instrument's CFA) with χ², df, χ²/df, CFI, TLI, RMSEA [90 % CI], SRMR;
    the usual cut-offs are in the note."""
    t = language(lang)
    validity = result.measurement.validity
    if validity is None:
        return None
    fit = validity.cfa.fit
    k = len(result.dataset.instrument.constructs)
    row = (
        t.text("model_k_factors", k=k),
        count(fit["n"], lang=lang),
        number(fit["chisq"]),
        degrees_of_freedom(fit["df"]),
        number(fit["chisq_df"]),
        bounded(fit["cfi"], 3),
        bounded(fit["tli"], 3),
        bounded(fit["rmsea"], 3),
        f"[{bounded(fit['rmsea_ci_low'], 3)}, {bounded(fit['rmsea_ci_high'], 3)}]",
        bounded(fit["srmr"], 3),
    )
    return Table(
        name="cfa_fit",
        title=t.word("title_cfa_fit"),
        columns=(t.word("model"), "n", "χ²", "df", "χ²/df", "CFI", "TLI", "RMSEA", t.word("rmsea_ci90"), "SRMR"),
        rows=(row,),
        data=fit.to_frame().T.assign(model=f"{k}_factors").set_index("model"),
        lang=lang,
        notes=(
            t.text(
                "note_cfa_fit",
                estimator=validity.cfa.estimator.upper(),
                missing=t.text(f"cfa_missing_{validity.cfa.nan_policy}"),
            ),
            t.text("note_cfa_cutoffs"),
        ),
    )


def _lower_triangle(matrix: pd.DataFrame, order: list[str], diagonal: pd.Series | None, mark=None) -> list[list[str]]:
    cells = []
    for i, a in enumerate(order):
        row = []
        for j, b in enumerate(order):
            if j < i:
                value = matrix.loc[a, b]
                row.append(bounded(value) + (mark(value) if mark else ""))
            elif j == i and diagonal is not None:
                row.append(bounded(diagonal[a]))
            else:
                row.append("")
        cells.append(row)
    return cells


def discriminant_table(result: DatasetResult, *, lang: str) -> Table | None:
    """CR and AVE per construct beside the latent correlations, √AVE on the diagonal (Fornell–Larcker)."""
    validity = result.measurement.validity
    if validity is None:
        return None
    t, labels = language(lang), _construct_labels(result.dataset.instrument, lang)
    fl = validity.fornell_larcker.set_index("factor")
    order = list(fl.index)
    rel = validity.reliability.set_index("factor")
    triangle = _lower_triangle(fl[order], order, fl["sqrt_ave"])
    rows = [
        (f"{i + 1}. {labels.get(f, f)}", bounded(rel.loc[f, "cr"], 3), bounded(rel.loc[f, "ave"], 3), *triangle[i])
        for i, f in enumerate(order)
    ]
    data = rel[["cr", "ave"]].join(fl.drop(columns=["group"], errors="ignore"))
    return Table(
        name="cr_ave_fornell_larcker",
        title=t.word("title_discriminant"),
        columns=(t.word("construct"), "CR", "AVE", *(str(i + 1) for i in range(len(order)))),
        rows=tuple(rows),
        data=data.rename_axis("factor").reset_index(),
        lang=lang,
        notes=(t.text("note_discriminant"),),
    )


def htmt_table(result: DatasetResult, *, lang: str) -> Table | None:
    """Heterotrait–monotrait ratios, lower triangle; values at or above .85 are marked."""
    validity = result.measurement.validity
    if validity is None:
        return None
    t, labels = language(lang), _construct_labels(result.dataset.instrument, lang)
    pairs = validity.htmt
    order = list(dict.fromkeys([*pairs["factor_a"], *pairs["factor_b"]]))
    matrix = pd.DataFrame(np.nan, index=order, columns=order)
    for pair in pairs.itertuples():
        matrix.loc[pair.factor_a, pair.factor_b] = matrix.loc[pair.factor_b, pair.factor_a] = pair.htmt
    triangle = _lower_triangle(matrix, order, None, mark=lambda v: "†" if v >= HTMT_CUT else "")
    rows = [(f"{i + 1}. {labels.get(f, f)}", *triangle[i][:-1]) for i, f in enumerate(order)]
    return Table(
        name="htmt",
        title=t.word("title_htmt"),
        columns=(t.word("construct"), *(str(i + 1) for i in range(len(order) - 1))),
        rows=tuple(rows[1:]),
        data=pairs,
        lang=lang,
        notes=(
            t.text(
                "note_htmt",
                cut=bounded(HTMT_CUT),
                n=count(pairs["n"].iloc[0], lang=lang),
                missing=t.text(f"cfa_missing_{validity.cfa.nan_policy}"),
            ),
        ),
    )


def invariance_table(result: DatasetResult, *, lang: str) -> Table | None:
    """Configural, metric and scalar models with their fit and the change from the model before."""
    t = language(lang)
    validity = result.measurement.validity
    if validity is None or validity.invariance.empty:
        return None
    table = validity.invariance
    rows = [
        (
            t.word(f"invariance_{r.level}"),
            number(r.chisq),
            degrees_of_freedom(r.df),
            bounded(r.cfi, 3),
            bounded(r.rmsea, 3),
            bounded(r.srmr, 3),
            number(r.delta_chisq),
            degrees_of_freedom(r.delta_df),
            p_value(r.delta_p_value),
            bounded(r.delta_cfi, 3),
            bounded(r.delta_rmsea, 3),
            EMPTY if r.level == "configural" else t.word("yes" if r.holds else "no"),
        )
        for r in table.itertuples()
    ]
    return Table(
        name="invariance",
        title=t.word("title_invariance"),
        columns=(
            t.word("model"),
            "χ²",
            "df",
            "CFI",
            "RMSEA",
            "SRMR",
            "Δχ²",
            "Δdf",
            "p",
            "ΔCFI",
            "ΔRMSEA",
            t.word("holds"),
        ),
        rows=tuple(rows),
        data=table,
        lang=lang,
        spanners=(Spanner("", 6), Spanner(t.word("change_from_previous"), 6)),
        notes=(
            t.text("note_invariance", n=count(table["n"].iloc[0], lang=lang), groups=int(table["n_groups"].iloc[0])),
        ),
    )


def correlation_tables(result: DatasetResult, *, lang: str) -> list[Table]:
    """Each correlation table of the findings: M and SD of every variable, then r with stars in the lower
    triangle (the diagonal a dash), as :func:`hsc_analysis.findings.correlation_table` computed them."""
    t = language(lang)
    labels = _construct_labels(result.dataset.instrument, lang)
    tables = []
    for finding in result.findings.correlations:
        names = list(finding.descriptives["variable"])
        r, marks = finding.lower_triangle("r"), finding.lower_triangle("stars")
        described = finding.descriptives.set_index("variable")
        rows = []
        for i, name in enumerate(names):
            cells = [bounded(r.loc[name, other]) + marks.loc[name, other] for other in names[:i]]
            cells += [EMPTY] + [""] * (len(names) - i - 2)
            rows.append(
                (
                    f"{i + 1}. {labels.get(name, name)}",
                    number(described.loc[name, "mean"]),
                    number(described.loc[name, "sd"]),
                    *cells[: len(names) - 1],
                )
            )
        tables.append(
            Table(
                name="correlations",
                title=t.word("title_correlations"),
                columns=(t.word("variable"), "M", "SD", *(str(i + 1) for i in range(len(names) - 1))),
                rows=tuple(rows),
                data=finding.to_frame(),
                lang=lang,
                notes=(
                    t.text(
                        "note_correlations",
                        n=count(finding.n, lang=lang),
                        method=finding.method.capitalize(),
                        policy=t.word(f"policy_{finding.nan_policy}"),
                    ),
                ),
                stars=True,
            )
        )
    return tables
