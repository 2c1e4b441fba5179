"""Table builders of the report's compliance section: a study's activity-log audit as 三线表.

Each builder takes one :class:`~hsc_analysis.compliance.StudyCompliance` (the audit of the study's logs against one
rule set, with and without the events flagged as paper compliance) and the language, reads the numbers the audit
computed and formats them (:mod:`hsc_analysis.render.format`); it never counts anything itself. Cells that show
students of a class (home-visit coverage: eligible students and those visited) are suppressed when fewer than
``min_cell`` students stand behind them. A builder returns None when its table has nothing to show (no parent
answers linked to the log); the reason is then in the results text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hsc_analysis.render.format import EMPTY, bounded, count, number, percent
from hsc_analysis.render.language import language
from hsc_analysis.render.table import Spanner, Table

if TYPE_CHECKING:
    from hsc_analysis.compliance import ComplianceAudit, StudyCompliance

__all__ = [
    "compliance_class_table",
    "compliance_flags_table",
    "compliance_parent_table",
    "compliance_rules_table",
    "compliance_school_table",
    "compliance_summary_table",
    "compliance_targets_table",
    "compliance_teacher_table",
    "period_labels",
    "suppress_student_cells",
]

MET_MARK = "✓"
"""Appended to a class cell whose count meets the rule's minimum."""


def period_labels(result: ComplianceAudit, *, lang: str, short: bool = False) -> dict[str, str]:
    """Period id → label: ``2024–2025学年第1学期`` / ``2024–2025, semester 1``; a school year ``2024–2025学年`` /
    ``2024–2025``; with ``short`` only ``第1学期`` / ``Sem. 1`` and ``全学年`` / ``Year``."""
    t = language(lang)
    periods = result.periods
    labels = {}
    semester = periods[periods["kind"] == "term"].groupby("school_year", sort=False).cumcount() + 1
    for row in periods.itertuples():
        year = str(row.school_year).replace("-", "–")
        if row.kind == "term":
            n = int(semester[row.Index])
            labels[row.period] = t.word("semester_short" if short else "semester_of_year").format(year=year, n=n)
        else:
            labels[row.period] = t.word("school_year_short" if short else "school_year").format(year=year)
    return labels


def suppress_student_cells(classes: pd.DataFrame, *, min_cell: int) -> pd.DataFrame:
    """Class rows of :attr:`~hsc_analysis.compliance.ComplianceAudit.classes` with ``count, required, rate, met,
    shortfall`` blanked where a student rule has fewer than ``min_cell`` (but more than zero) eligible students,
    and a ``suppressed`` column saying which.

    Examples
    --------
    >>> rows = pd.DataFrame({"rule_unit": ["student", "class"], "count": [2, 1], "required": [3, 2],
    ...                      "rate": [0.67, 0.5], "met": [False, False], "shortfall": [1, 1]})
    >>> suppress_student_cells(rows, min_cell=5)["suppressed"].tolist()
    [True, False]
    """
    hidden = (classes["rule_unit"] == "student") & (classes["required"] > 0) & (classes["required"] < min_cell)
    columns = ["count", "required", "rate", "met", "shortfall"]
    out = classes.astype({c: object for c in columns})
    out.loc[hidden, columns] = None
    return out.assign(suppressed=hidden.to_numpy())


def _words(t, *keys: str) -> tuple[str, ...]:
    return tuple(t.word(key) for key in keys)


def _title(t, key: str, result: StudyCompliance, lang: str, **values) -> str:
    return t.word(key).format(rule_set=result.rules.title.get(lang, result.rules.id), **values)


def _rule_labels(result: StudyCompliance, lang: str) -> dict[str, str]:
    return {rule.id: rule.label.get(lang) or rule.id for rule in result.rules.rules}


