"""The audit inside the study chain (run_study → StudyResults.compliance), the compliance_rules: key,
ComplianceAudit.by_period against the per-student and per-class tables, and the one-pass id matching."""

import pickle
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.compliance import load_rules, study_compliance, study_rule_sets
from hsc_analysis.compliance.schema import _key_positions, positions
from hsc_analysis.study import StudyError, StudyResults, load_study

from ..conftest import EXAMPLE, SURVEYS


def test_run_study_audits_the_logs_under_every_rule_set_they_answer(example_results):
    assert list(example_results.compliance) == ["fengnan_2025", "neimenggu", "jiaolianti_2024"]
    assert [r.dataset.name for r in example_results] == ["parent", "teacher", "administrator"]
    assert example_results["teacher"] is example_results[1] and len(example_results) == 3
    result = example_results.compliance["neimenggu"]
    assert result.teachers is not None and result.teachers.n == 115  # the chain's own teacher answers
    assert result.unlinked == {} and result.parents is not None  # the parent file carries the student code
    counties = example_results.compliance["jiaolianti_2024"]
    assert counties.predictor is None and counties.parents is None and counties.teachers is None
    assert set(counties.tables()) == {"log_tables", "rules", "targets"}
    again = pickle.loads(pickle.dumps(example_results))
    assert isinstance(again, StudyResults) and list(again.compliance) == list(example_results.compliance)
    assert StudyResults(example_results).compliance == {}  # made from datasets alone, as before


def test_study_results_compliance_is_read_only(example_results):
    with pytest.raises(TypeError):
        example_results.compliance["x"] = None


def test_the_same_results_as_a_separate_call(example_study, example_results):
    alone = study_compliance(example_study, rules=load_rules("fengnan_2025"))
    chained = example_results.compliance["fengnan_2025"]
    pd.testing.assert_frame_equal(alone.audit.classes, chained.audit.classes)
    pd.testing.assert_frame_equal(alone.audit_unflagged.schools, chained.audit_unflagged.schools)
    assert alone.teachers.to_frame().equals(chained.teachers.to_frame())


def test_compliance_rules_key_chooses_the_rule_sets(tmp_path, example_study):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    text = (folder / "study.yaml").read_text(encoding="utf-8").replace("../../surveys/", f"{SURVEYS}/")
    rules = load_rules("neimenggu").path.read_text(encoding="utf-8").replace("id: neimenggu", "id: mine", 1)
    (folder / "mine.yaml").write_text(rules, encoding="utf-8")
    path = folder / "study.yaml"
    path.write_text(text + "compliance_rules: [neimenggu, mine.yaml]\n", encoding="utf-8")
    study = load_study(path)
    assert study.compliance_rules == ("neimenggu", str((folder / "mine.yaml").resolve()))
    logs = study_compliance(example_study, rules=load_rules("neimenggu")).logs
    assert [r.id for r in study_rule_sets(study, logs)] == ["neimenggu", "mine"]
    for bad, message in (
        ("compliance_rules: neimenggu", "compliance_rules: got 'neimenggu'"),
        ("compliance_rules: [x.txt]", r"compliance_rules\[0\]: got 'x.txt'"),
    ):
        path.write_text(text + bad + "\n", encoding="utf-8")
        with pytest.raises(StudyError, match=message):
            load_study(path)


def test_by_period_agrees_with_the_student_and_class_tables(example_results):
    audit = example_results.compliance["neimenggu"].audit
    table = audit.by_period().set_index(["rule_id", "period"])
    students = audit.students.groupby(["rule_id", "period"])["met"].agg(["size", "sum"])
    for (rule, period), row in students.iterrows():
        assert table.loc[(rule, period), "n_students"] == row["size"]
        assert table.loc[(rule, period), "coverage"] == pytest.approx(row["sum"] / row["size"], abs=1e-12)
    classes = audit.classes.groupby(["rule_id", "period"])
    np.testing.assert_allclose(table["share_met"], classes["met"].mean().reindex(table.index), atol=1e-12)
    class_rules = table[table["rule_unit"] == "class"]
    np.testing.assert_allclose(class_rules["coverage"], classes["rate"].mean().reindex(class_rules.index), atol=1e-12)
    shares = audit.share_met()
    for (rule, period), row in table.iterrows():
        assert row["share_met"] == pytest.approx(shares.loc[rule, period], abs=1e-12)
    assert (table["start"] < table["end"]).all()
    periods = ["2023-2024", "2023-2024-1", "2023-2024-2", "2024-2025", "2024-2025-1", "2024-2025-2"]
    assert list(audit.periods["period"]) == periods  # a school year before its terms


ids = st.lists(st.sampled_from(["a", "b", "c", "d", "", "é", "10"]), max_size=25)


@settings(max_examples=200, deadline=None)
@given(keys=ids, first=ids, second=ids)
def test_one_pass_matching_equals_separate_lookups(keys, first, second):
    keys, first, second = (pd.Series(v, dtype="str") for v in (keys, first, second))
    repeated, (at_first, at_second) = _key_positions(keys, first, second)
    np.testing.assert_array_equal(repeated, keys.duplicated().to_numpy())
    np.testing.assert_array_equal(at_first, positions(first, keys))
    np.testing.assert_array_equal(at_second, positions(second, keys))
