"""Benchmark: audit a province-size activity log — 1,000,000 students, 10,000,000 events — against a rule set.

Run: uv run python benchmarks/bench_compliance.py [STUDENTS] [EVENTS] [RUNS]   (defaults 1,000,000, 10,000,000, 3).

The log is generated once as Parquet files (500 schools × 50 classes × 40 students, four terms, one head teacher
per class): 70 % of the events are home visits (one visited student each, 5 % by phone), the rest parent meetings,
family guidance and off-campus practice linked to one class each, plus a school-wide meeting per school and term
(linked to its 50 classes) and community guidance. Each run is a fresh process that times, and reports the maximum
resident set size of:

    read      read_logs: read the ten Parquet tables and validate them (ids, dates, terms, links, enrolment)
    flags     paper_compliance_flags
    audit     audit against neimenggu (all valid events)
    audit2    audit against neimenggu without the flagged events

and checks that events read = invalid + excluded + counted. Wall-clock seconds per step and in total, CPU seconds
(``time.process_time``, all threads: on a machine shared with other jobs the better measure of the work) in total
and for read, flags and the first audit, and peak RSS in MiB.

Measured 2026-12-02 on the 2-core development machine, 1,000,000 students and 10,000,000 events (10,086,000
event_class and 7,000,000 event_student rows; 444,363 events flagged), generation and audit each in a fresh process.
Alone on the machine (load average < 1), one run; then 3 runs while other jobs started (load rising to 4):

    step        idle wall s   CPU s    3 runs: wall s (median, range)   CPU s (median)
    generate         23.9      23.9            28.6 (18.0–30.9)            20.4     peak RSS 4,328 MiB
    read             15.5      18.4            26.7 (15.1–35.3)            18.2     read 10 Parquet tables, validate
    flags            12.1      12.1            19.1 (11.4–20.2)            12.1
    audit             5.8       5.8             7.8  (6.2–12.3)             6.0
    audit2            6.6       ~6              8.4  (6.6–11.7)             ~6
    total            40.0      42.9            62.0 (39.3–79.5)            42.0     peak RSS 5,033 MiB

The audit meets the goal of ≤ 60 s and ≤ 8 GB on the idle machine (40.0 and 39.3 s wall in the two runs without
other load); under load the wall clock measures the other jobs as much as this code, the CPU seconds are the work.
The read is CPU-bound on matching text ids (one Arrow dictionary encoding for all tables) and sorting, not on
the group-bys.
"""

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CLASS_SIZE, CLASSES_PER_SCHOOL = 40, 50
TERMS = pd.DataFrame(
    {
        "term_id": ["2023-2024-1", "2023-2024-2", "2024-2025-1", "2024-2025-2"],
        "school_year": ["2023-2024", "2023-2024", "2024-2025", "2024-2025"],
        "semester": [1, 2, 1, 2],
        "start_date": pd.to_datetime(["2023-09-01", "2024-02-20", "2024-09-01", "2025-02-20"]),
        "end_date": pd.to_datetime(["2024-01-20", "2024-07-10", "2025-01-20", "2025-07-10"]),
    }
)


def _ids(prefix: str, n: int) -> np.ndarray:
    return (prefix + pd.Series(np.arange(n)).astype(str)).to_numpy()


