"""The compliance section of the report: 三线表 builders, results text and figures read the audit and show its
numbers rounded; class cells of fewer than min_cell students are suppressed; the chapter places the section before
the appendix."""

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from hsc_analysis.render import compliance_tables as build
from hsc_analysis.render import compliance_text as text
from hsc_analysis.render.chapter import build_chapter
from hsc_analysis.render.document import Heading, TableBlock
from hsc_analysis.render.figures.compliance import compliance_figures
from hsc_analysis.study import StudyResults

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def neimenggu(example_results):
    return example_results.compliance["neimenggu"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_table_shows_the_audit_with_and_without_flagged_events(neimenggu, lang):
    table = build.compliance_summary_table(neimenggu, lang=lang)
    full = neimenggu.audit.by_period()
    assert len(table.rows) == len(full) == len(table.data)
    for row, (_, expected) in zip(table.rows, table.data.iterrows(), strict=True):
        assert row[2] == str(expected["n_classes"]) and row[3] == str(expected["n_met"])
        assert row[4] == f"{100 * expected['share_met']:.1f}" and row[5] == f"{100 * expected['coverage']:.1f}"
        assert row[6] == f"{100 * expected['share_met_unflagged']:.1f}"
    assert sum(s.span for s in table.spanners) == len(table.columns)
    assert bool(CJK.search(" ".join(table.columns))) == (lang == "zh")


def test_class_table_suppresses_cells_of_fewer_than_min_cell_students(neimenggu):
    table = build.compliance_class_table(neimenggu, lang="zh", min_cell=5)
    year = neimenggu.audit.classes[neimenggu.audit.classes["school_year"] == neimenggu.school_year]
    small = year[(year["rule_unit"] == "student") & (year["required"] < 5)]
    assert len(small) > 0  # left-behind children per class: mostly fewer than five
    cells = [cell for row in table.rows for cell in row]
    assert cells.count("< 5") == len(small)
    hidden = table.data[table.data["suppressed"]]
    assert len(hidden) == len(small) and hidden[["count", "required", "rate", "met"]].isna().all().all()
    # a shown cell is count/required, ✓ when met; the CCI columns are the audit's, APA-rounded
    first = year[year["class_id"] == table.rows[0][0]].set_index(["rule_id", "period"])
    hv = first.loc[("HV_ALL", neimenggu.school_year)]
    assert table.rows[0][1] == f"{hv['count']}/{hv['required']}" + (" ✓" if hv["met"] else "")
    cci = neimenggu.audit.cci.set_index(["class_id", "school_year"]).loc[(table.rows[0][0], neimenggu.school_year)]
    assert table.rows[0][-2] == f"{cci['cci_strict']:.2f}".replace("0.", ".", 1)
    assert len(table.rows) == year["class_id"].nunique() == 40
    larger = build.compliance_class_table(neimenggu, lang="zh", min_cell=1)
    assert "< 1" not in [cell for row in larger.rows for cell in row]


def test_school_table_lists_count_and_structural_rules(neimenggu):
    table = build.compliance_school_table(neimenggu, lang="en", min_cell=5)
    structural = neimenggu.audit.schools[neimenggu.audit.schools["kind"] == "structural"]
    results = [row[-1] for row in table.rows]
    assert results.count("no data") == int((structural["status"] == "no data").sum())  # no parent_school column
    assert {"met", "not met"} & set(results)
    assert any(r.endswith("% of classes met") for r in results)


def test_flags_and_triangulation_tables(neimenggu):
    flags = build.compliance_flags_table(neimenggu, lang="zh")
    frame = neimenggu.flags.to_frame()
    assert [row[1] for row in flags.rows] == [str(n) for n in frame["n_flagged"]]
    assert flags.rows[-1][0] == "至少一项标记"
    parents = build.compliance_parent_table(neimenggu, lang="zh")  # the example's parents carry the student code
    assert [row[1] for row in parents.rows] == [str(n) for n in neimenggu.parents["n"]]
    assert parents.rows[0][3] == f"{neimenggu.parents['kappa'].iloc[0]:.2f}".replace("0.", ".", 1)
    teachers = build.compliance_teacher_table(neimenggu, lang="en")
    assert teachers.rows[0][:3] == ("115", "1,460", "1,268")
    assert teachers.rows[0][3] == f"{neimenggu.teachers.inflation_ratio:.2f}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_results_text_names_the_numbers_of_the_audit_and_the_triangulation(example_results, neimenggu, lang):
    log = text.log_text(example_results.compliance, lang=lang, tables=["26", "27"])
    assert "3427" in log.replace(",", "") and "26" in log
    paragraph = text.rule_set_text(neimenggu, lang=lang, table="28", table_classes="29", table_schools="30")
    worst = neimenggu.audit.by_period().query("school_year == @neimenggu.school_year").sort_values("share_met")
    assert f"{100 * worst['share_met'].iloc[0]:.1f}%" in paragraph
    flags = text.flags_text(neimenggu, lang=lang, table="31")
    assert str(len(neimenggu.flags.flagged_ids)) in flags
    triangulation = text.triangulation_text(neimenggu, lang=lang, table_parents="32", table_teachers="33")
    visit = neimenggu.parents.set_index("item").loc["fx_home_visit"]
    kappa = f"κ = {visit['kappa']:.2f}".replace("0.", ".", 1)
    assert kappa in triangulation and f"n = {visit['n']}" in triangulation.replace(",", "") and "1.15" in triangulation
    assert "student_code" not in triangulation  # linked: no "could not be compared"
    for part in (log, paragraph, flags, triangulation):
        assert bool(CJK.search(part)) == (lang == "zh") and "{" not in part


def test_figures_draw_each_rule_set_and_blank_small_cells(neimenggu):
    specs = compliance_figures(neimenggu, lang="zh", min_cell=5)
    assert [s.name for s in specs] == ["compliance_neimenggu_shortfall", "compliance_neimenggu_coverage"]
    assert all(isinstance(s.figure, Figure) and s.caption for s in specs)
    image = specs[0].figure.axes[0].images[0].get_array()
    year = neimenggu.audit.classes[neimenggu.audit.classes["school_year"] == neimenggu.school_year]
    hidden = int(((year["rule_unit"] == "student") & (year["required"] < 5)).sum())
    assert int(np.ma.getmaskarray(image).sum()) >= hidden
    lines = specs[1].figure.axes[0].get_lines()
    assert (
        len([line for line in lines if line.get_linestyle() == "-"]) == neimenggu.audit.by_period()["rule_id"].nunique()
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chapter_places_the_audit_before_the_appendix(example_study, example_results, lang):
    document = build_chapter(example_study, example_results, lang=lang)
    headings = [b.text for b in document.blocks if isinstance(b, Heading) and b.level == 1]
    assert headings[-2].startswith("5 ") and ("政策落实情况" in headings[-2]) == (lang == "zh")
    stems = [b.stem for b in document.blocks if isinstance(b, TableBlock) and b.stem.startswith("compliance/")]
    # rules ×3; summary, classes, schools ×2; the county targets; flags; parents; teachers
    assert len(stems) == 3 + 2 * 3 + 1 + 3
    county = [s for s in stems if "jiaolianti_2024" in s]
    assert [s.split("_", 1)[1] for s in county] == ["rules_jiaolianti_2024", "targets_jiaolianti_2024"]
    assert len(set(stems)) == len(stems)
    numbers = pd.Series([int(s.split("/")[1][:2]) for s in stems])
    assert numbers.is_monotonic_increasing


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_county_targets_table_and_text(example_results, lang):
    counties = example_results.compliance["jiaolianti_2024"]
    targets = counties.audit.targets
    table = build.compliance_targets_table(counties, lang=lang)
    assert len(table.rows) == len(targets) == 2 and len(table.columns) == len(table.rows[0]) == 7
    for row, target in zip(table.rows, targets.itertuples(), strict=True):
        assert row[1:5] == (
            str(target.period), str(target.count), f"{100 * target.share:.1f}", f"{100 * target.target_share:.0f}",
        )  # fmt: skip
        assert row[-1] == str(target.shortfall)
    assert table.rows[0][2:] == ("5", "41.7", "50", "未达标" if lang == "zh" else "not met", "1")
    assert table.notes[0].startswith("n = 12 ")
    paragraph = text.targets_text(counties, lang=lang, table="40")
    assert "41.7%" in paragraph and "2025-03-09" in paragraph and "40" in paragraph and "{" not in paragraph
    assert bool(CJK.search(paragraph)) == (lang == "zh") and ").The" not in paragraph
    assert build.compliance_summary_table(counties, lang=lang) is None
    assert build.compliance_class_table(counties, lang=lang, min_cell=5) is None
    assert build.compliance_school_table(counties, lang=lang, min_cell=5) is None
    assert compliance_figures(counties, lang=lang, min_cell=5) == []
    assert build.compliance_targets_table(example_results.compliance["neimenggu"], lang=lang) is None


def test_a_county_only_audit_shows_no_flags_or_triangulation(example_study, example_results):
    counties = {"jiaolianti_2024": example_results.compliance["jiaolianti_2024"]}
    only = StudyResults(example_results, interviews=example_results.interviews, compliance=counties)
    document = build_chapter(example_study, only, lang="en")
    stems = [b.stem.split("_", 1)[1] for b in document.blocks if isinstance(b, TableBlock) and "compliance/" in b.stem]
    assert stems == ["rules_jiaolianti_2024", "targets_jiaolianti_2024"]
