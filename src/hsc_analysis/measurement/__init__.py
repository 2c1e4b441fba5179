"""Measurement quality: reliability (α, ω, item analysis), polychoric correlations, exploratory and confirmatory
factor analysis, convergent and discriminant validity (CR, AVE, Fornell–Larcker, HTMT) and measurement invariance.

Each function takes a respondent × item DataFrame first and an explicit ``nan_policy`` or estimator; results are tidy
DataFrames or frozen dataclasses with ``.to_frame()``. Numbers are checked against R psych 2.2.9, lavaan 0.6-14 and
semTools 0.5.6 (tests/reference/measurement_*.R).
"""

from hsc_analysis.measurement.confirmatory import CFAResult, cfa, instrument_model
from hsc_analysis.measurement.factor import (
    BartlettResult,
    EFAResult,
    HarmanResult,
    KMOResult,
    ParallelResult,
    bartlett_sphericity,
    efa,
    harman_single_factor,
    kmo,
    parallel_analysis,
)
from hsc_analysis.measurement.invariance import measurement_invariance
from hsc_analysis.measurement.polychoric import polychoric
from hsc_analysis.measurement.reliability import (
    AlphaResult,
    ExtremeGroups,
    OmegaResult,
    cronbach_alpha,
    extreme_cuts,
    item_analysis,
    item_table,
    item_table_of_moments,
    mcdonald_omega,
    reliability,
    reliability_of_moments,
    total_counts,
)
from hsc_analysis.measurement.summary import (
    ExploratorySummary,
    MeasurementSummary,
    ValidityReport,
    exploratory_summary,
    measurement_summary,
    validity_report,
)
from hsc_analysis.measurement.syntax import ModelSyntaxError, parse_model
from hsc_analysis.measurement.validity import average_variance_extracted, composite_reliability, fornell_larcker, htmt

__all__ = [
    "AlphaResult",
    "BartlettResult",
    "CFAResult",
    "EFAResult",
    "ExploratorySummary",
    "ExtremeGroups",
    "HarmanResult",
    "KMOResult",
    "MeasurementSummary",
    "ModelSyntaxError",
    "OmegaResult",
    "ParallelResult",
    "ValidityReport",
    "average_variance_extracted",
    "bartlett_sphericity",
    "cfa",
    "composite_reliability",
    "cronbach_alpha",
    "efa",
    "exploratory_summary",
    "extreme_cuts",
    "fornell_larcker",
    "harman_single_factor",
    "htmt",
    "instrument_model",
    "item_analysis",
    "item_table",
    "item_table_of_moments",
    "kmo",
    "mcdonald_omega",
    "measurement_invariance",
    "measurement_summary",
    "parallel_analysis",
    "parse_model",
    "polychoric",
    "reliability",
    "reliability_of_moments",
    "total_counts",
    "validity_report",
]
