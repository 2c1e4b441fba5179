"""Survey–log triangulation: Cohen's κ against R psych and statsmodels; parents' and teachers' reports."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa

from hsc_analysis.compliance import (
    audit,
    class_compliance_predictor,
    cohen_kappa,
    load_rules,
    parent_log_agreement,
    teacher_visit_inflation,
)
from hsc_analysis.errors import DataError, InputError
from hsc_analysis.io import read_responses

from ..conftest import REFERENCE

LEVELS = ["Never Fun", "Fairly Often", "Very Often", "Always fun"]


@pytest.fixture(scope="module")
def sexual_fun():
    table = pd.read_csv(REFERENCE / "sexualfun.csv")
    pairs = table.loc[table.index.repeat(table["Freq"])]
    return pairs["Husband"].map(LEVELS.index).to_numpy() + 1, pairs["Wife"].map(LEVELS.index).to_numpy() + 1


def test_kappa_matches_r_psych(sexual_fun):
    """tests/reference/compliance_kappa.R: psych::cohen.kappa 2.2.9 on vcd's SexualFun (91 couples)."""
    expected = pd.read_csv(REFERENCE / "kappa_sexualfun.csv").set_index("case")
    husband, wife = sexual_fun
    for case, (a, b) in {"four_levels": (husband, wife), "often_or_more": (husband >= 3, wife >= 3)}.items():
        result = cohen_kappa(a, b)
        row = expected.loc[case]
        assert result.n == row["n"] == 91
        assert result.estimate == pytest.approx(row["kappa"], abs=1e-12)
        assert result.ci_low == pytest.approx(row["ci_low"], abs=1e-12)
        assert result.ci_high == pytest.approx(row["ci_high"], abs=1e-12)
        assert result.se**2 == pytest.approx(row["var_kappa"], abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=5, max_size=200))
def test_kappa_matches_statsmodels(pairs):
    a, b = np.array(pairs).T
    assume(len(set(a)) > 1 and len(set(b)) > 1)  # with one rater constant κ = 0 and its SE is rounding noise
    table = np.zeros((4, 4))
    np.add.at(table, (a, b), 1)
    table = table[table.sum(1) + table.sum(0) > 0][:, table.sum(1) + table.sum(0) > 0]
    ours = cohen_kappa(a, b)
    with np.errstate(invalid="ignore", divide="ignore"):  # its z test divides by 0 on degenerate tables
        reference = cohens_kappa(table)  # its interval is the 95 % one
    assert ours.estimate == pytest.approx(reference.kappa, abs=1e-10)
    assert ours.se == pytest.approx(reference.std_kappa, abs=1e-10)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((reference.kappa_low, reference.kappa_upp), abs=1e-10)
    assert cohen_kappa(b, a).estimate == pytest.approx(ours.estimate, abs=1e-12)  # symmetric


def test_kappa_inputs():
    assert cohen_kappa([1, 2, 2, None], [1, 2, 2, 1]).n == 3  # the pair with a missing rating is dropped
    assert cohen_kappa([1, 2, 1], [1, 2, 1]).estimate == 1.0
    assert np.isnan(cohen_kappa([1, 1], [1, 1]).estimate)  # one category only: p_e = 1, κ undefined
    with pytest.raises(InputError, match="rater_a has 2 ratings and rater_b 3"):
        cohen_kappa([1, 2], [1, 2, 1])
    with pytest.raises(DataError, match="no pair with both ratings present"):
        cohen_kappa([None], [1])


@pytest.fixture(scope="module")
def parents(example_study, truth):
    """The example's parent answers, linked to children through truth.json (not through the export's student code:
    the two must agree)."""
    dataset = example_study.datasets[0]
    answers = read_responses(dataset.file, dataset.instrument, source=dataset.source, on_invalid="mark").background
    ids = truth["respondents"]["parents_student_id"]
    linked = answers.assign(student_id=[ids[int(i) - 1] for i in answers.index])
    assert linked["student_id"].equals(linked.pop("student_code").rename("student_id"))
    return linked


def test_parents_home_visit_answers_agree_with_the_log(parents, example_logs, truth):
    """The simulator answers from the real (not fabricated) in-person visits of the school year, with 5 % recall
    errors and 3 % "don't remember"."""
    table = parent_log_agreement(
        parents, example_logs, school_year="2024-2025", term_id="2024-2025-2", exclude=truth["fabricated_event_ids"]
    ).set_index("item")
    visit = table.loc["fx_home_visit"]
    config = truth["config"]["log"]
    assert visit["n_dont_remember"] / visit["n_answered"] == pytest.approx(config["fx_dont_remember"], abs=0.015)
    assert 1 - visit["agreement"] == pytest.approx(config["fx_home_visit_error"], abs=0.015)
    assert visit["ci_low"] < visit["kappa"] < visit["ci_high"] and visit["kappa"] > 0.8
    assert visit["n"] == visit["n_answered"] - visit["n_dont_remember"]
    meetings = table.loc["fx_parent_meetings"]
    assert meetings["report_mean"] > 0 and meetings["n"] == len(parents)
    assert table.loc["fx_guidance_sessions", "log_basis"].startswith("guidance sessions offered to the class")


def test_parent_answers_need_the_link(parents, example_logs):
    with pytest.raises(DataError, match="no column 'student_code' linking parents to students"):
        parent_log_agreement(
            parents, example_logs, school_year="2024-2025", term_id="2024-2025-2", student="student_code"
        )
    answers = parents.head(50).assign(student_id=["nobody"] * 49 + [parents["student_id"].iloc[0]])
    table = parent_log_agreement(answers, example_logs, school_year="2024-2025", term_id="2024-2025-2")
    assert table.set_index("item").loc["fx_parent_meetings", ["n_unlinked", "n"]].tolist() == [49, 1]


def test_teacher_self_reports_are_inflated_as_simulated(example_study, example_logs, truth):
    dataset = example_study.datasets[1]
    answers = read_responses(dataset.file, dataset.instrument, source=dataset.source, on_invalid="mark").background
    result = teacher_visit_inflation(answers, example_logs, school_year="2024-2025", staff="staff_code")
    assert result.n == 115
    # reported = round(logged × 1.15) per teacher: the pooled ratio is 1.15 up to rounding
    assert result.inflation_ratio == pytest.approx(truth["config"]["log"]["tx2_inflation"], abs=0.01)
    assert result.to_frame()["logged"].iloc[0] == result.teachers["logged"].sum()


def test_class_compliance_predictor(example_logs):
    result = audit(example_logs, rules=load_rules("neimenggu"))
    predictor = class_compliance_predictor(result, school_year="2024-2025")
    assert predictor["class_id"].is_unique and len(predictor) == 40
    assert predictor["cci_graded_z"].mean() == pytest.approx(0, abs=1e-12)
    assert predictor["cci_graded_z"].std(ddof=0) == pytest.approx(1)
    with pytest.raises(InputError, match="school_year '2030-2031' not in the audit; allowed: 2023-2024, 2024-2025"):
        class_compliance_predictor(result, school_year="2030-2031")
