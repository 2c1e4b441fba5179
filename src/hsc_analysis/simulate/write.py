"""``write_study``: a simulated study as the files a researcher would download, plus study.yaml and truth.json."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from hsc_analysis.simulate.generate import PARENT_CONSTRUCTS, SimulatedStudy
from hsc_analysis.simulate.interviews import simulate_interviews, write_interviews
from hsc_analysis.simulate.platform import layout_questions, wjx_table, write_sav, write_xlsx

__all__ = ["write_study"]

_ADMIN_MISSING = 99  # item left unanswered: an SPSS user-missing code, labelled 未作答


_ANALYSES = {
    # What the default plan cannot derive from construct roles: the planted left-behind × invitations moderation
    # of home involvement, the head teacher's enthusiasm (T_ENT) and the activity log's class compliance index
    # under the Inner Mongolia rules (CCI) as class-level variables, and the parent–teacher perception gap of the
    # constructs both forms ask about.
    "datasets": {
        "parent": {
            "indicators": {"left_behind_any": {"question": "left_behind", "codes": [2, 3]}},
            "moderation": [{"x": "invitations", "w": "left_behind_any", "y": "home_involvement"}],
            "class_level": {
                "head_teacher_enthusiasm": {
                    "dataset": "teacher",
                    "construct": "enthusiasm",
                    "classes": "class_codes",
                    "where": {"head_teacher": 1},
                },
                "class_compliance": {"compliance": "neimenggu"},
            },
        }
    },
    "perception_gap": [
        {
            "parents": "parent",
            "teachers": "teacher",
            "by": "class_code",
            "teacher_classes": "class_codes",
            "constructs": ["goal", "effectiveness"],
        }
    ],
}


def write_study(study: SimulatedStudy, *, out_dir: str | Path) -> list[Path]:
    """Write the study's files into ``out_dir`` (created if needed) and return their paths.

    Files: parents as a 问卷星 按序号 .xlsx, teachers as a 问卷星 按文本 .xlsx, administrators as an SPSS .sav (variable
    labels, value labels, user-missing 99), one CSV per activity-log table in ``logs/``, ``study.yaml`` (instrument
    paths relative to it) and ``truth.json``; the district also writes its coded interviews (``interviews/``:
    ``interviews.qdpx``, ``coding_sheet.csv``, ``codebook.csv``; truth under ``interviews`` in truth.json).
    Every timestamp inside the files is the config's ``calendar.file_stamp``, so the same config and seed give
    byte-identical files.

    Examples
    --------
    >>> import tempfile
    >>> from hsc_analysis.simulate import simulate_study
    >>> study = simulate_study({"schools": {"urban": {"n": 1, "classes": [3, 3], "class_size": [20, 20]}}}, seed=2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sorted(p.suffix for p in write_study(study, out_dir=tmp))[:3]
    ['.csv', '.csv', '.csv']
    """
    out = Path(out_dir)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    cfg = study.config
    stamp = datetime.fromisoformat(cfg["calendar"]["file_stamp"])
    rng = np.random.default_rng([study.seed, 1])  # platform metadata (IP, channel) only; independent of the model
    paths = []

    parent_inst = study.instruments["parent"]
    parents = study.parents
    questions = layout_questions(
        parent_inst, columns=[c for c in parents.columns if c not in ("submitted_at", "duration_seconds")]
    )
    skipped = None
    if len(parent_inst) > 1:
        module = [item.id for inst in parent_inst[1:] for item in inst.items]
        skipped = pd.DataFrame({c: parents["after_school"].to_numpy() == 2 for c in module})
    table = wjx_table(parents, questions=questions, coding="index", skipped=skipped, rng=rng)
    parent_file = out / _wjx_name(cfg["platform"]["parent_vid"], "按序号", parent_inst[0].title.zh, len(parents))
    paths.append(write_xlsx(table, parent_file, stamp=stamp))

    teacher_inst = study.instruments["teacher"]
    teachers = study.teachers
    questions = layout_questions(
        teacher_inst, columns=[c for c in teachers.columns if c not in ("submitted_at", "duration_seconds")]
    )
    table = wjx_table(teachers, questions=questions, coding="text", skipped=None, rng=rng)
    teacher_file = out / _wjx_name(cfg["platform"]["teacher_vid"], "按文本", teacher_inst[0].title.zh, len(teachers))
    paths.append(write_xlsx(table, teacher_file, stamp=stamp))

    admin_file = out / "administrators.sav"
    paths.append(_write_admins(study, admin_file, stamp=stamp))

    log_files = {}
    for name, frame in study.logs.tables.items():
        path = out / "logs" / f"{name}.csv"
        path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        log_files[name] = f"logs/{name}.csv"
        paths.append(path)

    study_yaml = {
        "id": f"synthetic_{cfg['variant']}",
        "title": cfg["title"],
        "language": "zh",
        "synthetic": True,
        "datasets": {
            "parent": {
                "instrument": _relative(study.surveys_dir / "parent.yaml", out),
                "file": parent_file.name,
                "platform": "wjx_index",
            },
            "teacher": {
                "instrument": _relative(study.surveys_dir / "teacher.yaml", out),
                "file": teacher_file.name,
                "platform": "wjx_text",
            },
            "administrator": {
                "instrument": _relative(study.surveys_dir / "administrator.yaml", out),
                "file": admin_file.name,
                "platform": "spss",
            },
        },
        "analyses": _ANALYSES,
        "logs": log_files,
    }
    if len(parent_inst) > 1:
        study_yaml["datasets"]["parent"]["modules"] = [_relative(study.surveys_dir / "after_school.yaml", out)]
    truth = study.truth
    if cfg["variant"] == "district":  # the interview strand belongs to the district design (interviews.yaml)
        interviews = simulate_interviews(pd.DataFrame(study.truth["schools"]), seed=study.seed)
        paths.extend(write_interviews(interviews, out_dir=out / "interviews"))
        truth = truth | {"interviews": interviews.truth}
        study_yaml["interviews"] = {
            "file": "interviews/interviews.qdpx",
            "role_variable": "role",
            "quotes": False,  # segment text is personal data: true puts short quotes in the report
            "constructs": {
                code: PARENT_CONSTRUCTS[tie["construct"]] for code, tie in interviews.truth["survey_ties"].items()
            },
            "relations": interviews.truth["relations"],
        }
    path = out / "study.yaml"
    header = f"# Synthetic study generated by hsc_analysis.simulate (seed {study.seed}); truth in truth.json.\n"
    path.write_bytes((header + yaml.safe_dump(study_yaml, allow_unicode=True, sort_keys=False)).encode("utf-8"))
    paths.append(path)
    path = out / "truth.json"
    path.write_bytes((json.dumps(truth, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    paths.append(path)
    return paths


def _write_admins(study: SimulatedStudy, path: Path, *, stamp: datetime) -> Path:
    (inst,) = study.instruments["administrator"]
    data = study.administrators.reset_index(drop=True)
    data = data.drop(columns=["submitted_at", "duration_seconds"], errors="ignore")
    items = inst.item_ids
    data[items] = data[items].fillna(_ADMIN_MISSING)
    labels = {q.id: q.text.zh for q in (*inst.identifiers, *inst.background)} | {i.id: i.text.zh for i in inst.items}
    scale = {c: lab.zh for c, lab in inst.scales["A5"].codes.items()} | {_ADMIN_MISSING: "未作答"}
    value_labels = {i: scale for i in items}
    value_labels["position"] = {
        c: lab.zh for c, lab in next(q for q in inst.background if q.id == "position").levels.items()
    }
    return write_sav(
        data,
        path,
        column_labels={c: labels[c] for c in data.columns},
        value_labels=value_labels,
        missing={i: [_ADMIN_MISSING] for i in items},
        stamp=stamp,
    )


def _wjx_name(vid: int, coding: str, title: str, n: int) -> str:
    return f"{vid}_{coding}_{title}_{n}_{n}.xlsx"


def _relative(target: Path, start: Path) -> str:
    return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()
