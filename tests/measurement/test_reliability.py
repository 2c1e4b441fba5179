import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement import cronbach_alpha, item_analysis, item_table, mcdonald_omega, reliability

from ..conftest import REFERENCE
from ._cases import BFI_KEYS, SCALES, bfi_instrument, bfi_items, bfi_keyed, hs_items, scale

# psych computes these in closed form as we do: agreement to rounding error. Tolerance 1e-10.
EXACT = 1e-10
# psych's fa() stops R's optim() early (L-BFGS-B, factr 1e7); we go to the optimum. Tolerance 1e-5.
FITTED = 1e-5

TOTALS = pd.read_csv(REFERENCE / "alpha_totals.csv")
ITEMS = pd.read_csv(REFERENCE / "alpha_items.csv")
OMEGA = pd.read_csv(REFERENCE / "omega.csv").set_index("scale")
ORDINAL = pd.read_csv(REFERENCE / "ordinal_reliability.csv").set_index("scale")
CASES = [(s, p) for s in SCALES for p in ("pairwise", "listwise")]


@pytest.mark.parametrize(("name", "policy"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_alpha_matches_psych_alpha(name, policy):
    # R: psych::alpha(x) (use = "pairwise") and psych::alpha(na.omit(x)); $total, $feldt
    expected = TOTALS[(TOTALS.scale == name) & (TOTALS.nan_policy == policy)].iloc[0]
    result = cronbach_alpha(scale(name), nan_policy=policy, seed=None, n_boot=0)
    assert result.n == expected.n
    assert result.nan_policy == policy
    got = [result.estimate, result.std_alpha, result.average_r, result.ci_low, result.ci_high]
    want = expected[["raw_alpha", "std_alpha", "average_r", "feldt_low", "feldt_high"]].to_numpy(dtype=float)
    np.testing.assert_allclose(got, want, rtol=0, atol=EXACT)


@pytest.mark.parametrize(("name", "policy"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_item_analysis_matches_psych_item_stats(name, policy):
    # R: psych::alpha(x)$item.stats[, c("r.drop", "mean", "sd")] and $alpha.drop[, c("raw_alpha", "std.alpha")]
    expected = ITEMS[(ITEMS.scale == name) & (ITEMS.nan_policy == policy)].set_index("item")
    result = item_analysis(scale(name), nan_policy=policy).set_index("item").loc[expected.index]
    columns = ["item_total_r", "mean", "sd", "alpha_if_deleted", "std_alpha_if_deleted"]
    reference = ["r_drop", "mean", "sd", "alpha_if_deleted", "std_alpha_if_deleted"]
    np.testing.assert_allclose(result[columns].to_numpy(), expected[reference].to_numpy(), rtol=0, atol=EXACT)
    assert (result["flag"] == "").all()


@pytest.mark.parametrize("name", SCALES)
def test_omega_total_matches_psych_omega_one_factor(name):
    # R: psych::omega(x, nfactors = 1, flip = FALSE)$omega.tot
    result = mcdonald_omega(scale(name), nan_policy="pairwise")
    assert result.omega_total == pytest.approx(OMEGA.loc[name, "omega_total"], abs=FITTED)
    assert np.isnan(result.omega_hierarchical)
    assert "no general factor" in result.flags[0]


@pytest.mark.parametrize(
    ("case", "n_factors"),
    [("hs_all", 3), ("hs_visual_textual", 2), ("bfi_all", 5)],
    ids=["holzinger-3-factors", "holzinger-2-factors-equal-g", "bfi-5-factors"],
)
def test_omega_hierarchical_matches_psych_schmid_leiman(case, n_factors):
    # R: psych::omega(x, nfactors, flip = FALSE)$omega_h / $omega.tot (2 factors: psych's option = "equal")
    data = {"hs_all": hs_items(), "hs_visual_textual": hs_items().iloc[:, :6], "bfi_all": bfi_keyed()}[case]
    result = mcdonald_omega(data, nan_policy="pairwise", n_factors=n_factors)
    expected = OMEGA.loc[case]
    assert result.omega_total == pytest.approx(expected.omega_total, abs=FITTED)
    assert result.omega_hierarchical == pytest.approx(expected.omega_hierarchical, abs=FITTED)


def test_omega_flags_items_loading_negatively_on_the_general_factor():
    # keyed bfi: neuroticism items correlate negatively with the other four traits
    result = mcdonald_omega(bfi_keyed(), nan_policy="pairwise", n_factors=5)
    assert any(flag.startswith("negative general loading: N1, N2, N3, N4, N5") for flag in result.flags)


def test_reliability_table_matches_psych_per_construct(bfi):
    # One row per construct from raw codes: keying, α (R alpha), ω (R omega, 1 factor), ordinal α/ω
    # (R alpha(polychoric(x)$rho) and omega(polychoric(x)$rho, 1)); ordinal tolerance 1e-5 (seen: 4e-6)
    table = reliability(bfi, instrument=bfi_instrument(), nan_policy="pairwise", seed=7, n_boot=200).set_index(
        "construct"
    )
    assert list(table.index) == list(BFI_KEYS)
    totals = TOTALS[TOTALS.nan_policy == "pairwise"].set_index("scale").loc[list(BFI_KEYS)]
    np.testing.assert_allclose(table["alpha"], totals["raw_alpha"], atol=EXACT)
    np.testing.assert_allclose(table["ci_low"], totals["feldt_low"], atol=EXACT)
    np.testing.assert_allclose(table["omega_total"], OMEGA.loc[list(BFI_KEYS), "omega_total"], atol=FITTED)
    np.testing.assert_allclose(table["ordinal_alpha"], ORDINAL.loc[list(BFI_KEYS), "ordinal_alpha"], atol=1e-5)
    np.testing.assert_allclose(table["ordinal_omega"], ORDINAL.loc[list(BFI_KEYS), "ordinal_omega"], atol=1e-5)
    assert (table["boot_ci_low"] < table["alpha"]).all() and (table["alpha"] < table["boot_ci_high"]).all()
    assert (table["nan_policy"] == "pairwise").all() and (table["n"] == 2800).all()
    assert (table["flags"] == "").all()
    assert table.loc["agree", "label_en"] == "agree"


def test_reliability_flags_an_item_left_unreversed(bfi):
    keys = {**BFI_KEYS, "agree": ["A1", "A2", "A3", "A4", "A5"]}  # A1 should be reversed
    table = reliability(
        bfi,
        instrument=Instrument.from_keys(keys, response_range=(1, 6)),
        nan_policy="listwise",
        seed=None,
        n_boot=0,
        ordinal=False,
    ).set_index("construct")
    assert table.loc["agree", "flags"] == "A1: negative item–total r (not reverse-keyed?)"
    assert table.loc["agree", "min_item_total_r"] < 0


def test_reliability_flags_constant_items_and_single_item_constructs():
    inst = Instrument.from_keys({"S": ["a", "b", "c"], "T": ["d"]}, response_range=(1, 5))
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2], "b": [3] * 6, "c": [2, 2, 3, 5, 5, 1], "d": [1, 2, 3, 4, 5, 1]})
    table = reliability(data, instrument=inst, nan_policy="listwise", seed=None, n_boot=0).set_index("construct")
    assert table.loc["S", "flags"] == "no variance in b: drop the item or check the data"
    assert table.loc["T", "flags"] == "a single item: reliability is not defined"
    assert table[["alpha", "omega_total"]].isna().all().all()


def test_bootstrap_is_reproducible_and_brackets_alpha():
    data = scale("agree")
    first = cronbach_alpha(data, nan_policy="listwise", seed=11, n_boot=300)
    second = cronbach_alpha(data, nan_policy="listwise", seed=11, n_boot=300)
    assert first == second
    assert first.boot_ci_low < first.estimate < first.boot_ci_high
    # the percentile interval is close to Feldt's at n = 2709
    assert first.boot_ci_low == pytest.approx(first.ci_low, abs=0.01)


@pytest.mark.parametrize("complete", [True, False], ids=["complete-rows", "with-missing"])
def test_bootstrap_equals_loop_over_resamples(complete):
    # the vectorised counts-matrix bootstrap equals recomputing alpha on each resample drawn from the same indices
    from hsc_analysis.measurement.reliability import _bootstrap_alpha

    items = bfi_keyed()[["A1", "A2", "A3", "A4", "A5"]]
    values = (items.dropna() if complete else items).to_numpy()[:400]
    assert np.isnan(values).any() != complete
    boot = _bootstrap_alpha(values, n_boot=5, seed=3)
    index = np.random.default_rng(3).integers(0, 400, size=(5, 400), dtype=np.int32)
    for b in range(5):
        cov = pd.DataFrame(values[index[b]]).cov().to_numpy()  # pandas: pairwise-complete, as R
        assert boot[b] == pytest.approx((1 - np.trace(cov) / cov.sum()) * 5 / 4, abs=1e-10)


def test_critical_ratio_is_welch_t_between_extreme_groups():
    data = scale("conscientious").dropna()
    result = item_analysis(data, nan_policy="listwise").set_index("item")
    total = data.mean(axis=1)
    low, high = data[total <= total.quantile(0.27)], data[total >= total.quantile(0.73)]
    expected = stats.ttest_ind(high, low, equal_var=False)
    np.testing.assert_allclose(result["critical_ratio"], expected.statistic, rtol=1e-12)
    np.testing.assert_allclose(result["critical_ratio_df"], expected.df, rtol=1e-12)
    assert (result["p_value"] < 1e-100).all()


def test_critical_ratio_with_missing_answers_equals_scipy_omitting_them():
    data = scale("openness").iloc[:120]
    result = item_analysis(data, nan_policy="pairwise").set_index("item")
    total = data.mean(axis=1)
    low, high = data[total <= total.quantile(0.27)], data[total >= total.quantile(0.73)]
    expected = stats.ttest_ind(high, low, equal_var=False, nan_policy="omit")
    np.testing.assert_allclose(result["critical_ratio"], expected.statistic, rtol=1e-12)
    np.testing.assert_allclose(result["p_value"], expected.pvalue, rtol=1e-10)


def test_critical_ratio_undefined_when_both_extreme_groups_answer_alike():
    """Both 27 % groups give item b the same answer: t is 0/0, so NaN with the reason (no stray warning)."""
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, 1, 5, 3], "b": [3] * 8, "c": [2, 2, 3, 4, 4, 1, 5, 3]})
    data.loc[0, "b"] = 4  # a middle-group respondent, so b is not constant overall
    data.loc[0, "a"] = 3
    result = item_analysis(data, nan_policy="listwise").set_index("item")
    assert np.isnan(result.loc["b", "critical_ratio"]) and np.isnan(result.loc["b", "p_value"])
    assert result.loc["b", "flag"].endswith("critical ratio undefined: both extreme groups gave the same answer")
    assert result.loc[["a", "c"], "critical_ratio"].notna().all()


