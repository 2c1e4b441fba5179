"""Table builders on the bundled example: labels from the instrument, translated headers, APA-formatted numbers
taken from the results (never recomputed), and tables that only exist when their analysis does."""

import dataclasses

import pandas as pd
import pytest

from hsc_analysis.measurement import measurement_invariance
from hsc_analysis.render import tables
from hsc_analysis.render.format import bounded

from ..conftest import REFERENCE
from ..measurement.test_confirmatory import HS_MODEL


def test_reliability_rows_are_the_reliability_results_formatted(example_results):
    parent = example_results[0]
    table = tables.reliability_table(parent, lang="en")
    rel = parent.measurement.reliability
    assert table.columns == ("Construct", "Items", "n", "α", "95% CI of α", "ω", "Ordinal α")
    assert [row[0] for row in table.rows] == rel["label_en"].tolist()
    assert [row[3] for row in table.rows] == [bounded(a, 3) for a in rel["alpha"]]
    assert table.rows[0][1:3] == ("5", "1,275")


def test_efa_blanks_small_loadings_and_reports_variance(example_results):
    parent = example_results[0]
    table = tables.efa_table(parent, lang="zh")
    efa = parent.exploratory.efa
    assert table.columns[0] == "题项" and table.columns[-1] == "h²" and len(table.columns) == efa.n_factors + 2
    loadings = efa.loadings.loc["com1"]
    row = next(r for r in table.rows if r[0] == "com1")
    assert [cell == "" for cell in row[1:-1]] == list(loadings.abs() < tables.LOADING_CUT)
    assert table.rows[-1][0] == "累计解释方差（%）"
    assert "绝对值小于 .30 的载荷未显示" in table.notes[0]


def test_discriminant_table_puts_sqrt_ave_on_the_diagonal(example_results):
    parent = example_results[0]
    table = tables.discriminant_table(parent, lang="zh")
    fl = parent.measurement.validity.fornell_larcker.set_index("factor")
    for i, factor in enumerate(fl.index):
        row = table.rows[i]
        assert row[3 + i] == bounded(fl.loc[factor, "sqrt_ave"])  # diagonal
        assert all(cell == "" for cell in row[4 + i :])  # upper triangle empty
    assert table.rows[1][3] == bounded(fl.loc["opinion", "communication"])


def test_tables_of_analyses_that_did_not_run_do_not_exist(example_results):
    administrator = example_results[2]
    assert administrator.measurement.validity is None and administrator.exploratory.efa is None
    for build in (tables.cfa_fit_table, tables.discriminant_table, tables.htmt_table, tables.kmo_bartlett_table,
                  tables.efa_table, tables.invariance_table):  # fmt: skip
        assert build(administrator, lang="zh") is None


@pytest.fixture(scope="module")
def with_invariance(example_results):
    """The parent result with an invariance table (lavaan's Holzinger–Swineford by school), as run_study returns
    when a study declares a group."""
    hs = pd.read_csv(REFERENCE / "holzinger_swineford_1939.csv")
    frame = measurement_invariance(hs, model=HS_MODEL, group="school")
    parent = example_results[0]
    validity = dataclasses.replace(parent.measurement.validity, invariance=frame)
    return dataclasses.replace(parent, measurement=dataclasses.replace(parent.measurement, validity=validity)), frame


def test_invariance_table_has_a_spanner_over_the_changes(with_invariance):
    result, frame = with_invariance
    table = tables.invariance_table(result, lang="en")
    assert [s.text for s in table.spanners] == ["", "Change from the previous model"]
    assert [row[0] for row in table.rows] == ["Configural", "Metric (loadings)", "Scalar (intercepts)"]
    assert table.rows[0][-1] == "—" and table.rows[1][-1] == ("Yes" if frame["holds"].iloc[1] else "No")
    assert table.rows[1][2] == str(int(frame["df"].iloc[1]))
    assert "n = 301, 2 groups" in table.notes[0]


def test_correlation_table_shows_m_sd_and_r_with_stars(example_results):
    parent = example_results[0]
    assert parent.findings.correlations, "the default plan correlates the parent scales"
    (table,) = tables.correlation_tables(parent, lang="zh")[:1]
    finding = parent.findings.correlations[0]
    names = list(finding.descriptives["variable"])
    assert len(table.rows) == len(names) and table.columns[:3] == ("变量", "M", "SD")
    r, marks = finding.lower_triangle("r"), finding.lower_triangle("stars")
    assert table.rows[1][3] == bounded(r.loc[names[1], names[0]]) + marks.loc[names[1], names[0]]
    assert table.rows[0][3] == "—" and table.stars
    assert table.rows[0][0] == f"1. {parent.dataset.instrument.constructs[0].label.zh}" or names[0] not in {
        c.id for c in parent.dataset.instrument.constructs
    }
