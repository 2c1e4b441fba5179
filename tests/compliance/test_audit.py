"""Audits: hand-checked counts on a tiny log, the example's compliance truth, structural rules and county targets."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.compliance import audit, class_compliance_predictor, load_rules, validate_logs
from hsc_analysis.errors import DataError

from ..conftest import EXAMPLE
from .conftest import TINY_RULES

TRUTH_RULES = "tests/compliance/truth_rules.yaml"


@pytest.fixture
def tiny_rules(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_RULES, encoding="utf-8")
    return load_rules(path)


def test_counts_by_hand(tiny, tiny_rules):
    result = audit(validate_logs(tiny), rules=tiny_rules)
    classes = result.classes.set_index(["rule_id", "class_id", "period"])
    # HV: a1 visited by its head teacher (E1; E11 by a subject teacher does not count), b1 by phone and in person;
    # a2 is enrolled 40 days of the year, fewer than 60, so not eligible
    assert classes.loc[("HV", "C1", "2024-2025"), ["count", "required", "met"]].tolist() == [1, 1, True]
    assert classes.loc[("HV_ATTN", "C2", "2024-2025"), ["count", "required", "rate", "shortfall"]].tolist() == [
        0, 1, 0.0, 1]  # fmt: skip
    assert ("HV_ATTN", "C1", "2024-2025") not in classes.index  # no eligible student: not applicable
    # PM: E4 (school-wide) + E5 in T1; E6 linked twice counts once; E10 has no class and is invalid
    pm = classes.loc["PM"]
    assert pm["count"].to_dict() == {("C1", "T1"): 2, ("C2", "T1"): 1, ("C1", "T2"): 1, ("C2", "T2"): 0}
    assert pm["shortfall"].to_dict() == {("C1", "T1"): 0, ("C2", "T1"): 1, ("C1", "T2"): 1, ("C2", "T2"): 2}
    # FG: E9 in the winter holiday counts for T2
    assert classes.loc[("FG", "C1", "T2"), "met"]
    students = result.students.set_index(["rule_id", "student_id"])["count"]
    assert students.to_dict() == {("HV", "a1"): 1, ("HV", "b1"): 2, ("HV_ATTN", "b1"): 1}
    cci = result.cci.set_index("class_id")
    np.testing.assert_allclose(cci.loc["C1", ["cci_strict", "cci_graded"]].astype(float), [2 / 3, 0.75], atol=1e-12)
    np.testing.assert_allclose(cci.loc["C2", ["cci_strict", "cci_graded"]].astype(float), [0.25, 0.3125], atol=1e-12)
    assert cci["n_rules"].to_dict() == {"C1": 3, "C2": 4}


def test_structural_communities_and_accounting(tiny, tiny_rules):
    result = audit(validate_logs(tiny), rules=tiny_rules)
    schools = result.schools.set_index("rule_id")
    assert schools.loc["COMMITTEES", ["required", "present", "status"]].tolist() == [4, 3, "not met"]
    assert schools.loc["LEDGER", ["required", "present", "status"]].tolist() == [1, 1, "met"]
    pm = result.schools[(result.schools["rule_id"] == "PM") & (result.schools["period"] == "T1")]
    assert pm[["n_units", "n_met", "share_met"]].iloc[0].tolist() == [2, 1, 0.5]
    cg = result.communities.set_index("period")
    assert cg["count"].to_dict() == {"2024": 0, "2025": 1}
    assert cg.loc["2024", "share_of_year_logged"] == pytest.approx(122 / 366)
    steps = result.accounting.set_index("step")["n"]
    assert steps["events read"] == steps["events invalid"] + steps["events excluded"] + steps["events counted"] == 13
    excluded = audit(validate_logs(tiny), rules=tiny_rules, exclude=["E5", "E7"]).accounting.set_index("step")["n"]
    assert (excluded["events excluded"], excluded["events counted"]) == (1, 8)  # E7 was invalid already
    assert set(result.to_frame()["level"]) == {"class", "community", "school"}


def test_organiser_roles_need_the_staff_table(tiny, tiny_rules):
    del tiny["staff"]
    with pytest.raises(DataError, match="rule HV: organiser_roles needs table staff"):
        audit(validate_logs(tiny), rules=tiny_rules)


def test_example_reproduces_the_simulated_class_compliance_index(example_logs, truth):
    """With the planted records left out, the audit under the simulator's own definition gives truth.json's CCI
    (stored to 6 decimals)."""
    result = audit(example_logs, rules=load_rules(TRUTH_RULES), exclude=truth["fabricated_event_ids"])
    expected = pd.DataFrame(truth["classes"]).set_index("class_id")
    cci = result.cci[result.cci["school_year"] == "2024-2025"].set_index("class_id")
    np.testing.assert_allclose(cci["cci_graded"], expected.loc[cci.index, "cci"], atol=1e-6)
    classes = result.classes[result.classes["school_year"] == "2024-2025"]
    for rule, column in (("HV", "hv_coverage"), ("PM", "pm_rate"), ("FG", "fg_rate"), ("PR", "pr_rate")):
        rate = classes[classes["rule_id"] == rule].groupby("class_id")["rate"].mean()
        np.testing.assert_allclose(rate, expected.loc[rate.index, column], atol=1e-6)
    predictor = class_compliance_predictor(result, school_year="2024-2025").set_index("class_id")
    np.testing.assert_allclose(predictor["cci_graded_z"], expected.loc[predictor.index, "cci_z"], atol=1e-5)


@pytest.mark.parametrize("name", ["fengnan_2025", "neimenggu"])
def test_example_under_each_jurisdiction(example_logs, name):
    result = audit(example_logs, rules=load_rules(name))
    counted = result.rule_set.of_kind("count")
    assert set(result.classes["rule_id"]) | set(result.communities["rule_id"]) == {r.id for r in counted}
    assert result.classes["rate"].between(0, 1).all()
    assert (result.classes["met"] == (result.classes["count"] >= result.classes["required"])).all()
    assert (result.classes["shortfall"] == (result.classes["required"] - result.classes["count"]).clip(lower=0)).all()
    assert len(result.cci) == 2 * 40 - 5  # first graders of the second year were not enrolled in the first
    assert result.cci["cci_strict"].between(0, 1).all() and result.cci["cci_graded"].between(0, 1).all()
    assert (result.cci["cci_strict"] <= result.cci["cci_graded"] + 1e-12).all()
    shares = result.share_met()
    assert shares.index.tolist() == [r.id for r in counted if r.unit != "community"]
    matrix = result.rate_matrix()
    assert matrix.shape[0] == 40 and 0 <= np.nanmin(matrix.to_numpy()) <= np.nanmax(matrix.to_numpy()) <= 1
    assert matrix.loc["S01C0101"].notna().sum() == len(result.classes[result.classes["class_id"] == "S01C0101"])


def test_county_targets_of_the_education_alliance_plan():
    counties = pd.DataFrame(
        {"county_id": [f"X{i}" for i in range(10)],
         "alliance_established": ["2024-12-01"] * 4 + ["2025-06-30", "2026-03-01", "2027-12-31"] + [""] * 3}
    )  # fmt: skip
    result = audit(validate_logs({"county": counties}), rules=load_rules("jiaolianti_2024"))
    targets = result.targets.set_index("rule_id")
    assert targets.loc["ALLIANCE_2025", ["count", "share", "met", "shortfall"]].tolist() == [5, 0.5, True, 0]
    assert targets.loc["ALLIANCE_2027", ["count", "share", "met", "shortfall"]].tolist() == [7, 0.7, False, 3]
    with pytest.raises(DataError, match="need the school logs"):
        audit(validate_logs({"county": counties}), rules=load_rules("neimenggu"))


def test_targets_need_the_county_table(example_logs):
    school_only = replace(example_logs, tables={k: v for k, v in example_logs.tables.items() if k != "county"})
    with pytest.raises(DataError, match="rule ALLIANCE_2025: needs table county with column alliance_established"):
        audit(school_only, rules=load_rules("jiaolianti_2024"))


def test_the_example_county_table_against_pandas(example_logs, truth):
    """The example's 教联体 audit gives the shares counted directly from logs/county.csv."""
    raw = pd.read_csv(EXAMPLE / "logs" / "county.csv", dtype=str, keep_default_na=False)
    dates = pd.to_datetime(raw["alliance_established"].replace("", None))
    result = audit(example_logs, rules=load_rules("jiaolianti_2024"))
    targets = result.targets.set_index("rule_id")
    for rule_id, by, target in (("ALLIANCE_2025", "2025-12-31", 0.5), ("ALLIANCE_2027", "2027-12-31", 1.0)):
        count = int((dates <= pd.Timestamp(by)).sum())
        row = targets.loc[rule_id]
        assert row["n_units"] == len(raw) == truth["county_alliances"]["n_counties"]
        assert row["count"] == count and row["share"] == pytest.approx(count / len(raw), abs=1e-12)
        assert row["share"] == pytest.approx(truth["county_alliances"]["share_by"][by], abs=1e-6)
        needed = int(np.ceil(target * len(raw)))
        assert row["met"] == (count >= needed) and row["shortfall"] == max(0, needed - count)
        assert row["latest_date"] == dates.max()
    assert len(result.classes) == len(result.schools) == len(result.cci) == 0  # a county-only rule set
