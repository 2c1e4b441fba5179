"""Policy compliance from activity logs: log tables, rule sets as data, audits, paper-compliance flags, triangulation.

Typical use::

    logs = read_study_logs(load_study("data/example/study.yaml"))
    result = audit(logs, rules=load_rules("fengnan_2025"))
    result.classes        # per class × rule × period: count, required, rate, met, shortfall
"""

from hsc_analysis.compliance.audit import ComplianceAudit, audit
from hsc_analysis.compliance.flags import FLAGS, FlagRecovery, PaperFlags, flag_recovery, paper_compliance_flags
from hsc_analysis.compliance.rules import BUNDLED_RULE_SETS, Rule, RuleSet, RuleSetError, load_rules
from hsc_analysis.compliance.schema import ACTIVITY_TYPES, MODES, TABLES, ActivityLogs, read_logs, validate_logs
from hsc_analysis.compliance.study import (
    StudyCompliance,
    read_study_logs,
    study_compliance,
    study_compliances,
    study_rule_sets,
)
from hsc_analysis.compliance.triangulate import (
    KappaResult,
    VisitInflation,
    class_compliance_predictor,
    cohen_kappa,
    parent_log_agreement,
    teacher_visit_inflation,
)

__all__ = [
    "ACTIVITY_TYPES",
    "BUNDLED_RULE_SETS",
    "FLAGS",
    "MODES",
    "TABLES",
    "ActivityLogs",
    "ComplianceAudit",
    "FlagRecovery",
    "KappaResult",
    "PaperFlags",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "StudyCompliance",
    "VisitInflation",
    "audit",
    "class_compliance_predictor",
    "cohen_kappa",
    "flag_recovery",
    "load_rules",
    "paper_compliance_flags",
    "parent_log_agreement",
    "read_logs",
    "read_study_logs",
    "study_compliance",
    "study_compliances",
    "study_rule_sets",
    "teacher_visit_inflation",
    "validate_logs",
]
