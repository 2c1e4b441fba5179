import pandas as pd
import pytest

from hsc_analysis.findings import analysis_frame, class_level_mean, load_plan
from hsc_analysis.findings.plan import ComplianceIndex
from hsc_analysis.instruments import Label, load_instrument
from hsc_analysis.study import StudyError

INSTRUMENTS = {name: load_instrument(f"surveys/{name}.yaml") for name in ("parent", "teacher", "administrator")}


def plan(spec):
    return load_plan(spec, instruments=INSTRUMENTS, source="study.yaml")


def test_default_plan_follows_the_construct_roles():
    parent = plan(None).dataset("parent")
    factors = ("communication", "opinion", "flexibility", "invitations", "goal")  # predictors with a cooperation factor
    assert parent.cluster == "class_code"
    assert parent.regression.outcome == "effectiveness" and parent.regression.cov_type == "cluster"
    assert parent.regression.blocks[0] == factors
    assert parent.regression.blocks[-1] == ("trust", "home_involvement", "school_involvement")
    assert [m.x for m in parent.mediation] == list(factors)
    assert {m.y for m in parent.mediation} == {"effectiveness"}
    assert parent.compare_outcomes == ("effectiveness",) and "relation" in parent.compare_groups
    assert "suggestions" not in parent.frequencies and "phone" not in parent.frequencies  # personal, never analysed
    assert parent.multilevel[0].predictors == sum(parent.regression.blocks, ())
    teacher = plan(None).dataset("teacher")
    assert teacher.cluster is None and teacher.regression.cov_type == "HC3" and teacher.multilevel == ()
    assert teacher.regression.blocks[0] == ("stress",)  # covariates enter first


def test_declared_keys_replace_their_defaults_only():
    spec = {
        "datasets": {"parent": {"mediation": [{"x": "communication", "mediators": ["trust"], "y": "effectiveness"}]}}
    }
    parent = plan(spec).dataset("parent")
    assert len(parent.mediation) == 1 and parent.mediation[0].mediators == ("trust",)
    assert parent.regression == plan(None).dataset("parent").regression


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"dataset": {}}, r"analyses: unknown key\(s\) dataset"),
        ({"n_boot": 10}, "analyses.n_boot: got 10"),
        ({"datasets": {"pupil": {}}}, r"analyses.datasets: unknown key\(s\) pupil"),
        ({"datasets": {"parent": {"describe": ["trust", "trsut"]}}}, r"datasets.parent.describe\[1\]: got 'trsut'"),
        (
            {
                "datasets": {
                    "parent": {"regression": {"outcome": "effectiveness", "blocks": [["trust"]], "cov_type": "HC1"}}
                }
            },
            "regression.cov_type: got 'HC1'; allowed: nonrobust, HC3, cluster",
        ),
        (
            {
                "datasets": {
                    "teacher": {
                        "regression": {"outcome": "effectiveness", "blocks": [["trust"]], "cov_type": "cluster"}
                    }
                }
            },
            "'cluster' needs a cluster",
        ),
        (
            {"datasets": {"parent": {"mediation": [{"x": "communication", "y": "effectiveness"}]}}},
            r"mediation\[0\]: missing required key 'mediators'",
        ),
        ({"datasets": {"parent": {"describe": ["phone"]}}}, "not a variable of this dataset"),
        (
            {"datasets": {"parent": {"indicators": {"lb": {"question": "left_behind", "codes": [7]}}}}},
            "indicators.lb.codes: got",
        ),
        (
            {
                "datasets": {
                    "teacher": {
                        "class_level": {"x": {"dataset": "parent", "construct": "trust", "classes": "class_code"}}
                    }
                }
            },
            "needs a cluster",
        ),
        (
            {"datasets": {"parent": {"class_level": {"cci": {"compliance": "neimenggu"}}}}},
            r"class_level.cci.compliance: the study declares no activity log",
        ),
        (
            {
                "perception_gap": [
                    {
                        "parents": "parent",
                        "teachers": "teacher",
                        "by": "class_code",
                        "teacher_classes": "class_codes",
                        "constructs": ["communication"],
                    }
                ]
            },
            r"perception_gap\[0\].constructs\[0\]: got 'communication'",
        ),
    ],
)
def test_a_broken_plan_names_the_file_and_key_path(spec, message):
    with pytest.raises(StudyError, match=message) as error:
        plan(spec)
    assert str(error.value).startswith("study.yaml: ")


def test_a_class_compliance_index_names_an_audited_rule_set():
    sets = {"neimenggu": Label("内蒙古自治区", "Inner Mongolia implementation opinion")}

    def with_logs(body):
        spec = {"datasets": {"parent": {"class_level": {"cci": body}}}}
        return load_plan(spec, instruments=INSTRUMENTS, source="study.yaml", rule_sets=sets).dataset("parent")

    parent = with_logs({"compliance": "neimenggu"})
    assert parent.class_level == (ComplianceIndex("cci", "neimenggu", "graded", sets["neimenggu"]),)
    assert parent.multilevel[0].level2 == ("cci",)  # the default model takes it at level 2
    assert with_logs({"compliance": "neimenggu", "index": "strict"}).class_level[0].index == "strict"
    for body, message in (
        ({"compliance": "fengnan"}, r"class_level.cci.compliance: got 'fengnan'; allowed: neimenggu"),
        ({"compliance": "neimenggu", "index": "mean"}, r"class_level.cci.index: got 'mean'; allowed: graded, strict"),
        ({"compliance": "neimenggu", "dataset": "teacher"}, r"class_level.cci: unknown key\(s\) dataset"),
    ):
        with pytest.raises(StudyError, match=message):
            with_logs(body)


def test_analysis_frame_labels_background_and_leaves_out_personal_fields():
    background = pd.DataFrame(
        {
            "relation": [2.0, None],
            "n_children": [1.0, 3.0],
            "subjects__1": [1.0, 0.0],
            "class_code": ["C1", "C2"],
            "phone": ["13800000000", None],
            "suggestions": ["姓名张三", None],
        },
        index=["a", "b"],
    )
    scores = pd.DataFrame({"trust": [3.0, 4.0]}, index=["b", "a"])
    frame = analysis_frame(scores, background, instrument=INSTRUMENTS["parent"], lang="en")
    assert list(frame.index) == ["b", "a"]
    assert frame["relation"].tolist()[1] == "Father" and pd.isna(frame["relation"].tolist()[0])
    assert list(frame["relation"].cat.categories) == ["Mother", "Father", "Grandparent", "Other guardian"]
    assert "phone" not in frame and "suggestions" not in frame and "subjects__1" not in frame  # not a parent question
    assert frame.loc["a", "class_code"] == "C1" and frame.loc["b", "n_children"] == 3.0


def test_class_level_mean_keeps_the_rows_asked_for():
    teachers = pd.DataFrame(
        {
            "enthusiasm": [5.0, 1.0, 3.0, 4.0],
            "head_teacher": [1, 2, 1, 1],
            "class_codes": ["C1", "C1,C2", " C2 ,", None],
        }
    )
    means = class_level_mean(teachers, value="enthusiasm", classes="class_codes", where={"head_teacher": 1})
    assert means.to_dict() == {"C1": 5.0, "C2": 3.0}
