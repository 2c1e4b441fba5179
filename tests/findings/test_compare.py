"""compare_groups and crosstab against R (t.test, oneway.test, aov, TukeyHSD, kruskal.test, wilcox.test,
chisq.test, fisher.test), car::leveneTest, effectsize and rstatix on bfi, PlantGrowth, sleep and mtcars."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings import compare_groups, crosstab

from ..conftest import REFERENCE
from ._data import bfi_scales, rdata

EXACT = 1e-10  # closed-form statistics and p values
NCP = 1e-6  # effectsize finds noncentrality bounds with Nelder–Mead (abstol 1e-9 on p); we solve them to 1e-12

TESTS = pd.read_csv(REFERENCE / "findings_compare_tests.csv")
POST_HOC = pd.read_csv(REFERENCE / "findings_compare_post_hoc.csv", dtype={"group_1": str, "group_2": str})


def cases():
    bfi = bfi_scales()
    plant = rdata("datasets", "PlantGrowth")
    return {
        "bfi_agree_gender": dict(data=bfi, outcome="agree", group="gender"),
        "plant_ctrl_trt2": dict(data=plant[plant.group != "trt1"], outcome="weight", group="group"),
        "sleep_paired": dict(data=rdata("datasets", "sleep"), outcome="extra", group="group", paired=True,
                             subject="ID"),
        "anorexia_ft_paired": dict(data=anorexia_long(), outcome="weight", group="time", paired=True, subject="girl"),
        "bfi_agree_education": dict(data=bfi, outcome="agree", group="education"),
        "plant_growth": dict(data=plant, outcome="weight", group="group"),
    }  # fmt: skip


def anorexia_long():
    """MASS's anorexia, family-therapy girls, in long format; ``time`` is a categorical ordered pre, post."""
    wide = rdata("MASS", "anorexia").query("Treat == 'FT'")
    girls = np.arange(len(wide))
    long = pd.DataFrame({"girl": np.concatenate([girls, girls]),
                         "time": ["pre"] * len(wide) + ["post"] * len(wide),
                         "weight": np.concatenate([wide.Prewt, wide.Postwt])})  # fmt: skip
    return long.assign(time=pd.Categorical(long.time, categories=["pre", "post"]))


@pytest.fixture(scope="module")
def results():
    return {case: compare_groups(**arguments) for case, arguments in cases().items()}


def reference(case):
    return TESTS[TESTS.case == case].set_index("name")


@pytest.mark.parametrize("case", ["bfi_agree_gender", "plant_ctrl_trt2", "sleep_paired", "anorexia_ft_paired",
                                  "bfi_agree_education", "plant_growth"])  # fmt: skip
def test_tests_match_r(results, case):
    expected = reference(case)
    got = results[case].tests.set_index("test")
    names = [n for n in expected.index if n in got.index]
    assert len(names) == len(got)  # every test we report has its R value
    for column in ("estimate", "statistic", "df", "df2", "p_value", "ci_low", "ci_high"):
        want = expected.loc[names, column].to_numpy(float)
        have = got.loc[names, column].to_numpy(float)
        np.testing.assert_allclose(have, want, rtol=1e-9, atol=EXACT, err_msg=f"{case} {column}", equal_nan=True)


@pytest.mark.parametrize("case", ["bfi_agree_gender", "plant_ctrl_trt2", "sleep_paired", "bfi_agree_education",
                                  "plant_growth"])  # fmt: skip
def test_effect_sizes_match_effectsize(results, case):
    # R: effectsize::cohens_d / hedges_g / eta_squared / omega_squared (alternative = "two.sided"),
    # rank_epsilon_squared; r = |qnorm(p / 2)| / sqrt(N) from wilcox.test(exact = FALSE, correct = FALSE)
    expected = reference(case)
    got = results[case].effect_sizes.set_index("effect")
    assert set(got.index) <= set(expected.index)
    np.testing.assert_allclose(got["estimate"], expected.loc[got.index, "estimate"], atol=EXACT)
    for column in ("ci_low", "ci_high"):
        np.testing.assert_allclose(got[column], expected.loc[got.index, column], atol=NCP, equal_nan=True)


