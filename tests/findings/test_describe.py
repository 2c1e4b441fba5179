"""describe and frequencies against R psych::describe, shapiro.test, ks.test and table() on psychTools' bfi."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings import describe, frequencies
from hsc_analysis.instruments import load_instrument

from ..conftest import REFERENCE, SURVEYS
from ._data import bfi_scales

EXACT = 1e-10  # closed form: moments, G1/G2 and their SEs
SHAPIRO = 1e-8  # scipy and R run the same Royston (1995) algorithm

EXPECTED = pd.read_csv(REFERENCE / "findings_describe_bfi.csv", keep_default_na=False, na_values=["NA"])
COLUMNS = ["agree", "neuro", "age", "A1"]


@pytest.fixture(scope="module")
def bfi():
    return bfi_scales()


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "by-gender"])
def test_describe_matches_psych_describe_type_2_and_shapiro_test(bfi, grouped):
    # R: psych::describe(x, type = 2); SPSS's SE formulas; shapiro.test(x) (tests/reference/findings_describe.R)
    result = describe(bfi, columns=COLUMNS, group="gender" if grouped else None)
    expected = EXPECTED[(EXPECTED.group != "") == grouped]
    order = expected["variable"].map(COLUMNS.index)
    expected = expected.assign(order=order).sort_values(["order", "group"], kind="stable").reset_index(drop=True)
    got = result.table
    assert list(got["variable"]) == list(expected["variable"])
    if grouped:
        assert list(got["group"]) == list(expected["group"].astype(str))
    np.testing.assert_array_equal(got["n"], expected["n"])
    columns = ["mean", "sd", "median", "min", "max", "skewness", "se_skewness", "kurtosis", "se_kurtosis"]
    np.testing.assert_allclose(got[columns].to_numpy(float), expected[columns].to_numpy(float), rtol=0, atol=EXACT)
    assert (got["normality_test"] == "Shapiro–Wilk").all()
    np.testing.assert_allclose(got["normality_statistic"], expected["shapiro_w"], rtol=0, atol=SHAPIRO)
    np.testing.assert_allclose(got["normality_p_value"], expected["shapiro_p"], rtol=1e-6, atol=1e-300)
    assert result.nan_policy == "pairwise" and result.n == len(bfi) and result.n_dropped == 0


def test_missing_values_are_counted_per_variable(bfi):
    result = describe(bfi, columns=["agree"], group="gender").table
    counts = bfi.groupby("gender")["agree"].agg(lambda s: s.isna().sum()).to_numpy()
    np.testing.assert_array_equal(result["n_missing"], counts)


def test_listwise_uses_the_complete_cases(bfi):
    result = describe(bfi, columns=COLUMNS, nan_policy="listwise")
    complete = bfi[COLUMNS].dropna()
    assert result.n == len(complete) and result.n_dropped == len(bfi) - len(complete)
    assert (result.table["n"] == len(complete)).all() and (result.table["n_missing"] == 0).all()
    np.testing.assert_allclose(result.table["mean"], complete.mean(), atol=EXACT)


def test_psych_default_type_3_differs_from_spss_g1(bfi):
    """Documented: psych::describe's default skew (type 3) is not SPSS's G1; we report G1 (type 2)."""
    expected = EXPECTED[EXPECTED.group == ""]
    got = describe(bfi, columns=COLUMNS).table
    n = expected["n"].to_numpy()
    g1 = expected["skew_type3"].to_numpy() / ((n - 1) / n) ** 1.5
    np.testing.assert_allclose(got["skewness"] / (np.sqrt(n * (n - 1)) / (n - 2)), g1, atol=EXACT)


def test_large_samples_use_lilliefors_ks():
    rng = np.random.default_rng(7)
    data = pd.DataFrame({"x": rng.gamma(4.0, size=6000)})
    row = describe(data, columns=["x"]).table.iloc[0]
    assert row["normality_test"] == "Kolmogorov–Smirnov (Lilliefors)"
    x = data["x"].to_numpy()
    expected = stats.kstest(x, stats.norm(x.mean(), x.std(ddof=1)).cdf).statistic  # the Lilliefors D
    assert row["normality_statistic"] == pytest.approx(expected, abs=1e-12)
    assert row["normality_p_value"] < 0.01


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=5, max_size=60), st.floats(0.1, 10), st.floats(-50, 50))
def test_skewness_and_kurtosis_are_location_scale_invariant(values, scale, shift):
    x = np.array(values)
    if np.ptp(x) < 1e-3:
        return
    first = describe(pd.DataFrame({"x": x}), columns=["x"]).table.iloc[0]
    moved = describe(pd.DataFrame({"x": x * scale + shift}), columns=["x"]).table.iloc[0]
    assert moved["skewness"] == pytest.approx(first["skewness"], abs=1e-6)
    assert moved["kurtosis"] == pytest.approx(first["kurtosis"], abs=1e-6)
    assert moved["sd"] == pytest.approx(first["sd"] * scale, rel=1e-9)


def test_bad_input_is_named(bfi):
    with pytest.raises(DataError, match="not in the data: nope"):
        describe(bfi, columns=["agree", "nope"])
    with pytest.raises(InputError, match="'nan_policy' parameter of describe"):
        describe(bfi, columns=["agree"], nan_policy="drop")


FREQUENCIES = pd.read_csv(REFERENCE / "findings_frequencies_bfi.csv")


@pytest.mark.parametrize("column", ["education", "gender"])
def test_frequencies_match_r_table(bfi, column):
    # R: table(x); 100 * table / length(x); 100 * table / sum(!is.na(x))
    expected = FREQUENCIES[FREQUENCIES.variable == column].reset_index(drop=True)
    table = frequencies(bfi, columns=[column]).table
    levels, missing = table.iloc[:-1], table.iloc[-1]
    np.testing.assert_array_equal(levels["code"], expected["code"])
    np.testing.assert_array_equal(levels["n"], expected["n"])
    np.testing.assert_allclose(levels["percent_total"], expected["percent_total"], atol=1e-12)
    np.testing.assert_allclose(levels["percent_valid"], expected["percent_valid"], atol=1e-12)
    assert missing["n"] == expected["n_missing"].iloc[0] and missing["label_en"] == "Missing"
    assert table["n"].sum() == len(bfi)
    assert levels["cumulative_percent_valid"].iloc[-1] == pytest.approx(100)


def test_frequencies_use_the_instruments_labels_and_levels():
    parent = load_instrument(SURVEYS / "parent.yaml")
    data = pd.DataFrame({"relation": [1.0, 1.0, 2.0, np.nan]})
    table = frequencies(data, columns=["relation"], instrument=parent).table
    assert list(table["label_zh"]) == ["母亲", "父亲", "祖辈", "其他监护人", "缺失"]
    assert list(table["label_en"])[:2] == ["Mother", "Father"]
    assert list(table["n"]) == [2, 1, 0, 0, 1]  # levels nobody chose are listed
    with pytest.raises(DataError, match=r"relation has code\(s\) 7 that are not its levels; allowed: 1, 2, 3, 4"):
        frequencies(pd.DataFrame({"relation": [1.0, 7.0]}), columns=["relation"], instrument=parent)


def test_a_labelled_categorical_gets_both_languages_from_the_instrument():
    parent = load_instrument(SURVEYS / "parent.yaml")
    values = pd.Categorical(["父亲", "母亲", "母亲"], categories=["母亲", "父亲", "祖辈", "其他监护人"])
    table = frequencies(pd.DataFrame({"relation": values}), columns=["relation"], instrument=parent).table
    assert list(table["label_en"]) == ["Mother", "Father", "Grandparent", "Other guardian", "Missing"]
    assert list(table["n"]) == [2, 1, 0, 0, 0]


def test_frequencies_of_a_labelled_categorical_keep_its_order():
    values = pd.Categorical(["女", "男", "女"], categories=["男", "女", "其他"])
    table = frequencies(pd.DataFrame({"sex": values}), columns=["sex"]).table
    assert list(table["label_zh"]) == ["男", "女", "其他", "缺失"] and list(table["n"]) == [1, 2, 0, 0]


def test_personal_data_is_never_tabulated():
    parent = load_instrument(SURVEYS / "parent.yaml")
    private = [q.id for q in parent.background if q.pii]
    assert private, "the parent instrument has a personal (pii) background question"
    with pytest.raises(DataError, match="personal data"):
        frequencies(pd.DataFrame({private[0]: ["a", "b"]}), columns=private, instrument=parent)
