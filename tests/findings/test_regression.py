"""hierarchical_regression, logistic_regression and ordinal_regression against R (lm, anova, car::vif, sandwich,
lmtest, glm, MASS::polr, ordinal::clm) on mlmRev's Exam, MASS's birthwt and ordinal's wine, and recovery of the
bundled example's planted effects."""

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings import hierarchical_regression, logistic_regression, ordinal_regression
from hsc_analysis.io import read_responses
from hsc_analysis.scoring import score_scales
from hsc_analysis.screening import screen
from hsc_analysis.study import load_study

from ..conftest import EXAMPLE, REFERENCE
from ._data import rdata

EXACT = 1e-8  # closed form (OLS, sandwich covariances) and IRLS to convergence
FITTED = 1e-6  # the ordinal model: BFGS with a numerical Hessian against ordinal::clm's Newton fit

STEPS = pd.read_csv(REFERENCE / "findings_regression_exam_steps.csv")
TERMS = pd.read_csv(REFERENCE / "findings_regression_exam_terms.csv")
BLOCKS = [["sex", "vr"], ["standLRT", "schavg"]]


@pytest.fixture(scope="module")
def exam():
    return rdata("mlmRev", "Exam")


def r_term(term: str) -> str:
    """R's name of a dummy column: ``vr[top 25%]`` → ``vrtop 25%``."""
    return term.replace("[", "").replace("]", "")


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3", "cluster"])
def test_hierarchical_regression_matches_lm_sandwich_and_car(exam, cov_type):
    # R: lm per step, anova(m1, m2) / Wald F with vcovHC(HC3) or vcovCL(~school, HC1), coeftest, car::vif
    result = hierarchical_regression(exam, outcome="normexam", blocks=BLOCKS, cov_type=cov_type,
                                     cluster="school" if cov_type == "cluster" else None)  # fmt: skip
    steps = STEPS[STEPS.cov_type == cov_type].reset_index(drop=True)
    columns = ["r_squared", "adj_r_squared", "r_squared_change", "f_change", "df1", "df2", "p_change"]
    np.testing.assert_allclose(result.steps[columns].to_numpy(float), steps[columns].to_numpy(float), rtol=1e-9,
                               atol=EXACT)  # fmt: skip
    assert (result.steps["n"] == 4059).all() and result.n_dropped == 0
    expected = TERMS[TERMS.cov_type == cov_type].assign(key=lambda t: t.step.astype(str) + t.term)
    got = result.coefficients.assign(key=lambda t: t.step.astype(str) + t.term.map(r_term))
    merged = got.merge(expected, on="key", suffixes=("", "_r"))
    assert len(merged) == len(got) == 10
    for column in ("estimate", "se", "statistic", "p_value", "ci_low", "ci_high", "std_estimate", "vif"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], rtol=1e-9, atol=EXACT, equal_nan=True,
                                   err_msg=column)  # fmt: skip
    assert result.n_clusters == (65 if cov_type == "cluster" else None)


def test_dummy_coding_is_stated(exam):
    result = hierarchical_regression(exam, outcome="normexam", blocks=BLOCKS)
    coding = result.coding.set_index("level")
    assert coding.loc["F", "reference"] and coding.loc["bottom 25%", "reference"]
    assert coding.loc["top 25%", "column"] == "vr[top 25%]"
    labelled = exam.assign(sex=pd.Categorical(exam.sex, categories=["M", "F"]))
    other = hierarchical_regression(labelled, outcome="normexam", blocks=BLOCKS)
    terms = other.coefficients.set_index(["step", "term"])
    assert terms.loc[(2, "sex[F]"), "estimate"] == pytest.approx(
        -result.coefficients.set_index(["step", "term"]).loc[(2, "sex[M]"), "estimate"], abs=EXACT
    )


def test_steps_share_the_same_cases(exam):
    holes = exam.copy()
    holes.loc[holes.index[:10], "schavg"] = np.nan
    holes.loc[holes.index[5:15], "sex"] = None
    result = hierarchical_regression(holes, outcome="normexam", blocks=BLOCKS)
    assert (result.n, result.n_dropped) == (len(exam) - 15, 15) and (result.steps["n"] == result.n).all()
    assert result.nan_policy == "listwise"


