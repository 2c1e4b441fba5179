"""Which column of an export holds which question of the instrument.

Columns are mapped by an explicit mapping (column header → question id, ``<question>__<code>`` for one option of a
multiple-choice question, ``<question>__other`` for the typed "other" text, or null to leave the column out) or
automatically, by the closest of these matches (a question claimed by several columns goes to the closest one; the
others are reported as not imported):

1. the header is a question's id, exactly;
2. the header is a question's id up to case and width (``age`` ↔ ``Age``);
3. the header, or its stem after the question number, is a question's zh or en text (after
   :func:`~hsc_analysis.io.headers.normalise`);
4. a part of the header — a matrix row after ``—``/`` - ``/``:``, a LimeSurvey ``Q[row]`` — is a question's id or text;
5. the question number: an id ``Qn`` or ``n`` ↔ the one column numbered n (``n、…``, ``n.…``, ``Qn.…``, ``n(…)``,
   ``第n题``); numbers shared by several columns (matrix rows, option columns) are not used.

Multiple-choice option columns (``8、题干(选项)``, ``8、(选项)``, ``第8题(选项)``, ``8.题干:选项``, ``Q[SQ003]``) are
joined to their question by stem or by question number and to a level by the option's label
(:func:`~hsc_analysis.io.headers.option_key`: ``其他【请注明】`` ↔ ``其他``); when no column carries the stem (问卷星
2016: only ``第6题(运动)`` …), the question is the one multiple-choice question whose levels include every option of
that number. An option-shaped column of a single-choice question naming its "other" option holds the typed text.
Nothing is guessed: a header that fits two questions equally, a question found equally well in two columns, a
repeated header that fits a question, and scale items or checks without a column raise :class:`DataError`;
unmapped columns are reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument, Label
from hsc_analysis.io.headers import Header, normalise, option_key, parse_header

__all__ = [
    "OTHER",
    "ColumnMap",
    "Field",
    "instrument_fields",
    "map_columns",
    "mapping_problem",
    "other_codes",
    "read_mapping",
]


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
    """The result of mapping: one column per question, or one column per option of a multiple-choice question;
    ``other_columns`` hold the typed "other" text of a question; ``passed_over`` maps a column that fits a question
    less closely than another column to the reason it is not imported; ``excluded`` lists columns the mapping
    leaves out."""

    columns: Mapping[str, str]
    option_columns: Mapping[str, Mapping[int, str]]
    unmapped: tuple[str, ...]
    absent: tuple[str, ...]
    other_columns: Mapping[str, str] = field(default_factory=dict)
    passed_over: Mapping[str, str] = field(default_factory=dict)
    excluded: tuple[str, ...] = ()


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


OTHER = "other"
"""The code part of a target ``(question, OTHER)``: the column holds the typed text of the question's "other"."""
Target = tuple[str, int | str | None]
_TIERS = ("explicit mapping", "exact id", "id up to case", "question text", "part of the header", "question number")
_NUMBER_ID = re.compile(r"^[Qq]?(\d+)$")


