"""Measurement quality: CFA, validity and invariance (this half); reliability and EFA live beside them."""

from hsc_analysis.measurement.cfa import CFAResult, cfa
from hsc_analysis.measurement.syntax import parse_model

__all__ = ["CFAResult", "cfa", "parse_model"]
