import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.measurement import bartlett_sphericity, efa, harman_single_factor, kmo, parallel_analysis

from ..conftest import REFERENCE
from ._cases import bfi_items, hs_items

EXACT = 1e-10  # closed form in psych too (KMO, Bartlett, eigenvalues, principal components)
FITTED = 1e-5  # psych's fa() stops R's optim() early; we go on to the optimum (largest difference seen: 7e-6)

DATA = {"bfi": bfi_items, "hs": hs_items}
N_FACTORS = {"bfi": 5, "hs": 3}
SPHERICITY = pd.read_csv(REFERENCE / "kmo_bartlett.csv")
LOADINGS = pd.read_csv(REFERENCE / "efa_loadings.csv")
VARIANCE = pd.read_csv(REFERENCE / "efa_variance.csv")
PARALLEL = pd.read_csv(REFERENCE / "parallel.csv")
METHOD = {"minres": "minres", "ml": "ml", "pc": "principal"}
EFA_CASES = [(d, m, r) for d in DATA for m in METHOD for r in ("none", "varimax", "promax", "oblimin")]


@pytest.mark.parametrize("name", DATA)
def test_kmo_matches_psych_kmo(name):
    # R: psych::KMO(x)$MSA and $MSAi (pairwise correlations)
    expected = SPHERICITY[SPHERICITY.data == name].set_index("item")["msa"]
    result = kmo(DATA[name](), nan_policy="pairwise")
    assert result.overall == pytest.approx(expected["overall"], abs=EXACT)
    np.testing.assert_allclose(result.items.set_index("item")["msa"], expected.drop("overall"), atol=EXACT)
    assert result.to_frame().columns.tolist() == ["item", "msa", "n", "nan_policy"]


@pytest.mark.parametrize("name", DATA)
def test_bartlett_matches_psych_cortest_bartlett(name):
    # R: psych::cortest.bartlett(x) — pairwise r, n = number of rows
    expected = SPHERICITY[SPHERICITY.data == name].iloc[0]
    result = bartlett_sphericity(DATA[name](), nan_policy="pairwise")
    assert result.statistic == pytest.approx(expected.chisq, rel=1e-10)
    assert result.df == expected.df
    assert result.p_value == pytest.approx(expected.p_value, rel=1e-8)


@pytest.mark.parametrize(("name", "method", "rotation"), EFA_CASES, ids=["-".join(c) for c in EFA_CASES])
def test_efa_matches_psych_fa_and_principal(name, method, rotation):
    # R: psych::fa(x, nfactors, fm, rotate) / psych::principal(x, nfactors, rotate); loadings, communality,
    # Vaccounted. Principal components are closed form (1e-10); minres and ml are fitted (5e-5).
    case = f"{name}_{method}_{rotation}"
    expected = LOADINGS[LOADINGS.case == case]
    result = efa(
        DATA[name](), n_factors=N_FACTORS[name], nan_policy="pairwise", method=METHOD[method], rotation=rotation
    )
    tolerance = EXACT * 100 if method == "pc" else FITTED
    want = expected.pivot_table(index="item", columns="factor", values="loading").loc[result.loadings.index]
    np.testing.assert_allclose(result.loadings.to_numpy(), want.to_numpy(), atol=tolerance)
    communality = expected.drop_duplicates("item").set_index("item")["communality"].loc[result.loadings.index]
    np.testing.assert_allclose(result.communalities, communality, atol=tolerance)
    variance = VARIANCE[VARIANCE.case == case]
    np.testing.assert_allclose(result.variance["ss_loadings"], variance["ss_loadings"], atol=tolerance * 10)
    np.testing.assert_allclose(result.variance["proportion"], variance["proportion"], atol=tolerance)
    assert result.flags == ()


