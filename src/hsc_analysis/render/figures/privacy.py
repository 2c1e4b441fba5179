"""Small-group suppression: a group with fewer than ``min_group_n`` respondents is not drawn."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures._text import phrase

__all__ = ["DEFAULT_MIN_GROUP_N", "GroupSplit", "split_groups"]

DEFAULT_MIN_GROUP_N = 5
"""Primary suppression threshold: groups with n < 5 are not shown (a common public-release rule)."""


@dataclass(frozen=True)
class GroupSplit:
    """Groups of a labelled grouping variable, in their order, with the ones too small to show set aside.

    ``shown`` maps each group label with n ≥ ``min_group_n`` to its n; ``suppressed`` lists the labels of the
    others (their n is not kept, so it cannot leak into a caption).
    """

    shown: dict[str, int]
    suppressed: tuple[str, ...]
    min_group_n: int

    def note(self, lang: str) -> str:
        """The caption note naming the suppressed groups, or an empty string."""
        if not self.suppressed:
            return ""
        sep = "、" if lang == "zh" else ", "
        return phrase("suppressed", lang, k=self.min_group_n, groups=sep.join(self.suppressed))


def split_groups(group: pd.Series, *, min_group_n: int = DEFAULT_MIN_GROUP_N) -> GroupSplit:
    """Count respondents per group (missing group values are not a group) and set aside groups below the threshold.

    ``group`` holds group labels; a categorical keeps its category order, others are sorted.
    """
    if isinstance(min_group_n, bool) or not isinstance(min_group_n, int) or min_group_n < 1:
        raise InputError(f"min_group_n got {min_group_n!r}; allowed: a positive integer")
    counts = group.value_counts(sort=False, dropna=True)
    if not isinstance(group.dtype, pd.CategoricalDtype):
        counts = counts.sort_index()
    counts = counts[counts > 0]
    shown = {str(label): int(n) for label, n in counts.items() if n >= min_group_n}
    suppressed = tuple(str(label) for label, n in counts.items() if n < min_group_n)
    return GroupSplit(shown=shown, suppressed=suppressed, min_group_n=min_group_n)
