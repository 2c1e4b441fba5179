"""The table model and its writers: a true 三线表 in Word (borders, header rule, repeated header, East-Asian fonts,
caption, notes), APA in English, and the HTML, Markdown, LaTeX and CSV forms of the same table."""

import re
import zipfile

import docx
import numpy as np
import pandas as pd
import pytest
from docx.oxml.ns import qn

from hsc_analysis.errors import InputError
from hsc_analysis.render.document import TableBlock
from hsc_analysis.render.docx import table_docx
from hsc_analysis.render.html import table_html
from hsc_analysis.render.language import LANGUAGES, language
from hsc_analysis.render.table import Spanner, Table
from hsc_analysis.render.text_formats import table_csv, table_latex, table_markdown


def group_table(lang="zh"):
    """A group comparison as a findings table would be: M ± SD under each group (a two-row header)."""
    data = pd.DataFrame(
        {
            "construct": ["trust", "goal"],
            "mean_a": [3.8612, 3.5],
            "sd_a": [0.71, 0.8],
            "mean_b": [3.62, 3.41],
            "sd_b": [0.77, 0.79],
            "t": [5.7612, 1.9],
            "p_value": [1e-8, 0.057],
        }
    )
    return Table(
        name="group_differences",
        title="不同性别家长的差异" if lang == "zh" else "Differences between mothers and fathers",
        columns=("维度" if lang == "zh" else "Construct", "M ± SD", "M ± SD", "t", "p"),
        spanners=(
            Spanner("", 1),
            Spanner("母亲" if lang == "zh" else "Mothers", 1),
            Spanner("父亲" if lang == "zh" else "Fathers", 1),
            Spanner("", 2),
        ),
        rows=(
            ("家校信任 & 100%_", "3.86 ± 0.71", "3.62 ± 0.77", "5.76***", "< .001"),
            ("合作目标取向", "3.50 ± 0.80", "3.41 ± 0.79", "1.90", ".057"),
        ),
        data=data,
        lang=lang,
        notes=("n = 1377。",),
        stars=True,
    )


def borders(element, tag):
    found = element.find(qn(tag))
    return (
        {}
        if found is None
        else {child.tag.split("}")[1]: (child.get(qn("w:val")), child.get(qn("w:sz"))) for child in found}
    )


@pytest.fixture(params=LANGUAGES)
def word(request, tmp_path):
    lang = request.param
    block = TableBlock(group_table(lang), label=language(lang).word("table_label").format(n=3), stem="x")
    path = table_docx(block, tmp_path / "t.docx", lang=lang)
    return lang, docx.Document(str(path)), path


def test_docx_table_is_three_line(word):
    _, document, _ = word
    (table,) = document.tables
    tbl_pr = table._tbl.tblPr
    assert borders(tbl_pr, "w:tblBorders") == {
        "top": ("single", "12"),
        "bottom": ("single", "12"),
        "left": ("nil", None),
        "right": ("nil", None),
        "insideH": ("nil", None),
        "insideV": ("nil", None),
    }
    children = [c.tag.split("}")[1] for c in tbl_pr]
    assert children.index("tblBorders") < children.index("tblLook")  # schema order
    rows = table._tbl.tr_lst
    header_rule = [[borders(tc.tcPr, "w:tcBorders") for tc in tr.tc_lst] for tr in rows]
    # spanner row: the rule only under the spanned group cells (cmidrule); column header: under every cell
    assert header_rule[0] == [{}, {"bottom": ("single", "6")}, {"bottom": ("single", "6")}, {}]
    assert header_rule[1] == [{"bottom": ("single", "6")}] * 5
    assert all(cell == {} for row in header_rule[2:] for cell in row)  # no inner rules in the body
    for tr in rows:
        tc_pr_order = [[c.tag.split("}")[1] for c in tc.tcPr] for tc in tr.tc_lst]
        assert all(o.index("tcBorders") < o.index("vAlign") for o in tc_pr_order if "tcBorders" in o and "vAlign" in o)
    assert [tr.trPr is not None and tr.trPr.find(qn("w:tblHeader")) is not None for tr in rows] == [
        True,
        True,
        False,
        False,
    ]
    assert table.style is None or table.style.name != "Table Grid"


