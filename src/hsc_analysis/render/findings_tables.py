"""Table builders for the first findings of a chapter: descriptive statistics, group differences (t tests and
one-way ANOVA with post hoc pairs), contingency tables and hierarchical regression.

Each builder takes the finding object the analysis returned (data first) and the language, labels variables with
``labels`` (the study's variable labels; a variable without one keeps its name), translates headers from
``templates/<lang>.yaml`` and formats numbers with :mod:`hsc_analysis.render.format`; nothing is recomputed.
Group cells (counts, means, SDs) of fewer than ``min_cell`` respondents are suppressed as in the sample profile
(:mod:`~hsc_analysis.render.disclosure`); the tests, computed on everyone, stay. The dataset-level functions
(``…_tables``) build one table per finding of a :class:`~hsc_analysis.study.DatasetResult`, in plan order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.disclosure import suppressed_cells
from hsc_analysis.render.format import EMPTY, bounded, count, degrees_of_freedom, number, p_value, percent, stars
from hsc_analysis.render.language import language
from hsc_analysis.render.table import Spanner, Table
from hsc_analysis.render.text import p_phrase as p_phrase

if TYPE_CHECKING:
    from hsc_analysis.findings import Crosstab, Description, GroupComparison, HierarchicalRegression
    from hsc_analysis.instruments import Instrument
    from hsc_analysis.study import DatasetResult

__all__ = [
    "LEVENE_ALPHA",
    "NORMALITY_SYMBOLS",
    "WELCH_MARK",
    "WIDE_MAX_GROUPS",
    "ChosenTest",
    "chosen_test",
    "comparison_blocks",
    "crosstab_table",
    "descriptives_table",
    "descriptives_tables",
    "group_difference_table",
    "group_difference_tables",
    "group_label",
    "n_range",
    "normality_tests",
    "post_hoc_pairs",
    "regression_table",
    "regression_tables",
    "standard_error_text",
    "suppressed_groups",
    "term_label",
    "variable_label",
]

LEVENE_ALPHA = 0.05
"""Levene's test below this p means unequal variances: Welch's t or F is reported, and Games–Howell pairs."""

POST_HOC = {False: "tukey_hsd", True: "games_howell"}
"""The post hoc method for equal (False) and unequal (True) variances."""

WIDE_MAX_GROUPS = 4
"""Group-difference tables with up to this many groups put the groups side by side; more go one row each."""

WELCH_MARK = "†"
"""Marks a Welch statistic in a group-difference table (explained in the note)."""


def variable_label(name: str, labels: Mapping[str, str] | None) -> str:
    """The label of a variable (its name when ``labels`` has none)."""
    return (labels or {}).get(name, name)


def group_label(instrument: Instrument, question: str, level: str, *, lang: str) -> str:
    """A group's label in ``lang``: findings label background answers in the study's language, so a level is
    looked up by its label in either language; a level that is not the question's keeps its text."""
    for entry in instrument.background:
        if entry.id == question:
            for label in entry.levels.values():
                if level in (label.zh, label.en):
                    return label.get(lang)
    return str(level)


# ---------------------------------------------------------------------------------------------------------------
# descriptives

NORMALITY_SYMBOLS = {"Shapiro–Wilk": "W", "Kolmogorov–Smirnov (Lilliefors)": "D"}
"""The statistic of each normality test :func:`hsc_analysis.findings.describe` may use."""


def normality_tests(names: pd.Series, *, lang: str) -> str:
    """The normality tests named in ``names`` (a description's ``normality_test`` column), in words, once each."""
    t = language(lang)
    return t.word("list_separator").join(
        t.word(f"normality_{NORMALITY_SYMBOLS.get(x, x)}") for x in dict.fromkeys(names)
    )


def n_range(values, *, lang: str) -> str:
    """``1374–1377``, or one number when all are equal."""
    low, high = int(np.min(values)), int(np.max(values))
    return count(low, lang=lang) if low == high else f"{count(low, lang=lang)}–{count(high, lang=lang)}"


