"""Findings tables and their paragraphs on the bundled example: every cell is the result object's number formatted
(never recomputed), the test reported follows Levene's test, small groups are suppressed, headers are in the
report's language, and each paragraph quotes the same numbers as its table."""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.findings import compare_groups, crosstab, hierarchical_regression
from hsc_analysis.render import findings_tables as found
from hsc_analysis.render import findings_text as found_text
from hsc_analysis.render.chapter import build_chapter
from hsc_analysis.render.document import Heading, Paragraph, TableBlock
from hsc_analysis.render.figures import variable_labels
from hsc_analysis.render.format import bounded, count, degrees_of_freedom, number, p_value, stars
from hsc_analysis.render.language import language

CJK = re.compile(r"[\u4e00-\u9fff]")
UNROUNDED = re.compile(r"\d\.\d{4,}")
SYMBOLS = {"n", "M", "SD", "W", "D", "p", "t", "df", "d", "F", "η²", "β", "VIF", "M ± SD", "χ²", "V"}


def _p(value: float) -> str:
    text = p_value(value)
    return text if text.startswith("<") else f"= {text}"


def _cells(table) -> list[str]:
    return [cell for row in table.rows for cell in row]


def _check_language(table, lang: str) -> None:
    """Headers are symbols or words of the report's language; no cell holds an unrounded number."""
    for header in (*table.columns, *(s.text for s in table.spanners)):
        if header in SYMBOLS or not header:
            continue
        if lang == "zh":
            assert CJK.search(header) or header.startswith(("模型", "(")) or header in ("R²", "ΔR²"), header
        else:
            assert not CJK.search(header), header
    assert not any(UNROUNDED.search(cell) for cell in _cells(table)), table.name
    assert all(isinstance(cell, str) for cell in _cells(table))


