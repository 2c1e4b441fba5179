"""Paper compliance (留痕式/补录): data-quality flags on logged events, and how well they find known fabrications."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.compliance.schema import ActivityLogs, codes, positions

__all__ = ["FLAGS", "FlagRecovery", "PaperFlags", "flag_recovery", "paper_compliance_flags"]

FLAGS = (
    "implausible_day",
    "batch_entry",
    "late_entry_class",
    "no_evidence",
    "duplicate",
    "attended_over_invited",
)


@dataclass(frozen=True)
class PaperFlags:
    """One row per valid event (``event_id``, ``activity_type``, one bool column per flag in :data:`FLAGS`,
    ``n_flags``) and the thresholds used. Invalid events (see :class:`~hsc_analysis.compliance.ActivityLogs`) are
    not flagged here: they are never counted anyway."""

    events: pd.DataFrame
    settings: dict[str, float]

    @property
    def flagged_ids(self) -> list[str]:
        """Events with at least one flag."""
        return self.events.loc[self.events["n_flags"] > 0, "event_id"].tolist()

    def to_frame(self) -> pd.DataFrame:
        """Per flag: events flagged, share of valid events, and the same for home visits."""
        visits = (self.events["activity_type"] == "home_visit").to_numpy()
        hits = {name: self.events[name].to_numpy() for name in FLAGS} | {"any": (self.events["n_flags"] > 0).to_numpy()}
        rows = [
            {
                "flag": name,
                "n_events": len(hit),
                "n_flagged": int(hit.sum()),
                "share_flagged": float(hit.mean()) if len(hit) else np.nan,
                "n_home_visits_flagged": int(hit[visits].sum()),
            }
            for name, hit in hits.items()
        ]
        return pd.DataFrame(rows)


def paper_compliance_flags(
    logs: ActivityLogs,
    *,
    max_visits_per_day: int = 6,
    batch_size: int = 10,
    batch_days: int = 14,
    late_days: int = 30,
    late_share: float = 0.5,
) -> PaperFlags:
    """Flag events that look recorded rather than held.

    Parameters
    ----------
    logs
        Validated logs; only valid events are examined.
    max_visits_per_day
        ``implausible_day``: more than this many in-person home visits by one organiser on one date flags them all.
    batch_size, batch_days
        ``batch_entry``: one person entering at least ``batch_size`` home visits on one day, within ``batch_days``
        days before a term's end or after it (the end-of-semester rush to fill the ledger), flags those entries.
    late_days, late_share
        ``late_entry_class``: a class whose home visits in a term were entered more than ``late_days`` days after
        the visit in more than ``late_share`` of cases has those late entries flagged (补录).

    Notes
    -----
    The other flags: ``no_evidence`` (evidence = none), ``duplicate`` (a second event of the same type on the same
    date for the same class, or for home visits the same student; the first is not flagged) and
    ``attended_over_invited`` (n_attended > n_invited). Visits dated outside the student's enrolment are already
    invalid in the logs and never counted. Checks whose columns are absent are all False.

    Examples
    --------
    >>> from hsc_analysis.compliance import read_study_logs
    >>> from hsc_analysis.study import load_study
    >>> flags = paper_compliance_flags(read_study_logs(load_study("data/example/study.yaml")))
    >>> int(flags.events["implausible_day"].sum()) > 0
    True
    """
    events = logs.events
    valid = events["valid"].to_numpy()
    is_visit = events["activity_type"].eq("home_visit").to_numpy()
    visit = valid & is_visit
    in_person = visit & (events["mode"] == "in_person").to_numpy()
    day = _day_number(events["date"])
    entered = events["entered_at"] if "entered_at" in events.columns else None
    entered_day = _day_number(entered) if entered is not None else None
    false = np.zeros(len(events), dtype=bool)
    flags = {}
    if "organiser_staff_id" in events.columns:
        per_day = _group_size(in_person, codes(events["organiser_staff_id"]), day)
        flags["implausible_day"] = in_person & (per_day > max_visits_per_day)
    else:
        flags["implausible_day"] = false
    if entered_day is not None and "entered_by" in events.columns:
        near_end = _near_term_end(entered, logs.tables["term"], batch_days)
        batch = _group_size(visit, codes(events["entered_by"]), entered_day)
        flags["batch_entry"] = visit & near_end & (batch >= batch_size)
    else:
        flags["batch_entry"] = false
    if entered_day is not None:
        flags["late_entry_class"] = _late_class(logs, visit, entered_day - day > late_days, late_share)
    else:
        flags["late_entry_class"] = false
    flags["no_evidence"] = (events["evidence"] == "none").to_numpy() if "evidence" in events.columns else false
    flags["duplicate"] = _duplicates(logs, valid, is_visit, codes(events["activity_type"]), day)
    if {"n_invited", "n_attended"} <= set(events.columns):
        flags["attended_over_invited"] = (events["n_attended"] > events["n_invited"]).to_numpy()
    else:
        flags["attended_over_invited"] = false
    out = pd.DataFrame(
        {name: events[name][valid].reset_index(drop=True) for name in ("event_id", "activity_type")}
        | {name: flags[name][valid] for name in FLAGS}
    )
    out["n_flags"] = out[list(FLAGS)].sum(axis=1).astype(np.int64)
    settings = {
        "max_visits_per_day": max_visits_per_day,
        "batch_size": batch_size,
        "batch_days": batch_days,
        "late_days": late_days,
        "late_share": late_share,
    }
    return PaperFlags(events=out, settings=settings)


def _day_number(dates: pd.Series) -> np.ndarray:
    """Days since 1970 (int64; a large negative number where the date is missing)."""
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _group_size(mask: np.ndarray, code: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each row under ``mask``, the number of masked rows sharing its (code, day); 0 elsewhere."""
    size = np.zeros(len(mask), dtype=np.int64)
    key = code[mask].astype(np.int64) * 1_000_003 + (day[mask] - day[mask].min(initial=0))
    inverse, _ = pd.factorize(key)  # a hash, not a sort: linear in the number of events
    size[mask] = np.bincount(inverse)[inverse]
    return size


