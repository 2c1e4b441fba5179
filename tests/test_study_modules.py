"""study.yaml ``modules:``: add-on instruments appended to a dataset's instrument, their validation, and the plan
defaults that follow from them (module constructs out of the role-based models, the locale comparison)."""

from __future__ import annotations

import pytest

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import append_modules, load_instrument
from hsc_analysis.study import StudyError, load_study

from .conftest import EXAMPLE

SURVEYS = EXAMPLE.parents[1] / "surveys"
STUDY = """
id: s
title: t
datasets:
  parent:
    instrument: ../surveys/parent.yaml
    file: answers.csv
    modules: [{module}]
"""
SCHOOLS = "school_id,name,locale\nS01,a,urban\nS02,b,rural\nS03,c,town\n"


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "surveys").symlink_to(SURVEYS)
    (tmp_path / "study").mkdir()
    return tmp_path


def write(folder, text, *, module="../surveys/after_school.yaml"):
    path = folder / "study" / "study.yaml"
    path.write_text(STUDY.format(module=module) + text, encoding="utf-8")
    return path


def with_logs(folder, schools=SCHOOLS):
    (folder / "study" / "school.csv").write_text(schools, encoding="utf-8")
    tables = ("school", "term", "class", "student", "event", "event_class", "event_student")
    return "logs:\n" + "".join(f"  {t}: {'school.csv' if t == 'school' else t + '.csv'}\n" for t in tables)


def test_module_is_appended_to_the_instrument(folder):
    study = load_study(write(folder, ""))
    parent, module = load_instrument(SURVEYS / "parent.yaml"), load_instrument(SURVEYS / "after_school.yaml")
    dataset = study.datasets[0]
    combined = dataset.instrument
    assert combined.id == "parent"
    assert combined.item_ids == parent.item_ids + module.item_ids
    assert [c.id for c in combined.constructs] == [c.id for c in parent.constructs + module.constructs]
    assert [q.id for q in combined.background][-1] == "days_per_week"
    assert dataset.module_constructs == ("service_quality", "satisfaction")
    assert dataset.modules == ((SURVEYS / "after_school.yaml").resolve(),)
    assert set(module.sources) <= set(combined.sources)


def test_module_constructs_stay_out_of_role_based_defaults(folder):
    plan = load_study(write(folder, "")).plan.dataset("parent")
    modelled = {t for block in plan.regression.blocks for t in block}
    modelled |= {v for m in plan.mediation for v in (m.x, *m.mediators, m.y, *m.covariates)}
    assert not modelled & {"service_quality", "satisfaction"}
    assert plan.regression.outcome == "effectiveness"
    assert {"service_quality", "satisfaction"} <= set(plan.describe)
    assert plan.locale_comparison is None  # no school table with locales


def test_locale_comparison_defaults_from_the_school_table(folder):
    plan = load_study(write(folder, with_logs(folder))).plan.dataset("parent")
    locale = plan.locale_comparison
    assert (locale.outcomes, locale.locale, locale.school, locale.classes) == (
        ("service_quality", "satisfaction"), "school_locale", "school_code", "class_code",
    )  # fmt: skip
    assert (locale.weights, locale.n_boot, locale.reference) == ("webb", 9999, None)
    one_locale = with_logs(folder, "school_id,locale\nS01,urban\nS02,urban\n")
    assert load_study(write(folder, one_locale)).plan.dataset("parent").locale_comparison is None


def test_locale_comparison_declared_and_switched_off(folder):
    logs = with_logs(folder)
    declared = logs + (
        "analyses:\n  datasets:\n    parent:\n      locale_comparison:\n"
        "        {outcomes: [satisfaction], reference: rural, weights: rademacher, n_boot: 1999, classes: null}\n"
    )
    locale = load_study(write(folder, declared)).plan.dataset("parent").locale_comparison
    assert (locale.outcomes, locale.reference, locale.weights, locale.n_boot, locale.classes) == (
        ("satisfaction",), "rural", "rademacher", 1999, None,
    )  # fmt: skip
    off = logs + "analyses:\n  datasets:\n    parent:\n      locale_comparison: false\n"
    assert load_study(write(folder, off)).plan.dataset("parent").locale_comparison is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{reference: village}", r"locale_comparison\.reference: got 'village'; allowed: a level of school_locale"),
        ("{outcomes: [happiness]}", r"locale_comparison\.outcomes\[0\]: got 'happiness'"),
        ("{weights: mammen}", r"locale_comparison\.weights: got 'mammen'; allowed: webb, rademacher"),
        ("{n_boot: 50}", r"locale_comparison\.n_boot: got 50; allowed: an integer from 999 to 99999"),
        ("{locale: relation, reference: 9}", r"reference: got 9; allowed: a level of relation \(1, 2, 3, 4\)"),
    ],
)
def test_bad_locale_comparison_names_the_key(folder, entry, message):
    text = with_logs(folder) + f"analyses:\n  datasets:\n    parent:\n      locale_comparison: {entry}\n"
    with pytest.raises(StudyError, match=message):
        load_study(write(folder, text))


def test_locale_comparison_needs_the_school_table(folder):
    text = "analyses:\n  datasets:\n    parent:\n      locale_comparison: {}\n"
    with pytest.raises(StudyError, match=r"locale_comparison\.locale: got 'school_locale'"):
        load_study(write(folder, text))


def test_bad_locale_in_the_school_table(folder):
    with pytest.raises(StudyError, match=r"school\.csv row 3, column locale: got 'suburb'; allowed: urban, town"):
        load_study(write(folder, with_logs(folder, "school_id,locale\nS01,urban\nS02,suburb\n")))


def test_unknown_module_file(folder):
    with pytest.raises(StudyError, match=r"datasets\.parent\.modules\[0\]: no instrument file .*missing\.yaml"):
        load_study(write(folder, "", module="../surveys/missing.yaml"))


def test_module_listed_twice(folder):
    with pytest.raises(StudyError, match=r"modules\[1\]: .*after_school\.yaml is listed twice"):
        load_study(write(folder, "", module="../surveys/after_school.yaml, ../surveys/after_school.yaml"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("id: asv1,", "id: com1,"), r"module\.yaml: items\[0\]\.id: id 'com1' already used in .*parent\.yaml"),
        (("  satisfaction:\n    label", "  trust:\n    label"), r"module\.yaml: constructs\.trust: construct id"),
        (("  - id: days_per_week", "  - id: relation"), r"background\[0\]\.id: id 'relation' already used"),
        (("      5: {zh: 非常同意", "      6: {zh: 非常同意"), r"module\.yaml: scales\.A5(_dk)?: defined differently"),
    ],
)
def test_module_clashing_with_the_main_instrument(folder, edit, message):
    text = (SURVEYS / "after_school.yaml").read_text(encoding="utf-8")
    old, new = edit
    assert old in text
    if old.startswith("  satisfaction"):
        text = text.replace("construct: satisfaction", "construct: trust")
    (folder / "study" / "module.yaml").write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_study(write(folder, "", module="module.yaml"))


def test_append_modules_needs_one_source_per_instrument():
    parent = load_instrument(SURVEYS / "parent.yaml")
    with pytest.raises(InputError, match="got 1 source name"):
        append_modules(parent, [parent], sources=["parent.yaml"])