def generate(n_students: int, n_events: int, folder: Path, *, seed: int = 0) -> dict[str, Path]:
    """Write the log tables as Parquet; return table name → file."""
    rng = np.random.default_rng(seed)
    n_classes = n_students // CLASS_SIZE
    n_schools = max(1, n_classes // CLASSES_PER_SCHOOL)
    class_school = np.minimum(np.arange(n_classes) // CLASSES_PER_SCHOOL, n_schools - 1)
    school_ids, class_ids, student_ids = _ids("S", n_schools), _ids("C", n_classes), _ids("P", n_students)
    head_ids = _ids("T", n_classes)
    student_class = np.arange(n_students) // CLASS_SIZE
    communities = np.repeat(school_ids, 3) + np.tile(["M1", "M2", "M3"], n_schools)
    tables = {
        "school": pd.DataFrame({"school_id": school_ids, "community_ids": pd.Series(communities).groupby(
            np.repeat(np.arange(n_schools), 3)).agg(";".join).to_numpy()}),
        "term": TERMS,
        "class": pd.DataFrame({"class_id": class_ids, "school_id": school_ids[class_school],
                               "grade": (np.arange(n_classes) % CLASSES_PER_SCHOOL) // 6 + 1,
                               "head_teacher_id": head_ids}),
        "student": pd.DataFrame({
            "student_id": student_ids, "class_id": class_ids[student_class],
            "enrol_start": pd.Timestamp("2023-09-01"), "enrol_end": pd.NaT,
            "left_behind": np.where(rng.random(n_students) < 0.1, "one", "none"),
            "needs_attention": rng.random(n_students) < 0.05,
        }),
        "staff": pd.DataFrame({"staff_id": head_ids, "school_id": school_ids[class_school], "role": "head_teacher"}),
        "committee": pd.DataFrame({"committee_id": _ids("K", n_schools), "school_id": school_ids, "level": "school"}),
    }  # fmt: skip
    n_school_wide = n_schools * len(TERMS)
    n_community = len(communities) * 8
    n_visits = int(0.7 * n_events)
    n_class = n_events - n_visits - n_school_wide - n_community
    term = rng.integers(0, len(TERMS), n_events)
    length = (TERMS["end_date"] - TERMS["start_date"]).dt.days.to_numpy()
    date = TERMS["start_date"].to_numpy()[term] + (rng.random(n_events) * length[term]).astype("timedelta64[D]")
    kind = np.concatenate([
        np.full(n_visits, "home_visit", dtype=object),
        rng.choice(np.array(["parent_meeting", "family_guidance", "offcampus_practice"], dtype=object), n_class),
        np.full(n_school_wide, "parent_meeting", dtype=object),
        np.full(n_community, "community_guidance", dtype=object),
    ])  # fmt: skip
    visited = rng.integers(0, n_students, n_visits)
    event_class = np.concatenate([student_class[visited], rng.integers(0, n_classes, n_class)])
    organiser = np.concatenate([head_ids[event_class], np.full(n_school_wide + n_community, "", dtype=object)])
    event_ids = _ids("E", n_events)
    entered = date + rng.geometric(0.3, n_events).astype("timedelta64[D]")
    tables["event"] = pd.DataFrame({
        "event_id": event_ids, "activity_type": kind, "date": date,
        "school_id": np.concatenate([school_ids[class_school[event_class]],
                                     np.repeat(school_ids, len(TERMS)), np.repeat(school_ids, 3 * 8)]),
        "community_id": np.concatenate([np.full(n_visits + n_class + n_school_wide, "", dtype=object),
                                        np.repeat(communities, 8)]),
        "mode": np.where(rng.random(n_events) < 0.05, "phone", "in_person"),
        "organiser_staff_id": organiser, "evidence": np.where(rng.random(n_events) < 0.03, "none", "photo"),
        "entered_by": organiser, "entered_at": entered, "n_invited": 40, "n_attended": 30,
    })  # fmt: skip
    wide = np.arange(n_visits + n_class, n_visits + n_class + n_school_wide)
    wide_school = np.arange(n_school_wide) // len(TERMS)
    classes_of_school = pd.Series(np.arange(n_classes)).groupby(class_school).apply(np.asarray)
    wide_classes = classes_of_school.reindex(wide_school).to_numpy()
    tables["event_class"] = pd.DataFrame({
        "event_id": np.concatenate([event_ids[: n_visits + n_class],
                                    np.repeat(event_ids[wide], [len(c) for c in wide_classes])]),
        "class_id": class_ids[np.concatenate([event_class, *wide_classes])],
    })  # fmt: skip
    tables["event_student"] = pd.DataFrame({"event_id": event_ids[:n_visits], "student_id": student_ids[visited]})
    paths = {}
    for name, table in tables.items():
        paths[name] = folder / f"{name}.parquet"
        table.to_parquet(paths[name], index=False)
    return paths


def run_once(folder: str) -> None:
    """One timed read + flags + two audits (in a fresh process); prints a JSON line."""
    import resource

    from hsc_analysis.compliance import audit, load_rules, paper_compliance_flags, read_logs

    paths = {p.stem: p for p in Path(folder).glob("*.parquet")}
    rules = load_rules("neimenggu")
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    start, start_cpu = time.perf_counter(), time.process_time()

    def step(name, call):
        wall, processor = time.perf_counter(), time.process_time()
        value = call()
        times[name], cpu[f"{name}_cpu"] = time.perf_counter() - wall, time.process_time() - processor
        return value

    logs = step("read", lambda: read_logs(paths))
    flags = step("flags", lambda: paper_compliance_flags(logs))
    full = step("audit", lambda: audit(logs, rules=rules))
    clean = step("audit2", lambda: audit(logs, rules=rules, exclude=flags.flagged_ids))
    times["total"], times["cpu"] = time.perf_counter() - start, time.process_time() - start_cpu
    times |= cpu
    steps = clean.accounting.set_index("step")["n"]
    assert steps["events read"] == steps["events invalid"] + steps["events excluded"] + steps["events counted"]
    print(json.dumps({
        **times, "events": logs.n_events_read, "invalid": logs.n_events_invalid, "flagged": len(flags.flagged_ids),
        "class_rows": len(full.classes), "student_rows": len(full.students),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10,
    }))  # fmt: skip


def generate_once(n_students: int, n_events: int, folder: str) -> None:
    """Generate the Parquet log (in a fresh process); prints a JSON line with wall and CPU seconds and peak RSS."""
    import resource

    start, start_cpu = time.perf_counter(), time.process_time()
    generate(n_students, n_events, Path(folder))
    print(json.dumps({
        "generate": time.perf_counter() - start, "generate_cpu": time.process_time() - start_cpu,
        "generate_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10,
    }))  # fmt: skip


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out.splitlines()[-1])


def main(n_students: int, n_events: int, runs: int) -> None:
    gen_keys = ("generate", "generate_cpu", "generate_rss_mib")
    keys = ("read", "flags", "audit", "audit2", "total", "cpu", "read_cpu", "flags_cpu", "audit_cpu", "rss_mib")
    print(f"{n_students:,} students, {n_events:,} events; each step in a fresh process")
    print(f"{'run':>3} " + " ".join(f"{k:>9}" for k in (*gen_keys, *keys)) + "  events / invalid / flagged")
    results = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as folder:  # a fresh log per run: generation is timed too
            r = _child("--generate", str(n_students), str(n_events), folder) | _child("--run", folder)
        results.append(r)
        print(f"{run + 1:>3} " + " ".join(f"{r[k]:9.1f}" for k in (*gen_keys, *keys))
              + f"  {r['events']:,} / {r['invalid']:,} / {r['flagged']:,}")  # fmt: skip
    median = {k: statistics.median(r[k] for r in results) for k in (*gen_keys, *keys)}
    print(f"{'med':>3} " + " ".join(f"{median[k]:9.1f}" for k in (*gen_keys, *keys)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--run"]:
        run_once(sys.argv[2])
    elif sys.argv[1:2] == ["--generate"]:
        generate_once(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        args = [int(a) for a in sys.argv[1:4]]
        defaults = [1_000_000, 10_000_000, 3]
        main(*(args + defaults[len(args) :]))
