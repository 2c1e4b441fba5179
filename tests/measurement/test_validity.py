"""CR, AVE, Fornell–Larcker and HTMT against semTools 0.5.6 (tests/reference/measurement_cfa.R)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement.confirmatory import cfa
from hsc_analysis.measurement.validity import (
    _htmt_of_fit,
    average_variance_extracted,
    composite_reliability,
    fornell_larcker,
    htmt,
)

from ..conftest import REFERENCE
from .test_confirmatory import BFI_KEYS, HS_MODEL


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(REFERENCE / "holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def cases(hs, bfi, parent):
    instrument = Instrument.from_keys(BFI_KEYS, response_range=(1, 6))
    parent_data = pd.read_csv(REFERENCE / "cfa_parent_data.csv")
    return {
        "parent": (cfa(parent_data, instrument=parent), None),
        "hs": (cfa(hs, model=HS_MODEL), lambda: htmt(hs, model=HS_MODEL)),
        "bfi": (cfa(bfi, instrument=instrument), lambda: htmt(bfi, instrument=instrument)),
    }


@pytest.mark.parametrize("name", ["hs", "bfi", "parent"])
def test_cr_and_ave_match_semtools(cases, name):
    result, _ = cases[name]
    expected = pd.read_csv(REFERENCE / f"validity_{name}_cr_ave.csv").set_index("factor")
    cr = composite_reliability(result).set_index("factor")
    ave = average_variance_extracted(result).set_index("factor")
    tolerance = 1e-6 if name == "hs" else 1e-4  # lavaan's estimates are up to ~3e-5 from the optimum (see cfa tests)
    np.testing.assert_allclose(cr.loc[expected.index, "cr"], expected["cr"], atol=tolerance)
    np.testing.assert_allclose(ave.loc[expected.index, "ave"], expected["ave"], atol=tolerance)
    np.testing.assert_allclose(ave["sqrt_ave"] ** 2, ave["ave"])


@pytest.mark.parametrize("name", ["hs", "bfi"])
def test_htmt_matches_semtools(cases, name):
    _, compute = cases[name]
    expected = pd.read_csv(REFERENCE / f"validity_{name}_htmt.csv").set_index("factor")
    table = compute()
    assert len(table) == len(expected) * (len(expected) - 1) // 2
    for row in table.itertuples():
        assert row.htmt == pytest.approx(expected.loc[row.factor_a, row.factor_b], abs=1e-9)


def test_htmt_arithmetic_matches_semtools(hs):
    expected = pd.read_csv(REFERENCE / "validity_hs_htmt_arithmetic.csv").set_index("factor")
    for row in htmt(hs, model=HS_MODEL, mean="arithmetic").itertuples():
        assert row.htmt == pytest.approx(expected.loc[row.factor_a, row.factor_b], abs=1e-9)


def test_fornell_larcker_table(cases):
    result, _ = cases["hs"]
    table = fornell_larcker(result).set_index("factor")
    expected = pd.read_csv(REFERENCE / "validity_hs_cor_lv.csv").set_index("factor")
    ave = average_variance_extracted(result).set_index("factor")
    for a in expected.index:
        assert table.loc[a, a] == pytest.approx(ave.loc[a, "sqrt_ave"])
        for b in expected.index.drop(a):
            assert table.loc[a, b] == pytest.approx(expected.loc[a, b], abs=1e-6)
    # visual: √AVE 0.609 > max |r| 0.471; all three pass on this data
    assert table["discriminant"].all()
    assert table.loc["visual", "max_correlation"] == pytest.approx(expected.loc["visual", "speed"], abs=1e-6)


def test_multigroup_validity_per_group(hs):
    result = cfa(hs, model=HS_MODEL, group="school")
    table = composite_reliability(result)
    assert list(table["group"].unique()) == ["Pasteur", "Grant-White"]
    assert len(table) == 6


def test_htmt_bad_input(hs):
    with pytest.raises(InputError, match="instrument or a model"):
        htmt(hs)
    with pytest.raises(InputError, match="x10"):
        htmt(hs, model="f =~ x1 + x2 + x10")


@settings(max_examples=10, deadline=None)
@given(st.floats(0.1, 10), st.floats(-5, 5))
def test_htmt_invariant_to_linear_rescaling(hs, scale, shift):
    base = htmt(hs, model=HS_MODEL)
    items = [f"x{i}" for i in range(1, 10)]
    moved = hs.assign(**{i: hs[i] * scale + shift for i in items})
    np.testing.assert_allclose(htmt(moved, model=HS_MODEL)["htmt"], base["htmt"], rtol=1e-9)
    assert (base["htmt"] > 0).all()


@settings(max_examples=5, deadline=None)
@given(st.floats(0.2, 5))
def test_cr_and_ave_are_scale_free_and_bounded(hs, scale):
    """Rescaling the items leaves CR and AVE unchanged; both lie in (0, 1) for a proper solution."""
    items = [f"x{i}" for i in range(1, 10)]
    base = cfa(hs, model=HS_MODEL)
    moved = cfa(hs.assign(**{i: hs[i] * scale for i in items}), model=HS_MODEL)
    for compute, column in ((composite_reliability, "cr"), (average_variance_extracted, "ave")):
        np.testing.assert_allclose(compute(moved)[column], compute(base)[column], rtol=1e-6)
        assert compute(base)[column].between(0, 1).all()


@pytest.mark.parametrize("nan_policy", ["listwise", "fiml"])
def test_htmt_of_a_fit_is_htmt_of_its_data(bfi, nan_policy):
    """The validity report takes HTMT from the CFA's own (EM) covariance: the same pairs, values (1e-12) and n."""
    instrument = Instrument.from_keys(BFI_KEYS, response_range=(1, 6))
    expected = htmt(bfi, instrument=instrument, nan_policy=nan_policy)
    ours = _htmt_of_fit(cfa(bfi, instrument=instrument, nan_policy=nan_policy))
    pd.testing.assert_frame_equal(ours, expected, check_exact=False, rtol=0, atol=1e-12)
