"""Latent variables of parents, teachers and administrators (the model in case_school.yaml and district.yaml).

Exogenous latents are multivariate normal within classes, plus class (and school) random parts; endogenous
latents follow the structural paths of the config, each with a class random intercept and a residual whose
variance makes the total variance 1 in the simulated population.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hsc_analysis.simulate.config import correlation_matrix
from hsc_analysis.simulate.population import Population

__all__ = ["Latents", "admin_latent", "implied_exogenous_correlation", "parent_latents", "teacher_latents"]


@dataclass(frozen=True)
class Latents:
    """Latent scores (one column per construct abbreviation) and the variances that were derived from the data."""

    scores: pd.DataFrame
    residual_variance: dict[str, float]


def parent_latents(
    config: dict[str, Any], population: Population, *, cci_z: np.ndarray, rng: np.random.Generator
) -> Latents:
    """Parent latents for every student's family (respondents and non-respondents alike)."""
    spec = config["parent_latent"]
    students, classes, schools = population.students, population.classes, population.schools
    class_index = classes.reset_index().set_index("class_id").loc[students["class_id"], "index"].to_numpy()
    school_index = schools.reset_index().set_index("school_id").loc[students["school_id"], "index"].to_numpy()
    n = len(students)
    names, corr = correlation_matrix(spec["correlations"])
    icc_c = np.array([spec["icc_class"].get(k, 0.0) for k in names])
    icc_s = np.array([spec["icc_school"].get(k, 0.0) for k in names])
    within = rng.multivariate_normal(np.zeros(len(names)), corr, size=n, method="cholesky")
    t_ent = classes["t_ent"].to_numpy()
    a = np.array([spec["t_ent_loadings"].get(k, 0.0) for k in names])
    class_part = np.sqrt(icc_c) * (
        a * t_ent[:, None] + np.sqrt(1 - a**2) * rng.standard_normal((len(classes), len(names)))
    )
    capacity = schools["capacity"].to_numpy()
    b = np.array([spec["capacity_loadings"].get(k, 0.0) for k in names])
    school_part = np.sqrt(icc_s) * (
        b * capacity[:, None] + np.sqrt(1 - b**2) * rng.standard_normal((len(schools), len(names)))
    )
    exogenous = within * np.sqrt(1 - icc_c - icc_s) + class_part[class_index] + school_part[school_index]

    rurality = _rurality(spec, population)[school_index]
    terms: dict[str, np.ndarray] = {
        "SES": students["ses"].to_numpy(),
        "LB": (students["left_behind"] != "none").to_numpy(dtype=float),
        "GP": (students["relation"] == "grandparent").to_numpy(dtype=float),
        "grade": students["grade"].to_numpy(dtype=float),
        "RURAL": rurality,
    }
    for j, name in enumerate(names):
        shift = sum(coefs.get(name, 0.0) * terms[cov] for cov, coefs in spec["covariates"].items())
        terms[name] = exogenous[:, j] + shift + spec["rural"].get(name, 0.0) * rurality
    terms["T_ENT_c"] = t_ent[class_index]
    terms["CCI_c"] = cci_z[class_index]
    residual = {}
    for name, coefs in config["paths"].items():
        systematic = (
            sum(coef * _term(terms, term) for term, coef in coefs.items()) + spec["rural"].get(name, 0.0) * rurality
        )
        u_class = rng.normal(0, np.sqrt(spec["icc_class"].get(name, 0.0)), len(classes))[class_index]
        u_school = rng.normal(0, np.sqrt(spec["icc_school"].get(name, 0.0)), len(schools))[school_index]
        explained = np.var(systematic) + spec["icc_class"].get(name, 0.0) + spec["icc_school"].get(name, 0.0)
        residual[name] = float(max(1.0 - explained, 0.0))
        terms[name] = systematic + u_class + u_school + rng.normal(0, np.sqrt(residual[name]), n)
    columns = [*names, *config["paths"]]
    return Latents(
        scores=pd.DataFrame({k: terms[k] for k in columns}, index=students.index), residual_variance=residual
    )