def test_bad_specifications(exam):
    with pytest.raises(InputError, match="needs the 'cluster' column"):
        hierarchical_regression(exam, outcome="normexam", blocks=BLOCKS, cov_type="cluster")
    with pytest.raises(InputError, match="used only with cov_type='cluster'"):
        hierarchical_regression(exam, outcome="normexam", blocks=BLOCKS, cluster="school")
    with pytest.raises(InputError, match="standLRT is in blocks 1 and 2"):
        hierarchical_regression(exam, outcome="normexam", blocks=[["standLRT"], ["standLRT"]])
    with pytest.raises(InputError, match="also a predictor"):
        hierarchical_regression(exam, outcome="normexam", blocks=[["normexam"]])
    with pytest.raises(InputError, match="'cov_type' parameter"):
        hierarchical_regression(exam, outcome="normexam", blocks=BLOCKS, cov_type="HC1")
    with pytest.raises(DataError, match="not in the data: nope"):
        hierarchical_regression(exam, outcome="normexam", blocks=[["nope"]])
    twice = exam.assign(double=2 * exam.standLRT)
    with pytest.raises(DataError, match="singular design: standLRT, double"):
        hierarchical_regression(twice, outcome="normexam", blocks=[["standLRT", "double"]])
    with pytest.raises(DataError, match="outcome sex must be numeric"):
        hierarchical_regression(exam, outcome="sex", blocks=[["standLRT"]])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.1, 10), st.floats(-5, 5))
def test_r_squared_grows_and_beta_is_scale_free(seed, scale, shift):
    rng = np.random.default_rng(seed)
    data = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "y"])
    first = hierarchical_regression(data, outcome="y", blocks=[["a"], ["b"]])
    assert (np.diff(first.steps["r_squared"]) >= -1e-12).all()
    assert first.steps["r_squared_change"].sum() == pytest.approx(first.steps["r_squared"].iloc[-1], abs=1e-12)
    moved = hierarchical_regression(data.assign(a=data.a * scale + shift), outcome="y", blocks=[["a"], ["b"]])
    np.testing.assert_allclose(moved.coefficients["std_estimate"], first.coefficients["std_estimate"], atol=1e-9)
    slopes = first.coefficients["term"] != "(Intercept)"  # the intercept moves with the shift
    np.testing.assert_allclose(moved.coefficients["p_value"][slopes], first.coefficients["p_value"][slopes],
                               rtol=1e-6, atol=1e-12)  # fmt: skip


def test_logistic_regression_matches_glm():
    # R: glm(low ~ age + lwt + race + smoke, binomial, birthwt); confint.default; pseudo-R² written out
    birthwt = rdata("MASS", "birthwt")
    race = pd.Categorical(birthwt.race.map({1: "white", 2: "black", 3: "other"}), categories=["white", "black",
                                                                                              "other"])  # fmt: skip
    result = logistic_regression(birthwt.assign(race=race), outcome="low", predictors=["age", "lwt", "race", "smoke"])
    expected = pd.read_csv(REFERENCE / "findings_logistic_birthwt_terms.csv")
    got = result.coefficients
    assert list(got["term"].map(r_term)) == list(expected["term"])
    for ours, theirs in [("estimate", "estimate"), ("se", "se"), ("statistic", "statistic"), ("p_value", "p_value"),
                         ("odds_ratio", "odds_ratio"), ("odds_ratio_ci_low", "ci_low"),
                         ("odds_ratio_ci_high", "ci_high")]:  # fmt: skip
        np.testing.assert_allclose(got[ours], expected[theirs], rtol=1e-9, atol=EXACT, err_msg=ours)
    fit = result.fit.iloc[0]
    want = pd.read_csv(REFERENCE / "findings_logistic_birthwt_fit.csv").iloc[0]
    for ours, theirs in [("log_likelihood", "log_likelihood"), ("null_log_likelihood", "null_log_likelihood"),
                         ("lr_chi_square", "lr_chi_square"), ("p_value", "p_value"), ("aic", "aic"),
                         ("mcfadden_r_squared", "mcfadden"), ("cox_snell_r_squared", "cox_snell"),
                         ("nagelkerke_r_squared", "nagelkerke")]:  # fmt: skip
        assert fit[ours] == pytest.approx(want[theirs], rel=1e-8, abs=EXACT), ours
    assert fit["n"] == want["n"] and fit["df"] == want["df"]
    assert result.levels == ("0", "1") and result.model == "logistic"


def test_logistic_outcome_must_be_binary_and_separation_is_reported():
    data = pd.DataFrame({"x": np.arange(20.0), "y": [0] * 10 + [1] * 10, "z": np.arange(20) % 3})
    with pytest.raises(DataError, match="cannot be estimated"):
        logistic_regression(data, outcome="y", predictors=["x"])
    with pytest.raises(DataError, match="exactly 2 values"):
        logistic_regression(data, outcome="z", predictors=["x"])
    with pytest.raises(InputError, match="also a predictor"):
        logistic_regression(data, outcome="y", predictors=["x", "y"])
    with pytest.raises(InputError, match="needs at least one column"):
        ordinal_regression(data, outcome="z", predictors=[])


