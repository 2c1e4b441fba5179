"""lavaan-style model text: what is read, and errors that name the line."""

import pytest

from hsc_analysis.measurement.syntax import ModelSyntaxError, Statement, model_from_factors, parse_model


def test_statements_modifiers_comments_and_semicolons():
    spec = parse_model("# comment\nf =~ x1 + 0.5*x2 + a*x3; g =~ y1 + y2 + y3\nx1 ~~ x2  # residual\ng ~ f")
    assert spec.factors == {"f": ("x1", "x2", "x3"), "g": ("y1", "y2", "y3")}
    assert spec.observed == ["x1", "x2", "x3", "y1", "y2", "y3"]
    assert Statement("f", "=~", "x2", fixed=0.5, line=2) in spec.statements
    assert Statement("f", "=~", "x3", label="a", line=2) in spec.statements
    assert Statement("g", "~", "f", line=4) in spec.statements


def test_chinese_names_round_trip():
    text = model_from_factors({"沟通": ["com1", "com2", "com3"]})
    assert parse_model(text).factors == {"沟通": ("com1", "com2", "com3")}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("f =~ x1 + x2\ng = y1", r"line 2: 'g = y1' has no operator"),
        ("f =~ x1 + + x2", "line 1.*empty term"),
        ("f =~ x1 + 2x", r"line 1.*'2x' is not a variable name"),
        ("f =~ x1 + x2\nf ~ 1", "line 2.*intercepts"),
        ("f =~ x1 + x2 + NA*x3", "line 1.*modifier 'NA'"),
        ("f =~ x1 + x2\ng =~ f + x3", "line 2.*higher-order"),
        ("f =~ x1 + x2\nx1 ~ f", "line 2.*only regressions among factors"),
        ("f =~ x1 + x2\nf ~~ x1", "line 2.*mixes a factor"),
        ("f =~ x1 + x2\nx1 ~~ z", "line 2.*'z' is neither"),
        ("x1 ~~ x2", "no factor"),
    ],
)
def test_errors_name_the_line(text, match):
    with pytest.raises(ModelSyntaxError, match=match):
        parse_model(text)


def test_model_must_be_text():
    with pytest.raises(TypeError, match="lavaan-style text"):
        parse_model({"f": ["x1"]})
