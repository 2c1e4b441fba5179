"""Which column of an export holds which question of the instrument.

Columns are mapped by an explicit mapping (column header → question id, or ``<question>__<code>`` for one option of
a multiple-choice question) or automatically: a header (or its stem after the question number, or a matrix row
text after ``—``/`` - ``/``:``) equal to a question's id or its zh or en text (compared after
:func:`~hsc_analysis.io.headers.normalise`). Multiple-choice option columns (``8、题干(选项)``, ``8、(选项)``,
``第8题(选项)``, ``8.题干:选项``, ``Q[SQ003]``) are joined to their question by stem or by question number and to a
level by the option's label; when no column carries the stem (问卷星 2016: only ``第6题(运动)`` …), the question is the
one multiple-choice question whose levels include every option of that number. Nothing is guessed: a header that
fits two questions, a question found in two columns and scale items or checks without a column raise
:class:`DataError`; unmapped columns are reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument, Label
from hsc_analysis.io.headers import Header, normalise, parse_header

__all__ = ["ColumnMap", "Field", "instrument_fields", "map_columns"]


@dataclass(frozen=True)
class Field:
    """A question of the instrument as import sees it.

    ``options`` lists the codes in the order a form shows them (an item's scale codes in declared order, then its
    missing codes): the 1-based position in this list is the 问卷星 按序号 value. ``labels`` maps each code to its
    label; ``missing`` maps missing codes to their reason.
    """

    id: str
    kind: Literal["item", "check", "background", "identifier"]
    type: Literal["choice", "multiple", "number", "text"]
    text: Label
    options: tuple[int, ...] = ()
    labels: Mapping[int, Label] = field(default_factory=dict)
    missing: Mapping[int, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.id} ({self.text.zh or self.text.en})"


@dataclass(frozen=True)
class ColumnMap:
    """The result of mapping: one column per question, or one column per option of a multiple-choice question."""

    columns: Mapping[str, str]
    option_columns: Mapping[str, Mapping[int, str]]
    unmapped: tuple[str, ...]
    absent: tuple[str, ...]


def instrument_fields(instrument: Instrument) -> list[Field]:
    """Every question of the instrument: scale items, checks, background questions and identifiers."""
    fields = []
    for item in (*instrument.items, *instrument.checks):
        scale = instrument.scales[item.scale]
        fields.append(
            Field(
                id=item.id,
                kind="item" if item in instrument.items else "check",
                type="choice",
                text=item.text,
                options=(*scale.codes, *scale.missing_codes),
                labels={**scale.codes, **{c: label for c, (label, _) in scale.missing_codes.items()}},
                missing={c: reason for c, (_, reason) in scale.missing_codes.items()},
            )
        )
    for question in instrument.background:
        qtype = {"single": "choice"}.get(question.type, question.type)
        fields.append(
            Field(question.id, "background", qtype, question.text, tuple(question.levels), dict(question.levels))
        )
    fields.extend(Field(ident.id, "identifier", "text", ident.text) for ident in instrument.identifiers)
    return fields


def map_columns(
    headers: Sequence[str],
    fields: Sequence[Field],
    *,
    mapping: Mapping[str, str] | None,
    labels: Mapping[str, str],
    source: str,
) -> ColumnMap:
    """Map export columns to the instrument's questions (rules in the module docstring); ``labels`` gives a second
    header per column (SPSS variable label, Qualtrics question text) tried when the first does not fit.

    Raises
    ------
    DataError
        When a mapping names an unknown column or question, a header fits two questions, a question or option is
        found in two columns, or scale items/checks have no column; the message names the file and lists all.
    """
    by_id = {f.id: f for f in fields}
    by_text: dict[str, list[Field]] = {}
    for f in fields:
        for text in {normalise(t) for t in (f.id, f.text.zh, f.text.en) if t}:
            by_text.setdefault(text, []).append(f)
    mapping = dict(mapping or {})
    unknown_columns = sorted(set(mapping) - set(headers))
    if unknown_columns:
        raise DataError(f"{source}: mapping names column(s) not in the file: {', '.join(unknown_columns)}")

    found: dict[tuple[str, int | None], list[str]] = {}
    unmapped: list[str] = []
    number_field: dict[int, Field] = {}
    problems: list[str] = []
    pending: dict[int, list[tuple[str, str]]] = {}  # 第N题(选项) columns whose question has no stem in the file
    for column in headers:
        header = parse_header(column)
        if column in mapping:
            target = _explicit_target(mapping[column], by_id, column, source)
        else:
            target, problem = _automatic_target(header, by_text, number_field)
            if target is None and not problem and column in labels:
                header = parse_header(labels[column])
                target, problem = _automatic_target(header, by_text, number_field)
            if problem:
                problems.append(f"column '{column}': {problem}")
        if target is None and header.number is not None and header.option is not None and not header.base:
            pending.setdefault(header.number, []).append((column, header.option))
            continue
        if target is None:
            unmapped.append(column)
            continue
        found.setdefault(target, []).append(column)
        if header.number is not None:
            number_field[header.number] = by_id[target[0]]
    for column, target in _by_option_set(pending, fields):
        if target is None:
            unmapped.append(column)
        else:
            found.setdefault(target, []).append(column)
    if problems:
        raise DataError(f"{source}: cannot map columns without guessing: " + "; ".join(problems))
    doubled = [
        f"{_target_name(t)} in {' and '.join(repr(c) for c in cols)}" for t, cols in found.items() if len(cols) > 1
    ]
    if doubled:
        raise DataError(f"{source}: question(s) found in more than one column: " + "; ".join(doubled))
    columns = {fid: cols[0] for (fid, code), cols in found.items() if code is None}
    option_columns: dict[str, dict[int, str]] = {}
    for (fid, code), cols in found.items():
        if code is not None:
            option_columns.setdefault(fid, {})[code] = cols[0]
    both = sorted(set(columns) & set(option_columns))
    if both:
        raise DataError(
            f"{source}: multiple-choice question(s) {', '.join(both)} found both as one column and as option columns"
        )
    absent = [f for f in fields if f.id not in columns and f.id not in option_columns]
    required = [f.describe() for f in absent if f.kind in ("item", "check")]
    if required:
        hint = f"; unmapped columns: {', '.join(repr(c) for c in unmapped[:10])}" if unmapped else ""
        raise DataError(
            f"{source}: no column for {len(required)} question(s) of the instrument: {', '.join(required)}{hint}. "
            "Name the columns after the item ids or texts, or pass mapping={column: item_id}"
        )
    return ColumnMap(columns, option_columns, tuple(unmapped), tuple(f.id for f in absent))


def _explicit_target(target: str, by_id: Mapping[str, Field], column: str, source: str) -> tuple[str, int | None]:
    question, _, code = str(target).partition("__")
    if question not in by_id:
        raise DataError(f"{source}: mapping '{column}' → '{target}': no question '{question}' in the instrument")
    f = by_id[question]
    if not code:
        return question, None
    if f.type != "multiple" or not code.lstrip("-").isdigit() or int(code) not in f.labels:
        allowed = ", ".join(f"{question}__{c}" for c in f.labels) if f.type == "multiple" else question
        raise DataError(f"{source}: mapping '{column}' → '{target}': not an option column; allowed: {allowed}")
    return question, int(code)


def _automatic_target(
    header: Header, by_text: Mapping[str, list[Field]], number_field: Mapping[int, Field]
) -> tuple[tuple[str, int | None] | None, str | None]:
    for candidate in header.candidates():
        hits = by_text.get(normalise(candidate), [])
        if len(hits) > 1:
            return None, f"fits {len(hits)} questions ({', '.join(f.id for f in hits)})"
        if hits:
            return (hits[0].id, None), None
    if header.option is None:
        return None, None
    if header.code is not None:
        question = by_text.get(normalise(header.code), [None])[0]
    elif header.base:
        question = by_text.get(normalise(header.base), [None])[0]
    else:
        question = number_field.get(header.number) if header.number is not None else None
    if question is None or question.type != "multiple":
        return None, None
    code = _option_code(header.option, question)
    if code is None:
        levels = ", ".join(f"{c} {label.zh}" for c, label in question.labels.items())
        return None, f"option '{header.option}' is not a level of {question.id} ({levels})"
    return (question.id, code), None


def _by_option_set(
    pending: Mapping[int, list[tuple[str, str]]], fields: Sequence[Field]
) -> list[tuple[str, tuple[str, int] | None]]:
    """Option columns of a question whose stem is nowhere in the file (问卷星 2016: ``第6题(运动)`` …): the question
    is the one multiple-choice question whose levels include every option of that number; otherwise unmapped."""
    results = []
    multiple = [f for f in fields if f.type == "multiple"]
    for group in pending.values():
        fits = [f for f in multiple if all(_option_code(option, f) is not None for _, option in group)]
        for column, option in group:
            results.append((column, (fits[0].id, _option_code(option, fits[0])) if len(fits) == 1 else None))
    return results


def _option_code(option: str, question: Field) -> int | None:
    text = normalise(re.sub(r"【.*?】|〖.*?〗", "", option))
    for code, label in question.labels.items():
        if text in {normalise(label.zh), normalise(label.en)}:
            return code
    digits = re.fullmatch(r"[A-Za-z_]*0*(\d+)", option.strip())  # LimeSurvey sub-question codes SQ003, A3, 3
    if digits and int(digits[1]) in question.labels:
        return int(digits[1])
    return None


def _target_name(target: tuple[str, int | None]) -> str:
    return target[0] if target[1] is None else f"{target[0]}__{target[1]}"
