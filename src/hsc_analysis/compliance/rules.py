"""Policy rule sets as data: one YAML file per jurisdiction, validated once when loaded.

A rule set lists countable duties (``kind: count``: so many events of a type per unit and period), structural duties
of a school (``kind: structural``: three committee levels, a parent school, a current ledger of children in
difficulty) and coverage targets over counties (``kind: target``). The bundled sets live in ``rules/`` next to this
module (``fengnan_2025``, ``neimenggu``, ``jiaolianti_2024``); a user's own set is any file in the same format
(see the README). A broken file raises :class:`RuleSetError` naming the file and the key path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from hsc_analysis.compliance.schema import ACTIVITY_TYPES, MODES
from hsc_analysis.errors import InputError
from hsc_analysis.yamlfile import read_yaml

__all__ = ["BUNDLED_RULE_SETS", "Rule", "RuleSet", "RuleSetError", "load_rules"]

BUNDLED_RULE_SETS = ("fengnan_2025", "neimenggu", "jiaolianti_2024")
UNITS = ("student", "class", "community")
PERIODS = ("semester", "school_year", "calendar_year")
POPULATIONS = ("needs_attention", "in_difficulty", "left_behind", "migrant_child", "boarding")
ROLES = ("head_teacher", "subject", "admin")
CHECKS = ("committee_levels", "parent_school", "ledger_current")
_RULE_KEYS = {
    "count": (
        "id",
        "kind",
        "label",
        "source",
        "activity_type",
        "unit",
        "period",
        "min_count",
        "modes",
        "population",
        "organiser_roles",
        "min_enrolled_days",
        "verified_only",
    ),
    "structural": ("id", "kind", "label", "source", "check", "levels"),
    "target": ("id", "kind", "label", "source", "table", "date_column", "by", "target_share"),
}
_SET_KEYS = ("id", "title", "jurisdiction", "document", "rules")


class RuleSetError(InputError):
    """A rule-set file is broken; the message names the file and the key path."""


@dataclass(frozen=True)
class Rule:
    """One duty of a rule set.

    ``kind`` is ``count`` (``activity_type``, ``unit``, ``period``, ``min_count``, the allowed ``modes``, the
    ``population`` of students it applies to — any of the listed student flags, or everyone when empty — the
    ``organiser_roles`` whose events count, ``min_enrolled_days`` for student rules and ``verified_only``),
    ``structural`` (``check``: committee_levels with its ``levels``, parent_school, ledger_current) or ``target``
    (the share of rows of ``table`` whose ``date_column`` is on or before ``by`` must reach ``target_share``).
    ``source`` cites the document and clause the rule encodes.
    """

    id: str
    kind: str
    label: dict[str, str]
    source: str
    activity_type: str = ""
    unit: str = ""
    period: str = ""
    min_count: int = 0
    modes: tuple[str, ...] = MODES
    population: tuple[str, ...] = ()
    organiser_roles: tuple[str, ...] = ()
    min_enrolled_days: int = 0
    verified_only: bool = False
    check: str = ""
    levels: tuple[str, ...] = ()
    table: str = ""
    date_column: str = ""
    by: date | None = None
    target_share: float = 0.0


@dataclass(frozen=True)
class RuleSet:
    """A jurisdiction's rules: ``id``, ``title`` (zh/en), ``jurisdiction``, the ``document`` they come from and the
    rules in file order."""

    id: str
    title: dict[str, str]
    jurisdiction: str
    document: str
    rules: tuple[Rule, ...]
    path: Path = field(default=Path())

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)

    @property
    def school_rules(self) -> bool:
        """Whether any rule judges the school log (count or structural), rather than only county targets."""
        return any(r.kind != "target" for r in self.rules)

    def to_frame(self) -> pd.DataFrame:
        """One row per rule with every field, for a methods table."""
        rows = []
        for r in self.rules:
            rows.append(
                {
                    "rule_set": self.id,
                    "rule_id": r.id,
                    "kind": r.kind,
                    "label_zh": r.label.get("zh", ""),
                    "label_en": r.label.get("en", ""),
                    "activity_type": r.activity_type,
                    "unit": r.unit,
                    "period": r.period,
                    "min_count": r.min_count if r.kind == "count" else pd.NA,
                    "modes": ", ".join(r.modes) if r.kind == "count" else "",
                    "population": ", ".join(r.population),
                    "organiser_roles": ", ".join(r.organiser_roles),
                    "min_enrolled_days": r.min_enrolled_days if r.unit == "student" else pd.NA,
                    "verified_only": r.verified_only,
                    "check": r.check,
                    "target": f"{r.target_share:g} by {r.by}" if r.kind == "target" else "",
                    "source": r.source,
                }
            )
        return pd.DataFrame(rows)


def load_rules(name: str | Path) -> RuleSet:
    """Load a bundled rule set by name (``fengnan_2025``, ``neimenggu``, ``jiaolianti_2024``) or a YAML file.

    Raises
    ------
    RuleSetError
        Unknown name, unreadable file, or any key that breaks the format; the message names the file and key path.

    Examples
    --------
    >>> rules = load_rules("neimenggu")
    >>> [r.id for r in rules.of_kind("count")][:3]
    ['HV_ALL', 'HV_LEFT_BEHIND', 'PM']
    """
    text_name = str(name)
    if text_name in BUNDLED_RULE_SETS:
        path = Path(str(resources.files("hsc_analysis.compliance") / "rules" / f"{text_name}.yaml"))
    else:
        path = Path(name)
        if path.suffix.lower() not in (".yaml", ".yml"):
            raise RuleSetError(f"--rules: got {text_name!r}; allowed: {', '.join(BUNDLED_RULE_SETS)} or a .yaml file")
    spec = read_yaml(path, error=RuleSetError, what="rule set")
    return _rule_set(spec, path)


def _rule_set(spec: Any, path: Path) -> RuleSet:
    def fail(key: str, message: str) -> RuleSetError:
        return RuleSetError(f"{path}: {key}: {message}")

    if not isinstance(spec, dict):
        raise fail("(top level)", "expected a mapping")
    _known(spec, _SET_KEYS, "(top level)", fail)
    for key in ("id", "title", "document", "rules"):
        if key not in spec:
            raise fail("(top level)", f"missing required key '{key}'")
    if not isinstance(spec["rules"], list) or not spec["rules"]:
        raise fail("rules", "expected a non-empty list of rules")
    rules, seen = [], set()
    for i, entry in enumerate(spec["rules"]):
        where = f"rules[{i}]"
        if not isinstance(entry, dict):
            raise fail(where, "expected a mapping")
        rule = _rule(entry, where, fail)
        if rule.id in seen:
            raise fail(f"{where}.id", f"{rule.id!r} repeats")
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(
        id=str(spec["id"]),
        title=_label(spec["title"], "title", fail),
        jurisdiction=str(spec.get("jurisdiction", "")),
        document=str(spec["document"]),
        rules=tuple(rules),
        path=path,
    )


def _rule(entry: dict, where: str, fail) -> Rule:
    kind = entry.get("kind", "count")
    if kind not in _RULE_KEYS:
        raise fail(f"{where}.kind", f"got {kind!r}; allowed: {', '.join(_RULE_KEYS)}")
    _known(entry, _RULE_KEYS[kind], where, fail)
    for key in ("id", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise fail(f"{where}.{key}", "required: a non-empty text")
    common = {
        "id": entry["id"],
        "kind": kind,
        "label": _label(entry.get("label", entry["id"]), f"{where}.label", fail),
        "source": entry["source"].strip(),
    }
    if kind == "structural":
        check = _choice(entry, "check", CHECKS, where, fail)
        levels = _choices(entry, "levels", ("school", "grade", "class"), where, fail, default=())
        if check == "committee_levels" and not levels:
            raise fail(f"{where}.levels", "required for committee_levels: a list of school, grade, class")
        return Rule(**common, check=check, levels=levels)
    if kind == "target":
        for key in ("table", "date_column"):
            if not isinstance(entry.get(key), str):
                raise fail(f"{where}.{key}", "required: a table or column name")
        by = entry.get("by")
        if not isinstance(by, date):
            raise fail(f"{where}.by", f"got {by!r}; allowed: a date (YYYY-MM-DD)")
        share = entry.get("target_share")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1:
            raise fail(f"{where}.target_share", f"got {share!r}; allowed: a number in (0, 1]")
        return Rule(**common, table=entry["table"], date_column=entry["date_column"], by=by, target_share=float(share))
    activity = _choice(entry, "activity_type", ACTIVITY_TYPES, where, fail)
    unit = _choice(entry, "unit", UNITS, where, fail)
    period = _choice(entry, "period", PERIODS, where, fail)
    if (unit == "community") != (period == "calendar_year"):
        raise fail(f"{where}.period", "community rules are counted per calendar_year, other units per term or year")
    min_count = _count(entry, "min_count", where, fail, default=None, low=1)
    days = _count(entry, "min_enrolled_days", where, fail, default=60 if unit == "student" else 0, low=0)
    verified = entry.get("verified_only", False)
    if not isinstance(verified, bool):
        raise fail(f"{where}.verified_only", f"got {verified!r}; allowed: true or false")
    return Rule(
        **common,
        activity_type=activity,
        unit=unit,
        period=period,
        min_count=min_count,
        modes=_choices(entry, "modes", MODES, where, fail, default=MODES),
        population=_choices(entry, "population", POPULATIONS, where, fail, default=()),
        organiser_roles=_choices(entry, "organiser_roles", ROLES, where, fail, default=()),
        min_enrolled_days=days,
        verified_only=verified,
    )


def _known(spec: dict, allowed: tuple[str, ...], where: str, fail) -> None:
    unknown = sorted(set(map(str, spec)) - set(allowed))
    if unknown:
        raise fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def _label(value: Any, where: str, fail) -> dict[str, str]:
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if isinstance(value, dict) and set(value) <= {"zh", "en"} and all(isinstance(v, str) for v in value.values()):
        return {"zh": value.get("zh", value.get("en", "")), "en": value.get("en", value.get("zh", ""))}
    raise fail(where, f"got {value!r}; allowed: a text or {{zh: ..., en: ...}}")


def _choice(entry: dict, key: str, allowed: tuple[str, ...], where: str, fail) -> str:
    value = entry.get(key)
    if value not in allowed:
        raise fail(f"{where}.{key}", f"got {value!r}; allowed: {', '.join(allowed)}")
    return value


def _choices(entry: dict, key: str, allowed: tuple[str, ...], where: str, fail, *, default) -> tuple[str, ...]:
    if key not in entry:
        return tuple(default)
    value = entry[key]
    if not isinstance(value, list) or not all(v in allowed for v in value) or (key == "modes" and not value):
        raise fail(f"{where}.{key}", f"got {value!r}; allowed: a list of {', '.join(allowed)}")
    return tuple(value)


def _count(entry: dict, key: str, where: str, fail, *, default: int | None, low: int) -> int:
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise fail(f"{where}.{key}", f"got {value!r}; allowed: an integer ≥ {low}")
    return value