def map_columns(
    headers: Sequence[str],
    fields: Sequence[Field],
    *,
    mapping: Mapping[str, str | None] | None,
    labels: Mapping[str, str],
    source: str,
    repeated: Mapping[str, str] | None = None,
) -> ColumnMap:
    """Map export columns to the instrument's questions (rules in the module docstring); ``labels`` gives a second
    header per column (SPSS variable label, Qualtrics question text) tried when the first does not fit;
    ``repeated`` maps the name given to each column whose header the file repeats (``header (column 9)``) to
    that header.

    Raises
    ------
    DataError
        When a mapping names an unknown column or question, a header fits two questions, a question or option is
        found equally well in two columns, a repeated header fits a question, or scale items/checks have no
        column; the message names the file and lists all.
    """
    by_id = {f.id: f for f in fields}
    lookup = _Lookup(fields, headers)
    mapping = dict(mapping or {})
    repeated = dict(repeated or {})
    _check_mapping_columns(mapping, headers, repeated, source)

    found: dict[Target, list[tuple[int, str]]] = {}
    unmapped: list[str] = []
    excluded: list[str] = []
    number_field: dict[int, Field] = {}
    problems: list[str] = []
    pending: dict[int, list[tuple[str, str]]] = {}  # 第N题(选项) columns whose question has no stem in the file
    for column in headers:
        header = parse_header(repeated.get(column, column))
        if column in mapping and mapping[column] is None:
            excluded.append(column)
            continue
        if column in mapping:
            target, tier = _explicit_target(str(mapping[column]), by_id, column, source), 0
        else:
            target, tier, problem = lookup.target(header, number_field)
            if target is None and not problem and column in labels:
                header = parse_header(labels[column])
                target, tier, problem = lookup.target(header, number_field)
            if target is not None and column in repeated:
                twins = [c for c, h in repeated.items() if h == repeated[column]]
                problem = (
                    f"the header is repeated in columns {', '.join(c.rsplit('column ', 1)[1][:-1] for c in twins)} "
                    f"and fits {_target_name(target)}; choose one, e.g. mapping {{{twins[0]!r}: "
                    f"{_target_name(target)!r}, {twins[1]!r}: null}}"
                )
            if problem:
                problems.append(f"column '{column}': {problem}")
        if target is None and header.number is not None and header.option is not None and not header.base:
            pending.setdefault(header.number, []).append((column, header.option))
            continue
        if target is None:
            unmapped.append(column)
            continue
        found.setdefault(target, []).append((tier, column))
        if header.number is not None:
            number_field[header.number] = by_id[target[0]]
    for column, target in _by_option_set(pending, fields):
        if target is None:
            unmapped.append(column)
        else:
            found.setdefault(target, []).append((len(_TIERS), column))
    if problems:
        raise DataError(f"{source}: cannot map columns without guessing: " + "; ".join(problems))
    chosen, passed_over, doubled = {}, {}, []
    for target, claims in found.items():
        best = min(tier for tier, _ in claims)
        closest = [c for tier, c in claims if tier == best]
        if len(closest) > 1:
            doubled.append(f"{_target_name(target)} in {' and '.join(repr(c) for c in closest)}")
            continue
        chosen[target] = closest[0]
        for tier, column in claims:
            if tier > best:
                passed_over[column] = (
                    f"fits {_target_name(target)} by {_TIERS[tier] if tier < len(_TIERS) else 'option set'}, "
                    f"but '{closest[0]}' fits it by {_TIERS[best]}"
                )
    if doubled:
        raise DataError(
            f"{source}: question(s) found in more than one column: " + "; ".join(doubled) + ". "
            "Say which column to use with mapping {column: question id}, and {column: null} for the other"
        )
    columns = {fid: col for (fid, code), col in chosen.items() if code is None}
    others = {fid: col for (fid, code), col in chosen.items() if code == OTHER}
    option_columns: dict[str, dict[int, str]] = {}
    for (fid, code), col in chosen.items():
        if isinstance(code, int):
            option_columns.setdefault(fid, {})[code] = col
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
    return ColumnMap(
        columns,
        option_columns,
        tuple(unmapped),
        tuple(f.id for f in absent),
        other_columns=others,
        passed_over=passed_over,
        excluded=tuple(excluded),
    )


def mapping_problem(mapping: object) -> str | None:
    """Why ``mapping`` is not a column mapping (column header → question id, ``<question>__<code>`` or null), or
    None when it is one."""
    if not isinstance(mapping, Mapping):
        return f"expected a mapping of column header to question id (or null), got {type(mapping).__name__}"
    wrong = [f"{k!r}: {v!r}" for k, v in mapping.items() if v is not None and not isinstance(v, str)]
    if wrong:
        return f"expected question ids (text) or null as values; got {', '.join(wrong[:5])}"
    return None


def read_mapping(path: str | Path) -> dict[str, str | None]:
    """A column mapping from a YAML or JSON file (``{column header: question id or null}``).

    Raises
    ------
    InputError
        When the file cannot be read or is not such a mapping; the message names the file.
    """
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        value = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as err:
        raise InputError(f"{path}: cannot read the mapping file ({err})".replace("\n", " ")) from None
    problem = mapping_problem(value)
    if problem:
        raise InputError(f"{path}: {problem}")
    return {str(k): v for k, v in value.items()}


def _check_mapping_columns(
    mapping: Mapping[str, str | None], headers: Sequence[str], repeated: Mapping[str, str], source: str
) -> None:
    ambiguous = sorted(set(mapping) & set(repeated.values()) - set(headers))
    if ambiguous:
        names = [f"{h!r} ({', '.join(repr(c) for c, o in repeated.items() if o == h)})" for h in ambiguous]
        raise DataError(
            f"{source}: mapping names header(s) the file repeats: {'; '.join(names)}; name one column as shown"
        )
    unknown_columns = sorted(set(mapping) - set(headers))
    if unknown_columns:
        raise DataError(f"{source}: mapping names column(s) not in the file: {', '.join(unknown_columns)}")


