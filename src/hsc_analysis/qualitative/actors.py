"""Who coordinates with whom: pairs of actors from relation codes, counted by the speaker's role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.qualitative.counts import ALL_ROLES, coded_segments, role_groups
from hsc_analysis.qualitative.project import CodedInterviews

__all__ = ["ActorTable", "actor_table"]


@dataclass(frozen=True)
class ActorTable:
    """Segments and interviews per pair of actors: ``actor_a, actor_b, role, segments, interviews,
    interviews_in_role``.

    One row per declared pair and speaker role, plus the role ``all`` (every interview); pairs nobody mentioned
    have zero counts. ``segments`` counts the distinct segments given any relation code of the pair (by any coder,
    or by ``coder``), ``interviews`` the interviews with at least one. ``matrix`` is the symmetric actor × actor
    table of segments over all roles (the diagonal is zero). ``relations`` is the code → (actor, actor) map used;
    ``n`` the number of interviews (an interview with no role counts under ``NA`` and in ``all``).
    """

    table: pd.DataFrame
    matrix: pd.DataFrame
    relations: dict[str, tuple[str, str]]
    n: int
    coder: str | None

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def actor_table(
    project: CodedInterviews, *, relations: Mapping[str, Sequence[str]], coder: str | None = None
) -> ActorTable:
    """Count, per pair of actors, the segments and interviews coded with a relation code naming that pair.

    Parameters
    ----------
    project : CodedInterviews
    relations : mapping
        Relation code → the two actors it links (``{"学校与家长": ["学校", "家长"]}``); several codes may name the
        same pair (in either order), and are then counted together.
    coder : str, optional
        Count one coder's codings only; by default any coder's (a segment counts once).

    Raises
    ------
    InputError
        When a relation code is not in the codebook or does not name two different actors.

    Examples
    --------
    >>> import pandas as pd
    >>> from hsc_analysis.qualitative.project import CodedInterviews
    >>> seg = pd.DataFrame({"segment_id": ["I01:0", "I02:0"], "interview": ["I01", "I02"], "start": pd.NA,
    ...     "end": pd.NA, "code": ["学校与家长", "学校与家长"], "coder": "A", "text": "…"})
    >>> project = CodedInterviews(pd.DataFrame({"code": ["学校与家长"], "definition": None, "parent": None}),
    ...     pd.DataFrame({"interview": ["I01", "I02"], "role": ["教师", "家长"], "length": pd.NA}), seg, ("A",),
    ...     pd.DataFrame(columns=["file", "element", "reason"]), "demo")
    >>> actor_table(project, relations={"学校与家长": ["学校", "家长"]}).to_frame().query("role == 'all'")
      actor_a actor_b role  segments  interviews  interviews_in_role
    0      学校      家长  all         2           2                   2
    """
    pairs = _pairs(relations, project)
    roles = project.interviews.set_index("interview")["role"].fillna("NA")
    coded = coded_segments(project, coder)
    coded = coded[coded["code"].isin(pairs)].assign(
        pair=lambda f: f["code"].map(pairs), role=lambda f: f["interview"].map(roles)
    )
    order = list(dict.fromkeys(pairs.values()))
    frames = []
    for role, part, members in role_groups(coded, roles):
        grouped = part.groupby("pair", sort=False)
        segments = grouped["segment_id"].nunique().reindex(order, fill_value=0)
        mentioned = grouped["interview"].nunique().reindex(order, fill_value=0)
        frames.append(
            pd.DataFrame(
                {
                    "actor_a": [a for a, _ in order],
                    "actor_b": [b for _, b in order],
                    "role": role,
                    "segments": segments.to_numpy(),
                    "interviews": mentioned.to_numpy(),
                    "interviews_in_role": len(members),
                }
            )
        )
    table = pd.concat(frames, ignore_index=True)
    actors = list(dict.fromkeys(a for pair in order for a in pair))
    index = pd.Index(actors)
    overall = table[table["role"] == ALL_ROLES]
    matrix = np.zeros((len(actors), len(actors)), dtype=int)
    a, b = index.get_indexer(overall["actor_a"]), index.get_indexer(overall["actor_b"])
    matrix[a, b] = matrix[b, a] = overall["segments"].to_numpy()
    frame = pd.DataFrame(matrix, index=index, columns=index)
    frame.index.name = "actor"
    return ActorTable(table, matrix=frame, relations=pairs, n=project.n, coder=coder)


def _pairs(relations: Mapping[str, Sequence[str]], project: CodedInterviews) -> dict[str, tuple[str, str]]:
    """Relation code → the pair of actors, the same pair always in its first-declared order."""
    if not isinstance(relations, Mapping) or not relations:
        raise InputError(f"relations: expected a mapping of relation code to two actors; got {relations!r:.80}")
    known = set(project.codebook["code"])
    unknown = [code for code in relations if code not in known]
    if unknown:
        raise InputError(f"relations: code(s) {', '.join(map(str, unknown))} not in the codebook of {project.source}")
    pairs: dict[str, tuple[str, str]] = {}
    seen: dict[frozenset, tuple[str, str]] = {}
    for code, actors in relations.items():
        if isinstance(actors, str) or len(actors) != 2 or len(set(actors)) != 2:
            raise InputError(f"relations.{code}: got {actors!r:.80}; allowed: two different actors, e.g. [学校, 家长]")
        pair = (str(actors[0]), str(actors[1]))
        pairs[str(code)] = seen.setdefault(frozenset(pair), pair)
    return pairs