def compliance_rules_table(result: StudyCompliance, *, lang: str) -> Table:
    """The rules audited: what is counted, for whom, per which period, and the minimum."""
    t = language(lang)
    rows = []
    for rule in result.rules.rules:
        if rule.kind == "count":
            unit, period = t.word(f"unit_{rule.unit}"), t.word(f"period_{rule.period}")
            minimum = str(rule.min_count)
            counted = language(lang).word("list_separator").join(t.word(f"mode_{m}") for m in rule.modes)
        elif rule.kind == "structural":
            unit, period, minimum, counted = t.word("unit_school"), t.word("period_last_term"), EMPTY, EMPTY
        else:
            unit, period = t.word("unit_county"), str(rule.by)
            minimum, counted = f"{percent(rule.target_share, 0)}%", EMPTY
        rows.append((rule.label.get(lang) or rule.id, counted, unit, period, minimum))
    return Table(
        name=f"rules_{result.rules.id}",
        title=_title(t, "title_compliance_rules", result, lang),
        columns=_words(t, "rule", "rule_modes", "rule_unit", "rule_period", "rule_minimum"),
        rows=tuple(rows),
        data=result.rules.to_frame(),
        lang=lang,
        notes=(t.text("note_compliance_rules", document=result.rules.document),),
        stub=2,
    )


def compliance_targets_table(result: StudyCompliance, *, lang: str) -> Table | None:
    """Per target rule over the county table: the counties with the dated step (an education alliance) on or before
    the rule's date, their share against the target share, met or not, and the counties still needed; the number of
    counties is in the note."""
    targets = result.audit.targets
    if not len(targets):
        return None
    t = language(lang)
    labels, table = _rule_labels(result, lang), result.rules.of_kind("target")[0].table
    rows = [
        (
            labels[row.rule_id],
            str(row.period),
            count(row.count, lang=lang),
            percent(row.share),
            percent(row.target_share, 0),
            t.word("status_met" if row.met is True else "status_not_met" if row.met is False else "status_no_data"),
            count(row.shortfall, lang=lang),
        )
        for row in targets.itertuples()
    ]
    return Table(
        name=f"targets_{result.rules.id}",
        title=_title(t, "title_compliance_targets", result, lang),
        columns=_words(
            t,
            "rule",
            "target_by",
            "n_counties_by",
            "share_counties",
            "target_share",
            "result",
            "shortfall_counties",
        ),
        rows=tuple(rows),
        data=targets,
        lang=lang,
        notes=(t.text("note_compliance_targets", n=count(targets["n_units"].iloc[0], lang=lang), table=table),),
    )


def compliance_summary_table(result: StudyCompliance, *, lang: str) -> Table | None:
    """Per count rule and period: classes audited, classes meeting the rule, the share meeting it and the coverage,
    counted with every valid event and without the events flagged as paper compliance."""
    t = language(lang)
    full, clean = result.audit.by_period(), result.audit_unflagged.by_period()
    if not len(full):
        return None
    keys = ["rule_id", "period"]
    data = full.merge(clean[[*keys, "n_met", "share_met", "coverage"]], on=keys, suffixes=("", "_unflagged"))
    labels, periods = _rule_labels(result, lang), period_labels(result.audit, lang=lang)
    rows, previous = [], None
    for row in data.itertuples():
        rows.append(
            (
                labels[row.rule_id] if row.rule_id != previous else "",
                periods.get(row.period, str(row.period)),
                count(row.n_classes, lang=lang),
                count(row.n_met, lang=lang),
                percent(row.share_met),
                percent(row.coverage),
                percent(row.share_met_unflagged),
                percent(row.coverage_unflagged),
            )
        )
        previous = row.rule_id
    return Table(
        name=f"summary_{result.rules.id}",
        title=_title(t, "title_compliance_summary", result, lang),
        columns=_words(
            t, "rule", "rule_period", "n_classes", "n_classes_met", "share_met", "coverage", "share_met", "coverage"
        ),
        rows=tuple(rows),
        data=data,
        lang=lang,
        spanners=(Spanner("", 4), Spanner(t.word("all_events"), 2), Spanner(t.word("without_flagged"), 2)),
        notes=(t.text("note_compliance_summary", n_flagged=count(len(result.flags.flagged_ids), lang=lang)),),
        stub=2,
    )