def _near_term_end(entered: pd.Series, terms: pd.DataFrame, batch_days: int) -> np.ndarray:
    """Entered within ``batch_days`` before a term's end, or in the holiday after it."""
    day = entered.dt.normalize().to_numpy()
    ends = np.sort(terms["end_date"].to_numpy())
    starts = np.sort(terms["start_date"].to_numpy())
    nxt = np.searchsorted(ends, day, side="left")
    before_end = (nxt < len(ends)) & ((ends[np.minimum(nxt, len(ends) - 1)] - day) <= np.timedelta64(batch_days, "D"))
    prev_start = np.searchsorted(starts, day, side="right") - 1
    prev_end = np.searchsorted(ends, day, side="right") - 1
    in_break = (prev_end >= 0) & (prev_end >= prev_start)  # the last boundary passed was an end: a holiday
    return (before_end | in_break) & ~np.isnat(day)


def _late_class(logs: ActivityLogs, visit: np.ndarray, late: np.ndarray, late_share: float) -> np.ndarray:
    """Late entries of the classes whose visits in a term were mostly entered late."""
    events, links = logs.events, logs.tables["event_class"]
    class_of = np.full(len(events), -1, dtype=np.int64)
    ok = (links["event_pos"] >= 0).to_numpy() & (links["class_pos"] >= 0).to_numpy()
    class_of[links["event_pos"].to_numpy()[ok]] = links["class_pos"].to_numpy()[ok]
    term = events["term_pos"].to_numpy()
    use = visit & (class_of >= 0) & (term >= 0)
    n_terms = len(logs.tables["term"])
    key = class_of * n_terms + term
    size = (class_of.max(initial=0) + 1) * n_terms
    total = np.bincount(key[use], minlength=size)
    n_late = np.bincount(key[use & late], minlength=size)
    share = np.divide(n_late, total, out=np.zeros(size), where=total > 0)
    return use & late & (share[np.where(use, key, 0)] > late_share)


def _duplicates(logs: ActivityLogs, valid, is_visit, type_code, day) -> np.ndarray:
    """Second and later valid events of one type on one date for one class (home visits: for one student)."""
    dup = np.zeros(len(valid), dtype=bool)
    span = day[valid].max(initial=0) - day[valid].min(initial=0) + 1
    first_day = day[valid].min(initial=0)
    for table, unit, home_visit in (("event_class", "class_pos", False), ("event_student", "student_pos", True)):
        links = logs.tables[table]
        event, who = links["event_pos"].to_numpy(), links[unit].to_numpy()
        ok = (event >= 0) & (who >= 0)
        event, who = event[ok], who[ok]
        keep = valid[event] & (is_visit[event] == home_visit)
        event, who = event[keep], who[keep]
        order = np.argsort(event, kind="stable")
        event, who = event[order], who[order]
        key = (who.astype(np.int64) * (type_code.max(initial=0) + 1) + type_code[event]) * span + day[event] - first_day
        pairs = pd.DataFrame({"event": event, "key": key}).drop_duplicates()  # a link given twice is one link
        dup[pairs["event"].to_numpy()[pairs["key"].duplicated().to_numpy()]] = True
    return dup & valid


@dataclass(frozen=True)
class FlagRecovery:
    """Precision and recall of each flag (and of any flag) against known fabricated event ids."""

    table: pd.DataFrame
    n_true: int

    def to_frame(self) -> pd.DataFrame:
        return self.table


def flag_recovery(flags: PaperFlags, *, fabricated: Collection[str], activity_type: str = "home_visit") -> FlagRecovery:
    """Precision = flagged ∩ fabricated / flagged and recall = flagged ∩ fabricated / fabricated, per flag, for any
    flag and for two or more flags, among valid events of ``activity_type`` (the example's planted records are home
    visits).

    Examples
    --------
    >>> import json
    >>> from pathlib import Path
    >>> from hsc_analysis.compliance import read_study_logs
    >>> from hsc_analysis.study import load_study
    >>> flags = paper_compliance_flags(read_study_logs(load_study("data/example/study.yaml")))
    >>> truth = json.loads(Path("data/example/truth.json").read_text(encoding="utf-8"))["fabricated_event_ids"]
    >>> any_flag = flag_recovery(flags, fabricated=truth).table.set_index("flag").loc["any"]
    >>> bool(any_flag["recall"] == 1.0)
    True
    """
    events = flags.events[flags.events["activity_type"] == activity_type]
    true = positions(events["event_id"], pd.Series(list(fabricated), dtype="str")) >= 0
    rows = []
    combined = {"any": (events["n_flags"] > 0).to_numpy(), "two_or_more": (events["n_flags"] > 1).to_numpy()}
    for name in (*FLAGS, *combined):
        hit = combined[name] if name in combined else events[name].to_numpy()
        tp = int((hit & true).sum())
        rows.append(
            {
                "flag": name,
                "n_flagged": int(hit.sum()),
                "true_positive": tp,
                "precision": tp / hit.sum() if hit.sum() else np.nan,
                "recall": tp / true.sum() if true.sum() else np.nan,
            }
        )
    return FlagRecovery(table=pd.DataFrame(rows), n_true=int(true.sum()))
