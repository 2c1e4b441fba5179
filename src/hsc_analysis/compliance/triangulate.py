"""Survey–log triangulation: parents' factual answers against the log, teachers' self-reported visits against logged
visits, and the class compliance index as a class-level predictor."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.compliance.audit import ComplianceAudit
from hsc_analysis.compliance.schema import ActivityLogs, positions
from hsc_analysis.errors import DataError, InputError

__all__ = [
    "KappaResult",
    "VisitInflation",
    "class_compliance_predictor",
    "cohen_kappa",
    "parent_log_agreement",
    "teacher_visit_inflation",
]

COUNT_CATEGORIES = 3
"""Counts (meetings, guidance sessions) are compared in the categories 0, 1, 2 and 3 or more."""


@dataclass(frozen=True)
class KappaResult:
    """Cohen's κ of two ratings of the same units, with its asymptotic SE and confidence interval."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    agreement: float
    expected_agreement: float
    n: int
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def cohen_kappa(rater_a, rater_b, *, confidence: float = 0.95) -> KappaResult:
    """Cohen's (unweighted) κ of two ratings, pairs with a missing rating dropped (``n`` counts the pairs used).

    Notes
    -----
    With p_ij the cross-table of proportions, row and column margins p_i. and p_.j, p_o = Σ p_ii and
    p_e = Σ p_i. p_.i: κ = (p_o − p_e) / (1 − p_e). The variance is the large-sample one of Fleiss, Cohen & Everitt
    (1969), the ASE of SAS PROC FREQ:

    Var(κ) = [Σ p_ii (1 − (p_i. + p_.i)(1 − κ))² + (1 − κ)² Σ_{i≠j} p_ij (p_.i + p_j.)² − (κ − p_e(1 − κ))²]
    / ((1 − p_e)² n),

    and the interval κ ± z SE. Matches statsmodels ``cohens_kappa`` 0.15 (κ and SE) and R psych::cohen.kappa
    2.2.9 (κ and confidence boundaries) to 1e-12 on vcd's SexualFun table.

    Examples
    --------
    >>> round(cohen_kappa([1, 1, 2, 2, 2], [1, 2, 2, 2, 2]).estimate, 4)
    0.5455
    """
    a, b = pd.Series(np.asarray(rater_a, dtype=object)), pd.Series(np.asarray(rater_b, dtype=object))
    if len(a) != len(b):
        raise InputError(f"cohen_kappa: rater_a has {len(a)} ratings and rater_b {len(b)}; they must pair up")
    keep = a.notna() & b.notna()
    a, b = a[keep], b[keep]
    n = len(a)
    if n == 0:
        raise DataError("cohen_kappa: no pair with both ratings present")
    categories = pd.Index(pd.unique(pd.concat([a, b]).to_numpy()))
    table = np.zeros((len(categories), len(categories)))
    np.add.at(table, (categories.get_indexer(a), categories.get_indexer(b)), 1)
    p = table / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    p_o, p_e = np.trace(p), float(row @ col)
    if p_e == 1:
        nan = float("nan")
        return KappaResult(nan, nan, nan, nan, p_o, p_e, n, confidence)
    kappa = (p_o - p_e) / (1 - p_e)
    term_a = np.sum(np.diag(p) * (1 - (row + col) * (1 - kappa)) ** 2)
    off = p * (col[:, None] + row[None, :]) ** 2
    np.fill_diagonal(off, 0)
    term_b = (1 - kappa) ** 2 * off.sum()
    term_c = (kappa - p_e * (1 - kappa)) ** 2
    se = float(np.sqrt(max(term_a + term_b - term_c, 0.0) / ((1 - p_e) ** 2 * n)))
    z = stats.norm.ppf(0.5 + confidence / 2)
    return KappaResult(float(kappa), se, float(kappa - z * se), float(kappa + z * se), float(p_o), p_e, n, confidence)


