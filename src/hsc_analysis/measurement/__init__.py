"""Measurement quality: reliability (α, ω, item analysis), polychoric correlations and exploratory factor analysis.

Each function takes a respondent × item DataFrame first and an explicit ``nan_policy``; results are tidy
DataFrames or frozen dataclasses with ``.to_frame()``. Numbers are checked against R psych 2.2.9
(tests/reference/measurement_reliability.R).
"""

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
from hsc_analysis.measurement.polychoric import polychoric
from hsc_analysis.measurement.reliability import (
    AlphaResult,
    OmegaResult,
    cronbach_alpha,
    item_analysis,
    item_table,
    mcdonald_omega,
    reliability,
)

__all__ = [
    "AlphaResult",
    "BartlettResult",
    "EFAResult",
    "HarmanResult",
    "KMOResult",
    "OmegaResult",
    "ParallelResult",
    "bartlett_sphericity",
    "cronbach_alpha",
    "efa",
    "harman_single_factor",
    "item_analysis",
    "item_table",
    "kmo",
    "mcdonald_omega",
    "parallel_analysis",
    "polychoric",
    "reliability",
]
