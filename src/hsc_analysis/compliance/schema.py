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
import pyarrow as pa
import pyarrow.compute as pc

from hsc_analysis.errors import DataError

__all__ = [
    "ACTIVITY_TYPES",
    "EVENT_COLUMNS",
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


EVENT_COLUMNS = (
    "event_id",
    "activity_type",
    "date",
    "level",
    "school_id",
    "community_id",
    "organiser_staff_id",
    "mode",
    "duration_min",
    "topic",
    "n_invited",
    "n_attended",
    "evidence",
    "verified",
    "entered_by",
    "entered_at",
)
"""The event table's columns in their usual order (``counts_for_term_id`` may follow)."""


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
            *(c for c in EVENT_COLUMNS if c not in ("event_id", "activity_type", "date", "school_id", "mode")),
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
        ``term_id`` (the term the event counts for; empty when it counts for none) and ``valid``. The joins are
        done once here: ``*_pos`` columns hold the row position (0-based, -1 when unknown) of the event, class,
        student, term or organiser a row refers to (``event.term_pos``, ``event.organiser_pos``,
        ``event_class.event_pos``/``class_pos``, ``event_student.event_pos``/``student_pos``,
        ``student.class_pos``); a repeated event id refers to its first row.
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
    typed["student"]["class_pos"] = positions(typed["student"]["class_id"], typed["class"]["class_id"])
    problems = _check_events(typed, pre_enrolment_days=pre_enrolment_days)
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
    if isinstance(column.dtype, pd.StringDtype):
        return column.fillna("")
    present = column.notna()
    if pd.api.types.is_float_dtype(column) and (column[present] == np.floor(column[present])).all():
        column = column.astype("Int64")
    return column.astype(object).where(present, "").astype(str)


def _dates(column: pd.Series, name: str, col: str, where: str, *, required: bool) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(column):  # Parquet and Excel keep dates as dates
        if required and column.isna().any():
            row = column.index[column.isna().to_numpy().argmax()]
            raise DataError(f"{where}: table {name} row {row} column {col}: empty; allowed: a date (YYYY-MM-DD)")
        return column.astype("datetime64[ns]")
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
        unknown = positions(tables[name][column], tables[target][TABLES[target].key]) < 0
        if unknown.any():
            row = tables[name].index[unknown.argmax()]
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


def _check_events(tables: dict[str, pd.DataFrame], *, pre_enrolment_days: int) -> pd.DataFrame:
    """List the events and links that cannot be counted; add (in place) the row positions the audit joins on."""
    events, links, visits = tables["event"], tables["event_class"], tables["event_student"]
    events["date"] = _parse_dates(events["date"])
    if "entered_at" in events.columns:
        events["entered_at"] = _parse_dates(events["entered_at"])
    for column in ("n_invited", "n_attended", "duration_min"):
        if column in events.columns:
            events[column] = pd.to_numeric(events[column], errors="coerce")
    problems: list[pd.DataFrame] = []

    def flag(table: str, mask, reason: str, column: str | None, text: str = "") -> None:
        """List the rows of ``table`` where ``mask`` holds; detail = ``column`` and its value, or ``text``."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            frame = tables[table]
            detail = column + " " + frame[column][mask].astype(str).to_numpy(dtype=object) if column else text
            problems.append(
                pd.DataFrame(
                    {
                        "table": table,
                        "row": frame.index[mask],
                        "event_id": frame["event_id"][mask].to_numpy(dtype=object),
                        "reason": reason,
                        "detail": detail,
                    }
                )
            )

    flag("event", ~events["activity_type"].isin(ACTIVITY_TYPES), "unknown_activity_type", "activity_type")
    flag("event", ~events["mode"].isin(MODES), "unknown_mode", "mode")
    repeated, (link_events, visit_events) = _key_positions(events["event_id"], links["event_id"], visits["event_id"])
    flag("event", repeated, "duplicate_id", "event_id")
    flag("event", events["date"].isna(), "bad_date", None, "date missing or not a date")
    events["term_id"], events["term_pos"] = _term_of(events, tables["term"])
    flag("event", events["date"].notna() & (events["term_pos"] < 0), "outside_terms", "date")

    links["event_pos"] = link_events
    links["class_pos"] = positions(links["class_id"], tables["class"]["class_id"])
    flag("event_class", links["event_pos"] < 0, "unknown_event", "event_id")
    flag("event_class", (links["event_pos"] >= 0) & (links["class_pos"] < 0), "unknown_class", "class_id")
    linked = np.zeros(len(events), dtype=bool)
    linked[links["event_pos"][(links["event_pos"] >= 0) & (links["class_pos"] >= 0)].to_numpy()] = True
    community = events["activity_type"].eq("community_guidance").to_numpy()
    community = community & (events["community_id"].ne("").to_numpy() if "community_id" in events.columns else False)
    flag("event", ~linked & ~community & ~repeated, "no_class", None, "no row in event_class")

    students = tables["student"]
    visits["event_pos"] = visit_events
    visits["student_pos"] = positions(visits["student_id"], students["student_id"])
    event, student = visits["event_pos"].to_numpy(), visits["student_pos"].to_numpy()
    flag("event_student", event < 0, "unknown_event", "event_id")
    flag("event_student", (event >= 0) & (student < 0), "unknown_student", "student_id")
    # a home visit must fall within the visited student's enrolment
    ok = (event >= 0) & (student >= 0)
    is_visit = np.zeros(len(visits), dtype=bool)
    is_visit[ok] = events["activity_type"].eq("home_visit").to_numpy()[event[ok]]
    when = np.full(len(visits), np.datetime64("NaT"), "datetime64[ns]")
    start, end = when.copy(), when.copy()
    when[ok] = events["date"].to_numpy()[event[ok]]
    start[ok] = students["enrol_start"].to_numpy()[student[ok]]
    if "enrol_end" in students.columns:
        end[ok] = students["enrol_end"].to_numpy()[student[ok]]
    grace = np.timedelta64(pre_enrolment_days, "D")
    outside = ok & is_visit & ((when < start - grace) | (~np.isnat(end) & (when > end)))
    flag("event_student", outside, "student_not_enrolled", "student_id")
    bad_event = np.zeros(len(events), dtype=bool)
    bad_event[event[outside | ((event >= 0) & (student < 0))]] = True
    bad_event = bad_event & events["activity_type"].eq("home_visit").to_numpy()
    flag("event", bad_event, "student_not_enrolled", None, "visited student not enrolled on that date")
    if "staff" in tables and "organiser_staff_id" in events.columns:
        events["organiser_pos"] = positions(events["organiser_staff_id"], tables["staff"]["staff_id"])
    invalid = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=_INVALID_COLUMNS)
    bad_rows = invalid.loc[invalid["table"] == "event", "row"]
    events["valid"] = ~events.index.isin(bad_rows)
    return invalid[_INVALID_COLUMNS]


def positions(values: pd.Series, keys: pd.Series) -> np.ndarray:
    """Position of each value among ``keys`` (its first occurrence), -1 where absent: a hash join on text ids.

    Uses Arrow's ``index_in`` so that ten million ids are matched without making Python strings."""
    value_array, key_array = _arrow_text(values), _arrow_text(keys)
    found = pc.index_in(value_array, value_set=key_array.cast(value_array.type))
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _key_positions(keys: pd.Series, *values: pd.Series) -> tuple[np.ndarray, list[np.ndarray]]:
    """Which keys repeat an earlier one, and :func:`positions` of each ``values`` among ``keys``, from one
    dictionary encoding of all of them (one hash pass over the text instead of one per lookup)."""
    arrays = [_arrow_text(keys), *(_arrow_text(v) for v in values)]
    encoded = pc.dictionary_encode(pa.concat_arrays(arrays))
    n_codes = len(encoded.dictionary)
    every = np.asarray(encoded.indices.fill_null(n_codes).to_numpy(zero_copy_only=False), dtype=np.int64)
    code = np.split(every, np.cumsum([len(a) for a in arrays])[:-1])
    first = np.full(n_codes + 1, -1, dtype=np.int64)  # the last slot: a missing id, found nowhere
    first[code[0][::-1]] = np.arange(len(code[0]))[::-1]  # reversed, so the first occurrence is written last
    first[n_codes] = -1
    repeated = first[code[0]] != np.arange(len(code[0]))
    return repeated, [first[c] for c in code[1:]]


def codes(column: pd.Series) -> np.ndarray:
    """Integer codes of text values (equal text, equal code), by Arrow's dictionary encoding."""
    return np.asarray(pc.dictionary_encode(_arrow_text(column)).indices.to_numpy(zero_copy_only=False), dtype=np.int64)


def _arrow_text(column) -> pa.Array:
    array = pa.array(np.asarray(column, dtype=object) if not isinstance(column, pd.Series) else column)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array if pa.types.is_large_string(array.type) else array.cast(pa.large_string())


def _term_of(events: pd.DataFrame, terms: pd.DataFrame) -> tuple[pd.Series, np.ndarray]:
    """The term an event counts for (id, and position in the term table): its ``counts_for_term_id``, else the term
    containing its date, else (a date in a holiday between two terms) the next term; none (position -1) before the
    first term or after the last."""
    order = np.argsort(terms["start_date"].to_numpy(), kind="stable")
    ends = terms["end_date"].to_numpy()[order]
    date = events["date"].to_numpy()
    nxt = np.searchsorted(ends, date, side="left")  # the first term ending on or after the date
    inside = (nxt < len(order)) & ~np.isnat(date) & (date >= terms["start_date"].to_numpy()[order[0]])
    pos = np.where(inside, order[np.minimum(nxt, len(order) - 1)], -1)
    if "counts_for_term_id" in events.columns:
        declared = positions(events["counts_for_term_id"], terms["term_id"])
        pos = np.where(declared >= 0, declared, pos)
    ids = [*terms["term_id"].tolist(), ""]  # term ids are unique and never blank
    term_id = pd.Categorical.from_codes(np.where(pos >= 0, pos, len(ids) - 1), categories=ids)
    return pd.Series(term_id, index=events.index), pos
