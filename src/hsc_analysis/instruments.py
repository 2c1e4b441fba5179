"""Questionnaire instruments as validated data.

An instrument file (YAML, one per questionnaire in ``surveys/``) declares response scales, constructs, items,
background questions, identifier fields and attention checks. :func:`load_instrument` validates it once and returns
an :class:`Instrument`; every later stage reads item codes, keys and labels from it. ``surveys/README.md`` documents
the format.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from hsc_analysis.errors import InstrumentError, UnknownNameError
from hsc_analysis.yamlfile import read_yaml

__all__ = [
    "MISSING_REASONS",
    "AttentionCheck",
    "BackgroundQuestion",
    "Construct",
    "Identifier",
    "Instrument",
    "Item",
    "Label",
    "ResponseScale",
    "append_modules",
    "load_instrument",
]

MISSING_REASONS = ("skipped", "blank", "dont_know", "invalid")
"""Why an answer is missing: skipped by the form's logic, left blank, "don't know", or an invalid answer."""

SCALE_KINDS = ("ordinal", "nominal")
ROLES = ("predictor", "outcome", "mediator", "moderator", "covariate")
METHODS = ("mean", "sum")
QUESTION_TYPES = ("single", "multiple", "number", "text")
COOPERATION_FACTORS = (
    "school_investment",
    "teacher_enthusiasm",
    "goal_orientation",
    "communication",
    "opinion_solicitation",
    "flexibility",
)
"""The six factors of cooperation effectiveness found in the case-school thesis."""


@dataclass(frozen=True)
class Label:
    """A text in Chinese and English; :meth:`get` falls back to the other language when one is empty."""

    zh: str
    en: str

    def get(self, lang: Literal["zh", "en"]) -> str:
        primary, other = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return primary or other


@dataclass(frozen=True)
class ResponseScale:
    """Answer codes of a closed question: substantive codes with labels, and special codes that mean missing."""

    id: str
    kind: Literal["ordinal", "nominal"]
    codes: Mapping[int, Label]
    missing_codes: Mapping[int, tuple[Label, str]] = field(default_factory=dict)

    @property
    def low(self) -> int:
        return min(self.codes)

    @property
    def high(self) -> int:
        return max(self.codes)

    def describe_allowed(self) -> str:
        """The allowed codes as one phrase for error messages, e.g. ``1–5, or 9 (dont_know)``."""
        codes = sorted(self.codes)
        contiguous = codes == list(range(codes[0], codes[-1] + 1))
        text = f"{codes[0]}–{codes[-1]}" if contiguous and len(codes) > 2 else ", ".join(map(str, codes))
        special = ", ".join(f"{c} ({reason})" for c, (_, reason) in sorted(self.missing_codes.items()))
        return f"{text}, or {special}" if special else text


@dataclass(frozen=True)
class Item:
    """One scored question: its construct, its response scale and whether it is reverse-keyed."""

    id: str
    text: Label
    scale: str
    construct: str
    reverse: bool = False


@dataclass(frozen=True)
class Construct:
    """A scale score: the items that form it, how they combine and how many must be valid.

    ``min_valid`` is the minimum share of the construct's items that must be answered for a score; a respondent
    with fewer valid items gets NaN for this construct.
    """

    id: str
    label: Label
    items: tuple[str, ...]
    role: str = "predictor"
    method: Literal["mean", "sum"] = "mean"
    min_valid: float = 0.5
    cooperation_factor: str | None = None

    @property
    def min_valid_items(self) -> int:
        """The smallest number of valid items that still gives a score (at least one)."""
        return max(1, math.ceil(self.min_valid * len(self.items) - 1e-9))


@dataclass(frozen=True)
class BackgroundQuestion:
    """A question that is not scaled: demographics, grouping variables and factual cross-check items."""

    id: str
    text: Label
    type: Literal["single", "multiple", "number", "text"]
    levels: Mapping[int, Label] = field(default_factory=dict)
    pii: bool = False


@dataclass(frozen=True)
class Identifier:
    """A field that identifies a respondent or links records (class code, staff code, phone); ``pii`` marks
    personal data that must never reach a report."""

    id: str
    text: Label
    pii: bool