def test_ordinal_regression_matches_clm_and_polr():
    # R: ordinal::clm(rating ~ temp + contact, wine) and MASS::polr(..., Hess = TRUE)
    wine = rdata("ordinal", "wine")
    result = ordinal_regression(wine, outcome="rating", predictors=["temp", "contact"])
    expected = pd.read_csv(REFERENCE / "findings_ordinal_wine_terms.csv")
    got = result.coefficients
    assert list(got["term"].map(r_term)) == list(expected["term"])
    assert list(got["kind"]) == list(expected["kind"])
    np.testing.assert_allclose(got["estimate"], expected["clm_estimate"], atol=FITTED)
    np.testing.assert_allclose(got["se"], expected["clm_se"], atol=FITTED)
    np.testing.assert_allclose(got["estimate"], expected["estimate"], atol=1e-4)  # polr stops BFGS earlier
    predictors = got[got.kind == "predictor"]
    np.testing.assert_allclose(predictors["odds_ratio"], np.exp(predictors["estimate"]), rtol=1e-12)
    assert got.loc[got.kind == "threshold", "odds_ratio"].isna().all()
    fit = result.fit.iloc[0]
    want = pd.read_csv(REFERENCE / "findings_ordinal_wine_fit.csv").iloc[0]
    for ours, theirs in [("log_likelihood", "log_likelihood"), ("null_log_likelihood", "null_log_likelihood"),
                         ("lr_chi_square", "lr_chi_square"), ("mcfadden_r_squared", "mcfadden"),
                         ("nagelkerke_r_squared", "nagelkerke")]:  # fmt: skip
        assert fit[ours] == pytest.approx(want[theirs], abs=FITTED), ours
    assert result.levels == ("1", "2", "3", "4", "5")


def test_ordinal_outcome_needs_an_order():
    data = pd.DataFrame({"x": np.arange(30.0) % 7, "y": list("abc") * 10})
    with pytest.raises(DataError, match="order is unknown"):
        ordinal_regression(data, outcome="y", predictors=["x"])
    ordered = data.assign(y=pd.Categorical(data.y, categories=["c", "b", "a"], ordered=True))
    assert ordinal_regression(ordered, outcome="y", predictors=["x"]).levels == ("c", "b", "a")


# --- recovery of the bundled example's planted model ------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    """The bundled parent data as run_study prepares it (import, screening, scale scores; the measurement step is
    skipped for speed), with construct ids as in truth.json and the class code."""
    dataset = load_study(EXAMPLE / "study.yaml").datasets[0]
    responses = read_responses(dataset.file, dataset.instrument, source=dataset.source, on_invalid="mark")
    kept = screen(responses, instrument=dataset.instrument, rules=load_study(EXAMPLE / "study.yaml").screening).kept
    truth = json.loads((EXAMPLE / "truth.json").read_text(encoding="utf-8"))
    names = truth["construct_map"]["parent"]
    scores = score_scales(kept.items, instrument=dataset.instrument).scores
    data = scores.rename(columns={v: k for k, v in names.items()})
    return data.join(responses.background[["class_code"]]), truth


def test_example_regression_recovers_the_planted_paths(example):
    """EFT on the parent questionnaire's cooperation factors (COM, OPN, FLX, INV, GOL), then trust, with class-
    clustered SEs: every standardised β is within .06 (about two cluster-robust SEs) of the planted path of the
    latent model (INV has none: 0), trust adds ΔR² with p < .001, and COM has the largest β.

    The scale means carry measurement error and omit the class-level drivers and involvement, so β is not the
    latent path exactly; the largest gap seen is .044 (INV)."""
    data, truth = example
    factors = ["COM", "OPN", "FLX", "INV", "GOL"]
    result = hierarchical_regression(data, outcome="EFT", blocks={"factors": factors, "trust": ["TRU"]},
                                     cov_type="cluster", cluster="class_code")  # fmt: skip
    paths = truth["config"]["paths"]["EFT"]
    final = result.coefficients[result.coefficients.step == 2].set_index("term")
    for term in [*factors, "TRU"]:
        assert final.loc[term, "std_estimate"] == pytest.approx(paths.get(term, 0.0), abs=0.06), term
    assert final["std_estimate"].idxmax() == "COM"
    trust = result.steps.set_index("block").loc["trust"]
    assert trust["r_squared_change"] > 0.01 and trust["p_change"] < 0.001
    assert result.n_clusters == truth["counts"]["classes"] and result.n + result.n_dropped == len(data)
