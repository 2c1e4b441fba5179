"""few_cluster_comparison: CR2/Satterthwaite and HTZ against R clubSandwich, the multilevel contrasts against
lme4/lmerTest, and the size of the wild cluster bootstrap on simulated data with 15 clusters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings import few_cluster_comparison
from hsc_analysis.findings._cr2 import cr2_fit, htz_test, satterthwaite_df
from hsc_analysis.findings._wild import ClusterStats, cluster_weights, wild_interval, wild_test

EXPECTED = Path(__file__).parents[1] / "reference" / "expected"
CLOSED = 1e-8
ITERATIVE = 1e-4


@pytest.fixture(scope="module")
def exam():
    data = pd.read_csv(EXPECTED / "few_clusters_exam.csv")
    data["schgend"] = pd.Categorical(data["schgend"], ["mixed", "boys", "girls"])
    return data, json.loads((EXPECTED / "few_clusters.json").read_text())


@pytest.fixture(scope="module")
def exam_result(exam):
    data, _ = exam
    return few_cluster_comparison(data, outcome="normexam", group="schgend", cluster="school", n_boot=999, seed=1)


def test_cr2_matches_clubsandwich(exam, exam_result):
    _, ref = exam
    expected = pd.DataFrame(ref["locale"]["coef"]).iloc[1:].reset_index(drop=True)
    got = exam_result.contrasts.query("method == 'cr2_satterthwaite'").reset_index(drop=True)
    assert got["contrast"].tolist() == ["boys − mixed", "girls − mixed"]
    for column in ("estimate", "se", "df", "p_value", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[column], expected[column], rtol=CLOSED, atol=CLOSED, err_msg=column)
    assert (got["n"] == ref["n"][0]).all() and (got["n_clusters"] == 15).all()


def test_htz_matches_clubsandwich(exam, exam_result):
    _, ref = exam
    wald = ref["locale"]["wald"][0]
    row = exam_result.joint_tests.set_index("method").loc["cr2_htz"]
    np.testing.assert_allclose(
        [row["statistic"], row["df_num"], row["df_den"], row["p_value"]],
        [wald["Fstat"], wald["df_num"], wald["df_denom"], wald["p_value"]],
        rtol=CLOSED,
    )


def test_cr2_kernel_with_a_respondent_covariate(exam):
    """A regressor that varies within clusters (standLRT) beside the school-level indicators."""
    data, ref = exam
    codes = pd.factorize(data["school"], sort=True)[0]
    x = np.column_stack(
        [np.ones(len(data)), data["schgend"] == "boys", data["schgend"] == "girls", data["standLRT"]]
    ).astype(float)
    fit = cr2_fit(x, data["normexam"].to_numpy(), codes)
    expected = pd.DataFrame(ref["covariate"]["coef"])
    np.testing.assert_allclose(fit.vcov, np.array(ref["covariate"]["vcov"]), rtol=CLOSED, atol=1e-14)
    np.testing.assert_allclose(fit.beta, expected["estimate"], rtol=CLOSED)
    dfs = [satterthwaite_df(fit, row) for row in np.eye(4)]
    np.testing.assert_allclose(dfs, expected["df"], rtol=CLOSED)
    wald = ref["covariate"]["wald"][0]
    np.testing.assert_allclose(htz_test(fit, np.eye(4)[1:3]), [wald["Fstat"], 2, wald["df_denom"]], rtol=CLOSED)


def test_mixed_model_contrasts_match_lmertest(exam, exam_result):
    _, ref = exam
    expected = pd.DataFrame(ref["mixed"]).iloc[1:].reset_index(drop=True)
    got = exam_result.contrasts.query("method == 'mixed_model'").reset_index(drop=True)
    for column in ("estimate", "se", "df", "p_value"):
        np.testing.assert_allclose(got[column], expected[column], rtol=ITERATIVE, err_msg=column)


def test_result_states_its_basis(exam_result):
    frame = exam_result.to_frame()
    assert list(frame.columns) == [
        "outcome", "contrast", "estimate", "se", "df", "ci_low", "ci_high", "p_value", "method", "n", "n_clusters",
    ]  # fmt: skip
    assert set(frame["method"]) == {"mixed_model", "cr2_satterthwaite", "wild_cluster_bootstrap"}
    assert "15 clusters (mixed 5, boys 5, girls 5)" in exam_result.note
    assert exam_result.nan_policy == "listwise"
    means = exam_result.means.set_index("level")
    assert means["n_clusters"].tolist() == [5, 5, 5]
    # with indicators only, every OLS estimate is a difference of level means
    boys = frame.query("method == 'cr2_satterthwaite'")["estimate"].iloc[0]
    assert boys == pytest.approx(means.loc["boys", "mean"] - means.loc["mixed", "mean"], abs=1e-12)


def _null_draw(rng: np.random.Generator, sizes: np.ndarray, locale: np.ndarray):
    """One data set of 15 schools with school effects and no locale effect (unequal school sizes)."""
    school = np.repeat(np.arange(len(sizes)), sizes)
    y = rng.normal(0, 0.5, len(sizes))[school] + rng.normal(size=len(school))
    x = np.column_stack([np.ones(len(school)), locale[school] == 1, locale[school] == 2]).astype(float)
    return x, y, school


def test_wild_bootstrap_size_and_interval_coverage():
    """Under H0 with 15 schools (6/4/5), the WCR test rejects about 5% (its interval covers the truth about 95%:
    an interval covers β₀ exactly when the test of β₀ does not reject); CR1 with normal critical values would
    reject far more often."""
    rng = np.random.default_rng(20250601)
    sizes = rng.integers(20, 200, 15)
    locale = np.repeat([0, 1, 2], [6, 4, 5])
    weights = cluster_weights(999, 15, kind="webb", seed=7)
    p_values = []
    for _ in range(400):
        x, y, school = _null_draw(rng, sizes, locale)
        p_values.append(wild_test(ClusterStats.of(x, y, school), np.eye(3)[[2]], np.zeros(1), weights)[1])
    rejection = np.mean(np.array(p_values) <= 0.05)
    assert 0.02 <= rejection <= 0.09
    assert np.mean(np.array(p_values) <= 0.10) == pytest.approx(0.10, abs=0.04)


def test_wild_interval_ends_are_where_the_test_starts_to_reject():
    rng = np.random.default_rng(5)
    sizes = rng.integers(20, 200, 15)
    x, y, school = _null_draw(rng, sizes, np.repeat([0, 1, 2], [6, 4, 5]))
    stats_ = ClusterStats.of(x, y, school)
    weights = cluster_weights(999, 15, kind="rademacher", seed=3)
    low, high = wild_interval(stats_, 2, weights, confidence=0.95)
    beta = stats_.beta()[2]
    assert low < beta < high
    step = 1e-3 * (high - low)
    for end, outside in ((low, low - step), (high, high + step)):
        p_in = wild_test(stats_, np.eye(3)[[2]], np.array([end + np.sign(beta - end) * step]), weights)[1]
        p_out = wild_test(stats_, np.eye(3)[[2]], np.array([outside]), weights)[1]
        assert p_in > 0.05 >= p_out


def test_seeded_and_reproducible(exam):
    data, _ = exam
    kwargs = {"outcome": "normexam", "group": "schgend", "cluster": "school", "n_boot": 999}
    a = few_cluster_comparison(data, **kwargs, seed=11).to_frame()
    b = few_cluster_comparison(data, **kwargs, seed=11).to_frame()
    c = few_cluster_comparison(data, **kwargs, seed=12).to_frame()
    pd.testing.assert_frame_equal(a, b)
    wild = a["method"] == "wild_cluster_bootstrap"
    assert not np.allclose(a.loc[wild, "p_value"], c.loc[wild, "p_value"])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_row_order_and_cluster_labels_do_not_matter(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 30, 9)
    x, y, school = _null_draw(rng, sizes, np.repeat([0, 1, 2], 3))
    order = rng.permutation(len(y))
    relabel = rng.permutation(9)
    a = cr2_fit(x, y, school)
    b = cr2_fit(x[order], y[order], relabel[school[order]])
    np.testing.assert_allclose(a.vcov, b.vcov, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(satterthwaite_df(a, np.eye(3)[2]), satterthwaite_df(b, np.eye(3)[2]), rtol=1e-8)


def test_errors_name_the_problem(exam):
    data, _ = exam
    kwargs = {"outcome": "normexam", "group": "schgend", "cluster": "school", "n_boot": 999, "seed": 1}
    mixed_up = data.assign(schgend=np.where(np.arange(len(data)) % 2, "boys", "girls"))
    with pytest.raises(DataError, match="varies within 15 cluster"):
        few_cluster_comparison(mixed_up, **kwargs)
    lonely = data[(data["schgend"] != "boys") | (data["school"] == data.loc[data["schgend"] == "boys", "school"].min())]
    with pytest.raises(DataError, match="level 'boys' of 'schgend' has 1 cluster"):
        few_cluster_comparison(lonely, **kwargs)
    with pytest.raises(InputError, match="weights"):
        few_cluster_comparison(data, **kwargs | {"weights": "mammen"})
    with pytest.raises(InputError, match="reference"):
        few_cluster_comparison(data, **kwargs | {"reference": "coed"})
