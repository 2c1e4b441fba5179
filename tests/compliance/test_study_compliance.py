"""The logs: section of study.yaml, study_compliance (all results in one call) and `hsc compliance`."""

import shutil

import pandas as pd
import pytest

from hsc_analysis.cli import main
from hsc_analysis.compliance import load_rules, study_compliance
from hsc_analysis.errors import InputError
from hsc_analysis.study import StudyError, load_study

from ..conftest import EXAMPLE, SURVEYS

MINIMAL = """
id: s
title: t
datasets:
  parent: {instrument: ../surveys/parent.yaml, file: answers.csv}
"""
TABLES = ["school", "term", "class", "student", "event", "event_class", "event_student"]


def _study(tmp_path, logs: str):
    (tmp_path / "surveys").mkdir(exist_ok=True)
    (tmp_path / "surveys" / "parent.yaml").write_text((EXAMPLE / "../../surveys/parent.yaml").read_text("utf-8"))
    folder = tmp_path / "study"
    folder.mkdir(exist_ok=True)
    path = folder / "study.yaml"
    path.write_text(MINIMAL + logs, encoding="utf-8")
    return path


def test_logs_section_paths_are_relative_to_the_study(tmp_path):
    section = "logs:\n" + "".join(f"  {name}: logs/{name}.csv\n" for name in TABLES)
    study = load_study(_study(tmp_path, section))
    assert study.logs["event"] == (tmp_path / "study" / "logs" / "event.csv").resolve()
    assert load_study(_study(tmp_path, "")).logs == {}
    assert list(load_study(_study(tmp_path, "logs: {county: counties.xlsx}\n")).logs) == ["county"]


@pytest.mark.parametrize(
    ("logs", "message"),
    [
        ("logs: [a.csv]", "logs: expected a mapping of log table name to file"),
        ("logs: {events: e.csv}", "logs: unknown key.s. events; allowed: school, term"),
        ("logs: {event: e.csv}", "logs: missing required table.s. school, term, class, student, event_class"),
        ("logs: {county: 3}", "logs.county: got 3; allowed: a file path relative to study.yaml"),
    ],
)
def test_broken_logs_section_names_the_key(tmp_path, logs, message):
    with pytest.raises(StudyError, match=f"study.yaml: {message}"):
        load_study(_study(tmp_path, logs + "\n"))


def test_a_study_without_logs_says_so(tmp_path):
    with pytest.raises(InputError, match="logs: the study declares no activity logs"):
        study_compliance(load_study(_study(tmp_path, "")), rules=load_rules("neimenggu"))


def test_study_compliance_on_the_example(example_study):
    result = study_compliance(example_study, rules=load_rules("fengnan_2025"))
    steps = result.audit_unflagged.accounting.set_index("step")["n"]
    assert steps["events excluded"] == len(result.flags.flagged_ids) > 0
    assert steps["events read"] == steps["events invalid"] + steps["events excluded"] + steps["events counted"]
    # padding with fabricated visits raised the home-visit coverage
    full = result.audit.share_met().loc["HV_ALL", "2024-2025"]
    clean = result.audit_unflagged.share_met().loc["HV_ALL", "2024-2025"]
    assert clean < full
    assert result.teachers is not None and result.teachers.n == 115
    assert result.parents is not None and not result.notes and result.unlinked == {}
    assert result.school_year == "2024-2025" and len(result.predictor) == 40
    tables = result.tables()
    assert {"classes", "classes_unflagged", "paper_flags", "teacher_visit_inflation", "rules"} <= set(tables)
    assert all(isinstance(t, pd.DataFrame) for t in tables.values())
    long = result.to_frame()
    assert set(long["events"]) == {"all", "unflagged"} and set(long["level"]) == {"class", "school"}