def descriptives_table(
    description: Description, *, lang: str, labels: Mapping[str, str] | None = None, name: str = "descriptives"
) -> Table:
    """Per variable (and group): n, M, SD, minimum, maximum, skewness, kurtosis and the normality test (its
    statistic and p; the test is named in the note)."""
    t = language(lang)
    table = description.table
    grouped = description.group is not None
    tests = list(dict.fromkeys(table["normality_test"]))
    statistic = (
        NORMALITY_SYMBOLS[tests[0]]
        if len(tests) == 1 and tests[0] in NORMALITY_SYMBOLS
        else t.word("normality_statistic")
    )
    rows, previous = [], None
    for r in table.itertuples():
        label = variable_label(r.variable, labels)
        stub = (label if r.variable != previous else "", str(r.group)) if grouped else (label,)
        previous = r.variable
        rows.append(
            (
                *stub,
                count(r.n, lang=lang),
                number(r.mean),
                number(r.sd),
                number(r.min),
                number(r.max),
                number(r.skewness),
                number(r.kurtosis),
                bounded(r.normality_statistic, 3),
                p_value(r.normality_p_value),
            )
        )
    stub_columns = (t.word("variable"), t.word("group")) if grouped else (t.word("variable"),)
    return Table(
        name=name,
        title=t.word("title_descriptives"),
        columns=(
            *stub_columns,
            "n",
            "M",
            "SD",
            t.word("minimum"),
            t.word("maximum"),
            t.word("skewness"),
            t.word("kurtosis"),
            statistic,
            "p",
        ),
        rows=tuple(rows),
        data=description.to_frame(),
        lang=lang,
        notes=(
            t.text(
                "note_descriptives",
                policy=t.word(f"policy_{description.nan_policy}"),
                tests=normality_tests(table["normality_test"], lang=lang),
            ),
        ),
        stub=len(stub_columns),
    )


def descriptives_tables(result: DatasetResult, *, lang: str, labels: Mapping[str, str] | None = None) -> list[Table]:
    """The descriptives table of each ``describe`` finding of a dataset."""
    return [
        descriptives_table(d, lang=lang, labels=labels, name="descriptives" if i == 0 else f"descriptives_{i + 1}")
        for i, d in enumerate(result.findings.descriptives)
    ]


# ---------------------------------------------------------------------------------------------------------------
# group differences


@dataclass(frozen=True)
class ChosenTest:
    """The test a group-difference table reports for one comparison: ``test`` is its row of
    ``GroupComparison.tests``, ``welch`` says it is Welch's (Levene's p below :data:`LEVENE_ALPHA`), ``levene`` is
    Levene's row (None for paired data), ``effect`` the effect-size row (Cohen's d or η²) and ``post_hoc`` the
    post hoc method for three or more groups (None otherwise)."""

    test: pd.Series
    welch: bool
    levene: pd.Series | None
    effect: pd.Series
    post_hoc: str | None


def chosen_test(comparison: GroupComparison) -> ChosenTest:
    """Which test of a comparison the table and text report: Student's t or the one-way ANOVA when Levene's test
    does not reject equal variances, Welch's t or Welch's ANOVA when it does (an undefined Welch ANOVA — a group
    without variance — leaves the ANOVA); the paired t for paired data."""
    tests = comparison.tests.set_index("test", drop=False)
    effects = comparison.effect_sizes.set_index("effect", drop=False)
    if comparison.paired:
        return ChosenTest(tests.loc["paired_t"], False, None, effects.loc["cohens_d"], None)
    levene = tests.loc["levene"]
    unequal = bool(levene["p_value"] < LEVENE_ALPHA)  # an undefined Levene test (NaN) keeps Student's t
    if len(comparison.descriptives) == 2:
        name, effect, post_hoc = ("welch_t" if unequal else "student_t"), "cohens_d", None
    else:
        welch_defined = not np.isnan(tests.loc["welch_anova", "statistic"])
        name = "welch_anova" if unequal and welch_defined else "anova"
        effect, post_hoc = "eta_squared", POST_HOC[unequal]
    return ChosenTest(tests.loc[name], name.startswith("welch"), levene, effects.loc[effect], post_hoc)


def suppressed_groups(comparison: GroupComparison, *, min_cell: int) -> pd.Series:
    """Which groups of a comparison are hidden (boolean, by group label): fewer than ``min_cell`` cases, and the
    complementary cell where only one would be (:func:`~hsc_analysis.render.disclosure.suppressed_cells`)."""
    described = comparison.descriptives.set_index("group")["n"]
    return suppressed_cells(described, min_cell=min_cell)


