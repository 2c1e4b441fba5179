import pytest

from hsc_analysis.errors import InstrumentError
from hsc_analysis.instruments import load_instrument
from hsc_analysis.study import StudyError, load_study
from hsc_analysis.yamlfile import MAX_DEPTH, read_yaml

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]" for i in range(8)]
)


def write(tmp_path, text, name="spec.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_key_given_twice_is_an_error_naming_both_lines(tmp_path):
    path = write(tmp_path, "items:\n  - id: a1\n    reverse: true\n    reverse: false\n")
    with pytest.raises(InstrumentError, match=r"line 4: key 'reverse' given twice in one mapping \(first on line 3\)"):
        load_instrument(path)


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    path = write(tmp_path, BOMB)  # under 1 kB, 10^9 nodes once expanded
    assert path.stat().st_size < 1000
    with pytest.raises(StudyError, match="expands to more than 500,000 nodes") as error:
        load_study(path)
    assert len(str(error.value)) < 300


def test_deep_nesting_is_refused_with_a_line(tmp_path):
    path = write(tmp_path, "a: " + "[" * 3000 + "]" * 3000)
    with pytest.raises(InstrumentError, match=f"nested more than {MAX_DEPTH} levels deep"):
        read_yaml(path, error=InstrumentError, what="instrument file")


def test_large_files_and_bad_yaml_are_one_line_errors(tmp_path):
    path = write(tmp_path, "a: 'x" * 10)
    with pytest.raises(InstrumentError, match="not valid YAML") as error:
        read_yaml(path, error=InstrumentError, what="instrument file")
    assert "\n" not in str(error.value)
    big = write(tmp_path, "# " + "x" * 6_000_000, name="big.yaml")
    with pytest.raises(InstrumentError, match="6,000,002 bytes; at most 5,000,000 are read"):
        read_yaml(big, error=InstrumentError, what="instrument file")


def test_anchors_used_normally_still_work(tmp_path):
    path = write(tmp_path, "scale: &s {kind: ordinal}\nother: *s\nempty:\n")
    assert read_yaml(path, error=InstrumentError, what="x") == {
        "scale": {"kind": "ordinal"},
        "other": {"kind": "ordinal"},
        "empty": None,
    }
    assert read_yaml(write(tmp_path, "", name="empty.yaml"), error=InstrumentError, what="x") is None