def test_efa_oblique_rotation_reports_factor_correlations_and_long_table():
    result = efa(hs_items(), n_factors=3, nan_policy="listwise", method="ml", rotation="oblimin")
    phi = result.factor_correlations.to_numpy()
    np.testing.assert_allclose(np.diag(phi), 1, atol=1e-12)
    assert 0.2 < phi[0, 1] < 0.6  # visual, textual and speed abilities correlate
    table = result.to_frame()
    assert table.columns.tolist() == ["item", "factor", "loading", "communality"]
    assert len(table) == 27 and result.n == 301 and result.nan_policy == "listwise"


@pytest.mark.parametrize("name", DATA)
def test_parallel_analysis_observed_eigenvalues_and_decision_match_psych(name):
    # R: psych::fa.parallel(x, fm = "minres", fa = "both", n.iter = 20), set.seed(20240601); the simulated
    # eigenvalues are random, so only the observed ones (1e-10 / 5e-5) and the suggested numbers are compared.
    expected = PARALLEL[PARALLEL.data == name]
    result = parallel_analysis(DATA[name](), nan_policy="pairwise", seed=20240601)
    np.testing.assert_allclose(result.eigenvalues["observed_pc"], expected["pc_values"], atol=EXACT)
    np.testing.assert_allclose(result.eigenvalues["observed_fa"], expected["fa_values"], atol=FITTED)
    assert (result.n_factors, result.n_components) == (expected.nfact.iloc[0], expected.ncomp.iloc[0])


def test_parallel_analysis_is_reproducible_with_seed():
    first = parallel_analysis(hs_items(), nan_policy="listwise", seed=5, n_iter=5)
    second = parallel_analysis(hs_items(), nan_policy="listwise", seed=5, n_iter=5)
    pd.testing.assert_frame_equal(first.to_frame(), second.to_frame())


def test_harman_share_is_first_eigenvalue_over_items():
    # equals psych::principal(x, 1, rotate = "none")$Vaccounted["Proportion Var", 1] = pc_values[1] / p
    expected = PARALLEL[PARALLEL.data == "bfi"]["pc_values"].iloc[0] / 25
    result = harman_single_factor(bfi_items(), nan_policy="pairwise")
    assert result.first_factor_proportion == pytest.approx(expected, abs=EXACT)
    assert not result.common_method_concern
    assert result.n_eigenvalues_above_1 == 6


def test_collinear_items_give_an_error_naming_them():
    data = hs_items().assign(total=lambda d: d.x1 + d.x2)
    with pytest.raises(DataError, match=r"singular.*x1, x2.*total.*drop redundant items"):
        kmo(data, nan_policy="listwise")


def test_non_positive_definite_pairwise_matrix_suggests_listwise():
    # each pair of items is answered by a different third of the sample: r(a,b) ≈ r(b,c) ≈ .9 but r(a,c) ≈ −.9
    rng = np.random.default_rng(0)
    x, noise = rng.normal(size=(3, 40)), rng.normal(size=(3, 40, 2)) * 0.3
    nan = np.full(40, np.nan)
    data = pd.DataFrame(
        {
            "a": np.r_[x[0] + noise[0, :, 0], nan, x[2] + noise[2, :, 0]],
            "b": np.r_[x[0] + noise[0, :, 1], x[1] + noise[1, :, 0], nan],
            "c": np.r_[nan, x[1] + noise[1, :, 1], -x[2] + noise[2, :, 1]],
        }
    )
    with pytest.raises(DataError, match=r"not positive definite.*or use nan_policy='listwise'"):
        efa(data, n_factors=1, nan_policy="pairwise")


def test_bad_options_name_the_allowed_values():
    with pytest.raises(InputError, match=r"'rotation' parameter of efa must be one of .*'oblimin'.*got 'quartimax'"):
        efa(hs_items(), n_factors=3, nan_policy="listwise", rotation="quartimax")
    with pytest.raises(DataError, match=r"n_factors must be an integer from 1 to 8"):
        efa(hs_items(), n_factors=9, nan_policy="listwise")


