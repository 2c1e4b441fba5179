"""Screening rules: the thresholds of every hurdle, declared in the ``screening:`` section of study.yaml."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hsc_analysis.errors import InputError

__all__ = ["HURDLES", "PATTERN_INDICES", "ScreeningRules"]

HURDLES = ("invalid", "duplicate", "incomplete", "attention", "speed", "pattern")
"""The fixed order of hurdles: an excluded respondent's reason is the first hurdle failed."""

PATTERN_INDICES = ("longstring", "irv", "even_odd", "synonyms", "mahalanobis")
"""Response-pattern indices that can flag a respondent (see :func:`careless_indices`)."""


@dataclass(frozen=True)
class ScreeningRules:
    """Thresholds of the screening hurdles, applied in the order of ``HURDLES``.

    Attributes
    ----------
    duplicate_id_columns : tuple of str, default ()
        Background, identifier or metadata columns that identify a person (e.g. ``phone``); a later row with the
        same non-empty value is a duplicate. Rows with the same ``respondent_id`` always are.
    fingerprint_columns : tuple of str, default ("ip",)
        Metadata added to the answers (items, checks and non-personal background) when looking for the same
        submission sent twice; columns the export lacks are left out, and the exclusion detail names those used.
    min_completeness : float, default 0.8
        Smallest share of shown scale items answered ("don't know" counts as an answer, items skipped by the
        form's logic are not shown).
    max_failed_checks : int, default 0
        Attention checks a respondent may fail; a blank check counts as failed.
    min_seconds_per_item : float, default 2.0
        Absolute speed limit: seconds per rated item below this mark a speeder (Huang et al., 2012: 2 s per item).
    min_speed_ratio : float, default 0.4
        Relative speed limit: seconds per item below this share of the sample median mark a speeder (a convention
        that adapts to the questionnaire's length and reading load).
    max_longstring_share : float, default 0.5
        Flag when the longest run of identical answers covers at least this share of the scale items (a
        convention; Johnson, 2005, and Curran, 2016, set such cut-offs per instrument).
    min_irv : float, default 0.3
        Flag when the intra-individual response SD of the raw codes (Dunn et al., 2018) is below this; a
        straight-liner has 0, attentive simulated parents 0.8 or more (a convention).
    min_even_odd : float, default 0.3
        Flag when the Spearman–Brown even–odd consistency is below this (Johnson, 2005: .30).
    synonym_min_r : float, default 0.6
        Item pairs correlating above this across the sample are psychometric synonyms (Meade & Craig, 2012).
    min_synonyms : float, default 0.0
        Flag when the within-person correlation over synonym pairs is below this.
    min_synonym_pairs : int, default 5
        The synonym index flags only respondents with at least this many pairs answered: over fewer pairs a
        within-person correlation is too noisy to tell attentive from careless answers.
    mahalanobis_alpha : float, default 0.001
        Flag when the χ² p-value of Mahalanobis D² is below this (the usual multivariate-outlier criterion).
    pattern_min_flags : int, default 2
        A respondent fails the pattern hurdle when flagged by at least this many of ``pattern_exclude_by``.
    pattern_exclude_by : tuple of str, default ("longstring", "irv", "even_odd", "mahalanobis")
        The indices whose flags count towards exclusion; the others are only flagged and reported. Psychometric
        synonyms are left out by default: short scales give few synonym pairs, and over few pairs a within-person
        correlation is noisy (in parent data simulated as in tests/screening/test_screening.py, 8 pairs passed .60
        and the synonym flag fell on 10% of attentive respondents).

    Notes
    -----
    Defaults follow Curran (2016) and Meade & Craig (2012): several indices together, conservative cut-offs, and
    exclusion only where independent indices agree. They are conventions, not laws; declare your own per study
    in study.yaml, where absent keys keep their defaults::

        screening:
          min_seconds_per_item: 1.5
          duplicate_id_columns: [phone]
          pattern_exclude_by: [longstring, irv, even_odd]
    """

    duplicate_id_columns: tuple[str, ...] = ()
    fingerprint_columns: tuple[str, ...] = ("ip",)
    min_completeness: float = 0.8
    max_failed_checks: int = 0
    min_seconds_per_item: float = 2.0
    min_speed_ratio: float = 0.4
    max_longstring_share: float = 0.5
    min_irv: float = 0.3
    min_even_odd: float = 0.3
    synonym_min_r: float = 0.6
    min_synonyms: float = 0.0
    min_synonym_pairs: int = 5
    mahalanobis_alpha: float = 0.001
    pattern_min_flags: int = 2
    pattern_exclude_by: tuple[str, ...] = ("longstring", "irv", "even_odd", "mahalanobis")

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | None, *, source: str) -> ScreeningRules:
        """Validate the ``screening:`` section of a study file; absent keys take their defaults.

        Raises
        ------
        InputError
            Naming ``source``, the key path and the allowed values, e.g.
            ``study.yaml: screening.min_completeness: expected a number in [0, 1], got 1.5``.

        Examples
        --------
        >>> ScreeningRules.from_spec({"min_seconds_per_item": 1.5}, source="study.yaml").min_seconds_per_item
        1.5
        """
        if spec is None:
            return cls()
        if not isinstance(spec, Mapping):
            raise InputError(f"{source}: screening: expected a mapping of rule names to values, got {spec!r:.80}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(map(str, spec)) - set(fields))
        if unknown:
            raise InputError(f"{source}: screening: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(fields)}")
        values = {name: _check(name, value, source) for name, value in spec.items()}
        return cls(**values)

    def to_frame(self):
        """The rules as a two-column table (``rule, value``), for the methods section."""
        import pandas as pd

        return pd.DataFrame(
            {"rule": [f.name for f in dataclasses.fields(self)], "value": [str(v) for v in dataclasses.astuple(self)]}
        )


_SHARES = {"min_completeness", "min_speed_ratio", "max_longstring_share", "mahalanobis_alpha"}
_COUNTS = {"max_failed_checks", "min_synonym_pairs", "pattern_min_flags"}
_CORRELATIONS = {"min_even_odd", "synonym_min_r", "min_synonyms"}
_NAMES = {"duplicate_id_columns", "fingerprint_columns", "pattern_exclude_by"}


def _check(name: str, value: Any, source: str) -> Any:
    def fail(allowed: str) -> InputError:
        return InputError(f"{source}: screening.{name}: expected {allowed}, got {value!r:.80}")

    if name in _NAMES:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail("a list of names")
        if name == "pattern_exclude_by" and not set(value) <= set(PATTERN_INDICES):
            raise fail(f"a list drawn from {', '.join(PATTERN_INDICES)}")
        return tuple(value)
    if name in _COUNTS:
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if name == "pattern_min_flags" else 0):
            raise fail("a whole number ≥ 1" if name == "pattern_min_flags" else "a whole number ≥ 0")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise fail("a finite number")
    if name in _SHARES and not 0 <= value <= 1:
        raise fail("a number in [0, 1]")
    if name in _CORRELATIONS and not -1 <= value <= 1:
        raise fail("a correlation in [-1, 1]")
    if name in ("min_seconds_per_item", "min_irv") and value < 0:
        raise fail("a number ≥ 0")
    return float(value)