def parent_log_agreement(
    answers: pd.DataFrame,
    logs: ActivityLogs,
    *,
    school_year: str,
    term_id: str,
    as_of: str | pd.Timestamp | None = None,
    student: str = "student_id",
    exclude: Collection[str] = (),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Parents' factual answers against the log for the same child: agreement and Cohen's κ per item.

    Parameters
    ----------
    answers
        One row per parent: the child's ``student`` id and any of ``fx_home_visit`` (1 yes, 2 no, 3 don't
        remember), ``fx_parent_meetings`` and ``fx_guidance_sessions`` (counts this semester).
    logs
        Validated logs; invalid events and ``exclude`` are not counted.
    school_year, term_id
        The reference periods of the questions ("this school year", "this semester").
    as_of
        Only events up to this date count (the survey date); None: the whole period.

    Returns
    -------
    DataFrame
        One row per item: ``item, log_basis, n_answered, n_dont_remember, n_unlinked, n`` (pairs compared),
        ``agreement, kappa, se, ci_low, ci_high, confidence, report_mean, log_mean``. The home-visit item is
        compared as yes/no with an in-person home visit logged for the child; counts as 0, 1, 2, 3+ with the
        meetings the family attended (``event_student``) and the guidance sessions offered to the child's class
        (``event_class``; family attendance when the log records it). "Don't remember", a blank answer and a
        child not in the student table are left out and counted.
    """
    if student not in answers.columns:
        raise DataError(f"parent_log_agreement: no column '{student}' linking parents to students")
    events = _counted(logs, exclude, as_of)
    terms = logs.tables["term"]
    in_year = events["term_id"].isin(terms.loc[terms["school_year"] == school_year, "term_id"])
    in_term = events["term_id"] == term_id
    children = answers[student].astype(str)
    known = pd.Series(positions(children, logs.tables["student"]["student_id"]) >= 0, index=answers.index)
    visited = _per_student(logs, events[in_year & _is(events, "home_visit", in_person=True)], children)
    attended = _per_student(logs, events[in_term & _is(events, "parent_meeting")], children)
    guidance = events[in_term & _is(events, "family_guidance")]
    guidance_attended = bool((positions(logs.tables["event_student"]["event_id"], guidance["event_id"]) >= 0).any())
    if guidance_attended:
        offered, guidance_basis = _per_student(logs, guidance, children), "family attended (event_student)"
    else:
        offered, guidance_basis = _per_class(logs, guidance, children), "offered to the class (event_class)"
    items = {
        "fx_home_visit": (visited > 0, "in-person home visit to the child this school year"),
        "fx_parent_meetings": (attended, "parent meetings the family attended this term"),
        "fx_guidance_sessions": (offered, f"guidance sessions {guidance_basis} this term"),
    }
    rows = []
    for item, (logged, basis) in items.items():
        if item not in answers.columns:
            continue
        reported = pd.to_numeric(answers[item], errors="coerce")
        if item == "fx_home_visit":
            dont = reported == 3
            report_value = reported.map({1: True, 2: False})
            log_value = pd.Series(logged, index=answers.index)
        else:
            dont = pd.Series(False, index=answers.index)
            report_value = reported.clip(upper=COUNT_CATEGORIES)
            log_value = pd.Series(np.minimum(logged, COUNT_CATEGORIES), index=answers.index)
        use = known & report_value.notna()
        kappa = cohen_kappa(report_value[use].astype(float), log_value[use].astype(float), confidence=confidence)
        rows.append(
            {
                "item": item,
                "log_basis": basis,
                "n_answered": int(reported.notna().sum()),
                "n_dont_remember": int(dont.sum()),
                "n_unlinked": int((~known & report_value.notna()).sum()),
                "n": kappa.n,
                "agreement": kappa.agreement,
                "kappa": kappa.estimate,
                "se": kappa.se,
                "ci_low": kappa.ci_low,
                "ci_high": kappa.ci_high,
                "confidence": confidence,
                "report_mean": float(report_value[use].astype(float).mean()),
                "log_mean": float(log_value[use].astype(float).mean()),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class VisitInflation:
    """Teachers' reported home visits against those logged with them as organiser."""

    teachers: pd.DataFrame
    n: int
    reported: int
    logged: int
    inflation_ratio: float
    median_ratio: float
    share_over_reporting: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "n": self.n,
                    "reported": self.reported,
                    "logged": self.logged,
                    "inflation_ratio": self.inflation_ratio,
                    "median_ratio": self.median_ratio,
                    "share_over_reporting": self.share_over_reporting,
                }
            ]
        )


