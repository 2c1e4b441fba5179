"""Turning results into what people read: publication tables (one table model, written as Word 三线表/APA,
HTML, Markdown, LaTeX and CSV), the report chapter with its results text in Chinese or English, and the
questionnaire appendix. Nothing here computes a statistic: builders format what the analyses returned."""

from hsc_analysis.render.chapter import FigureFile, build_chapter
from hsc_analysis.render.docx import document_docx, table_docx
from hsc_analysis.render.html import document_html, table_html
from hsc_analysis.render.language import language
from hsc_analysis.render.questionnaire import questionnaire_markdown
from hsc_analysis.render.table import Spanner, Table
from hsc_analysis.render.text_formats import table_csv, table_latex, table_markdown

__all__ = [
    "FigureFile",
    "Spanner",
    "Table",
    "build_chapter",
    "document_docx",
    "document_html",
    "language",
    "questionnaire_markdown",
    "table_csv",
    "table_docx",
    "table_html",
    "table_latex",
    "table_markdown",
]
