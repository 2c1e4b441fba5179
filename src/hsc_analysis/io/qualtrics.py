"""Qualtrics CSV exports: the current form with three header rows (export tags, question texts, ``{"ImportId"…}``)
and the legacy form with two (``V1…V10`` + tags, then ``ResponseID…`` + question texts).
Cells are numeric codes (or choice texts when exported so); question texts map
columns to items when the export tags are not the item ids. Timing questions (``Q8_First Click``, ``_Last Click``,
``_Page Submit``, ``_Click Count``) and Qualtrics' own ``Q_…`` fraud/quality columns are not questions: they are
ignored with a log entry."""

from __future__ import annotations

import re
from collections.abc import Sequence

from hsc_analysis.io.export import Export, split_columns
from hsc_analysis.io.grid import Grid

__all__ = ["METADATA", "is_qualtrics", "read_qualtrics"]

METADATA = {
    "ResponseId": "respondent_id",
    "ResponseID": "respondent_id",
    "RecordedDate": "submitted_at",
    "Duration (in seconds)": "duration_seconds",
    "DistributionChannel": "channel",
    "IPAddress": "ip",
    **{
        name: name
        for name in (
            "StartDate",
            "EndDate",
            "Status",
            "Progress",
            "Finished",
            "RecipientLastName",
            "RecipientFirstName",
            "RecipientEmail",
            "ExternalReference",
            "LocationLatitude",
            "LocationLongitude",
            "UserLanguage",
            "ResponseSet",
            "Name",
            "ExternalDataReference",
            "EmailAddress",
        )
    },
}


TIMING = re.compile(r"_(?:First Click|Last Click|Page Submit|Click Count)$|^Q_(?:[A-Z][A-Za-z]+)")
"""Qualtrics columns that are never questions: timing questions and ``Q_RecaptchaScore``, ``Q_BallotBoxStuffing`` …"""


def is_qualtrics(top: Sequence[Sequence[str]]) -> bool:
    return _is_current(top) or _is_legacy(top)


def read_qualtrics(grid: Grid) -> Export:
    top = grid.top
    if _is_current(top):
        header, texts, n_header = top[0], top[1], 3
    else:  # legacy: metadata names in row 2, question tags in row 1
        header = [
            name if tag.startswith("V") and tag[1:].isdigit() else tag for tag, name in zip(top[0], top[1], strict=True)
        ]
        texts, n_header = top[1], 2
    questions, metadata, roles, log, repeated = split_columns(
        grid, header=header, n_header=n_header, metadata_names=METADATA, ignore=TIMING
    )
    if "submitted_at" not in roles and "EndDate" in metadata.columns:
        roles["submitted_at"] = "EndDate"
    trailer = (
        questions.index[metadata.iloc[:, 0].astype(str).str.startswith('{"ImportId"')]
        if len(metadata.columns)
        else questions.index[:0]
    )
    if len(trailer):
        questions, metadata = questions.drop(trailer), metadata.drop(trailer)
        log.append(
            {
                "level": "info",
                "column": "",
                "message": f"ImportId trailer line(s) {', '.join(map(str, trailer))} ignored (not a response)",
                "n_rows": len(trailer),
            }
        )
    labels = {h: t for h, t in zip(header, texts, strict=True) if h in questions.columns and t and t != h}
    return Export(
        "qualtrics", questions, metadata, roles, coding="code", labels=labels, log=tuple(log), repeated=repeated
    )


def _is_current(top: Sequence[Sequence[str]]) -> bool:
    return len(top) >= 3 and any(str(cell).startswith('{"ImportId"') for cell in top[2])


def _is_legacy(top: Sequence[Sequence[str]]) -> bool:
    return len(top) >= 2 and top[0][:1] == ["V1"] and "ResponseID" in top[1]
