"""Findings: descriptives, group differences, correlations, regression, PROCESS models, multilevel models and
perception gaps, computed on scale scores joined with background variables (one row per respondent).

Every function takes the data first and the rest by keyword, and returns a frozen result with ``.to_frame()``
that states the n it used and its missing-data policy (listwise: cases missing any variable an analysis names
are left out, and their count is reported).
"""

from hsc_analysis.findings.frame import analysis_frame, class_level_mean, one_row_per_class
from hsc_analysis.findings.plan import AnalysisPlan, load_plan
from hsc_analysis.findings.run import DatasetFindings, FindingsInput, run_findings

__all__ = [
    "AnalysisPlan",
    "DatasetFindings",
    "FindingsInput",
    "analysis_frame",
    "class_level_mean",
    "load_plan",
    "one_row_per_class",
    "run_findings",
]