def post_hoc_pairs(comparison: GroupComparison, *, min_cell: int) -> list[tuple[int, int]] | None:
    """The pairs that differ (p < .05) by the chosen post hoc method, as (higher, lower) group numbers counted
    from 1 in the comparison's group order; pairs with a suppressed group are left out. None when the omnibus
    test is not significant (no post hoc comparison) or there are two groups."""
    chosen = chosen_test(comparison)
    if chosen.post_hoc is None or not chosen.test["p_value"] < 0.05:
        return None
    number_of = {g: i + 1 for i, g in enumerate(comparison.descriptives["group"])}
    hidden = suppressed_groups(comparison, min_cell=min_cell)
    pairs = comparison.post_hoc[
        (comparison.post_hoc["method"] == chosen.post_hoc) & (comparison.post_hoc["p_value"] < 0.05)
    ]
    out = []
    for pair in pairs.itertuples():
        if hidden[pair.group_1] or hidden[pair.group_2]:
            continue
        first, second = number_of[pair.group_1], number_of[pair.group_2]
        out.append((first, second) if pair.difference > 0 else (second, first))
    return out


def _pairs_text(pairs: list[tuple[int, int]] | None, t, *, higher: int | None = None) -> str:
    """Post hoc pairs grouped by the higher group: ``"1 > 6；4 > 2, 5, 6"``; with ``higher``, only that group's
    part without its number (``"> 2, 5, 6"``, one row per group); ``—`` without post hoc tests."""
    if pairs is None:
        return EMPTY if higher in (None, 1) else ""
    if not pairs:
        return t.word("post_hoc_none") if higher in (None, 1) else ""
    below: dict[int, list[str]] = {}
    for a, b in pairs:
        below.setdefault(a, []).append(str(b))
    if higher is not None:
        return f"> {', '.join(below[higher])}" if higher in below else ""
    return t.word("sentence_separator").join(f"{a} > {', '.join(b)}" for a, b in sorted(below.items()))


