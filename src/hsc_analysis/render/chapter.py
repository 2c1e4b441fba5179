"""The report chapter of a study: numbered sections, tables with their results text, figures and the
questionnaire appendix, assembled as a :class:`~hsc_analysis.render.document.Document` for the writers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from hsc_analysis.render import tables as build
from hsc_analysis.render import text
from hsc_analysis.render.document import Block, Document, FigureBlock, Heading, Paragraph, TableBlock
from hsc_analysis.render.language import language
from hsc_analysis.render.questionnaire import questionnaire_markdown
from hsc_analysis.render.table import Table

if TYPE_CHECKING:
    from hsc_analysis.study import DatasetResult, Study

__all__ = ["FigureFile", "build_chapter"]


@dataclass(frozen=True)
class FigureFile:
    """A figure already saved: its file stem in ``figures/``, caption (in the report's language) and PNG bytes."""

    stem: str
    caption: str
    png: bytes


class _Numbers:
    """Running numbers of tables and figures, and the blocks in order."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.blocks: list[Block] = []
        self.n_tables = self.n_figures = 0

    def table(self, table: Table | None, stem: str) -> str | None:
        if table is None:
            return None
        self.n_tables += 1
        label = language(self.lang).word("table_label").format(n=self.n_tables)
        self.blocks.append(TableBlock(table=table, label=label, stem=stem))
        return str(self.n_tables)

    def figure(self, figure: FigureFile) -> None:
        self.n_figures += 1
        label = language(self.lang).word("figure_label").format(n=self.n_figures)
        self.blocks.append(FigureBlock(png=figure.png, label=label, caption=figure.caption, stem=figure.stem))

    def add(self, block: Block) -> None:
        self.blocks.append(block)


def build_chapter(
    study: Study,
    results: Sequence[DatasetResult],
    *,
    lang: str,
    figures: Mapping[str, Sequence[FigureFile]] | None = None,
    compliance_figures: Sequence[FigureFile] = (),
) -> Document:
    """The whole chapter in ``lang``: an overview, one numbered section per dataset (screening and sample,
    item analysis and reliability, EFA, CFA and validity, figures), the audit of the activity logs when the study
    declares ``logs:`` (``results.compliance``), and the questionnaires as an appendix.

    ``figures`` maps a dataset name to its saved figures, placed at the end of its section;
    ``compliance_figures`` (named ``compliance_<rule set>_*``) go to their rule set's part of the audit.
    """
    t = language(lang)
    doc = _Numbers(lang)
    doc.add(
        Heading(
            f"{t.word('chapter_title')}：{study.title.get(lang)}"
            if lang == "zh"
            else f"{t.word('chapter_title')}: {study.title.get(lang)}",
            0,
        )
    )
    doc.add(Heading(f"1 {t.word('overview')}", 1))
    doc.add(Paragraph(text.overview_text(study, tuple(results), lang=lang)))
    for number, result in enumerate(results, start=2):
        name = result.dataset.name
        stem = f"{name}/{{:02d}}_{{}}"
        subsection = iter(range(1, 10))

        def heading(key: str, number=number, subsection=subsection) -> None:
            doc.add(Heading(f"{number}.{next(subsection)} {t.word(key)}", 2))

        def table(made: Table | None, stem=stem) -> str | None:
            return None if made is None else doc.table(made, stem.format(doc.n_tables + 1, made.name))

        doc.add(Heading(f"{number} {result.dataset.instrument.title.get(lang)}", 1))
        heading("sample")
        doc.add(Paragraph(text.flow_text(result, lang=lang, table=table(build.sample_flow_table(result, lang=lang)))))
        profile = build.sample_profile_table(result, lang=lang, min_cell=study.min_cell)
        if profile is not None:
            label = table(profile)
            doc.add(Paragraph(text.profile_text(profile, lang=lang, table=label, result=result)))
        heading("items")
        label = table(build.item_analysis_table(result, lang=lang))
        doc.add(Paragraph(text.items_text(result, lang=lang, table=label)))
        label = table(build.reliability_table(result, lang=lang))
        doc.add(Paragraph(text.reliability_text(result, lang=lang, table=label)))
        heading("exploratory")
        kmo = table(build.kmo_bartlett_table(result, lang=lang))
        loadings = table(build.efa_table(result, lang=lang))
        doc.add(Paragraph(text.efa_text(result, lang=lang, table=kmo, table_loadings=loadings)))
        heading("confirmatory")
        label = table(build.cfa_fit_table(result, lang=lang))
        doc.add(Paragraph(text.cfa_text(result, lang=lang, table=label)))
        if result.measurement.validity is not None:
            label = table(build.discriminant_table(result, lang=lang))
            label_htmt = table(build.htmt_table(result, lang=lang))
            table(build.invariance_table(result, lang=lang))
            doc.add(Paragraph(text.discriminant_text(result, lang=lang, table=label, table_htmt=label_htmt)))
        correlations = build.correlation_tables(result, lang=lang)
        if correlations:
            heading("findings")
            for made in correlations:
                doc.add(Paragraph(t.text("correlations", table=table(made), k=len(made.rows))))
        if figures and figures.get(name):
            heading("figures")
            doc.add(Paragraph(t.text("figures")))
            for figure in figures[name]:
                doc.figure(figure)
    compliance = getattr(results, "compliance", None)
    if compliance:
        _compliance_section(
            doc, compliance, number=len(results) + 2, lang=lang, min_cell=study.min_cell, figures=compliance_figures
        )
    doc.add(Heading(t.word("appendix"), 1))
    for result in results:
        for block in _markdown_blocks(questionnaire_markdown(result.dataset.instrument, lang=lang), lang=lang):
            doc.add(block)
    return Document(title=study.title.get(lang), lang=lang, blocks=tuple(doc.blocks))


def _compliance_section(doc: _Numbers, compliance, *, number: int, lang: str, min_cell: int, figures) -> None:
    """政策落实情况: the log and its rule sets, then per rule set its summary, classes, schools and figures, then the
    paper-compliance flags and the survey–log triangulation (the same under every rule set: shown once)."""
    from hsc_analysis.render import compliance_tables as build_c
    from hsc_analysis.render import compliance_text as text_c

    t = language(lang)
    subsection = iter(range(1, 100))

    def heading(title: str) -> None:
        doc.add(Heading(f"{number}.{next(subsection)} {title}", 2))

    def table(made: Table | None) -> str | None:
        return None if made is None else doc.table(made, f"compliance/{doc.n_tables + 1:02d}_{made.name}")

    doc.add(Heading(f"{number} {t.word('compliance')}", 1))
    heading(t.word("compliance_log_heading"))
    labels = [table(build_c.compliance_rules_table(result, lang=lang)) for result in compliance.values()]
    doc.add(Paragraph(text_c.log_text(compliance, lang=lang, tables=labels)))
    for result in compliance.values():
        heading(result.rules.title.get(lang) or result.rules.id)
        summary = table(build_c.compliance_summary_table(result, lang=lang))
        classes = table(build_c.compliance_class_table(result, lang=lang, min_cell=min_cell))
        schools = table(build_c.compliance_school_table(result, lang=lang, min_cell=min_cell))
        doc.add(
            Paragraph(
                text_c.rule_set_text(
                    result, lang=lang, table=summary or "", table_classes=classes, table_schools=schools
                )
            )
        )
        own = [f for f in figures if f.stem.startswith(f"compliance_{result.rules.id}_")]
        if own:
            doc.add(Paragraph(t.text("compliance_figures")))
            for figure in own:
                doc.figure(figure)
    first = next(iter(compliance.values()))
    heading(t.word("compliance_flags_heading"))
    label = table(build_c.compliance_flags_table(first, lang=lang))
    doc.add(Paragraph(text_c.flags_text(first, lang=lang, table=label)))
    heading(t.word("compliance_triangulation_heading"))
    parents = table(build_c.compliance_parent_table(first, lang=lang))
    teachers = table(build_c.compliance_teacher_table(first, lang=lang))
    doc.add(Paragraph(text_c.triangulation_text(first, lang=lang, table_parents=parents, table_teachers=teachers)))


_TABLE_RULE = re.compile(r"^\|(\s*-+\s*\|)+$")


def _markdown_blocks(markdown: str, *, lang: str) -> list[Block]:
    """The questionnaire's Markdown (headings, bullet lists, pipe tables) as document blocks; its tables are
    unnumbered, their stem empty (the questionnaire itself is in ``appendix/``)."""
    blocks: list[Block] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            header, *body = rows
            frame = pd.DataFrame(body, columns=header)
            blocks.append(
                TableBlock(
                    Table(
                        name="questionnaire",
                        title="",
                        columns=tuple(header),
                        rows=tuple(map(tuple, body)),
                        data=frame,
                        lang=lang,
                        stub=2,
                    ),
                    label="",
                    stem="",
                )
            )
            rows.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            if not _TABLE_RULE.match(line):
                cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
                rows.append([c.strip().replace("\\|", "|") for c in cells])
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            blocks.append(Heading(line.lstrip("#").strip(), level + 1))
        elif line.startswith("- "):
            blocks.append(Paragraph("• " + line[2:].replace("**", "")))
        elif line.strip():
            blocks.append(Paragraph(line.strip()))
    flush()
    return blocks
