"""All compliance results of a study in one call: its logs audited against a rule set, with and without the events
flagged as paper compliance, the flags, and the survey–log triangulation its datasets allow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from hsc_analysis.compliance.audit import ComplianceAudit, audit
from hsc_analysis.compliance.flags import PaperFlags, paper_compliance_flags
from hsc_analysis.compliance.rules import BUNDLED_RULE_SETS, RuleSet, load_rules
from hsc_analysis.compliance.schema import ActivityLogs, read_logs
from hsc_analysis.compliance.triangulate import (
    VisitInflation,
    class_compliance_predictor,
    parent_log_agreement,
    teacher_visit_inflation,
)
from hsc_analysis.errors import InputError
from hsc_analysis.study import Study

if TYPE_CHECKING:
    from hsc_analysis.responses import SurveyResponses

__all__ = ["StudyCompliance", "read_study_logs", "study_compliance", "study_compliances", "study_rule_sets"]

STUDENT_LINK = "student_code"
"""Identifier a parent instrument needs for child-level triangulation (the school's pseudonymous student id)."""
STAFF_LINK = "staff_code"
"""Identifier a teacher instrument needs for the self-report check."""


@dataclass(frozen=True)
class StudyCompliance:
    """Everything the compliance section of a report shows.

    ``audit`` counts every valid event; ``audit_unflagged`` leaves out the events with a paper-compliance flag;
    ``predictor`` is the class compliance index of the log's last school year (strict and graded, with z-scores) for
    the multilevel model; ``parents`` and ``teachers`` are the triangulations the datasets allow (None otherwise,
    with the reason in ``notes``); ``unlinked`` names, per side (``parents``, ``teachers``), the identifier a
    dataset lacked to be linked to the log. A rule set of county targets only (``rules.school_rules`` false,
    e.g. ``jiaolianti_2024``) judges no class or school: its ``predictor`` is None, it is not triangulated, and its
    results are ``audit.targets``.
    """

    logs: ActivityLogs
    rules: RuleSet
    audit: ComplianceAudit
    audit_unflagged: ComplianceAudit
    flags: PaperFlags
    predictor: pd.DataFrame | None
    school_year: str
    parents: pd.DataFrame | None = None
    teachers: VisitInflation | None = None
    notes: tuple[str, ...] = field(default=())
    unlinked: dict[str, str] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The audit's long table (:meth:`ComplianceAudit.to_frame`) counted with all events and without the flagged
        ones, told apart by ``events`` ("all", "unflagged")."""
        return pd.concat(
            [self.audit.to_frame().assign(events="all"), self.audit_unflagged.to_frame().assign(events="unflagged")],
            ignore_index=True,
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """Name → table, for writing (CSV) or rendering; for a rule set of county targets only the log's tables, the
        rules and the targets."""
        if not self.rules.school_rules:
            return {"log_tables": self.logs.to_frame(), "rules": self.rules.to_frame(), "targets": self.audit.targets}
        out = {
            "log_tables": self.logs.to_frame(),
            "invalid_events": self.logs.invalid,
            "rules": self.rules.to_frame(),
            "accounting": self.audit.accounting,
            "share_met": self.audit.share_met().reset_index(),
            "share_met_unflagged": self.audit_unflagged.share_met().reset_index(),
            "rate_matrix": self.audit.rate_matrix().reset_index(),
            "classes": self.audit.classes,
            "classes_unflagged": self.audit_unflagged.classes,
            "schools": self.audit.schools,
            "schools_unflagged": self.audit_unflagged.schools,
            "communities": self.audit.communities,
            "students": self.audit.students,
            "class_compliance_index": self.audit.cci,
            "class_compliance_index_unflagged": self.audit_unflagged.cci,
            "paper_flags": self.flags.to_frame(),
            "flagged_events": self.flags.events[self.flags.events["n_flags"] > 0],
        }
        if len(self.audit.targets):
            out["targets"] = self.audit.targets
        if self.parents is not None:
            out["parent_agreement"] = self.parents
        if self.teachers is not None:
            out["teacher_visit_inflation"] = self.teachers.to_frame()
        return out


def read_study_logs(study: Study) -> ActivityLogs:
    """Read and validate the activity logs declared under ``logs:`` in study.yaml."""
    if not study.logs:
        raise InputError(f"{study.path}: logs: the study declares no activity logs")
    return read_logs(study.logs)


def study_rule_sets(study: Study, logs: ActivityLogs) -> tuple[RuleSet, ...]:
    """The rule sets a study is audited against in its report: those named under ``compliance_rules:`` in
    study.yaml, else every bundled rule set whose rules this log can answer (a county-target rule set needs the
    county table it names)."""
    if study.compliance_rules:
        return tuple(load_rules(name) for name in study.compliance_rules)
    chosen = []
    for name in BUNDLED_RULE_SETS:
        rules = load_rules(name)
        targets = rules.of_kind("target")
        if targets and any(r.table not in logs.tables for r in targets):
            continue
        if len(targets) < len(rules.rules) and "term" not in logs.tables:
            continue
        chosen.append(rules)
    return tuple(chosen)


def study_compliances(
    study: Study, *, responses: Mapping[str, SurveyResponses] | None = None
) -> dict[str, StudyCompliance]:
    """Rule-set id → :func:`study_compliance` for every rule set of :func:`study_rule_sets`, reading and flagging
    the logs once (the report's compliance section; :func:`hsc_analysis.study.run_study` calls it).

    ``responses`` (dataset name → imported answers, as the study chain holds them) saves reading the survey
    files again for the triangulation."""
    logs = read_study_logs(study)
    flags = paper_compliance_flags(logs)
    return {
        rules.id: study_compliance(study, rules=rules, logs=logs, flags=flags, responses=responses)
        for rules in study_rule_sets(study, logs)
    }


def study_compliance(
    study: Study,
    *,
    rules: RuleSet,
    logs: ActivityLogs | None = None,
    flags: PaperFlags | None = None,
    responses: Mapping[str, SurveyResponses] | None = None,
) -> StudyCompliance:
    """Audit a study's logs against ``rules`` (all events, and without paper-flagged ones), flag paper compliance
    and triangulate with the surveys where the instruments carry the link (``staff_code`` for teachers'
    ``tx_home_visits``; ``student_code`` for parents' ``fx_*`` answers).

    The reference period of the survey questions is the log's last school year and its last term, up to the last
    submission date of each dataset. ``logs``, ``flags`` and ``responses`` (dataset name → imported answers) are
    read or computed when not given.

    Examples
    --------
    >>> from hsc_analysis.compliance import load_rules
    >>> from hsc_analysis.study import load_study
    >>> result = study_compliance(load_study("data/example/study.yaml"), rules=load_rules("neimenggu"))
    >>> sorted(result.tables())[:3]
    ['accounting', 'class_compliance_index', 'class_compliance_index_unflagged']
    """
    logs = logs if logs is not None else read_study_logs(study)
    flags = flags if flags is not None else paper_compliance_flags(logs)
    full = audit(logs, rules=rules)
    unflagged = audit(logs, rules=rules, exclude=flags.flagged_ids, excluded="flagged as paper compliance")
    school_year = term_id = ""  # a county table alone has no terms
    if "term" in logs.tables:
        terms = logs.tables["term"].sort_values("start_date")
        school_year, term_id = terms["school_year"].iloc[-1], terms["term_id"].iloc[-1]
    parents, teachers, notes, unlinked = None, None, [], {}
    for dataset in study.datasets if rules.school_rules else ():  # county targets say nothing of a child or teacher
        identifiers = {q.id for q in dataset.instrument.identifiers}
        questions = {q.id for q in dataset.instrument.background}
        wants_parent = questions & {"fx_home_visit", "fx_parent_meetings", "fx_guidance_sessions"}
        wants_teacher = "tx_home_visits" in questions
        if not (wants_parent or wants_teacher):
            continue
        link = STUDENT_LINK if wants_parent else STAFF_LINK
        answers, as_of = (
            (None, None) if link not in identifiers else _answers(dataset, (responses or {}).get(dataset.name))
        )
        if answers is None or link not in answers.columns or answers[link].isna().all():
            where = "the instrument has no" if answers is None else "the file has no answers to the"
            notes.append(f"{dataset.name}: answers not linked to the log ({where} '{link}' identifier)")
            unlinked["parents" if wants_parent else "teachers"] = link
            continue
        if wants_parent:
            parents = parent_log_agreement(
                answers, logs, school_year=school_year, term_id=term_id, as_of=as_of, student=link
            )
        else:
            teachers = teacher_visit_inflation(answers, logs, school_year=school_year, staff=link)
    return StudyCompliance(
        logs=logs,
        rules=rules,
        audit=full,
        audit_unflagged=unflagged,
        flags=flags,
        predictor=class_compliance_predictor(full, school_year=school_year) if rules.school_rules else None,
        school_year=school_year,
        parents=parents,
        teachers=teachers,
        notes=tuple(notes),
        unlinked=unlinked,
    )


def _answers(dataset, responses: SurveyResponses | None) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    if responses is None:
        from hsc_analysis.io import read_responses

        responses = read_responses(
            dataset.file, dataset.instrument, source=dataset.source, mapping=dataset.mapping, on_invalid="mark"
        )
    submitted = pd.to_datetime(responses.metadata["submitted_at"], errors="coerce")
    return responses.background, (submitted.max().normalize() if submitted.notna().any() else None)