@pytest.fixture(scope="module")
def labels(example_study):
    return {lang: variable_labels(example_study, "parent", lang=lang) for lang in ("zh", "en")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_descriptives_rows_are_the_description_formatted(example_results, labels, lang):
    parent = example_results[0]
    description = parent.findings.descriptives[0]
    (table,) = found.descriptives_tables(parent, lang=lang, labels=labels[lang])
    _check_language(table, lang)
    frame = description.table
    assert [row[0] for row in table.rows] == [labels[lang][v] for v in frame["variable"]]
    assert [row[2] for row in table.rows] == [number(m) for m in frame["mean"]]
    assert [row[6] for row in table.rows] == [number(s) for s in frame["skewness"]]
    assert [row[8] for row in table.rows] == [bounded(w, 3) for w in frame["normality_statistic"]]
    assert table.columns[8] == "W" and ("Shapiro–Wilk" in table.notes[0])
    assert table.columns[1:4] == ("n", "M", "SD")
    assert table.columns[6] == ("偏度" if lang == "zh" else "Skewness")
    assert table.rows[0][1] == count(frame["n"].iloc[0], lang=lang)


def test_descriptives_text_quotes_the_extremes(example_results, labels):
    parent = example_results[0]
    description = parent.findings.descriptives[0]
    frame = description.table
    text = found_text.descriptives_text(description, lang="en", table="10", labels=labels["en"])
    low = frame.loc[frame["mean"].idxmin()]
    assert f"Means ranged from {number(low['mean'])} ({labels['en'][low['variable']]})" in text
    assert f"n = {count(frame['n'].min(), lang='en')}–{count(frame['n'].max(), lang='en')}" in text
    rejected = int((frame["normality_p_value"] < 0.05).sum())
    assert f"{rejected} of the {len(frame)} variables depart from normality" in text
    assert "in large samples" in text  # n ≥ 300: the test is oversensitive, and the text says so


def _comparison(result, group):
    return next(c for c in result.findings.comparisons if c.group == group)


def test_welch_is_reported_where_levene_rejects_equal_variances(example_results):
    """Grade: Levene p < .05, so Welch's F and Games–Howell pairs; relation: Levene p ≥ .05, the ANOVA F."""
    parent = example_results[0]
    grade, relation = _comparison(parent, "grade"), _comparison(parent, "relation")
    tests = grade.tests.set_index("test")
    assert (
        tests.loc["levene", "p_value"] < found.LEVENE_ALPHA <= relation.tests.set_index("test").loc["levene", "p_value"]
    )
    assert (
        found.chosen_test(grade).test["test"] == "welch_anova" and found.chosen_test(grade).post_hoc == "games_howell"
    )
    assert found.chosen_test(relation).test["test"] == "anova"
    (table,) = [
        t for t in found.group_difference_tables(parent, lang="zh", min_cell=5) if t.name == "differences_grade"
    ]
    _check_language(table, "zh")
    row = table.rows[0]
    welch = tests.loc["welch_anova"]
    assert row[-4] == number(welch["statistic"]) + stars(welch["p_value"]) + found.WELCH_MARK
    eta = grade.effect_sizes.set_index("effect").loc["eta_squared", "estimate"]
    assert row[-3:-1] == (p_value(welch["p_value"]), bounded(eta, 3))
    pairs = grade.post_hoc[(grade.post_hoc["method"] == "games_howell") & (grade.post_hoc["p_value"] < 0.05)]
    order = list(grade.descriptives["group"])
    expected = {
        (order.index(a) + 1, order.index(b) + 1) if d > 0 else (order.index(b) + 1, order.index(a) + 1)
        for a, b, d in zip(pairs["group_1"], pairs["group_2"], pairs["difference"], strict=True)
    }
    listed = {(i + 1, int(b)) for i, line in enumerate(table.rows) for b in re.findall(r"\d+", line[-1])}
    assert listed == expected and expected  # "> 2, 5, 6" on the row of the higher group
    assert len(order) > found.WIDE_MAX_GROUPS and len(table.rows) == len(order)  # nine grades: one row each
    for described, line in zip(grade.descriptives.itertuples(), table.rows, strict=True):
        assert line[1:4] == (f"({order.index(described.group) + 1}) {described.group}", str(described.n),
                             f"{number(described.mean)} ± {number(described.sd)}")  # fmt: skip
    assert table.rows[1][0] == "" and table.rows[1][4:] == ("",) * 4 and table.stars and table.stub == 2
    wide = found.group_difference_table([relation], instrument=parent.dataset.instrument, lang="zh", min_cell=5)
    described = relation.descriptives.iloc[0]
    assert wide.spanners[1].text == f"(1) 母亲（n = {described['n']}）" and len(wide.spanners) == 1 + 4 + 1
    assert wide.rows[0][1] == f"{number(described['mean'])} ± {number(described['sd'])}"
    text = found_text.differences_text([grade], instrument=parent.dataset.instrument, lang="zh", table="13", min_cell=5)
    assert (
        f"Welch F({degrees_of_freedom(welch['df'])}, {degrees_of_freedom(welch['df2'])}) = "
        f"{number(welch['statistic'])}，p {_p(welch['p_value'])}，η² = {bounded(eta, 3)}，n = {grade.n}" in text
    )
    assert "方差不齐，故采用 Welch 检验" in text and "事后检验（Games–Howell）显示" in text
    assert text.count("高于") == len({a for a, _ in expected})  # one clause per higher group
    fourth = "、".join(f"“{order[b - 1]}”" for a, b in sorted(expected) if a == 4)
    assert f"“四年级”高于{fourth}" in text


def test_two_groups_report_t_df_p_and_d_in_english(example_results, example_study):
    teacher = example_results[1]
    labels = variable_labels(example_study, "teacher", lang="en")
    comparison = _comparison(teacher, "head_teacher")
    chosen = found.chosen_test(comparison)
    table = found.group_difference_table([comparison], instrument=teacher.dataset.instrument, lang="en",
                                         min_cell=5, labels=labels)  # fmt: skip
    _check_language(table, "en")
    assert table.columns[-4:] == ("t", "df", "p", "d")
    test, d = chosen.test, chosen.effect["estimate"]
    assert table.rows[0][-3:] == (degrees_of_freedom(test["df"]), p_value(test["p_value"]), number(d))
    assert [s.text for s in table.spanners[1:3]] == ["(1) Yes (n = 35)", "(2) No (n = 74)"]
    text = found_text.differences_text([comparison], instrument=teacher.dataset.instrument, lang="en", table="34",
                                       min_cell=5, labels=labels)  # fmt: skip
    name = "Welch's t" if chosen.welch else "t"
    assert (
        f"{name}({degrees_of_freedom(test['df'])}) = {number(test['statistic'])}, p {_p(test['p_value'])}, "
        f"d = {number(d)}, n = {comparison.n}" in text
    )
    assert "“Yes” higher than “No”" in text  # head teachers score higher, and significantly so


def test_small_groups_are_suppressed_and_their_pairs_not_listed():
    """A group of 3 is hidden (and with it the next-smallest, which alone would give it away from the total); the
    tests use everyone; a post hoc pair with a hidden group is not named."""
    rng = np.random.default_rng(7)
    sizes = {"甲": 40, "乙": 30, "丙": 3}
    shift = {"甲": 0.0, "乙": 1.5, "丙": 3.0}
    group = np.repeat(list(sizes), list(sizes.values()))
    y = rng.normal(size=len(group)) + [shift[g] for g in group]
    data = pd.DataFrame({"y": y, "g": pd.Categorical(group, categories=list(sizes))})
    comparison = compare_groups(data, outcome="y", group="g")
    from hsc_analysis.instruments import load_instrument

    from ..conftest import SURVEYS

    instrument = load_instrument(SURVEYS / "parent.yaml")
    table = found.group_difference_table([comparison], instrument=instrument, lang="zh", min_cell=5)
    hidden = found.suppressed_groups(comparison, min_cell=5)
    assert hidden.to_dict() == {"甲": False, "乙": True, "丙": True}
    row = table.rows[0]
    assert row[1].endswith(number(comparison.descriptives["sd"].iloc[0])) and row[2] == row[3] == "隐去"
    assert [s.text for s in table.spanners[1:4]] == ["(1) 甲（n = 40）", "(2) 乙", "(3) 丙"]
    assert table.data.loc[table.data["group"] == "丙", ["n", "mean", "sd"]].isna().all(axis=None)
    assert any("人数少于 5 的组不显示" in note for note in table.notes)
    assert found.post_hoc_pairs(comparison, min_cell=5) == []  # 乙 > 甲 and 丙 > 甲 differ, but involve hidden groups
    method = found.chosen_test(comparison).post_hoc
    differ = comparison.post_hoc[(comparison.post_hoc["method"] == method) & (comparison.post_hoc["p_value"] < 0.05)]
    assert {("乙", "甲"), ("丙", "甲")} <= set(zip(differ["group_2"], differ["group_1"], strict=True))
    assert found.post_hoc_pairs(comparison, min_cell=2)[:2] == [(2, 1), (3, 1)]  # nothing hidden: listed
    assert row[-1] == "无"


def test_several_outcomes_by_one_group_share_one_table(example_results):
    parent = example_results[0]
    data = parent.findings.data
    comparisons = [compare_groups(data, outcome=o, group="hukou") for o in ("trust", "goal", "effectiveness")]
    table = found.group_difference_table(comparisons, instrument=parent.dataset.instrument, lang="en", min_cell=5)
    assert [row[0] for row in table.rows] == ["trust", "goal", "effectiveness"]  # no labels given: names
    assert set(table.data["outcome"]) == {"trust", "goal", "effectiveness"} and len(table.data) == 6
    with pytest.raises(ValueError, match="do not share the grouping variable"):
        found.group_difference_table([comparisons[0], _comparison(parent, "relation")],
                                     instrument=parent.dataset.instrument, lang="en", min_cell=5)  # fmt: skip


def test_regression_table_has_a_block_per_model_and_the_robust_se_in_the_note(example_results, labels):
    parent = example_results[0]
    regression = parent.findings.regression[0]
    (table,) = found.regression_tables(parent, lang="zh", labels=labels["zh"])
    _check_language(table, "zh")
    steps = regression.steps
    k = len(steps)
    assert table.columns == ("预测变量", *(["β", "t"] * k), "VIF")
    assert [s.text for s in table.spanners] == ["", *(f"模型{i}" for i in range(1, k + 1)), ""]
    assert table.stars
    final = regression.coefficients[regression.coefficients["step"] == k].set_index("term")
    first = final.index[1]
    row = next(r for r in table.rows if r[0] == labels["zh"][first])
    c = final.loc[first]
    assert row[-3:] == (bounded(c["std_estimate"]) + stars(c["p_value"]), number(c["statistic"]), number(c["vif"]))
    late = regression.coefficients.loc[regression.coefficients["step"] == k, "term"].iloc[-1]
    assert next(r for r in table.rows if r[0] == labels["zh"][late])[1:3] == ("", "")  # entered in the last block
    summary = {r[0]: r for r in table.rows[-5:]}
    assert summary["R²"][1::2][:k] == tuple(bounded(v, 3) for v in steps["r_squared"])
    assert summary["ΔR²"][3] == bounded(steps["r_squared_change"].iloc[1], 3) + stars(steps["p_change"].iloc[1])
    assert f"CR1，{regression.n_clusters} 个聚类，df = G − 1 = {regression.n_clusters - 1}" in table.notes[0]
    assert f"n = {regression.n}（列表删除，{regression.n_dropped} 人因缺失未纳入）" in table.notes[0]
    text = found_text.regression_text(regression, instrument=parent.dataset.instrument, lang="zh", table="22",
                                      labels=labels["zh"])  # fmt: skip
    s1, s2 = steps.iloc[0], steps.iloc[1]
    assert f"R² = {bounded(s1['r_squared'], 3)}，F({int(s1['df1'])}, {int(s1['df2'])}) = {number(s1['f'])}" in text
    assert f"ΔR² = {bounded(s2['r_squared_change'], 3)}，ΔF({int(s2['df1'])}, {int(s2['df2'])}) = " in text
    assert f"{labels['zh'][first]}（β = {bounded(c['std_estimate'])}，t(39) = {number(c['statistic'])}" in text
    assert f"VIF 介于 {number(final['vif'].min())} 至 {number(final['vif'].max())}" in text


def test_regression_with_a_categorical_predictor_names_level_and_reference(example_results):
    parent = example_results[0]
    result = hierarchical_regression(parent.findings.data, outcome="effectiveness",
                                     blocks=[["relation"], ["trust"]], cov_type="HC3")  # fmt: skip
    table = found.regression_table(result, instrument=parent.dataset.instrument, lang="en")
    assert [r[0] for r in table.rows[:3]] == ["relation: Father", "relation: Grandparent", "relation: Other guardian"]
    assert "reference levels relation: Mother" in table.notes[1] and "HC3" in table.notes[0]
    text = found_text.regression_text(result, instrument=parent.dataset.instrument, lang="en", table="1")
    assert "Model 1 with relation gave" in text and "adding trust in Model 2" in text


def test_crosstab_table_shows_counts_row_percent_and_cramers_v(example_results):
    parent = example_results[0]
    table_result = crosstab(parent.findings.data, row="relation", column="left_behind")
    table = found.crosstab_table(table_result, instrument=parent.dataset.instrument, lang="en", min_cell=5)
    _check_language(table, "en")
    counts = table_result.counts
    v = table_result.effect_sizes["estimate"].iloc[0]
    chi = table_result.tests.set_index("test").loc["chi_square"]
    assert table.rows[0][-4:] == (number(chi["statistic"]), degrees_of_freedom(chi["df"]), p_value(chi["p_value"]),
                                  bounded(v, 3))  # fmt: skip
    assert table.rows[0][0] == "Mother" and table.columns[1] == "None"
    hidden = (counts > 0) & (counts < 5)
    assert hidden.to_numpy().any()  # grandparents and other guardians with parents away: small cells
    shown = table.data.dropna(subset=["n"])
    assert not ((shown["n"] > 0) & (shown["n"] < 5)).any() and any("suppressed" in n for n in table.notes)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chapter_has_the_findings_sections_in_order(example_study, example_results, lang):
    document = build_chapter(example_study, example_results, lang=lang)
    t = language(lang)
    numbered = [b.text for b in document.blocks if isinstance(b, Heading) and re.match(r"\d+\.\d+ ", b.text)]
    headings = [text.split(" ", 1)[1] for text in numbered]
    parent = headings[: headings.index(t.word("regression")) + 1]
    assert parent[-3:] == [t.word("findings"), t.word("differences"), t.word("regression")]
    stems = [b.stem for b in document.tables if b.stem.startswith("parent/")]
    names = [s.split("_", 1)[1] for s in stems]
    assert names.index("descriptives") < names.index("correlations") < names.index("differences_relation")
    assert names.index("differences_relation") < names.index("regression_effectiveness")
    assert names.index("regression_effectiveness") < names.index("perception_gap")  # the model sections follow
    administrator = [b.stem for b in document.tables if b.stem.startswith("administrator/")]
    assert not any("differences" in s for s in administrator)  # its only comparison was skipped: no section
    blocks = list(document.blocks)
    for i, block in enumerate(blocks):
        if isinstance(block, TableBlock) and block.table.name.startswith(("descriptives", "differences", "regression")):
            paragraph = blocks[i + 1]
            assert isinstance(paragraph, Paragraph)
            assert block.label.replace("表", "").replace("Table ", "") in paragraph.text


@settings(max_examples=25, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=2, max_value=12), min_size=2, max_size=6),
    min_cell=st.integers(min_value=2, max_value=10),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_no_group_below_min_cell_is_ever_shown(parent, sizes, min_cell, seed):
    """Whatever the group sizes: a group under min_cell never shows n, M or SD (in the cells, the header or the
    data), never appears in a post hoc pair, and at least two groups are hidden whenever one is."""
    rng = np.random.default_rng(seed)
    labels = [f"g{i}" for i in range(len(sizes))]
    group = np.repeat(labels, sizes)
    data = pd.DataFrame({"y": rng.normal(size=len(group)), "g": pd.Categorical(group, categories=labels)})
    comparison = compare_groups(data, outcome="y", group="g")
    table = found.group_difference_table([comparison], instrument=parent, lang="en", min_cell=min_cell)
    hidden = found.suppressed_groups(comparison, min_cell=min_cell)
    small = [label for label, n in zip(labels, sizes, strict=True) if n < min_cell]
    assert all(hidden[label] for label in small)
    assert hidden.sum() != 1
    shown = table.data[~table.data["suppressed"]]
    assert (shown["n"] >= min_cell).all() and table.data.loc[table.data["suppressed"], "mean"].isna().all()
    hidden_numbers = {i + 1 for i, label in enumerate(labels) if hidden[label]}
    for pair in found.post_hoc_pairs(comparison, min_cell=min_cell) or []:
        assert not hidden_numbers & set(pair)
    if len(labels) <= found.WIDE_MAX_GROUPS:
        cells = table.rows[0][1 : 1 + len(labels)]
        heads = [s.text for s in table.spanners[1 : 1 + len(labels)]]
    else:
        cells = [row[3] for row in table.rows]
        heads = [row[2] for row in table.rows]
    for label, cell, head in zip(labels, cells, heads, strict=True):
        if hidden[label]:
            assert cell == "suppressed" and "n =" not in head and not head.isdigit()
    assert not any(UNROUNDED.search(cell) for row in table.rows for cell in row)
