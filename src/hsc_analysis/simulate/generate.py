"""``simulate_study``: one seeded draw of a whole study (questionnaires, logs and the truth behind them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hsc_analysis import __version__
from hsc_analysis.instruments import Instrument, load_instrument
from hsc_analysis.simulate.config import load_config
from hsc_analysis.simulate.latent import admin_latent, implied_exogenous_correlation, parent_latents, teacher_latents
from hsc_analysis.simulate.logs import ActivityLogs, draw_counties, draw_logs
from hsc_analysis.simulate.measurement import CARELESS_TYPES, answer_items
from hsc_analysis.simulate.population import Population, draw_population, numbered

__all__ = ["PARENT_CONSTRUCTS", "TEACHER_CONSTRUCTS", "SimulatedStudy", "default_surveys_dir", "simulate_study"]

PARENT_CONSTRUCTS = {
    "COM": "communication",
    "OPN": "opinion",
    "FLX": "flexibility",
    "INV": "invitations",
    "ROL": "role_construction",
    "EFF": "efficacy",
    "TIM": "time_energy",
    "TRU": "trust",
    "GOL": "goal",
    "INH": "home_involvement",
    "INS": "school_involvement",
    "CMY": "community",
    "EFT": "effectiveness",
    "ASV": "service_quality",
    "SAT": "satisfaction",
}
"""Model abbreviations → construct ids of surveys/parent.yaml (and after_school.yaml for ASV, SAT)."""

TEACHER_CONSTRUCTS = {
    "ENT": "enthusiasm",
    "EFF": "efficacy",
    "BEL": "beliefs",
    "PRC": "outreach",
    "SUP": "school_support",
    "GOL": "goal",
    "STR": "stress",
    "TRU": "trust",
    "EFT": "effectiveness",
}
"""Model abbreviations of teachers → construct ids of surveys/teacher.yaml."""

_RELATION_CODE = {"mother": 1, "father": 2, "grandparent": 3, "other": 4}
_LOCALE_CODE = {"urban": 1, "town": 2, "rural": 3}
_LEFT_BEHIND_CODE = {"none": 1, "one": 2, "both": 3}
_SUGGESTIONS = (
    "希望家长会多安排在周末或晚上。",
    "建议学校多开展亲子活动。",
    "希望老师能多反馈孩子在校的具体情况。",
    "家长群通知太多，希望整理后统一发布。",
    "希望家庭教育讲座的内容更贴近实际。",
)


@dataclass(frozen=True)
class SimulatedStudy:
    """A simulated study, before it is written to files.

    Attributes
    ----------
    config : dict
        The full config used; ``seed`` the seed.
    parents, teachers, administrators : DataFrame
        What each questionnaire file holds, one row per respondent in submission order, indexed by ``序号`` (1…N):
        ``submitted_at``, ``duration_seconds``, identifier and background fields as codes, item codes (float, NaN =
        blank; "don't know" as its code, e.g. 9). Parents whose child is not in after-school services skip that
        module (NaN, written as the platform's skip code).
    parent_truth, teacher_truth : DataFrame
        Per respondent (same index): the student or staff id, the careless type ("" if attentive) and every latent.
    parent_latents : DataFrame
        Latents of every family, respondents or not (``responded`` says which), with the family's SES z-score,
        indexed like the student roster.
    logs : ActivityLogs
        Activity-log tables, fabricated event ids and the class compliance index.
    instruments : dict
        The instruments used, by dataset name (``parent`` includes the after-school module when configured).
    truth : dict
        Every true parameter and planted record, JSON-ready (written as truth.json).
    """

    config: dict[str, Any]
    seed: int
    parents: pd.DataFrame
    teachers: pd.DataFrame
    administrators: pd.DataFrame
    parent_truth: pd.DataFrame
    teacher_truth: pd.DataFrame
    parent_latents: pd.DataFrame
    logs: ActivityLogs
    instruments: dict[str, tuple[Instrument, ...]]
    surveys_dir: Path
    truth: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The parent questionnaire data (the study's main dataset)."""
        return self.parents


def default_surveys_dir() -> Path:
    """The repository's ``surveys/`` folder (instrument files), next to ``src/``."""
    return Path(__file__).resolve().parents[3] / "surveys"


def simulate_study(
    config: str | Path | Mapping[str, Any] | None, *, seed: int, surveys_dir: str | Path | None = None
) -> SimulatedStudy:
    """Simulate a case school or a district study with known truth (the model in case_school.yaml / district.yaml).

    Parameters
    ----------
    config : None, "case_school", "district", YAML path or mapping
        See :func:`hsc_analysis.simulate.load_config`; ``None`` is the case school.
    seed : int
        Seeds the ``numpy.random.default_rng`` that all randomness of the model comes from; the county table of
        the 教联体 targets is drawn from a stream of its own, ``default_rng([seed, 2])``, so it changes no other
        draw.
    surveys_dir : path, optional
        Folder with parent.yaml, teacher.yaml, administrator.yaml and after_school.yaml (default: the repository's
        ``surveys/``).

    Returns
    -------
    SimulatedStudy

    Notes
    -----
    Order of the draw: population → teacher latents → activity logs (home-visit probability
    logistic(b0 + .7·T-ENT_c + .3·SUP + size + rural terms)) → class compliance index CCI_c → parent latents
    (exogenous N(0, R) within classes plus class and school parts; endogenous TRU, INH, INS, EFT[, SAT] by the
    config's paths, each with residual variance 1 − Var(systematic) − ICCs) → unit response
    (logit = 2.3 − .8·LB_both − .5·grandparent + γ·EFT) → items (ordinal measurement, careless responders,
    "don't know", blanks) → administrators (one capacity factor, λ = .7, leniency +.5 SD).

    Examples
    --------
    >>> study = simulate_study({"schools": {"urban": {"n": 1, "classes": [4, 4], "class_size": [20, 20]}}}, seed=1)
    >>> study.parents.shape[0] <= 80, study.truth["seed"]
    (True, 1)
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    cfg = load_config(config)
    surveys = Path(surveys_dir) if surveys_dir is not None else default_surveys_dir()
    parent_instruments = [load_instrument(surveys / "parent.yaml")]
    if cfg["after_school_module"]:
        parent_instruments.append(load_instrument(surveys / "after_school.yaml"))
    teacher_instrument = load_instrument(surveys / "teacher.yaml")
    admin_instrument = load_instrument(surveys / "administrator.yaml")
    rng = np.random.default_rng(int(seed))

    population = draw_population(cfg, rng)
    teacher_lat = teacher_latents(cfg, population, rng=rng)
    head_sup = teacher_lat.scores["SUP"].to_numpy()[population.teachers["head_teacher"].to_numpy()]
    logs = draw_logs(cfg, population, head_sup=head_sup, rng=rng)
    counties = draw_counties(cfg, rng=np.random.default_rng([int(seed), 2]))  # own stream: other files unchanged
    logs = replace(logs, tables={**logs.tables, "county": counties})
    parent_lat = parent_latents(cfg, population, cci_z=logs.class_cci["cci_z"].to_numpy(), rng=rng)

    parents, parent_truth, parent_items = _parents(cfg, population, parent_lat.scores, logs, parent_instruments, rng)
    teachers, teacher_truth, teacher_items = _teachers(
        cfg, population, teacher_lat.scores, logs, teacher_instrument, rng
    )
    administrators, admin_items = _administrators(cfg, population, admin_instrument, rng)
    latents = parent_lat.scores.assign(
        SES=population.students["ses"],
        student_id=population.students["student_id"],
        responded=population.students["student_id"].isin(parent_truth["student_id"]),
    )
    truth = _truth(
        cfg,
        int(seed),
        population,
        parent_lat,
        teacher_lat,
        logs,
        parent_truth,
        teacher_truth,
        {"parent": parent_items, "teacher": teacher_items, "administrator": admin_items},
        latents,
    )
    return SimulatedStudy(
        config=cfg,
        seed=int(seed),
        parents=parents,
        teachers=teachers,
        administrators=administrators,
        parent_truth=parent_truth,
        teacher_truth=teacher_truth,
        parent_latents=latents,
        logs=logs,
        instruments={
            "parent": tuple(parent_instruments),
            "teacher": (teacher_instrument,),
            "administrator": (admin_instrument,),
        },
        surveys_dir=surveys,
        truth=truth,
    )


# --- respondents ------------------------------------------------------------------------------------------------


def _parents(cfg, population: Population, latents: pd.DataFrame, logs: ActivityLogs, instruments, rng):
    students = population.students
    resp = cfg["response"]
    both = (students["left_behind"] == "both").to_numpy(dtype=float)
    grandparent = (students["relation"] == "grandparent").to_numpy(dtype=float)
    logit = resp["parent_intercept"] + resp["parent_lb_both"] * both + resp["parent_grandparent"] * grandparent
    logit = logit + resp["mnar_gamma"] * latents["EFT"].to_numpy()
    responded = rng.random(len(students)) < 1 / (1 + np.exp(-logit))
    lat = latents[responded].reset_index(drop=True)
    who = students[responded].reset_index(drop=True)
    latent_of = {PARENT_CONSTRUCTS[k]: lat[k].to_numpy() for k in lat.columns if k in PARENT_CONSTRUCTS}
    dk = cfg["missing"]["dont_know"]
    answers = answer_items(
        instruments,
        latent_of=latent_of,
        config=cfg,
        rng=rng,
        careless_shares=cfg["careless"]["parents"],
        blank_rate=cfg["missing"]["parent_item_mcar"],
        halo_constructs=[PARENT_CONSTRUCTS[k] for k in cfg["perception"]],
        shift_of={PARENT_CONSTRUCTS[k]: cfg["method"]["sd_shift_self_involvement"] for k in ("INH", "INS")},
        dont_know_logit=np.log(dk["rate"] / (1 - dk["rate"])) + dk["ins_slope"] * lat["INS"].to_numpy(),
        moderacy_share=cfg["method"]["moderacy_share"],
    )
    codes = answers.codes
    if len(instruments) > 1:  # the after-school module is shown only to families that use the service
        module = [item.id for inst in instruments[1:] for item in inst.items]
        codes.loc[~who["after_school"].to_numpy(), module] = np.nan
    n = len(who)
    fx = _parent_facts(cfg, who, logs, rng)
    background = pd.DataFrame(
        {
            "school_code": who["school_id"],
            "class_code": who["class_id"],
            **({"student_code": who["student_id"]} if cfg["platform"]["student_code"] else {}),
            "relation": who["relation"].map(_RELATION_CODE),
            "grade": who["grade"],
            "education": who["education"],
            "occupation": who["occupation"],
            "residence": who["locale"].map(_LOCALE_CODE),
            "hukou": np.where(who["hukou_local"], 1, 2),
            "left_behind": who["left_behind"].map(_LEFT_BEHIND_CODE),
            "migrant_child": np.where(who["migrant_child"], 1, 2),
            "boarding": np.where(who["boarding"], 1, 2),
            "n_children": who["n_children"],
            "after_school": np.where(who["after_school"], 1, 2),
            **fx,
        }
    )
    given = rng.random(n) < cfg["missing"]["phone_given"]
    phone = numbered("100", rng.integers(0, 10**8, n), 8)  # no Chinese mobile number starts with 100
    suggestion = np.asarray(_SUGGESTIONS)[rng.integers(0, len(_SUGGESTIONS), n)]
    extra = pd.DataFrame(
        {
            "phone": np.where(given, phone, ""),
            "suggestions": np.where(rng.random(n) < cfg["missing"]["suggestion_given"], suggestion, ""),
        }
    )
    # Timed background questions: the student code (copied from the school's slip) is not among them, so that
    # switching platform.student_code on leaves the duration draws, and every draw after them, unchanged.
    n_questions = len(background.columns) - ("student_code" in background.columns) + 2
    frame = pd.concat([background, codes, extra], axis=1)
    truth = pd.concat([pd.DataFrame({"student_id": who["student_id"], "careless": answers.careless}), lat], axis=1)
    return *_in_submission_order(cfg, frame, truth, answers, n_questions, rng), answers.loadings


def _parent_facts(cfg, who: pd.DataFrame, logs: ActivityLogs, rng) -> dict[str, np.ndarray]:
    """FX1–FX3 answers: the log's truth with recall errors (the parent form's fx_* cross-check items)."""
    tables, fake = logs.tables, set(logs.fabricated_event_ids)
    events = tables["event"][~tables["event"]["event_id"].isin(fake)]
    start = pd.Timestamp(f"{cfg['calendar']['first_school_year'] + 1}-07-01")
    survey = pd.Timestamp(cfg["calendar"]["survey_start"])
    dates = pd.to_datetime(events["date"])
    visit_ids = events.loc[
        (events["activity_type"] == "home_visit") & (events["mode"] == "in_person") & (dates >= start), "event_id"
    ]
    visited = who["student_id"].isin(tables["event_student"].loc[lambda t: t["event_id"].isin(visit_ids), "student_id"])
    n = len(who)
    recall = np.where(rng.random(n) < cfg["log"]["fx_home_visit_error"], ~visited, visited)
    home_visit = np.where(rng.random(n) < cfg["log"]["fx_dont_remember"], 3, np.where(recall, 1, 2))
    term_start = pd.Timestamp(f"{cfg['calendar']['first_school_year'] + 2}-02-20")
    this_term = (dates >= term_start) & (dates < survey)
    meeting_ids = events.loc[(events["activity_type"] == "parent_meeting") & this_term, "event_id"]
    attended = tables["event_student"].loc[lambda t: t["event_id"].isin(meeting_ids)].groupby("student_id").size()
    meetings = attended.reindex(who["student_id"], fill_value=0).to_numpy() + rng.poisson(0.2, n)
    guidance_ids = events.loc[(events["activity_type"] == "family_guidance") & this_term, "event_id"]
    per_class = tables["event_class"].loc[lambda t: t["event_id"].isin(guidance_ids)].groupby("class_id").size()
    offered = per_class.reindex(who["class_id"], fill_value=0).to_numpy()
    return {
        "fx_home_visit": home_visit,
        "fx_parent_meetings": meetings,
        "fx_guidance_sessions": rng.binomial(offered, 0.6),
    }


def _teachers(cfg, population: Population, latents: pd.DataFrame, logs: ActivityLogs, instrument, rng):
    teachers = population.teachers
    responded = rng.random(len(teachers)) < cfg["response"]["teacher"]
    lat = latents[responded].reset_index(drop=True)
    who = teachers[responded].reset_index(drop=True)
    share = cfg["careless"]["teachers"] / len(CARELESS_TYPES)
    answers = answer_items(
        [instrument],
        latent_of={TEACHER_CONSTRUCTS[k]: lat[k].to_numpy() for k in lat.columns if k in TEACHER_CONSTRUCTS},
        config=cfg,
        rng=rng,
        careless_shares=dict.fromkeys(CARELESS_TYPES, share),
        blank_rate=cfg["missing"]["teacher_item"],
    )
    n = len(who)
    events = logs.tables["event"]
    year_start = pd.Timestamp(f"{cfg['calendar']['first_school_year'] + 1}-07-01")
    logged = (
        events[
            (events["activity_type"] == "home_visit")
            & (events["mode"] == "in_person")
            & (pd.to_datetime(events["date"]) >= year_start)
        ]
        .groupby("organiser_staff_id")
        .size()
    )
    visits = logged.reindex(who["staff_id"], fill_value=0).to_numpy()
    years = rng.integers(1, 36, n)
    n_subjects = rng.integers(1, 3, n)
    first = rng.integers(1, 8, n)
    second = (first + rng.integers(1, 7, n) - 1) % 7 + 1
    subjects = [[a] if k == 1 else sorted({a, b}) for a, b, k in zip(first, second, n_subjects, strict=True)]
    background = pd.DataFrame(
        {
            "staff_code": who["staff_id"],
            "class_codes": who["class_ids"],
            "head_teacher": np.where(who["head_teacher"], 1, 2),
            "subjects": subjects,
            "years_teaching": years,
            "title": np.digitize(years, [3, 8, 18]) + 1,
            "age_band": np.digitize(years + rng.integers(22, 26, n), [30, 40, 50]) + 1,
            "trained": np.where(lat["TRAINED"] > 0.5, 1, 2),
            "tx_hours_parents": np.round(
                np.exp(np.log(2.5) + 0.3 * lat["PRC"].to_numpy() + 0.4 * rng.standard_normal(n)), 1
            ),
            "tx_home_visits": np.round(visits * cfg["log"]["tx2_inflation"]).astype(int),
        }
    )
    frame = pd.concat([background, answers.codes], axis=1)
    truth = pd.concat([pd.DataFrame({"staff_id": who["staff_id"], "careless": answers.careless}), lat], axis=1)
    return *_in_submission_order(cfg, frame, truth, answers, len(background.columns), rng), answers.loadings


def _administrators(cfg, population: Population, instrument, rng):
    admins = population.admins
    eta = admin_latent(cfg, population, rng=rng)
    spec = cfg["admin_latent"]
    answers = answer_items(
        [instrument],
        latent_of={c.id: eta for c in instrument.constructs},
        config=cfg,
        rng=rng,
        careless_shares={},
        blank_rate=cfg["missing"]["admin_item"],
        loading_range=(spec["loading"], spec["loading"]),
        shift_of={c.id: spec["leniency"] for c in instrument.constructs},
    )
    background = pd.DataFrame(
        {
            "school_code": admins["school_id"],
            "staff_code": admins["staff_id"],
            "position": admins["position"],
            "years_in_post": admins["years_in_post"],
        }
    )
    frame = pd.concat([background, answers.codes], axis=1)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="序号")
    return frame, answers.loadings


def _in_submission_order(cfg, frame, truth, answers, n_background, rng):
    """Submission times over the survey window (evenings busiest), durations, and 序号 in submission order."""
    n = len(frame)
    cal = cfg["calendar"]
    day = rng.integers(0, cal["survey_days"], n)
    hour = rng.choice([7, 12, 13, 19, 20, 21, 22, 10, 15], n, p=[0.08, 0.1, 0.1, 0.18, 0.2, 0.14, 0.06, 0.07, 0.07])
    second = rng.integers(0, 3600, n)
    submitted = pd.Timestamp(cal["survey_start"]) + pd.to_timedelta(day * 86400 + hour * 3600 + second, unit="s")
    per_question = cfg["careless"]["seconds_per_background_question"]
    background = per_question * np.exp(0.3 * rng.standard_normal((n, n_background))).sum(axis=1)
    duration = np.round(answers.seconds + np.where(answers.careless == "", background, background / 3)).astype(int)
    order = np.argsort(submitted.to_numpy(), kind="stable")
    meta = pd.DataFrame({"submitted_at": submitted, "duration_seconds": duration})
    frame = pd.concat([meta, frame], axis=1).iloc[order].reset_index(drop=True)
    truth = truth.iloc[order].reset_index(drop=True)
    frame.index = truth.index = pd.RangeIndex(1, n + 1, name="序号")
    return frame, truth


# --- truth ------------------------------------------------------------------------------------------------------


def _truth(cfg, seed, population, parent_lat, teacher_lat, logs, parent_truth, teacher_truth, loadings, latents):
    def ids(frame, kind):
        return [int(i) for i in frame.index[frame["careless"] == kind]]

    implied = implied_exogenous_correlation(cfg, population)
    classes = population.classes.merge(logs.class_cci, on="class_id")
    return {
        "synthetic": True,
        "generator": f"hsc_analysis {__version__} hsc_analysis.simulate.simulate_study",
        "seed": seed,
        "config": cfg,
        "construct_map": {"parent": PARENT_CONSTRUCTS, "teacher": TEACHER_CONSTRUCTS},
        "counts": {
            "schools": len(population.schools),
            "classes": len(population.classes),
            "students": len(population.students),
            "parents_responding": len(parent_truth),
            "teachers": len(population.teachers),
            "teachers_responding": len(teacher_truth),
            "administrators": len(population.admins),
        },
        "residual_variance": {
            "parent": _rounded(parent_lat.residual_variance),
            "teacher": _rounded(teacher_lat.residual_variance),
        },
        "exogenous_correlation_implied": _rounded(implied.to_dict()),
        "latent_correlation_simulated": _rounded(latents[[*implied.index, *cfg["paths"]]].corr().to_dict()),
        "loadings": {k: _rounded(v) for k, v in loadings.items()},
        "careless": {
            "parents": {kind: ids(parent_truth, kind) for kind in CARELESS_TYPES},
            "teachers": {kind: ids(teacher_truth, kind) for kind in CARELESS_TYPES},
            "id": "序号 (row id of the questionnaire export)",
        },
        "respondents": {
            "parents_student_id": parent_truth["student_id"].tolist(),
            "teachers_staff_id": teacher_truth["staff_id"].tolist(),
            "id": "list position i holds 序号 i + 1",
        },
        "fabricated_event_ids": logs.fabricated_event_ids,
        "county_alliances": _county_truth(logs.tables["county"], cfg),
        **({"late_entry_event_ids": logs.late_entry_event_ids} if logs.late_entry_event_ids else {}),
        "schools": _records(population.schools[["school_id", "locale", "n_classes", "capacity"]]),
        "classes": _records(
            classes[
                [
                    "class_id",
                    "school_id",
                    "grade",
                    "size",
                    "head_teacher_id",
                    "t_ent",
                    "hv_coverage",
                    "pm_rate",
                    "fg_rate",
                    "pr_rate",
                    "cci",
                    "cci_z",
                ]
            ]
        ),
    }


def _county_truth(counties: pd.DataFrame, cfg) -> dict[str, Any]:
    """The county table's planted state: counties, those with an alliance by the table's date and by each target
    date of the 教联体 plan (2025-12-31, 2027-12-31; the table holds no date after its own)."""
    dates = pd.to_datetime(counties["alliance_established"].replace("", None))
    return {
        "n_counties": len(counties),
        "table_date": cfg["calendar"]["file_stamp"][:10],
        "established": int(dates.notna().sum()),
        "established_ids": counties.loc[dates.notna(), "county_id"].tolist(),
        "share_by": {day: round(float((dates <= pd.Timestamp(day)).mean()), 6) for day in ("2025-12-31", "2027-12-31")},
    }


def _rounded(mapping):
    if isinstance(mapping, dict):
        return {k: _rounded(v) for k, v in mapping.items()}
    return round(float(mapping), 6)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                k: round(float(v), 6)
                if isinstance(v, float | np.floating)
                else (int(v) if isinstance(v, np.integer) else v)
                for k, v in row.items()
            }
        )
    return out