POST_HOC_COLUMNS = {  # ours: (R's column, sign); R reports group_2 − group_1, we report group_1 − group_2
    "lsd": ("lsd", ["p"]), "tukey_hsd": ("tukey", ["p"]), "scheffe": ("scheffe", ["p"]),
    "games_howell": ("games_howell", ["p_unrounded"]),
}  # fmt: skip


@pytest.mark.parametrize("case", ["bfi_agree_education", "plant_growth"])
@pytest.mark.parametrize("method", ["lsd", "tukey_hsd", "scheffe", "games_howell"])
def test_post_hoc_matches_r(results, case, method):
    # R: pairwise.t.test(pool.sd = TRUE, p.adjust = "none"), TukeyHSD, Scheffé written out, rstatix::games_howell_test
    expected = POST_HOC[POST_HOC.case == case].reset_index(drop=True)
    got = results[case].post_hoc
    got = got[got.method == method].reset_index(drop=True)
    prefix = POST_HOC_COLUMNS[method][0]
    assert list(got["group_1"]) == list(expected["group_1"]) and list(got["group_2"]) == list(expected["group_2"])
    np.testing.assert_allclose(got["difference"], -expected["difference"], atol=EXACT)
    p = expected[f"{prefix}_p_unrounded" if method == "games_howell" else f"{prefix}_p"]
    tolerance = 1e-7 if method in ("tukey_hsd", "games_howell") else EXACT  # ptukey vs scipy's studentized_range
    np.testing.assert_allclose(got["p_value"], p, rtol=1e-6, atol=tolerance)
    np.testing.assert_allclose(got["ci_low"], -expected[f"{prefix}_high"], atol=tolerance)
    np.testing.assert_allclose(got["ci_high"], -expected[f"{prefix}_low"], atol=tolerance)
    if method == "games_howell":
        np.testing.assert_allclose(got["df"], expected["games_howell_df"], atol=EXACT)
        np.testing.assert_allclose(got["se"], expected["games_howell_se"] * np.sqrt(2), atol=EXACT)  # rstatix: /√2
    else:
        np.testing.assert_allclose(got["se"], expected["se"], atol=EXACT)


def test_rank_tests_say_whether_exact(results):
    method = {c: r.tests.set_index("test")["method"] for c, r in results.items()}
    assert method["plant_ctrl_trt2"]["mann_whitney"] == "exact"
    assert method["bfi_agree_gender"]["mann_whitney"].startswith("normal approximation")
    assert "zero differences dropped" in method["sleep_paired"]["wilcoxon"]
    assert method["anorexia_ft_paired"]["wilcoxon"] == "exact"


def test_counts_and_labels(results):
    two = results["bfi_agree_gender"]
    bfi = bfi_scales()
    assert two.n == bfi["agree"].notna().sum() and two.n_dropped == bfi["agree"].isna().sum()
    assert two.nan_policy == "listwise" and two.post_hoc.empty
    assert list(two.descriptives["group"]) == ["1", "2"]
    labelled = bfi.assign(gender=pd.Categorical(bfi.gender.map({1: "男", 2: "女"}), categories=["男", "女"]))
    result = compare_groups(labelled, outcome="agree", group="gender")
    assert list(result.descriptives["group"]) == ["男", "女"]
    assert result.tests.set_index("test").loc["student_t", "statistic"] == pytest.approx(
        two.tests.set_index("test").loc["student_t", "statistic"], abs=EXACT
    )
    paired = results["sleep_paired"]
    assert (paired.n, paired.n_dropped, paired.paired) == (10, 0, True)


