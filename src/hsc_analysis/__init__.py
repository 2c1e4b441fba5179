"""hsc_analysis: survey studies of home–school(–community) cooperation, from raw export to report.

The public API is re-exported here, each name from the module of its stage (see the README's layout). The
re-exports load on first use (PEP 562), so that ``hsc --help`` does not import pandas.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "DataError": "hsc_analysis.errors",
    "InputError": "hsc_analysis.errors",
    "InstrumentError": "hsc_analysis.errors",
    "Instrument": "hsc_analysis.instruments",
    "load_instrument": "hsc_analysis.instruments",
    "read_table": "hsc_analysis.io",
    "CFAResult": "hsc_analysis.measurement",
    "average_variance_extracted": "hsc_analysis.measurement",
    "cfa": "hsc_analysis.measurement",
    "composite_reliability": "hsc_analysis.measurement",
    "fornell_larcker": "hsc_analysis.measurement",
    "htmt": "hsc_analysis.measurement",
    "measurement_invariance": "hsc_analysis.measurement",
    "validity_report": "hsc_analysis.measurement",
    "write_table": "hsc_analysis.io",
    "ScaleScores": "hsc_analysis.scoring",
    "key_items": "hsc_analysis.scoring",
    "reverse_code": "hsc_analysis.scoring",
    "score_scales": "hsc_analysis.scoring",
    "load_study": "hsc_analysis.study",
    "write_report": "hsc_analysis.study",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hsc_analysis' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
