"""LimeSurvey response exports (CSV, headings as question codes): UTF-8 with BOM, ``;``-separated, sub-questions
``Q[SQ001]``, answer codes such as ``A1`` (read as code 1), multiple choice ``Y``/empty per option column
(shared/reference/formats.md §A3)."""

from __future__ import annotations

from collections.abc import Sequence

from hsc_analysis.io.export import Export, split_columns
from hsc_analysis.io.grid import Grid

__all__ = ["METADATA", "is_limesurvey", "read_limesurvey"]

METADATA = {
    "id": "respondent_id",
    "submitdate": "submitted_at",
    "interviewtime": "duration_seconds",
    **{
        name: name
        for name in ("lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr", "refurl", "token")
    },
}


def is_limesurvey(header: Sequence[str]) -> bool:
    return len(set(header) & {"id", "submitdate", "lastpage", "startlanguage"}) >= 3


def read_limesurvey(grid: Grid) -> Export:
    questions, metadata, roles, log = split_columns(grid, header=grid.top[0], n_header=1, metadata_names=METADATA)
    return Export("limesurvey", questions, metadata, roles, coding="code", code_prefix="A", log=tuple(log))
