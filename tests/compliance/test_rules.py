"""Rule sets as data: the bundled jurisdictions, a user's own file, and errors naming file and key path."""

import pytest

from hsc_analysis.compliance import BUNDLED_RULE_SETS, RuleSetError, load_rules

from .conftest import TINY_RULES


@pytest.mark.parametrize("name", BUNDLED_RULE_SETS)
def test_bundled_rule_sets_load_and_cite_their_source(name):
    rules = load_rules(name)
    assert rules.id == name and rules.document
    assert all(len(rule.source) > 40 for rule in rules.rules)
    table = rules.to_frame()
    assert table["rule_id"].is_unique and len(table) == len(rules.rules)


def test_jurisdictions_differ_where_the_documents_do():
    fengnan, neimenggu = load_rules("fengnan_2025"), load_rules("neimenggu")
    fn = {r.id: r for r in fengnan.rules}
    nm = {r.id: r for r in neimenggu.rules}
    assert (fn["PM"].period, nm["PM"].period) == ("semester", "school_year")  # 每学期 vs 每学年 ≥ 2
    assert set(fn["HV_ALL"].modes) == {"in_person", "online", "phone"} and nm["HV_ALL"].modes == ("in_person",)
    assert "PR" in fn and "PR" not in nm and "FG" in nm and "CG" in nm
    assert nm["CG"].min_count == 4 and nm["FG"].min_count == 2
    targets = load_rules("jiaolianti_2024").of_kind("target")
    assert [(t.by.year, t.target_share) for t in targets] == [(2025, 0.5), (2027, 1.0)]


def test_users_own_rule_set(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(TINY_RULES, encoding="utf-8")
    rules = load_rules(path)
    assert [r.id for r in rules.of_kind("count")] == ["HV", "HV_ATTN", "PM", "FG", "CG"]
    assert rules.rules[0].min_enrolled_days == 60 and rules.rules[1].population == ("needs_attention",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("min_count: 2}", "min_count: 0}"), r"rules\[2\]\.min_count: got 0; allowed: an integer ≥ 1"),
        (("unit: class, period: semester, min_count: 1", "unit: clas, period: semester, min_count: 1"),
         r"rules\[3\]\.unit: got 'clas'; allowed: student, class, community"),
        (("modes: [in_person]", "modes: [by_pigeon]"), r"rules\[1\]\.modes: got \['by_pigeon'\]"),
        (("levels: [school, grade, class]", "levels: []"), r"rules\[5\]\.levels: required for committee_levels"),
        (("id: CG, source: test,", "id: CG,"), r"rules\[4\]\.source: required"),
        (("id: PM,", "id: HV,"), r"rules\[2\]\.id: 'HV' repeats"),
        (("min_count: 2}", "min_count: 2, min_count: 3}"),
         r"cannot read the rule set \(line \d+: key 'min_count' given twice"),
        (("document: test document", "documnet: x"), r"\(top level\): unknown key\(s\) documnet"),
        (("period: calendar_year", "period: semester"), r"rules\[4\]\.period: community rules are counted per"),
        (("kind: structural, check: ledger_current", "kind: structural, check: ledger"),
         r"rules\[6\]\.check: got 'ledger'"),
    ],
)  # fmt: skip
def test_broken_rule_set_names_file_and_key_path(tmp_path, change, message):
    path = tmp_path / "broken.yaml"
    assert change[0] in TINY_RULES
    path.write_text(TINY_RULES.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(RuleSetError, match=f"broken.yaml: {message}"):
        load_rules(path)


def test_unknown_name_or_unreadable_file(tmp_path):
    with pytest.raises(RuleSetError, match=r"allowed: fengnan_2025, neimenggu, jiaolianti_2024 or a \.yaml file"):
        load_rules("tianjin")
    with pytest.raises(RuleSetError, match="cannot read the rule set"):
        load_rules(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [", encoding="utf-8")
    with pytest.raises(RuleSetError, match=r"bad\.yaml: cannot read the rule set \(not valid YAML"):
        load_rules(bad)
