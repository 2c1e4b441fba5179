"""The simulated population: schools, classes, students with their covariates, teachers and administrators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LOCALES", "RELATIONS", "Population", "draw_population", "numbered"]

LOCALES = ("urban", "town", "rural")
RELATIONS = ("mother", "father", "grandparent", "other")
_LEFT_BEHIND = ("none", "one", "both")


@dataclass(frozen=True)
class Population:
    """Tables of the simulated schools; every id is a pseudonymous code."""

    schools: pd.DataFrame  # school_id, locale, n_classes, capacity, rural, town
    classes: pd.DataFrame  # class_id, school_id, grade, size, head_teacher_id, t_ent
    students: pd.DataFrame  # one row per student (and parent respondent), covariates included
    teachers: pd.DataFrame  # staff_id, school_id, head_teacher, class_ids, grade_group
    admins: pd.DataFrame  # staff_id, school_id, position


def numbered(prefix, numbers, width: int) -> np.ndarray:
    """Codes such as ``S01C0302``: each prefix followed by its number zero-padded to ``width`` (vectorised)."""
    digits = pd.Series(np.asarray(numbers)).astype(str).str.zfill(width)
    return (pd.Series(np.broadcast_to(np.asarray(prefix, dtype=object), len(digits))) + digits).to_numpy()


def draw_population(config: dict[str, Any], rng: np.random.Generator) -> Population:
    schools = _schools(config, rng)
    classes = _classes(config, schools, rng)
    students = _students(config, schools, classes, rng)
    teachers = _teachers(config, schools, classes, rng)
    admins = _admins(config, schools, rng)
    classes = classes.assign(
        head_teacher_id=teachers.loc[teachers["head_teacher"], "staff_id"].to_numpy(),
    )
    return Population(schools=schools, classes=classes, students=students, teachers=teachers, admins=admins)


def _schools(config: dict[str, Any], rng: np.random.Generator) -> pd.DataFrame:
    spec = config["schools"]
    locale = np.repeat(LOCALES, [spec[loc]["n"] for loc in LOCALES])
    lo = np.array([spec[loc]["classes"][0] for loc in locale])
    hi = np.array([spec[loc]["classes"][1] for loc in locale])
    return pd.DataFrame(
        {
            "school_id": numbered("S", np.arange(1, len(locale) + 1), 2),
            "locale": locale,
            "n_classes": rng.integers(lo, hi + 1),
            "capacity": rng.standard_normal(len(locale)),
            "rural": (locale == "rural").astype(float),
            "town": (locale == "town").astype(float),
        }
    )


def _classes(config: dict[str, Any], schools: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = schools["n_classes"].to_numpy()
    school_index = np.repeat(np.arange(len(schools)), n)
    within = np.concatenate([np.arange(k) for k in n])
    grade = within * 9 // np.repeat(n, n) + 1
    # number of the class within its grade: 1, 2, ... (classes are ordered by grade inside a school)
    first_of_grade = pd.Series(within).groupby([school_index, grade]).transform("min").to_numpy()
    number = within - first_of_grade + 1
    locale = schools["locale"].to_numpy()[school_index]
    size_spec = config["schools"]
    lo = np.array([size_spec[loc]["class_size"][0] for loc in locale])
    hi = np.array([size_spec[loc]["class_size"][1] for loc in locale])
    school_id = schools["school_id"].to_numpy()[school_index]
    return pd.DataFrame(
        {
            "class_id": numbered(numbered(school_id + "C", grade, 2), number, 2),
            "school_id": school_id,
            "grade": grade,
            "size": rng.integers(lo, hi + 1),
            "t_ent": rng.standard_normal(len(grade)),
        }
    )


def _students(
    config: dict[str, Any], schools: pd.DataFrame, classes: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    pop = config["population"]
    class_index = np.repeat(np.arange(len(classes)), classes["size"].to_numpy())
    n = len(class_index)
    seat = np.concatenate([np.arange(1, s + 1) for s in classes["size"]])
    school = schools.set_index("school_id").loc[classes["school_id"].to_numpy()[class_index]]
    locale = school["locale"].to_numpy()
    grade = classes["grade"].to_numpy()[class_index]
    relation_p = np.array([pop["relation"][r] for r in RELATIONS])
    relation_p = relation_p / relation_p.sum()
    rural_p = relation_p * (1 - pop["grandparent_rural"]) / (1 - relation_p[2])
    rural_p[2] = pop["grandparent_rural"]
    cumulative = np.where((locale == "rural")[:, None], np.cumsum(rural_p), np.cumsum(relation_p))
    relation = np.asarray(RELATIONS)[(rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, 3)]
    education = np.clip(rng.normal(pop["education"]["mean"], pop["education"]["sd"], n), 6, 22).round()
    # occupation: 1 public sector … 5 not employed, more skilled with more education (6 other)
    occupation = np.clip(np.round(5.5 - (education - 6) / 4 + rng.normal(0, 1, n)), 1, 5).astype(int)
    occupation = np.where(rng.random(n) < 0.04, 6, occupation)
    ses_raw = (education - education.mean()) / education.std() - 0.3 * (occupation.clip(1, 5) - 3)
    ses = (ses_raw - ses_raw.mean()) / ses_raw.std()
    lb_rate = np.array([pop["left_behind"][loc] for loc in locale])
    is_lb = rng.random(n) < lb_rate
    both = rng.random(n) < pop["both_away_share"]
    left_behind = np.where(is_lb, np.where(both, "both", "one"), "none")
    migrant = rng.random(n) < np.array([pop["migrant"][loc] for loc in locale])
    junior = grade >= 7
    return pd.DataFrame(
        {
            "student_id": numbered(classes["class_id"].to_numpy()[class_index], seat, 2),
            "class_id": classes["class_id"].to_numpy()[class_index],
            "school_id": school.index.to_numpy(),
            "locale": locale,
            "grade": grade,
            "relation": relation,
            "education_years": education,
            "education": np.digitize(education, [10, 13, 15, 17]) + 1,  # 初中及以下 … 研究生
            "occupation": occupation,
            "ses": ses,
            "left_behind": left_behind,
            "migrant_child": migrant,
            "needs_attention": rng.random(n) < pop["attention"],
            "boarding": junior & (rng.random(n) < pop["boarding_junior"]),
            "n_children": 1 + rng.binomial(2, 0.3, n),
            "after_school": rng.random(n) < pop["after_school"],
            "hukou_local": ~migrant & (rng.random(n) < 0.95),
        }
    )


def _teachers(
    config: dict[str, Any], schools: pd.DataFrame, classes: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Head teachers (one per class, in class order) then subject teachers, each linked to 2–4 classes of a school."""
    staff = config["staff"]
    rows = []
    lo, hi = staff["subject_classes"]
    for school_id, group in classes.groupby("school_id", sort=True):
        n_classes = len(group)
        n_subject = max(0, round(staff["teachers_per_class"] * n_classes) - n_classes)
        k = rng.integers(lo, hi + 1, n_subject).clip(max=n_classes)
        start = rng.integers(0, n_classes, n_subject)
        ids = group["class_id"].to_numpy()
        grades = group["grade"].to_numpy()
        head = pd.DataFrame({"school_id": school_id, "head_teacher": True, "class_ids": ids, "grade": grades})
        # a subject teacher teaches k neighbouring classes (usually of one grade)
        taught = [",".join(ids[(s + np.arange(m)) % n_classes]) for s, m in zip(start, k, strict=True)]
        subject = pd.DataFrame(
            {"school_id": school_id, "head_teacher": False, "class_ids": taught, "grade": grades[start]}
        )
        rows.append(pd.concat([head, subject], ignore_index=True))
    teachers = pd.concat(rows, ignore_index=True)
    number = teachers.groupby("school_id").cumcount() + 1
    teachers.insert(0, "staff_id", teachers["school_id"] + "T" + number.map("{:03d}".format))
    teachers["grade_group"] = (teachers.pop("grade") - 1) // 3
    return teachers


def _admins(config: dict[str, Any], schools: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    k = config["staff"]["admins_per_school"]
    school_id = np.repeat(schools["school_id"].to_numpy(), k)
    number = np.tile(np.arange(1, k + 1), len(schools))
    # 1 principal, 2 vice-principals, 1 head of moral education, then grade leaders and other middle managers
    position = np.select([number == 1, number <= 3, number == 4, number <= 7], [1, 2, 3, 4], 5)
    return pd.DataFrame(
        {
            "staff_id": numbered(school_id + "A", number, 2),
            "school_id": school_id,
            "position": position,
            "years_in_post": rng.integers(1, 16, len(school_id)),
        }
    )