def test_docx_every_run_names_latin_and_east_asian_fonts(word):
    _, document, _ = word
    runs = [r for p in document.paragraphs for r in p.runs] + [
        r for t in document.tables for row in t.rows for cell in row.cells for p in cell.paragraphs for r in p.runs
    ]
    runs = [r for r in runs if r.text.strip()]  # (a run that only holds a line break has no font)
    assert runs
    for run in runs:
        fonts = run._element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体") and fonts.get(qn("w:ascii")) == "Times New Roman"


def test_docx_caption_above_and_notes_below(word):
    lang, document, _ = word
    texts = [p.text for p in document.paragraphs if p.text]
    if lang == "zh":
        assert texts[0] == "表3  不同性别家长的差异"
        assert texts[1:] == ["注：n = 1377。", "*p < .05，**p < .01，***p < .001。"]
        assert document.paragraphs[0].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    else:
        assert texts[0] == "Table 3\nDifferences between mothers and fathers"
        assert document.paragraphs[0].runs[-1].italic  # APA: title in italics under the bold number
        assert texts[1:] == ["Note. n = 1377。", "*p < .05. **p < .01. ***p < .001."]


def test_docx_bytes_do_not_depend_on_the_clock(word, tmp_path):
    lang, _, path = word
    again = table_docx(
        TableBlock(group_table(lang), label=language(lang).word("table_label").format(n=3), stem="x"),
        tmp_path / "again.docx",
        lang=lang,
    )
    assert path.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(path) as z:
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01" in core


def test_html_markdown_latex_csv_lay_out_the_same_cells(tmp_path):
    table = group_table()
    html = table_html(table, caption=table.title, label="表3")
    assert 'class="three-line"' in html and '<th colspan="1" class=spanner>母亲</th>' in html
    assert "家校信任 &amp; 100%_" in html and "注：n = 1377。<br>*p < .05" in html.replace("&lt;", "<")
    assert "border-left" not in table_html(table, caption="", standalone=True)
    md = table_markdown(table, label="表3")
    assert md.splitlines()[0] == "**表3** 不同性别家长的差异"
    assert "| 维度 | 母亲: M ± SD | 父亲: M ± SD | t | p |" in md
    tex = table_latex(table, label="表3")
    for command in ("\\toprule", "\\midrule", "\\bottomrule", "\\cmidrule(lr){2-2}", "\\cmidrule(lr){3-3}"):
        assert command in tex
    assert "家校信任 \\& 100\\%\\_" in tex and "\\begin{tabular}{lcccc}" in tex
    assert "\\vline" not in tex and "|" not in re.sub(r"\\\\", "", tex.split("tabular}{")[1].split("}")[0])
    csv = pd.read_csv(table_csv(table, tmp_path / "t.csv"), encoding="utf-8-sig")
    np.testing.assert_array_equal(csv["mean_a"], [3.8612, 3.5])  # full precision, not the rounded cells


def test_a_table_whose_rows_do_not_fit_its_header_is_refused():
    with pytest.raises(InputError, match="rows \\[0\\] do not have 2 cells"):
        Table(name="x", title="t", columns=("a", "b"), rows=(("1",),), data=pd.DataFrame())
    with pytest.raises(InputError, match="spanners cover 3 columns; the table has 2"):
        Table(name="x", title="t", columns=("a", "b"), rows=(), data=pd.DataFrame(), spanners=(Spanner("s", 3),))


def test_repr_html_for_notebooks_carries_its_style():
    assert group_table()._repr_html_().startswith("<style>")


def test_both_languages_have_the_same_words_and_templates_with_the_same_placeholders():
    zh, en = language("zh"), language("en")
    assert zh.words.keys() == en.words.keys() and zh.texts.keys() == en.texts.keys()
    for key in zh.texts:
        assert set(re.findall(r"{(\w+)}", zh.texts[key])) == set(re.findall(r"{(\w+)}", en.texts[key])), key
    with pytest.raises(InputError, match="'lang' parameter must be one of"):
        language("fr")
