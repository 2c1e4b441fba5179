"""FIML and MLR CFA against lavaan 0.6-14 (tests/reference/measurement_fiml.R) and the likelihood's invariants."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement import average_variance_extracted, composite_reliability, htmt
from hsc_analysis.measurement._casewise import jacobian, observed_information
from hsc_analysis.measurement._fiml import (
    em_moments,
    loglik,
    missing_patterns,
    moment_gradient,
    moment_information,
    parameter_information,
)
from hsc_analysis.measurement.confirmatory import _model, cfa
from hsc_analysis.measurement.invariance import measurement_invariance
from hsc_analysis.measurement.syntax import parse_model

from ..conftest import BFI_KEYS, REFERENCE

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
R_MEASURES = {"pvalue": "p_value", "rmsea.ci.lower": "rmsea_ci_low", "rmsea.ci.upper": "rmsea_ci_high",
              "baseline.chisq": "baseline_chisq", "baseline.df": "baseline_df", "ntotal": "n",
              "chisq.scaled": "chisq_scaled", "pvalue.scaled": "p_value_scaled",
              "chisq.scaling.factor": "scaling_factor", "baseline.chisq.scaled": "baseline_chisq_scaled",
              "cfi.robust": "cfi_robust", "tli.robust": "tli_robust", "rmsea.robust": "rmsea_robust"}  # fmt: skip
CASES = {  # name: (data file or "bfi", keyword arguments)
    "hs_mcar": ("fiml_hs_mcar_data.csv", {"nan_policy": "fiml"}),
    "hs_mar": ("fiml_hs_mar_data.csv", {"nan_policy": "fiml"}),
    "hs_mcar_mlr": ("fiml_hs_mcar_data.csv", {"nan_policy": "fiml", "estimator": "mlr"}),
    "hs_mar_mlr": ("fiml_hs_mar_data.csv", {"nan_policy": "fiml", "estimator": "mlr"}),
    "hs_mlr": ("holzinger_swineford_1939.csv", {"estimator": "mlr"}),
    "bfi": ("bfi", {"nan_policy": "fiml"}),
    "bfi_mlr": ("bfi", {"nan_policy": "fiml", "estimator": "mlr"}),
    "hs_metric_mlr": ("holzinger_swineford_1939.csv", {"estimator": "mlr", "group": "school",
                                                       "group_equal": ("loadings",)}),
    "hs_mcar_metric_mlr": ("fiml_hs_mcar_data.csv", {"nan_policy": "fiml", "estimator": "mlr", "group": "school",
                                                     "group_equal": ("loadings",)}),
}  # fmt: skip


@pytest.fixture(scope="module")
def bfi_instrument():
    return Instrument.from_keys(BFI_KEYS, response_range=(1, 6))


def _fit(name, bfi, bfi_instrument):
    source, kwargs = CASES[name]
    if source == "bfi":
        return cfa(bfi, instrument=bfi_instrument, **kwargs)
    return cfa(pd.read_csv(REFERENCE / source), model=HS_MODEL, **kwargs)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_lavaan(name, bfi, bfi_instrument):
    """Estimates, SEs and the standardized solution to 1e-4 (lavaan's nlminb stops ~1e-5 short of the optimum);
    the fit set to 1e-4 relative (lavaan's EM for the saturated model stops at a change of 1e-5, ours at 1e-10)."""
    result = _fit(name, bfi, bfi_instrument)
    assert result.converged and result.admissible and not result.warnings
    expected = pd.read_csv(REFERENCE / f"fiml_{name}_estimates.csv", keep_default_na=False, na_values=["NA"])
    expected["group"] = [result.groups[int(g) - 1] for g in expected["group"]] if "group" in expected else "all"
    expected = expected[expected["op"] != "=="]  # lavaan's equality-constraint rows
    keys = ["lhs", "op", "rhs", "group"]
    merged = result.estimates.merge(expected, on=keys, suffixes=("", "_r"), validate="1:1")
    assert len(merged) == len(expected) == len(result.estimates)
    np.testing.assert_allclose(merged["estimate"], merged["est"], atol=1e-4)
    free = merged[merged["free"]]
    np.testing.assert_allclose(free["se"], free["se_r"], atol=1e-4)
    np.testing.assert_allclose(merged["std_all"], merged["std.all"], atol=1e-4)
    has_se = merged["std_all_se_r"] > 0
    np.testing.assert_allclose(merged.loc[has_se, "std_all_se"], merged.loc[has_se, "std_all_se_r"], atol=1e-4)
    fit = pd.read_csv(REFERENCE / f"fiml_{name}_fit.csv").set_index("measure")["value"].rename(index=R_MEASURES)
    assert result.n_patterns == fit.pop("npatterns")
    fit = fit.drop("unrestricted.logl")
    if result.nan_policy == "fiml":
        assert result.fit[["gfi", "agfi"]].isna().all()
        fit = fit.drop(["gfi", "agfi"])
    for measure in fit.index:
        assert result.fit[measure] == pytest.approx(fit[measure], rel=1e-4, abs=1e-6), measure
    assert result.estimator == CASES[name][1].get("estimator", "ml")


def test_fiml_keeps_every_respondent_with_an_answer():
    data = pd.read_csv(REFERENCE / "fiml_hs_mcar_data.csv")
    data.loc[[0, 5], [f"x{i}" for i in range(1, 10)]] = np.nan  # two children with no answer at all
    result = cfa(data, model=HS_MODEL, nan_policy="fiml")
    assert (result.n, result.n_dropped, result.nan_policy) == (299, 2, "fiml")
    listwise = cfa(data, model=HS_MODEL)
    assert listwise.n == int(data[[f"x{i}" for i in range(1, 10)]].notna().all(axis=1).sum()) < 200


def test_fiml_on_complete_data_is_ml():
    """Without missing values FIML has one pattern and the ML estimates; its SEs use the observed information."""
    data = pd.read_csv(REFERENCE / "holzinger_swineford_1939.csv")
    fiml, ml = cfa(data, model=HS_MODEL, nan_policy="fiml"), cfa(data, model=HS_MODEL)
    assert fiml.n_patterns == 1
    a = fiml.estimates.merge(ml.estimates, on=["lhs", "op", "rhs"], suffixes=("", "_ml"))
    np.testing.assert_allclose(a["estimate"], a["estimate_ml"], atol=1e-6)
    for measure in ("chisq", "df", "cfi", "tli", "rmsea", "logl", "baseline_chisq"):
        assert fiml.fit[measure] == pytest.approx(ml.fit[measure], rel=1e-8), measure


def test_cr_ave_htmt_and_invariance_from_fiml(bfi, bfi_instrument):
    """semTools compRelSEM/AVE of a lavaan FIML fit use the EM covariances, htmt(missing = "ml") the EM
    correlations; lavaan's multi-group FIML gives the invariance fits."""
    result = cfa(bfi, instrument=bfi_instrument, nan_policy="fiml")
    ours = composite_reliability(result).merge(average_variance_extracted(result)).set_index("factor")
    expected = pd.read_csv(REFERENCE / "fiml_bfi_cr_ave.csv").set_index("factor")
    np.testing.assert_allclose(ours.loc[expected.index, ["cr", "ave"]], expected[["cr", "ave"]], atol=1e-5)
    pairs = htmt(bfi, instrument=bfi_instrument, nan_policy="fiml")
    expected = pd.read_csv(REFERENCE / "fiml_bfi_htmt.csv").set_index("factor")
    for row in pairs.itertuples():
        assert row.htmt == pytest.approx(expected.loc[row.factor_b, row.factor_a], abs=1e-5)
    assert (pairs["n"] == 2800).all()
    data = pd.read_csv(REFERENCE / "fiml_hs_mcar_data.csv")
    table = measurement_invariance(data, model=HS_MODEL, group="school", nan_policy="fiml").set_index("level")
    reference = pd.read_csv(REFERENCE / "fiml_invariance_hs_mcar.csv").set_index("model")
    for level in ("configural", "metric", "scalar"):
        for ours_name, r_name in (("chisq", "chisq"), ("df", "df"), ("cfi", "cfi"), ("rmsea", "rmsea"),
                                  ("srmr", "srmr"), ("bic", "bic")):  # fmt: skip
            assert table.loc[level, ours_name] == pytest.approx(reference.loc[level, r_name], rel=1e-4), level


def test_observed_information_is_the_hessian_of_the_loglikelihood():
    """−∂²log L/∂θ² (analytic pattern terms + differenced model terms) equals central differences of log L."""
    data = pd.read_csv(REFERENCE / "fiml_hs_mar_data.csv")
    result = cfa(data, model=HS_MODEL, nan_policy="fiml")
    observed = [f"x{i}" for i in range(1, 10)]
    table, engine = _model(parse_model(HS_MODEL), observed, list(result.factors), ["all"], (), True)
    free = table["free"].to_numpy() >= 0
    theta = np.empty(engine.n_free)
    theta[table["free"].to_numpy()[free]] = result.estimates["estimate"].to_numpy()[free]  # rows in table order
    patterns = {0: missing_patterns(data[observed].to_numpy(float))}

    def log_l(t):
        mats = engine.matrices(t, 0)
        return loglik(patterns[0], mats["mu"], mats["sigma"])

    h, eye = 1e-4, np.eye(engine.n_free) * 1e-4
    numeric = np.array([
        [(log_l(theta + a + b) - log_l(theta + a - b) - log_l(theta - a + b) + log_l(theta - a - b)) / (-4 * h * h)
         for b in eye]
        for a in eye
    ])  # fmt: skip
    np.testing.assert_allclose(observed_information(engine, theta, patterns), numeric, rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize("group", [None, "school"])
def test_parameter_information_is_delta_h_delta(group):
    """Δᵀ H Δ formed per pattern from the factored derivatives equals the product with the (p + p²)² matrix H,
    with means, several groups and missing values (closed form: 1e-10 relative)."""
    data = pd.read_csv(REFERENCE / "fiml_hs_mar_data.csv")
    result = cfa(data, model=HS_MODEL, nan_policy="fiml", group=group)
    observed = [f"x{i}" for i in range(1, 10)]
    groups = list(result.groups)
    table, engine = _model(parse_model(HS_MODEL), observed, list(result.factors), groups, (), True)
    free = table["free"].to_numpy() >= 0
    theta = np.empty(engine.n_free)
    theta[table["free"].to_numpy()[free]] = result.estimates["estimate"].to_numpy()[free]  # rows in table order
    theta += np.random.default_rng(3).normal(0, 0.01, engine.n_free)  # away from the optimum: the gradient ≠ 0
    for g, label in enumerate(groups):
        rows = data if group is None else data[data[group] == label]
        pattern = missing_patterns(rows[observed].to_numpy(float))
        mats = engine.matrices(theta, g)
        delta = jacobian(engine, theta, g)
        expected = delta.T @ moment_information(pattern, mats["mu"], mats["sigma"]) @ delta
        ours = parameter_information(pattern, mats["mu"], mats["sigma"], *engine.derivatives(theta, g))
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10 * np.abs(expected).max())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0.0, 0.4))
def test_loglik_is_the_sum_of_casewise_normal_densities(seed, share):
    """Per-pattern log L equals Σ_i log φ(y_i,o; μ_o, Σ_oo) (scipy), and EM's moments maximise it (∇ = 0)."""
    rng = np.random.default_rng(seed)
    p = 5
    root = rng.normal(size=(p, p))
    sigma = root @ root.T + p * np.eye(p)
    mu = rng.normal(size=p)
    x = rng.multivariate_normal(mu, sigma, size=60)
    x[rng.random(x.shape) < share] = np.nan
    x = x[~np.isnan(x).all(axis=1)]
    patterns = missing_patterns(x)
    expected = sum(
        stats.multivariate_normal(mu[~np.isnan(row)], sigma[np.ix_(~np.isnan(row), ~np.isnan(row))]).logpdf(
            row[~np.isnan(row)]
        )
        for row in x
    )
    assert loglik(patterns, mu, sigma) == pytest.approx(expected, rel=1e-10)
    assert patterns.n == len(x) and patterns.n_patterns == len(np.unique(np.isnan(x), axis=0))
    observed = (~np.isnan(x)).astype(float)
    # EM's fixed point is an interior maximum only when every pair of items is seen together often enough; with
    # 60 rows and up to 40 % missing, sparser draws head for a singular Σ̂ (the saturated model is not identified)
    if (observed.T @ observed).min() >= 4 * p and len(x) > 3 * p:
        em_mu, em_sigma = em_moments(patterns)
        grad_sigma, grad_mu = moment_gradient(patterns, em_mu, em_sigma)
        assert np.abs(grad_mu).max() < 1e-6 and np.abs(grad_sigma).max() < 1e-6


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"nan_policy": "fiml", "estimator": "dwls"}, InputError, "no likelihood for FIML"),
        ({"nan_policy": "imputed"}, InputError, "nan_policy must be one of"),
    ],
)
def test_bad_input(kwargs, error, match):
    data = pd.read_csv(REFERENCE / "fiml_hs_mcar_data.csv")
    with pytest.raises(error, match=match):
        cfa(data, model=HS_MODEL, **kwargs)


def test_items_never_answered_together_are_an_error():
    data = pd.read_csv(REFERENCE / "holzinger_swineford_1939.csv")
    data.loc[data.index[:150], "x1"] = np.nan
    data.loc[data.index[150:], "x2"] = np.nan
    with pytest.raises(DataError, match="answered both 'x1' and 'x2'"):
        cfa(data, model=HS_MODEL, nan_policy="fiml")
