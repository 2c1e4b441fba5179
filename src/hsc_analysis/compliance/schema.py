"""The activity-log tables: what each holds, reading them (CSV, Excel, Parquet) and validating them once.

A log is a set of tables (school, term, class, student, staff, community, event, event_class, event_student,
committee, ledger_entry and, for county-level rules, county). Events are logged once and linked to every class
(``event_class``) and student (``event_student``) they cover. Validation has two outcomes:

- a reference table that cannot be used (a missing column, a repeated id, a date that is not a date, a value outside
  its allowed set, a student in a class that does not exist) raises :class:`~hsc_analysis.errors.DataError` naming
  the table, row, column and value;
- an event that cannot be counted stays in the log and is listed in ``ActivityLogs.invalid`` with its reason: an
  unknown activity type or mode, a date that is missing or outside every term, a repeated event id, no linked class
  (community events are linked to their community instead), or a home visit to a student not enrolled on that date.
  A link row naming an unknown event, class or student is listed too. Nothing is dropped silently:
  ``n_events_read = n_events_valid + n_events_invalid``.

Dates in the gap between two terms (winter and summer holidays) count for the following term, unless the event's
``counts_for_term_id`` says otherwise; a home visit up to ``pre_enrolment_days`` before a student's enrolment (the
summer visit to an incoming first grader) is a visit to that student.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError

__all__ = [
    "ACTIVITY_TYPES",
    "MODES",
    "TABLES",
    "ActivityLogs",
    "TableSpec",
    "read_logs",
    "validate_logs",
]

ACTIVITY_TYPES = (
    "home_visit",
    "parent_meeting",
    "family_guidance",
    "offcampus_practice",
    "community_guidance",
    "committee_meeting",
    "open_day",
    "volunteer_session",
    "after_school_session",
)
MODES = ("in_person", "online", "hybrid", "phone")
PRE_ENROLMENT_DAYS = 30
"""Default: a home visit this many days before enrolment still counts (summer visits to incoming pupils)."""


@dataclass(frozen=True)
class TableSpec:
    """One log table: its required and optional columns, id column, date columns, yes/no columns and enumerations."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    key: str | None = None
    dates: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    allowed: tuple[tuple[str, tuple[str, ...]], ...] = ()


TABLES: dict[str, TableSpec] = {
    "school": TableSpec(
        ("school_id",),
        ("name", "district", "locale", "level", "rule_set_id", "community_ids", "parent_school", "n_providers"),
        key="school_id",
        flags=("parent_school",),
        allowed=(("locale", ("urban", "town", "rural")),),
    ),
    "term": TableSpec(
        ("term_id", "school_year", "semester", "start_date", "end_date"),
        key="term_id",
        dates=("start_date", "end_date"),
        allowed=(("semester", ("1", "2")),),
    ),
    "class": TableSpec(("class_id", "school_id", "grade"), ("head_teacher_id", "n_enrolled"), key="class_id"),
    "student": TableSpec(
        ("student_id", "class_id", "enrol_start"),
        ("enrol_end", "left_behind", "migrant_child", "in_difficulty", "needs_attention", "boarding", "caregiver_type"),
        key="student_id",
        dates=("enrol_start", "enrol_end"),
        flags=("migrant_child", "in_difficulty", "needs_attention", "boarding"),
        allowed=(("left_behind", ("none", "one", "both")),),
    ),
    "staff": TableSpec(
        ("staff_id", "school_id", "role"),
        ("class_ids",),
        key="staff_id",
        allowed=(("role", ("head_teacher", "subject", "admin")),),
    ),
    "community": TableSpec(("community_id",), ("name", "locale"), key="community_id"),
    "county": TableSpec(
        ("county_id",), ("name", "alliance_established"), key="county_id", dates=("alliance_established",)
    ),
    "event": TableSpec(
        ("event_id", "activity_type", "date", "school_id", "mode"),
        (
            "level",
            "community_id",
            "organiser_staff_id",
            "duration_min",
            "topic",
            "n_invited",
            "n_attended",
            "evidence",
            "verified",
            "entered_by",
            "entered_at",
            "counts_for_term_id",
        ),
        flags=("verified",),
    ),
    "event_class": TableSpec(("event_id", "class_id")),
    "event_student": TableSpec(("event_id", "student_id"), ("attended_by", "visited_party")),
    "committee": TableSpec(
        ("committee_id", "school_id", "level"),
        ("grade", "class_id", "established", "n_members"),
        key="committee_id",
        dates=("established",),
        allowed=(("level", ("school", "grade", "class")),),
    ),
    "ledger_entry": TableSpec(
        ("student_id", "category", "last_reviewed"),
        ("added", "responsible_staff_id", "support_plan"),
        dates=("added", "last_reviewed"),
        flags=("support_plan",),
    ),
}
REQUIRED_TABLES = ("school", "term", "class", "student", "event", "event_class", "event_student")
"""A school log needs these; a log of only the ``county`` table (for county-level targets) needs none of them."""
_ID_COLUMNS = {
    "school_id",
    "term_id",
    "class_id",
    "student_id",
    "staff_id",
    "community_id",
    "county_id",
    "event_id",
    "committee_id",
    "organiser_staff_id",
    "entered_by",
    "head_teacher_id",
    "counts_for_term_id",
    "responsible_staff_id",
    "school_year",
    "semester",
    "grade",
}
_INVALID_COLUMNS = ["table", "row", "event_id", "reason", "detail"]
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f", ""}


