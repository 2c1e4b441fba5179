"""What every platform reader hands to :func:`~hsc_analysis.io.responses.read_responses`: question columns,
metadata columns by role, the coding of the cells and the platform's own missing-value codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.io.coding import Coding
from hsc_analysis.io.grid import Grid

__all__ = ["Export", "split_columns"]


@dataclass(frozen=True)
class Export:
    """A raw export split into question columns (named by header, index = row in the file) and metadata.

    ``roles`` maps a metadata role (``respondent_id``, ``submitted_at``, ...) to its column in ``metadata``;
    ``special`` maps platform codes to a missing reason for every column, ``column_special`` for single columns
    (SPSS user-missing values); ``labels`` gives a second text per column to map by (SPSS variable labels,
    Qualtrics question texts); ``value_labels`` the file's code → label per column (SPSS); ``code_prefix`` is a
    prefix of answer codes (LimeSurvey ``A1``).
    """

    platform: str
    questions: pd.DataFrame
    metadata: pd.DataFrame
    roles: Mapping[str, str]
    coding: Coding
    special: Mapping[float, str] = field(default_factory=dict)
    column_special: Mapping[str, Mapping[float, str]] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping[float, str]] = field(default_factory=dict)
    code_prefix: str = ""
    log: tuple[dict, ...] = ()


def split_columns(
    grid: Grid, *, header: Sequence[str], n_header: int, metadata_names: Mapping[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], list[dict]]:
    """Read the body below ``n_header`` rows and split it into question and metadata columns.

    ``metadata_names`` maps a column name to its role; those columns are read as text. Columns without a header
    and without any value (a trailing delimiter, as in 腾讯问卷 CSV) are dropped with a log entry; a duplicated
    header or a headerless column holding values raises :class:`DataError`.
    """
    header = [str(h).strip() for h in header]
    doubled = sorted({h for h in header if h and header.count(h) > 1})
    if doubled:
        raise DataError(f"{grid.path}: duplicated column name(s) {', '.join(repr(h) for h in doubled)}")
    text_positions = [i for i, h in enumerate(header) if h in metadata_names]
    body = grid.body(n_header, text_positions)
    log = []
    nameless = [i for i, h in enumerate(header) if not h]
    for position in nameless:
        if body[position].notna().any():
            first = body.index[body[position].notna()][0]
            raise DataError(
                f"{grid.path}: column {position + 1} has no header but holds values (row {first}: "
                f"{body.loc[first, position]!r}); every column needs a name"
            )
        log.append(
            {
                "level": "info",
                "column": f"column {position + 1}",
                "message": "empty column without a header (trailing delimiter) ignored",
                "n_rows": 0,
            }
        )
    named = [i for i, h in enumerate(header) if h]
    body = body[named].set_axis([header[i] for i in named], axis=1)
    meta_columns = [h for h in body.columns if h in metadata_names]
    roles = {metadata_names[h]: h for h in meta_columns}
    questions = body.drop(columns=meta_columns)
    return questions, body[meta_columns], roles, log
