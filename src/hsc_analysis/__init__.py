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
    "CorrelationTable": "hsc_analysis.findings",
    "Crosstab": "hsc_analysis.findings",
    "Description": "hsc_analysis.findings",
    "Frequencies": "hsc_analysis.findings",
    "GroupComparison": "hsc_analysis.findings",
    "HierarchicalRegression": "hsc_analysis.findings",
    "LogitRegression": "hsc_analysis.findings",
    "compare_groups": "hsc_analysis.findings",
    "correlation_table": "hsc_analysis.findings",
    "crosstab": "hsc_analysis.findings",
    "describe": "hsc_analysis.findings",
    "frequencies": "hsc_analysis.findings",
    "hierarchical_regression": "hsc_analysis.findings",
    "logistic_regression": "hsc_analysis.findings",
    "ordinal_regression": "hsc_analysis.findings",
    "significance_stars": "hsc_analysis.findings",
    "ActivityLogs": "hsc_analysis.compliance",
    "ComplianceAudit": "hsc_analysis.compliance",
    "PaperFlags": "hsc_analysis.compliance",
    "RuleSet": "hsc_analysis.compliance",
    "StudyCompliance": "hsc_analysis.compliance",
    "audit": "hsc_analysis.compliance",
    "class_compliance_predictor": "hsc_analysis.compliance",
    "cohen_kappa": "hsc_analysis.compliance",
    "flag_recovery": "hsc_analysis.compliance",
    "load_rules": "hsc_analysis.compliance",
    "paper_compliance_flags": "hsc_analysis.compliance",
    "parent_log_agreement": "hsc_analysis.compliance",
    "read_logs": "hsc_analysis.compliance",
    "read_study_logs": "hsc_analysis.compliance",
    "study_compliance": "hsc_analysis.compliance",
    "teacher_visit_inflation": "hsc_analysis.compliance",
    "read_responses": "hsc_analysis.io",
    "read_table": "hsc_analysis.io",
    "write_table": "hsc_analysis.io",
    "MediationResult": "hsc_analysis.findings",
    "ModeratedMediationResult": "hsc_analysis.findings",
    "ModerationResult": "hsc_analysis.findings",
    "mediation": "hsc_analysis.findings",
    "moderated_mediation": "hsc_analysis.findings",
    "moderation": "hsc_analysis.findings",
    "CFAResult": "hsc_analysis.measurement",
    "average_variance_extracted": "hsc_analysis.measurement",
    "bartlett_sphericity": "hsc_analysis.measurement",
    "cfa": "hsc_analysis.measurement",
    "composite_reliability": "hsc_analysis.measurement",
    "cronbach_alpha": "hsc_analysis.measurement",
    "efa": "hsc_analysis.measurement",
    "fornell_larcker": "hsc_analysis.measurement",
    "harman_single_factor": "hsc_analysis.measurement",
    "htmt": "hsc_analysis.measurement",
    "item_analysis": "hsc_analysis.measurement",
    "item_table": "hsc_analysis.measurement",
    "kmo": "hsc_analysis.measurement",
    "mcdonald_omega": "hsc_analysis.measurement",
    "measurement_invariance": "hsc_analysis.measurement",
    "parallel_analysis": "hsc_analysis.measurement",
    "polychoric": "hsc_analysis.measurement",
    "reliability": "hsc_analysis.measurement",
    "measurement_summary": "hsc_analysis.measurement",
    "validity_report": "hsc_analysis.measurement",
    "IccResult": "hsc_analysis.findings",
    "MultilevelResult": "hsc_analysis.findings",
    "RwgResult": "hsc_analysis.findings",
    "GapResult": "hsc_analysis.findings",
    "perception_gap": "hsc_analysis.findings",
    "icc": "hsc_analysis.findings",
    "multilevel": "hsc_analysis.findings",
    "rwg": "hsc_analysis.findings",
    "ScaleScores": "hsc_analysis.scoring",
    "key_items": "hsc_analysis.scoring",
    "reverse_code": "hsc_analysis.scoring",
    "score_scales": "hsc_analysis.scoring",
    "ScreeningResult": "hsc_analysis.screening",
    "ScreeningRules": "hsc_analysis.screening",
    "careless_indices": "hsc_analysis.screening",
    "screen": "hsc_analysis.screening",
    "SimulatedStudy": "hsc_analysis.simulate",
    "simulate_study": "hsc_analysis.simulate",
    "write_study": "hsc_analysis.simulate",
    "district_study": "hsc_analysis.notebooks",
    "example_study": "hsc_analysis.notebooks",
    "open_study": "hsc_analysis.notebooks",
    "study_dataset": "hsc_analysis.notebooks",
    "write_report": "hsc_analysis.report",
    "load_study": "hsc_analysis.study",
    "run_study": "hsc_analysis.study",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'hsc_analysis' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted(__all__)
