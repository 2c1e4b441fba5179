"""The chapter's subsections of the model-based findings of one dataset: mediation, moderation, multilevel models
and the parent–teacher perception gap, each only when the findings hold it, each table followed by its paragraph."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from hsc_analysis.findings import ModeratedMediationResult
from hsc_analysis.render import model_tables as build
from hsc_analysis.render import model_text as text

if TYPE_CHECKING:
    from hsc_analysis.findings import DatasetFindings
    from hsc_analysis.render.table import Table

__all__ = ["add_model_sections"]


def add_model_sections(
    findings: DatasetFindings,
    *,
    lang: str,
    labels: Mapping[str, str],
    heading: Callable[[str], None],
    table: Callable[[Table | None], str | None],
    paragraph: Callable[[str], None],
) -> None:
    """Add the subsections to a chapter through its callbacks: ``heading(key)`` starts a numbered subsection titled
    by the template word ``key``, ``table(table)`` numbers and places a table and returns its number, and
    ``paragraph(text)`` adds a paragraph."""
    options = {"lang": lang, "labels": labels}
    if findings.mediation:
        heading("heading_mediation")
        for result in findings.mediation:
            paths = table(build.mediation_paths_table(result, **options))
            if isinstance(result, ModeratedMediationResult):
                effects = table(build.moderated_mediation_table(result, **options))
                paragraph(text.moderated_mediation_text(result, **options, table=paths, table_effects=effects))
            else:
                effects = table(build.mediation_effects_table(result, **options))
                paragraph(text.mediation_text(result, **options, table=paths, table_effects=effects))
    if findings.moderation:
        heading("heading_moderation")
        for result in findings.moderation:
            coefficients = table(build.moderation_table(result, **options))
            conditional = table(build.conditional_effects_table(result, **options))
            paragraph(text.moderation_text(result, **options, table=coefficients, table_conditional=conditional))
    if findings.icc or findings.multilevel:
        heading("heading_multilevel")
        for result in findings.icc:
            paragraph(text.icc_text(result, **options, table=table(build.icc_table(result, **options))))
        for result in findings.multilevel:
            paragraph(text.multilevel_text(result, **options, table=table(build.multilevel_table(result, **options))))
    if findings.perception_gaps:
        heading("heading_perception_gap")
        for result in findings.perception_gaps:
            label = table(build.perception_gap_table(result, **options))
            paragraph(text.perception_gap_text(result, **options, table=label))
