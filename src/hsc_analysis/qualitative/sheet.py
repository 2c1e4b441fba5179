"""Plain coding sheets (CSV or Excel): one row per code a coder gave a segment, read into ``CodedInterviews``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.io.tables import read_table
from hsc_analysis.qualitative.project import SEGMENT_COLUMNS, CodedInterviews, flag_frame, pseudonyms

__all__ = ["SHEET_COLUMNS", "read_coding_sheet"]

SHEET_COLUMNS = ("interview", "role", "segment", "text", "code", "coder")
"""The coding sheet's columns. ``segment`` (optional) numbers the stretch of text within its interview; without it
a segment is identified by its interview and text. Further columns are ignored."""


def read_coding_sheet(
    path: str | Path, *, codebook: pd.DataFrame | None = None, columns: dict[str, str] | None = None
) -> CodedInterviews:
    """Read a coding sheet: interview id, speaker role, segment text, code, coder — one row per coding.

    Parameters
    ----------
    path : str or Path
        A CSV (UTF-8 or GB18030), .xlsx or .xls file with the columns of :data:`SHEET_COLUMNS`.
    codebook : DataFrame, optional
        ``code, definition, parent``; a row whose code is not in it is flagged and left out. Without it the codebook
        is the codes the sheet uses (no definitions, no parents).
    columns : dict, optional
        ``{sheet column: standard name}`` for sheets with other headers (e.g. ``{"访谈编号": "interview"}``).

    Returns
    -------
    CodedInterviews
        Interview ids replaced by pseudonyms ``I01`` … in order of first appearance (the id often carries the
        speaker's name); a row with no code, no coder or no text is flagged with its row number (header = row 1),
        as is a code outside ``codebook``.

    Raises
    ------
    DataError
        When a required column is missing (named, with the columns found) or the file cannot be read.
    """
    path = Path(path)
    table = read_table(path).rename(columns=columns or {})
    required = [c for c in SHEET_COLUMNS if c != "segment"]
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise DataError(
            f"{path}: coding sheet lacks column(s) {', '.join(missing)}; found {', '.join(map(str, table.columns))}"
            " (map other headers with columns=)"
        )
    flagged = []
    for column in ("interview", "text", "code", "coder"):
        empty = table[column].isna() | (table[column].astype(str).str.strip() == "")
        flagged.extend((path.name, f"row {row}", f"no {column}") for row in table.index[empty])
        table = table[~empty]
    if codebook is None:
        codebook = pd.DataFrame({"code": pd.unique(table["code"]), "definition": None, "parent": None})
    unknown = ~table["code"].isin(codebook["code"])
    flagged.extend(
        (path.name, f"row {row}", f"code {code!r} is not in the codebook")
        for row, code in table.loc[unknown, "code"].items()
    )
    table = table[~unknown]
    ids = pd.unique(table["interview"].astype(str))
    pseudonym = dict(zip(ids, pseudonyms(len(ids)), strict=True))
    table["interview"] = table["interview"].astype(str).map(pseudonym)
    roles = table.groupby("interview", sort=False)["role"].agg(lambda r: r.dropna().unique().tolist())
    for interview, found in roles.items():
        if len(found) > 1:
            flagged.append((path.name, f"interview {interview}", f"several roles {found}; the first is used"))
    key = table["segment"].astype(str) if "segment" in table.columns else table["text"].astype(str)
    table["segment_id"] = table["interview"] + ":" + pd.factorize(table["interview"] + "\x1f" + key)[0].astype(str)
    table["start"] = table["end"] = pd.NA
    interviews = pd.DataFrame({"interview": roles.index, "role": [r[0] if r else None for r in roles], "length": pd.NA})
    return CodedInterviews(
        codebook=codebook[["code", "definition", "parent"]].reset_index(drop=True),
        interviews=interviews,
        segments=table[list(SEGMENT_COLUMNS)].reset_index(drop=True),
        coders=tuple(map(str, pd.unique(table["coder"]))),
        flagged=flag_frame(flagged),
        source=str(path),
    )
