"""The default analysis plan on the bundled case school recovers what the simulation planted (truth.json).

Planted effects are in standardised latent units. The simulation is re-run with the example's seed to get each
parent's latent scores, and the plan's own analyses are run on them (sampling error only, so the planted value
must lie in the 95 % interval); on the observed scale scores the same analyses carry measurement error, which
attenuates every path, so there the check is the sign and a band below the planted value.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import hsc_analysis as hsc
from hsc_analysis.simulate import simulate_study

from ..conftest import EXAMPLE


@pytest.fixture(scope="module")
def example():
    truth = json.loads((EXAMPLE / "truth.json").read_text())
    study = hsc.load_study(EXAMPLE / "study.yaml")
    results = hsc.run_study(study)
    findings = results[0].findings
    names = truth["construct_map"]["parent"]  # COM → communication …
    latents = simulate_study(None, seed=truth["seed"]).parent_truth
    latents = latents.loc[findings.data.index.astype(int)].set_axis(findings.data.index)
    latent_frame = findings.data.assign(**{names[k]: latents[k] for k in names if names[k] in findings.data})
    return {
        "truth": truth,
        "plan": study.plan.dataset("parent"),
        "findings": findings,
        "latent": latent_frame,
        "compliance": results.compliance,
    }


def std(frame, columns):
    return frame.assign(**{c: (frame[c] - frame[c].mean()) / frame[c].std() for c in columns})


def test_the_plan_ran_every_analysis_or_says_why_not(example):
    findings, plan = example["findings"], example["plan"]
    ran = {kind: len(getattr(findings, kind)) for kind in ("mediation", "moderation", "icc", "multilevel")}
    assert ran == {"mediation": len(plan.mediation), "moderation": 1, "icc": 1, "multilevel": 1}
    skipped = (findings.skipped["analysis"] == "comparisons").sum()
    assert len(findings.comparisons) + skipped == len(plan.compare_groups)
    assert findings.skipped["reason"].str.len().gt(0).all()  # one case school: residence has one group, with its reason
    assert len(findings.perception_gaps) == 1


def test_regression_recovers_the_paths_into_effectiveness(example):
    paths = example["truth"]["config"]["paths"]["EFT"]
    names = example["truth"]["construct_map"]["parent"]
    terms = example["findings"].regression[0].coefficients
    final = terms[terms["step"] == terms["step"].max()].set_index("term")["std_estimate"]
    planted = pd.Series({names[k]: paths.get(k, 0.0) for k in names if names[k] in final.index})
    gap = (final[planted.index] - planted).abs()
    # 3 SEs of a standardised β at n = 1,372 with VIF ≈ 2 (SE ≈ .027), on scores carrying measurement error
    assert gap.max() < 0.08, gap.sort_values().tail(3)
    assert final.idxmax() == "communication"


def test_mediation_recovers_communication_trust_effectiveness(example):
    paths = example["truth"]["config"]["paths"]
    planted = paths["TRU"]["COM"] * paths["EFT"]["TRU"]  # 0.45 × 0.22
    spec = next(m for m in example["plan"].mediation if m.x == "communication")
    on_latents = hsc.mediation(
        example["latent"], x=spec.x, mediators=list(spec.mediators), y=spec.y, covariates=list(spec.covariates),
        n_boot=2000, seed=1, cluster="class_code",
    )  # fmt: skip
    path = "communication → trust → effectiveness"
    latent = on_latents.effects.set_index("path").loc[path]
    assert latent["std_ci_low"] < planted < latent["std_ci_high"]
    observed = next(m for m in example["findings"].mediation if m.x == "communication").effects.set_index("path")
    assert observed.loc[path, "std_ci_low"] > 0 and 0.5 * planted < observed.loc[path, "std_estimate"] < planted
    assert next(m for m in example["findings"].mediation if m.x == "communication").n_clusters == 40


def test_moderation_recovers_left_behind_times_invitations(example):
    inh = example["truth"]["config"]["paths"]["INH"]
    spec = example["plan"].moderation[0]
    result = hsc.moderation(std(example["latent"], [spec.x, spec.y]), x=spec.x, w=spec.w, y=spec.y)
    terms = result.coefficients.set_index("term")
    assert terms.loc["invitations:left_behind_any", "ci_low"] < inh["INVxLB"] < terms.loc[
        "invitations:left_behind_any", "ci_high"]  # fmt: skip
    assert terms.loc["left_behind_any", "ci_low"] < inh["LB"] < terms.loc["left_behind_any", "ci_high"] < 0
    observed = example["findings"].moderation[0].coefficients.set_index("term")
    assert observed.loc["left_behind_any", "ci_high"] < 0  # fewer home activities when a parent is away


def test_the_head_teachers_enthusiasm_is_a_class_level_effect(example):
    planted = example["truth"]["config"]["paths"]["EFT"]["T_ENT_c"]
    model = example["findings"].multilevel[0]
    effect = model.fixed_effects.set_index("term").loc["head_teacher_enthusiasm"]
    data = example["findings"].data
    scale = data["head_teacher_enthusiasm"].std() / data["effectiveness"].std()
    assert effect["ci_low"] * scale < planted < effect["ci_high"] * scale
    assert 15 < effect["df"] < 40  # about as many df as classes with a head teacher's answer, not parents
    classes = pd.DataFrame(example["truth"]["classes"]).set_index("class_id")
    measured = data.groupby("class_code", observed=True)["head_teacher_enthusiasm"].first().dropna()
    assert np.corrcoef(measured, classes.loc[measured.index, "t_ent"])[0, 1] > 0.6


def test_the_log_class_compliance_index_enters_the_multilevel_model_at_level_2(example):
    data = example["findings"].data
    audit = example["compliance"]["neimenggu"].audit
    year = audit.cci[audit.cci["school_year"] == "2024-2025"].set_index("class_id")["cci_graded"]
    by_class = data.groupby("class_code", observed=True)["class_compliance"]
    assert (by_class.max() == by_class.min()).all()  # one value per class
    assert np.allclose(by_class.first(), year.loc[by_class.first().index], rtol=0, atol=1e-12)
    planted = pd.DataFrame(example["truth"]["classes"]).set_index("class_id")["cci"]
    assert np.corrcoef(year, planted.loc[year.index])[0, 1] > 0.3  # the planted index counts in-person visits only
    effect = example["findings"].multilevel[0].fixed_effects.set_index("term").loc["class_compliance"]
    assert 15 < effect["df"] < 40  # a class-level term: about as many df as classes


def test_null_model_iccs_are_small_and_positive_as_planted(example):
    planted = example["truth"]["config"]["parent_latent"]["icc_class"]
    names = example["truth"]["construct_map"]["parent"]
    estimates = example["findings"].icc[0].table.set_index("outcome")["icc1"]
    assert len(estimates) == 13
    for code, value in planted.items():
        if names.get(code) in estimates.index:
            assert 0 <= estimates[names[code]] < value + 0.08
