from pathlib import Path

import pytest
import yaml

from hsc_analysis.errors import InstrumentError
from hsc_analysis.instruments import COOPERATION_FACTORS, Instrument, load_instrument

from .conftest import SURVEYS

INSTRUMENTS = sorted(SURVEYS.glob("*.yaml"))
ROLE_FORMS = ("parent.yaml", "teacher.yaml", "administrator.yaml")


@pytest.mark.parametrize("path", INSTRUMENTS, ids=lambda p: p.stem)
def test_every_bundled_instrument_loads_with_an_outcome(path):
    inst = load_instrument(path)
    assert [c.id for c in inst.constructs if c.role == "outcome"], f"{path.name} has no outcome construct"
    for construct in inst.constructs:
        assert 1 <= construct.min_valid_items <= len(construct.items)


def test_the_six_cooperation_factors_are_each_measured_by_a_role():
    covered = {c.cooperation_factor for name in ROLE_FORMS for c in load_instrument(SURVEYS / name).constructs}
    assert covered >= set(COOPERATION_FACTORS)


def test_each_role_measures_cooperation_effectiveness_as_its_outcome():
    for name in ROLE_FORMS:
        assert load_instrument(SURVEYS / name).construct("effectiveness").role == "outcome"


def test_parent_form_matches_the_design(parent):
    assert len(parent.items) == 51  # the parent form: 51 scale items
    assert parent.reverse_items == ["com5", "opn4", "rol4", "eff4", "tru4", "gol4", "eft5"]
    assert parent.scale_of("opn1").missing_codes[9][1] == "dont_know"
    assert parent.checks[0].correct == 2
    assert [i.id for i in parent.identifiers if i.pii] == ["student_code", "phone"]


def test_from_keys_builds_psych_style_keys():
    inst = Instrument.from_keys({"A": ["-A1", "A2"], "B": ["B1", "-B2"]}, response_range=(1, 6))
    assert inst.keys() == {"A": ["-A1", "A2"], "B": ["B1", "-B2"]}
    assert (inst.scale_of("A1").low, inst.scale_of("A1").high) == (1, 6)


def test_from_keys_rejects_an_item_in_two_constructs():
    with pytest.raises(InstrumentError, match="duplicate item id 'A1'"):
        Instrument.from_keys({"A": ["A1", "A2"], "B": ["A1"]}, response_range=(1, 5))


def _broken(tmp_path: Path, change) -> Path:
    spec = yaml.safe_load((SURVEYS / "parent.yaml").read_text(encoding="utf-8"))
    change(spec)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


BROKEN = {
    "unknown scale": (lambda s: s["items"][3].update(scale="A6"), r"items\[3\]\.scale: unknown scale 'A6'"),
    "unknown construct": (lambda s: s["items"][0].update(construct="nope"), r"items\[0\]\.construct: unknown"),
    "duplicate id": (lambda s: s["items"][1].update(id="com1"), r"items\[1\]\.id: duplicate item id 'com1'"),
    "check out of range": (lambda s: s["checks"][0].update(correct=7), r"checks\[0\]\.correct: 7 is not a code"),
    "reverse on nominal": (
        lambda s: (s["scales"]["A5"].update(kind="nominal"), s["items"][4].update(reverse=True)),
        r"items\[\d+\]\.reverse: only items on an ordinal scale",
    ),
    "bad min_valid": (lambda s: s["constructs"]["trust"].update(min_valid=1.5), r"constructs\.trust\.min_valid"),
    "missing reason": (
        lambda s: s["scales"]["A5_dk"]["missing"][9].update(reason="maybe"),
        r"scales\.A5_dk\.missing\.9\.reason: got 'maybe'",
    ),
    "unknown key": (lambda s: s["constructs"]["goal"].update(weight=2), r"constructs\.goal: unknown key\(s\) weight"),
    "missing key": (lambda s: s.pop("items"), r"\(top level\): missing required key 'items'"),
    "empty construct": (
        lambda s: s["constructs"].update(extra={"label": "x"}),
        r"constructs\.extra: no item belongs",
    ),
}


@pytest.mark.parametrize("change, message", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_instrument_names_the_file_and_key_path(tmp_path, change, message):
    path = _broken(tmp_path, change)
    with pytest.raises(InstrumentError, match=rf"^{path}: {message}"):
        load_instrument(path)


def test_unreadable_and_invalid_yaml_files(tmp_path):
    with pytest.raises(InstrumentError, match="cannot read"):
        load_instrument(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(InstrumentError, match="not valid YAML"):
        load_instrument(bad)
