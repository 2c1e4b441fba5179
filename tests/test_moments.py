"""The moment accumulator: blocks merge exactly, the listwise rows need no copy, covariances match numpy/pandas."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hsc_analysis.moments import Moments, group_moments

codes = arrays(
    np.float64,
    st.tuples(st.integers(3, 60), st.integers(2, 6)),
    elements=st.one_of(st.integers(1, 5).map(float), st.just(np.nan)),
)


def _same(a: Moments, b: Moments, atol: float = 0.0) -> None:
    for x, y in zip((*a.arrays(), a.minimum, a.maximum), (*b.arrays(), b.minimum, b.maximum), strict=True):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol)
    assert a.rows == b.rows


@settings(max_examples=60)
@given(values=codes, cut=st.floats(0, 1), policy=st.sampled_from([None, "pairwise", "listwise"]))
def test_moments_of_two_blocks_add_up_to_the_moments_of_all_rows(values, cut, policy):
    split = int(cut * len(values))
    whole = Moments.of(values, nan_policy=policy)
    merged = Moments.of(values[:split], nan_policy=policy) + Moments.of(values[split:], nan_policy=policy)
    _same(whole, merged)  # integer codes: the sums are exact, so the merge is too


@settings(max_examples=60)
@given(values=codes)
def test_listwise_moments_are_those_of_the_complete_rows(values):
    complete = values[~np.isnan(values).any(axis=1)]
    _same(Moments.of(values, nan_policy="listwise"), Moments.of(complete))


def test_covariance_equals_pandas_pairwise_and_numpy_complete():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(40_000, 5)) @ rng.normal(size=(5, 5)) + 10
    complete = Moments.of(values).covariance()
    np.testing.assert_allclose(complete[0], np.cov(values, rowvar=False), rtol=1e-10)
    np.testing.assert_allclose(complete[1], np.corrcoef(values, rowvar=False), rtol=1e-10)
    values[rng.random(values.shape) < 0.1] = np.nan  # more rows than one block, missing cells in every block
    cov, cor = Moments.of(values).covariance()
    frame = pd.DataFrame(values)
    np.testing.assert_allclose(cov, frame.cov().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(cor, frame.corr().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(Moments.of(values).means(), frame.mean().to_numpy(), rtol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(3, 40), st.just(7)),
        elements=st.one_of(st.integers(1, 5).map(float), st.just(np.nan)),
    ),
    cut=st.integers(1, 39),
    policy=st.sampled_from([None, "pairwise", "listwise"]),
)
def test_group_moments_are_each_groups_moments_whatever_the_blocks(values, cut, policy):
    groups = [[0, 1, 2], [5, 3], [4], [6]]  # contiguous, scattered and single columns
    blocks = (values[start : start + cut].copy(order="F") for start in range(0, len(values), cut))
    for merged, group in zip(group_moments(blocks, groups, nan_policy=policy), groups, strict=True):
        _same(merged, Moments.of(values[:, group], nan_policy=policy))
