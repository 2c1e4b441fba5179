"""The report chapter of a study: numbered sections, tables with their results text, figures and the
questionnaire appendix, assembled as a :class:`~hsc_analysis.render.document.Document` for the writers."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from hsc_analysis.render import district_tables as district
from hsc_analysis.render import findings_tables as found
from hsc_analysis.render import findings_text as found_text
from hsc_analysis.render import tables as build
from hsc_analysis.render import text
from hsc_analysis.render.document import Block, Document, FigureBlock, Heading, Paragraph, TableBlock
from hsc_analysis.render.language import language
from hsc_analysis.render.model_sections import add_model_sections
from hsc_analysis.render.questionnaire import questionnaire_markdown
from hsc_analysis.render.table import Table

if TYPE_CHECKING:
    from hsc_analysis.qualitative.plan import InterviewResults
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

    def section(self, number: int, folder: str, *, title: Callable[[str], str]):
        """The adders of section ``number``: a subsection heading ``<number>.<k> <title(name)>`` and a table, numbered
        in the chapter and written to ``tables/<folder>/``."""
        subsection = itertools.count(1)

        def heading(name: str) -> None:
            self.add(Heading(f"{number}.{next(subsection)} {title(name)}", 2))

        def table(made: Table | None) -> str | None:
            return self.numbered(made, folder)

        return heading, table

    def numbered(self, table: Table | None, folder: str) -> str | None:
        """Add ``table`` (if any) as ``tables/<folder>/<nn>_<name>``; its number, or None."""
        return None if table is None else self.table(table, f"{folder}/{self.n_tables + 1:02d}_{table.name}")

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
    interviews: InterviewResults | None = None,
    compliance_figures: Sequence[FigureFile] = (),
) -> Document:
    """The whole chapter in ``lang``: an overview, one numbered section per dataset (screening and sample,
    item analysis and reliability, EFA, CFA and validity, findings, figures), the interview section when the study
    has ``interviews``, the audit of the activity logs when the study declares ``logs:`` (``results.compliance``),
    and the questionnaires as an appendix.

    ``figures`` maps a dataset name (and ``"interviews"``) to its saved figures, placed at the end of its section;
    ``compliance_figures`` (named ``compliance_<rule set>_*``) go to their rule set's part of the audit.
    """
    from hsc_analysis.render.figures import variable_labels  # matplotlib: only when a chapter is built

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
        heading, table = doc.section(number, name, title=t.word)

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
        # findings: descriptives and correlations, group differences, regression
        findings, labels = result.findings, variable_labels(study, name, lang=lang)
        correlations = build.correlation_tables(result, lang=lang)
        if findings.descriptives or correlations:
            heading("findings")
            for finding, made in zip(
                findings.descriptives, found.descriptives_tables(result, lang=lang, labels=labels), strict=True
            ):
                doc.add(Paragraph(found_text.descriptives_text(finding, lang=lang, table=table(made), labels=labels)))
            for made in correlations:
                doc.add(Paragraph(t.text("correlations", table=table(made), k=len(made.rows))))
        differences = found.group_difference_tables(result, lang=lang, min_cell=study.min_cell, labels=labels)
        if differences:
            heading("differences")
            for block, made in zip(found.comparison_blocks(result), differences, strict=True):
                label = table(made)
                doc.add(
                    Paragraph(
                        found_text.differences_text(
                            block,
                            instrument=result.dataset.instrument,
                            lang=lang,
                            table=label,
                            min_cell=study.min_cell,
                            labels=labels,
                        )
                    )
                )
        if findings.regression:
            heading("regression")
            for finding, made in zip(
                findings.regression, found.regression_tables(result, lang=lang, labels=labels), strict=True
            ):
                label = table(made)
                doc.add(
                    Paragraph(
                        found_text.regression_text(
                            finding, instrument=result.dataset.instrument, lang=lang, table=label, labels=labels
                        )
                    )
                )
        # findings: mediation, moderation, multilevel, perception gap
        add_model_sections(
            result.findings,
            lang=lang,
            labels=labels,
            heading=heading,
            table=table,
            paragraph=lambda words: doc.add(Paragraph(words)),
        )
        # district: locale comparison (render/district_tables.py)
        for comparison in result.findings.locale_comparison:
            heading("locale_comparison")
            means = table(district.locale_means_table(comparison, result, lang=lang, min_cell=study.min_cell))
            contrasts = table(district.locale_contrast_table(comparison, result, lang=lang))
            locale = district.locale_text(comparison, result, lang=lang, table_means=means, table_contrasts=contrasts)
            doc.add(Paragraph(locale))
        if figures and figures.get(name):
            heading("figures")
            doc.add(Paragraph(t.text("figures")))
            for figure in figures[name]:
                doc.figure(figure)
    number = len(results) + 2
    if interviews is not None:
        _interview_section(doc, study, interviews, number=number, figures=(figures or {}).get("interviews"))
        number += 1
    compliance = getattr(results, "compliance", None)
    if compliance:
        _compliance_section(
            doc, compliance, number=number, lang=lang, min_cell=study.min_cell, figures=compliance_figures
        )
    doc.add(Heading(t.word("appendix"), 1))
    for result in results:
        for block in _markdown_blocks(questionnaire_markdown(result.dataset.instrument, lang=lang), lang=lang):
            doc.add(block)
    return Document(title=study.title.get(lang), lang=lang, blocks=tuple(doc.blocks))


def _interview_section(doc: _Numbers, study: Study, interviews: InterviewResults, *, number: int, figures) -> None:
    """访谈资料分析: codebook, frequencies and co-occurrence, agreement, actors, quotes, joint display, figures."""
    from hsc_analysis.render import qualitative_tables as qual
    from hsc_analysis.render import qualitative_text as qtext

    t = language(doc.lang)
    lang = doc.lang
    heading, table = doc.section(number, "interviews", title=t.word)

    doc.add(Heading(f"{number} {t.word('interviews_section')}", 1))
    heading("interviews_codebook")
    label = table(qual.codebook_table(interviews, lang=lang))
    doc.add(Paragraph(qtext.interviews_overview_text(interviews, lang=lang, table=label)))
    heading("interviews_frequencies")
    label = table(qual.frequency_table(interviews, lang=lang))
    co = table(qual.cooccurrence_table(interviews, lang=lang))
    doc.add(Paragraph(qtext.frequencies_text(interviews, lang=lang, table=label, table_cooccurrence=co)))
    heading("interviews_agreement")
    label = table(qual.agreement_table(interviews, lang=lang))
    doc.add(Paragraph(qtext.agreement_text(interviews, lang=lang, table=label)))
    if interviews.actors is not None:
        heading("interviews_actors")
        label = table(qual.actor_table(interviews, lang=lang))
        doc.add(Paragraph(qtext.actors_text(interviews, lang=lang, table=label)))
        for figure in figures or ():
            doc.figure(figure)
    heading("interviews_quotes")
    label = table(qual.quotes_table(interviews, lang=lang))
    doc.add(Paragraph(t.text("interviews_quotes", table=label) if label else t.text("interviews_no_quotes")))
    if interviews.plan.constructs:
        heading("interviews_joint")
        labels = {c.id: c.label.get(lang) for d in study.datasets for c in d.instrument.constructs}
        label = table(qual.joint_display_table(interviews, lang=lang, labels=labels))
        doc.add(Paragraph(t.text("interviews_joint", table=label) if label else t.text("interviews_no_joint")))


def _compliance_section(doc: _Numbers, compliance, *, number: int, lang: str, min_cell: int, figures) -> None:
    """政策落实情况: the log and its rule sets, then per rule set its county targets (if any) or its summary, classes,
    schools and figures, then the paper-compliance flags and the survey–log triangulation (the same under every rule
    set of the school log: shown once)."""
    from hsc_analysis.render import compliance_tables as build_c
    from hsc_analysis.render import compliance_text as text_c

    t = language(lang)
    heading, table = doc.section(number, "compliance", title=str)

    doc.add(Heading(f"{number} {t.word('compliance')}", 1))
    heading(t.word("compliance_log_heading"))
    labels = [table(build_c.compliance_rules_table(result, lang=lang)) for result in compliance.values()]
    doc.add(Paragraph(text_c.log_text(compliance, lang=lang, tables=labels)))
    for result in compliance.values():
        heading(result.rules.title.get(lang) or result.rules.id)
        targets = table(build_c.compliance_targets_table(result, lang=lang))
        if targets:
            doc.add(Paragraph(text_c.targets_text(result, lang=lang, table=targets)))
        if not result.rules.school_rules:  # county targets only: no class, school or figure to show
            continue
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
    first = next((result for result in compliance.values() if result.rules.school_rules), None)
    if first is None:  # only county targets were audited: the school log's flags and links are not part of it
        return
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