@dataclass(frozen=True)
class ActivityLogs:
    """Validated activity-log tables.

    Attributes
    ----------
    tables
        Table name → DataFrame, ids as text, dates as ``datetime64``, yes/no columns as ``bool``. ``event`` gains
        ``term_id`` (the term the event counts for; empty when it counts for none) and ``valid``.
    invalid
        One row per problem found in the event and link tables: ``table, row, event_id, reason, detail``; an event
        can have more than one reason. Rows listed here are kept in ``tables`` but never counted.
    sources
        Table name → the file it was read from (empty for tables passed in memory).
    """

    tables: dict[str, pd.DataFrame]
    invalid: pd.DataFrame
    sources: dict[str, str]

    @property
    def events(self) -> pd.DataFrame:
        return self.tables["event"]

    @property
    def n_events_read(self) -> int:
        return len(self.tables["event"])

    @property
    def n_events_invalid(self) -> int:
        return int((~self.tables["event"]["valid"]).sum())

    @property
    def n_events_valid(self) -> int:
        return int(self.tables["event"]["valid"].sum())

    def has(self, name: str) -> bool:
        return name in self.tables

    def invalid_summary(self) -> pd.DataFrame:
        """``table, reason, n``: how many rows of each table were listed invalid for each reason."""
        return self.invalid.groupby(["table", "reason"]).size().rename("n").reset_index()

    def to_frame(self) -> pd.DataFrame:
        """Rows read per table and, for events and links, how many are flagged invalid."""
        flagged = self.invalid.groupby("table")["row"].nunique() if len(self.invalid) else pd.Series(dtype=int)
        return pd.DataFrame(
            [
                {
                    "table": name,
                    "source": self.sources.get(name, ""),
                    "n_rows": len(frame),
                    "n_rows_invalid": int(flagged.get(name, 0)),
                }
                for name, frame in self.tables.items()
            ]
        )


def read_logs(paths: Mapping[str, str | Path], *, pre_enrolment_days: int = PRE_ENROLMENT_DAYS) -> ActivityLogs:
    """Read the log tables (table name → CSV, Excel or Parquet file) and validate them; see :func:`validate_logs`.

    Examples
    --------
    >>> from pathlib import Path
    >>> folder = Path("data/example/logs")
    >>> logs = read_logs({name: folder / f"{name}.csv" for name in ("school", "term", "class", "student",
    ...                   "event", "event_class", "event_student", "committee", "ledger_entry", "staff")})
    >>> logs.n_events_read == logs.n_events_valid + logs.n_events_invalid
    True
    """
    from hsc_analysis.io import read_table

    unknown = sorted(set(paths) - set(TABLES))
    if unknown:
        raise DataError(f"logs: unknown table(s) {', '.join(unknown)}; allowed: {', '.join(TABLES)}")
    tables = {name: read_table(path) for name, path in paths.items()}
    return validate_logs(tables, sources={n: str(p) for n, p in paths.items()}, pre_enrolment_days=pre_enrolment_days)


