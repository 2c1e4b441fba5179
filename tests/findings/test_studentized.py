"""The vectorised studentized range distribution against scipy.stats.studentized_range (adaptive quadrature)."""

import numpy as np
import pytest
from scipy import stats

from hsc_analysis.findings._studentized import studentized_range_cdf, studentized_range_ppf, studentized_range_sf

QUADRATURE = 1e-10  # largest difference seen on this grid: 1.3e-11


@pytest.mark.parametrize("k", [2, 3, 5, 10])
@pytest.mark.parametrize("df", [1.0, 2.0, 5.0, 17.3, 50.0, 300.0, 2499.0, 20_000.0])
def test_cdf_matches_scipy(k, df):
    q = np.array([0.3, 1.0, 2.5, 4.0, 6.0, 9.0, 20.0])
    expected = [stats.studentized_range.cdf(x, k, df) for x in q]
    np.testing.assert_allclose(studentized_range_cdf(q, k, df), expected, rtol=0, atol=QUADRATURE)
    np.testing.assert_allclose(studentized_range_sf(q, k, df), 1 - np.asarray(expected), rtol=0, atol=QUADRATURE)


def test_ppf_inverts_the_cdf_and_matches_scipy():
    df = np.array([3.0, 30.0, 471.07, 2499.0])
    q = studentized_range_ppf(0.95, 5, df)
    np.testing.assert_allclose(q, [stats.studentized_range.ppf(0.95, 5, d) for d in df], rtol=0, atol=1e-8)
    np.testing.assert_allclose(studentized_range_cdf(q, 5, df), 0.95, atol=1e-12)


def test_large_df_approaches_the_range_of_normals():
    """scipy and R switch to the infinite-df formula above df 100,000 (R: 25,000); ours converges to it."""
    limit = stats.studentized_range.cdf(4.0, 10, 1e9)
    gaps = [abs(studentized_range_cdf(4.0, 10, df) - limit) for df in (1e4, 1e5, 1e6, 1e12)]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] < 1e-10


def test_missing_values_propagate():
    assert np.isnan(studentized_range_cdf(np.nan, 3, 10.0)) and np.isnan(studentized_range_sf(2.0, 3, np.nan))
    assert studentized_range_cdf(0.0, 3, 10.0) == 0.0 and np.isnan(studentized_range_ppf(0.95, 3, [np.nan])[0])
