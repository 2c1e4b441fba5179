"""Bivariate normal probabilities and polychoric moments (the pieces of the DWLS option)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hsc_analysis.measurement._ordinal import bivariate_cdf, ordinal_moments

limits = st.floats(-4, 4, allow_nan=False) | st.sampled_from([-np.inf, np.inf, 0.0])


@settings(max_examples=60, deadline=None)
@given(limits, limits, st.floats(-0.95, 0.95))
def test_bivariate_cdf_matches_scipy(h, k, rho):
    expected = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf(
        [np.clip(h, -40, 40), np.clip(k, -40, 40)]
    )
    assert bivariate_cdf(np.array([h]), np.array([k]), rho)[0] == pytest.approx(expected, abs=1e-6)


def test_polychoric_of_normal_data_recovers_the_correlation():
    rng = np.random.default_rng(5)
    latent = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=20_000)
    codes = np.digitize(latent, [-1.0, 0.0, 0.8])  # four categories
    moments = ordinal_moments(codes)
    assert moments.correlation[0, 1] == pytest.approx(0.6, abs=0.02)
    np.testing.assert_allclose(moments.thresholds[0], [-1.0, 0.0, 0.8], atol=0.03)
    assert moments.gamma.shape == (7, 7)  # 3 + 3 thresholds and one correlation
    assert np.all(np.linalg.eigvalsh(moments.gamma) > 0)
