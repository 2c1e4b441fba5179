"""Tables and paragraphs of the model-based findings on the bundled example: every cell is the result's number
formatted (the expected strings are formatted here from the result objects, never copied), headers and notes in
the report's language, and the chapter's subsections only where the findings exist."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.findings import moderated_mediation, moderation, multilevel
from hsc_analysis.render import model_tables as build
from hsc_analysis.render import model_text as text
from hsc_analysis.render.chapter import build_chapter
from hsc_analysis.render.document import Heading, Paragraph, TableBlock
from hsc_analysis.render.figures.dataset import variable_labels
from hsc_analysis.render.format import bounded, number, p_value, stars
from hsc_analysis.render.model_sections import add_model_sections
from hsc_analysis.render.model_tables import DECIMALS, ci

LANGS = ("zh", "en")


@pytest.fixture(scope="module")
def parent(example_results):
    return example_results["parent"]


@pytest.fixture(scope="module")
def labels(example_study):
    return {lang: variable_labels(example_study, "parent", lang=lang) for lang in LANGS}


def _cells(table, column: str) -> list[str]:
    return [row[table.columns.index(column)] for row in table.rows]


# --- mediation ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_mediation_paths_are_every_equation_formatted(parent, labels, lang):
    result = parent.findings.mediation[0]
    table = build.mediation_paths_table(result, lang=lang, labels=labels[lang])
    paths, models = result.paths, result.models
    assert len(table.rows) == len(paths) + len(models)
    # each equation opens with its outcome, R² and F(df1, df2) (with stars); its terms follow
    equations = [i for i, row in enumerate(table.rows) if not row[1]]
    assert len(equations) == len(models)
    for i, model in zip(equations, models.itertuples(), strict=True):
        cell = table.rows[i][0]
        assert labels[lang][model.outcome] in cell and f"R² = {bounded(model.r_squared)}" in cell
        assert f"F({model.df1}, {model.df2}) = {number(model.f)}{stars(model.p_value)}" in cell
    terms = [row for i, row in enumerate(table.rows) if i not in equations]
    assert [row[1] for row in terms] == [number(b, DECIMALS) for b in paths["estimate"]]
    assert [row[2] for row in terms] == [number(v, DECIMALS) for v in paths["se"]]
    assert [row[4] for row in terms] == [p_value(v) for v in paths["p_value"]]
    assert terms[0][-1] == ci(paths["ci_low"].iloc[0], paths["ci_high"].iloc[0])
    assert table.stars and table.stub == 1
    a1 = next(row[0] for row in table.rows if row[0].endswith(("（a1）", "(a1)")))
    assert a1.startswith(labels[lang][result.x])
    assert table.columns[0] == {"zh": "预测变量", "en": "Predictor"}[lang] and table.columns[-1] == "95% CI"
    assert ("PROCESS 模型 4" if lang == "zh" else "PROCESS model 4") in table.notes[0]
    assert "OLS" in table.notes[0]


@pytest.mark.parametrize("lang", LANGS)
def test_mediation_effects_carry_bootstrap_intervals_and_standardised_effects(parent, labels, lang):
    result = parent.findings.mediation[0]
    table = build.mediation_effects_table(result, lang=lang, labels=labels[lang])
    effects, contrasts = result.effects, result.contrasts
    assert len(table.rows) == len(effects) + len(contrasts)
    estimates = [row[1] for row in table.rows]
    assert estimates == [number(v, DECIMALS) for v in [*effects["estimate"], *contrasts["estimate"]]]
    std = [row[4] for row in table.rows[: len(effects)]]
    assert std == [number(v, DECIMALS) for v in effects["std_estimate"]]
    indirect = effects.iloc[2]
    assert table.rows[2][3] == ci(indirect.ci_low, indirect.ci_high)
    assert table.rows[0][0].endswith(("（c）", "(c)")) and table.rows[1][0].endswith(("（c′）", "(c′)"))
    assert table.rows[2][0].endswith(labels[lang][result.mediators[0]])
    joined = " ".join(table.notes)
    method = "百分位 Bootstrap" if lang == "zh" else "percentile bootstrap"
    assert method in joined and f"{result.n_boot}" in joined and str(result.seed) in joined
    assert (labels[lang]["class_code"] in joined) and str(result.n_clusters) in joined


@pytest.mark.parametrize("lang", LANGS)
def test_mediation_text_states_each_indirect_effect_and_its_interval(parent, labels, lang):
    result = parent.findings.mediation[0]
    paragraph = text.mediation_text(result, lang=lang, labels=labels[lang], table="11", table_effects="12")
    for row in result.effects[result.effects["effect"] == "indirect"].itertuples():
        interval = ci(row.ci_low, row.ci_high)
        phrase = (
            f"= {number(row.estimate, DECIMALS)}，95% Bootstrap CI {interval}，"
            if lang == "zh"
            else (f"= {number(row.estimate, DECIMALS)}, 95% bootstrap CI {interval}, ")
        )
        assert phrase in paragraph
        excludes = row.ci_low > 0 or row.ci_high < 0
        verdict = {
            ("zh", True): "不包含 0，中介效应成立",
            ("zh", False): "包含 0，该中介效应不显著",
            ("en", True): "excluded zero",
            ("en", False): "included zero",
        }[lang, excludes]
        assert f"{interval}{'，' if lang == 'zh' else ', '}{verdict}" in paragraph
    assert ("表11" in paragraph and "表12" in paragraph) if lang == "zh" else "Table 12" in paragraph
    total = result.effects.iloc[0]
    assert f"B = {number(total.estimate, DECIMALS)}" in paragraph
    direct_significant = result.effects.iloc[1]["p_value"] < 0.05
    assert ("部分中介" if direct_significant else "完全中介") in text.mediation_text(
        result, lang="zh", labels=labels["zh"], table="1", table_effects="2"
    )


def test_mediation_without_bootstrap_says_the_indirect_effects_were_not_tested(parent, labels):
    from hsc_analysis.findings import mediation

    result = mediation(
        parent.findings.data, x="communication", mediators=["trust"], y="effectiveness", n_boot=0, seed=None
    )
    table = build.mediation_effects_table(result, lang="zh", labels=labels["zh"])
    assert table.rows[2][2] == "—" and table.rows[2][3] == "—"
    assert any("未进行 Bootstrap" in note for note in table.notes)
    paragraph = text.mediation_text(result, lang="zh", labels=labels["zh"], table="1", table_effects="2")
    assert "未做 Bootstrap" in paragraph


@pytest.mark.parametrize("lang", LANGS)
def test_moderated_mediation_table_and_text(parent, labels, lang):
    result = moderated_mediation(
        parent.findings.data,
        x="communication",
        mediator="trust",
        w="goal",
        y="effectiveness",
        model=7,
        n_boot=200,
        seed=3,
    )
    table = build.moderated_mediation_table(result, lang=lang, labels=labels[lang])
    conditional = result.conditional_indirect
    assert len(table.rows) == len(conditional) + 2
    assert [row[3] for row in table.rows[:-2]] == [number(v, DECIMALS) for v in conditional["estimate"]]
    index = result.index.iloc[0]
    assert table.rows[-2][3:] == (
        number(index.estimate, DECIMALS),
        number(index.se, DECIMALS),
        ci(index.ci_low, index.ci_high),
    )
    assert "a3·b" in table.notes[0]
    paths = build.mediation_paths_table(result, lang=lang, labels=labels[lang])
    assert any(row[0].endswith(("（a3）", "(a3)")) for row in paths.rows)
    paragraph = text.moderated_mediation_text(result, lang=lang, labels=labels[lang], table="1", table_effects="2")
    assert f"{number(index.estimate, DECIMALS)}" in paragraph and ci(index.ci_low, index.ci_high) in paragraph


# --- moderation -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_moderation_table_shows_the_interaction_and_its_r_squared_change(parent, labels, lang):
    result = parent.findings.moderation[0]
    table = build.moderation_table(result, lang=lang, labels=labels[lang])
    coefficients = result.coefficients
    product = f"{labels[lang][result.x]} × {labels[lang][result.w]}"
    assert [row[0] for row in table.rows[: len(coefficients)]][3] == product
    assert [row[1] for row in table.rows[: len(coefficients)]] == [
        number(b, DECIMALS) for b in coefficients["estimate"]
    ]
    change = result.interaction.iloc[0]
    delta = next(row for row in table.rows if row[0].startswith("ΔR²"))
    assert delta[1] == bounded(change.r_squared_change, 3)
    assert table.rows[-1][1] == number(change.f) + stars(change.p_value)
    assert table.stars


@pytest.mark.parametrize("lang", LANGS)
def test_conditional_effects_of_a_dichotomous_moderator(parent, labels, lang):
    result = parent.findings.moderation[0]
    table = build.conditional_effects_table(result, lang=lang, labels=labels[lang])
    effects = result.conditional_effects
    assert [row[0] for row in table.rows] == (["否", "是"] if lang == "zh" else ["No", "Yes"])
    assert [row[2] for row in table.rows] == [number(v, DECIMALS) for v in effects["estimate"]]
    assert ("二分变量" if lang == "zh" else "dichotomous") in table.notes[-1]
    paragraph = text.moderation_text(result, lang=lang, labels=labels[lang], table="1", table_conditional="2")
    product = result.coefficients.set_index("term").loc[f"{result.x}:{result.w}"]
    assert f"B = {number(product.estimate, DECIMALS)}" in paragraph and p_value(product.p_value) in paragraph
    assert ("调节效应不显著" if lang == "zh" else "not significant") in paragraph  # p = .94 on the example


@pytest.mark.parametrize("lang", LANGS)
def test_conditional_effects_of_a_continuous_moderator_give_the_johnson_neyman_region(lang):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=400), "w": rng.normal(size=400)})
    frame["y"] = 0.3 * frame.x + 0.25 * frame.x * frame.w + rng.normal(size=400)
    result = moderation(frame, x="x", w="w", y="y")
    table = build.conditional_effects_table(result, lang=lang, labels=None)
    probes = {
        "zh": ["第 16 百分位", "第 50 百分位", "第 84 百分位", "M − 1 SD", "M", "M + 1 SD"],
        "en": ["16th percentile", "50th percentile", "84th percentile", "M − 1 SD", "M", "M + 1 SD"],
    }
    assert [row[0] for row in table.rows] == probes[lang]
    assert [row[1] for row in table.rows] == [number(w) for w in result.conditional_effects["w"]]
    jn = table.notes[-1]
    assert all(number(w) in jn for w in result.johnson_neyman["w"])
    significant = result.regions[result.regions["significant"]]
    assert all(bounded(share, 3) in jn for share in significant["share"])
    paragraph = text.moderation_text(result, lang=lang, labels=None, table="1", table_conditional="2")
    assert ("调节效应显著" if lang == "zh" else "the moderation was significant") in paragraph and jn in paragraph


# --- multilevel -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_icc_table_reports_icc_and_design_effect(parent, labels, lang):
    result = parent.findings.icc[0]
    table = build.icc_table(result, lang=lang, labels=labels[lang])
    frame = result.table
    assert [row[0] for row in table.rows] == [labels[lang][o] for o in frame["outcome"]]
    assert _cells(table, "ICC(1)") == [bounded(v, 3) for v in frame["icc1"]]
    assert _cells(table, "ICC(2)") == [bounded(v, 3) for v in frame["icc2_anova"]]
    assert _cells(table, "F") == [number(f) + stars(p) for f, p in zip(frame["f"], frame["p_value"], strict=True)]
    assert table.rows[0][-1] == number(frame["design_effect"].iloc[0])
    assert table.columns[-1] == ("设计效应" if lang == "zh" else "Design effect")
    assert "Muthén & Satorra" in table.notes[0] and table.stars
    paragraph = text.icc_text(result, lang=lang, labels=labels[lang], table="5")
    assert bounded(frame["icc1"].min(), 3) in paragraph and number(frame["design_effect"].max()) in paragraph
    high = frame.loc[frame["design_effect"] > text.DESIGN_EFFECT_CUT, "outcome"]
    assert all(labels[lang][o] in paragraph for o in high)


@pytest.mark.parametrize("lang", LANGS)
def test_multilevel_table_fixed_and_random_parts(parent, labels, lang):
    result = parent.findings.multilevel[0]
    table = build.multilevel_table(result, lang=lang, labels=labels[lang])
    fixed = result.fixed_effects
    assert [row[1] for row in table.rows[: len(fixed)]] == [number(b, DECIMALS) for b in fixed["estimate"]]
    assert [row[3] for row in table.rows[: len(fixed)]] == [number(df) for df in fixed["df"]]  # Satterthwaite
    mean_row = table.rows[list(fixed["term"]).index("communication_mean")][0]
    assert mean_row == ("沟通与宣传（群组均值）" if lang == "zh" else "Communication and publicity (cluster mean)")
    components = result.variance_components
    cells = [row[1] for row in table.rows]
    assert number(components["variance"].iloc[0], 3) in cells and bounded(components["icc"].iloc[0], 3) in cells
    assert number(result.aic) in cells and len(table.columns) == 7 and not result.singular
    assert "Satterthwaite" in table.notes[0]
    paragraph = text.multilevel_text(result, lang=lang, labels=labels[lang], table="6")
    significant = fixed[(fixed["p_value"] < 0.05) & (fixed["term"] != "(Intercept)")]
    assert all(f"B = {number(b, DECIMALS)}" in paragraph for b in significant["estimate"])
    assert ("奇异" if lang == "zh" else "singular") not in paragraph


@pytest.fixture(scope="module")
def singular():
    """A model whose class variance collapses: every class has the same mean of y and of x."""
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"x": rng.normal(size=180), "e": rng.normal(size=180), "class": np.repeat(np.arange(12), 15)})
    frame[["x", "e"]] -= frame.groupby("class")[["x", "e"]].transform("mean")
    frame["y"] = 0.4 * frame["x"] + frame["e"]
    return multilevel(frame, outcome="y", predictors=["x"], cluster="class", center=None)


@pytest.mark.parametrize("lang", LANGS)
def test_a_singular_fit_shows_the_cluster_robust_ols_beside_it(singular, lang):
    assert singular.singular and singular.robust_ols is not None
    table = build.multilevel_table(singular, lang=lang, labels=None)
    assert len(table.columns) == 10 and table.spanners[-1].text.endswith(("（CR1）", "(CR1)"))
    robust = singular.robust_ols
    assert [row[7] for row in table.rows[: len(robust)]] == [number(b, DECIMALS) for b in robust["estimate"]]
    assert [row[9] for row in table.rows[: len(robust)]] == [p_value(p) for p in robust["p_value"]]
    assert any(("奇异拟合" if lang == "zh" else "Singular fit") in note and "CR1" in note for note in table.notes)
    paragraph = text.multilevel_text(singular, lang=lang, labels=None, table="7")
    assert ("奇异拟合" if lang == "zh" else "singular fit") in paragraph and "CR1" in paragraph


# --- perception gap -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_perception_gap_table_and_text(parent, labels, lang):
    result = parent.findings.perception_gaps[0]
    table = build.perception_gap_table(result, lang=lang, labels=labels[lang])
    tests = result.tests
    assert [row[0] for row in table.rows] == [labels[lang][c] for c in tests["construct"]]
    assert _cells(table, "t") == [number(v) for v in tests["statistic"]]
    assert _cells(table, "dz") == [number(v) for v in tests["cohen_dz"]]
    assert table.rows[0][-1] == bounded(tests["class_r"].iloc[0]) + stars(tests["class_r_p_value"].iloc[0])
    assert table.rows[0][1] == str(tests["n_classes"].iloc[0])
    if lang == "zh":  # the finding's flag, worded in the report's language
        assert not any("teacher(s)" in note for note in table.notes)
        assert any("名教师任教多个班级" in note for note in table.notes)
    paragraph = text.perception_gap_text(result, lang=lang, labels=labels[lang], table="8")
    for row in tests.itertuples():
        assert f"dz = {number(row.cohen_dz)}" in paragraph and f"r = {bounded(row.class_r)}" in paragraph
        assert f"t({row.df}) = {number(row.statistic)}" in paragraph


# --- the chapter ----------------------------------------------------------------------------------------------------
HEADINGS = {
    "zh": ["中介效应检验", "调节效应检验", "多层线性模型", "家长与教师的认知差异"],
    "en": ["Mediation", "Moderation", "Multilevel models", "Parents' and teachers' perceptions"],
}


@pytest.mark.parametrize("lang", LANGS)
def test_chapter_has_the_subsections_only_where_the_findings_exist(example_study, example_results, lang):
    doc = build_chapter(example_study, example_results, lang=lang)
    sections: dict[str, list[str]] = {}
    current = None
    for block in doc.blocks:
        if isinstance(block, Heading) and block.level == 1:
            current = block.text
        elif isinstance(block, Heading) and block.level == 2:
            sections.setdefault(current, []).append(block.text.partition(" ")[2])
    parent, teacher, administrator = (sections[k] for k in sections if k[:2] in ("2 ", "3 ", "4 "))
    assert [h for h in parent if h in HEADINGS[lang]] == HEADINGS[lang]
    assert [h for h in teacher if h in HEADINGS[lang]] == HEADINGS[lang][:1]  # mediation only
    assert not [h for h in administrator if h in HEADINGS[lang]]
    # each model table is numbered and followed (after its companion) by a paragraph that names it
    blocks = list(doc.blocks)
    icc = next(i for i, b in enumerate(blocks) if isinstance(b, TableBlock) and b.table.name == "icc")
    number_of = blocks[icc].label
    assert isinstance(blocks[icc + 1], Paragraph) and number_of.split()[-1].strip("表") in blocks[icc + 1].text


def test_a_moderated_mediation_in_the_findings_gets_its_own_tables(parent, labels):
    mm = moderated_mediation(
        parent.findings.data,
        x="communication",
        mediator="trust",
        w="goal",
        y="effectiveness",
        model=14,
        n_boot=100,
        seed=2,
    )
    findings = dataclasses.replace(
        parent.findings, mediation=(mm,), moderation=(), icc=(), multilevel=(), perception_gaps=()
    )
    made, said, headings = [], [], []

    def table(t):
        made.append(t)
        return str(len(made))

    add_model_sections(
        findings, lang="zh", labels=labels["zh"], heading=headings.append, table=table, paragraph=said.append
    )
    assert headings == ["heading_mediation"]
    assert [t.name for t in made] == ["process_paths_communication", "process_moderated_mediation_communication"]
    assert "a·b3" in made[1].notes[0] and "PROCESS 模型 14" in said[0] and "表1" in said[0] and "表2" in said[0]