def compliance_class_table(result: StudyCompliance, *, lang: str, min_cell: int) -> Table | None:
    """Classes × count rules of the last school year: count against the minimum (✓ when met) and the class
    compliance index (strict and graded). For student rules a cell is students who met the rule / eligible
    students, suppressed when fewer than ``min_cell`` students are eligible."""
    t = language(lang)
    audit, year = result.audit, result.school_year
    classes = audit.classes[audit.classes["school_year"] == year]
    if not len(classes):
        return None
    order = [r.id for r in result.rules.of_kind("count") if r.id in set(classes["rule_id"])]
    periods = [
        (rule, period) for rule in order for period in pd.unique(classes.loc[classes["rule_id"] == rule, "period"])
    ]
    data = suppress_student_cells(classes, min_cell=min_cell)
    cells = data.set_index(["class_id", "rule_id", "period"])
    cci = audit.cci[audit.cci["school_year"] == year].set_index("class_id")
    mark = t.text("suppressed_cell", min_cell=min_cell)
    rows = []
    for class_id in pd.unique(classes["class_id"]):
        row = [str(class_id)]
        for rule, period in periods:
            key = (class_id, rule, period)
            if key not in cells.index:
                row.append(EMPTY)
            elif cells.loc[key, "suppressed"]:
                row.append(mark)
            else:
                cell = cells.loc[key]
                shown = f"{count(cell['count'], lang=lang)}/{count(cell['required'], lang=lang)}"
                row.append(shown + (f" {MET_MARK}" if cell["met"] else ""))
        index = cci.loc[class_id] if class_id in cci.index else None
        row += [
            bounded(np.nan if index is None else index["cci_strict"]),
            bounded(np.nan if index is None else index["cci_graded"]),
        ]
        rows.append(tuple(row))
    labels, short = _rule_labels(result, lang), period_labels(audit, lang=lang, short=True)
    spanners = [Spanner("", 1)]
    for rule in order:
        spanners.append(Spanner(labels[rule], sum(1 for r, _ in periods if r == rule)))
    spanners.append(Spanner(t.word("cci"), 2))
    return Table(
        name=f"classes_{result.rules.id}",
        title=_title(t, "title_compliance_classes", result, lang, year=year.replace("-", "–")),
        columns=(
            t.word("class"),
            *(short.get(p, str(p)) for _, p in periods),
            t.word("cci_strict"),
            t.word("cci_graded"),
        ),
        rows=tuple(rows),
        data=data,
        lang=lang,
        spanners=tuple(spanners),
        notes=(t.text("note_compliance_classes", mark=MET_MARK, min_cell=min_cell),),
    )


def compliance_school_table(result: StudyCompliance, *, lang: str, min_cell: int) -> Table | None:
    """Per school: the share of its classes meeting each count rule in the last school year, and the structural
    rules (committees, parent school, ledger of children in difficulty) at the log's last term. A ledger count of
    fewer than ``min_cell`` students is suppressed."""
    t = language(lang)
    schools = result.audit.schools
    if not len(schools):
        return None
    year_periods = set(result.audit.periods.loc[result.audit.periods["school_year"] == result.school_year, "period"])
    counted = schools[(schools["kind"] == "count") & schools["period"].isin(year_periods)]
    structural = schools[schools["kind"] == "structural"]
    labels, periods = _rule_labels(result, lang), period_labels(result.audit, lang=lang)
    mark = t.text("suppressed_cell", min_cell=min_cell)
    rows, records = [], []
    for school_id in pd.unique(schools["school_id"]):
        first = True
        for row in counted[counted["school_id"] == school_id].itertuples():
            rows.append(
                (
                    str(school_id) if first else "",
                    labels[row.rule_id],
                    periods.get(row.period, str(row.period)),
                    count(row.n_units, lang=lang),
                    count(row.n_met, lang=lang),
                    t.word("share_of_classes").format(share=percent(row.share_met)),
                )
            )
            records.append(row._asdict() | {"suppressed": False})
            first = False
        for row in structural[structural["school_id"] == school_id].itertuples():
            students = row.rule_id in {r.id for r in result.rules.rules if r.check == "ledger_current"}
            hidden = students and pd.notna(row.required) and 0 < row.required < min_cell
            shown = (mark, mark) if hidden else (_whole(row.required, lang), _whole(row.present, lang))
            rows.append(
                (
                    str(school_id) if first else "",
                    labels[row.rule_id],
                    periods.get(row.period, str(row.period)),
                    *shown,
                    t.word(f"status_{str(row.status).replace(' ', '_')}"),
                )
            )
            records.append(row._asdict() | {"suppressed": bool(hidden)})
            first = False
    data = pd.DataFrame.from_records(records).drop(columns="Index")
    return Table(
        name=f"schools_{result.rules.id}",
        title=_title(t, "title_compliance_schools", result, lang),
        columns=_words(t, "school", "rule", "rule_period", "required", "present", "result"),
        rows=tuple(rows),
        data=data,
        lang=lang,
        notes=(t.text("note_compliance_schools", min_cell=min_cell),),
        stub=3,
    )


