import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument
from hsc_analysis.scoring import key_items, keyed_blocks, keyed_matrix, reverse_code, score_scales

from .conftest import BFI_KEYS, REFERENCE


def test_means_equal_psych_score_items_on_bfi(bfi):
    # R: scoreItems(keys, bfi[, 1:25], impute = "none", min = 1, max = 6)$scores   (tests/reference/scoring.R)
    inst = Instrument.from_keys(BFI_KEYS, response_range=(1, 6), min_valid=0.2)
    expected = pd.read_csv(REFERENCE / "scoring_bfi_means.csv", index_col="rownames")
    result = score_scales(bfi, instrument=inst)
    assert bfi[[i.id for i in inst.items]].isna().any(axis=1).sum() > 300  # the comparison covers missing data
    np.testing.assert_allclose(result.scores.loc[expected.index].to_numpy(), expected.to_numpy(), rtol=0, atol=1e-9)


def test_complete_sums_equal_psych_totals_and_partial_sums_are_prorated(bfi):
    # R: scoreItems(..., impute = "none", totals = TRUE) sums the items present; we prorate, so compare complete rows
    inst = Instrument.from_keys(BFI_KEYS, response_range=(1, 6), method="sum", min_valid=0.2)
    expected = pd.read_csv(REFERENCE / "scoring_bfi_totals.csv", index_col="rownames")
    scores = score_scales(bfi, instrument=inst).scores
    means = score_scales(bfi, instrument=Instrument.from_keys(BFI_KEYS, response_range=(1, 6), min_valid=0.2)).scores
    for construct, keys in BFI_KEYS.items():
        complete = bfi[[k.lstrip("-") for k in keys]].notna().all(axis=1)
        np.testing.assert_allclose(scores.loc[complete, construct], expected.loc[complete, construct], atol=1e-9)
        np.testing.assert_allclose(scores[construct], means[construct] * len(keys), atol=1e-12)


def test_min_valid_rule_sets_nan_and_counts_cases():
    inst = Instrument.from_keys({"S": ["a", "b", "c", "d"]}, response_range=(1, 5), min_valid=0.75)
    data = pd.DataFrame({"a": [1, 2, np.nan], "b": [1, np.nan, np.nan], "c": [1, 2, 3], "d": [1, 2, 3]})
    result = score_scales(data, instrument=inst)
    np.testing.assert_array_equal(result.scores["S"].to_numpy(), [1.0, 2.0, np.nan])
    row = result.summary.set_index("construct").loc["S"]
    assert (row.min_valid_items, row.n_scored, row.n_insufficient) == (3, 2, 1)


def test_declared_missing_codes_count_as_missing(parent):
    data = pd.DataFrame({i: [4, 4] for i in parent.item_ids})
    data.loc[1, "opn1"] = 9  # 不了解 (don't know) on an A5_dk item
    scores = score_scales(data, instrument=parent, constructs=["opinion"]).scores
    # opn4 is reverse-keyed: 4 -> 2; row 0 = (4 + 4 + 4 + 2) / 4, row 1 drops opn1
    np.testing.assert_allclose(scores["opinion"], [3.5, 10 / 3])


def test_out_of_range_code_names_row_column_value_and_allowed(parent):
    data = pd.DataFrame({i: [3, 4, 5] for i in parent.item_ids}, index=pd.Index([2, 3, 4], name="row"))
    data.loc[3, "com2"] = 7
    with pytest.raises(DataError, match=r"column 'com2'.*row 3: 7; allowed: 1–5"):
        score_scales(data, instrument=parent)


def test_text_in_item_column_is_an_error_not_nan(parent):
    data = pd.DataFrame({i: [3, 4] for i in parent.item_ids}).astype(object)
    data.loc[1, "eft1"] = "非常同意"
    with pytest.raises(DataError, match=r"column 'eft1'.*row 1: '非常同意'"):
        score_scales(data, instrument=parent)


def test_missing_columns_are_all_listed(parent):
    data = pd.DataFrame({i: [3] for i in parent.item_ids}).drop(columns=["com1", "eft5"])
    with pytest.raises(DataError, match=r"2 item column\(s\).*com1, eft5"):
        score_scales(data, instrument=parent)


def test_input_is_not_modified(parent):
    data = pd.DataFrame({i: [1, 2, 9 if i == "opn1" else 3] for i in parent.item_ids})
    before = data.copy()
    key_items(data, instrument=parent)
    pd.testing.assert_frame_equal(data, before)


# --- properties ---------------------------------------------------------------------------------------------------

codes = arrays(
    np.float64,
    st.tuples(st.integers(1, 30), st.just(4)),
    elements=st.one_of(st.integers(1, 5).map(float), st.just(np.nan)),
)


@given(values=codes)
def test_reversing_twice_is_identity(values):
    np.testing.assert_array_equal(reverse_code(reverse_code(values, low=1, high=5), low=1, high=5), values)


@settings(max_examples=50)
@given(values=codes, order=st.permutations(range(4)))
def test_scores_do_not_depend_on_column_order(values, order):
    inst = Instrument.from_keys({"S": ["a", "-b", "c", "d"]}, response_range=(1, 5))
    data = pd.DataFrame(values, columns=["a", "b", "c", "d"])
    shuffled = data.iloc[:, list(order)]
    pd.testing.assert_frame_equal(
        score_scales(data, instrument=inst).scores, score_scales(shuffled, instrument=inst).scores
    )


@settings(max_examples=50)
@given(values=codes, method=st.sampled_from(["mean", "sum"]))
def test_scores_stay_within_the_scale_range(values, method):
    inst = Instrument.from_keys({"S": ["a", "-b", "c", "d"]}, response_range=(1, 5), method=method)
    scores = score_scales(pd.DataFrame(values, columns=list("abcd")), instrument=inst).scores["S"].dropna()
    k = 4 if method == "sum" else 1
    assert ((scores >= 1 * k - 1e-12) & (scores <= 5 * k + 1e-12)).all()


def test_keyed_blocks_are_the_keyed_matrix_block_by_block_and_raise_its_error(parent):
    # reverse items, "don't know" codes (9) and blanks; blocks of 7 rows end mid-file
    codes = pd.read_csv(REFERENCE / "parent_synthetic_codes.csv")
    whole = keyed_matrix(codes, instrument=parent)
    blocks = [block.copy() for block in keyed_blocks(codes, instrument=parent, rows=7)]
    assert [len(b) for b in blocks[:-1]] == [7] * (len(blocks) - 1)
    np.testing.assert_array_equal(np.vstack(blocks), whole)
    bad = codes.copy()
    bad.loc[len(bad) - 1, parent.item_ids[3]] = 7
    with pytest.raises(DataError) as expected:
        keyed_matrix(bad, instrument=parent)
    with pytest.raises(DataError) as streamed:
        for _ in keyed_blocks(bad, instrument=parent, rows=7):
            pass
    assert str(streamed.value) == str(expected.value)


@pytest.mark.parametrize("value", [2.5, np.inf, -np.inf, 0.0, 6.0])
def test_a_code_off_a_consecutive_scale_is_found_in_any_block(value):
    inst = Instrument.from_keys({"A": ["a1", "-a2"]}, response_range=(1, 5))
    data = pd.DataFrame({"a1": [1.0, 2.0, np.nan, 4.0, 5.0], "a2": [np.nan] * 4 + [value]})
    with pytest.raises(DataError, match=r"column 'a2' has 1 value\(s\) outside the scale"):
        keyed_matrix(data, instrument=inst)
