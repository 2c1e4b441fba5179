"""Paper compliance (留痕式/补录): data-quality flags on logged events, and how well they find known fabrications."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.compliance.schema import ActivityLogs

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
    events = logs.events[logs.events["valid"]].reset_index(drop=True)
    out = pd.DataFrame({"event_id": events["event_id"], "activity_type": events["activity_type"]})
    visit = (events["activity_type"] == "home_visit").to_numpy()
    in_person = visit & (events["mode"] == "in_person").to_numpy()
    false = np.zeros(len(events), dtype=bool)

    if "organiser_staff_id" in events.columns:
        per_day = events.loc[in_person].groupby(["organiser_staff_id", "date"])["event_id"].transform("size")
        out["implausible_day"] = false.copy()
        out.loc[per_day.index, "implausible_day"] = (per_day > max_visits_per_day).to_numpy()
    else:
        out["implausible_day"] = false

    entered = events["entered_at"] if "entered_at" in events.columns else pd.Series(pd.NaT, index=events.index)
    out["batch_entry"] = _batch_entry(events, entered, visit, logs.tables["term"], batch_size, batch_days)
    out["late_entry_class"] = _late_class(events, entered, visit, logs, late_days, late_share)
    out["no_evidence"] = events["evidence"].astype(str).eq("none").to_numpy() if "evidence" in events.columns else false
    out["duplicate"] = _duplicates(events, visit, logs)
    if {"n_invited", "n_attended"} <= set(events.columns):
        out["attended_over_invited"] = (events["n_attended"] > events["n_invited"]).to_numpy()
    else:
        out["attended_over_invited"] = false
    out["n_flags"] = out[list(FLAGS)].sum(axis=1).astype(np.int64)
    settings = {
        "max_visits_per_day": max_visits_per_day,
        "batch_size": batch_size,
        "batch_days": batch_days,
        "late_days": late_days,
        "late_share": late_share,
    }
    return PaperFlags(events=out, settings=settings)


def _batch_entry(events, entered, visit, terms, batch_size, batch_days) -> np.ndarray:
    if entered.isna().all() or "entered_by" not in events.columns:
        return np.zeros(len(events), dtype=bool)
    ends = np.sort(terms["end_date"].to_numpy())
    day = entered.dt.normalize().to_numpy()
    # days from the entry to the nearest term end before or after it: within batch_days before, or after the end
    # up to the next term's start
    nxt = np.searchsorted(ends, day, side="left")
    before_end = (nxt < len(ends)) & ((ends[np.minimum(nxt, len(ends) - 1)] - day) <= np.timedelta64(batch_days, "D"))
    starts = np.sort(terms["start_date"].to_numpy())
    prev_start = np.searchsorted(starts, day, side="right") - 1
    prev_end = np.searchsorted(ends, day, side="right") - 1
    in_break = (prev_end >= 0) & (prev_end >= prev_start)  # the last boundary passed was an end: a holiday
    near_end = before_end | in_break
    size = pd.Series(visit, index=events.index).groupby([events["entered_by"], day]).transform("sum").to_numpy()
    return visit & near_end & (size >= batch_size) & ~np.isnat(day)


def _late_class(events, entered, visit, logs, late_days, late_share) -> np.ndarray:
    if entered.isna().all():
        return np.zeros(len(events), dtype=bool)
    late = visit & ((entered - events["date"]).dt.days > late_days).to_numpy()
    links = logs.tables["event_class"].drop_duplicates("event_id").set_index("event_id")["class_id"]
    cls = events["event_id"].map(links).fillna("").to_numpy()
    share = pd.Series(late, index=events.index)[visit].groupby([cls[visit], events["term_id"][visit]]).mean()
    key = pd.MultiIndex.from_arrays([cls, events["term_id"]])
    class_share = share.reindex(key).to_numpy()
    return late & (np.nan_to_num(class_share, nan=0.0) > late_share)


def _duplicates(events, visit, logs) -> np.ndarray:
    """Second and later events of one type on one date for one class (home visits: for one student)."""
    dup = np.zeros(len(events), dtype=bool)
    position = pd.Series(np.arange(len(events)), index=events["event_id"])
    for table, column, kind in (("event_class", "class_id", ~visit), ("event_student", "student_id", visit)):
        links = logs.tables[table]
        pos = position.reindex(links["event_id"]).to_numpy()
        ok = ~np.isnan(pos)
        pos = pos[ok].astype(np.int64)
        keep = kind[pos]
        pos = pos[keep]
        frame = pd.DataFrame(
            {
                "pos": pos,
                "unit": links[column].to_numpy()[ok][keep],
                "type": events["activity_type"].to_numpy()[pos],
                "date": events["date"].to_numpy()[pos],
            }
        ).sort_values("pos", kind="stable")
        repeated = frame.duplicated(["unit", "type", "date"])
        dup[frame.loc[repeated, "pos"].to_numpy()] = True
    return dup


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
    true = events["event_id"].isin(list(fabricated)).to_numpy()
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
