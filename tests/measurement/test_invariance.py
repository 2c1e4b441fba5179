"""Measurement invariance against lavaan 0.6-14 (Holzinger–Swineford by school; tests/reference/measurement_cfa.R)."""

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.measurement.confirmatory import instrument_model
from hsc_analysis.measurement.invariance import measurement_invariance

from ..conftest import REFERENCE
from .test_confirmatory import HS_MODEL, R_MEASURES


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(REFERENCE / "holzinger_swineford_1939.csv")


@pytest.fixture(scope="module")
def table(hs):
    return measurement_invariance(hs, model=HS_MODEL, group="school").set_index("level")


def test_fit_of_each_level_matches_lavaan(table):
    expected = pd.read_csv(REFERENCE / "invariance_hs_school.csv").set_index("model").rename(columns=R_MEASURES)
    assert list(table.index) == ["configural", "metric", "scalar"]
    for column in ["chisq", "df", "p_value", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr", "aic",
                   "bic", "n"]:  # fmt: skip
        np.testing.assert_allclose(table[column], expected.loc[table.index, column], rtol=1e-6, atol=1e-6)
    assert table["converged"].all() and table["admissible"].all()


def test_likelihood_ratio_tests_match_lavaan(table):
    expected = pd.read_csv(REFERENCE / "invariance_hs_school_lrt.csv").set_index("model")
    for column in ["delta_chisq", "delta_df", "delta_p_value"]:
        np.testing.assert_allclose(table.loc[["metric", "scalar"], column], expected.loc[["metric", "scalar"], column],
                                   rtol=1e-6, atol=1e-9)  # fmt: skip
    # ΔCFI of the scalar step is −0.038: scalar invariance fails across the two schools (a known result)
    assert table.loc["metric", "holds"] and not table.loc["scalar", "holds"]
    assert table.loc["scalar", "delta_cfi"] == pytest.approx(0.8824718 - 0.9209235, abs=1e-6)


def test_bad_group(hs):
    with pytest.raises(InputError, match="no group column"):
        measurement_invariance(hs, model=HS_MODEL, group="class")
    with pytest.raises(InputError, match="1 group"):
        measurement_invariance(hs.assign(one="a"), model=HS_MODEL, group="one")


def test_parent_constructs_invariant_across_random_halves(parent):
    """Simulated from one model, two random halves of the parents are invariant at every level (four constructs
    of the parent instrument, keyed by the instrument: opn4 is reverse-keyed)."""
    data = pd.read_csv(REFERENCE / "cfa_parent_data.csv")
    data["half"] = np.where(np.random.default_rng(7).random(len(data)) < 0.5, "first", "second")
    model = instrument_model(parent, constructs=["communication", "opinion", "trust", "goal"])
    table = measurement_invariance(data, instrument=parent, model=model, group="half").set_index("level")
    assert table["converged"].all() and table["holds"].all()
    assert (table["n"] == 800).all() and (table["n_groups"] == 2).all()
    # metric frees 17 − 4 loadings per group; scalar 17 intercepts, minus 4 latent means set free
    assert table.loc["metric", "delta_df"] == 13 and table.loc["scalar", "delta_df"] == 17 - 4


def test_too_small_group(hs):
    tiny = hs.assign(school=["Pasteur"] * 296 + ["tiny"] * 5)
    with pytest.raises(DataError, match=r"5 complete respondent.*group 'tiny'"):
        measurement_invariance(tiny, model=HS_MODEL, group="school")
