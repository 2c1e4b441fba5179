"""Simulation configs: the packaged defaults (case school, district) and validated user overrides.

A config is a nested mapping with the structure of ``case_school.yaml``. A user config (YAML file or dict) names a
``base`` (``case_school`` by default, or ``district``) and overrides any of its values; unknown keys, wrong types
and impossible values raise :class:`ConfigError` naming the key path.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from hsc_analysis.errors import InputError
from hsc_analysis.yamlfile import read_yaml

__all__ = ["VARIANTS", "ConfigError", "load_config"]

VARIANTS = ("case_school", "district")
_HERE = Path(__file__).resolve().parent
_PROBABILITY_KEYS = {
    "response.teacher",
    "population.grandparent_rural",
    "population.both_away_share",
    "population.attention",
    "population.boarding_junior",
    "population.after_school",
    "method.moderacy_share",
    "careless.teachers",
    "careless.check_fail_attentive",
    "missing.parent_item_mcar",
    "missing.dont_know.rate",
    "missing.teacher_item",
    "missing.admin_item",
    "missing.phone_given",
    "missing.suggestion_given",
    "log.paper_records",
    "log.evidence_none",
    "log.meetings_school_p",
    "log.committee_missing",
    "log.ledger_stale",
    "log.fx_home_visit_error",
    "log.fx_dont_remember",
    "log.late_entry",
    "counties.established",
}


class ConfigError(InputError):
    """A simulation config is broken; the message names the source and the key path."""


def load_config(config: str | Path | Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The full, validated simulation config.

    Parameters
    ----------
    config : None, variant name, YAML path or mapping
        ``None`` or ``"case_school"`` gives the case school (``case_school.yaml``); ``"district"`` the
        district (``district.yaml``).
        A YAML file or mapping overrides values of its ``base`` variant (key ``base``, default ``case_school``).

    Returns
    -------
    dict
        A new nested dict (the caller's mapping is not changed).

    Raises
    ------
    ConfigError
        Unknown key, wrong type, a probability outside [0, 1], thresholds not increasing, a correlation matrix that
        is not positive definite; the message names the key path.

    Examples
    --------
    >>> load_config("district")["schools"]["rural"]["n"]
    5
    """
    if config is None or (isinstance(config, str) and config in VARIANTS):
        name = config or "case_school"
        return _variant(name)
    if isinstance(config, Mapping):
        source, override = "config", copy.deepcopy(dict(config))
    elif isinstance(config, str | Path):
        source = str(config)
        override = read_yaml(config, error=ConfigError, what="simulation config")
        if not isinstance(override, dict):
            raise ConfigError(f"{source}: (top level): expected a mapping, got {type(override).__name__}")
    else:
        raise TypeError(
            f"config must be None, one of {VARIANTS}, a YAML path or a mapping; got {type(config).__name__}"
        )
    base = override.pop("base", "case_school")
    if base not in VARIANTS:
        raise ConfigError(f"{source}: base: got {base!r:.60}; allowed: {', '.join(VARIANTS)}")
    merged = _merge(_variant(base), override, source=source, path="")
    _validate(merged, source=source)
    return merged


def _variant(name: str) -> dict[str, Any]:
    spec = read_yaml(_HERE / f"{name}.yaml", error=ConfigError, what="simulation config")
    base = spec.pop("base", None)
    return _merge(_variant(base), spec, source=f"{name}.yaml", path="") if base else spec


