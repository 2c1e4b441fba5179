"""Results text of the report's compliance section, in Chinese or English, from the audit results.

The wording lives in ``templates/<lang>.yaml`` (the ``# compliance`` blocks of ``words:`` and ``text:``); this module
picks the template that fits (a log with or without invalid events, flagged events that change a rule's compliance
or not, surveys linked to the log or not), formats the numbers and fills them in. It reads the results and never
counts events itself. Table numbers are passed in by the chapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hsc_analysis.render.compliance_tables import period_labels
from hsc_analysis.render.format import bounded, count, number, percent
from hsc_analysis.render.language import language

if TYPE_CHECKING:
    from hsc_analysis.compliance import StudyCompliance

__all__ = ["flags_text", "log_text", "rule_set_text", "targets_text", "triangulation_text"]


def _join(parts: Sequence[str], lang: str) -> str:
    return language(lang).word("list_separator").join(parts)


def _clauses(parts: Sequence[str], lang: str) -> str:
    """Clauses that hold commas of their own, joined by semicolons."""
    return ("；" if lang == "zh" else "; ").join(parts)


def _title(result: StudyCompliance, lang: str) -> str:
    title = result.rules.title.get(lang) or result.rules.id
    return f"《{title}》" if lang == "zh" else title


def log_text(results: Mapping[str, StudyCompliance], *, lang: str, tables: Sequence[str] = ()) -> str:
    """What the log holds (schools, classes, students, terms, events read, invalid and counted) and the rule sets
    it is audited against (``tables``: the numbers of their rule tables)."""
    t = language(lang)
    first = next(iter(results.values()))
    logs, steps = first.logs, first.audit.accounting.set_index("step")["n"]
    terms = logs.tables["term"].sort_values("start_date")
    n_invalid = int(steps["events invalid"])
    invalid = (
        t.text("compliance_invalid", n=count(n_invalid, lang=lang)) if n_invalid else t.text("compliance_invalid_none")
    )
    return t.text(
        "compliance_log",
        n_schools=count(len(logs.tables["school"]), lang=lang),
        n_classes=count(len(logs.tables["class"]), lang=lang),
        n_students=count(len(logs.tables["student"]), lang=lang),
        first=terms["start_date"].iloc[0].date().isoformat(),
        last=terms["end_date"].iloc[-1].date().isoformat(),
        n_terms=count(len(terms), lang=lang),
        n_events=count(steps["events read"], lang=lang),
        invalid=invalid,
        n_counted=count(steps["events counted"], lang=lang),
        rule_sets=_join([_title(r, lang) for r in results.values()], lang),
        rules_tables=t.text("compliance_rules_tables", tables=_join(tables, lang)) if tables else "",
    )


def rule_set_text(
    result: StudyCompliance,
    *,
    lang: str,
    table: str,
    table_classes: str | None = None,
    table_schools: str | None = None,
) -> str:
    """The rules met least and most often in the last school year, the rule whose compliance changes most without
    the flagged events, the classes meeting every rule, and the schools' structural rules."""
    t = language(lang)
    year, labels = result.school_year, {r.id: r.label.get(lang) or r.id for r in result.rules.rules}
    periods = period_labels(result.audit, lang=lang)
    full = result.audit.by_period()
    clean = result.audit_unflagged.by_period().set_index(["rule_id", "period"])
    parts = []
    current = full[full["school_year"] == year]
    if len(current):
        ordered = current.sort_values(["share_met", "coverage"], kind="stable")
        worst, best = ordered.iloc[0], ordered.iloc[-1]
        clean_now = clean.reindex(list(zip(current["rule_id"], current["period"], strict=True)))
        change = np.abs(clean_now["coverage"].to_numpy(float) - current["coverage"].to_numpy(float))
        if np.nanmax(change, initial=0) > 0:
            i = int(np.nanargmax(change))
            row, after = current.iloc[i], clean_now.iloc[i]
            unflagged = t.text(
                "compliance_unflagged_change",
                rule=labels[row["rule_id"]],
                period=periods[row["period"]],
                share=percent(row["share_met"]),
                share_clean=percent(after["share_met"]),
                coverage=percent(row["coverage"]),
                coverage_clean=percent(after["coverage"]),
            )
        else:
            unflagged = t.text("compliance_unflagged_same")
        parts.append(
            t.text(
                "compliance_rule_set",
                rule_set=_title(result, lang),
                table=table,
                year=year.replace("-", "–"),
                worst=labels[worst["rule_id"]],
                worst_period=periods[worst["period"]],
                worst_share=percent(worst["share_met"]),
                worst_coverage=percent(worst["coverage"]),
                best=labels[best["rule_id"]],
                best_period=periods[best["period"]],
                best_share=percent(best["share_met"]),
                unflagged=unflagged,
            )
        )
    cci = result.audit.cci[result.audit.cci["school_year"] == year]
    if table_classes and len(cci):
        parts.append(
            t.text(
                "compliance_classes",
                table=table_classes,
                n_all_met=count(int((cci["cci_strict"] == 1).sum()), lang=lang),
                n_classes=count(len(cci), lang=lang),
                cci_min=bounded(cci["cci_strict"].min()),
                cci_max=bounded(cci["cci_strict"].max()),
            )
        )
    structural = result.audit.schools[result.audit.schools["kind"] == "structural"]
    if table_schools and len(structural):
        rules = []
        for rule_id, block in structural.groupby("rule_id", sort=False):
            known = block[block["status"] != "no data"]
            if not len(known):
                rules.append(t.text("compliance_school_rule_no_data", rule=labels[rule_id]))
                continue
            rules.append(
                t.text(
                    "compliance_school_rule",
                    rule=labels[rule_id],
                    n_met=count(int((known["status"] == "met").sum()), lang=lang),
                    n=count(len(known), lang=lang),
                )
            )
        parts.append(t.text("compliance_schools", table=table_schools, rules=_join(rules, lang)))
    return ("" if lang == "zh" else " ").join(parts)


