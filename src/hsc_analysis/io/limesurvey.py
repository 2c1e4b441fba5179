"""LimeSurvey response exports (CSV): UTF-8 with BOM, ``;``-separated, sub-questions ``Q[SQ001]``, answer codes
such as ``A1`` (read as code 1), multiple choice ``Y``/empty per option column.

Headings may be question codes (``G01Q01``), "code. text" (``G01Q01. How satisfied…``: the code names the column
and the text is a second header to map by) or full texts (``Response ID``, ``Date submitted``). Timing columns
(``interviewtime`` is the duration; ``groupTime12``, ``G01Q01Time``, ``Group time: …``, ``Question time: …``) are
not questions and are ignored with a log entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hsc_analysis.io.export import Export, split_columns
from hsc_analysis.io.grid import Grid

__all__ = ["METADATA", "is_limesurvey", "read_limesurvey", "split_headings"]

METADATA = {
    "id": "respondent_id",
    "Response ID": "respondent_id",
    "submitdate": "submitted_at",
    "Date submitted": "submitted_at",
    "interviewtime": "duration_seconds",
    "Total time": "duration_seconds",
    **{
        name: name
        for name in ("lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr", "refurl", "token")
    },
    **{
        text: text for text in ("Last page", "Start language", "Seed", "Date started", "Date last action", "IP address")
    },
    "Referrer URL": "Referrer URL",
}
_CODE_TEXT = re.compile(r"^([A-Za-z][A-Za-z0-9_]*(?:\[[^\[\]]*\])*)\.\s+(.+)$", re.S)
_TIMING = re.compile(r"^groupTime\d+$|^(?:Group time|Question time):")


def split_headings(header: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Codes of "code. text" headings and the text of each (plain headings stay as they are).

    Examples
    --------
    >>> split_headings(["id. Response ID", "G01Q01. How satisfied are you?", "seed"])
    (['id', 'G01Q01', 'seed'], {'id': 'Response ID', 'G01Q01': 'How satisfied are you?'})
    """
    codes, texts = [], {}
    for heading in header:
        match = _CODE_TEXT.match(str(heading).strip())
        codes.append(match[1] if match else str(heading))
        if match:
            texts[match[1]] = match[2].strip()
    return codes, texts


def is_limesurvey(header: Sequence[str]) -> bool:
    codes = set(split_headings(header)[0])
    return (
        len(codes & {"id", "submitdate", "lastpage", "startlanguage"}) >= 3
        or {
            "Response ID",
            "Date submitted",
            "Last page",
        }
        <= codes
    )


def read_limesurvey(grid: Grid) -> Export:
    header, texts = split_headings(grid.top[0])
    # <code>Time is the time spent on question <code>: a timing column only when <code> is a column of the file
    timing = {f"{code}Time" for code in header} & set(header)
    ignore = re.compile(_TIMING.pattern + "".join(f"|^{re.escape(t)}$" for t in sorted(timing)))
    questions, metadata, roles, log, repeated = split_columns(
        grid, header=header, n_header=1, metadata_names=METADATA, ignore=ignore
    )
    labels = {code: text for code, text in texts.items() if code in questions.columns}
    return Export(
        "limesurvey",
        questions,
        metadata,
        roles,
        coding="code",
        code_prefix="A",
        labels=labels,
        log=tuple(log),
        repeated=repeated,
    )
