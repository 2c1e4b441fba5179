"""A tiny hand-checkable log, and the bundled example's log and truth."""

import json

import pandas as pd
import pytest

from hsc_analysis.compliance import read_study_logs
from hsc_analysis.study import load_study

from ..conftest import EXAMPLE

TINY_RULES = """
id: tiny
title: {zh: 测试, en: Test}
document: test document
rules:
  - {id: HV, source: test, activity_type: home_visit, unit: student, period: school_year, min_count: 1,
     modes: [in_person, phone], organiser_roles: [head_teacher], min_enrolled_days: 60}
  - {id: HV_ATTN, source: test, activity_type: home_visit, unit: student, period: school_year, min_count: 2,
     modes: [in_person], population: [needs_attention]}
  - {id: PM, source: test, activity_type: parent_meeting, unit: class, period: semester, min_count: 2}
  - {id: FG, source: test, activity_type: family_guidance, unit: class, period: semester, min_count: 1}
  - {id: CG, source: test, activity_type: community_guidance, unit: community, period: calendar_year, min_count: 1}
  - {id: COMMITTEES, source: test, kind: structural, check: committee_levels, levels: [school, grade, class]}
  - {id: LEDGER, source: test, kind: structural, check: ledger_current}
"""


def tiny_tables() -> dict[str, pd.DataFrame]:
    """Two classes, three students, eleven event rows with four planted problems (see test_audit)."""

    def frame(columns, rows):
        return pd.DataFrame(rows, columns=columns.split())

    event_columns = "event_id activity_type date school_id community_id mode organiser_staff_id evidence entered_at"
    return {
        "school": frame("school_id community_ids", [("S1", "M1")]),
        "term": frame(
            "term_id school_year semester start_date end_date",
            [("T1", "2024-2025", 1, "2024-09-01", "2025-01-20"), ("T2", "2024-2025", 2, "2025-02-20", "2025-07-10")],
        ),
        "class": frame("class_id school_id grade", [("C1", "S1", 1), ("C2", "S1", 1)]),
        "student": frame(
            "student_id class_id enrol_start enrol_end left_behind needs_attention",
            [
                ("a1", "C1", "2024-09-01", "", "none", "False"),
                ("a2", "C1", "2025-06-01", "", "none", "False"),
                ("b1", "C2", "2024-09-01", "", "one", "True"),
            ],
        ),
        "staff": frame(
            "staff_id school_id role",
            [("H1", "S1", "head_teacher"), ("H2", "S1", "head_teacher"), ("X1", "S1", "subject")],
        ),
        "event": frame(
            event_columns,
            [
                ("E1", "home_visit", "2024-09-10", "S1", "", "in_person", "H1", "photo", "2024-09-11"),
                ("E2", "home_visit", "2024-10-01", "S1", "", "phone", "H2", "none", "2024-10-01"),
                ("E3", "home_visit", "2025-03-01", "S1", "", "in_person", "H2", "photo", "2025-03-01"),
                ("E4", "parent_meeting", "2024-10-15", "S1", "", "in_person", "H1", "sign_in", "2024-10-15"),
                ("E5", "parent_meeting", "2024-11-15", "S1", "", "in_person", "H1", "sign_in", "2024-11-15"),
                ("E6", "parent_meeting", "2025-03-10", "S1", "", "online", "H1", "minutes", "2025-03-10"),
                ("E7", "home_visit", "2024-08-20", "S1", "", "in_person", "H1", "photo", "2024-08-20"),
                ("E8", "picnic", "2024-10-20", "S1", "", "in_person", "H1", "photo", "2024-10-20"),
                ("E9", "family_guidance", "2025-02-01", "S1", "", "in_person", "H1", "photo", "2025-02-01"),
                ("E10", "parent_meeting", "2024-12-01", "S1", "", "in_person", "H1", "photo", "2024-12-01"),
                ("E1", "home_visit", "2024-09-12", "S1", "", "in_person", "H1", "photo", "2024-09-12"),
                ("E11", "home_visit", "2025-03-05", "S1", "", "in_person", "X1", "photo", "2025-03-05"),
                ("E12", "community_guidance", "2025-04-01", "S1", "M1", "in_person", "", "photo", "2025-04-01"),
            ],
        ),
        "event_class": frame(
            "event_id class_id",
            [
                ("E1", "C1"),
                ("E2", "C2"),
                ("E3", "C2"),
                ("E4", "C1"),
                ("E4", "C2"),
                ("E5", "C1"),
                ("E6", "C1"),
                ("E6", "C1"),
                ("E7", "C1"),
                ("E8", "C1"),
                ("E9", "C1"),
                ("E11", "C1"),
            ],
        ),
        "event_student": frame(
            "event_id student_id",
            [("E1", "a1"), ("E2", "b1"), ("E3", "b1"), ("E7", "a1"), ("E11", "a1")],
        ),
        "committee": frame(
            "committee_id school_id level grade class_id established",
            [
                ("K1", "S1", "school", "", "", "2020-09-01"),
                ("K2", "S1", "grade", 1, "", "2020-09-01"),
                ("K3", "S1", "class", 1, "C1", "2020-09-01"),
            ],
        ),
        "ledger_entry": frame("student_id category last_reviewed", [("b1", "left_behind", "2025-03-01")]),
    }


@pytest.fixture
def tiny():
    return tiny_tables()


@pytest.fixture(scope="session")
def example_study():
    return load_study(EXAMPLE / "study.yaml")


@pytest.fixture(scope="session")
def example_logs(example_study):
    return read_study_logs(example_study)


@pytest.fixture(scope="session")
def truth():
    return json.loads((EXAMPLE / "truth.json").read_text(encoding="utf-8"))