def targets_text(result: StudyCompliance, *, lang: str, table: str) -> str:
    """The county targets: per target rule the counties counted by its date against the target share, met or the
    counties still needed; when a rule's date lies after the table's latest date, that its share is progress so far.
    """
    t = language(lang)
    targets = result.audit.targets
    labels = {r.id: r.label.get(lang) or r.id for r in result.rules.rules}
    items = [
        t.text(
            "compliance_target_met" if row.met is True else "compliance_target_not_met",
            rule=labels[row.rule_id],
            by=str(row.period),
            count=count(row.count, lang=lang),
            share=percent(row.share),
            target=percent(row.target_share, 0),
            shortfall=count(row.shortfall, lang=lang),
        )
        for row in targets.itertuples()
    ]
    latest = targets["latest_date"].max()
    text = t.text(
        "compliance_targets",
        table=table,
        n=count(targets["n_units"].iloc[0], lang=lang),
        items=_clauses(items, lang),
    )
    space = "" if lang == "zh" else " "
    if pd.isna(latest):
        return text + space + t.text("compliance_targets_none_dated")
    ahead = [str(p) for p, by in zip(targets["period"], pd.to_datetime(targets["period"]), strict=True) if by > latest]
    if ahead:
        progress = t.text("compliance_targets_progress", latest=latest.date().isoformat(), deadlines=_join(ahead, lang))
        text += space + progress
    return text


def flags_text(result: StudyCompliance, *, lang: str, table: str) -> str:
    """Events with a paper-compliance flag, home visits among them, the most frequent flag and the flags not seen."""
    t = language(lang)
    frame = result.flags.to_frame().set_index("flag")
    reasons = frame.drop(index="any")
    top = reasons["n_flagged"].idxmax()
    left, right = ("“", "”") if lang == "zh" else ('"', '"')
    unseen = [left + t.word(f"flag_{name}") + right for name in reasons.index[reasons["n_flagged"] == 0]]
    none = t.text("compliance_flags_none", flags=_join(unseen, lang)) + (" " if lang == "en" else "") if unseen else ""
    return t.text(
        "compliance_flags",
        n_flagged=count(frame.loc["any", "n_flagged"], lang=lang),
        share=percent(frame.loc["any", "share_flagged"]),
        table=table,
        n_visits=count(frame.loc["any", "n_home_visits_flagged"], lang=lang),
        top=t.word(f"flag_{top}"),
        top_n=count(reasons.loc[top, "n_flagged"], lang=lang),
        none=none,
    )


def triangulation_text(
    result: StudyCompliance, *, lang: str, table_parents: str | None = None, table_teachers: str | None = None
) -> str:
    """Parents' factual answers against the log (agreement and κ per item) and teachers' self-reported visits
    against logged ones; where a questionnaire lacks the identifier linking it to the log, says so."""
    t = language(lang)
    parts = []
    if result.parents is not None and len(result.parents) and table_parents:
        items = [
            t.text(
                "compliance_parent_item",
                item=t.word(f"fx_{row.item.removeprefix('fx_')}"),
                agreement=percent(row.agreement),
                kappa=bounded(row.kappa),
                low=bounded(row.ci_low),
                high=bounded(row.ci_high),
                n=count(row.n, lang=lang),
            )
            for row in result.parents.itertuples()
        ]
        parts.append(t.text("compliance_parents", table=table_parents, items=_clauses(items, lang)))
    elif "parents" in result.unlinked:
        parts.append(t.text("compliance_parents_unlinked", identifier=result.unlinked["parents"]))
    if result.teachers is not None and table_teachers:
        v = result.teachers
        parts.append(
            t.text(
                "compliance_teachers",
                year=result.school_year.replace("-", "–"),
                reported=count(v.reported, lang=lang),
                logged=count(v.logged, lang=lang),
                ratio=number(v.inflation_ratio),
                n=count(v.n, lang=lang),
                table=table_teachers,
                share=percent(v.share_over_reporting),
            )
        )
    elif "teachers" in result.unlinked:
        parts.append(t.text("compliance_teachers_unlinked", identifier=result.unlinked["teachers"]))
    return ("" if lang == "zh" else " ").join(parts)
