"""Short quotes per code for a report: what was said, with the speaker's pseudonym and role only.

Segment text is personal data; a report shows quotes only when its study declares ``interviews: {quotes: true}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.qualitative.project import CodedInterviews

__all__ = ["QUOTE_CHARS", "Quotes", "select_quotes"]

QUOTE_CHARS = 60
"""Longest quote shown, in characters; a longer segment is cut there and ends with "…"."""


@dataclass(frozen=True)
class Quotes:
    """Quotes per code: ``code, parent, interview, role, segment_id, quote, coders, truncated``.

    ``interview`` is the pseudonym (``I07``), ``coders`` the number of coders who gave the segment the code,
    ``truncated`` whether the quote was cut at ``max_chars``. ``n`` is the number of interviews in the project;
    codes no segment carries have no row.
    """

    table: pd.DataFrame
    per_code: int
    max_chars: int
    n: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def select_quotes(
    project: CodedInterviews,
    *,
    codes: Sequence[str] | None = None,
    per_code: int = 1,
    max_chars: int = QUOTE_CHARS,
) -> Quotes:
    """Pick up to ``per_code`` quotes for each code, each from a different interview.

    Parameters
    ----------
    project : CodedInterviews
    codes : sequence of str, optional
        The codes quoted, in order; by default every code of the codebook that a segment carries.
    per_code : int
        Quotes per code, at least 1.
    max_chars : int
        Longest quote; longer segments are cut and marked with "…".

    Notes
    -----
    The choice is deterministic: segments given the code by the most coders come first (the quotes the coders
    agree on), then those that fit in ``max_chars``, then the shortest, then the earliest interview and position.
    """
    if isinstance(per_code, bool) or not isinstance(per_code, int) or per_code < 1:
        raise InputError(f"per_code: got {per_code!r:.40}; allowed: a whole number ≥ 1")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 2:
        raise InputError(f"max_chars: got {max_chars!r:.40}; allowed: a whole number ≥ 2")
    known = project.codebook["code"].tolist()
    if codes is not None:
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InputError(f"codes: {', '.join(map(str, unknown))} not in the codebook of {project.source}")
    wanted = list(codes) if codes is not None else known
    segments = project.segments
    agreed = (
        segments[segments["code"].isin(wanted)]
        .groupby(["code", "segment_id", "interview"], sort=False)
        .agg(coders=("coder", "nunique"), text=("text", "first"))
        .reset_index()
    )
    text = agreed["text"].astype(str).str.strip()
    agreed = agreed.assign(
        length=text.str.len(),
        fits=text.str.len() <= max_chars,
        order=range(len(agreed)),
        quote=text.where(text.str.len() <= max_chars, text.str[: max_chars - 1] + "…"),
        truncated=text.str.len() > max_chars,
        rank=pd.Categorical(agreed["code"], categories=wanted, ordered=True),
    )
    ranked = agreed.sort_values(
        ["rank", "coders", "fits", "length", "interview", "order"], ascending=[True, False, False, True, True, True]
    )
    chosen = ranked.drop_duplicates(["code", "interview"]).groupby("code", sort=False, observed=True).head(per_code)
    roles = project.interviews.set_index("interview")["role"]
    parents = project.codebook.set_index("code")["parent"]
    table = pd.DataFrame(
        {
            "code": chosen["code"].to_numpy(),
            "parent": chosen["code"].map(parents).to_numpy(),
            "interview": chosen["interview"].to_numpy(),
            "role": chosen["interview"].map(roles).to_numpy(),
            "segment_id": chosen["segment_id"].to_numpy(),
            "quote": chosen["quote"].to_numpy(),
            "coders": chosen["coders"].to_numpy(),
            "truncated": chosen["truncated"].to_numpy(),
        }
    )
    return Quotes(table, per_code=per_code, max_chars=max_chars, n=project.n)
