"""Two school years of activity logs (the tables of compliance.schema), with planted "paper"
records.

Events are drawn per class, grade, school or community and period as whole arrays; each event is attached to the
classes it credits (``event_class``) and home visits and parent-meeting attendance to students
(``event_student``). Fabricated home visits are added in a few low-enthusiasm classes: no evidence, batch-entered
at the end of a semester, many on one day. With ``log.late_entry`` > 0, that share of class × semester cells
back-enter their genuine home visits at the semester's end (补录: held, but recorded weeks later).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hsc_analysis.compliance.schema import EVENT_COLUMNS
from hsc_analysis.simulate.population import Population, numbered

__all__ = ["ActivityLogs", "draw_counties", "draw_logs", "semesters"]

_EVIDENCE = np.array(["sign_in", "photo", "minutes"])
_TOPICS = {
    "home_visit": "家访",
    "parent_meeting": "家长会",
    "family_guidance": "家庭教育指导讲座",
    "offcampus_practice": "校外实践活动",
    "community_guidance": "社区家庭教育指导",
}


@dataclass(frozen=True)
class ActivityLogs:
    """The log tables (name → DataFrame), the ids of fabricated events, each class's compliance index and the ids
    of the genuine home visits entered late (``log.late_entry``)."""

    tables: dict[str, pd.DataFrame]
    fabricated_event_ids: list[str]
    class_cci: pd.DataFrame  # class_id, hv_coverage, pm_rate, fg_rate, pr_rate, cci, cci_z (school year 2 only)
    late_entry_event_ids: list[str] = field(default_factory=list)


def semesters(first_school_year: int) -> pd.DataFrame:
    """The four semesters of the two school years: term_id, school_year, semester, start_date, end_date."""
    rows = []
    for year in (first_school_year, first_school_year + 1):
        rows.append((f"{year}-{year + 1}-1", f"{year}-{year + 1}", 1, f"{year}-09-01", f"{year + 1}-01-20"))
        rows.append((f"{year}-{year + 1}-2", f"{year}-{year + 1}", 2, f"{year + 1}-02-20", f"{year + 1}-07-10"))
    terms = pd.DataFrame(rows, columns=["term_id", "school_year", "semester", "start_date", "end_date"])
    return terms.assign(start_date=pd.to_datetime(terms["start_date"]), end_date=pd.to_datetime(terms["end_date"]))


def draw_logs(
    config: dict[str, Any], population: Population, *, head_sup: np.ndarray, rng: np.random.Generator
) -> ActivityLogs:
    """Draw every log table; ``head_sup`` is each class's head teacher's school-support latent (class order)."""
    log = config["log"]
    terms = semesters(config["calendar"]["first_school_year"])
    classes, students, schools = population.classes, population.students, population.schools
    rural = schools.set_index("school_id").loc[classes["school_id"], "rural"].to_numpy()
    class_pos = pd.Series(np.arange(len(classes)), index=classes["class_id"])
    s_class = class_pos.loc[students["class_id"]].to_numpy()

    visits, visit_students = _home_visits(config, population, terms, head_sup, rural, s_class, rng)
    late_keys = _late_entries(log["late_entry"], terms, visits, rng)
    fabricated, fabricated_students = _paper_visits(config, population, terms, visits, rng)
    meetings, meeting_classes, meeting_students = _meetings(config, population, terms, rural, s_class, rng)
    guidance, guidance_classes = _class_events(
        config,
        population,
        terms,
        rng,
        kind="family_guidance",
        school_lambda=log["fg_school_lambda"],
        grade_lambda=0.0,
        class_rate=np.exp(np.log(log["fg_class"]["b0"]) + log["fg_class"]["T_ENT"] * classes["t_ent"].to_numpy()),
    )
    practice, practice_classes = _class_events(
        config,
        population,
        terms,
        rng,
        kind="offcampus_practice",
        school_lambda=0.0,
        grade_lambda=log["pr_grade_lambda"],
        class_rate=log["pr_class_lambda"] * np.exp(log["pr_rural"] * rural),
    )
    community = _community_events(config, population, terms, rng)

    events = pd.concat([visits, fabricated, meetings, guidance, practice, community], ignore_index=True)
    events = events.sort_values(["date", "activity_type", "key"], kind="stable").reset_index(drop=True)
    events["event_id"] = numbered("E", np.arange(1, len(events) + 1), 6)
    ids = events.set_index("key")["event_id"]
    event_class = pd.concat(
        [
            pd.DataFrame({"key": visits["key"], "class_id": visits["class_id"]}),
            pd.DataFrame({"key": fabricated["key"], "class_id": fabricated["class_id"]}),
            meeting_classes,
            guidance_classes,
            practice_classes,
        ],
        ignore_index=True,
    )
    event_class = _keyed(event_class, ids).sort_values(["event_id", "class_id"]).reset_index(drop=True)
    event_student = (
        _keyed(pd.concat([visit_students, fabricated_students, meeting_students], ignore_index=True), ids)
        .sort_values(["event_id", "student_id"])
        .reset_index(drop=True)
    )
    fabricated_ids = sorted(ids.loc[fabricated["key"]].tolist())
    real = events[~events["event_id"].isin(fabricated_ids)]
    cci = _class_compliance(population, terms, real, event_class, event_student)
    tables = {
        "school": _school_table(config, population, rng),
        "term": terms.assign(start_date=terms["start_date"].dt.date, end_date=terms["end_date"].dt.date),
        "class": classes[["class_id", "school_id", "grade", "head_teacher_id"]].assign(n_enrolled=classes["size"]),
        "student": _student_table(config, population),
        "staff": _staff_table(population),
        "event": _format_dates(events[list(EVENT_COLUMNS)], ("date", "entered_at")),
        "event_class": event_class,
        "event_student": event_student,
        "committee": _committees(config, population, rng),
        "ledger_entry": _ledger(config, population, terms, rng),
    }
    late = sorted(ids.loc[late_keys].tolist())
    return ActivityLogs(tables=tables, fabricated_event_ids=fabricated_ids, class_cci=cci, late_entry_event_ids=late)


# --- events -----------------------------------------------------------------------------------------------------


def _home_visits(config, population, terms, head_sup, rural, s_class, rng):
    log = config["log"]
    classes, students = population.classes, population.students
    t_ent = classes["t_ent"].to_numpy()
    size = classes["size"].to_numpy()
    hv = log["hv_logit"]
    logit = hv["b0"] + hv["T_ENT"] * t_ent + hv["SUP"] * head_sup + hv["size"] * (size - 40) + hv["rural"] * rural
    p_class = 1 / (1 + np.exp(-logit))
    lb = (students["left_behind"] != "none").to_numpy()
    attention = students["needs_attention"].to_numpy() | lb
    grade = students["grade"].to_numpy()
    parts = []
    for year_index, year in enumerate(terms["school_year"].unique()):
        start = terms.loc[terms["school_year"] == year, "start_date"].min()
        enrolled = (grade > 1) | (year_index == 1)  # this year's first graders arrived in the second year
        visited = enrolled & (rng.random(len(students)) < p_class[s_class])
        extra_p = np.clip(log["attention_extra"]["b0"] + log["attention_extra"]["T_ENT"] * t_ent[s_class], 0, 1)
        extra = visited & attention & (rng.random(len(students)) < extra_p)
        who = np.concatenate([np.flatnonzero(visited), np.flatnonzero(extra)])
        is_extra = np.arange(len(who)) >= visited.sum()
        # dates: September–October, January, or spread over the year; a second visit falls in the spring
        window = rng.choice(3, len(who), p=[0.6, 0.25, 0.15])
        offset = np.select(
            [window == 0, window == 1],
            [rng.integers(0, 61, len(who)), rng.integers(122, 142, len(who))],
            rng.integers(0, 300, len(who)),
        )
        offset = np.where(is_extra, rng.integers(175, 290, len(who)), offset)
        summer = (grade[who] == 1) & (year_index == 1) & ~is_extra & (rng.random(len(who)) < 0.5)
        offset = np.where(summer, -rng.integers(5, 25, len(who)), offset)
        parts.append(pd.DataFrame({"student": who, "date": start + pd.to_timedelta(offset, unit="D")}))
    rows = pd.concat(parts, ignore_index=True)
    who = rows["student"].to_numpy()
    in_person_p = np.where(lb[who], log["in_person"]["left_behind"], log["in_person"]["default"])
    in_person = rng.random(len(who)) < in_person_p
    mode = np.where(in_person, "in_person", np.where(lb[who] & (rng.random(len(who)) < 0.5), "online", "phone"))
    class_id = students["class_id"].to_numpy()[who]
    organiser = classes.set_index("class_id").loc[class_id, "head_teacher_id"].to_numpy()
    events = _event_frame(
        config,
        rng,
        kind="home_visit",
        date=rows["date"],
        level="class",
        school_id=students["school_id"].to_numpy()[who],
        organiser=organiser,
        mode=mode,
        invited=np.ones(len(who), int),
        attended=np.ones(len(who), int),
        duration=rng.integers(30, 91, len(who)),
        key_prefix="hv",
    )
    events["class_id"] = class_id
    return events, _visited_students(events, students, who)


def _late_entries(share: float, terms: pd.DataFrame, visits: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    """Back-entry (补录): in ``share`` of the class × semester cells, every genuine home visit of the semester is
    entered on the semester's last day or within the week after it (``visits.entered_at`` is changed in place).
    Returns the keys of the visits changed. Draws from a stream of its own, so a config without late entry (share
    0, the bundled example) gives the same log as before the option existed."""
    if share <= 0:
        return []
    own = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    date = visits["date"].to_numpy()
    term = np.searchsorted(terms["end_date"].to_numpy(), date, side="left")
    inside = (term < len(terms)) & (date >= terms["start_date"].to_numpy()[np.minimum(term, len(terms) - 1)])
    cells = pd.Series(visits["class_id"].to_numpy() + "|" + term.astype(str)).where(inside)
    chosen = {c for c in pd.unique(cells.dropna()) if own.random() < share}
    late = cells.isin(chosen).to_numpy()
    end = terms["end_date"].to_numpy()[np.minimum(term, len(terms) - 1)]
    entered = end + own.integers(0, 8, len(visits)).astype("timedelta64[D]")
    visits["entered_at"] = np.where(late, entered, visits["entered_at"].to_numpy())
    return visits.loc[late, "key"].tolist()


def _visited_students(events: pd.DataFrame, students: pd.DataFrame, who: np.ndarray) -> pd.DataFrame:
    """The event_student rows of home visits: who was visited, who received the visit (caregiver of a child whose
    parents both work away)."""
    both = (students["left_behind"] == "both").to_numpy()[who]
    return pd.DataFrame(
        {
            "key": events["key"],
            "student_id": students["student_id"].to_numpy()[who],
            "attended_by": _attended_by(students, who, both),
            "visited_party": np.where(both, "caregiver", "parents"),
        }
    )


def _paper_visits(config, population, terms, visits, rng):
    """Fabricated home visits: a batch per padding class in one semester, dated on two days, entered at its end."""
    share = config["log"]["paper_records"]
    classes, students = population.classes, population.students
    n_fake = round(share * len(visits) / (1 - share))
    n_pad = min(len(classes), max(1, len(classes) // 8))
    weights = np.exp(-classes["t_ent"].to_numpy())
    pad = rng.choice(len(classes), n_pad, replace=False, p=weights / weights.sum())
    term = rng.integers(0, len(terms), n_pad)
    which = np.sort(rng.integers(0, n_pad, n_fake))
    cls = pad[which]
    end = terms["end_date"].to_numpy()[term[which]]
    date = pd.to_datetime(end) - pd.to_timedelta(rng.integers(7, 9, n_fake), unit="D")
    size = classes["size"].to_numpy()[cls]
    seat = rng.integers(0, size)
    first = np.concatenate([[0], np.cumsum(classes["size"].to_numpy())[:-1]])
    who = first[cls] + seat
    events = _event_frame(
        config,
        rng,
        kind="home_visit",
        date=pd.Series(date),
        level="class",
        school_id=classes["school_id"].to_numpy()[cls],
        organiser=classes["head_teacher_id"].to_numpy()[cls],
        mode=np.full(n_fake, "in_person"),
        invited=np.ones(n_fake, int),
        attended=np.ones(n_fake, int),
        duration=np.full(n_fake, 60),
        key_prefix="paper",
    )
    events["evidence"] = "none"
    events["verified"] = False
    events["entered_at"] = pd.to_datetime(end)
    events["class_id"] = classes["class_id"].to_numpy()[cls]
    return events, _visited_students(events, students, who)


def _meetings(config, population, terms, rural, s_class, rng):
    """A school-wide parent meeting per semester (p = .95) plus Poisson class meetings; attendance per student."""
    log = config["log"]
    classes, students, schools = population.classes, population.students, population.schools
    spec = log["meetings_class"]
    rate = np.exp(spec["b0"] + spec["T_ENT"] * classes["t_ent"].to_numpy() + spec["rural"] * rural)
    frames, links = [], []
    for t, term in terms.iterrows():
        held = rng.random(len(schools)) < log["meetings_school_p"]
        school_ids = schools["school_id"].to_numpy()[held]
        date = term["start_date"] + pd.to_timedelta(rng.integers(20, 45, len(school_ids)), unit="D")
        school_events = pd.DataFrame(
            {"key": f"pm{t}s" + school_ids.astype(object), "school_id": school_ids, "date": date}
        )
        links.append(school_events.merge(classes[["school_id", "class_id"]], on="school_id")[["key", "class_id"]])
        count = rng.poisson(rate)
        cls = np.repeat(np.arange(len(classes)), count)
        class_events = pd.DataFrame(
            {
                "key": numbered(f"pm{t}c", np.arange(len(cls)), 1),
                "school_id": classes["school_id"].to_numpy()[cls],
                "date": term["start_date"] + pd.to_timedelta(rng.integers(10, 130, len(cls)), unit="D"),
                "class_id": classes["class_id"].to_numpy()[cls],
            }
        )
        links.append(class_events[["key", "class_id"]])
        frames.append((school_events, class_events))
    meeting_classes = pd.concat(links, ignore_index=True)
    # attendance: each (event, class) has a Beta rate; left-behind households attend less often
    att = log["attendance"]
    lb = (students["left_behind"] != "none").to_numpy()
    pairs = meeting_classes.assign(
        pos=population.classes.reset_index().set_index("class_id").loc[meeting_classes["class_id"], "index"].to_numpy()
    )
    mean = att["default"]
    rate_pair = rng.beta(mean * att["concentration"], (1 - mean) * att["concentration"], len(pairs))
    first = np.concatenate([[0], np.cumsum(classes["size"].to_numpy())[:-1]])
    sizes = classes["size"].to_numpy()[pairs["pos"].to_numpy()]
    pair_index = np.repeat(np.arange(len(pairs)), sizes)
    who = np.repeat(first[pairs["pos"].to_numpy()], sizes) + np.concatenate([np.arange(s) for s in sizes])
    p = rate_pair[pair_index] * np.where(lb[who], att["left_behind"] / att["default"], 1.0)
    came = rng.random(len(who)) < p
    both = (students["left_behind"] == "both").to_numpy()
    meeting_students = pd.DataFrame(
        {
            "key": pairs["key"].to_numpy()[pair_index][came],
            "student_id": students["student_id"].to_numpy()[who][came],
            "attended_by": _attended_by(students, who[came], both[who[came]]),
            "visited_party": "",
        }
    )
    attended = meeting_students.groupby("key").size()
    invited = pairs.assign(size=sizes).groupby("key")["size"].sum()
    events = pd.concat([pd.concat([s, c.drop(columns="class_id")]) for s, c in frames], ignore_index=True)
    level = np.where(events["key"].str.match(r"pm\d+s"), "school", "class")
    head = classes.set_index("class_id")["head_teacher_id"]
    class_of = meeting_classes.drop_duplicates("key").set_index("key")["class_id"]
    organiser = np.where(
        level == "class", head.loc[class_of.loc[events["key"]]].to_numpy(), events["school_id"] + "A01"
    )
    frame = _event_frame(
        config,
        rng,
        kind="parent_meeting",
        date=events["date"],
        level=level,
        school_id=events["school_id"].to_numpy(),
        organiser=organiser,
        mode=np.where(rng.random(len(events)) < 0.9, "in_person", "hybrid"),
        invited=invited.loc[events["key"]].to_numpy(),
        attended=attended.reindex(events["key"], fill_value=0).to_numpy(),
        duration=rng.integers(45, 121, len(events)),
        key_prefix=None,
        keys=events["key"].to_numpy(),
    )
    return frame, meeting_classes, meeting_students


def _class_events(config, population, terms, rng, *, kind, school_lambda, grade_lambda, class_rate):
    """School-, grade- and class-level events of one kind per semester, each linked to the classes it credits."""
    classes = population.classes
    frames, links = [], []
    grades = classes[["school_id", "grade"]].drop_duplicates().reset_index(drop=True)
    for t, term in terms.iterrows():
        for level, units, lam in (
            ("school", population.schools[["school_id"]], school_lambda),
            ("grade", grades, grade_lambda),
            ("class", classes[["school_id", "grade", "class_id"]], class_rate),
        ):
            count = rng.poisson(np.broadcast_to(lam, len(units)))
            unit = units.iloc[np.repeat(np.arange(len(units)), count)].reset_index(drop=True)
            unit["key"] = numbered(f"{kind}{t}{level}", np.arange(len(unit)), 1)
            unit["date"] = term["start_date"] + pd.to_timedelta(rng.integers(14, 130, len(unit)), unit="D")
            on = {"school": ["school_id"], "grade": ["school_id", "grade"], "class": ["class_id"]}[level]
            linked = unit[["key", *on]].merge(classes[["school_id", "grade", "class_id"]], on=on)[["key", "class_id"]]
            unit["level"] = level
            unit["n_invited"] = (
                linked.merge(classes[["class_id", "size"]]).groupby("key")["size"].sum().reindex(unit["key"]).to_numpy()
            )
            frames.append(unit)
            links.append(linked)
    units = pd.concat(frames, ignore_index=True)
    head = classes.set_index("class_id")["head_teacher_id"]
    organiser = np.where(
        units["level"] == "class", head.reindex(units["class_id"].fillna("")).to_numpy(), units["school_id"] + "A03"
    )
    invited = units["n_invited"].to_numpy().astype(int)
    frame = _event_frame(
        config,
        rng,
        kind=kind,
        date=units["date"],
        level=units["level"].to_numpy(),
        school_id=units["school_id"].to_numpy(),
        organiser=organiser,
        mode=np.where(rng.random(len(units)) < 0.8, "in_person", "online"),
        invited=invited,
        attended=rng.binomial(invited, 0.7),
        duration=rng.integers(40, 121, len(units)),
        key_prefix=None,
        keys=units["key"].to_numpy(),
    )
    return frame, pd.concat(links, ignore_index=True)


def _community_events(config, population, terms, rng):
    """Community guidance: Poisson(λ_locale) per community per calendar year, within the two school years."""
    schools = population.schools
    k = config["staff"]["communities_per_school"]
    start, end = terms["start_date"].min(), terms["end_date"].max()
    community = np.repeat(schools["school_id"].to_numpy(), k) + np.tile([f"M{i + 1}" for i in range(k)], len(schools))
    lam = np.repeat([config["log"]["cg_lambda"][loc] for loc in schools["locale"]], k)
    frames = []
    for year in range(start.year, end.year + 1):
        lo, hi = max(start, pd.Timestamp(f"{year}-01-01")), min(end, pd.Timestamp(f"{year}-12-31"))
        count = rng.poisson(lam * ((hi - lo).days + 1) / 365)
        idx = np.repeat(np.arange(len(community)), count)
        frames.append(
            pd.DataFrame(
                {
                    "community_id": community[idx],
                    "school_id": np.repeat(schools["school_id"].to_numpy(), k)[idx],
                    "date": lo + pd.to_timedelta(rng.integers(0, (hi - lo).days + 1, len(idx)), unit="D"),
                }
            )
        )
    units = pd.concat(frames, ignore_index=True)
    invited = rng.integers(20, 61, len(units))
    frame = _event_frame(
        config,
        rng,
        kind="community_guidance",
        date=units["date"],
        level="community",
        school_id=units["school_id"].to_numpy(),
        organiser=np.full(len(units), ""),
        mode=np.full(len(units), "in_person"),
        invited=invited,
        attended=rng.binomial(invited, 0.6),
        duration=rng.integers(60, 121, len(units)),
        key_prefix="cg",
    )
    frame["community_id"] = units["community_id"].to_numpy()
    return frame


def _event_frame(
    config, rng, *, kind, date, level, school_id, organiser, mode, invited, attended, duration, key_prefix, keys=None
):
    n = len(date)
    none = rng.random(n) < config["log"]["evidence_none"]
    evidence = np.where(none, "none", _EVIDENCE[rng.integers(0, 3, n)])
    date = pd.to_datetime(pd.Series(np.asarray(date)))
    return pd.DataFrame(
        {
            "key": keys if keys is not None else numbered(key_prefix, np.arange(n), 1),
            "activity_type": kind,
            "date": date.to_numpy(),
            "level": level,
            "school_id": school_id,
            "community_id": "",
            "organiser_staff_id": organiser,
            "mode": mode,
            "duration_min": duration,
            "topic": _TOPICS[kind],
            "n_invited": invited,
            "n_attended": attended,
            "evidence": evidence,
            "verified": ~none & (rng.random(n) < 0.9),
            "entered_by": organiser,
            "entered_at": (date + pd.to_timedelta(rng.geometric(0.3, n) - 1, unit="D")).to_numpy(),
        }
    )


def _attended_by(students: pd.DataFrame, who: np.ndarray, both_away: np.ndarray) -> np.ndarray:
    relation = students["relation"].to_numpy()[who]
    return np.where(both_away & np.isin(relation, ["mother", "father"]), "grandparent", relation)


def _keyed(frame: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    out = frame.assign(event_id=ids.loc[frame["key"]].to_numpy()).drop(columns="key")
    return out[["event_id", *[c for c in out.columns if c != "event_id"]]]


# --- compliance truth -------------------------------------------------------------------------------------------


def _class_compliance(population, terms, events, event_class, event_student) -> pd.DataFrame:
    """Graded class compliance index for the second school year (real events only): the mean of the capped rates
    of home-visit coverage (in person) and of parent meetings, family guidance and practice (≥ 2 per semester)."""
    classes, students = population.classes, population.students
    year = terms["school_year"].iloc[-1]
    last = terms[terms["school_year"] == year]
    in_year = events["date"].between(last["start_date"].min() - pd.Timedelta(days=60), last["end_date"].max())
    hv = events[in_year & (events["activity_type"] == "home_visit") & (events["mode"] == "in_person")]
    visited = event_student[event_student["event_id"].isin(hv["event_id"])]["student_id"].unique()
    coverage = students.assign(v=students["student_id"].isin(visited)).groupby("class_id")["v"].mean()
    linked = event_class.merge(events[["event_id", "activity_type", "date"]], on="event_id")
    rates = {}
    for kind, column in (
        ("parent_meeting", "pm_rate"),
        ("family_guidance", "fg_rate"),
        ("offcampus_practice", "pr_rate"),
    ):
        per_term = []
        for _, term in last.iterrows():
            sel = linked[
                (linked["activity_type"] == kind) & linked["date"].between(term["start_date"], term["end_date"])
            ]
            count = sel.groupby("class_id").size().reindex(classes["class_id"], fill_value=0)
            per_term.append(np.minimum(1.0, count.to_numpy() / 2))
        rates[column] = np.mean(per_term, axis=0)
    out = pd.DataFrame(
        {"class_id": classes["class_id"], "hv_coverage": coverage.reindex(classes["class_id"]).to_numpy(), **rates}
    )
    out["cci"] = out[["hv_coverage", "pm_rate", "fg_rate", "pr_rate"]].mean(axis=1)
    sd = out["cci"].std(ddof=0)
    out["cci_z"] = (out["cci"] - out["cci"].mean()) / sd if sd > 0 else 0.0
    return out


# --- reference tables -------------------------------------------------------------------------------------------


def _school_table(config, population, rng):
    schools = population.schools
    k = config["staff"]["communities_per_school"]
    level = np.where(schools["n_classes"] >= 18, "nine_year", "primary")
    return pd.DataFrame(
        {
            "school_id": schools["school_id"],
            "name": numbered("合成学校", np.arange(1, len(schools) + 1), 2),
            "district": "合成区",
            "locale": schools["locale"],
            "level": level,
            "rule_set_id": "default",
            "community_ids": [";".join(f"{s}M{i + 1}" for i in range(k)) for s in schools["school_id"]],
            "n_providers": rng.poisson([config["log"]["providers_lambda"][loc] for loc in schools["locale"]]),
        }
    )


def _student_table(config, population):
    students = population.students
    first = config["calendar"]["first_school_year"]
    enrol_start = np.where(students["grade"] > 1, f"{first}-09-01", f"{first + 1}-09-01")
    return pd.DataFrame(
        {
            "student_id": students["student_id"],
            "class_id": students["class_id"],
            "enrol_start": enrol_start,
            "enrol_end": "",
            "left_behind": students["left_behind"],
            "migrant_child": students["migrant_child"],
            "in_difficulty": students["needs_attention"],
            "needs_attention": students["needs_attention"],
            "boarding": students["boarding"],
            "caregiver_type": students["relation"],
        }
    )


def _staff_table(population):
    teachers, admins = population.teachers, population.admins
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "staff_id": teachers["staff_id"],
                    "school_id": teachers["school_id"],
                    "role": np.where(teachers["head_teacher"], "head_teacher", "subject"),
                    "class_ids": teachers["class_ids"].str.replace(",", ";"),
                }
            ),
            pd.DataFrame(
                {"staff_id": admins["staff_id"], "school_id": admins["school_id"], "role": "admin", "class_ids": ""}
            ),
        ],
        ignore_index=True,
    )


def _committees(config, population, rng):
    classes, schools = population.classes, population.schools
    grades = classes[["school_id", "grade"]].drop_duplicates()
    school = pd.DataFrame({"school_id": schools["school_id"], "level": "school", "grade": pd.NA, "class_id": ""})
    grade = grades.assign(level="grade", class_id="")
    cls = classes[["school_id", "grade", "class_id"]].assign(level="class")
    cls = cls[rng.random(len(cls)) >= config["log"]["committee_missing"]]
    out = pd.concat([school, grade, cls], ignore_index=True)[["school_id", "level", "grade", "class_id"]]
    out.insert(0, "committee_id", numbered("K", np.arange(1, len(out) + 1), 4))
    year = rng.integers(2015, config["calendar"]["first_school_year"] + 1, len(out))
    out["established"] = numbered(year.astype(str).astype(object) + "-09-", rng.integers(10, 30, len(out)), 2)
    lo = np.select([out["level"] == "school", out["level"] == "grade"], [9, 5], 3)
    out["n_members"] = lo + rng.integers(0, 7, len(out))
    return out


def _ledger(config, population, terms, rng):
    students = population.students
    flagged = students[students["needs_attention"] | (students["left_behind"] != "none")]
    category = np.where(flagged["needs_attention"], "in_difficulty", "left_behind")
    n = len(flagged)
    last = terms.iloc[-1]
    stale = rng.random(n) < config["log"]["ledger_stale"]
    reviewed = np.where(
        stale,
        last["start_date"] - pd.to_timedelta(rng.integers(60, 300, n), unit="D"),
        last["start_date"] + pd.to_timedelta(rng.integers(0, 80, n), unit="D"),
    )
    added = terms["start_date"].iloc[0] - pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    head = population.classes.set_index("class_id")["head_teacher_id"]
    return pd.DataFrame(
        {
            "student_id": flagged["student_id"].to_numpy(),
            "category": category,
            "added": pd.Series(added).dt.date.to_numpy(),
            "last_reviewed": pd.Series(reviewed).dt.date.to_numpy(),
            "responsible_staff_id": head.loc[flagged["class_id"]].to_numpy(),
            "support_plan": rng.random(n) < 0.8,
        }
    )


def draw_counties(config: dict[str, Any], *, rng: np.random.Generator) -> pd.DataFrame:
    """The county table of the 教联体 targets (``county`` of compliance.schema), one row per synthetic county.

    ``county_id`` X01…, ``name`` 示例县01… (made up, no real place), ``alliance_established``: for a county that
    has set up its education alliance by the table's date (``calendar.file_stamp``; probability
    ``counties.established``) a date uniform over [``counties.first_date``, that date], else empty (none yet).
    ``rng`` should be a stream of its own, so that the table leaves every other generated file unchanged.

    Examples
    --------
    >>> from hsc_analysis.simulate import load_config
    >>> table = draw_counties(load_config("case_school"), rng=np.random.default_rng(1))
    >>> table.columns.tolist(), table["name"].iloc[0]
    (['county_id', 'name', 'alliance_established'], '示例县01')
    """
    spec = config["counties"]
    n = spec["n"]
    first = pd.Timestamp(spec["first_date"])
    last = pd.Timestamp(config["calendar"]["file_stamp"]).normalize()
    established = rng.random(n) < spec["established"]
    dates = first + pd.to_timedelta(rng.integers(0, (last - first).days + 1, n), unit="D")
    return pd.DataFrame(
        {
            "county_id": numbered("X", np.arange(1, n + 1), 2),
            "name": numbered("示例县", np.arange(1, n + 1), 2),
            "alliance_established": np.where(established, dates.strftime("%Y-%m-%d"), ""),
        }
    )


def _format_dates(frame: pd.DataFrame, columns) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]).dt.date for c in columns})