def validate_logs(
    tables: Mapping[str, pd.DataFrame],
    *,
    sources: Mapping[str, str] | None = None,
    pre_enrolment_days: int = PRE_ENROLMENT_DAYS,
) -> ActivityLogs:
    """Check and type every table; list the events and links that cannot be counted (see the module docstring).

    The row numbers in messages and in ``invalid`` are the tables' index (for files read with
    :func:`hsc_analysis.io.read_table`, the line in the file, header = 1). The caller's frames are not modified.

    Raises
    ------
    DataError
        A required table or column is missing, or a reference table cannot be used; the message names the table,
        row, column and value and what is allowed.
    """
    sources = dict(sources or {})
    missing = missing_tables(tables)
    if missing:
        raise DataError(f"logs: missing required table(s) {', '.join(missing)}")
    typed = {name: _typed(name, frame, sources.get(name, name)) for name, frame in tables.items() if name in TABLES}
    if "event" not in typed:  # a county-only log
        columns = [*TABLES["event"].required, "term_id", "valid"]
        typed["event"] = pd.DataFrame({c: pd.Series(dtype=bool if c == "valid" else object) for c in columns})
        return ActivityLogs(tables=typed, invalid=pd.DataFrame(columns=_INVALID_COLUMNS), sources=sources)
    _check_references(typed, sources)
    events, problems = _check_events(typed, pre_enrolment_days=pre_enrolment_days)
    typed["event"] = events
    return ActivityLogs(tables=typed, invalid=problems, sources=sources)


def missing_tables(names: Collection[str]) -> list[str]:
    """The required tables absent from ``names``: none for a county-only log, else those of :data:`REQUIRED_TABLES`."""
    if set(names) == {"county"}:
        return []
    return [name for name in REQUIRED_TABLES if name not in names]


# --- typing of each table -----------------------------------------------------------------------------------------


def _typed(name: str, frame: pd.DataFrame, where: str) -> pd.DataFrame:
    spec = TABLES[name]
    absent = [c for c in spec.required if c not in frame.columns]
    if absent:
        raise DataError(f"{where}: table {name} lacks required column(s) {', '.join(absent)}")
    frame = frame[[c for c in frame.columns if c in spec.required or c in spec.optional]].copy()
    for column in frame.columns:
        if column in _ID_COLUMNS or column == "class_ids":
            frame[column] = _text(frame[column])
    for column in spec.dates:
        if column in frame.columns and name != "event":
            frame[column] = _dates(frame[column], name, column, where, required=column in spec.required)
    for column in spec.flags:
        if column in frame.columns:
            frame[column] = _yes_no(frame[column], name, column, where)
    for column, allowed in spec.allowed:
        if column in frame.columns:
            values = _text(frame[column])
            bad = values.ne("") & ~values.isin(allowed) if column not in spec.required else ~values.isin(allowed)
            if bad.any():
                row = bad.idxmax()
                got, allowed_text = values[row], ", ".join(allowed)
                raise DataError(
                    f"{where}: table {name} row {row} column {column}: got {got!r}; allowed: {allowed_text}"
                )
            frame[column] = values
    if spec.key is not None:
        _no_blank(frame, spec.key, name, where)
        repeated = frame[spec.key].duplicated()
        if repeated.any():
            row = repeated.idxmax()
            raise DataError(f"{where}: table {name} row {row} column {spec.key}: {frame.loc[row, spec.key]!r} repeats")
    return frame


