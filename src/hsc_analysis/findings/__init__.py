"""Findings: descriptives, group differences, correlations, regression, PROCESS models, multilevel models and
perception gaps, computed on scale scores joined with background variables (one row per respondent).

Every function takes the data first and the rest by keyword, and returns a frozen result with ``.to_frame()``
that states the n it used and its missing-data policy (listwise: cases missing any variable an analysis names
are left out, and their count is reported).
"""

from hsc_analysis.findings.compare import Crosstab, GroupComparison, compare_groups, crosstab
from hsc_analysis.findings.correlate import CorrelationTable, correlation_table, significance_stars
from hsc_analysis.findings.describe import Description, Frequencies, describe, frequencies
from hsc_analysis.findings.regression import (
    HierarchicalRegression,
    LogitRegression,
    hierarchical_regression,
    logistic_regression,
    ordinal_regression,
)

__all__: list[str] = [
    "CorrelationTable",
    "Crosstab",
    "Description",
    "Frequencies",
    "GroupComparison",
    "HierarchicalRegression",
    "LogitRegression",
    "compare_groups",
    "correlation_table",
    "crosstab",
    "describe",
    "frequencies",
    "hierarchical_regression",
    "logistic_regression",
    "ordinal_regression",
    "significance_stars",
]
