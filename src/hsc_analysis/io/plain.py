"""Plain tables (CSV, Excel, Parquet) with one column per question, named by item id or question text, holding
codes or option labels; optional metadata columns are recognised by name. The missing-value markers of
:data:`hsc_analysis.io.tables.MISSING_WORDS` (NA, null, …) are empty cells here, as in every plain table."""

from __future__ import annotations

from hsc_analysis.io.export import Export, split_columns
from hsc_analysis.io.grid import Grid
from hsc_analysis.io.tables import MISSING_WORDS

__all__ = ["METADATA", "read_plain"]

METADATA = {
    "respondent_id": "respondent_id",
    "submitted_at": "submitted_at",
    "duration_seconds": "duration_seconds",
    "channel": "channel",
}
"""Metadata columns of a plain table, by name (any other column is a question or reported as unmapped)."""


def read_plain(grid: Grid) -> Export:
    questions, metadata, roles, log, repeated = split_columns(
        grid, header=grid.top[0], n_header=1, metadata_names=METADATA, missing_words=MISSING_WORDS
    )
    return Export("table", questions, metadata, roles, coding="code", log=tuple(log), repeated=repeated,
                  owned=grid.owned)  # fmt: skip
