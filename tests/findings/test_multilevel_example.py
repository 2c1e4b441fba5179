"""Recovery on the bundled case school (40 classes, one school): the class ICCs and the class-level effect of the
head teacher's enthusiasm (T_ENT) planted by hsc_analysis.simulate, and the parent–teacher dyad link.

The planted values are on the latent scale. The simulation is re-run with the example's seed to get each
respondent's latents, so that the estimators are checked on the latents (sampling error only) and on the
observed scale scores (plus measurement error, whose attenuation r²(score, latent) is measured, not assumed).
Tolerances are sampling errors of 40 classes: 2.58 SE (99%) for each ICC, the 95% CI for the T_ENT effect.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hsc_analysis as hsc
from hsc_analysis.findings import icc, multilevel, perception_gap
from hsc_analysis.simulate import simulate_study

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "data" / "example"
EXPECTED = ROOT / "tests" / "reference" / "expected"
EXOGENOUS = ["COM", "OPN", "FLX", "INV", "ROL", "EFF", "TIM", "GOL", "CMY"]  # no paths: ICC = icc_class
EFT_PREDICTORS = ["COM", "TRU", "OPN", "FLX", "GOL", "INH", "INS"]  # the individual-level paths into EFT


@pytest.fixture(scope="module")
def example():
    truth = json.loads((EXAMPLE / "truth.json").read_text())
    parent, teacher, _ = hsc.run_study(hsc.load_study(EXAMPLE / "study.yaml"))
    abbreviation = {name: code for code, name in truth["construct_map"]["parent"].items()}
    scores = parent.scores.scores.rename(columns=abbreviation).join(parent.responses.background[["class_code"]])
    classes = pd.DataFrame(truth["classes"]).set_index("class_id")
    scores["t_ent"] = classes.loc[scores["class_code"], "t_ent"].to_numpy()
    scores["cci"] = classes.loc[scores["class_code"], "cci_z"].to_numpy()
    simulated = simulate_study(None, seed=truth["seed"])
    latents = simulated.parent_truth.loc[scores.index.astype(int)].set_axis(scores.index)
    assert (latents["student_id"].str[:8] == scores["class_code"]).all()  # the same families
    latents = latents.assign(class_code=scores["class_code"], t_ent=scores["t_ent"], cci=scores["cci"])
    return {"truth": truth, "scores": scores, "latents": latents, "parent": parent, "teacher": teacher}


def _icc_se(rho: np.ndarray, k: float, j: int) -> np.ndarray:
    """Large-sample SE of ICC(1) for j clusters of size k (Fisher; Donner 1986)."""
    return np.sqrt(2 * (1 - rho) ** 2 * (1 + (k - 1) * rho) ** 2 / (k * (k - 1) * (j - 1)))


def test_class_iccs_of_the_latents_recover_the_planted_iccs(example):
    planted = np.array([example["truth"]["config"]["parent_latent"]["icc_class"][c] for c in EXOGENOUS])
    table = icc(example["latents"], outcome=EXOGENOUS, cluster="class_code").table
    se = _icc_se(planted, table["mean_cluster_size"].iloc[0], int(table["n_clusters"].iloc[0]))
    assert (table["n_clusters"] == 40).all()
    assert (np.abs(table["icc1"] - planted) < 2.58 * se).all(), table[["outcome", "icc1"]].assign(planted=planted)
    assert table["icc1"].mean() == pytest.approx(planted.mean(), abs=0.01)


def test_class_iccs_of_the_scale_scores_are_the_planted_iccs_attenuated_by_measurement(example):
    scores, latents = example["scores"], example["latents"]
    planted = np.array([example["truth"]["config"]["parent_latent"]["icc_class"][c] for c in EXOGENOUS])
    reliability = np.array(
        [np.corrcoef(scores[c].dropna(), latents.loc[scores[c].dropna().index, c])[0, 1] ** 2 for c in EXOGENOUS]
    )
    implied = planted * reliability
    table = icc(scores, outcome=EXOGENOUS, cluster="class_code").table
    se = _icc_se(implied, table["mean_cluster_size"].iloc[0], 40)
    assert (np.abs(table["icc1"] - implied) < 2.58 * se).all(), table[["outcome", "icc1"]].assign(implied=implied)
    # ICC(2), the reliability of the class means, follows from ICC(1) and the class size (Spearman–Brown)
    k = table["mean_cluster_size"]
    spearman_brown = k * table["icc1_anova"] / (1 + (k - 1) * table["icc1_anova"])
    np.testing.assert_allclose(table["icc2_anova"], spearman_brown, atol=0.01)


@pytest.mark.parametrize("source", ["latents", "scores"])
def test_two_level_model_recovers_the_class_level_t_ent_effect(example, source):
    """EFT = … + 0.12 T_ENT_c + 0.08 CCI_c + u_class + e (latent SD units): with the individual paths group-mean
    centred and the class means added, the T_ENT coefficient is the direct class-level effect."""
    data = example[source].copy()
    data["EFT"] = (data["EFT"] - data["EFT"].mean()) / data["EFT"].std()  # the latent EFT has variance 1
    planted = example["truth"]["config"]["paths"]["EFT"]["T_ENT_c"]
    model = multilevel(data, outcome="EFT", predictors=EFT_PREDICTORS, level2=["t_ent", "cci"], cluster="class_code")
    t_ent = model.fixed_effects.set_index("term").loc["t_ent"]
    assert t_ent["ci_low"] < planted < t_ent["ci_high"]
    assert 30 < t_ent["df"] < 45  # a class-level effect: about 40 classes' worth of df, not 1,377 parents'
    assert model.n_clusters == {"class_code": 40} and not model.singular
    assert model.n + model.n_dropped == len(data)


def test_gap_inputs_are_what_run_study_scores(example):
    """The R reference of the perception gap was computed from these files; they must still be the study's."""
    parent, teacher = example["parent"], example["teacher"]
    columns = ["trust", "goal", "effectiveness"]
    for result, name, link in [(parent, "parents", "class_code"), (teacher, "teachers", "class_codes")]:
        now = result.scores.scores[columns].join(result.responses.background[[link]])
        stored = pd.read_csv(EXPECTED / f"gap_example_{name}.csv", index_col="respondent_id")
        assert now.index.astype(int).tolist() == stored.index.tolist()
        np.testing.assert_allclose(now[columns].to_numpy(), stored[columns].to_numpy(), atol=1e-12)
        assert now[link].tolist() == stored[link].tolist()


