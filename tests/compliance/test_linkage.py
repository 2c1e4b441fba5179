"""A newly simulated study whose parent form asks for the school's student code: parents' factual answers are
triangulated with the log child by child, planted late back-entry (补录) is found by ``late_entry_class``, and the
student code (pii) reaches no output file of its report."""

import zipfile
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.compliance import cohen_kappa, flag_recovery, load_rules, paper_compliance_flags, study_compliance
from hsc_analysis.io import read_responses
from hsc_analysis.simulate import simulate_study, write_study
from hsc_analysis.study import load_study

LINKED = {
    "schools": {"urban": {"n": 1, "classes": [6, 6], "class_size": [30, 36]}},
    "platform": {"student_code": True},
    "log": {"late_entry": 0.2},
}


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    simulated = simulate_study(LINKED, seed=11)
    folder = tmp_path_factory.mktemp("linked")
    write_study(simulated, out_dir=folder)
    return simulated, load_study(folder / "study.yaml")


def test_the_parent_file_carries_the_student_code_only_when_asked(linked):
    simulated, study = linked
    parent = study.datasets[0]
    answers = read_responses(parent.file, parent.instrument, source=parent.source).background
    assert answers["student_code"].isin(simulated.logs.tables["student"]["student_id"]).all()
    unlinked = simulate_study({"schools": LINKED["schools"], "platform": {"student_code": False}}, seed=11)
    assert "student_code" not in unlinked.parents.columns and "student_code" in simulated.parents.columns


def test_parents_answers_are_compared_with_the_log_for_the_same_child(linked):
    _, study = linked
    result = study_compliance(study, rules=load_rules("neimenggu"))
    assert result.parents is not None and "parents" not in result.unlinked
    table = result.parents.set_index("item")
    # the same comparison built independently: answers joined to the log's in-person visits of the school year
    parent = study.datasets[0]
    answers = read_responses(parent.file, parent.instrument, source=parent.source).background
    events, links = result.logs.events, result.logs.tables["event_student"]
    year = result.school_year
    terms = result.logs.tables["term"]
    as_of = pd.to_datetime(read_responses(parent.file, parent.instrument).metadata["submitted_at"]).max().normalize()
    visits = events[
        events["valid"]
        & (events["activity_type"] == "home_visit")
        & (events["mode"] == "in_person")
        & events["term_id"].isin(terms.loc[terms["school_year"] == year, "term_id"])
        & (events["date"] <= as_of)
    ]
    visited = set(links.loc[links["event_id"].isin(visits["event_id"]), "student_id"])
    said = answers["fx_home_visit"].map({1: True, 2: False})
    use = said.notna()
    logged = answers["student_code"].isin(visited)
    expected = cohen_kappa(said[use].astype(float), logged[use].astype(float))
    row = table.loc["fx_home_visit"]
    assert row["n"] == expected.n == int(use.sum())
    assert row["n_dont_remember"] == int((answers["fx_home_visit"] == 3).sum())
    assert row["kappa"] == pytest.approx(expected.estimate, abs=1e-12)
    assert row["agreement"] == pytest.approx((said[use] == logged[use]).mean(), abs=1e-12)
    # recall errors are planted at log.fx_home_visit_error (5 %) plus the fabricated visits: agreement stays high
    assert row["kappa"] > 0.7 and row["ci_low"] < row["kappa"] < row["ci_high"]
    assert {"fx_parent_meetings", "fx_guidance_sessions"} <= set(table.index)


def test_planted_late_back_entry_is_flagged_late_entry_class(linked):
    simulated, study = linked
    logs = study_compliance(study, rules=load_rules("fengnan_2025")).logs
    flags = paper_compliance_flags(logs)
    planted = simulated.logs.late_entry_event_ids
    assert len(planted) > 20
    recovery = flag_recovery(flags, fabricated=planted).table.set_index("flag").loc["late_entry_class"]
    assert recovery["precision"] == 1.0  # nothing else in the log is entered a month late
    # every planted visit entered more than late_days after it was held is found (the rest were held late in term)
    events = logs.events.set_index("event_id").loc[planted]
    late = (events["entered_at"] - events["date"]).dt.days > flags.settings["late_days"]
    hit = flags.events.set_index("event_id").loc[planted, "late_entry_class"]
    assert not hit[~late.to_numpy()].any()
    assert hit[late.to_numpy()].mean() >= 0.9  # a class whose visits fell mostly late in term is not "mostly late"


def test_the_example_plants_no_late_entry_and_says_why_the_flag_is_silent(example_study):
    """The bundled example was generated without back-entry: genuine visits are entered within days (geometric,
    p = .3) and the fabricated ones 7–8 days after their date, so no class has a visit entered > 30 days late."""
    logs = study_compliance(example_study, rules=load_rules("neimenggu")).logs
    delay = (logs.events["entered_at"] - logs.events["date"]).dt.days
    assert delay.max() <= 30
    assert not paper_compliance_flags(logs).events["late_entry_class"].any()


def _text(path):
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(name).decode("utf-8") for name in z.namelist() if name.endswith(".xml"))
    return path.read_bytes().decode("utf-8", errors="ignore")


def test_the_student_code_reaches_no_report_file(linked, tmp_path, monkeypatch):
    from hsc_analysis.report import write_report

    simulated, study = linked
    monkeypatch.setattr("hsc_analysis.render.figures.dataset_figures", lambda result, **_: [])
    # the handful of simulated administrators of one school is too few for their bootstrap α: leave them out
    study = replace(study, datasets=study.datasets[:2])
    out = tmp_path / "report"
    write_report(study, out_dir=out, formats=("docx",))
    codes = set(simulated.parents["student_code"].astype(str))
    text = "\n".join(_text(p) for p in out.rglob("*") if p.is_file())
    assert not [code for code in codes if code in text]
    assert (out / "tables" / "compliance").is_dir()
    agreement = pd.read_csv(out / "data" / "compliance" / "parent_agreement.csv")
    assert agreement["kappa"].notna().all() and np.isfinite(agreement["n"]).all()