@dataclass(frozen=True)
class AttentionCheck:
    """An instructed-response item with the one answer an attentive respondent gives."""

    id: str
    text: Label
    scale: str
    correct: int


@dataclass(frozen=True)
class Instrument:
    """A validated questionnaire. Build one with :func:`load_instrument` or :meth:`Instrument.from_keys`."""

    id: str
    title: Label
    version: str
    scales: Mapping[str, ResponseScale]
    constructs: tuple[Construct, ...]
    items: tuple[Item, ...]
    sources: tuple[str, ...] = ()
    background: tuple[BackgroundQuestion, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    checks: tuple[AttentionCheck, ...] = ()

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    @property
    def reverse_items(self) -> list[str]:
        return [item.id for item in self.items if item.reverse]

    def item(self, item_id: str) -> Item:
        return _find(self.items, item_id, "item", self.id)

    def construct(self, construct_id: str) -> Construct:
        return _find(self.constructs, construct_id, "construct", self.id)

    def scale_of(self, item_id: str) -> ResponseScale:
        return self.scales[self.item(item_id).scale]

    def keys(self) -> dict[str, list[str]]:
        """The scoring keys in psych's style: ``{"A": ["-A1", "A2", ...]}`` ("-" marks a reverse-keyed item)."""
        return {c.id: [("-" if self.item(i).reverse else "") + i for i in c.items] for c in self.constructs}

    @classmethod
    def from_keys(
        cls,
        keys: Mapping[str, Sequence[str]],
        *,
        response_range: tuple[int, int],
        method: Literal["mean", "sum"] = "mean",
        min_valid: float = 0.5,
        id: str = "keys",
    ) -> Instrument:
        """Build an instrument from psych-style scoring keys.

        Parameters
        ----------
        keys : mapping of construct id to item ids
            A leading "-" marks a reverse-keyed item, as in ``psych::scoreItems``.
        response_range : (low, high)
            The integer codes every item allows; reverse-keying maps x to low + high - x.
        method, min_valid
            How every construct is scored (see :class:`Construct`).

        Examples
        --------
        >>> inst = Instrument.from_keys({"A": ["-A1", "A2", "A3"]}, response_range=(1, 6))
        >>> inst.reverse_items
        ['A1']
        """
        low, high = response_range
        spec = {
            "id": id,
            "title": id,
            "version": "keys",
            "scales": {"range": {"kind": "ordinal", "codes": {c: str(c) for c in range(low, high + 1)}}},
            "constructs": {name: {"label": name, "method": method, "min_valid": min_valid} for name in keys},
            "items": [
                {"id": key.lstrip("-"), "construct": name, "scale": "range", "reverse": key.startswith("-")}
                for name, item_keys in keys.items()
                for key in item_keys
            ],
        }
        return _build(spec, source="keys")


def load_instrument(path: str | Path) -> Instrument:
    """Read and validate an instrument file.

    Raises
    ------
    InstrumentError
        When the file cannot be read or parsed, or any part of it breaks the format; the message names the file
        and the key path (e.g. ``surveys/parent.yaml: items[3].scale: unknown scale 'A6'; known: A5, F5``).

    Examples
    --------
    >>> parent = load_instrument("surveys/parent.yaml")
    >>> parent.construct("effectiveness").role
    'outcome'
    """
    spec = read_yaml(path, error=InstrumentError, what="instrument file")
    return _build(spec, source=str(path))


def append_modules(main: Instrument, modules: Sequence[Instrument], *, sources: Sequence[str]) -> Instrument:
    """``main`` with the scales, constructs, items, checks, identifiers and background questions of each module
    appended, in order: the instrument of one export that holds a questionnaire and its add-on modules (a study's
    ``modules:``).

    Parameters
    ----------
    main : Instrument
    modules : sequence of Instrument
    sources : sequence of str
        The files of ``main`` and of each module, in that order; errors name them.

    Raises
    ------
    InstrumentError
        When a module reuses an id of the main instrument or of an earlier module (a construct, an item, check,
        identifier or background question, or a scale defined differently); the message names the module file,
        the key path and the file that has the id already.

    Examples
    --------
    >>> parent = load_instrument("surveys/parent.yaml")
    >>> module = load_instrument("surveys/after_school.yaml")
    >>> both = append_modules(parent, [module], sources=["parent.yaml", "after_school.yaml"])
    >>> len(both.constructs) == len(parent.constructs) + 2, both.constructs[-1].id
    (True, 'satisfaction')
    """
    if len(sources) != len(modules) + 1:
        raise InstrumentError(f"append_modules: got {len(sources)} source name(s) for {len(modules) + 1} instrument(s)")
    scales = dict(main.scales)
    scale_owner = dict.fromkeys(main.scales, sources[0])
    construct_owner = dict.fromkeys((c.id for c in main.constructs), sources[0])
    parts = ("items", "checks", "identifiers", "background")
    question_owner = {q.id: sources[0] for part in parts for q in getattr(main, part)}
    combined = {part: list(getattr(main, part)) for part in (*parts, "constructs", "sources")}
    for module, source in zip(modules, sources[1:], strict=True):
        v = _Spec(source)
        for name, scale in module.scales.items():
            if name in scales and scales[name] != scale:
                raise v.fail(f"scales.{name}", f"defined differently in {scale_owner[name]}; rename one of them")
            scales.setdefault(name, scale)
            scale_owner.setdefault(name, source)
        for construct in module.constructs:
            if construct.id in construct_owner:
                raise v.fail(
                    f"constructs.{construct.id}", f"construct id already used in {construct_owner[construct.id]}"
                )
            construct_owner[construct.id] = source
        for part in parts:
            for i, question in enumerate(getattr(module, part)):
                if question.id in question_owner:
                    raise v.fail(f"{part}[{i}].id", f"id '{question.id}' already used in {question_owner[question.id]}")
                question_owner[question.id] = source
            combined[part] += getattr(module, part)
        combined["constructs"] += module.constructs
        combined["sources"] += [s for s in module.sources if s not in combined["sources"]]
    return replace(main, scales=scales, **{part: tuple(values) for part, values in combined.items()})


# --- validation -------------------------------------------------------------------------------------------------


class _Spec:
    """Reads one instrument spec, naming the source and key path in every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InstrumentError:
        return InstrumentError(f"{self.source}: {path}: {message}")

    def mapping(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__} {value!r:.60}")
        return value

    def sequence(self, value: Any, path: str) -> list:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {type(value).__name__} {value!r:.60}")
        return value

    def required(self, spec: dict, key: str, path: str) -> Any:
        if key not in spec:
            raise self.fail(path, f"missing required key '{key}'")
        return spec[key]

    def known_keys(self, spec: dict, allowed: Sequence[str], path: str) -> None:
        unknown = sorted(set(map(str, spec)) - set(allowed))
        if unknown:
            raise self.fail(path, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")

    def choice(self, value: Any, allowed: Sequence[str], path: str) -> str:
        if value not in allowed:
            raise self.fail(path, f"got {value!r:.60}; allowed: {', '.join(allowed)}")
        return value

    def identifier(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise self.fail(path, f"expected a non-empty name without surrounding spaces, got {value!r:.60}")
        return value

    def code(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, f"a response code must be an integer, got {value!r:.60}")
        return value

    def label(self, value: Any, path: str) -> Label:
        if isinstance(value, str) and value:
            return Label(zh=value, en=value)
        if isinstance(value, dict):
            self.known_keys(value, ("zh", "en"), path)
            zh, en = value.get("zh", ""), value.get("en", "")
            if not all(isinstance(t, str) for t in (zh, en)) or not (zh or en):
                raise self.fail(path, "expected text in 'zh' and/or 'en'")
            return Label(zh=zh, en=en)
        raise self.fail(path, f"expected a text or a mapping with 'zh' and 'en', got {value!r:.60}")

    def unique(self, ids: Sequence[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for i, name in enumerate(ids):
            if name in seen:
                raise self.fail(f"{path}[{i}].id", f"duplicate {what} id '{name}'")
            seen.add(name)


def _build(spec: Any, *, source: str) -> Instrument:
    v = _Spec(source)
    spec = v.mapping(spec, "(top level)")
    v.known_keys(
        spec,
        ("id", "title", "version", "sources", "scales", "constructs", "items", "background", "identifiers", "checks"),
        "(top level)",
    )
    scales = {
        v.identifier(name, f"scales.{name}"): _scale(v, name, body)
        for name, body in v.mapping(v.required(spec, "scales", "(top level)"), "scales").items()
    }
    items = [
        _item(v, body, f"items[{i}]", scales)
        for i, body in enumerate(v.sequence(v.required(spec, "items", "(top level)"), "items"))
    ]
    v.unique([it.id for it in items], "items", "item")
    constructs = _constructs(v, v.required(spec, "constructs", "(top level)"), items)
    background = [
        _background(v, body, f"background[{i}]")
        for i, body in enumerate(v.sequence(spec.get("background", []), "background"))
    ]
    identifiers = [
        _identifier(v, body, f"identifiers[{i}]")
        for i, body in enumerate(v.sequence(spec.get("identifiers", []), "identifiers"))
    ]
    checks = [
        _check(v, body, f"checks[{i}]", scales) for i, body in enumerate(v.sequence(spec.get("checks", []), "checks"))
    ]
    all_ids = [q.id for group in (items, background, identifiers, checks) for q in group]
    v.unique(all_ids, "items, background, identifiers and checks", "question")
    sources = v.sequence(spec.get("sources", []), "sources")
    return Instrument(
        id=v.identifier(v.required(spec, "id", "(top level)"), "id"),
        title=v.label(v.required(spec, "title", "(top level)"), "title"),
        version=str(v.required(spec, "version", "(top level)")),
        scales=scales,
        constructs=tuple(constructs),
        items=tuple(items),
        sources=tuple(str(s) for s in sources),
        background=tuple(background),
        identifiers=tuple(identifiers),
        checks=tuple(checks),
    )


def _scale(v: _Spec, name: str, body: Any) -> ResponseScale:
    path = f"scales.{name}"
    body = v.mapping(body, path)
    v.known_keys(body, ("kind", "codes", "missing"), path)
    kind = v.choice(body.get("kind", "ordinal"), SCALE_KINDS, f"{path}.kind")
    codes = {
        v.code(c, f"{path}.codes.{c}"): v.label(text, f"{path}.codes.{c}")
        for c, text in v.mapping(v.required(body, "codes", path), f"{path}.codes").items()
    }
    if len(codes) < 2:
        raise v.fail(f"{path}.codes", "a response scale needs at least two codes")
    missing = {}
    for c, entry in v.mapping(body.get("missing", {}), f"{path}.missing").items():
        key = f"{path}.missing.{c}"
        code = v.code(c, key)
        entry = v.mapping(entry, key)
        reason = v.choice(v.required(entry, "reason", key), MISSING_REASONS, f"{key}.reason")
        if code in codes:
            raise v.fail(key, f"code {code} is already a substantive code of this scale")
        missing[code] = (v.label({k: t for k, t in entry.items() if k != "reason"}, key), reason)
    return ResponseScale(id=name, kind=kind, codes=codes, missing_codes=missing)


def _item(v: _Spec, body: Any, path: str, scales: Mapping[str, ResponseScale]) -> Item:
    body = v.mapping(body, path)
    v.known_keys(body, ("id", "text", "scale", "construct", "reverse"), path)
    scale = v.required(body, "scale", path)
    if scale not in scales:
        raise v.fail(f"{path}.scale", f"unknown scale {scale!r:.60}; known: {', '.join(scales)}")
    reverse = body.get("reverse", False)
    if not isinstance(reverse, bool):
        raise v.fail(f"{path}.reverse", f"expected true or false, got {reverse!r:.60}")
    if reverse and scales[scale].kind != "ordinal":
        raise v.fail(f"{path}.reverse", f"only items on an ordinal scale can be reversed; '{scale}' is nominal")
    item_id = v.identifier(v.required(body, "id", path), f"{path}.id")
    return Item(
        id=item_id,
        text=v.label(body.get("text", item_id), f"{path}.text"),
        scale=scale,
        construct=v.identifier(v.required(body, "construct", path), f"{path}.construct"),
        reverse=reverse,
    )


def _constructs(v: _Spec, spec: Any, items: Sequence[Item]) -> list[Construct]:
    spec = v.mapping(spec, "constructs")
    for i, item in enumerate(items):
        if item.construct not in spec:
            raise v.fail(f"items[{i}].construct", f"unknown construct {item.construct!r:.60}; known: {', '.join(spec)}")
    constructs = []
    for name, body in spec.items():
        path = f"constructs.{name}"
        body = v.mapping(body, path)
        v.known_keys(body, ("label", "role", "method", "min_valid", "cooperation_factor"), path)
        members = tuple(it.id for it in items if it.construct == name)
        if not members:
            raise v.fail(path, "no item belongs to this construct")
        min_valid = body.get("min_valid", 0.5)
        if isinstance(min_valid, bool) or not isinstance(min_valid, int | float) or not 0 < min_valid <= 1:
            raise v.fail(f"{path}.min_valid", f"expected a share in (0, 1], got {min_valid!r:.60}")
        factor = body.get("cooperation_factor")
        if factor is not None:
            v.choice(factor, COOPERATION_FACTORS, f"{path}.cooperation_factor")
        constructs.append(
            Construct(
                id=v.identifier(name, path),
                label=v.label(v.required(body, "label", path), f"{path}.label"),
                items=members,
                role=v.choice(body.get("role", "predictor"), ROLES, f"{path}.role"),
                method=v.choice(body.get("method", "mean"), METHODS, f"{path}.method"),
                min_valid=float(min_valid),
                cooperation_factor=factor,
            )
        )
    return constructs


def _background(v: _Spec, body: Any, path: str) -> BackgroundQuestion:
    body = v.mapping(body, path)
    v.known_keys(body, ("id", "text", "type", "levels", "pii"), path)
    qtype = v.choice(v.required(body, "type", path), QUESTION_TYPES, f"{path}.type")
    levels = {
        v.code(c, f"{path}.levels.{c}"): v.label(t, f"{path}.levels.{c}")
        for c, t in v.mapping(body.get("levels", {}), f"{path}.levels").items()
    }
    if qtype in ("single", "multiple") and len(levels) < 2:
        raise v.fail(f"{path}.levels", f"a '{qtype}' question needs at least two levels")
    if qtype in ("number", "text") and levels:
        raise v.fail(f"{path}.levels", f"a '{qtype}' question has no levels")
    pii = body.get("pii", qtype == "text")  # free text may hold names or phone numbers unless declared safe
    if not isinstance(pii, bool):
        raise v.fail(f"{path}.pii", f"expected true or false, got {pii!r:.60}")
    question_id = v.identifier(v.required(body, "id", path), f"{path}.id")
    return BackgroundQuestion(
        id=question_id,
        text=v.label(body.get("text", question_id), f"{path}.text"),
        type=qtype,
        levels=levels,
        pii=pii,
    )


def _identifier(v: _Spec, body: Any, path: str) -> Identifier:
    body = v.mapping(body, path)
    v.known_keys(body, ("id", "text", "pii"), path)
    pii = v.required(body, "pii", path)
    if not isinstance(pii, bool):
        raise v.fail(f"{path}.pii", f"expected true or false, got {pii!r:.60}")
    field_id = v.identifier(v.required(body, "id", path), f"{path}.id")
    return Identifier(id=field_id, text=v.label(body.get("text", field_id), f"{path}.text"), pii=pii)


def _check(v: _Spec, body: Any, path: str, scales: Mapping[str, ResponseScale]) -> AttentionCheck:
    body = v.mapping(body, path)
    v.known_keys(body, ("id", "text", "scale", "correct"), path)
    scale = v.required(body, "scale", path)
    if scale not in scales:
        raise v.fail(f"{path}.scale", f"unknown scale {scale!r:.60}; known: {', '.join(scales)}")
    correct = v.code(v.required(body, "correct", path), f"{path}.correct")
    if correct not in scales[scale].codes:
        allowed = scales[scale].describe_allowed()
        raise v.fail(f"{path}.correct", f"{correct} is not a code of scale '{scale}' ({allowed})")
    check_id = v.identifier(v.required(body, "id", path), f"{path}.id")
    return AttentionCheck(
        id=check_id, text=v.label(body.get("text", check_id), f"{path}.text"), scale=scale, correct=correct
    )


def _find(entries: Sequence[Any], wanted: str, what: str, owner: str) -> Any:
    for entry in entries:
        if entry.id == wanted:
            return entry
    known = ", ".join(e.id for e in entries)
    raise UnknownNameError(f"instrument '{owner}' has no {what} '{wanted}'; known: {known}")
