"""Findings figures drawn from real result objects of :mod:`hsc_analysis.findings` on the bundled example: the
mediation diagram, simple slopes, Johnson–Neyman and perception gap show the numbers of their results."""

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.errors import InputError


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.fixture(scope="module")
def parent_frame(example_results):
    """The example's parents: scale scores with the class and whether the child is left behind (0/1)."""
    parent = example_results["parent"]
    background = parent.screening.kept.background
    return parent.scores.scores.join(background[["class_code"]]).assign(
        left_behind=(background["left_behind"] > 1).astype(float)
    )


@pytest.mark.parametrize("serial", [False, True])
def test_mediation_diagram_labels_every_path_with_its_coefficient(parent_frame, serial):
    from hsc_analysis.findings import mediation
    from hsc_analysis.render.figures import mediation_diagram
    from hsc_analysis.render.figures._text import number, stars

    result = mediation(
        parent_frame,
        x="communication",
        mediators=["trust", "goal"],
        y="effectiveness",
        serial=serial,
        n_boot=200,
        seed=1,
    )
    labels = {"communication": "沟通", "trust": "信任", "goal": "目标", "effectiveness": "成效"}
    paths = result.paths.set_index("path")
    for value, leading_zero in (("std_estimate", False), ("estimate", True)):  # β (APA: no leading zero) or B
        texts = _texts(mediation_diagram(result, labels=labels, lang="zh", value=value))
        for path in ("a1", "a2", "b1", "b2", *(["d21"] if serial else [])):
            row = paths.loc[path]
            assert f"{path} = {number(row[value], 2, leading_zero=leading_zero)}{stars(row['p_value'])}" in texts
        direct, total = paths.loc["c'"], paths.loc["c"]
        assert (
            f"c\N{PRIME} = {number(direct[value], 2, leading_zero=leading_zero)}{stars(direct['p_value'])}\n"
            f"(c = {number(total[value], 2, leading_zero=leading_zero)}{stars(total['p_value'])})"
        ) in texts
        assert {"沟通", "信任", "目标", "成效"} <= set(texts)
    default = _texts(mediation_diagram(result, labels=labels, lang="zh"))
    assert default == _texts(mediation_diagram(result, labels=labels, lang="zh", value="std_estimate"))


def test_simple_slopes_are_the_conditional_effects(parent_frame):
    """Each line is drawn from the coefficients; its slope must be the result's conditional effect at that W."""
    from hsc_analysis.findings import moderation
    from hsc_analysis.render.figures import simple_slopes_plot

    result = moderation(parent_frame, x="invitations", w="trust", y="home_involvement", covariates=["left_behind"])
    labels = {"invitations": "INV", "trust": "TRU", "home_involvement": "INH"}
    (ax,) = simple_slopes_plot(result, parent_frame, labels=labels, lang="en").axes
    probes = result.conditional_effects.set_index("moderator_value").loc[["mean - 1 SD", "mean", "mean + 1 SD"]]
    slopes = [np.diff(line.get_ydata())[0] / np.diff(line.get_xdata())[0] for line in ax.lines]
    np.testing.assert_allclose(slopes, probes["estimate"], rtol=1e-10)
    with pytest.raises(InputError, match="complete cases but the result was fitted on"):
        simple_slopes_plot(result, parent_frame.iloc[:-10], labels=labels, lang="en")


def test_johnson_neyman_plot_marks_the_boundaries():
    from hsc_analysis.findings import moderation
    from hsc_analysis.render.figures import johnson_neyman_plot

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"x": rng.normal(size=400), "w": rng.normal(size=400)})
    frame["y"] = 0.3 * frame.x + 0.25 * frame.x * frame.w + rng.normal(size=400)
    result = moderation(frame, x="x", w="w", y="y")
    (ax,) = johnson_neyman_plot(result, labels={"x": "X", "w": "W"}, lang="en").axes
    boundaries = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    np.testing.assert_allclose(boundaries, result.johnson_neyman["w"])
    texts = _texts(ax.figure)
    assert any("19.0% below | 81.0% above" in t for t in texts)


def test_perception_gap_plot_shows_the_tests_and_names_no_class(example_results):
    from hsc_analysis.findings import perception_gap
    from hsc_analysis.render.figures import perception_gap_plot

    parent, teacher = example_results["parent"], example_results["teacher"]
    parents = parent.scores.scores.join(parent.screening.kept.background[["class_code"]])
    teachers = teacher.scores.scores.join(teacher.screening.kept.background[["class_codes"]])
    result = perception_gap(parents, teachers, by=("class_code", "class_codes"), constructs=["trust", "goal"])
    fig = perception_gap_plot(result, labels={"trust": "信任", "goal": "目标"}, lang="zh")
    left = fig.axes[0]
    tests = result.tests.set_index("construct").loc[["trust", "goal"]]
    np.testing.assert_allclose(left.lines[0].get_xdata(), tests["parent_mean"])
    np.testing.assert_allclose(left.lines[1].get_xdata(), tests["teacher_mean"])
    shown = " ".join(_texts(fig) + [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()])
    assert not any(code in shown for code in result.classes["class"])


def test_finding_figures_give_every_figure_of_each_kind_of_result(parent_frame, tmp_path):
    import warnings

    from hsc_analysis.findings import correlation_table, hierarchical_regression, mediation, moderation, multilevel
    from hsc_analysis.render.figures import finding_figures, save_figure

    labels = {
        "trust": "家校信任",
        "goal": "合作目标取向",
        "communication": "沟通与宣传",
        "effectiveness": "合作成效",
        "invitations": "邀请",
        "home_involvement": "家庭参与",
        "class_code": "班级",
    }
    results = {
        "cor": correlation_table(parent_frame, columns=["trust", "goal", "effectiveness"]),
        "reg": hierarchical_regression(parent_frame, outcome="effectiveness", blocks=[["goal"], ["trust"]]),
        "mlm": multilevel(parent_frame, outcome="effectiveness", predictors=["trust"], cluster="class_code"),
        "med": mediation(parent_frame, x="communication", mediators=["trust"], y="effectiveness", n_boot=100, seed=1),
        "mod": moderation(parent_frame, x="invitations", w="trust", y="home_involvement"),
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        specs = [
            s
            for name, r in results.items()
            for s in finding_figures(r, name=name, labels=labels, lang="zh", data=parent_frame)
        ]
        for spec in specs:
            save_figure(spec.figure, tmp_path / spec.name, formats=("png",))
    assert [str(w.message) for w in caught] == []
    names = [s.name for s in specs]
    assert names[:5] == [
        "cor_correlations",
        "reg_coefficients",
        "mlm_fixed_effects",
        "med_mediation",
        "mod_simple_slopes",
    ]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s.caption) for s in specs)
    with pytest.raises(InputError, match="needs data="):
        finding_figures(results["mod"], name="mod", labels=labels, lang="zh")
    with pytest.raises(InputError, match="no figure for a str"):
        finding_figures("x", name="x", labels=labels, lang="zh")


@pytest.mark.parametrize(
    ("value", "text"), [(0.314, ".31"), (-0.049, "−.05"), (1.234, "1.23"), (10.5, "10.50"), (-20.25, "−20.25")]
)
def test_numbers_without_a_leading_zero_keep_their_integer_part(value, text):
    from hsc_analysis.render.figures._text import number

    assert number(value, 2, leading_zero=False) == text
