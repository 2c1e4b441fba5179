"""The joint display of a mixed-methods study: per theme, what the interviews say beside the matching survey
construct's difference between locales (urban, town, rural)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.qualitative.counts import ALL_ROLES, CodeFrequencies
from hsc_analysis.qualitative.quotes import Quotes

__all__ = ["SURVEY_COLUMNS", "JointDisplay", "joint_display"]

SURVEY_COLUMNS = (
    "outcome", "contrast", "estimate", "se", "df", "ci_low", "ci_high", "p_value", "method", "n", "n_clusters",
)  # fmt: skip
"""The columns of the survey side: one row per outcome (construct id) and contrast (e.g. ``rural − urban``), as the
``.to_frame()`` of a locale comparison gives them."""

_SURVEY = [c for c in SURVEY_COLUMNS if c != "outcome"]
_INTERVIEW_SIDE = ["code", "parent", "construct", "segments", "interviews", "interviews_in_role", "share"]
_INTERVIEW_SIDE += ["quote", "quote_interview", "quote_role"]


@dataclass(frozen=True)
class JointDisplay:
    """One row per theme and survey contrast: ``code, parent, construct, segments, interviews,
    interviews_in_role, share`` (the interviews' side, all roles), ``quote, quote_interview, quote_role`` (when
    quotes were given, else missing) and the survey columns ``contrast, estimate, se, df, ci_low, ci_high, p_value,
    method, n, n_clusters`` (missing when the survey has no row for the construct).

    ``roles`` is the interviews' side by role (``code, role, segments, interviews, interviews_in_role, share``);
    ``unmatched`` the constructs the survey side has no row for; ``n_interviews`` the interviews counted.
    """

    table: pd.DataFrame
    roles: pd.DataFrame
    constructs: dict[str, str]
    unmatched: tuple[str, ...]
    n_interviews: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def joint_display(
    frequencies: CodeFrequencies,
    *,
    survey: pd.DataFrame,
    constructs: Mapping[str, str],
    quotes: Quotes | None = None,
) -> JointDisplay:
    """Join each theme's interview counts (and quote) with its construct's survey contrasts.

    Parameters
    ----------
    frequencies : CodeFrequencies
        Code counts by role (:func:`~hsc_analysis.qualitative.code_frequencies`).
    survey : DataFrame
        :data:`SURVEY_COLUMNS`: the survey side, e.g. the ``.to_frame()`` of a comparison of locales with a
        multilevel model or cluster-robust SEs.
    constructs : mapping
        Code or theme → the construct id (``outcome``) it matches, in display order (``{"资源不足":
        "service_quality"}``). Several codes may match one construct.
    quotes : Quotes, optional
        The first quote of each code is shown (give it only when the study allows quotes).

    Raises
    ------
    InputError
        When ``survey`` lacks columns (all named) or a code in ``constructs`` is not in the codebook.
    """
    missing = [c for c in SURVEY_COLUMNS if c not in survey.columns]
    if missing:
        raise InputError(f"survey: missing column(s) {', '.join(missing)}; expected {', '.join(SURVEY_COLUMNS)}")
    if not isinstance(constructs, Mapping) or not constructs:
        raise InputError(f"constructs: expected a mapping of code to construct id; got {constructs!r:.80}")
    counts = frequencies.table
    known = set(counts["code"])
    unknown = [code for code in constructs if code not in known]
    if unknown:
        raise InputError(f"constructs: code(s) {', '.join(map(str, unknown))} not in the codebook")
    order = pd.DataFrame({"code": list(constructs), "construct": list(constructs.values())})
    side = counts[counts["role"] == ALL_ROLES].drop(columns="role")
    rows = order.merge(side, on="code", how="left")
    if quotes is not None:
        first = quotes.table.drop_duplicates("code")[["code", "quote", "interview", "role"]]
        rows = rows.merge(
            first.rename(columns={"interview": "quote_interview", "role": "quote_role"}), on="code", how="left"
        )
    else:
        rows = rows.assign(quote=None, quote_interview=None, quote_role=None)
    table = rows.merge(survey[list(SURVEY_COLUMNS)], left_on="construct", right_on="outcome", how="left")
    table = table.drop(columns="outcome")[[*_INTERVIEW_SIDE, *_SURVEY]]
    by_role = counts[(counts["role"] != ALL_ROLES) & counts["code"].isin(constructs)]
    by_role = by_role.drop(columns="parent").reset_index(drop=True)
    unmatched = tuple(dict.fromkeys(c for c in constructs.values() if c not in set(survey["outcome"])))
    return JointDisplay(
        table.reset_index(drop=True),
        roles=by_role,
        constructs=dict(constructs),
        unmatched=unmatched,
        n_interviews=frequencies.n,
    )