def _whole(value, lang: str) -> str:
    return EMPTY if pd.isna(value) else count(value, lang=lang)


def compliance_flags_table(result: StudyCompliance, *, lang: str) -> Table:
    """Paper-compliance flags by reason: events flagged, their share of the valid events, home visits flagged."""
    t = language(lang)
    frame = result.flags.to_frame()
    rows = [
        (
            t.word(f"flag_{row.flag}"),
            count(row.n_flagged, lang=lang),
            percent(row.share_flagged),
            count(row.n_home_visits_flagged, lang=lang),
        )
        for row in frame.itertuples()
    ]
    settings = {k: number(v, 0) if float(v).is_integer() else percent(v, 0) for k, v in result.flags.settings.items()}
    return Table(
        name="paper_flags",
        title=t.word("title_compliance_flags"),
        columns=(t.word("flag"), t.word("n_flagged"), t.word("share_flagged"), t.word("n_home_visits_flagged")),
        rows=tuple(rows),
        data=frame,
        lang=lang,
        notes=(t.text("note_compliance_flags", n=count(frame["n_events"].iloc[0], lang=lang), **settings),),
    )


def compliance_parent_table(result: StudyCompliance, *, lang: str) -> Table | None:
    """Parents' factual answers against the log for the same child: pairs compared, agreement, Cohen's κ with its
    confidence interval, and the mean reported and logged."""
    if result.parents is None or not len(result.parents):
        return None
    t = language(lang)
    frame = result.parents
    rows = [
        (
            t.word(f"fx_{row.item.removeprefix('fx_')}"),
            count(row.n, lang=lang),
            percent(row.agreement),
            bounded(row.kappa, 2),
            f"[{bounded(row.ci_low, 2)}, {bounded(row.ci_high, 2)}]",
            number(row.report_mean, 2),
            number(row.log_mean, 2),
        )
        for row in frame.itertuples()
    ]
    level = percent(frame["confidence"].iloc[0], 0)
    return Table(
        name="parent_log_agreement",
        title=t.word("title_compliance_parents"),
        columns=(
            t.word("item"),
            "n",
            t.word("agreement"),
            "κ",
            t.word("kappa_ci").format(level=level),
            t.word("report_mean"),
            t.word("log_mean"),
        ),
        rows=tuple(rows),
        data=frame,
        lang=lang,
        notes=(t.text("note_compliance_parents"),),
    )


def compliance_teacher_table(result: StudyCompliance, *, lang: str) -> Table | None:
    """Teachers' self-reported home visits this school year against those logged with them as organiser."""
    if result.teachers is None:
        return None
    t = language(lang)
    v = result.teachers
    rows = (
        (
            count(v.n, lang=lang),
            count(v.reported, lang=lang),
            count(v.logged, lang=lang),
            number(v.inflation_ratio, 2),
            number(v.median_ratio, 2),
            percent(v.share_over_reporting),
        ),
    )
    return Table(
        name="teacher_visit_inflation",
        title=t.word("title_compliance_teachers"),
        columns=_words(
            t,
            "n_teachers",
            "reported_visits",
            "logged_visits",
            "inflation_ratio",
            "median_ratio",
            "share_over_reporting",
        ),
        rows=rows,
        data=v.to_frame(),
        lang=lang,
        notes=(t.text("note_compliance_teachers", year=result.school_year.replace("-", "–")),),
        stub=0,
    )
