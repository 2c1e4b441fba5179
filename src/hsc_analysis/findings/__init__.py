"""Findings: descriptives, group differences, correlations, regression, PROCESS models, multilevel models and
perception gaps, computed on scale scores joined with background variables (one row per respondent).

Every function takes the data first and the rest by keyword, and returns a frozen result with ``.to_frame()``
that states the n it used and its missing-data policy (listwise: cases missing any variable an analysis names
are left out, and their count is reported). :func:`run_findings` runs a study's analysis plan
(:mod:`hsc_analysis.findings.plan`) on the analysis frame of each dataset (:func:`analysis_frame`).
"""

from hsc_analysis.findings.frame import analysis_frame, class_level_mean
from hsc_analysis.findings.gap import GapResult, perception_gap
from hsc_analysis.findings.multilevel import IccResult, MultilevelResult, RwgResult, icc, multilevel, rwg
from hsc_analysis.findings.plan import AnalysisPlan, load_plan
from hsc_analysis.findings.run import DatasetFindings, FindingsInput, run_findings

__all__ = [
    "AnalysisPlan",
    "DatasetFindings",
    "FindingsInput",
    "GapResult",
    "IccResult",
    "MultilevelResult",
    "RwgResult",
    "analysis_frame",
    "class_level_mean",
    "icc",
    "load_plan",
    "multilevel",
    "perception_gap",
    "run_findings",
    "rwg",
]
