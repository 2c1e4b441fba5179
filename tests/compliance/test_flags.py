"""Paper-compliance flags: their mechanics on a small log and their recovery of the example's planted records."""

import pandas as pd
import pytest

from hsc_analysis.compliance import FLAGS, flag_recovery, paper_compliance_flags, validate_logs


def _visits(tiny, n, *, date, entered, organiser="H1", evidence="photo", mode="in_person", prefix="V"):
    ids = [f"{prefix}{i}" for i in range(n)]
    rows = pd.DataFrame(
        {"event_id": ids, "activity_type": "home_visit", "date": date, "school_id": "S1", "community_id": "",
         "mode": mode, "organiser_staff_id": organiser, "evidence": evidence, "entered_at": entered}
    )  # fmt: skip
    tiny["event"] = pd.concat([tiny["event"], rows], ignore_index=True)
    tiny["event_class"] = pd.concat([tiny["event_class"], pd.DataFrame({"event_id": ids, "class_id": "C1"})])
    student = pd.DataFrame({"event_id": ids, "student_id": "a1"})
    tiny["event_student"] = pd.concat([tiny["event_student"], student], ignore_index=True)
    return ids


def test_each_flag(tiny):
    many = _visits(tiny, 7, date="2024-11-05", entered="2024-11-06")  # 7 in-person visits by H1 on one day
    batch = _visits(tiny, 10, date="2024-10-01", entered="2025-01-15", organiser="H2", prefix="B")  # late, at term end
    tiny["event"]["entered_by"] = tiny["event"]["organiser_staff_id"]
    tiny["event"]["n_invited"] = 40
    tiny["event"]["n_attended"] = [50 if e == "E5" else 30 for e in tiny["event"]["event_id"]]
    flags = paper_compliance_flags(validate_logs(tiny)).events.set_index("event_id")
    assert flags.loc[many, "implausible_day"].all() and not flags.loc["E1", "implausible_day"]
    # ten visits to one student on one day: also duplicates after the first
    assert flags.loc[batch, "batch_entry"].all() and not flags.loc[many, "batch_entry"].any()
    assert flags.loc[batch, "late_entry_class"].all() and not flags.loc[many, "late_entry_class"].any()
    assert flags.loc[batch[1:], "duplicate"].all() and not flags.loc[batch[0], "duplicate"]
    assert flags.loc["E2", "no_evidence"] and flags["no_evidence"].sum() == 1
    assert flags.loc["E5", "attended_over_invited"] and flags["attended_over_invited"].sum() == 1
    assert not flags.loc["E6", "duplicate"]  # linked twice to C1, still one event
    assert (flags["n_flags"] == flags[list(FLAGS)].sum(axis=1)).all()
    assert "E8" not in flags.index  # invalid events are never counted, so not flagged here


def test_thresholds_are_parameters(tiny):
    _visits(tiny, 7, date="2024-11-05", entered="2024-11-06")
    logs = validate_logs(tiny)
    assert paper_compliance_flags(logs).events["implausible_day"].sum() == 7
    assert paper_compliance_flags(logs, max_visits_per_day=7).events["implausible_day"].sum() == 0


def test_example_planted_records_are_found(example_logs, truth):
    """The 90 fabricated visits (no evidence, dated on two days at a semester's end, entered at its end)."""
    fake = truth["fabricated_event_ids"]
    assert len(fake) == 90
    flags = paper_compliance_flags(example_logs)
    recovery = flag_recovery(flags, fabricated=fake).to_frame().set_index("flag")
    assert recovery.loc["any", "recall"] == 1.0
    assert recovery.loc["batch_entry", "recall"] == 1.0 and recovery.loc["batch_entry", "precision"] > 0.95
    assert recovery.loc["implausible_day", "precision"] > 0.9 and recovery.loc["implausible_day", "recall"] > 0.9
    assert recovery.loc["two_or_more", "recall"] == 1.0 and recovery.loc["two_or_more", "precision"] > 0.95
    assert recovery.loc["late_entry_class", "n_flagged"] == 0  # entered days, not months, late
    summary = flags.to_frame().set_index("flag")
    assert summary.loc["any", "n_flagged"] == len(flags.flagged_ids)


def test_recovery_counts(tiny):
    flags = paper_compliance_flags(validate_logs(tiny))
    table = flag_recovery(flags, fabricated=["E2"]).to_frame().set_index("flag")
    assert table.loc["no_evidence", ["n_flagged", "true_positive", "precision", "recall"]].tolist() == [1, 1, 1.0, 1.0]
    assert table.loc["implausible_day", "recall"] == 0.0
    assert pd.isna(table.loc["implausible_day", "precision"])


@pytest.mark.parametrize("column", ["entered_at", "organiser_staff_id", "evidence"])
def test_absent_columns_turn_their_check_off(tiny, column):
    tiny["event"] = tiny["event"].drop(columns=column)
    flags = paper_compliance_flags(validate_logs(tiny))
    assert len(flags.events) == 9
