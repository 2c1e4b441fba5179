"""Likert bars, sample flow, score distributions, heat map, scree and loading chart: what is drawn is what the results
say, small groups are never drawn, and every figure of the example renders in both languages without a missing glyph."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import Rectangle

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.render.figures import (
    answer_shares,
    correlation_heatmap,
    likert_bars,
    loading_chart,
    sample_flow,
    score_distributions,
    split_groups,
)
from tests.conftest import BFI_KEYS


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(1, 6)), min_size=1, max_size=60))
def test_answer_shares_are_the_percentages_of_valid_answers(answers):
    codes = pd.Series([np.nan if a is None else float(a) for a in answers])
    shares = answer_shares(codes, range(1, 7))
    valid = codes.dropna()
    expected = valid.value_counts(normalize=True).reindex(range(1, 7), fill_value=0) * 100
    np.testing.assert_allclose(shares, expected.to_numpy() if len(valid) else np.zeros(6), atol=1e-12)
    assert shares.sum() == pytest.approx(100 if len(valid) else 0)


def test_likert_bars_draw_the_answer_shares_of_bfi(bfi):
    """psych's bfi agreeableness items: each bar segment is the share of that answer, the bar centred as
    likert/HH::likert do (even scale: the lower half left of 0)."""
    instrument = Instrument.from_keys({"agree": BFI_KEYS["agree"]}, response_range=(1, 6))
    fig = likert_bars(bfi, instrument=instrument, constructs=["agree"], lang="en")
    (ax,) = fig.axes
    bars = _bars(ax)
    assert len(bars) == 5 * 6
    for item_row, item in enumerate(BFI_KEYS["agree"]):
        item = item.lstrip("-")
        expected = bfi[item].dropna().value_counts(normalize=True).sort_index() * 100
        row = sorted((b for b in bars if round(b.get_y() + b.get_height() / 2) == item_row), key=lambda b: b.get_x())
        np.testing.assert_allclose([b.get_width() for b in row], expected.to_numpy(), atol=1e-9)
        assert row[3].get_x() == pytest.approx(0, abs=1e-9)  # codes 4–6 to the right of 0
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("A1") and labels[0].endswith("(R)")


def test_likert_bars_refuse_constructs_with_different_answers(example_results):
    parent = example_results["parent"]
    with pytest.raises(InputError, match="different answer labels"):
        likert_bars(
            parent.screening.kept.items,
            instrument=parent.dataset.instrument,
            constructs=["communication", "school_involvement"],
            lang="zh",
        )


def test_small_groups_are_not_drawn_and_the_note_names_them():
    group = pd.Series(["a"] * 7 + ["b"] * 4 + ["c"] * 5 + [None])
    split = split_groups(group, min_group_n=5)
    assert split.shown == {"a": 7, "c": 5}
    assert split.suppressed == ("b",)
    assert split.note("en") == "Groups with n < 5 are not shown: b."
    assert split_groups(group, min_group_n=8).suppressed == ("a", "b", "c")
    with pytest.raises(InputError, match="min_group_n"):
        split_groups(group, min_group_n=0)


def test_score_distributions_leave_out_small_groups(example_figures):
    """The administrator sample (12 people) has four positions with fewer than 5 holders: one box per construct is
    drawn, for the one group that is large enough, and the caption names the others without their n."""
    spec = {s.name: s for s in example_figures("administrator", "en")}["administrator_score_distributions"]
    assert [t.get_text() for t in spec.figure.legends[0].get_texts()] == ["Other middle manager (n = 5)"]
    assert len(spec.figure.axes[0].get_yticks()) == 7
    assert "Groups with n < 5 are not shown: Principal, Vice-principal, Head of moral education, Grade leader." in (
        spec.caption
    )
    assert "(n = 1)" not in spec.caption and "(n = 2)" not in spec.caption


def test_score_distributions_draw_one_box_per_group_and_construct(example_results):
    parent = example_results["parent"]
    scores = parent.scores.scores[["trust", "goal"]]
    group = pd.Series(np.where(np.arange(len(scores)) % 3 == 0, "x", "y"), index=scores.index)
    group.iloc[:2] = "tiny"
    fig = score_distributions(scores, labels={"trust": "T", "goal": "G"}, lang="en", group=group, score_range=(1, 5))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [f"x (n = {(group == 'x').sum()})", f"y (n = {(group == 'y').sum()})"]
    medians = [line for line in fig.axes[0].lines if line.get_color() == "black" and len(line.get_xdata()) == 2]
    expected = sorted(scores.loc[group == g, c].median() for g in ("x", "y") for c in ("trust", "goal"))
    np.testing.assert_allclose(sorted(line.get_xdata()[0] for line in medians), expected)


def test_sample_flow_shows_every_excluding_step_with_its_count(example_results):
    flow = example_results["parent"].screening.flow
    texts = _texts(sample_flow(flow, lang="zh"))
    assert "回收问卷\nn = 1480" in texts and "纳入分析\nn = 1377" in texts
    assert "未通过注意力检测题\nn = 98" in texts and "作答时间过短\nn = 5" in texts
    assert not any("重复提交" in t for t in texts)  # excluded nobody: named in the caption instead


def test_heatmap_cells_are_the_correlations_with_stars():
    names = ["a", "b", "c"]
    r = pd.DataFrame([[1, 0.5, -0.123], [0.5, 1, 0.04], [-0.123, 0.04, 1]], index=names, columns=names)
    p = pd.DataFrame([[0, 0.0001, 0.03], [0.0001, 0, 0.5], [0.03, 0.5, 0]], index=names, columns=names)
    texts = _texts(correlation_heatmap(r, labels={"a": "甲", "b": "乙", "c": "丙"}, lang="zh", p_values=p))
    assert sorted(texts) == sorted([".50***", "\N{MINUS SIGN}.12*", ".04"])


def test_loading_chart_bars_are_the_standardised_loadings(example_results):
    validity = example_results["parent"].measurement.validity
    loadings = validity.loadings
    labels = {"trust": "信任", "goal": "目标"}
    fig = loading_chart(loadings, labels=labels, lang="zh")
    for ax, factor in zip(fig.axes, labels, strict=False):
        expected = loadings.loc[loadings["factor"] == factor, "std_all"].to_numpy()
        np.testing.assert_allclose([b.get_width() for b in _bars(ax)], expected, atol=1e-12)


def test_dataset_figures_of_the_example(example_figures):
    """12 administrators: no parallel analysis (singular correlations) and no CFA, but their findings; the parent
    sample has every kind of figure, one per finding."""
    names = {name: [s.name for s in example_figures(name, "en")] for name in ("parent", "teacher", "administrator")}
    assert names["administrator"] == [
        "administrator_sample_flow",
        "administrator_likert_1",
        "administrator_likert_2",
        "administrator_score_distributions",
        "administrator_correlations",
        "administrator_coefficients",
    ]
    assert {"teacher_cfa_loadings", "teacher_scree", "teacher_mediation_3"} <= set(names["teacher"])
    assert {"parent_mediation_5", "parent_simple_slopes", "parent_fixed_effects", "parent_perception_gap"} <= set(
        names["parent"]
    )
    assert all(len(set(n)) == len(n) for n in names.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_of_the_example_renders_without_a_missing_glyph(example_figures, lang):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("parent", "teacher", "administrator"):
            for spec in example_figures(name, lang):
                assert spec.caption and spec.name.isidentifier()
                spec.figure.savefig(io.BytesIO(), format="png", dpi=60)  # glyphs are looked up at any resolution
    assert [str(w.message) for w in caught] == []
    captions = [s.caption for s in example_figures("teacher", lang)]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c) == (lang == "zh") for c in captions)


def test_group_labels_follow_the_instrument_levels(example_results):
    from hsc_analysis.render.figures import group_labels

    admin = example_results["administrator"]
    labels = group_labels(admin, "position", lang="zh")
    assert list(labels.cat.categories) == ["校长", "副校长", "德育主任", "年级组长", "其他中层干部"]
    assert labels.value_counts(sort=False).tolist() == [1, 2, 1, 3, 5]
    with pytest.raises(InputError, match="group got 'years_in_post'; allowed: a single-choice background question"):
        group_labels(admin, "years_in_post", lang="zh")


def test_the_threshold_is_a_keyword(example_results):
    from hsc_analysis.render.figures import dataset_figures

    specs = {s.name: s for s in dataset_figures(example_results["administrator"], lang="zh", min_group_n=3)}
    spec = specs["administrator_score_distributions"]
    assert [t.get_text() for t in spec.figure.legends[0].get_texts()] == ["年级组长 (n = 3)", "其他中层干部 (n = 5)"]
    assert spec.caption.endswith("n < 3 的组未绘出：校长、副校长、德育主任。")
    ungrouped = {s.name: s for s in dataset_figures(example_results["administrator"], lang="zh", group=None)}
    assert not ungrouped["administrator_score_distributions"].figure.legends
