"""correlation_table against R cor.test on psychTools' bfi, pairwise and listwise."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings import correlation_table, significance_stars

from ..conftest import REFERENCE
from ._data import bfi_scales

EXACT = 1e-10
EXPECTED = pd.read_csv(REFERENCE / "findings_correlation_bfi.csv")
COLUMNS = ["agree", "consc", "extra", "neuro", "open", "age"]
CASES = [(m, p) for m in ("pearson", "spearman") for p in ("pairwise", "listwise")]


@pytest.fixture(scope="module")
def bfi():
    return bfi_scales()


@pytest.mark.parametrize(("method", "policy"), CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_pairs_match_cor_test(bfi, method, policy):
    # R: cor.test(x, y, method = method, exact = FALSE) on each pair (tests/reference/findings_correlate.R)
    result = correlation_table(bfi, columns=COLUMNS, method=method, nan_policy=policy)
    expected = EXPECTED[(EXPECTED.method == method) & (EXPECTED.nan_policy == policy)]
    got = result.pairs.merge(expected, on=["variable_1", "variable_2"], suffixes=("", "_r"))
    assert len(got) == len(result.pairs) == 15
    np.testing.assert_array_equal(got["n"], got["n_r"])
    np.testing.assert_allclose(got["r"], got["r_r"], atol=EXACT)
    np.testing.assert_allclose(got["p_value"], got["p_value_r"], rtol=1e-8, atol=1e-300)
    np.testing.assert_allclose(got["ci_low"], got["ci_low_r"], atol=EXACT, equal_nan=True)
    np.testing.assert_allclose(got["ci_high"], got["ci_high_r"], atol=EXACT, equal_nan=True)
    assert result.nan_policy == policy and result.method == method


def test_descriptives_and_counts(bfi):
    pairwise = correlation_table(bfi, columns=COLUMNS)
    np.testing.assert_allclose(pairwise.descriptives["mean"], bfi[COLUMNS].mean(), atol=EXACT)
    np.testing.assert_allclose(pairwise.descriptives["sd"], bfi[COLUMNS].std(), atol=EXACT)
    np.testing.assert_array_equal(pairwise.descriptives["n"], bfi[COLUMNS].notna().sum())
    listwise = correlation_table(bfi, columns=COLUMNS, nan_policy="listwise")
    complete = bfi[COLUMNS].dropna()
    assert (listwise.n, listwise.n_dropped) == (len(complete), len(bfi) - len(complete))
    assert (listwise.descriptives["n"] == len(complete)).all()


def test_the_thesis_table_is_a_lower_triangle(bfi):
    result = correlation_table(bfi, columns=COLUMNS)
    table = result.to_frame()
    assert list(table.columns) == ["variable", "n", "mean", "sd", *COLUMNS]
    r = table[COLUMNS].to_numpy()
    assert np.isnan(r[np.triu_indices(6)]).all() and not np.isnan(r[np.tril_indices(6, -1)]).any()
    pair = result.pairs.set_index(["variable_1", "variable_2"]).loc[("neuro", "agree")]
    assert table.set_index("variable").loc["neuro", "agree"] == pair["r"]
    stars = result.lower_triangle("stars")
    assert stars.loc["neuro", "agree"] == pair["stars"] and stars.loc["agree", "neuro"] == ""


def test_stars():
    assert list(significance_stars([0.0004, 0.001, 0.009, 0.04, 0.05, np.nan])) == ["***", "**", "**", "*", "", ""]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), min_size=5, max_size=50))
def test_r_is_bounded_symmetric_and_spearman_is_rank_invariant(points):
    data = pd.DataFrame(points, columns=["x", "y"])
    if data.x.nunique() < 3 or data.y.nunique() < 3:
        return
    r = correlation_table(data, columns=["x", "y"]).pairs["r"].iloc[0]
    swapped = correlation_table(data, columns=["y", "x"]).pairs["r"].iloc[0]
    assert -1 <= r <= 1 and r == pytest.approx(swapped, abs=1e-12)
    rho = correlation_table(data, columns=["x", "y"], method="spearman").pairs["r"].iloc[0]
    monotone = data.assign(x=np.exp(data.x / 10.0))
    assert correlation_table(monotone, columns=["x", "y"], method="spearman").pairs["r"].iloc[0] == pytest.approx(
        rho, abs=1e-9
    )


def test_bad_input():
    data = pd.DataFrame({"a": [1.0, 2, 3], "b": [1.0, 1, 1]})
    with pytest.raises(DataError, match="at least two columns"):
        correlation_table(data, columns=["a"])
    with pytest.raises(DataError, match="do not vary"):
        correlation_table(data, columns=["a", "b"])
    with pytest.raises(InputError, match="'method' parameter of correlation_table"):
        correlation_table(data, columns=["a", "b"], method="kendall")
