"""Screening: careless-response indices and the fixed order of exclusion hurdles → :class:`ScreeningResult`."""

from hsc_analysis.screening.hurdles import ScreeningResult, screen
from hsc_analysis.screening.indices import ScreeningSample, careless_indices
from hsc_analysis.screening.rules import HURDLES, PATTERN_INDICES, ScreeningRules

__all__ = [
    "HURDLES",
    "PATTERN_INDICES",
    "ScreeningResult",
    "ScreeningRules",
    "ScreeningSample",
    "careless_indices",
    "screen",
]
