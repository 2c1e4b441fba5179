"""Findings: descriptives, group differences, correlations, regression, PROCESS models, multilevel models and
perception gaps, computed on scale scores joined with background variables (one row per respondent).

Every function takes the data first and the rest by keyword, and returns a frozen result with ``.to_frame()``
that states the n it used and its missing-data policy (listwise: cases missing any variable an analysis names
are left out, and their count is reported).
"""

from hsc_analysis.findings.gap import GapResult, perception_gap
from hsc_analysis.findings.multilevel import IccResult, MultilevelResult, RwgResult, icc, multilevel, rwg

__all__: list[str] = []

__all__ += ["IccResult", "MultilevelResult", "RwgResult", "icc", "multilevel", "rwg"]
__all__ += ["GapResult", "perception_gap"]
