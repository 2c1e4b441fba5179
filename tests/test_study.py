"""study.yaml loading, and the chain of run_study on the bundled example against the truth it was simulated from."""

import json

import numpy as np
import pytest

from hsc_analysis.errors import InputError
from hsc_analysis.study import DEFAULT_SEED, StudyError, load_study, run_study

from .conftest import EXAMPLE

MINIMAL = """
id: s
title: t
datasets:
  parent: {instrument: ../surveys/parent.yaml, file: answers.csv}
"""


@pytest.fixture(scope="module")
def results():
    return {result.dataset.name: result for result in run_study(load_study(EXAMPLE / "study.yaml"))}


@pytest.fixture(scope="module")
def truth():
    return json.loads((EXAMPLE / "truth.json").read_text(encoding="utf-8"))


def write(tmp_path, text):
    (tmp_path / "study").mkdir(exist_ok=True)
    path = tmp_path / "study" / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def surveys(tmp_path):
    (tmp_path / "surveys").symlink_to(EXAMPLE.parents[1] / "surveys")


def test_example_study_settings():
    study = load_study(EXAMPLE / "study.yaml")
    assert [(d.name, d.source) for d in study.datasets] == [
        ("parent", "wjx_index"),
        ("teacher", "wjx_text"),
        ("administrator", "spss"),
    ]
    assert (study.seed, study.nan_policy, study.language) == (DEFAULT_SEED, "listwise", "zh")
    assert study.screening.max_failed_checks == 0


def test_settings_and_screening_rules_are_read(tmp_path, surveys):
    text = MINIMAL + "seed: 7\nnan_policy: pairwise\ncfa_missing: listwise\nscreening: {min_seconds_per_item: 1.5}\n"
    study = load_study(write(tmp_path, text))
    assert (study.seed, study.nan_policy, study.screening.min_seconds_per_item) == (7, "pairwise", 1.5)
    assert study.cfa_missing == "listwise" and load_study(write(tmp_path, MINIMAL)).cfa_missing == "fiml"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("seed: -1\n", r"study\.yaml: seed: got -1; allowed: a non-negative integer"),
        ("seed: true\n", r"seed: got True"),
        ("nan_policy: mean\n", r"nan_policy: got 'mean'; allowed: listwise, pairwise"),
        ("cfa_missing: pairwise\n", r"cfa_missing: got 'pairwise'; allowed: fiml, listwise"),
        ("screenning: {}\n", r"\(top level\): unknown key\(s\) screenning; allowed: id, title"),
        ("screening: {min_completeness: 1.5}\n", r"study\.yaml: screening\.min_completeness"),
    ],
)
def test_broken_settings_name_the_file_and_key(tmp_path, surveys, extra, message):
    with pytest.raises(InputError, match=message):
        load_study(write(tmp_path, MINIMAL + extra))


def test_unknown_dataset_key_is_refused(tmp_path, surveys):
    text = MINIMAL.replace("file: answers.csv}", "file: answers.csv, sheet: 2}")
    with pytest.raises(StudyError, match=r"datasets\.parent: unknown key\(s\) sheet; allowed: instrument, file"):
        load_study(write(tmp_path, text))


def test_every_received_row_is_analysed_or_excluded(results):
    for result in results.values():
        received = result.responses.items.index
        kept, excluded = result.screening.kept.items.index, result.screening.excluded["respondent_id"]
        assert len(kept) + len(excluded) == len(received)
        assert set(kept).isdisjoint(excluded) and set(kept) | set(excluded) == set(received)
        assert result.scores.scores.index.equals(kept)


@pytest.mark.parametrize(("dataset", "role", "precision"), [("parent", "parents", 0.70), ("teacher", "teachers", 0.5)])
def test_planted_careless_respondents_are_excluded(results, truth, dataset, role, precision):
    """Every planted careless respondent is excluded (recall 1); the other exclusions are attentive respondents who
    failed the attention check (2 % by design), so precision is 0.73 for parents and 0.50 for teachers."""
    planted = {str(i) for ids in truth["careless"][role].values() for i in ids}
    excluded = set(results[dataset].screening.excluded["respondent_id"].astype(str))
    assert planted <= excluded
    assert len(planted) / len(excluded) >= precision


def test_chain_recovers_the_planted_paths(results, truth):
    """Standardised OLS of effectiveness on the scale means of the kept parents recovers the true latent paths
    within 0.05 (observed means attenuate and two class-level causes are omitted; 1,372 complete respondents)."""
    names = truth["construct_map"]["parent"]
    paths = {names[k]: v for k, v in truth["config"]["paths"]["EFT"].items() if k in names}
    paths = {k: v for k, v in paths.items() if k != "effectiveness"}
    data = results["parent"].scores.scores[[*paths, "effectiveness"]].dropna()
    z = (data - data.mean()) / data.std()
    design = np.column_stack([np.ones(len(z)), z[list(paths)]])
    beta = np.linalg.lstsq(design, z["effectiveness"], rcond=None)[0][1:]
    np.testing.assert_allclose(beta, list(paths.values()), atol=0.05)
    assert len(data) > 1300
