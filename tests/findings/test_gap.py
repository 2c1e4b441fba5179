"""perception_gap against R (t.test, wilcox.test, cor.test, multilevel::ICC2) on the bundled example's parents and
teachers; values from tests/reference/findings_gap.R."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings.gap import perception_gap

EXPECTED = Path(__file__).parents[1] / "reference" / "expected"
CONSTRUCTS = ["trust", "goal", "effectiveness"]


def _inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.read_csv(EXPECTED / "gap_example_parents.csv", index_col="respondent_id"),
        pd.read_csv(EXPECTED / "gap_example_teachers.csv", index_col="respondent_id"),
    )


def test_gap_matches_r_on_the_bundled_example():
    parents, teachers = _inputs()
    result = perception_gap(parents, teachers, by=("class_code", "class_codes"), constructs=CONSTRUCTS)
    expected = pd.read_csv(EXPECTED / "gap_example_tests.csv")
    got = result.tests.set_index("construct").loc[expected["construct"]]
    for column in expected.columns.drop("construct"):
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-10, atol=1e-12, err_msg=column)
    classes = pd.read_csv(EXPECTED / "gap_example_classes.csv")
    pd.testing.assert_frame_equal(
        result.classes[classes.columns].reset_index(drop=True), classes, check_exact=False, rtol=1e-12
    )
    links = json.loads((EXPECTED / "gap_example_unmatched.json").read_text())
    assert result.unmatched["class"].tolist() == links["unmatched"]
    matched = result.classes[result.classes["construct"] == "trust"]
    assert matched["n_teachers"].sum() == links["n_teacher_links"][0]
    assert matched["n_parents"].sum() == result.n_parents == len(parents)
    assert (result.n_teachers, result.n_teachers_dropped) == (len(teachers), 0)
    assert any("several classes" in flag for flag in result.flags)


def test_unmatched_classes_are_listed_and_missing_scores_dropped():
    parents, teachers = _inputs()
    parents = parents.copy()
    parents.loc[parents["class_code"] == "S01C0101", "class_code"] = "S01C9999"
    parents.iloc[:4, parents.columns.get_loc("trust")] = np.nan
    teachers = teachers[~teachers["class_codes"].str.contains("S01C0102")]
    result = perception_gap(parents, teachers, by=("class_code", "class_codes"), constructs=CONSTRUCTS)
    unmatched = result.unmatched.set_index("class")
    assert unmatched.loc["S01C9999", "side"] == "parents"
    assert unmatched.loc["S01C0101", "side"] == "teachers"
    assert unmatched.loc["S01C0102", "side"] == "parents"
    assert result.n_parents_dropped == 4
    assert result.tests["n_classes"].eq(38).all()


def test_wilcoxon_follows_r_exact_and_corrected_rules():
    """Without ties R uses the exact distribution; with ties or zero gaps the corrected normal approximation."""
    rng = np.random.default_rng(4)
    classes = [f"c{i}" for i in range(12)]
    parents = pd.DataFrame({"class": np.repeat(classes, 5), "trust": rng.normal(4, 0.5, 60)})
    teachers = pd.DataFrame({"class": classes, "trust": rng.normal(4, 0.5, 12)})
    result = perception_gap(parents, teachers, by="class", constructs=["trust"]).tests.iloc[0]
    means = parents.groupby("class")["trust"].mean()
    gap = (means - teachers.set_index("class")["trust"].reindex(means.index)).to_numpy()
    assert result["wilcoxon_p_value"] == pytest.approx(stats.wilcoxon(gap, method="exact").pvalue, rel=1e-12)
    # R: wilcox.test(c(1, 1, 2, -1, 3, 0, 2, 2), mu = 0), written by findings_gap.R
    expected = json.loads((EXPECTED / "gap_wilcoxon_ties.json").read_text())
    teacher = np.tile([3.0, 4.0], 4)
    parents = pd.DataFrame({"class": list("abcdefgh"), "trust": teacher + np.array([1.0, 1, 2, -1, 3, 0, 2, 2])})
    teachers = pd.DataFrame({"class": list("abcdefgh"), "trust": teacher})
    tied = perception_gap(parents, teachers, by="class", constructs=["trust"]).tests.iloc[0]
    assert tied["wilcoxon_statistic"] == expected["statistic"]
    assert tied["wilcoxon_p_value"] == pytest.approx(expected["p_value"], rel=1e-10)
    assert np.isnan(tied["parent_icc2"])  # one parent per class: no within-class variance to compare with


def test_errors_name_the_side_and_column():
    parents, teachers = _inputs()
    with pytest.raises(DataError, match=r"perception_gap \(teachers\): column\(s\) not in the data: class_code"):
        perception_gap(parents, teachers, by="class_code", constructs=CONSTRUCTS)
    with pytest.raises(InputError, match="at least one construct"):
        perception_gap(parents, teachers, by=("class_code", "class_codes"), constructs=[])
    few = teachers[teachers["class_codes"].isin(["S01C0802", "S01C0101"])]
    with pytest.raises(DataError, match=r"only [0-2] class"):
        perception_gap(parents, few, by=("class_code", "class_codes"), constructs=CONSTRUCTS)


def test_constructs_can_pair_differently_named_columns():
    parents, teachers = _inputs()
    renamed = teachers.rename(columns={"trust": "trust_in_parents"})
    result = perception_gap(
        parents, renamed, by=("class_code", "class_codes"), constructs={"trust": "trust_in_parents"}
    )
    same = perception_gap(parents, teachers, by=("class_code", "class_codes"), constructs=["trust"])
    assert result.tests["teacher_construct"].iloc[0] == "trust_in_parents"
    assert result.tests["mean_gap"].iloc[0] == same.tests["mean_gap"].iloc[0]


def test_numeric_class_codes_match_across_sides():
    """Codes read as 101.0 from one file and 101 from the other are the same class."""
    parents = pd.DataFrame({"class": [101.0, 101, 102, 102, 103, 103], "trust": [4.0, 5, 3, 4, 5, 4]})
    teachers = pd.DataFrame({"class": [101, 102, 103], "trust": [4.0, 3, 5]})
    result = perception_gap(parents, teachers, by="class", constructs=["trust"])
    assert result.classes["class"].tolist() == ["101", "102", "103"]
    assert result.unmatched.empty
