"""Reading and validating activity logs: flagged rows with reasons, clear errors, nothing dropped."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.compliance import read_logs, validate_logs
from hsc_analysis.errors import DataError

from ..conftest import EXAMPLE
from .conftest import tiny_tables


def test_example_reads_clean(example_logs):
    assert example_logs.n_events_read == 3427
    assert example_logs.n_events_invalid == 0
    assert example_logs.n_events_read == example_logs.n_events_valid + example_logs.n_events_invalid
    assert set(example_logs.to_frame()["table"]) >= {"event", "event_class", "event_student", "ledger_entry"}


def test_planted_problems_are_flagged_with_their_reason(tiny):
    logs = validate_logs(tiny)
    reasons = logs.invalid[logs.invalid["table"] == "event"].set_index("event_id")["reason"].to_dict()
    assert reasons == {"E8": "unknown_activity_type", "E1": "duplicate_id", "E7": "outside_terms", "E10": "no_class"}
    # the first E1 counts, the repeated row does not; rows are never dropped
    assert logs.events["event_id"].tolist().count("E1") == 2
    assert logs.n_events_read == 13 and logs.n_events_invalid == 4 and logs.n_events_valid == 9


def test_holiday_dates_count_for_the_next_term_or_the_declared_one(tiny):
    logs = validate_logs(tiny)
    assert logs.events.set_index("event_id").loc["E9", "term_id"] == "T2"  # winter holiday → spring term
    tiny["event"]["counts_for_term_id"] = np.where(tiny["event"]["event_id"] == "E9", "T1", "")
    assert validate_logs(tiny).events.set_index("event_id").loc["E9", "term_id"] == "T1"


def test_visit_to_a_student_not_enrolled_then_is_invalid(tiny):
    # a2 enrolled on 2025-06-01: a visit 40 days before is outside the 30-day pre-enrolment grace
    tiny["event"].loc[len(tiny["event"])] = ["E20", "home_visit", "2025-04-22", "S1", "", "in_person", "H1", "photo",
                                             "2025-04-22"]  # fmt: skip
    tiny["event_class"].loc[len(tiny["event_class"])] = ["E20", "C1"]
    tiny["event_student"].loc[len(tiny["event_student"])] = ["E20", "a2"]
    tiny["event_student"].loc[len(tiny["event_student"])] = ["E3", "zz"]
    logs = validate_logs(tiny)
    invalid = logs.invalid.set_index(["table", "event_id"])["reason"]
    assert invalid[("event", "E20")] == "student_not_enrolled"
    assert invalid[("event_student", "E20")] == "student_not_enrolled"
    assert invalid[("event_student", "E3")] == "unknown_student"
    assert validate_logs(tiny, pre_enrolment_days=60).invalid["event_id"].eq("E20").sum() == 0


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "message"),
    [
        ("term", 0, "semester", 3, "table term row 0 column semester: got '3'; allowed: 1, 2"),
        ("student", 1, "enrol_start", "soon", "table student row 1 column enrol_start: got 'soon'; allowed: a date"),
        ("student", 0, "class_id", "C9", "table student row 0 column class_id: 'C9' is not in table class"),
        ("class", 1, "class_id", "C1", "table class row 1 column class_id: 'C1' repeats"),
        ("student", 0, "needs_attention", "maybe", "row 0 column needs_attention: got 'maybe'; allowed: True or False"),
        ("student", 0, "left_behind", "some", "column left_behind: got 'some'; allowed: none, one, both"),
    ],
)
def test_unusable_reference_table_names_table_row_column_and_value(tiny, table, row, column, value, message):
    tiny[table].loc[row, column] = value
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        validate_logs(tiny)


def test_missing_columns_and_tables_are_all_listed(tiny):
    with pytest.raises(DataError, match=r"table event lacks required column\(s\) date, mode"):
        validate_logs({**tiny, "event": tiny["event"].drop(columns=["date", "mode"])})
    with pytest.raises(DataError, match=r"missing required table\(s\) event_class, event_student"):
        validate_logs({k: v for k, v in tiny.items() if k not in ("event_class", "event_student")})


def test_reads_csv_excel_and_parquet_alike(tmp_path):
    tables = tiny_tables()
    paths = {}
    for i, (name, frame) in enumerate(tables.items()):
        suffix = (".csv", ".xlsx", ".parquet")[i % 3]
        path = tmp_path / f"{name}{suffix}"
        frame = frame.astype(str) if suffix == ".parquet" else frame
        if suffix == ".csv":
            frame.to_csv(path, index=False)
        elif suffix == ".xlsx":
            frame.to_excel(path, index=False)
        else:
            frame.to_parquet(path)
        paths[name] = path
    logs = read_logs(paths)
    assert logs.n_events_invalid == 4
    assert logs.tables["student"]["needs_attention"].tolist() == [False, False, True]
    with pytest.raises(DataError, match=r"unknown table\(s\) events"):
        read_logs({**paths, "events": paths["event"]})


@settings(max_examples=25, deadline=None)
@given(
    types=st.lists(st.sampled_from(["home_visit", "parent_meeting", "bogus"]), min_size=1, max_size=30),
    days=st.lists(st.integers(-30, 330), min_size=30, max_size=30),
    linked=st.lists(st.booleans(), min_size=30, max_size=30),
)
def test_every_event_is_counted_or_flagged(types, days, linked):
    tables = tiny_tables()
    n = len(types)
    dates = pd.Timestamp("2024-09-01") + pd.to_timedelta(days[:n], unit="D")
    ids = [f"R{i % 20}" for i in range(n)]  # some ids repeat
    tables["event"] = pd.DataFrame(
        {"event_id": ids, "activity_type": types, "date": dates.strftime("%Y-%m-%d"), "school_id": "S1",
         "mode": "in_person"}
    )  # fmt: skip
    keep = np.asarray(linked[:n])
    tables["event_class"] = pd.DataFrame({"event_id": np.asarray(ids)[keep], "class_id": "C1"})
    tables["event_student"] = pd.DataFrame(columns=["event_id", "student_id"])
    logs = validate_logs(tables)
    assert logs.n_events_read == n == logs.n_events_valid + logs.n_events_invalid
    flagged = set(logs.invalid.loc[logs.invalid["table"] == "event", "row"])
    assert flagged == set(logs.events.index[~logs.events["valid"]])


def test_example_folder_is_declared_in_the_study(example_study):
    assert example_study.logs["event"] == (EXAMPLE / "logs" / "event.csv").resolve()


def test_dates_already_typed_are_kept(tiny):
    tiny["student"]["enrol_start"] = pd.to_datetime(tiny["student"]["enrol_start"])
    tiny["student"]["enrol_end"] = pd.NaT
    assert validate_logs(tiny).n_events_invalid == 4
    tiny["student"].loc[2, "enrol_start"] = pd.NaT
    with pytest.raises(DataError, match="table student row 2 column enrol_start: empty"):
        validate_logs(tiny)
