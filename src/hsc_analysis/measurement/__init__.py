"""Measurement quality: CFA, validity and invariance (this half); reliability and EFA live beside them."""

from hsc_analysis.measurement.cfa import CFAResult, cfa, instrument_model
from hsc_analysis.measurement.invariance import measurement_invariance
from hsc_analysis.measurement.summary import ValidityReport, validity_report
from hsc_analysis.measurement.syntax import ModelSyntaxError, parse_model
from hsc_analysis.measurement.validity import average_variance_extracted, composite_reliability, fornell_larcker, htmt

__all__ = [
    "CFAResult",
    "ModelSyntaxError",
    "ValidityReport",
    "average_variance_extracted",
    "cfa",
    "composite_reliability",
    "fornell_larcker",
    "htmt",
    "instrument_model",
    "measurement_invariance",
    "parse_model",
    "validity_report",
]