def test_too_few_items_is_an_error():
    with pytest.raises(DataError, match="at least 3 items"):
        kmo(hs_items()[["x1", "x2"]], nan_policy="listwise")


@settings(max_examples=20, deadline=None)
@given(order=st.permutations(range(9)))
def test_efa_does_not_depend_on_item_order(order):
    data = hs_items()
    base = efa(data, n_factors=3, nan_policy="listwise", method="principal", rotation="varimax")
    shuffled = efa(
        data.iloc[:, list(order)], n_factors=3, nan_policy="listwise", method="principal", rotation="varimax"
    )
    np.testing.assert_allclose(shuffled.communalities.loc[base.loadings.index], base.communalities, atol=1e-10)


def test_efa_of_polychoric_correlations_matches_psych_fa_cor_poly():
    # R: psych::fa(bfi[, 1:25], 5, fm = "minres", rotate = "oblimin", cor = "poly"). Tolerance 1e-4 (seen: 5e-5):
    # the polychoric estimates themselves agree to 2e-5 (psych stops optimize() early) and the fit carries that on.
    expected = pd.read_csv(REFERENCE / "efa_polychoric_bfi.csv")
    result = efa(bfi_items(), n_factors=5, nan_policy="pairwise", correlation="polychoric")
    want = expected.pivot_table(index="item", columns="factor", values="loading").loc[result.loadings.index]
    np.testing.assert_allclose(result.loadings.to_numpy(), want.to_numpy(), atol=1e-4)
    assert result.correlation == "polychoric"


def test_results_are_tidy_and_state_n_and_policy():
    import hsc_analysis
    from hsc_analysis.measurement import cronbach_alpha, mcdonald_omega

    data = hs_items()
    results = [
        kmo(data, nan_policy="listwise"),
        bartlett_sphericity(data, nan_policy="listwise"),
        harman_single_factor(data, nan_policy="listwise"),
        parallel_analysis(data, nan_policy="listwise", seed=1, n_iter=3),
        cronbach_alpha(data, nan_policy="listwise", seed=None, n_boot=0),
        mcdonald_omega(data, nan_policy="listwise", n_factors=3),
    ]
    for result in results:
        frame = result.to_frame()
        assert isinstance(frame, pd.DataFrame) and len(frame) > 0
        assert all(column == column.lower() and " " not in column for column in frame.columns)
        assert (result.n, result.nan_policy) == (301, "listwise")
    assert hsc_analysis.efa is efa and hsc_analysis.kmo is kmo


def test_parallel_analysis_needs_at_least_one_iteration():
    with pytest.raises(DataError, match="n_iter must be a positive integer; got 0"):
        parallel_analysis(hs_items(), nan_policy="listwise", seed=1, n_iter=0)


def test_too_many_factors_for_the_items_are_flagged():
    result = efa(hs_items(), n_factors=6, nan_policy="listwise", rotation="varimax")
    assert "6 factors of 9 items leave negative degrees of freedom: extract fewer factors" in result.flags


def test_factor_functions_key_the_items_with_an_instrument(parent):
    """Given the instrument, the attention check is left out and reverse items are recoded, as reliability does."""
    import hsc_analysis as hsc
    from hsc_analysis.scoring import key_items

    study = hsc.load_study("data/example/study.yaml")
    raw = hsc.read_responses(study.datasets[0].file, parent, source="wjx_index", on_invalid="mark").items
    keyed = key_items(raw, instrument=parent)
    assert "check1" in raw and "check1" not in keyed
    for function, options in (
        (hsc.kmo, {}),
        (hsc.bartlett_sphericity, {}),
        (hsc.harman_single_factor, {}),
        (hsc.parallel_analysis, {"seed": 1, "n_iter": 2}),
        (hsc.efa, {"n_factors": 2}),
    ):
        given = function(raw, nan_policy="listwise", instrument=parent, **options)
        expected = function(keyed, nan_policy="listwise", **options)
        pd.testing.assert_frame_equal(given.to_frame(), expected.to_frame())