def test_head_teachers_and_parents_rank_classes_alike_on_effectiveness(example):
    """The dyad link: a head teacher's enthusiasm is the class's T_ENT, which raises both the parents' and the
    head teacher's effectiveness ratings, so their class means correlate; the other teachers dilute it."""
    parent, teacher = example["parent"], example["teacher"]
    parents = parent.scores.scores.join(parent.responses.background[["class_code"]])
    teachers = teacher.scores.scores.join(teacher.responses.background[["class_codes", "head_teacher"]])
    head = teachers[teachers["head_teacher"] == 1]  # 1 = 是 (yes)
    gap = perception_gap(parents, head, by=("class_code", "class_codes"), constructs=["effectiveness"])
    row = gap.tests.iloc[0]
    assert row["class_r"] > 0.3 and row["class_r_p_value"] < 0.05
    assert row["n_classes"] + len(gap.unmatched) == 40
    assert (gap.unmatched["side"] == "parents").all()  # the classes whose head teacher did not respond


def test_three_level_null_model_recovers_class_and_school_iccs_in_the_district_simulation():
    """The district design (15 schools, about 300 classes): the school and class shares of the three-level null
    model on the latents, for constructs whose school part is only the planted random effect (no locale shift).
    SE of the class share from the ICC formula above; of the school share ρ·√(2/(S − 1)), the sampling error of a
    variance estimated from S school means (with ρ at least .01, for a planted 0)."""
    simulated = simulate_study("district", seed=7)
    latents = simulated.parent_latents
    latents = latents.assign(school=latents["student_id"].str[:3], klass=latents["student_id"].str[3:8])
    spec = simulated.config["parent_latent"]
    constructs = ["GOL", "INV", "ROL"]
    table = icc(latents, outcome=constructs, cluster=("school", "klass")).table
    school = np.array([spec["icc_school"].get(c, 0.0) for c in constructs])
    klass = np.array([spec["icc_class"][c] for c in constructs])
    size = table["mean_cluster_size"].iloc[0]
    assert (table["outer_n_clusters"] == 15).all()
    assert (np.abs(table["icc1"] - klass) < 2.58 * _icc_se(klass, size, int(table["n_clusters"].iloc[0]))).all()
    assert (np.abs(table["outer_icc1"] - school) < 2.58 * np.maximum(school, 0.01) * np.sqrt(2 / 14)).all()