def _text(column: pd.Series) -> pd.Series:
    """Ids as text: numbers read from CSV lose their '.0', blanks become ''."""
    present = column.notna()
    if pd.api.types.is_float_dtype(column) and (column[present] == np.floor(column[present])).all():
        column = column.astype("Int64")
    return column.astype(object).where(present, "").astype(str)


def _dates(column: pd.Series, name: str, col: str, where: str, *, required: bool) -> pd.Series:
    text = _text(column)
    parsed = pd.to_datetime(text.where(text != ""), errors="coerce", format="mixed")
    bad = parsed.isna() & (text != "")
    if required:
        bad |= text == ""
    if bad.any():
        row = bad.idxmax()
        raise DataError(
            f"{where}: table {name} row {row} column {col}: got {text[row]!r}; allowed: a date (YYYY-MM-DD)"
        )
    return parsed


def _parse_dates(column: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    text = _text(column)
    return pd.to_datetime(text.where(text != ""), errors="coerce", format="mixed")


def _yes_no(column: pd.Series, name: str, col: str, where: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(column):
        return column
    text = _text(column).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        row = bad.idxmax()
        raise DataError(f"{where}: table {name} row {row} column {col}: got {column[row]!r}; allowed: True or False")
    return text.isin(_TRUE)


def _no_blank(frame: pd.DataFrame, column: str, name: str, where: str) -> None:
    blank = frame[column] == ""
    if blank.any():
        raise DataError(f"{where}: table {name} row {blank.idxmax()} column {column}: empty; an id is required")


def _check_references(tables: dict[str, pd.DataFrame], sources: Mapping[str, str]) -> None:
    """Reference tables must agree with each other; a class or student that points nowhere is an error."""
    for name, column, target in (
        ("class", "school_id", "school"),
        ("student", "class_id", "class"),
        ("staff", "school_id", "school"),
        ("committee", "school_id", "school"),
        ("ledger_entry", "student_id", "student"),
    ):
        if name not in tables:
            continue
        known = tables[target][TABLES[target].key]
        unknown = ~tables[name][column].isin(known)
        if unknown.any():
            row = unknown.idxmax()
            raise DataError(
                f"{sources.get(name, name)}: table {name} row {row} column {column}: {tables[name].loc[row, column]!r} "
                f"is not in table {target}"
            )
    term = tables["term"]
    backwards = term["end_date"] < term["start_date"]
    if backwards.any():
        row = backwards.idxmax()
        raise DataError(f"{sources.get('term', 'term')}: table term row {row}: end_date is before start_date")
    ordered = term.sort_values("start_date")
    overlap = ordered["start_date"].iloc[1:].to_numpy() <= ordered["end_date"].iloc[:-1].to_numpy()
    if overlap.any():
        row = ordered.index[1:][overlap][0]
        raise DataError(f"{sources.get('term', 'term')}: table term row {row}: the term overlaps the one before it")


# --- events and links -------------------------------------------------------------------------------------------


def _check_events(tables: dict[str, pd.DataFrame], *, pre_enrolment_days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    events = tables["event"].copy()
    events["date"] = _parse_dates(events["date"])
    if "entered_at" in events.columns:
        events["entered_at"] = _parse_dates(events["entered_at"])
    for column in ("n_invited", "n_attended", "duration_min"):
        if column in events.columns:
            events[column] = pd.to_numeric(events[column], errors="coerce")
    problems: list[pd.DataFrame] = []

    def flag(table: str, mask: pd.Series | np.ndarray, frame: pd.DataFrame, reason: str, detail: pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            problems.append(
                pd.DataFrame(
                    {
                        "table": table,
                        "row": frame.index[mask],
                        "event_id": frame["event_id"].to_numpy()[mask],
                        "reason": reason,
                        "detail": np.asarray(detail, dtype=object)[mask],
                    }
                )
            )

    flag("event", ~events["activity_type"].isin(ACTIVITY_TYPES), events, "unknown_activity_type",
         "activity_type " + events["activity_type"].astype(str))  # fmt: skip
    flag("event", ~events["mode"].isin(MODES), events, "unknown_mode", "mode " + events["mode"].astype(str))
    flag("event", events["event_id"].duplicated(), events, "duplicate_id", "event_id " + events["event_id"])
    flag("event", events["date"].isna(), events, "bad_date", "date " + tables["event"]["date"].astype(str))
    events["term_id"] = _term_of(events, tables["term"])
    dated = events["date"].notna()
    flag("event", dated & (events["term_id"] == ""), events, "outside_terms",
         "date " + events["date"].dt.strftime("%Y-%m-%d").fillna(""))  # fmt: skip

    links = tables["event_class"]
    known_event = links["event_id"].isin(events["event_id"])
    known_class = links["class_id"].isin(tables["class"]["class_id"])
    flag("event_class", ~known_event, links, "unknown_event", "event_id " + links["event_id"])
    flag("event_class", known_event & ~known_class, links, "unknown_class", "class_id " + links["class_id"])
    linked = events["event_id"].isin(links.loc[known_event & known_class, "event_id"])
    community = events["activity_type"].eq("community_guidance") & events.get(
        "community_id", pd.Series("", index=events.index)
    ).ne("")
    flag("event", ~linked & ~community, events, "no_class", pd.Series("no row in event_class", index=events.index))

    visits = tables["event_student"]
    known_event = visits["event_id"].isin(events["event_id"])
    students = tables["student"].set_index("student_id")
    position = students.index.get_indexer(visits["student_id"])
    flag("event_student", ~known_event, visits, "unknown_event", "event_id " + visits["event_id"])
    flag("event_student", known_event & (position < 0), visits, "unknown_student", "student_id " + visits["student_id"])
    # a home visit must fall within the visited student's enrolment
    date = events.drop_duplicates("event_id").set_index("event_id")
    is_visit = date["activity_type"].reindex(visits["event_id"]).eq("home_visit").to_numpy()
    when = date["date"].reindex(visits["event_id"]).to_numpy()
    ok = position >= 0
    start = np.full(len(visits), np.datetime64("NaT"), "datetime64[ns]")
    end = start.copy()
    start[ok] = students["enrol_start"].to_numpy()[position[ok]]
    if "enrol_end" in students.columns:
        end[ok] = students["enrol_end"].to_numpy()[position[ok]]
    grace = np.timedelta64(pre_enrolment_days, "D")
    outside = ok & is_visit & ((when < start - grace) | (~np.isnat(end) & (when > end)))
    flag("event_student", outside, visits, "student_not_enrolled", "student_id " + visits["student_id"])
    bad_visits = visits["event_id"][outside | (known_event & (position < 0))]
    bad_event = events["event_id"].isin(bad_visits) & events["activity_type"].eq("home_visit")
    flag("event", bad_event, events, "student_not_enrolled",
         pd.Series("visited student not enrolled on that date", index=events.index))  # fmt: skip
    columns = _INVALID_COLUMNS
    invalid = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=columns)
    bad_rows = invalid.loc[invalid["table"] == "event", "row"]
    events["valid"] = ~events.index.isin(bad_rows)
    return events, invalid[columns]


def _term_of(events: pd.DataFrame, terms: pd.DataFrame) -> pd.Series:
    """The term an event counts for: its ``counts_for_term_id``, else the term containing its date, else (a date in
    a holiday between two terms) the next term; '' before the first term or after the last."""
    ordered = terms.sort_values("start_date").reset_index(drop=True)
    date = events["date"].to_numpy()
    # the first term whose end is on or after the date; the date must not be after the last end
    pos = np.searchsorted(ordered["end_date"].to_numpy(), date, side="left")
    inside = (pos < len(ordered)) & ~np.isnat(date)
    first = ordered["start_date"].iloc[0].to_datetime64()
    term = np.where(inside & (date >= first), ordered["term_id"].to_numpy()[np.minimum(pos, len(ordered) - 1)], "")
    term = pd.Series(term, index=events.index, dtype=object)
    if "counts_for_term_id" in events.columns:
        declared = events["counts_for_term_id"]
        term = term.where(~declared.isin(ordered["term_id"]), declared)
    return term