def _explicit_target(target: str, by_id: Mapping[str, Field], column: str, source: str) -> Target:
    question, _, code = str(target).partition("__")
    if question not in by_id:
        raise DataError(f"{source}: mapping '{column}' → '{target}': no question '{question}' in the instrument")
    f = by_id[question]
    if not code:
        return question, None
    if code == OTHER and other_codes(f):
        return question, OTHER
    if f.type != "multiple" or not code.lstrip("-").isdigit() or int(code) not in f.labels:
        allowed = ", ".join(f"{question}__{c}" for c in f.labels) if f.type == "multiple" else question
        raise DataError(f"{source}: mapping '{column}' → '{target}': not an option column; allowed: {allowed}")
    return question, int(code)


class _Lookup:
    """The instrument's ids, texts and question numbers, and the closest question a header fits."""

    def __init__(self, fields: Sequence[Field], headers: Sequence[str]) -> None:
        self.exact = {f.id: f for f in fields}
        self.folded: dict[str, list[Field]] = {}
        self.texts: dict[str, list[Field]] = {}
        for f in fields:
            self.folded.setdefault(normalise(f.id), []).append(f)
            for text in {normalise(t) for t in (f.text.zh, f.text.en) if t}:
                self.texts.setdefault(text, []).append(f)
        numbered = [h.number for h in map(parse_header, headers) if h.number is not None]
        once = {n for n in numbered if numbered.count(n) == 1}
        by_number: dict[int, list[Field]] = {}
        for f in fields:
            if (match := _NUMBER_ID.match(f.id)) and int(match[1]) in once:
                by_number.setdefault(int(match[1]), []).append(f)
        self.numbers = {n: fs[0] for n, fs in by_number.items() if len(fs) == 1}

    def target(self, header: Header, number_field: Mapping[int, Field]) -> tuple[Target | None, int, str | None]:
        """The closest question (tier 1–5 of the module docstring), or an option column's (question, code)."""
        whole = [t for t in dict.fromkeys((header.text, header.stem)) if t.strip()]
        parts = [t for t in header.candidates() if t not in whole]
        tiers = (
            [self.exact[header.text.strip()]] if header.text.strip() in self.exact else [],
            _first_hit(whole, self.folded),
            _first_hit(whole, self.texts),
            _first_hit(parts, {**self.texts, **self.folded}),
        )
        for tier, hits in enumerate(tiers, start=1):
            distinct = list({f.id: f for f in hits}.values())
            if len(distinct) > 1:
                return None, tier, f"fits {len(distinct)} questions ({', '.join(f.id for f in distinct)})"
            if distinct:
                return (distinct[0].id, None), tier, None
        option = self.option_target(header, number_field)
        if option != (None, None):
            return option[0], 4, option[1]
        if header.number in self.numbers and header.option is None:
            return (self.numbers[header.number].id, None), 5, None
        return None, 0, None

    def option_target(self, header: Header, number_field: Mapping[int, Field]) -> tuple[Target | None, str | None]:
        if header.option is None:
            return None, None
        if header.code is not None:
            question = _first_hit([header.code], {**self.texts, **self.folded})
        elif header.base:
            question = _first_hit([header.base], self.texts) or _first_hit([header.base], self.folded)
        else:
            question = [number_field[header.number]] if header.number in number_field else []
        if len(question) != 1:
            return None, None
        question = question[0]
        if question.type == "choice" and question.kind == "background":
            code = _option_code(header.option, question)
            return ((question.id, OTHER), None) if code in other_codes(question) else (None, None)
        if question.type != "multiple":
            return None, None
        code = _option_code(header.option, question)
        if code is None:
            levels = ", ".join(f"{c} {label.zh}" for c, label in question.labels.items())
            return None, f"option '{header.option}' is not a level of {question.id} ({levels})"
        return (question.id, code), None


def _first_hit(texts: Sequence[str], table: Mapping[str, list[Field]]) -> list[Field]:
    for text in texts:
        if hits := table.get(normalise(text)):
            return hits
    return []


def other_codes(question: Field) -> tuple[int, ...]:
    """The codes of a question's "other, please specify" options (其他/其它…, Other…, or a 【…】 prompt)."""
    return tuple(
        code
        for code, label in question.labels.items()
        if question.kind == "background"
        and (
            re.match(r"\s*其[他它]", label.zh or "")
            or re.match(r"\s*other\b", label.en or "", re.I)
            or "【" in (label.zh or "")
        )
    )


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
    text = option_key(option)
    for code, label in question.labels.items():
        if text in {option_key(label.zh), option_key(label.en)}:
            return code
    digits = re.fullmatch(r"[A-Za-z_]*0*(\d+)", option.strip())  # LimeSurvey sub-question codes SQ003, A3, 3
    if digits and int(digits[1]) in question.labels:
        return int(digits[1])
    return None


def _target_name(target: Target) -> str:
    return target[0] if target[1] is None else f"{target[0]}__{target[1]}"
