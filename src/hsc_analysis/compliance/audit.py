"""Compliance of students, classes, communities and schools with a rule set, counted from validated activity logs.

Every count is a group-by over events (joined to students and classes by position, never a loop over units), so a
province's log of ten million events is audited in seconds.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hsc_analysis.compliance.rules import Rule, RuleSet
from hsc_analysis.compliance.schema import ActivityLogs, positions
from hsc_analysis.errors import DataError

__all__ = ["ComplianceAudit", "audit"]


@dataclass(frozen=True)
class ComplianceAudit:
    """The audit of one log against one rule set.

    Attributes
    ----------
    students
        Student rules, one row per eligible student × rule × period: ``rule_id, student_id, class_id, school_id,
        period, count`` (qualifying visits), ``min_count, met``.
    classes
        One row per class × rule × period: ``count`` against ``required`` — for class rules the distinct qualifying
        events linked to the class against ``min_count``; for student rules the eligible students who met the rule
        against the eligible students (so ``rate`` is the coverage) — ``rate = min(1, count / required)``,
        ``met = count ≥ required``, ``shortfall = max(0, required − count)``. A student rule with no eligible
        student in a class is not applicable there (no row).
    communities
        Community rules per community × calendar year, with ``share_of_year_logged`` (the log's terms may cover only
        part of the first and last year).
    schools
        Per school × rule × period: for count rules the share of classes meeting the rule (``n_units``,
        ``n_met``, ``share_met``); for structural rules (evaluated at the log's last term) ``required``,
        ``present``, ``met`` and a ``detail``; ``met`` is empty when the log holds no data for the check.
    targets
        Target rules over a county table: ``n_units`` (counties), ``count`` (dated on or before the rule's date,
        ``period``), ``share = count / n_units``, ``target_share``, ``met = count ≥ ⌈target_share · n_units⌉``,
        ``shortfall`` (counties still needed) and ``latest_date``, the table's latest date: when the rule's date lies
        after it, the count is progress so far, not the verdict at the deadline.
    cci
        Class compliance index per class × school year: ``n_rules`` applicable, ``cci_strict`` (mean over rules of
        the share of the rule's periods met) and ``cci_graded`` (the same with capped rates instead of met flags).
    accounting
        ``step, n``: events read = events invalid + events excluded (``exclude``) + events counted; then, per
        count rule, the counted events that qualify under it.
    periods
        Every period of the log in time order (``period, kind`` — term or school_year — ``school_year, start,
        end``), for placing results on a time axis.
    """

    rule_set: RuleSet
    students: pd.DataFrame
    classes: pd.DataFrame
    communities: pd.DataFrame
    schools: pd.DataFrame
    targets: pd.DataFrame
    cci: pd.DataFrame
    accounting: pd.DataFrame
    excluded: str
    periods: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_PERIOD_COLUMNS))

    def share_met(self) -> pd.DataFrame:
        """Per count rule and period, the share of classes meeting the rule over all schools (rules × periods)."""
        counted = self.schools[self.schools["kind"] == "count"]
        if not len(counted):
            return pd.DataFrame()
        table = counted.pivot_table(index="rule_id", columns="period", values=["n_met", "n_units"], aggfunc="sum")
        order = pd.unique(counted["rule_id"])
        return (table["n_met"] / table["n_units"]).reindex(order)

    def by_period(self) -> pd.DataFrame:
        """Per count rule and period over all classes, in the order of the rule set and of time.

        Columns ``rule_id, rule_unit, period, school_year, start, end, n_classes, n_met, share_met, mean_rate``
        and, for student rules, ``n_students`` (eligible) and ``n_students_met``, so that
        ``coverage = n_students_met / n_students`` is the share of eligible students whose visits met the rule;
        for class rules ``coverage`` is ``mean_rate`` (the mean over classes of min(1, count / required)).
        """
        columns = ["rule_id", "rule_unit", "period", "school_year", "start", "end", "n_classes", "n_met"]
        columns += ["share_met", "mean_rate", "n_students", "n_students_met", "coverage"]
        if not len(self.classes):
            return pd.DataFrame(columns=columns)
        classes = self.classes.assign(met=self.classes["met"].astype(np.int64))
        grouped = classes.groupby(["rule_id", "rule_unit", "period", "school_year"], sort=False)
        out = grouped.agg(
            n_classes=("met", "size"),
            n_met=("met", "sum"),
            mean_rate=("rate", "mean"),
            count=("count", "sum"),
            required=("required", "sum"),
        ).reset_index()
        out["share_met"] = out["n_met"] / out["n_classes"]
        student = out["rule_unit"] == "student"
        out["n_students"] = out["required"].where(student).astype("Int64")
        out["n_students_met"] = out["count"].where(student).astype("Int64")
        out["coverage"] = np.where(student, out["count"] / out["required"].where(student, 1), out["mean_rate"])
        spans = self.periods.set_index("period")[["start", "end"]]
        out = out.join(spans, on="period")
        order = {rule.id: i for i, rule in enumerate(self.rule_set.rules)}
        out = out.sort_values(["rule_id", "start"], key=lambda c: c.map(order) if c.name == "rule_id" else c)
        return out.reset_index(drop=True)[columns]

    def rate_matrix(self) -> pd.DataFrame:
        """Classes × "rule period" columns of capped rates (1 = met), for a rule × class shortfall heat map."""
        if not len(self.classes):
            return pd.DataFrame()
        column = self.classes["rule_id"] + " " + self.classes["period"].astype(str)
        table = self.classes.assign(column=column).pivot_table(index="class_id", columns="column", values="rate")
        return table[pd.unique(column)]

    def to_frame(self) -> pd.DataFrame:
        """Classes, communities, schools and targets in one long table with a ``level`` column."""
        parts = [
            self.classes.assign(level="class", unit_id=self.classes["class_id"]),
            self.communities.assign(level="community", unit_id=self.communities["community_id"]),
            self.schools.assign(level="school", unit_id=self.schools["school_id"]),
            self.targets.assign(level="county_target", unit_id="all"),
        ]
        columns = ["rule_set", "level", "rule_id", "unit_id", "period", "count", "required", "rate", "met"]
        frames = [p.reindex(columns=columns[2:]).assign(level=p["level"]) for p in parts if len(p)]
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True).assign(rule_set=self.rule_set.id)[columns]


def audit(logs: ActivityLogs, *, rules: RuleSet, exclude: Collection[str] = (), excluded: str = "") -> ComplianceAudit:
    """Audit a validated log against a rule set.

    Parameters
    ----------
    logs
        From :func:`~hsc_analysis.compliance.read_logs` or :func:`~hsc_analysis.compliance.validate_logs`;
        invalid events are never counted.
    rules
        From :func:`~hsc_analysis.compliance.load_rules`.
    exclude
        Event ids not to count (for example those flagged by
        :func:`~hsc_analysis.compliance.paper_compliance_flags`); they appear in ``accounting``.
    excluded
        What ``exclude`` holds, in words, for the accounting table (e.g. "flagged as paper compliance").

    Notes
    -----
    An event qualifies for a count rule when its activity type matches, its mode is allowed, it is verified (if
    the rule says ``verified_only``) and its organiser's role is allowed (if the rule lists ``organiser_roles``;
    roles come from the staff table). Periods: a term (semester), the terms of a school year, or a calendar year.

    - Student rule (home visits), class *c*, year *y*: a student is eligible when enrolled in *c* for at least
      ``min_enrolled_days`` days of *y* and in the rule's population; coverage = share of eligible students with
      at least ``min_count`` qualifying visits; met only at coverage 1.
    - Class rule, class *c*, period *t*: count = distinct qualifying events linked to *c* by ``event_class``;
      rate = min(1, count / m), met = count ≥ m, shortfall = max(0, m − count).
    - CCI(*c*, *y*) = mean over applicable rules *r* of mean over the periods of *r* in *y* of met (strict) or of
      rate (graded).

    Examples
    --------
    >>> from hsc_analysis.compliance import load_rules, read_study_logs
    >>> from hsc_analysis.study import load_study
    >>> logs = read_study_logs(load_study("data/example/study.yaml"))
    >>> result = audit(logs, rules=load_rules("fengnan_2025"))
    >>> steps = result.accounting.set_index("step")["n"]
    >>> int(steps["events read"]) == int(steps["events invalid"] + steps["events excluded"] + steps["events counted"])
    True
    """
    tables = logs.tables
    if "term" not in tables:
        needs = [r.id for r in rules.rules if r.kind != "target"]
        if needs:
            raise DataError(
                f"rule(s) {', '.join(needs)} of {rules.id} need the school logs; this log has only {', '.join(tables)}"
            )
        return _targets_only(logs, rules)
    events = logs.events
    excluded_mask = np.zeros(len(events), dtype=bool)
    if len(exclude):
        hit = positions(events["event_id"], pd.Series(list(exclude), dtype="str")) >= 0
        excluded_mask = hit & events["valid"].to_numpy()
    counted = events["valid"].to_numpy() & ~excluded_mask
    frame = _Frame(tables, counted)
    student_rows, class_rows, community_rows, qualifying = [], [], [], []
    for rule in rules.of_kind("count"):
        mask = frame.qualifies(rule)
        qualifying.append((rule.id, int(mask.sum())))
        if rule.unit == "student":
            students, classes = frame.student_rule(rule, mask)
            student_rows.append(students)
            class_rows.append(classes)
        elif rule.unit == "class":
            class_rows.append(frame.class_rule(rule, mask))
        else:
            community_rows.append(frame.community_rule(rule, mask))
    classes = _concat(class_rows, _CLASS_COLUMNS)
    schools = pd.concat(
        [_share_of_classes(classes), *(frame.structural(rule) for rule in rules.of_kind("structural"))],
        ignore_index=True,
    )
    accounting = pd.DataFrame(
        [
            ("events read", logs.n_events_read),
            ("events invalid", logs.n_events_invalid),
            ("events excluded", int(excluded_mask.sum())),
            ("events counted", int(counted.sum())),
            *((f"qualifying for {rule_id}", n) for rule_id, n in qualifying),
        ],
        columns=["step", "n"],
    )
    return ComplianceAudit(
        rule_set=rules,
        students=_concat(student_rows, _STUDENT_COLUMNS),
        classes=classes,
        communities=_concat(community_rows, _COMMUNITY_COLUMNS),
        schools=schools,
        targets=_concat([_target(tables, rule) for rule in rules.of_kind("target")], _TARGET_COLUMNS),
        cci=_cci(classes, frame.class_table),
        accounting=accounting,
        excluded=excluded,
        periods=_periods(frame.terms),
    )


_PERIOD_COLUMNS = ["period", "kind", "school_year", "start", "end"]


def _periods(terms: pd.DataFrame) -> pd.DataFrame:
    """Terms and school years as periods with their first and last day, in time order."""
    terms = terms.sort_values("start_date", kind="stable")
    years = terms.groupby("school_year", sort=False).agg(start=("start_date", "min"), end=("end_date", "max"))
    parts = [
        pd.DataFrame(
            {
                "period": terms["term_id"].astype(str).to_numpy(),
                "kind": "term",
                "school_year": terms["school_year"].astype(str).to_numpy(),
                "start": terms["start_date"].to_numpy(),
                "end": terms["end_date"].to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "period": years.index.astype(str),
                "kind": "school_year",
                "school_year": years.index.astype(str),
                "start": years["start"].to_numpy(),
                "end": years["end"].to_numpy(),
            }
        ),
    ]
    return pd.concat(parts, ignore_index=True).sort_values(["start", "kind"], kind="stable").reset_index(drop=True)


def _targets_only(logs: ActivityLogs, rules: RuleSet) -> ComplianceAudit:
    empty = pd.DataFrame(columns=_CLASS_COLUMNS)
    return ComplianceAudit(
        rule_set=rules,
        students=pd.DataFrame(columns=_STUDENT_COLUMNS),
        classes=empty,
        communities=pd.DataFrame(columns=_COMMUNITY_COLUMNS),
        schools=_share_of_classes(empty),
        targets=_concat([_target(logs.tables, rule) for rule in rules.rules], _TARGET_COLUMNS),
        cci=_cci(empty, pd.DataFrame(columns=["class_id", "school_id"])),
        accounting=pd.DataFrame([("events read", 0)], columns=["step", "n"]),
        excluded="",
    )


_STUDENT_COLUMNS = ["rule_id", "student_id", "class_id", "school_id", "period", "count", "min_count", "met"]
_CLASS_COLUMNS = [
    "rule_id",
    "rule_unit",
    "class_id",
    "school_id",
    "period",
    "school_year",
    "count",
    "required",
    "rate",
    "met",
    "shortfall",
]
_COMMUNITY_COLUMNS = [
    "rule_id",
    "community_id",
    "period",
    "count",
    "required",
    "rate",
    "met",
    "shortfall",
    "share_of_year_logged",
]
_TARGET_COLUMNS = [
    "rule_id",
    "period",
    "n_units",
    "count",
    "share",
    "target_share",
    "met",
    "shortfall",
    "latest_date",
]


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


class _Frame:
    """Positions of events, classes and students in each other's tables, computed once per audit."""

    def __init__(self, tables: dict[str, pd.DataFrame], counted: np.ndarray) -> None:
        self.tables, self.events, self.counted = tables, tables["event"], counted
        self.terms = tables["term"].reset_index(drop=True)
        self.term_order = np.argsort(self.terms["start_date"].to_numpy(), kind="stable")
        self.class_table = tables["class"].reset_index(drop=True)
        self.student_table = tables["student"].reset_index(drop=True)
        self.term_pos = self.events["term_pos"].to_numpy()
        self.year_of_term = self.terms["school_year"].to_numpy(dtype=object)
        links = tables["event_class"]
        self.link_event, self.link_class = links["event_pos"].to_numpy(), links["class_pos"].to_numpy()
        keep = (self.link_event >= 0) & (self.link_class >= 0)
        # distinct (event, class) links, once for every rule: a repeated link counts once
        pair = pd.unique(self.link_event[keep].astype(np.int64) * len(self.class_table) + self.link_class[keep])
        self.link_event, self.link_class = pair // len(self.class_table), pair % len(self.class_table)
        visits = tables["event_student"]
        self.visit_event, self.visit_student = visits["event_pos"].to_numpy(), visits["student_pos"].to_numpy()
        keep = (self.visit_event >= 0) & (self.visit_student >= 0)
        self.visit_event, self.visit_student = self.visit_event[keep], self.visit_student[keep]
        self.active = self._active_classes()

    def _active_classes(self) -> np.ndarray:
        """Classes × terms: whether the class had an enrolled student during the term (else no class rule applies)."""
        students = self.student_table
        cls = students["class_pos"].to_numpy()
        start = students["enrol_start"].to_numpy()
        end = students["enrol_end"].to_numpy() if "enrol_end" in students.columns else None
        active = np.zeros((len(self.class_table), len(self.terms)), dtype=bool)
        for t, term in self.terms.iterrows():  # a handful of terms
            enrolled = start <= term["end_date"].to_datetime64()
            if end is not None:
                enrolled &= np.isnat(end) | (end >= term["start_date"].to_datetime64())
            active[:, t] = np.bincount(cls[enrolled], minlength=len(self.class_table)) > 0
        return active

    # which events count for a rule ------------------------------------------------------------------------------

    def qualifies(self, rule: Rule) -> np.ndarray:
        events = self.events
        mask = self.counted & (events["activity_type"] == rule.activity_type).to_numpy()
        mask &= events["mode"].isin(rule.modes).to_numpy()
        if rule.verified_only:
            if "verified" not in events.columns:
                raise DataError(f"rule {rule.id}: verified_only needs the column verified in table event")
            mask &= events["verified"].to_numpy(dtype=bool)
        if rule.organiser_roles:
            if "organiser_pos" not in events.columns:
                raise DataError(
                    f"rule {rule.id}: organiser_roles needs table staff and column organiser_staff_id in table event"
                )
            allowed = self.tables["staff"]["role"].isin(rule.organiser_roles).to_numpy()
            organiser = events["organiser_pos"].to_numpy()
            mask &= (organiser >= 0) & allowed[np.maximum(organiser, 0)]
        return mask

    # per student ----------------------------------------------------------------------------------------------

    def student_rule(self, rule: Rule, mask: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
        students = self.student_table
        population = self._population(rule)
        years = self.terms.iloc[self.term_order].groupby("school_year", sort=False)
        years = years.agg(start=("start_date", "min"), end=("end_date", "max"))
        use = mask[self.visit_event] & (self.term_pos[self.visit_event] >= 0)
        year_of_visit = self.year_of_term[self.term_pos[self.visit_event[use]]]
        start = students["enrol_start"].to_numpy()
        end = students["enrol_end"].to_numpy() if "enrol_end" in students.columns else np.full(len(students), np.nan)
        student_rows, class_rows = [], []
        for year, span in years.iterrows():  # a handful of school years, never a loop over students
            last = np.where(np.isnat(end), span["end"].to_datetime64(), np.minimum(end, span["end"].to_datetime64()))
            first = np.maximum(start, span["start"].to_datetime64())
            days = (last - first).astype("timedelta64[D]").astype(np.int64) + 1
            eligible = population & (days >= max(rule.min_enrolled_days, 1))
            count = np.bincount(self.visit_student[use][year_of_visit == year], minlength=len(students))
            who = np.flatnonzero(eligible)
            met = count[who] >= rule.min_count
            student_rows.append(
                pd.DataFrame(
                    {  # text columns by take, which keeps their Arrow storage (no Python strings made)
                        "rule_id": rule.id,
                        "student_id": students["student_id"].take(who).reset_index(drop=True),
                        "class_id": students["class_id"].take(who).reset_index(drop=True),
                        "school_id": self.class_table["school_id"]
                        .take(students["class_pos"].to_numpy()[who])
                        .reset_index(drop=True),
                        "period": year,
                        "count": count[who],
                        "min_count": rule.min_count,
                        "met": met,
                    }
                )
            )
            class_pos = students["class_pos"].to_numpy()[who]
            n_eligible = np.bincount(class_pos, minlength=len(self.class_table))
            n_met = np.bincount(class_pos, weights=met, minlength=len(self.class_table)).astype(np.int64)
            applies = n_eligible > 0
            class_rows.append(
                self._class_frame(rule, np.flatnonzero(applies), year, year, n_met[applies], n_eligible[applies])
            )
        return pd.concat(student_rows, ignore_index=True), pd.concat(class_rows, ignore_index=True)

    def _population(self, rule: Rule) -> np.ndarray:
        students = self.student_table
        if not rule.population:
            return np.ones(len(students), dtype=bool)
        absent = [c for c in rule.population if c not in students.columns]
        if absent:
            raise DataError(f"rule {rule.id}: population needs column(s) {', '.join(absent)} in table student")
        flags = [
            (students[c] != "none").to_numpy() if c == "left_behind" else students[c].to_numpy(dtype=bool)
            for c in rule.population
        ]
        return np.logical_or.reduce(flags)

    # per class ------------------------------------------------------------------------------------------------

    def class_rule(self, rule: Rule, mask: np.ndarray) -> pd.DataFrame:
        n_classes, n_terms = len(self.class_table), len(self.terms)
        use = mask[self.link_event] & (self.term_pos[self.link_event] >= 0)
        event, cls = self.link_event[use], self.link_class[use]
        term = self.term_pos[event]
        if rule.period == "semester":
            counts = np.bincount(cls * n_terms + term, minlength=n_classes * n_terms).reshape(n_classes, n_terms)
            periods = [(t, self.terms.loc[t, "term_id"], self.terms.loc[t, "school_year"]) for t in self.term_order]
            columns = {t: counts[:, t] for t in range(n_terms)}
            active = {t: self.active[:, t] for t in range(n_terms)}
        else:
            years = pd.unique(self.year_of_term[self.term_order])
            year_pos = pd.Index(years).get_indexer(self.year_of_term[term])
            counts = np.bincount(cls * len(years) + year_pos, minlength=n_classes * len(years))
            counts = counts.reshape(n_classes, len(years))
            periods = [(i, y, y) for i, y in enumerate(years)]
            columns = {i: counts[:, i] for i in range(len(years))}
            active = {i: self.active[:, self.year_of_term == y].any(axis=1) for i, y in enumerate(years)}
        frames = []
        for key, label, year in periods:
            pos = np.flatnonzero(active[key])
            frames.append(
                self._class_frame(rule, pos, label, year, columns[key][pos], np.full(len(pos), rule.min_count))
            )
        return pd.concat(frames, ignore_index=True)

    def _class_frame(self, rule, pos, period, year, count, required) -> pd.DataFrame:
        count, required = np.asarray(count, dtype=np.int64), np.asarray(required, dtype=np.int64)
        return pd.DataFrame(
            {
                "rule_id": rule.id,
                "rule_unit": rule.unit,
                "class_id": self.class_table["class_id"].to_numpy()[pos],
                "school_id": self.class_table["school_id"].to_numpy()[pos],
                "period": period,
                "school_year": year,
                "count": count,
                "required": required,
                "rate": np.minimum(1.0, count / required),
                "met": count >= required,
                "shortfall": np.maximum(0, required - count),
            }
        )

    # per community --------------------------------------------------------------------------------------------

    def community_rule(self, rule: Rule, mask: np.ndarray) -> pd.DataFrame:
        events = self.events[mask & (self.term_pos >= 0)]  # the qualifying community events, few
        first, last = self.terms["start_date"].min(), self.terms["end_date"].max()
        years = np.arange(first.year, last.year + 1)
        communities = self._communities()
        community = events["community_id"] if "community_id" in events.columns else pd.Series("", index=events.index)
        known = positions(community, pd.Series(communities, dtype="str"))
        year_pos = events["date"].dt.year.to_numpy() - first.year
        ok = known >= 0
        counts = np.bincount(known[ok] * len(years) + year_pos[ok], minlength=len(communities) * len(years))
        counts = counts.reshape(len(communities), len(years))
        logged = [
            ((min(last, pd.Timestamp(f"{y}-12-31")) - max(first, pd.Timestamp(f"{y}-01-01"))).days + 1)
            / (366 if pd.Timestamp(f"{y}-12-31").is_leap_year else 365)
            for y in years
        ]
        frames = []
        for i, year in enumerate(years):
            count = counts[:, i]
            frames.append(
                pd.DataFrame(
                    {
                        "rule_id": rule.id,
                        "community_id": communities,
                        "period": str(year),
                        "count": count,
                        "required": rule.min_count,
                        "rate": np.minimum(1.0, count / rule.min_count),
                        "met": count >= rule.min_count,
                        "shortfall": np.maximum(0, rule.min_count - count),
                        "share_of_year_logged": logged[i],
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def _communities(self) -> np.ndarray:
        """The community table's ids; else the schools' ``community_ids`` (';'-separated); else those in events."""
        if "community" in self.tables:
            return self.tables["community"]["community_id"].to_numpy()
        school = self.tables["school"]
        if "community_ids" in school.columns:
            ids = school["community_ids"].astype(str).str.split(";").explode().str.strip()
            return pd.unique(ids[ids != ""].to_numpy())
        if "community_id" in self.events.columns:
            return pd.unique(self.events.loc[self.events["community_id"] != "", "community_id"].to_numpy())
        return np.array([], dtype=object)

    # per school -------------------------------------------------------------------------------------------------

    def structural(self, rule: Rule) -> pd.DataFrame:
        term = self.terms.iloc[self.term_order[-1]]
        schools = self.tables["school"]["school_id"]
        if rule.check == "committee_levels":
            required, present, detail = self._committees(rule, term, schools)
        elif rule.check == "parent_school":
            has = "parent_school" in self.tables["school"].columns
            required = pd.Series(1, index=schools)
            present = pd.Series(
                self.tables["school"]["parent_school"].astype(int).to_numpy() if has else np.nan, index=schools
            )
            detail = pd.Series("" if has else "no parent_school column in table school", index=schools)
        else:
            required, present, detail = self._ledger(term, schools)
        met = (present >= required).astype(object).where(present.notna(), pd.NA)
        return pd.DataFrame(
            {
                "rule_id": rule.id,
                "kind": "structural",
                "school_id": schools.to_numpy(),
                "period": term["term_id"],
                "required": required.to_numpy(),
                "present": present.to_numpy(),
                "met": met.to_numpy(),
                "status": np.where(present.isna(), "no data", np.where(present >= required, "met", "not met")),
                "detail": detail.to_numpy(),
            }
        )

    def _committees(self, rule: Rule, term: pd.Series, schools: pd.Series):
        classes = self.class_table
        if "committee" not in self.tables:
            nan = pd.Series(np.nan, index=schools)
            return pd.Series(len(rule.levels), index=schools), nan, pd.Series("no committee table", index=schools)
        committees = self.tables["committee"]
        if "established" in committees.columns:
            committees = committees[committees["established"].isna() | (committees["established"] <= term["end_date"])]
        required = pd.Series(0, index=schools)
        present = pd.Series(0, index=schools)
        parts = []
        for level in rule.levels:
            if level == "school":
                need = pd.Series(1, index=schools)
                have = committees[committees["level"] == "school"].groupby("school_id").size().clip(upper=1)
            elif level == "grade":
                grades = classes[["school_id", "grade"]].drop_duplicates()
                need = grades.groupby("school_id").size()
                got = committees.loc[committees["level"] == "grade", ["school_id", "grade"]].drop_duplicates()
                have = got.merge(grades, on=["school_id", "grade"]).groupby("school_id").size()
            else:
                need = classes.groupby("school_id").size()
                got = committees.loc[committees["level"] == "class", ["class_id"]].drop_duplicates()
                have = classes[classes["class_id"].isin(got["class_id"])].groupby("school_id").size()
            need, have = need.reindex(schools, fill_value=0), have.reindex(schools, fill_value=0)
            required, present = required + need, present + have
            parts.append(level + " " + have.astype(str) + "/" + need.astype(str))
        detail = parts[0]
        for part in parts[1:]:
            detail = detail + "; " + part
        return required, present, detail

    def _ledger(self, term: pd.Series, schools: pd.Series):
        students = self.student_table
        flagged = np.zeros(len(students), dtype=bool)
        if "left_behind" in students.columns:
            flagged |= (students["left_behind"] != "none").to_numpy()
        for column in ("in_difficulty", "needs_attention"):
            if column in students.columns:
                flagged |= students[column].to_numpy(dtype=bool)
        school = pd.Series(self.class_table["school_id"].to_numpy()[students["class_pos"].to_numpy()])
        required = pd.Series(flagged, index=school.to_numpy()).groupby(level=0).sum().reindex(schools, fill_value=0)
        if "ledger_entry" not in self.tables:
            nan = pd.Series(np.nan, index=schools)
            return required, nan, pd.Series("no ledger_entry table", index=schools)
        ledger = self.tables["ledger_entry"]
        current = ledger["last_reviewed"].between(term["start_date"], term["end_date"])
        reviewed = positions(students["student_id"], ledger.loc[current, "student_id"]) >= 0
        entered = positions(students["student_id"], ledger["student_id"]) >= 0
        present = pd.Series(flagged & reviewed, index=school.to_numpy()).groupby(level=0).sum()
        present = present.reindex(schools, fill_value=0)
        missing = pd.Series(flagged & ~entered, index=school.to_numpy()).groupby(level=0).sum()
        missing = missing.reindex(schools, fill_value=0)
        detail = "reviewed this term " + present.astype(str) + "/" + required.astype(str)
        detail = detail + "; no entry " + missing.astype(str)
        return required, present, detail


def _target(tables: dict[str, pd.DataFrame], rule: Rule) -> pd.DataFrame:
    """The share of units (counties) with the dated step taken by the rule's date, against its target share."""
    if rule.table not in tables or rule.date_column not in tables[rule.table].columns:
        raise DataError(
            f"rule {rule.id}: needs table {rule.table} with column {rule.date_column} among the logs "
            f"(one row per unit, the date the alliance was established, empty if none)"
        )
    dates = tables[rule.table][rule.date_column]
    n = len(dates)
    count = int((dates <= pd.Timestamp(rule.by)).sum())
    needed = int(np.ceil(rule.target_share * n - 1e-9))
    return pd.DataFrame(
        [
            {
                "rule_id": rule.id,
                "period": str(rule.by),
                "n_units": n,
                "count": count,
                "share": count / n if n else np.nan,
                "target_share": rule.target_share,
                "met": count >= needed if n else pd.NA,
                "shortfall": max(0, needed - count),
                "latest_date": dates.max(),
            }
        ]
    )


def _share_of_classes(classes: pd.DataFrame) -> pd.DataFrame:
    if not len(classes):
        return pd.DataFrame(columns=["rule_id", "kind", "school_id", "period", "n_units", "n_met", "share_met"])
    grouped = classes.groupby(["rule_id", "school_id", "period"], sort=False)["met"]
    out = grouped.agg(n_units="size", n_met="sum").reset_index()
    out["n_met"] = out["n_met"].astype(np.int64)
    out["share_met"] = out["n_met"] / out["n_units"]
    out.insert(1, "kind", "count")
    return out


def _cci(classes: pd.DataFrame, class_table: pd.DataFrame) -> pd.DataFrame:
    columns = ["class_id", "school_id", "school_year", "n_rules", "cci_strict", "cci_graded"]
    if not len(classes):
        return pd.DataFrame(columns=columns)
    per_rule = (
        classes.assign(met=classes["met"].astype(float))
        .groupby(["class_id", "school_year", "rule_id"], sort=False)[["met", "rate"]]
        .mean()
    )
    out = per_rule.groupby(level=["class_id", "school_year"], sort=False).agg(
        n_rules=("met", "size"), cci_strict=("met", "mean"), cci_graded=("rate", "mean")
    )
    out = out.reset_index()
    out["school_id"] = out["class_id"].map(class_table.set_index("class_id")["school_id"]).to_numpy()
    return out[columns]
