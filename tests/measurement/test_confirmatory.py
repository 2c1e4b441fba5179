"""CFA against lavaan 0.6-14 (tests/reference/measurement_cfa.R): estimates, SEs, standardized solution, fit."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement.confirmatory import FIT_MEASURES, cfa, instrument_model
from hsc_analysis.measurement.syntax import ModelSyntaxError

from ..conftest import REFERENCE
from ._cases import BFI_KEYS

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
R_MEASURES = {"pvalue": "p_value", "rmsea.ci.lower": "rmsea_ci_low", "rmsea.ci.upper": "rmsea_ci_high",
              "baseline.chisq": "baseline_chisq", "baseline.df": "baseline_df", "ntotal": "n"}  # fmt: skip
# lavaan's nlminb stops at a relative change of ~1e-10 in F, so its estimates sit up to ~3e-5 from the optimum
# along flat directions (bfi: our χ² is 4e-7 lower than lavaan's); fit indices agree to 1e-6.
HS_LABELS = "visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + 1.1*x5 + x6\nspeed =~ x7 + x8 + x9\nvisual ~~ 0*speed"
TOLERANCE = {"hs_labels": 1e-5, "hs": 1e-5, "hs_sem": 1e-5, "hs_scalar": 1e-5, "bfi": 1e-4, "parent": 1e-4}


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(REFERENCE / "holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def bfi_instrument():
    return Instrument.from_keys(BFI_KEYS, response_range=(1, 6))


@pytest.fixture(scope="module")
def parent_data():
    """800 simulated parents (benchmarks/bench_cfa.py): raw codes, reverse-keyed items as answered."""
    return pd.read_csv(REFERENCE / "cfa_parent_data.csv")


def _fits(hs, bfi, bfi_instrument, parent_data, parent):
    return {
        "parent": lambda: cfa(parent_data, instrument=parent),
        "hs": lambda: cfa(hs, model=HS_MODEL),
        "hs_labels": lambda: cfa(hs, model=HS_LABELS),
        "hs_sem": lambda: cfa(hs, model=HS_MODEL + "\nspeed ~ visual + textual\nx7 ~~ x8"),
        "hs_scalar": lambda: cfa(hs, model=HS_MODEL, group="school", group_equal=("loadings", "intercepts")),
        "bfi": lambda: cfa(bfi, instrument=bfi_instrument),
    }


def _lavaan_estimates(name: str, groups: tuple) -> pd.DataFrame:
    table = pd.read_csv(REFERENCE / f"cfa_{name}_estimates.csv", keep_default_na=False, na_values=["NA"])
    table["group"] = [groups[int(g) - 1] for g in table["group"]] if "group" in table else groups[0]
    return table[table["op"].isin(["=~", "~~", "~", "~1"])]


@pytest.mark.parametrize("name", ["hs", "hs_labels", "hs_sem", "hs_scalar", "bfi", "parent"])
def test_matches_lavaan(name, hs, bfi, bfi_instrument, parent_data, parent):
    result = _fits(hs, bfi, bfi_instrument, parent_data, parent)[name]()
    assert result.converged and result.admissible and not result.warnings
    expected = _lavaan_estimates(name, result.groups)
    merged = result.estimates.merge(expected, on=["lhs", "op", "rhs", "group"], suffixes=("", "_r"), validate="1:1")
    assert len(merged) == len(expected) == len(result.estimates)
    np.testing.assert_allclose(merged["estimate"], merged["est"], atol=TOLERANCE[name])
    free = merged[merged["free"]]
    np.testing.assert_allclose(free["se"], free["se_r"], atol=TOLERANCE[name])
    np.testing.assert_allclose(free["p_value"], free["pvalue"], atol=TOLERANCE[name])
    np.testing.assert_allclose(merged["std_all"], merged["std.all"], atol=TOLERANCE[name])
    has_se = merged["std_all_se_r"] > 0
    np.testing.assert_allclose(
        merged.loc[has_se, "std_all_se"], merged.loc[has_se, "std_all_se_r"], atol=TOLERANCE[name]
    )

    fit = pd.read_csv(REFERENCE / f"cfa_{name}_fit.csv").set_index("measure")["value"].rename(index=R_MEASURES)
    assert result.fit["chisq"] <= fit["chisq"] + 1e-9  # our optimum is at least as low as lavaan's
    for measure in fit.index:
        assert result.fit[measure] == pytest.approx(fit[measure], rel=1e-6, abs=1e-6), measure


def test_result_shape(hs):
    result = cfa(hs, model=HS_MODEL)
    assert list(result.fit.index) == list(FIT_MEASURES)
    assert result.fit["chisq_df"] == pytest.approx(result.fit["chisq"] / result.fit["df"])
    assert result.to_frame() is result.estimates
    assert result.n == 301 and result.n_dropped == 0 and result.nan_policy == "listwise"
    assert result.groups == ("all",)
    assert result.estimates[~result.estimates["free"]]["se"].isna().all()


def test_instrument_model_keys_reverse_items(bfi, bfi_instrument):
    """Keyed (reverse items recoded) the bfi loadings are all positive; raw, the reverse items load negatively."""
    keyed = cfa(bfi, instrument=bfi_instrument).estimates.set_index(["lhs", "op", "rhs"])["std_all"]
    raw = cfa(bfi, model=instrument_model(bfi_instrument)).estimates.set_index(["lhs", "op", "rhs"])["std_all"]
    loadings = keyed.index.get_level_values("op") == "=~"
    assert (keyed[loadings] > 0).all()
    assert raw["agree", "=~", "A2"] == pytest.approx(-keyed["agree", "=~", "A2"], abs=1e-6)  # A1 is the marker
    assert raw["openness", "=~", "O2"] == pytest.approx(-keyed["openness", "=~", "O2"], abs=1e-6)


def test_listwise_and_raise(hs):
    holes = hs.copy()
    holes.loc[[3, 10], "x2"] = np.nan
    result = cfa(holes, model=HS_MODEL)
    assert (result.n, result.n_dropped) == (299, 2)
    with pytest.raises(DataError, match="2 respondent"):
        cfa(holes, model=HS_MODEL, nan_policy="raise")
    assert holes["x2"].isna().sum() == 2  # caller's data untouched


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, InputError, "instrument or a model"),
        ({"model": HS_MODEL, "estimator": "gls"}, InputError, "estimator must be one of"),
        ({"model": HS_MODEL, "nan_policy": "pairwise"}, InputError, "nan_policy must be one of"),
        ({"model": HS_MODEL, "group_equal": ["loadings"]}, InputError, "give group as well"),
        ({"model": HS_MODEL, "group": "school", "group_equal": ["means"]}, InputError, "group_equal must be one of"),
        ({"model": "visual =~ x1 + x2"}, InputError, "too few items"),
        ({"model": "visual =~ x1 + x2 + nope + gone"}, DataError, "nope, gone"),
        ({"model": "visual = x1 + x2"}, ModelSyntaxError, "line 1"),
        ({"model": "f =~ x1 + x2 + x3\nx1 ~ f"}, ModelSyntaxError, "line 2.*among factors"),
    ],
)
def test_bad_input(hs, kwargs, error, match):
    with pytest.raises(error, match=match):
        cfa(hs, **kwargs)


def test_too_few_respondents_and_singular_data(hs):
    with pytest.raises(DataError, match="more respondents than items"):
        cfa(hs.head(8), model=HS_MODEL)
    twin = hs.assign(x10=hs["x1"])
    with pytest.raises(DataError, match="not positive definite"):
        cfa(twin, model=HS_MODEL + "\nextra =~ x10 + x1 + x2")
    with pytest.raises(DataError, match=r"without variance.*x3"):
        cfa(hs.assign(x3=1.0), model=HS_MODEL)


def _exact_sample(cov: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """n rows whose covariance matrix (divisor n) is exactly ``cov``."""
    x = np.random.default_rng(seed).normal(size=(n, len(cov)))
    x -= x.mean(axis=0)
    x = x @ np.linalg.inv(np.linalg.cholesky(x.T @ x / n)).T @ np.linalg.cholesky(cov).T
    return pd.DataFrame(x, columns=[f"v{i}" for i in range(1, len(cov) + 1)])


def test_heywood_case_is_flagged():
    """r12 = r13 = 0.8 and r23 = 0.45 imply a squared standardized loading 0.64/0.45 > 1 for v1."""
    cov = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.45], [0.8, 0.45, 1.0]])
    result = cfa(_exact_sample(cov, 300, seed=1), model="f =~ v1 + v2 + v3")
    assert result.converged
    assert not result.admissible
    assert any("Heywood" in w and "v1" in w for w in result.warnings)
    assert result.estimates.query("lhs == 'v1' and op == '~~'")["std_all"].item() == pytest.approx(
        1 - 0.64 / 0.45, abs=1e-6
    )


def test_non_convergence_and_non_identification_are_flagged():
    """Factor B's items are pure noise: B is empirically unidentified; the result says so instead of hiding it."""
    rng = np.random.default_rng(3)
    f = rng.normal(size=500)
    data = pd.DataFrame({f"a{i}": f + rng.normal(size=500) for i in (1, 2, 3)}
                        | {f"b{i}": rng.normal(size=500) for i in (1, 2, 3)})  # fmt: skip
    result = cfa(data, model="A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3")
    assert not result.converged and not result.admissible
    assert any("did not converge" in w for w in result.warnings)
    assert any("not identified" in w for w in result.warnings)
    assert result.estimates.loc[result.estimates["free"], "se"].isna().all()