def group_difference_table(
    comparisons: Sequence[GroupComparison],
    *,
    instrument: Instrument,
    lang: str,
    min_cell: int,
    labels: Mapping[str, str] | None = None,
) -> Table:
    """One grouping variable against one or more outcomes: M ± SD of every group, then t, df, p and Cohen's d for
    two groups, or F, p, η² and the post hoc pairs for three or more.

    Up to :data:`WIDE_MAX_GROUPS` groups, one row per outcome with a column per group, the group's number, label and
    n in the upper header (as SPSSAU's 差异分析 table); with more groups, which would not fit a page across, one row
    per outcome and group (number, label, n, M ± SD) with the tests on the outcome's first row. Every comparison
    must have the same grouping variable and the same groups. Student's t / the one-way ANOVA are reported unless
    Levene's test rejects equal variances (p < :data:`LEVENE_ALPHA`); then Welch's statistic, marked
    :data:`WELCH_MARK`. Post hoc pairs name the groups' numbers.
    """
    t = language(lang)
    first = comparisons[0]
    groups = list(first.descriptives["group"])
    mismatched = [c.outcome for c in comparisons if c.group != first.group or list(c.descriptives["group"]) != groups]
    if mismatched:
        raise InputError(
            f"group_difference_table: comparisons {mismatched} do not share the grouping variable {first.group} "
            f"and its groups ({', '.join(groups)})"
        )
    two = len(groups) == 2
    wide = len(groups) <= WIDE_MAX_GROUPS
    kind = "paired" if first.paired else "two" if two else "several"
    mark = t.word("suppressed_group")
    names = [f"({i + 1}) {group_label(instrument, first.group, g, lang=lang)}" for i, g in enumerate(groups)]
    hidden = {c.outcome: suppressed_groups(c, min_cell=min_cell) for c in comparisons}
    tail_columns = ("t", "df", "p", "d") if two else ("F", "p", "η²", t.word("post_hoc"))
    rows, records = [], []
    for comparison in comparisons:
        chosen, secret = chosen_test(comparison), hidden[comparison.outcome].to_numpy()
        described = comparison.descriptives.assign(suppressed=secret)
        records += [
            {"outcome": comparison.outcome, "group": r.group, "suppressed": r.suppressed}
            | {k: np.nan if r.suppressed else getattr(r, k) for k in ("n", "mean", "sd")}
            for r in described.itertuples()
        ]
        cells = [mark if r.suppressed else f"{number(r.mean)} ± {number(r.sd)}" for r in described.itertuples()]
        test = chosen.test
        statistic = number(test["statistic"]) + stars(test["p_value"]) + (WELCH_MARK if chosen.welch else "")
        if two:
            tail = (degrees_of_freedom(test["df"]), p_value(test["p_value"]), number(chosen.effect["estimate"]))
        else:
            pairs = post_hoc_pairs(comparison, min_cell=min_cell)
            tail = (p_value(test["p_value"]), bounded(chosen.effect["estimate"], 3))
        label = variable_label(comparison.outcome, labels)
        if wide:
            rows.append((label, *cells, statistic, *tail, *([] if two else [_pairs_text(pairs, t)])))
            continue
        for i, r in enumerate(described.itertuples()):
            size = mark if r.suppressed else count(r.n, lang=lang)
            stats = (statistic, *tail) if i == 0 else ("",) * (1 + len(tail))
            rows.append(
                (label if i == 0 else "", names[i], size, cells[i], *stats, _pairs_text(pairs, t, higher=i + 1))
            )
    notes = [t.text(f"note_differences_{kind}", n=n_range([c.n for c in comparisons], lang=lang), mark=WELCH_MARK)]
    if not two:
        notes.append(t.text("note_post_hoc"))
    if any(h.any() for h in hidden.values()):
        notes.append(t.text("note_suppressed_groups", min_cell=min_cell, mark=mark))
    if wide:
        heads = []
        for i, name in enumerate(names):
            sizes = {int(c.descriptives["n"].iloc[i]) for c in comparisons}
            if len(sizes) != 1 or any(hidden[c.outcome].iloc[i] for c in comparisons):
                heads.append(name)
            else:
                heads.append(t.text("group_head", group=name, n=count(sizes.pop(), lang=lang)))
        columns = (t.word("variable"), *(["M ± SD"] * len(groups)), *tail_columns)
        spanners = (Spanner(""), *(Spanner(h) for h in heads), Spanner("", len(tail_columns)))
    else:
        columns = (t.word("variable"), t.word("group"), "n", "M ± SD", *tail_columns)
        spanners = ()
    return Table(
        name=f"differences_{first.group}",
        title=t.text(f"title_differences_{kind}", group=variable_label(first.group, labels).rstrip("？?")),
        columns=columns,
        rows=tuple(rows),
        data=_difference_data(comparisons, records, min_cell=min_cell),
        lang=lang,
        spanners=spanners,
        notes=tuple(notes),
        stars=True,
        stub=1 if wide else 2,
    )


def _difference_data(comparisons: Sequence[GroupComparison], records: list[dict], *, min_cell: int) -> pd.DataFrame:
    """The table's numbers at full precision: one row per outcome and group (suppressed groups blank) with the
    reported test, its effect size and the post hoc pairs of the outcome."""
    tests = []
    for comparison in comparisons:
        chosen = chosen_test(comparison)
        pairs = post_hoc_pairs(comparison, min_cell=min_cell)
        tests.append(
            {
                "outcome": comparison.outcome,
                "grouping": comparison.group,
                "test": chosen.test["test"],
                "statistic": chosen.test["statistic"],
                "df": chosen.test["df"],
                "df2": chosen.test["df2"],
                "p_value": chosen.test["p_value"],
                "levene_p_value": np.nan if chosen.levene is None else chosen.levene["p_value"],
                "effect": chosen.effect["effect"],
                "effect_estimate": chosen.effect["estimate"],
                "post_hoc": chosen.post_hoc,
                "post_hoc_pairs": None if pairs is None else ", ".join(f"{a} > {b}" for a, b in pairs),
                "n_total": comparison.n,
                "n_dropped": comparison.n_dropped,
                "nan_policy": comparison.nan_policy,
            }
        )
    return pd.DataFrame.from_records(records).merge(pd.DataFrame(tests), on="outcome", how="left")


def comparison_blocks(result: DatasetResult) -> list[list[GroupComparison]]:
    """A dataset's comparisons by grouping variable (and groups, and pairing), in plan order: one table each."""
    blocks: dict[tuple, list] = {}
    for comparison in result.findings.comparisons:
        key = (comparison.group, comparison.paired, tuple(comparison.descriptives["group"]))
        blocks.setdefault(key, []).append(comparison)
    return list(blocks.values())


