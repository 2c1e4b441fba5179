"""Word output: tables as true 三线表 / APA 7 tables, and the whole chapter as one .docx.

A three-line table has a 1.5 pt rule above the header and below the body, a 0.75 pt rule under the header (and
under each spanner, like booktabs' cmidrule), no vertical or inner rules, and its header rows repeated on every
page. Borders are written as WordprocessingML: table-level ``w:tblBorders`` (top/bottom ``single`` sz=12 — sizes
are eighths of a point — all others ``nil``) and cell-level ``w:tcBorders/w:bottom`` (sz=6) on the header, placed
where the schema wants them (``tblBorders`` before ``tblLook``; ``tcBorders`` before ``shd``/``vAlign``).
python-docx sets only the Latin font of a run; the East-Asian font (``w:rFonts/@w:eastAsia``) is set here
explicitly: 宋体 for Chinese text and Times New Roman for Latin text, 黑体 for Chinese captions and headings.
Saving is deterministic (fixed document dates and zip timestamps), so the same tables give the same bytes.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from hsc_analysis.render.document import Document, FigureBlock, Heading, Paragraph, TableBlock
from hsc_analysis.render.language import language

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.text.run import Run

__all__ = ["FONTS", "document_docx", "table_docx"]

FONTS = {"latin": "Times New Roman", "east_asia": "宋体", "east_asia_heading": "黑体"}
"""Fonts named in the .docx (Word resolves 宋体 = SimSun and 黑体 = SimHei on Chinese systems)."""

TOP_BOTTOM_RULE = 12  # eighths of a point: 1.5 pt
HEADER_RULE = 6  # 0.75 pt
TEXT_WIDTH_CM = 16.0  # A4 with 2.5 cm margins
_FIXED_TIME = datetime(2000, 1, 1)
_TCPR_AFTER_BORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def _run(paragraph, text: str, *, size: float, bold=False, italic=False, heading=False) -> Run:
    """A run with its fonts (Latin and East-Asian), weight, slant and size written straight into a fresh
    ``w:rPr`` in schema order (python-docx's setters are two orders of magnitude slower for thousands of cells)."""
    run = paragraph.add_run(text)
    properties = run._element.get_or_add_rPr()
    east_asia = FONTS["east_asia_heading" if heading else "east_asia"]
    latin = FONTS["latin"]
    properties.append(
        OxmlElement(
            "w:rFonts", {qn("w:ascii"): latin, qn("w:hAnsi"): latin, qn("w:cs"): latin, qn("w:eastAsia"): east_asia}
        )
    )
    for flag, tag in ((bold, "w:b"), (italic, "w:i")):
        if flag:
            properties.append(OxmlElement(tag))
    half_points = str(round(size * 2))
    properties.append(OxmlElement("w:sz", {qn("w:val"): half_points}))
    properties.append(OxmlElement("w:szCs", {qn("w:val"): half_points}))
    return run


_JUSTIFY = {WD_ALIGN_PARAGRAPH.LEFT: "left", WD_ALIGN_PARAGRAPH.CENTER: "center"}


def _tight(paragraph, alignment=None) -> None:
    """No space before or after, single line spacing, and the alignment, on a fresh paragraph."""
    properties = paragraph._p.get_or_add_pPr()
    spacing = {qn("w:before"): "0", qn("w:after"): "0", qn("w:line"): "240", qn("w:lineRule"): "auto"}
    properties.insert_element_before(OxmlElement("w:spacing", spacing), "w:ind", "w:jc", "w:rPr")
    if alignment is not None:
        properties.insert_element_before(OxmlElement("w:jc", {qn("w:val"): _JUSTIFY[alignment]}), "w:rPr")


def _border(tag: str, value: str, size: int | None = None):
    element = OxmlElement(tag)
    element.set(qn("w:val"), value)
    if size is not None:
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
    return element


def _table_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        rule = side in ("top", "bottom")
        borders.append(_border(f"w:{side}", "single" if rule else "nil", TOP_BOTTOM_RULE if rule else None))
    table._tbl.tblPr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")


def _cell_bottom_rule(cell) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    borders.append(_border("w:bottom", "single", HEADER_RULE))
    tc_pr.insert_element_before(borders, *_TCPR_AFTER_BORDERS)


def _repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(_border("w:tblHeader", "true"))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(table, size: float) -> list[float]:
    """Column widths in cm. Number columns get the width of their widest cell, so they never wrap; label (stub)
    columns take what is left (their text wraps), and small tables keep at least 60 % of the text width."""
    cells = [[table.columns[i], *(row[i] for row in table.rows)] for i in range(len(table.columns))]
    natural = [0.45 + 0.2 * size / 10.5 * max(_display_width(c) for c in column) for column in cells]
    numbers = sum(natural[table.stub :])
    labels = natural[: table.stub]
    room = TEXT_WIDTH_CM - numbers
    if sum(labels) > room:  # wrap the labels into the room left, but not below 2.5 cm each
        labels = [max(2.5, w * room / sum(labels)) for w in labels]
    widths = labels + natural[table.stub :]
    total = sum(widths)
    target = TEXT_WIDTH_CM if len(widths) > 3 or total > TEXT_WIDTH_CM else max(total, 0.6 * TEXT_WIDTH_CM)
    return [w * target / total for w in widths]


def _add_table(document: WordDocument, block: TableBlock, *, lang: str) -> None:
    t = language(lang)
    table = block.table
    size = 10.5 if lang == "zh" else 10.0
    if len(table.columns) > 9:
        size = 8.0
    if block.label or table.title:
        caption = document.add_paragraph()
        _tight(caption, WD_ALIGN_PARAGRAPH.CENTER if lang == "zh" else WD_ALIGN_PARAGRAPH.LEFT)
        caption.paragraph_format.space_before = Pt(6)
        caption.paragraph_format.keep_with_next = True
        if lang == "zh":
            _run(caption, f"{block.label}  {table.title}".strip(), size=10.5, bold=True, heading=True)
        else:
            _run(caption, block.label, size=11, bold=True)
            caption.add_run().add_break()
            _run(caption, table.title, size=11, italic=True)
    header_rows = 2 if table.spanners else 1
    word = document.add_table(rows=header_rows + len(table.rows), cols=len(table.columns))
    word.style = None
    word.alignment = WD_TABLE_ALIGNMENT.CENTER
    word.autofit = False
    _table_borders(word)
    widths = _column_widths(table, size)
    for column, width in zip(word.columns, widths, strict=True):
        column.width = Cm(width)
    if table.spanners:
        start = 0
        for spanner in table.spanners:
            if spanner.span > 1:
                word.cell(0, start).merge(word.cell(0, start + spanner.span - 1))
            start += spanner.span
    # python-docx's table.cell() walks the whole table on every call; take the grid once (a spanned cell repeats)
    width = len(table.columns)
    grid = word._cells
    cells = [grid[r * width : (r + 1) * width] for r in range(len(grid) // width)]
    for row in cells:
        for cell, w in zip(row, widths, strict=True):
            cell.width = Cm(w)
    if table.spanners:
        start = 0
        for spanner in table.spanners:
            if spanner.text:
                cell = cells[0][start]
                _tight(cell.paragraphs[0], WD_ALIGN_PARAGRAPH.CENTER)
                _run(cell.paragraphs[0], spanner.text, size=size)
                _cell_bottom_rule(cell)
            start += spanner.span
    body = [table.columns, *table.rows]
    for r, values in enumerate(body, start=header_rows - 1):
        for c, value in enumerate(values):
            paragraph = cells[r][c].paragraphs[0]
            _tight(paragraph, WD_ALIGN_PARAGRAPH.LEFT if c < table.stub else WD_ALIGN_PARAGRAPH.CENTER)
            _run(paragraph, value, size=size)
            if r == header_rows - 1:
                _cell_bottom_rule(cells[r][c])
    for r in range(header_rows):
        _repeat_header(word.rows[r])
    notes = list(table.notes) + ([t.word("star_legend")] if table.stars else [])
    for i, note in enumerate(notes):
        paragraph = document.add_paragraph()
        _tight(paragraph)
        if i == 0:
            _run(paragraph, t.word("note_prefix").strip() + (" " if lang == "en" else ""), size=9, italic=lang == "en")
        _run(paragraph, note, size=9)
    spacer = document.add_paragraph()
    _tight(spacer)


def _add_figure(document: WordDocument, block: FigureBlock, *, lang: str) -> None:
    def caption() -> None:
        paragraph = document.add_paragraph()
        _tight(paragraph, WD_ALIGN_PARAGRAPH.CENTER if lang == "zh" else WD_ALIGN_PARAGRAPH.LEFT)
        if lang == "zh":
            _run(paragraph, f"{block.label}  {block.caption}", size=10.5, bold=True, heading=True)
        else:
            paragraph.paragraph_format.keep_with_next = True
            _run(paragraph, block.label, size=11, bold=True)
            paragraph.add_run().add_break()
            _run(paragraph, block.caption, size=11, italic=True)

    if lang == "en":
        caption()  # APA 7: number and title above the figure
    picture = document.add_paragraph()
    _tight(picture, WD_ALIGN_PARAGRAPH.CENTER)
    picture.paragraph_format.keep_with_next = lang == "zh"
    picture.add_run().add_picture(io.BytesIO(block.png), width=Cm(14))
    if lang == "zh":
        caption()  # Chinese theses: 图题 below the figure


def _new_document(title: str, lang: str) -> WordDocument:
    document = new_document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2.5)
    for name, size in (
        ("Normal", 12),
        ("Title", 16),
        ("Heading 1", 15),
        ("Heading 2", 13),
        ("Heading 3", 12),
        ("Heading 4", 12),
    ):
        style = document.styles[name]
        style.font.size, style.font.color.rgb = Pt(size), RGBColor(0, 0, 0)
        style.font.name = FONTS["latin"]
        rfonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        rfonts.set(qn("w:eastAsia"), FONTS["east_asia" if name == "Normal" else "east_asia_heading"])
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(theme), None)
        if name != "Normal":
            style.font.bold = True
            style.font.italic = False
            for border in style.element.xpath("./w:pPr/w:pBdr"):
                border.getparent().remove(border)  # the Title style's blue rule
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, "hsc_analysis", "hsc_analysis"
    properties.created = properties.modified = _FIXED_TIME
    properties.revision = 1
    return document


def _add_blocks(document: WordDocument, blocks, *, lang: str) -> None:
    indent = Pt(24) if lang == "zh" else Cm(1.27)
    for block in blocks:
        if isinstance(block, Heading):
            heading = document.add_heading(level=min(block.level, 4))
            _run(heading, block.text, size=[16, 15, 13, 12, 12][min(block.level, 4)], bold=True, heading=True)
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER if block.level == 0 else None
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            bullet = block.text.startswith("• ")
            paragraph.paragraph_format.first_line_indent = None if bullet else indent
            paragraph.paragraph_format.line_spacing = 1.15 if bullet else 1.5 if lang == "zh" else 2.0
            _run(paragraph, block.text, size=12)
        elif isinstance(block, TableBlock):
            _add_table(document, block, lang=lang)
        elif isinstance(block, FigureBlock):
            _add_figure(document, block, lang=lang)


def _save(document: WordDocument, path: Path) -> Path:
    """Save with fixed zip timestamps, so that equal content gives equal bytes."""
    buffer = io.BytesIO()
    document.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return path


def table_docx(block: TableBlock, path: str | Path, *, lang: str) -> Path:
    """One table as its own .docx (三线表 in Chinese, APA 7 in English)."""
    document = _new_document(block.table.title, lang)
    _add_table(document, block, lang=lang)
    return _save(document, Path(path))


def document_docx(document: Document, path: str | Path) -> Path:
    """The whole chapter as one .docx: headings, paragraphs, numbered tables and figures with captions."""
    word = _new_document(document.title, document.lang)
    _add_blocks(word, document.blocks, lang=document.lang)
    return _save(word, Path(path))