def test_paired_pairs_by_subject_and_leaves_out_incomplete_pairs():
    sleep = rdata("datasets", "sleep")
    shuffled = sleep.sample(frac=1.0, random_state=3)
    broken = shuffled.drop(shuffled.index[(shuffled.ID == 4) & (shuffled.group == 2)])
    result = compare_groups(broken, outcome="extra", group="group", paired=True, subject="ID")
    wide = sleep.pivot_table(index="ID", columns="group", values="extra").drop(index=4)
    difference = (wide[1] - wide[2]).to_numpy()
    assert (result.n, result.n_dropped) == (9, 1)
    t = result.tests.set_index("test").loc["paired_t"]
    assert t["estimate"] == pytest.approx(difference.mean(), abs=EXACT)
    assert t["statistic"] == pytest.approx(difference.mean() / difference.std(ddof=1) * 3, abs=1e-9)


def test_too_few_cases_in_a_group_is_named():
    data = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "g": ["a", "a", "b", "b", "c"]})
    with pytest.raises(DataError, match=r"too few cases in group\(s\) of g with y: c \(n = 1\)"):
        compare_groups(data, outcome="y", group="g")
    with pytest.raises(DataError, match="has 1 group"):
        compare_groups(data.assign(g="a"), outcome="y", group="g")
    with pytest.raises(InputError, match="only with paired=True"):
        compare_groups(data, outcome="y", group="g", subject="g")
    with pytest.raises(DataError, match="exactly 2 groups"):
        compare_groups(data, outcome="y", group="g", paired=True)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=6, max_size=40), st.floats(-10, 10))
def test_shifting_one_group_moves_the_difference_and_leaves_levene(values, shift):
    y = np.array(values)
    g = np.arange(len(y)) % 2
    if min(np.ptp(y[g == 0]), np.ptp(y[g == 1])) < 1e-3:
        return
    first = compare_groups(pd.DataFrame({"y": y, "g": g}), outcome="y", group="g").tests.set_index("test")
    moved = compare_groups(pd.DataFrame({"y": y + shift * g, "g": g}), outcome="y", group="g").tests.set_index("test")
    assert moved.loc["welch_t", "estimate"] == pytest.approx(first.loc["welch_t", "estimate"] - shift, abs=1e-8)
    assert moved.loc["levene", "statistic"] == pytest.approx(first.loc["levene", "statistic"], rel=1e-6, abs=1e-8)


CROSS = pd.read_csv(REFERENCE / "findings_crosstab_tests.csv").set_index("case")
CELLS = pd.read_csv(REFERENCE / "findings_crosstab_cells.csv")


def crosstab_cases():
    bfi = bfi_scales()
    cars = rdata("datasets", "mtcars")
    return {
        "bfi_gender_education": dict(data=bfi, row="gender", column="education"),
        "bfi_gender_over30": dict(data=bfi.assign(over30=(bfi.age > 30).astype(int)), row="gender", column="over30"),
        "mtcars_am_gear5": dict(data=cars.assign(gear5=(cars.gear == 5).astype(int)), row="am", column="gear5"),
    }


@pytest.mark.parametrize("case", list(CROSS.index))
def test_crosstab_matches_chisq_test_fisher_and_cramers_v(case):
    # R: chisq.test(table) (Yates for 2 × 2), fisher.test, effectsize::cramers_v(adjust = FALSE, two-sided)
    result = crosstab(**crosstab_cases()[case])
    expected = CROSS.loc[case]
    tests = result.tests.set_index("test")
    assert tests.loc["chi_square", "statistic"] == pytest.approx(expected["chi_square"], abs=EXACT)
    assert tests.loc["chi_square", "df"] == expected["df"]
    assert tests.loc["chi_square", "p_value"] == pytest.approx(expected["p_value"], rel=1e-9)
    v = result.effect_sizes.set_index("effect").loc["cramers_v"]
    assert v["estimate"] == pytest.approx(expected["cramers_v"], abs=EXACT)
    assert [v["ci_low"], v["ci_high"]] == pytest.approx([expected["v_low"], expected["v_high"]], abs=NCP)
    assert result.n == expected["n"]
    small = (result.cells["expected"] < 5).any()
    assert ("fisher_exact" in tests.index) == bool(small and result.counts.shape == (2, 2))
    if "fisher_exact" in tests.index:
        assert tests.loc["fisher_exact", "p_value"] == pytest.approx(expected["fisher_p"], rel=1e-9)
        assert any("Fisher" in note for note in result.notes)
    cells = CELLS[CELLS.case == case]
    got = result.cells.assign(row=result.cells.row.astype(str), column=result.cells.column.astype(str))
    merged = got.merge(cells.astype({"row": str, "column": str}), on=["row", "column"], suffixes=("", "_r"))
    assert len(merged) == len(got)
    np.testing.assert_array_equal(merged["n"], merged["n_r"])
    np.testing.assert_allclose(merged["expected"], merged["expected_r"], atol=EXACT)


