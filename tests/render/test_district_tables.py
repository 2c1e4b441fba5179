"""The district section's tables and paragraph (render/district_tables.py), in both languages."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import docx
import pandas as pd
import pytest

from hsc_analysis.findings import few_cluster_comparison
from hsc_analysis.instruments import Instrument
from hsc_analysis.render.district_tables import locale_contrast_table, locale_means_table, locale_text
from hsc_analysis.render.document import TableBlock
from hsc_analysis.render.docx import table_docx

EXPECTED = Path(__file__).parents[1] / "reference" / "expected"


@pytest.fixture(scope="module")
def comparison():
    data = pd.read_csv(EXPECTED / "few_clusters_exam.csv")
    data["schgend"] = pd.Categorical(data["schgend"], ["mixed", "boys", "girls"])
    return few_cluster_comparison(data, outcome="normexam", group="schgend", cluster="school", n_boot=999, seed=1)


@pytest.fixture(scope="module")
def result():
    instrument = Instrument.from_keys({"normexam": ["e1", "e2"]}, response_range=(1, 5))
    return SimpleNamespace(dataset=SimpleNamespace(instrument=instrument))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_contrast_table_lays_out_each_method(comparison, result, lang, tmp_path):
    table = locale_contrast_table(comparison, result, lang=lang)
    assert len(table.columns) == 12 and [s.span for s in table.spanners] == [2, 3, 5, 2]
    assert [row[1] for row in table.rows] == ["boys − mixed", "girls − mixed"]
    cr2 = comparison.contrasts.query("method == 'cr2_satterthwaite'").iloc[0]
    assert table.rows[0][5] == f"{cr2['estimate']:.2f}".replace("-", "\u2212")
    assert table.rows[0][7] == f"{cr2['df']:.2f}"
    assert "15" in table.notes[0] and "HTZ" in table.notes[0]
    pd.testing.assert_frame_equal(table.data, comparison.to_frame())
    path = table_docx(TableBlock(table=table, label="1", stem="x"), tmp_path / "t.docx", lang=lang)
    assert len(docx.Document(str(path)).tables[0].rows) == 2 + len(table.rows)


def test_means_table_suppresses_small_groups(comparison, result):
    table = locale_means_table(comparison, result, lang="en", min_cell=5)
    assert [row[1] for row in table.rows] == ["mixed", "boys", "girls"]
    assert [row[2] for row in table.rows] == ["5", "5", "5"]
    small = locale_means_table(comparison, result, lang="en", min_cell=10_000)
    assert all(row[3].startswith("< ") and row[4] == "—" for row in small.rows)


@pytest.mark.parametrize(("lang", "says"), [("zh", "仅建立在 15 所学校之上"), ("en", "rest on 15 schools")])
def test_paragraph_says_school_effects_rest_on_the_schools(comparison, result, lang, says):
    paragraph = locale_text(comparison, result, lang=lang, table_means="3", table_contrasts="4")
    assert says in paragraph
    assert "boys − mixed" in paragraph and "{" not in paragraph
    assert ("两层模型" if lang == "zh" else "two-level model") in paragraph  # schools only: no classes inside
    p = comparison.contrasts.query("method == 'cr2_satterthwaite'")["p_value"].iloc[0]
    assert f"{p:.3f}".lstrip("0") in paragraph
