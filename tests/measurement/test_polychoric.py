import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hsc_analysis.errors import DataError
from hsc_analysis.measurement import polychoric

from ..conftest import REFERENCE
from ._cases import bfi_items


def test_polychoric_matches_psych_polychoric_on_bfi():
    # R: psych::polychoric(bfi[, 1:25])$rho. psych stops optimize() at tol ≈ 1.2e-4; we go to the optimum, so the
    # tolerance is 5e-5 (largest difference measured: 2.0e-5).
    expected = pd.read_csv(REFERENCE / "polychoric_bfi.csv", index_col="item")
    result = polychoric(bfi_items(), nan_policy="pairwise")
    np.testing.assert_allclose(result.to_numpy(), expected.loc[result.index, result.columns].to_numpy(), atol=5e-5)


def test_polychoric_recovers_the_latent_correlation():
    rng = np.random.default_rng(3)
    latent = rng.multivariate_normal([0, 0, 0], [[1, 0.5, -0.3], [0.5, 1, 0.2], [-0.3, 0.2, 1]], size=20_000)
    codes = pd.DataFrame(np.digitize(latent, [-1.2, -0.3, 0.4, 1.5]) + 1, columns=list("abc"))
    result = polychoric(codes, nan_policy="listwise")
    np.testing.assert_allclose(result.to_numpy()[np.triu_indices(3, 1)], [0.5, -0.3, 0.2], atol=0.02)


def test_polychoric_rejects_non_integer_codes_and_many_categories():
    with pytest.raises(DataError, match="whole numbers"):
        polychoric(pd.DataFrame({"a": [1.5, 2, 3], "b": [1, 2, 3]}), nan_policy="listwise")
    with pytest.raises(DataError, match="10 categories"):
        polychoric(pd.DataFrame({"a": range(1, 11), "b": range(10, 0, -1)}), nan_policy="listwise")


def test_items_never_answered_together_are_an_error_naming_the_pair():
    data = pd.DataFrame({"a": [1, 2, 3, 1, np.nan, np.nan], "b": [np.nan] * 3 + [1, 2, 3], "c": [1, 2, 3, 3, 2, 1]})
    with pytest.raises(DataError, match="a–b; drop one item"):
        polychoric(data, nan_policy="pairwise")


@settings(max_examples=25, deadline=None)
@given(
    values=arrays(np.float64, st.tuples(st.integers(30, 80), st.just(3)), elements=st.integers(1, 4).map(float)),
    shift=st.integers(-3, 3),
)
def test_polychoric_is_symmetric_bounded_and_ignores_a_shift_of_the_codes(values, shift):
    data = pd.DataFrame(values, columns=list("abc"))
    assume((data.std() > 0).all())
    result = polychoric(data, nan_policy="listwise").to_numpy()
    np.testing.assert_array_equal(result, result.T)
    assert (np.abs(result) < 1).sum() == 6 and (np.diag(result) == 1).all()
    shifted = polychoric(data + shift, nan_policy="listwise").to_numpy()
    np.testing.assert_allclose(shifted, result, atol=1e-9)