@pytest.fixture(scope="module")
def hs_fit(hs):
    return cfa(hs, model=HS_MODEL)


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.1, 10))
def test_invariant_to_row_order_and_scale(hs, hs_fit, seed, scale):
    """Reordering respondents changes nothing; rescaling the items leaves the standardized solution and fit."""
    base = hs_fit
    moved = hs.iloc[np.random.default_rng(seed).permutation(len(hs))].copy()
    moved[[f"x{i}" for i in range(1, 10)]] *= scale
    other = cfa(moved, model=HS_MODEL)
    np.testing.assert_allclose(other.estimates["std_all"], base.estimates["std_all"], atol=1e-6)
    measures = ["chisq", "cfi", "rmsea", "srmr"]
    np.testing.assert_allclose(other.fit[measures], base.fit[measures], rtol=1e-6)


@pytest.mark.parametrize("name", ["bfi", "parent"])
def test_ordinal_dwls_matches_lavaan(name, bfi, parent_data, parent):
    """DWLS on polychorics (lavaan ``ordered = TRUE``): same estimates, robust SEs and fit (bfi: 10 items, 2632
    people; parent: 51 items, 13 factors, 800 simulated people)."""
    if name == "bfi":
        keys = {"agree": BFI_KEYS["agree"], "conscientious": BFI_KEYS["conscientious"]}
        result = cfa(bfi, instrument=Instrument.from_keys(keys, response_range=(1, 6)), estimator="dwls")
        polychoric = pd.read_csv(REFERENCE / "cfa_bfi_ordinal_polychoric.csv").set_index("item")
        np.testing.assert_allclose(result.sample_covariance["all"], polychoric.loc[:, polychoric.index], atol=1e-6)
    else:
        result = cfa(parent_data, instrument=parent, estimator="dwls")
    assert result.converged and not result.warnings and result.estimator == "dwls"
    expected = pd.read_csv(REFERENCE / f"cfa_{name}_ordinal_estimates.csv", keep_default_na=False, na_values=["NA"])
    merged = result.estimates.merge(expected, on=["lhs", "op", "rhs"], suffixes=("", "_r"), validate="1:1")
    assert len(merged) == len(result.estimates)  # loadings, factor (co)variances, thresholds, residual variances
    np.testing.assert_allclose(merged["estimate"], merged["est"], atol=1e-5)
    np.testing.assert_allclose(merged["std_all"], merged["std.all"], atol=1e-5)
    free = merged[merged["free"]]
    np.testing.assert_allclose(free["se"], free["se_r"], atol=1e-4)  # Γ uses numeric threshold derivatives
    fit = pd.read_csv(REFERENCE / f"cfa_{name}_ordinal_fit.csv").set_index("measure")["value"]
    fit = fit.rename(index={**R_MEASURES, "chisq.scaled": "chisq_scaled", "pvalue.scaled": "p_value_scaled"})
    for measure in fit.index.intersection(result.fit.index):
        assert result.fit[measure] == pytest.approx(fit[measure], rel=1e-5, abs=1e-7), measure


def test_ordinal_rejects_groups_and_regressions(hs):
    with pytest.raises(InputError, match="one group"):
        cfa(hs.round(), model=HS_MODEL, estimator="dwls", group="school")
    with pytest.raises(InputError, match="factor loadings and factor covariances only"):
        cfa(hs.round(), model=HS_MODEL + "\nx7 ~~ x8", estimator="dwls")