def test_cli_writes_tables_and_prints_a_summary(tmp_path, capsys):
    assert main(["compliance", str(EXAMPLE / "study.yaml"), "--rules", "neimenggu", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "neimenggu: 3427 events read, 0 invalid, 3427 counted; 210 with a paper-compliance flag" in out
    assert "share of classes meeting each rule (without flagged events)" in out
    assert "S01 LEDGER_CURRENT (2024-2025-2): not met; reviewed this term 119/144; no entry 0" in out
    classes = pd.read_csv(tmp_path / "classes.csv", encoding="utf-8-sig")
    assert {"rule_id", "class_id", "period", "count", "required", "rate", "met", "shortfall"} <= set(classes.columns)
    flagged = pd.read_csv(tmp_path / "flagged_events.csv", encoding="utf-8-sig")
    assert len(flagged) == 210


def test_cli_bad_rules_and_missing_county_table_are_one_line(tmp_path, capsys):
    assert main(["compliance", str(EXAMPLE / "study.yaml"), "--rules", "tianjin"]) == 2
    assert "hsc: error: --rules: got 'tianjin'" in capsys.readouterr().err
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "study.yaml").read_text(encoding="utf-8").replace("../../surveys/", f"{SURVEYS}/")
    (folder / "study.yaml").write_text(text.replace("  county: logs/county.csv\n", ""), encoding="utf-8")
    assert main(["compliance", str(folder / "study.yaml"), "--rules", "jiaolianti_2024"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs table county" in err


def test_cli_audits_the_example_county_table(capsys):
    assert main(["compliance", str(EXAMPLE / "study.yaml"), "--rules", "jiaolianti_2024"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "ALLIANCE_2025 (by 2025-12-31): 5/12 counties = 0.42 (target 0.5); met = False, shortfall 1; "
        "latest date in the table 2025-03-09",
        "ALLIANCE_2027 (by 2027-12-31): 5/12 counties = 0.42 (target 1); met = False, shortfall 7; "
        "latest date in the table 2025-03-09",
    ]  # counted by hand from data/example/logs/county.csv


def test_the_example_parents_are_linked_and_kappa_matches_statsmodels(example_study):
    """The example's parent export carries the student code: the home-visit answers are compared with the log child by
    child, and κ with its 95 % CI equals statsmodels' cohens_kappa on the 2 × 2 table built here from the file."""
    from statsmodels.stats.inter_rater import cohens_kappa

    from hsc_analysis.io import read_responses

    result = study_compliance(example_study, rules=load_rules("neimenggu"))
    table = result.parents.set_index("item")
    assert list(table.index) == ["fx_home_visit", "fx_parent_meetings", "fx_guidance_sessions"]
    assert (table["n"] > 0).all() and table[["kappa", "ci_low", "ci_high"]].notna().all().all()
    assert ((table["ci_low"] >= -1) & (table["ci_low"] < table["kappa"]) & (table["kappa"] < table["ci_high"])).all()
    assert (table["ci_high"] <= 1).all()
    parent = example_study.datasets[0]
    responses = read_responses(parent.file, parent.instrument, source=parent.source)
    answers = responses.background
    as_of = pd.to_datetime(responses.metadata["submitted_at"]).max().normalize()
    events, terms = result.logs.events, result.logs.tables["term"]
    visits = events[
        events["valid"]
        & (events["activity_type"] == "home_visit")
        & (events["mode"] == "in_person")
        & events["term_id"].isin(terms.loc[terms["school_year"] == "2024-2025", "term_id"])
        & (events["date"] <= as_of)
    ]
    links = result.logs.tables["event_student"]
    logged = answers["student_code"].isin(links.loc[links["event_id"].isin(visits["event_id"]), "student_id"])
    said = answers["fx_home_visit"].map({1: True, 2: False})  # 3 = 记不清: left out
    use = said.notna()
    counts = pd.crosstab(said[use], logged[use]).to_numpy()
    reference = cohens_kappa(counts)
    row = table.loc["fx_home_visit"]
    assert row["n"] == counts.sum() == 1430
    assert row["kappa"] == pytest.approx(reference.kappa, abs=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((reference.kappa_low, reference.kappa_upp), abs=1e-12)