def test_pairwise_and_listwise_differ_and_say_so():
    pairwise = cronbach_alpha(scale("openness"), nan_policy="pairwise", seed=None, n_boot=0)
    listwise = cronbach_alpha(scale("openness"), nan_policy="listwise", seed=None, n_boot=0)
    assert (pairwise.n, listwise.n) == (2800, 2726)
    assert pairwise.estimate != listwise.estimate


def test_bad_nan_policy_names_parameter_and_allowed_values():
    with pytest.raises(InputError, match=r"'nan_policy' parameter of cronbach_alpha must be one of .*got 'drop'"):
        cronbach_alpha(scale("agree"), nan_policy="drop", seed=None, n_boot=0)


def test_constant_item_is_an_error_with_advice():
    data = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 2, 2], "c": [1, 3, 2, 4]})
    with pytest.raises(DataError, match=r"without variance: b; drop them"):
        cronbach_alpha(data, nan_policy="listwise", seed=None, n_boot=0)


def test_too_few_items_or_respondents_is_an_error():
    with pytest.raises(DataError, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}), nan_policy="listwise", seed=None, n_boot=0)
    data = pd.DataFrame({"a": [1, 2, np.nan, 4], "b": [np.nan, 2, 3, 1]})
    with pytest.raises(DataError, match=r"only 2 usable respondent.*try nan_policy='pairwise'"):
        cronbach_alpha(data, nan_policy="listwise", seed=None, n_boot=0)