def teacher_visit_inflation(
    answers: pd.DataFrame,
    logs: ActivityLogs,
    *,
    school_year: str,
    staff: str = "staff_id",
    column: str = "tx_home_visits",
    as_of: str | pd.Timestamp | None = None,
    exclude: Collection[str] = (),
) -> VisitInflation:
    """Self-reported in-person home visits this school year against the visits logged with the teacher as organiser.

    Notes
    -----
    Teachers with a missing answer or an id not in the staff table (when there is one) are left out; ``n`` counts
    the teachers compared. inflation ratio = Σ reported / Σ logged; the median of reported / logged is over teachers
    with at least one logged visit; over-reporting is reported > logged.
    """
    for name in (staff, column):
        if name not in answers.columns:
            raise DataError(f"teacher_visit_inflation: no column '{name}' in the teacher answers")
    events = _counted(logs, exclude, as_of)
    terms = logs.tables["term"]
    in_year = events["term_id"].isin(terms.loc[terms["school_year"] == school_year, "term_id"])
    visits = events[in_year & _is(events, "home_visit", in_person=True)]
    per_teacher = visits.groupby("organiser_staff_id").size()
    reported = pd.to_numeric(answers[column], errors="coerce")
    ids = answers[staff].astype(str)
    use = reported.notna()
    if "staff" in logs.tables:
        use &= positions(ids, logs.tables["staff"]["staff_id"]) >= 0
    teachers = pd.DataFrame(
        {
            "staff_id": ids[use].to_numpy(),
            "reported": reported[use].to_numpy(),
            "logged": per_teacher.reindex(ids[use]).fillna(0).to_numpy().astype(np.int64),
        }
    )
    logged = teachers["logged"].to_numpy()
    ratio = np.divide(teachers["reported"].to_numpy(), logged, out=np.full(len(logged), np.nan), where=logged > 0)
    teachers["ratio"] = ratio
    total_logged = int(logged.sum())
    return VisitInflation(
        teachers=teachers,
        n=len(teachers),
        reported=int(teachers["reported"].sum()),
        logged=total_logged,
        inflation_ratio=teachers["reported"].sum() / total_logged if total_logged else np.nan,
        median_ratio=float(np.nanmedian(ratio)) if np.isfinite(ratio).any() else np.nan,
        share_over_reporting=float((teachers["reported"] > teachers["logged"]).mean()) if len(teachers) else np.nan,
    )


def class_compliance_predictor(result: ComplianceAudit, *, school_year: str) -> pd.DataFrame:
    """The class compliance index of one school year as a class-level (level-2) variable.

    Returns ``class_id, school_id, n_rules, cci_strict, cci_graded`` and their z-scores across classes
    (``cci_strict_z``, ``cci_graded_z``; population SD, 0 when every class has the same index), one row per class,
    ready to merge onto respondents by class for a multilevel model.
    """
    cci = result.cci[result.cci["school_year"] == school_year].drop(columns="school_year").reset_index(drop=True)
    if not len(cci):
        years = ", ".join(map(str, result.cci["school_year"].unique()))
        raise InputError(f"class_compliance_predictor: school_year {school_year!r} not in the audit; allowed: {years}")
    for name in ("cci_strict", "cci_graded"):
        sd = cci[name].std(ddof=0)
        cci[f"{name}_z"] = (cci[name] - cci[name].mean()) / sd if sd > 0 else 0.0
    return cci


# --- helpers ----------------------------------------------------------------------------------------------------


def _counted(logs: ActivityLogs, exclude: Collection[str], as_of) -> pd.DataFrame:
    excluded = positions(logs.events["event_id"], pd.Series(list(exclude), dtype="str")) >= 0
    events = logs.events[logs.events["valid"].to_numpy() & ~excluded]
    if as_of is not None:
        events = events[events["date"] <= pd.Timestamp(as_of)]
    return events


def _is(events: pd.DataFrame, kind: str, *, in_person: bool = False) -> pd.Series:
    mask = events["activity_type"] == kind
    return mask & (events["mode"] == "in_person") if in_person else mask


def _per_student(logs: ActivityLogs, events: pd.DataFrame, children: pd.Series) -> np.ndarray:
    links = logs.tables["event_student"]
    counts = links.loc[positions(links["event_id"], events["event_id"]) >= 0, "student_id"].value_counts()
    return counts.reindex(children).fillna(0).to_numpy().astype(np.int64)


def _per_class(logs: ActivityLogs, events: pd.DataFrame, children: pd.Series) -> np.ndarray:
    links = logs.tables["event_class"].drop_duplicates()
    counts = links.loc[positions(links["event_id"], events["event_id"]) >= 0, "class_id"].value_counts()
    class_of = logs.tables["student"].set_index("student_id")["class_id"]
    return counts.reindex(class_of.reindex(children)).fillna(0).to_numpy().astype(np.int64)
