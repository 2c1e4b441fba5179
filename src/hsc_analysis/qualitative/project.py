"""``CodedInterviews``: one coded interview project (codebook, sources, segments) read from any format, validated."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["SEGMENT_COLUMNS", "CodedInterviews", "pseudonyms"]

SEGMENT_COLUMNS = ("segment_id", "interview", "start", "end", "code", "coder", "text")
"""The columns of ``CodedInterviews.segments``: one row per code applied by one coder to one stretch of text.
``start``/``end`` are character positions in the interview's plain text (end exclusive) or missing for a coding
sheet; the same ``segment_id`` with several coders or codes is the same stretch of text (the unit of agreement)."""


@dataclass(frozen=True)
class CodedInterviews:
    """A coded interview project: what a REFI-QDA ``.qdpx`` or a coding sheet holds, validated and pseudonymised.

    Attributes
    ----------
    codebook : DataFrame
        ``code, definition, parent``: one row per code, ``parent`` the theme it sits under (missing at the top).
    interviews : DataFrame
        ``interview, role, length``: one row per source, ``interview`` a pseudonym (``I01``, ``I02`` … in the
        order of the file) that replaces the speaker's name and the file name on read; ``length`` its number of
        characters (missing for a coding sheet).
    segments : DataFrame
        :data:`SEGMENT_COLUMNS`. ``text`` is what was said: personal data, never in ``to_frame()`` or any table
        unless asked for.
    coders : tuple of str
        The coders' names as the project gives them (coders are researchers, not respondents).
    flagged : DataFrame
        ``file, element, reason``: every coding that was not taken, and why (an unknown code, a segment outside its
        source, no coder). Nothing is dropped silently.
    source : str
        The file read.
    """

    codebook: pd.DataFrame
    interviews: pd.DataFrame
    segments: pd.DataFrame
    coders: tuple[str, ...]
    flagged: pd.DataFrame
    source: str

    @property
    def n(self) -> int:
        """Number of interviews."""
        return len(self.interviews)

    def to_frame(self) -> pd.DataFrame:
        """The segments with their interview's role, without the text (personal data)."""
        frame = self.segments.drop(columns="text").merge(self.interviews[["interview", "role"]], on="interview")
        return frame[["segment_id", "interview", "role", "start", "end", "code", "coder"]]


def pseudonyms(n: int) -> list[str]:
    """Interview pseudonyms ``I01`` … in file order, zero-padded to the width of ``n``.

    Examples
    --------
    >>> pseudonyms(3)
    ['I01', 'I02', 'I03']
    """
    width = max(2, len(str(n)))
    return [f"I{k:0{width}d}" for k in range(1, n + 1)]


def flag_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """The ``flagged`` table from ``(file, element, reason)`` rows."""
    return pd.DataFrame(rows, columns=["file", "element", "reason"])
