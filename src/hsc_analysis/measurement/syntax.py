"""lavaan-style model text: parse ``=~``, ``~~`` and ``~`` statements into a :class:`ModelSpec`."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hsc_analysis.errors import InputError

__all__ = ["ModelSpec", "ModelSyntaxError", "Statement", "model_from_factors", "parse_model"]

OPERATORS = ("=~", "~~", "~")
_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class ModelSyntaxError(InputError):
    """Model text that cannot be read; the message names the line and what is allowed."""


@dataclass(frozen=True)
class Statement:
    """One term of a model line: ``lhs op rhs`` with an optional modifier (fixed value or equality label)."""

    lhs: str
    op: str
    rhs: str
    fixed: float | None = None
    label: str | None = None
    line: int = 0


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model: statements in text order, the factors with their indicators, and the observed variables."""

    text: str
    statements: tuple[Statement, ...]

    @property
    def factors(self) -> dict[str, tuple[str, ...]]:
        factors: dict[str, list[str]] = {}
        for s in self.statements:
            if s.op == "=~":
                factors.setdefault(s.lhs, []).append(s.rhs)
        return {name: tuple(items) for name, items in factors.items()}

    @property
    def observed(self) -> list[str]:
        """Indicators in order of first appearance."""
        return list(dict.fromkeys(item for items in self.factors.values() for item in items))


def parse_model(text: str) -> ModelSpec:
    """Parse model text in lavaan syntax.

    Lines (or ``;``-separated parts) hold ``factor =~ x1 + x2``, ``a ~~ b`` (variance or covariance) or
    ``eta ~ xi1 + xi2`` (regression among factors); ``#`` starts a comment. A term may carry a modifier:
    ``0.5*x2`` fixes the value, ``a*x2`` labels it (terms with the same label are constrained equal).

    Raises
    ------
    ModelSyntaxError
        Naming the line number and text when a line cannot be read, a name is not a valid variable name, a factor
        is also an indicator (higher-order factors are not supported), a regression involves an observed
        variable, or the model defines no factor.

    Examples
    --------
    >>> spec = parse_model("visual =~ x1 + x2 + x3  # the visual factor\\nx2 ~~ x3")
    >>> spec.factors
    {'visual': ('x1', 'x2', 'x3')}
    >>> parse_model("visual = x1 + x2")
    Traceback (most recent call last):
    ...
    hsc_analysis.measurement.syntax.ModelSyntaxError: model line 1: 'visual = x1 + x2' has no operator; use =~, ~~ or ~
    """
    if not isinstance(text, str):
        raise TypeError(f"model must be lavaan-style text (str), got {type(text).__name__}")
    statements = []
    for number, raw in enumerate(text.splitlines(), start=1):
        for part in raw.split("#", 1)[0].split(";"):
            if part.strip():
                statements.extend(_parse_line(part.strip(), number))
    spec = ModelSpec(text=text, statements=tuple(statements))
    _check(spec, text)
    return spec


def model_from_factors(factors: Mapping[str, Sequence[str]]) -> str:
    """Model text with one factor per entry: ``{"A": ["A1", "A2"]}`` → ``"A =~ A1 + A2"``.

    Examples
    --------
    >>> print(model_from_factors({"visual": ["x1", "x2", "x3"], "speed": ["x7", "x8"]}))
    visual =~ x1 + x2 + x3
    speed =~ x7 + x8
    """
    return "\n".join(f"{name} =~ {' + '.join(items)}" for name, items in factors.items())


def _parse_line(line: str, number: int) -> list[Statement]:
    op = next((o for o in OPERATORS if o in line), None)
    if op is None:
        raise ModelSyntaxError(f"model line {number}: {line!r} has no operator; use =~, ~~ or ~")
    lhs, _, rhs = line.partition(op)
    lhs = lhs.strip()
    if not _NAME.match(lhs):
        raise ModelSyntaxError(f"model line {number}: {line!r}: left of {op} must be one variable name, got {lhs!r}")
    terms = [t.strip() for t in rhs.split("+")]
    if not all(terms):
        raise ModelSyntaxError(f"model line {number}: {line!r}: empty term; write terms as 'x1 + x2'")
    return [_term(lhs, op, term, number, line) for term in terms]


def _term(lhs: str, op: str, term: str, number: int, line: str) -> Statement:
    modifier, star, name = term.rpartition("*")
    name, modifier = name.strip(), modifier.strip()
    if name == "1":
        raise ModelSyntaxError(f"model line {number}: {line!r}: intercepts (~ 1) are not supported")
    if not _NAME.match(name):
        raise ModelSyntaxError(f"model line {number}: {line!r}: {name!r} is not a variable name")
    if not star:
        return Statement(lhs, op, name, line=number)
    if _NUMBER.match(modifier):
        return Statement(lhs, op, name, fixed=float(modifier), line=number)
    if _NAME.match(modifier) and modifier not in ("NA", "start"):
        return Statement(lhs, op, name, label=modifier, line=number)
    raise ModelSyntaxError(
        f"model line {number}: {line!r}: modifier {modifier!r} must be a number (fixed value) or a label"
    )


def _check(spec: ModelSpec, text: str) -> None:
    factors = spec.factors
    if not factors:
        raise ModelSyntaxError(f"model defines no factor (no '=~' line) in: {text.strip()[:80]!r}")
    for s in spec.statements:
        where = f"model line {s.line}"
        if s.op == "=~" and s.rhs in factors:
            raise ModelSyntaxError(f"{where}: {s.rhs!r} is a factor; higher-order factors are not supported")
        if s.op == "~" and (s.lhs not in factors or s.rhs not in factors):
            raise ModelSyntaxError(
                f"{where}: regression {s.lhs} ~ {s.rhs}: only regressions among factors are supported"
            )
        if s.op == "~~" and (s.lhs in factors) != (s.rhs in factors):
            raise ModelSyntaxError(f"{where}: {s.lhs} ~~ {s.rhs} mixes a factor and an observed variable")
        if s.op == "~~" and s.lhs not in factors and s.lhs not in spec.observed:
            raise ModelSyntaxError(f"{where}: {s.lhs!r} is neither a factor nor an indicator of one")
        if s.op == "~~" and s.rhs not in factors and s.rhs not in spec.observed:
            raise ModelSyntaxError(f"{where}: {s.rhs!r} is neither a factor nor an indicator of one")