def implied_exogenous_correlation(config: dict[str, Any], population: Population) -> pd.DataFrame:
    """Population correlation of the exogenous parent latents implied by the config.

    Cov = D·R·D + A_c·A_cᵀ-part + school part + covariate and locale shifts, with D = diag(√(1 − ICC_c − ICC_s)),
    class part √ICC_c·(a·T_ENT + √(1−a²)·z) (so classes add √ICC_k·√ICC_l·a_k·a_l), school part likewise with the
    capacity loadings, and shifts c·cᵀ·Var(covariate) for SES (variance 1), grandparent and rurality (their
    variances in this population).
    """
    spec = config["parent_latent"]
    names, corr = correlation_matrix(spec["correlations"])
    icc_c = np.array([spec["icc_class"].get(k, 0.0) for k in names])
    icc_s = np.array([spec["icc_school"].get(k, 0.0) for k in names])
    a = np.array([spec["t_ent_loadings"].get(k, 0.0) for k in names])
    b = np.array([spec["capacity_loadings"].get(k, 0.0) for k in names])
    d = np.sqrt(1 - icc_c - icc_s)
    cov = corr * np.outer(d, d) + np.diag(icc_c * (1 - a**2) + icc_s * (1 - b**2))
    cov += np.outer(np.sqrt(icc_c) * a, np.sqrt(icc_c) * a) + np.outer(np.sqrt(icc_s) * b, np.sqrt(icc_s) * b)
    students = population.students
    school_index = population.schools.reset_index().set_index("school_id").loc[students["school_id"], "index"]
    variances = {
        "SES": 1.0,
        "GP": float(np.var(students["relation"] == "grandparent")),
        "RURAL": float(np.var(_rurality(spec, population)[school_index.to_numpy()])),
    }
    shifts = dict(spec["covariates"]) | {"RURAL": spec["rural"]}
    for covariate, coefs in shifts.items():
        c = np.array([coefs.get(k, 0.0) for k in names])
        cov += np.outer(c, c) * variances[covariate]
    sd = np.sqrt(np.diag(cov))
    return pd.DataFrame(cov / np.outer(sd, sd), index=names, columns=names)


def teacher_latents(config: dict[str, Any], population: Population, *, rng: np.random.Generator) -> Latents:
    """Teacher latents; a head teacher's enthusiasm is the class's T-ENT_c (the parent–teacher dyad link)."""
    spec = config["teacher_latent"]
    teachers, classes, schools = population.teachers, population.classes, population.schools
    n = len(teachers)
    names, corr = correlation_matrix(spec["correlations"])
    x = rng.multivariate_normal(np.zeros(len(names)), corr, size=n, method="cholesky")
    group = rng.normal(0, np.sqrt(spec["grade_group_icc"]), (3, len(names)))
    x += group[teachers["grade_group"].to_numpy()]
    head = teachers["head_teacher"].to_numpy()
    ent = names.index("ENT")
    # condition the head teachers' other latents on their class's enthusiasm: x_o + Σ_oE (ENT_new − ENT_old)
    delta = classes["t_ent"].to_numpy() - x[head, ent]
    x[head] += delta[:, None] * corr[ent][None, :]
    school_index = schools.reset_index().set_index("school_id").loc[teachers["school_id"], "index"].to_numpy()
    terms = {k: x[:, j] for j, k in enumerate(names)}
    for k, icc in spec["icc_school"].items():
        loading = spec["capacity_loading_sup"] if k == "SUP" else 0.0
        part = np.sqrt(icc) * (
            loading * schools["capacity"].to_numpy() + np.sqrt(1 - loading**2) * rng.standard_normal(len(schools))
        )
        terms[k] = terms[k] * np.sqrt(1 - icc) + part[school_index]
    terms["HEAD"] = head.astype(float)
    terms["TRAINED"] = (rng.random(n) < spec["trained"]).astype(float)
    residual = {}
    for name, coefs in spec["paths"].items():
        systematic = sum(coef * _term(terms, term) for term, coef in coefs.items())
        residual[name] = float(max(1.0 - np.var(systematic), 0.0))
        terms[name] = systematic + rng.normal(0, np.sqrt(residual[name]), n)
    columns = [k for k in [*names, *spec["paths"], "TRAINED"] if k != "EFF0"]
    return Latents(
        scores=pd.DataFrame({k: terms[k] for k in columns}, index=teachers.index), residual_variance=residual
    )


def admin_latent(config: dict[str, Any], population: Population, *, rng: np.random.Generator) -> np.ndarray:
    """Each administrator's view of the school's institutional capacity: school part plus individual part."""
    share = config["admin_latent"]["school_share"]
    schools = population.schools
    school_index = schools.reset_index().set_index("school_id").loc[population.admins["school_id"], "index"].to_numpy()
    own = rng.standard_normal(len(population.admins))
    return np.sqrt(share) * schools["capacity"].to_numpy()[school_index] + np.sqrt(1 - share) * own


def _rurality(spec: dict[str, Any], population: Population) -> np.ndarray:
    schools = population.schools
    return schools["rural"].to_numpy() + spec["town_share_of_rural"] * schools["town"].to_numpy()


def _term(terms: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A path term: a variable, or the product ``AxB`` of two."""
    if "x" in name and name not in terms:
        left, right = name.split("x", 1)
        return terms[left] * terms[right]
    return terms[name]