def test_bootstrap_without_seed_is_an_error():
    with pytest.raises(DataError, match="give a seed"):
        cronbach_alpha(scale("agree"), nan_policy="listwise", seed=None)


def test_input_is_not_modified():
    data = bfi_items().iloc[:200].copy()
    before = data.copy()
    reliability(data, instrument=bfi_instrument(), nan_policy="pairwise", seed=1, n_boot=20)
    pd.testing.assert_frame_equal(data, before)


# --- properties ---------------------------------------------------------------------------------------------------

matrices = arrays(np.float64, st.tuples(st.integers(5, 40), st.integers(2, 6)), elements=st.integers(1, 5).map(float))


@settings(max_examples=60, deadline=None)
@given(values=matrices)
def test_alpha_is_at_most_one_and_ignores_column_order(values):
    data = pd.DataFrame(values, columns=[f"i{j}" for j in range(values.shape[1])])
    assume((data.std() > 0).all())
    result = cronbach_alpha(data, nan_policy="listwise", seed=None, n_boot=0)
    assert result.estimate <= 1 + 1e-12
    assert result.ci_low <= result.estimate <= result.ci_high
    reversed_order = cronbach_alpha(data.iloc[:, ::-1], nan_policy="listwise", seed=None, n_boot=0)
    assert reversed_order.estimate == pytest.approx(result.estimate, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(shift=st.floats(-50, 50), scale_factor=st.floats(0.1, 10))
def test_alpha_is_invariant_to_a_common_linear_rescaling(shift, scale_factor):
    data = scale("textual")
    base = cronbach_alpha(data, nan_policy="listwise", seed=None, n_boot=0).estimate
    moved = cronbach_alpha(data * scale_factor + shift, nan_policy="listwise", seed=None, n_boot=0).estimate
    assert moved == pytest.approx(base, abs=1e-9)


def test_two_item_scale_says_why_alpha_if_deleted_is_missing():
    result = item_analysis(scale("visual").iloc[:, :2], nan_policy="listwise")
    assert result["alpha_if_deleted"].isna().all()
    assert (result["flag"] == "alpha if deleted needs 3+ items").all()


def test_reliability_flags_a_construct_with_too_few_complete_respondents():
    inst = Instrument.from_keys({"S": ["a", "b", "c"]}, response_range=(1, 5))
    data = pd.DataFrame({"a": [1, 2, 3, np.nan, 5], "b": [2, np.nan, 3, 4, 4], "c": [1, 2, 4, 5, np.nan]})
    table = reliability(data, instrument=inst, nan_policy="listwise", seed=None, n_boot=0)
    assert table.loc[0, "flags"] == "only 2 usable respondent(s): use nan_policy='pairwise' or collect more answers"
    assert np.isnan(table.loc[0, "alpha"])


def test_omega_flags_a_heywood_case():
    rng = np.random.default_rng(2)
    f = rng.normal(size=500)
    data = pd.DataFrame(
        {"a": f + rng.normal(size=500) * 0.01, "b": f + rng.normal(size=500), "c": rng.normal(size=500)}
    )
    result = mcdonald_omega(data, nan_policy="listwise")
    assert any(flag.startswith("Heywood case (b:") for flag in result.flags)  # a and b share one factor: r = .7


def test_reliability_says_why_ordinal_values_are_missing_for_many_categories():
    inst = Instrument.from_keys({"S": ["a", "b", "c"]}, response_range=(0, 10))
    rng = np.random.default_rng(5)
    trait = rng.normal(size=(200, 1))
    data = pd.DataFrame(np.clip(np.round(5 + 2 * (trait + rng.normal(size=(200, 3)))), 0, 10), columns=list("abc"))
    row = reliability(data, instrument=inst, nan_policy="listwise", seed=None, n_boot=0).iloc[0]
    assert row["alpha"] > 0.5
    assert np.isnan(row["ordinal_alpha"])
    assert row["flags"].startswith("ordinal alpha/omega not computed (polychoric: the items span 11 categories")


@pytest.mark.parametrize("policy", ["pairwise", "listwise"])
def test_reliability_on_the_parent_questionnaire_matches_psych(parent, policy):
    # Synthetic codes for surveys/parent.yaml with reverse items, "don't know" (9) and blanks, written by
    # tests/reference/measurement_reliability.R, which keys them by hand and runs psych::alpha / psych::omega(, 1)
    codes = pd.read_csv(REFERENCE / "parent_synthetic_codes.csv")
    expected = pd.read_csv(REFERENCE / "parent_synthetic_reliability.csv")
    expected = expected[expected.nan_policy == policy].set_index("construct")
    table = reliability(codes, instrument=parent, nan_policy=policy, seed=None, n_boot=0).set_index("construct")
    table = table.loc[expected.index]
    np.testing.assert_array_equal(table["n"], expected["n"])
    for column in ["alpha", "ci_low", "ci_high", "std_alpha"]:
        np.testing.assert_allclose(table[column], expected[column], atol=EXACT)
    np.testing.assert_allclose(table["omega_total"], expected["omega_total"], atol=FITTED)


def test_item_table_matches_psych_item_stats_and_keeps_wording(bfi):
    # R: psych::alpha(x)$item.stats$r.drop per bfi scale (pairwise); constructs keyed through the instrument
    table = item_table(bfi, instrument=bfi_instrument(), nan_policy="pairwise").set_index("item")
    expected = ITEMS[ITEMS.nan_policy == "pairwise"].set_index("item").loc[table.index]
    np.testing.assert_allclose(table["item_total_r"], expected["r_drop"], atol=EXACT)
    assert table.loc["A1", "construct"] == "agree"
    assert {"text_zh", "text_en", "critical_ratio", "flag"} <= set(table.columns)


def test_item_table_keeps_constructs_it_cannot_analyse_with_the_reason():
    inst = Instrument.from_keys({"S": ["a", "b", "c"]}, response_range=(1, 5))
    data = pd.DataFrame({"a": [1, 2, 3, 4], "b": [3, 3, 3, 3], "c": [2, 1, 4, 5]})
    table = item_table(data, instrument=inst, nan_policy="listwise")
    assert table["item"].tolist() == ["a", "b", "c"]
    assert table["flag"].str.contains("without variance: b").all()
    assert table["item_total_r"].isna().all()
    analysed = item_table(data.assign(b=[1, 2, 2, 3]), instrument=inst, nan_policy="listwise")
    assert table.columns.tolist() == analysed.columns.tolist()


@pytest.mark.parametrize("policy", ["pairwise", "listwise"])
def test_reliability_from_moments_alone_matches_psych(bfi, policy):
    # n_boot = 0 and ordinal = False: the items are keyed and summed block by block and never held whole
    table = reliability(bfi, instrument=bfi_instrument(), nan_policy=policy, seed=None, n_boot=0, ordinal=False)
    table = table.set_index("construct").loc[list(BFI_KEYS)]
    totals = TOTALS[TOTALS.nan_policy == policy].set_index("scale").loc[list(BFI_KEYS)]
    for ours, theirs in [("alpha", "raw_alpha"), ("std_alpha", "std_alpha"), ("average_r", "average_r"),
                         ("ci_low", "feldt_low"), ("ci_high", "feldt_high")]:  # fmt: skip
        np.testing.assert_allclose(table[ours], totals[theirs], atol=EXACT)
    if policy == "pairwise":
        np.testing.assert_allclose(table["omega_total"], OMEGA.loc[list(BFI_KEYS), "omega_total"], atol=FITTED)
    assert table[["boot_ci_low", "boot_ci_high", "ordinal_alpha", "ordinal_omega"]].isna().all().all()


@pytest.mark.parametrize("policy", ["pairwise", "listwise"])
def test_reliability_from_moments_equals_the_path_that_keeps_the_rows(parent, policy):
    # 20,000 respondents (three blocks of moments) with reverse items, "don't know" codes and blanks
    codes = pd.read_csv(REFERENCE / "parent_synthetic_codes.csv")
    codes = codes.sample(20_000, replace=True, random_state=5).reset_index(drop=True)
    fast = reliability(codes, instrument=parent, nan_policy=policy, seed=None, n_boot=0, ordinal=False)
    kept = reliability(codes, instrument=parent, nan_policy=policy, seed=3, n_boot=2, ordinal=False)
    same = ["construct", "n", "alpha", "ci_low", "ci_high", "std_alpha", "average_r", "omega_total",
            "min_item_total_r", "flags"]  # fmt: skip
    pd.testing.assert_frame_equal(fast[same], kept[same], rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=arrays(
        np.float64,
        st.tuples(st.integers(1, 50), st.integers(1, 4)),
        elements=st.one_of(st.integers(1, 5).map(float), st.just(np.nan)),
    ),
    share=st.floats(0.01, 0.49),
    cut=st.integers(0, 50),
)
def test_extreme_cuts_from_merged_total_counts_are_numpys_quantiles(values, share, cut):
    from hsc_analysis.measurement.reliability import _row_means, extreme_cuts, total_counts
    from hsc_analysis.moments import policy_rows

    totals = _row_means(values)[policy_rows(values, "pairwise")]
    assume(len(totals) > 0)
    counts = total_counts(values[:cut], nan_policy="pairwise").add(
        total_counts(values[cut:], nan_policy="pairwise"), fill_value=0
    )
    assert extreme_cuts(counts, extreme_share=share) == tuple(np.quantile(totals, [share, 1 - share]))
