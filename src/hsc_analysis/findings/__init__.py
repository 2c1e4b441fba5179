"""Findings: descriptives, group differences, correlations, regression, PROCESS models, multilevel models and
perception gaps, computed on scale scores joined with background variables (one row per respondent).

Every function takes the data first and the rest by keyword, and returns a frozen result with ``.to_frame()``
that states the n it used and its missing-data policy (listwise: cases missing any variable an analysis names
are left out, and their count is reported). :func:`run_findings` runs a study's analysis plan
(:mod:`hsc_analysis.findings.plan`) on the analysis frame of each dataset (:func:`analysis_frame`).
"""

from hsc_analysis.findings.compare import Crosstab, GroupComparison, compare_groups, crosstab
from hsc_analysis.findings.correlate import CorrelationTable, correlation_table, significance_stars
from hsc_analysis.findings.describe import Description, Frequencies, describe, frequencies
from hsc_analysis.findings.few_clusters import FewClusterComparison, few_cluster_comparison
from hsc_analysis.findings.frame import analysis_frame, class_level_mean
from hsc_analysis.findings.gap import GapResult, perception_gap
from hsc_analysis.findings.multilevel import IccResult, MultilevelResult, RwgResult, icc, multilevel, rwg
from hsc_analysis.findings.plan import AnalysisPlan, load_plan
from hsc_analysis.findings.process import (
    MediationResult,
    ModeratedMediationResult,
    ModerationResult,
    mediation,
    moderated_mediation,
    moderation,
)
from hsc_analysis.findings.regression import (
    HierarchicalRegression,
    LogitRegression,
    hierarchical_regression,
    logistic_regression,
    ordinal_regression,
)
from hsc_analysis.findings.run import DatasetFindings, FindingsInput, run_findings

__all__ = [
    "AnalysisPlan",
    "CorrelationTable",
    "Crosstab",
    "DatasetFindings",
    "Description",
    "FewClusterComparison",
    "FindingsInput",
    "Frequencies",
    "GapResult",
    "GroupComparison",
    "HierarchicalRegression",
    "IccResult",
    "LogitRegression",
    "MediationResult",
    "ModeratedMediationResult",
    "ModerationResult",
    "MultilevelResult",
    "RwgResult",
    "analysis_frame",
    "class_level_mean",
    "compare_groups",
    "correlation_table",
    "crosstab",
    "describe",
    "few_cluster_comparison",
    "frequencies",
    "hierarchical_regression",
    "icc",
    "load_plan",
    "logistic_regression",
    "mediation",
    "moderated_mediation",
    "moderation",
    "multilevel",
    "ordinal_regression",
    "perception_gap",
    "run_findings",
    "rwg",
    "significance_stars",
]
