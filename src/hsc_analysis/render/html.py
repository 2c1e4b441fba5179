"""HTML output: tables styled as 三线表 / APA tables, and the whole chapter as one self-contained page (styles
inline, figures embedded as base64 PNG; no external file, font or script is referenced)."""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from hsc_analysis.render.document import Document, FigureBlock, Heading, Paragraph, TableBlock
from hsc_analysis.render.language import language
from hsc_analysis.render.table import Table

__all__ = ["STYLE", "TABLE_STYLE", "document_html", "table_html"]

TABLE_STYLE = """
table.three-line { border-collapse: collapse; border-top: 1.5pt solid #000; border-bottom: 1.5pt solid #000;
                   margin: 0 auto; font-size: 0.9em; color: #000;
                   font-family: "Times New Roman", "SimSun", "Songti SC", "Noto Serif CJK SC", serif; }
table.three-line caption { caption-side: top; font-weight: bold; padding-bottom: 0.4em; }
table.three-line.apa caption { text-align: left; font-weight: normal; }
table.three-line.apa caption b { display: block; }
table.three-line.apa caption i { display: block; }
table.three-line tr, table.three-line tbody tr:nth-child(odd), table.three-line tbody tr:hover {
                   background: transparent !important; }
table.three-line th, table.three-line td { border: none; padding: 0.15em 0.6em; text-align: center;
                                           vertical-align: top; }
table.three-line thead tr:last-child th { border-bottom: 0.75pt solid #000; }
table.three-line th.spanner { border-bottom: 0.75pt solid #000; }
table.three-line .stub { text-align: left; }
table.three-line th { font-weight: normal; }
div.three-line { display: table; margin: 1em auto; }
div.three-line p.note { font-size: 0.8em; margin: 0.3em 0 0 0; text-align: left; }
"""
"""The styles of a table alone (a notebook's output holds only these, so the notebook's own page is untouched):
three rules, no vertical or inner rules, no row shading."""

STYLE = (
    TABLE_STYLE
    + """
body { font-family: "Times New Roman", "SimSun", "Songti SC", "Noto Serif CJK SC", "Source Han Serif SC", serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.6; color: #000; }
h1, h2, h3, h4, h5 { font-family: "Times New Roman", "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; }
h1.title { text-align: center; }
p.body { text-indent: 2em; }
figure { text-align: center; margin: 1.5em auto; }
figure img { max-width: 100%; }
figcaption { font-weight: bold; }
figure.apa figcaption { text-align: left; font-weight: normal; }
"""
)
"""The styles of the whole chapter page: the table styles and the page's fonts, headings and figures."""


def table_html(table: Table, *, caption: str, label: str = "", standalone: bool = False) -> str:
    """One table as an HTML ``<table>`` (with its table styles, :data:`TABLE_STYLE`, when ``standalone``: a notebook
    or a table file of its own)."""
    t = language(table.lang)
    apa = table.lang == "en"
    lines = ['<div class="three-line">', f'<table class="three-line{" apa" if apa else ""}">']
    if caption or label:
        text = f"<b>{escape(label)}</b><i>{escape(caption)}</i>" if apa else escape(f"{label}  {caption}".strip())
        lines.append(f"<caption>{text}</caption>")
    lines.append("<thead>")
    if table.spanners:
        cells = "".join(
            f'<th colspan="{s.span}"{" class=spanner" if s.text else ""}>{escape(s.text)}</th>' for s in table.spanners
        )
        lines.append(f"<tr>{cells}</tr>")
    cells = "".join(
        f"<th{' class=stub' if i < table.stub else ''}>{escape(c)}</th>" for i, c in enumerate(table.columns)
    )
    lines += [f"<tr>{cells}</tr>", "</thead>", "<tbody>"]
    for row in table.rows:
        cells = "".join(f"<td{' class=stub' if i < table.stub else ''}>{escape(v)}</td>" for i, v in enumerate(row))
        lines.append(f"<tr>{cells}</tr>")
    lines += ["</tbody>", "</table>"]
    notes = list(table.notes) + ([t.word("star_legend")] if table.stars else [])
    if notes:
        prefix = "<i>Note.</i> " if apa else escape(t.word("note_prefix"))
        lines.append(f'<p class="note">{prefix}{"<br>".join(escape(n) for n in notes)}</p>')
    lines.append("</div>")
    html = "\n".join(lines)
    return f"<style>{TABLE_STYLE}</style>\n{html}" if standalone else html


def _figure(block: FigureBlock, lang: str) -> str:
    image = base64.b64encode(block.png).decode("ascii")
    img = f'<img alt="{escape(block.caption)}" src="data:image/png;base64,{image}">'
    if lang == "en":
        caption = f"<figcaption><b>{escape(block.label)}</b><br><i>{escape(block.caption)}</i></figcaption>"
        return f'<figure class="apa">{caption}{img}</figure>'
    return f"<figure>{img}<figcaption>{escape(block.label)}  {escape(block.caption)}</figcaption></figure>"


def document_html(document: Document, path: str | Path) -> Path:
    """The whole chapter as one self-contained HTML page."""
    parts = []
    for block in document.blocks:
        if isinstance(block, Heading):
            level = min(block.level + 1, 5)
            parts.append(f"<h{level}{' class=title' if block.level == 0 else ''}>{escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            parts.append(f"<p{'' if block.text.startswith('• ') else ' class=body'}>{escape(block.text)}</p>")
        elif isinstance(block, TableBlock):
            parts.append(table_html(block.table, caption=block.table.title, label=block.label))
        elif isinstance(block, FigureBlock):
            parts.append(_figure(block, document.lang))
    html_lang = "zh-CN" if document.lang == "zh" else "en"
    page = (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(document.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
