"""What every platform reader hands to :func:`~hsc_analysis.io.responses.read_responses`: question columns,
metadata columns by role, the coding of the cells and the platform's own missing-value codes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.io.coding import Coding
from hsc_analysis.io.grid import Grid

__all__ = ["Export", "drop_blank_rows", "split_columns"]


@dataclass(frozen=True)
class Export:
    """A raw export split into question columns (named by header, index = row in the file) and metadata.

    ``roles`` maps a metadata role (``respondent_id``, ``submitted_at``, ...) to its column in ``metadata``;
    ``special`` maps platform codes to a missing reason for every column, ``column_special`` for single columns
    (SPSS user-missing values); ``labels`` gives a second text per column to map by (SPSS variable labels,
    Qualtrics question texts); ``value_labels`` the file's code → label per column (SPSS); ``code_prefix`` is a
    prefix of answer codes (LimeSurvey ``A1``); ``repeated`` maps the name given to each column whose header the
    file repeats (``header (column 9)``) to that header; ``invalid_cells`` lists, per column, rows whose cell could
    not be read (an SPSS date out of range), each with its reason; ``owned`` is the grid's column-major float block
    behind question columns that nothing else holds (:attr:`hsc_analysis.io.grid.Grid.owned`): coding writes the
    item codes into it instead of into a new matrix, so the export is consumed by being coded.
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
    repeated: Mapping[str, str] = field(default_factory=dict)
    invalid_cells: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    owned: np.ndarray | None = None


def split_columns(
    grid: Grid,
    *,
    header: Sequence[str],
    n_header: int,
    metadata_names: Mapping[str, str],
    ignore: re.Pattern | None = None,
    missing_words: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], list[dict], dict[str, str]]:
    """Read the body below ``n_header`` rows and split it into question and metadata columns.

    ``metadata_names`` maps a column name to its role; those columns are read as text. Columns without a header
    and without any value (a trailing delimiter, as in 腾讯问卷 CSV) are dropped with a log entry; so are the
    platform's timing columns (headers matching ``ignore``). A question header the file repeats (腾讯问卷 date and
    cascade pickers) names each of its columns ``header (column N)``, N counted from 1, and is logged; a repeated
    metadata header or a headerless column holding values raises :class:`DataError`. Rows empty in every column
    are not respondents (:func:`drop_blank_rows`). Returns questions, metadata, roles, log and the repeated
    columns (new name → header). Cells holding one of ``missing_words`` (plain tables: the markers R and pandas
    write for a missing value) are empty, with a log entry counting them.
    """
    header = [str(h).strip() for h in header]
    doubled = sorted({h for h in header if h and header.count(h) > 1})
    doubled_meta = [h for h in doubled if h in metadata_names]
    if doubled_meta:
        raise DataError(f"{grid.path}: duplicated metadata column name(s) {', '.join(repr(h) for h in doubled_meta)}")
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
        log.append(_info(f"column {position + 1}", "empty column without a header (trailing delimiter) ignored", 0))
    names = [f"{h} (column {i + 1})" if h in doubled else h for i, h in enumerate(header)]
    repeated = {names[i]: h for i, h in enumerate(header) if h in doubled}
    for h in doubled:
        positions = [str(i + 1) for i, other in enumerate(header) if other == h]
        log.append(
            _info(h, f"header repeated in columns {', '.join(positions)}; each column named 'header (column N)'", 0)
        )
    timing = [i for i, h in enumerate(header) if h and ignore is not None and ignore.search(h)]
    if timing:
        shown = ", ".join(header[i] for i in timing[:5]) + (" …" if len(timing) > 5 else "")
        log.append(_info("", f"{len(timing)} platform timing column(s) ignored: {shown}", 0))
    named = [i for i, h in enumerate(header) if h and i not in timing]
    body = body[named].set_axis([names[i] for i in named], axis=1)
    textual = [c for c in body.columns if not pd.api.types.is_numeric_dtype(body[c])]  # a number is never a word
    if missing_words and textual:
        marked = body[textual].isin(missing_words)
        if marked.to_numpy().any():
            body = body.mask(marked.reindex(columns=body.columns, fill_value=False))
            count = int(marked.to_numpy().sum())
            log.append(_info("", f"{count} cell(s) holding a missing-value marker (NA, null, …) read as empty", count))
    body, blank_log = drop_blank_rows(body)
    log.extend(blank_log)
    meta_columns = [h for h in body.columns if h in metadata_names]
    roles = {metadata_names[h]: h for h in meta_columns}
    questions = body.drop(columns=meta_columns)
    return questions, body[meta_columns], roles, log, repeated


def drop_blank_rows(body: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Rows with no value in any column are not respondents: blank lines at the end of a file (LimeSurvey and
    R-written CSVs) are dropped with an info entry, empty rows between respondents with a warning naming them."""
    blank = body.isna().to_numpy().all(axis=1)
    if not blank.any():
        return body, []
    last = np.flatnonzero(~blank).max() + 1 if (~blank).any() else 0
    trailing, inside = body.index[last:], body.index[:last][blank[:last]]
    log = []
    if len(trailing):
        log.append(_info("", f"blank row(s) at the end of the file: {len(trailing)} (not respondents)", len(trailing)))
    if len(inside):
        rows = ", ".join(map(str, inside[:10])) + (" …" if len(inside) > 10 else "")
        log.append(
            {
                "level": "warning",
                "column": "",
                "message": f"blank row(s) between respondents, empty in every column, not imported: rows {rows}",
                "n_rows": len(inside),
            }
        )
    return body[~blank], log


def _info(column: str, message: str, n_rows: int) -> dict:
    return {"level": "info", "column": column, "message": message, "n_rows": n_rows}