def group_difference_tables(
    result: DatasetResult, *, lang: str, min_cell: int, labels: Mapping[str, str] | None = None
) -> list[Table]:
    """One group-difference table per grouping variable of a dataset's comparisons (its outcomes as rows, in plan
    order); comparisons of one grouping variable with different groups (an outcome missing in a whole group)
    get a table of their own."""
    made = []
    for i, block in enumerate(comparison_blocks(result)):
        table = group_difference_table(
            block, instrument=result.dataset.instrument, lang=lang, min_cell=min_cell, labels=labels
        )
        if any(other.name == table.name for other in made):
            table = dataclasses.replace(table, name=f"{table.name}_{i + 1}")
        made.append(table)
    return made


# ---------------------------------------------------------------------------------------------------------------
# contingency tables


def crosstab_table(
    crosstab: Crosstab,
    *,
    instrument: Instrument,
    lang: str,
    min_cell: int,
    labels: Mapping[str, str] | None = None,
) -> Table:
    """Counts and row percentages of a contingency table, with χ² (Yates-corrected for 2 × 2, as
    :func:`~hsc_analysis.findings.crosstab` computes it), df, p and Cramér's V on the first row; Fisher's exact p
    in a note when a 2 × 2 table has an expected count below 5. Cells of fewer than ``min_cell`` cases are hidden
    row by row (with the complementary cell, :func:`~hsc_analysis.render.disclosure.suppressed_cells`)."""
    t = language(lang)
    counts = crosstab.counts
    tests = crosstab.tests.set_index("test")
    chi = tests.loc["chi_square"]
    fisher = "fisher_exact" in tests.index
    v = crosstab.effect_sizes.set_index("effect").loc["cramers_v", "estimate"]
    mark = t.word("suppressed_group")
    rows, hidden_any, records = [], False, []
    for i, (level, line) in enumerate(counts.iterrows()):
        hidden = suppressed_cells(line, min_cell=min_cell)
        hidden_any |= bool(hidden.any())
        total = line.sum()
        cells = [
            mark if hidden[c] else f"{count(n, lang=lang)} ({percent(n / total if total else np.nan)})"
            for c, n in line.items()
        ]
        records += [
            {"row": level, "column": c, "n": np.nan if hidden[c] else n, "suppressed": bool(hidden[c])}
            for c, n in line.items()
        ]
        statistics = (
            (number(chi["statistic"]), degrees_of_freedom(chi["df"]), p_value(chi["p_value"]), bounded(v, 3))
            if i == 0
            else ("", "", "", "")
        )
        rows.append((group_label(instrument, crosstab.row, str(level), lang=lang), *cells, *statistics))
    yates = t.word("chi_square_yates") if counts.shape == (2, 2) else ""  # crosstab corrects every 2 × 2 table
    notes = [t.text("note_crosstab", n=count(crosstab.n, lang=lang), method=yates)]
    if fisher:
        notes.append(t.text("note_fisher", p=p_phrase(tests.loc["fisher_exact", "p_value"])))
    if hidden_any:
        notes.append(t.text("note_suppressed_groups", min_cell=min_cell, mark=mark))
    columns = [group_label(instrument, crosstab.column, str(c), lang=lang) for c in counts.columns]
    return Table(
        name=f"crosstab_{crosstab.row}_{crosstab.column}",
        title=t.text(
            "title_crosstab",
            row=variable_label(crosstab.row, labels),
            column=variable_label(crosstab.column, labels),
        ),
        columns=(variable_label(crosstab.row, labels), *columns, "χ²", "df", "p", "V"),
        rows=tuple(rows),
        data=pd.DataFrame.from_records(records).assign(
            chi_square=chi["statistic"], df=chi["df"], p_value=chi["p_value"], cramers_v=v
        ),
        lang=lang,
        spanners=(Spanner(""), Spanner(variable_label(crosstab.column, labels), len(columns)), Spanner("", 4)),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------------------------
# hierarchical regression


def term_label(
    regression: HierarchicalRegression,
    term: str,
    *,
    instrument: Instrument,
    lang: str,
    labels: Mapping[str, str] | None = None,
) -> str:
    """A coefficient's row label: the variable's label, and for a dummy its level (``父母一方外出`` of
    ``left_behind``) after a colon."""
    coding = regression.coding.set_index("column", drop=False) if len(regression.coding) else None
    if coding is not None and term in coding.index:
        variable, level = coding.loc[term, "variable"], coding.loc[term, "level"]
        colon = "：" if lang == "zh" else ": "
        return f"{variable_label(variable, labels)}{colon}{group_label(instrument, variable, level, lang=lang)}"
    return variable_label(term, labels)


def standard_error_text(regression: HierarchicalRegression, *, lang: str, labels: Mapping[str, str] | None) -> str:
    """How the t and F tests of a regression were computed (classical, HC3 or cluster-robust CR1), in ``lang``."""
    t = language(lang)
    df = degrees_of_freedom(regression.coefficients["df"].iloc[-1])
    if regression.cov_type == "cluster":
        return t.text("se_cluster", cluster=variable_label(regression.cluster, labels), g=regression.n_clusters, df=df)
    return t.text(f"se_{regression.cov_type.lower()}")


def regression_table(
    regression: HierarchicalRegression,
    *,
    instrument: Instrument,
    lang: str,
    labels: Mapping[str, str] | None = None,
) -> Table:
    """A hierarchical regression: one column block per model (β with stars, t), the predictors in order of entry
    (blank where not yet entered), the VIF of the full model, then R², adjusted R², ΔR², F and ΔF rows."""
    t = language(lang)
    coefficients = regression.coefficients[regression.coefficients["term"] != "(Intercept)"]
    steps = regression.steps.set_index("step")
    order = list(dict.fromkeys(coefficients["term"]))
    last = int(steps.index.max())
    by_step = coefficients.set_index(["step", "term"])
    rows = []
    for term in order:
        cells = []
        for step in steps.index:
            if (step, term) in by_step.index:
                c = by_step.loc[(step, term)]
                cells += [bounded(c["std_estimate"]) + stars(c["p_value"]), number(c["statistic"])]
            else:
                cells += ["", ""]
        vif = by_step.loc[(last, term), "vif"]
        rows.append(
            (term_label(regression, term, instrument=instrument, lang=lang, labels=labels), *cells, number(vif))
        )
    summary = (
        ("R²", lambda s: bounded(s["r_squared"], 3)),
        (t.word("adjusted_r_squared"), lambda s: bounded(s["adj_r_squared"], 3)),
        ("ΔR²", lambda s: bounded(s["r_squared_change"], 3) + stars(s["p_change"])),
        ("F", lambda s: number(s["f"]) + stars(s["f_p_value"])),
        ("ΔF", lambda s: number(s["f_change"]) + stars(s["p_change"])),
    )
    for label, cell in summary:
        values = [x for step in steps.index for x in (cell(steps.loc[step]), "")]
        rows.append((label, *values, ""))
    models = [t.text("model_number", k=step) for step in steps.index]
    notes = [
        t.text(
            "note_regression",
            outcome=variable_label(regression.outcome, labels),
            n=count(regression.n, lang=lang),
            dropped=count(regression.n_dropped, lang=lang),
            se=standard_error_text(regression, lang=lang, labels=labels),
            last=last,
        )
    ]
    references = regression.coding[regression.coding["reference"].astype(bool)] if len(regression.coding) else ()
    if len(references):
        colon = "：" if lang == "zh" else ": "
        shown = [
            f"{variable_label(r.variable, labels)}{colon}{group_label(instrument, r.variable, r.level, lang=lang)}"
            for r in references.itertuples()
        ]
        notes.append(t.text("note_reference_levels", levels=t.word("list_separator").join(shown)))
    data = regression.coefficients.merge(regression.steps, on="step", how="left", suffixes=("", "_model"))
    return Table(
        name=f"regression_{regression.outcome}",
        title=t.text("title_regression", outcome=variable_label(regression.outcome, labels)),
        columns=(t.word("predictor"), *(["β", "t"] * len(models)), "VIF"),
        rows=tuple(rows),
        data=data.assign(cov_type=regression.cov_type, nan_policy=regression.nan_policy),
        lang=lang,
        spanners=(Spanner(""), *(Spanner(m, 2) for m in models), Spanner("")),
        notes=tuple(notes),
        stars=True,
    )


def regression_tables(result: DatasetResult, *, lang: str, labels: Mapping[str, str] | None = None) -> list[Table]:
    """The table of each hierarchical regression of a dataset."""
    return [
        regression_table(r, instrument=result.dataset.instrument, lang=lang, labels=labels)
        for r in result.findings.regression
    ]