def test_crosstab_percentages_and_missing():
    data = pd.DataFrame({"a": ["x", "x", "y", "y", None], "b": [1, 2, 1, 1, 2]})
    result = crosstab(data, row="a", column="b")
    assert (result.n, result.n_dropped) == (4, 1)
    cells = result.cells.set_index(["row", "column"])
    assert cells.loc[("y", "1"), "row_percent"] == 100 and cells.loc[("x", "1"), "column_percent"] == pytest.approx(
        100 / 3
    )
    assert result.cells["total_percent"].sum() == pytest.approx(100)
    with pytest.raises(DataError, match="takes only one value"):
        crosstab(data.assign(b=1), row="a", column="b")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3)), min_size=12, max_size=80))
def test_crosstab_does_not_depend_on_which_variable_is_the_row(pairs):
    data = pd.DataFrame(pairs, columns=["a", "b"])
    if data.a.nunique() < 2 or data.b.nunique() < 2:
        return
    one, other = crosstab(data, row="a", column="b"), crosstab(data, row="b", column="a")
    assert one.tests["statistic"].iloc[0] == pytest.approx(other.tests["statistic"].iloc[0], rel=1e-12, abs=1e-12)
    v = one.effect_sizes["estimate"].iloc[0]
    assert 0 <= v <= 1 and v == pytest.approx(other.effect_sizes["estimate"].iloc[0], rel=1e-12, abs=1e-12)
    assert one.cells["expected"].sum() == pytest.approx(len(data))
    np.testing.assert_array_equal(one.counts.to_numpy(), other.counts.to_numpy().T)


def test_a_group_without_variance_leaves_welch_undefined_not_infinite():
    data = pd.DataFrame({"y": [1.0, 1, 1, 2, 2, 2, 5, 6, 2], "g": list("aaabbbccc")})
    result = compare_groups(data, outcome="y", group="g")
    welch = result.tests.set_index("test").loc["welch_anova"]
    assert np.isnan(welch["statistic"]) and welch["method"] == "undefined: no variance in group(s) a, b"
    howell = result.post_hoc[result.post_hoc.method == "games_howell"].set_index(["group_1", "group_2"])
    assert np.isnan(howell.loc[("a", "b"), "p_value"]) and howell.loc[("a", "c"), "p_value"] > 0
    with pytest.raises(DataError, match="does not vary within any group"):
        compare_groups(pd.DataFrame({"y": [1.0, 1, 2, 2], "g": list("aabb")}), outcome="y", group="g")


def test_levene_is_undefined_not_a_crash_when_every_group_has_two_cases():
    """Two cases per group have equal absolute deviations: Levene's F would divide by zero; it is reported as
    undefined (NaN, with the reason) and the t tests still run."""
    data = pd.DataFrame({"y": [1.0, 2.0, 4.0, 7.0], "g": ["a", "a", "b", "b"]})
    tests = compare_groups(data, outcome="y", group="g").tests.set_index("test")
    assert np.isnan(tests.loc["levene", "statistic"]) and tests.loc["levene", "method"].startswith("undefined")
    assert tests.loc["student_t", "df"] == 2
