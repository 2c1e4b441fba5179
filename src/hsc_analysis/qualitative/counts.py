"""How often each code comes up, by stakeholder role, and which codes come up together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.qualitative.project import CodedInterviews

__all__ = [
    "ALL_ROLES",
    "CodeFrequencies",
    "Cooccurrence",
    "code_cooccurrence",
    "code_frequencies",
    "coded_segments",
    "role_groups",
]

ALL_ROLES = "all"
"""The ``role`` label of the rows counting every interview."""


@dataclass(frozen=True)
class CodeFrequencies:
    """Code counts by role: ``role, code, parent, segments, interviews, interviews_in_role, share``.

    ``segments`` counts the distinct segments given the code, ``interviews`` the interviews with at least one,
    ``share`` = interviews / interviews_in_role. ``coder`` is the coder counted, or ``None`` for any coder (a
    segment counts once however many coders gave it the code). A theme (a code with codes under it) counts the
    segments given it or any code under it. ``n`` is the number of interviews; an interview
    with no role is counted under role ``NA`` and in ``all``.
    """

    table: pd.DataFrame
    n: int
    coder: str | None

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


@dataclass(frozen=True)
class Cooccurrence:
    """Code × code counts of segments (``level="segment"``) or interviews (``"interview"``) that carry both codes.

    The diagonal is the number of units with the code. ``n`` is the number of units (segments or interviews).
    """

    matrix: pd.DataFrame
    level: str
    n: int
    coder: str | None

    def to_frame(self) -> pd.DataFrame:
        return self.matrix.copy()


def coded_segments(project: CodedInterviews, coder: str | None) -> pd.DataFrame:
    """The codings of ``coder`` (or of any coder), one row per segment and code."""
    segments = project.segments
    if coder is not None:
        if coder not in set(segments["coder"]):
            raise InputError(f"coder={coder!r} coded nothing in {project.source}; coders: {', '.join(project.coders)}")
        segments = segments[segments["coder"] == coder]
    return segments.drop_duplicates(["segment_id", "code"])


def role_groups(coded: pd.DataFrame, roles: pd.Series) -> list[tuple[str, pd.DataFrame, pd.Series]]:
    """``(role, its codings, its interviews' roles)`` for ``all`` and then each role in order of appearance."""
    return [
        (ALL_ROLES, coded, roles),
        *((r, coded[coded["role"] == r], roles[roles == r]) for r in pd.unique(roles)),
    ]


def _with_themes(coded: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """The codings plus one row per theme above each coded code (a segment counts once per theme)."""
    parent = codebook.set_index("code")["parent"].dropna().to_dict()
    rows, level = [coded], coded
    for _ in range(len(parent)):  # at most as many steps up as there are codes with a parent
        level = level[level["code"].isin(parent)].assign(code=lambda f: f["code"].map(parent))
        if level.empty:
            break
        rows.append(level)
    return pd.concat(rows, ignore_index=True).drop_duplicates(["segment_id", "code"])


def code_frequencies(project: CodedInterviews, *, coder: str | None = None) -> CodeFrequencies:
    """Segments and interviews per code, overall and by stakeholder role, with the share of interviews.

    Examples
    --------
    >>> import pandas as pd
    >>> from hsc_analysis.qualitative.project import CodedInterviews
    >>> seg = pd.DataFrame({"segment_id": ["I01:0", "I01:1", "I02:0"], "interview": ["I01", "I01", "I02"],
    ...     "start": pd.NA, "end": pd.NA, "code": ["资源", "资源", "沟通"], "coder": "A", "text": "…"})
    >>> project = CodedInterviews(pd.DataFrame({"code": ["资源", "沟通"], "definition": None, "parent": None}),
    ...     pd.DataFrame({"interview": ["I01", "I02"], "role": ["教师", "家长"], "length": pd.NA}), seg, ("A",),
    ...     pd.DataFrame(columns=["file", "element", "reason"]), "demo")
    >>> code_frequencies(project).to_frame().query("role == 'all'")[["code", "segments", "interviews", "share"]]
      code  segments  interviews  share
    0   资源         2           1    0.5
    1   沟通         1           1    0.5
    """
    roles = project.interviews.set_index("interview")["role"].fillna("NA")
    coded = _with_themes(coded_segments(project, coder), project.codebook).assign(
        role=lambda f: f["interview"].map(roles)
    )
    codes = project.codebook["code"]
    frames = []
    for role, part, members in role_groups(coded, roles):
        segments = part.groupby("code")["segment_id"].nunique().reindex(codes, fill_value=0)
        mentioned = part.groupby("code")["interview"].nunique().reindex(codes, fill_value=0)
        frames.append(
            pd.DataFrame(
                {
                    "role": role,
                    "code": codes.to_numpy(),
                    "parent": project.codebook["parent"].to_numpy(),
                    "segments": segments.to_numpy(),
                    "interviews": mentioned.to_numpy(),
                    "interviews_in_role": len(members),
                    "share": mentioned.to_numpy() / len(members),
                }
            )
        )
    return CodeFrequencies(pd.concat(frames, ignore_index=True), n=project.n, coder=coder)


def code_cooccurrence(project: CodedInterviews, *, level: str = "segment", coder: str | None = None) -> Cooccurrence:
    """Code × code co-occurrence: X'X of the unit × code indicator matrix, units segments or interviews.

    Notes
    -----
    With X[u, c] = 1 when unit u carries code c (any coder, or ``coder``), entry (c, k) is Σ_u X[u, c] X[u, k].
    """
    unit = {"segment": "segment_id", "interview": "interview"}
    if level not in unit:
        raise InputError(f"level={level!r}; use 'segment' or 'interview'")
    coded = coded_segments(project, coder)
    codes = project.codebook["code"]
    units = pd.unique(project.segments[unit[level]]) if level == "segment" else project.interviews["interview"]
    x = np.zeros((len(units), len(codes)))
    x[pd.Index(units).get_indexer(coded[unit[level]]), pd.Index(codes).get_indexer(coded["code"])] = 1
    matrix = pd.DataFrame((x.T @ x).astype(int), index=codes.to_numpy(), columns=codes.to_numpy())
    matrix.index.name = "code"
    return Cooccurrence(matrix, level=level, n=len(units), coder=coder)