def _merge(default: Any, override: Any, *, source: str, path: str) -> Any:
    """``override`` laid over ``default``, which fixes the allowed keys and value types."""
    where = path or "(top level)"
    if isinstance(default, dict):
        if not isinstance(override, dict):
            raise ConfigError(f"{source}: {where}: expected a mapping, got {override!r:.60}")
        unknown = sorted(set(override) - set(default))
        if unknown:
            raise ConfigError(
                f"{source}: {where}: unknown key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(default)}"
            )
        return {
            k: _merge(v, override[k], source=source, path=f"{path}.{k}".lstrip("."))
            if k in override
            else copy.deepcopy(v)
            for k, v in default.items()
        }
    if isinstance(default, list):
        if not isinstance(override, list) or len(override) != len(default):
            raise ConfigError(f"{source}: {where}: expected a list of {len(default)} values, got {override!r:.60}")
        return [
            _merge(d, o, source=source, path=f"{path}[{i}]")
            for i, (d, o) in enumerate(zip(default, override, strict=True))
        ]
    if isinstance(default, bool | str):
        if type(override) is not type(default):
            raise ConfigError(f"{source}: {where}: expected {type(default).__name__}, got {override!r:.60}")
        return override
    if isinstance(override, bool) or not isinstance(override, int | float):
        raise ConfigError(f"{source}: {where}: expected a number, got {override!r:.60}")
    if isinstance(default, int) and not isinstance(override, int):
        raise ConfigError(f"{source}: {where}: expected an integer, got {override!r:.60}")
    return override


def _validate(config: dict[str, Any], *, source: str) -> None:
    def fail(path: str, message: str) -> ConfigError:
        return ConfigError(f"{source}: {path}: {message}")

    for key in sorted(_PROBABILITY_KEYS):
        value = _get(config, key)
        if not 0 <= value <= 1:
            raise fail(key, f"a probability must lie in [0, 1], got {value!r:.60}")
    for group in ("population.relation", "population.left_behind", "population.migrant", "careless.parents"):
        for name, value in _get(config, group).items():
            if not 0 <= value <= 1:
                raise fail(f"{group}.{name}", f"a probability must lie in [0, 1], got {value!r:.60}")
    for name, cuts in config["thresholds"].items():
        if list(cuts) != sorted(cuts) or len(set(cuts)) != len(cuts):
            raise fail(f"thresholds.{name}", f"thresholds must increase, got {cuts}")
    low, high = config["loadings"]
    if not 0 < low <= high < 1:
        raise fail("loadings", f"expected 0 < low <= high < 1, got {[low, high]}")
    for locale, spec in config["schools"].items():
        for key in ("classes", "class_size"):
            lo, hi = spec[key]
            if not 1 <= lo <= hi:
                raise fail(f"schools.{locale}.{key}", f"expected 1 <= low <= high, got {[lo, hi]}")
        if spec["n"] < 0:
            raise fail(f"schools.{locale}.n", f"expected a count >= 0, got {spec['n']}")
    if config["counties"]["n"] < 1:
        raise fail("counties.n", f"expected a count >= 1, got {config['counties']['n']}")
    first, stamp = config["counties"]["first_date"], config["calendar"]["file_stamp"]
    if not _iso_date(first) or first >= stamp[:10]:
        raise fail(
            "counties.first_date", f"expected a date YYYY-MM-DD before calendar.file_stamp {stamp}, got {first!r:.60}"
        )
    if sum(spec["n"] for spec in config["schools"].values()) == 0:
        raise fail("schools", "at least one school is needed")
    for key in ("parent_latent.correlations", "teacher_latent.correlations"):
        names, matrix = correlation_matrix(_get(config, key))
        if np.linalg.eigvalsh(matrix).min() <= 0 or np.abs(matrix).max() > 1:
            raise fail(key, f"the correlations of {', '.join(names)} do not form a positive definite matrix")


def correlation_matrix(upper: Mapping[str, Mapping[str, float]]) -> tuple[list[str], np.ndarray]:
    """Names and full matrix from an upper-triangle mapping ``{A: {B: r_AB, ...}, ...}`` (unlisted pairs are 0)."""
    names = list(upper)
    for row in upper.values():
        names += [n for n in row if n not in names]
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    for a, row in upper.items():
        for b, r in row.items():
            matrix[index[a], index[b]] = matrix[index[b], index[a]] = r
    return names, matrix


def _iso_date(text: str) -> bool:
    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _get(config: Mapping[str, Any], dotted: str) -> Any:
    value: Any = config
    for part in dotted.split("."):
        value = value[part]
    return value
