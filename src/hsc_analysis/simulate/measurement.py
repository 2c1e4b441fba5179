"""Ordinal measurement: latent scores to item codes, with halo, acquiescence, moderacy, careless responders,
"don't know" answers, blanks and response times (the simulation model, "Careless responders",
"Missingness").

Each item is y* = λ·η + √(1−λ²)·ε + halo + shift + acq, cut at the thresholds of its response scale. A
reverse-keyed item negates the latent part (acquiescence is added after, so it biases the item the other way) and
uses mirrored thresholds; the code written is the one the respondent chose (scoring recodes it 6 − x).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hsc_analysis.instruments import Instrument

__all__ = ["CARELESS_TYPES", "ItemResponses", "answer_items"]

CARELESS_TYPES = ("straight", "random", "pattern")


@dataclass(frozen=True)
class ItemResponses:
    """Item codes in questionnaire order (float, NaN = left blank), the careless type of each respondent ("" when
    attentive), the seconds spent on the items, and the loading drawn for each item."""

    codes: pd.DataFrame
    careless: np.ndarray
    seconds: np.ndarray
    loadings: dict[str, float]


def answer_items(
    instruments: Sequence[Instrument],
    *,
    latent_of: Mapping[str, np.ndarray],
    config: dict[str, Any],
    rng: np.random.Generator,
    careless_shares: Mapping[str, float],
    blank_rate: float,
    loading_range: tuple[float, float] | None = None,
    halo_constructs: Sequence[str] = (),
    shift_of: Mapping[str, float] | None = None,
    dont_know_logit: np.ndarray | None = None,
    moderacy_share: float = 0.0,
) -> ItemResponses:
    """Answer every item of the instruments (in order) and the first instrument's attention check.

    ``latent_of`` maps construct id to one latent score per respondent; ``dont_know_logit`` (one per respondent)
    gives the log-odds of "don't know" on items whose scale has that code.
    """
    items = [(inst, item) for inst in instruments for item in inst.items]
    n = len(next(iter(latent_of.values())))
    k = len(items)
    method = config["method"]
    lo, hi = loading_range or tuple(config["loadings"])
    loading = rng.uniform(lo, hi, k)
    eta = np.column_stack([latent_of[item.construct] for _, item in items])
    reverse = np.array([item.reverse for _, item in items])
    halo_on = np.array([item.construct in halo_constructs for _, item in items], dtype=float)
    shift = np.array([(shift_of or {}).get(item.construct, 0.0) for _, item in items])
    cuts = np.array([config["thresholds"]["freq5" if item.scale.startswith("F") else "agree5"] for _, item in items])
    cuts = np.where(reverse[:, None], -cuts[:, ::-1], cuts)
    halo = rng.normal(0, method["halo_sd"], n)
    acq = rng.normal(0, method["acq_sd"], n)
    signal = loading * eta + halo[:, None] * halo_on + shift
    ystar = np.where(reverse, -signal, signal) + np.sqrt(1 - loading**2) * rng.standard_normal((n, k)) + acq[:, None]
    middle = cuts[:, 1:3].mean(axis=1)
    moderate = rng.random(n) < moderacy_share
    ystar = np.where(moderate[:, None], middle + 0.5 * (ystar - middle), ystar)
    codes = 1.0 + (ystar[:, :, None] > cuts[None, :, :]).sum(axis=2)

    options = [list(inst.scale_of(item.id).codes) + list(inst.scale_of(item.id).missing_codes) for inst, item in items]
    has_dk = np.array([len(o) > 5 for o in options])
    if dont_know_logit is not None and has_dk.any():
        dk = rng.random((n, k)) < 1 / (1 + np.exp(-dont_know_logit[:, None]))
        dk_code = np.array([o[-1] for o in options], dtype=float)
        codes = np.where(dk & has_dk, dk_code, codes)

    # the attention check sits after about 60 % of the items
    first = instruments[0]
    check = first.checks[0] if first.checks else None
    at = round(0.6 * len(first.items))
    columns = [item.id for _, item in items]
    if check is not None:
        check_codes = list(first.scales[check.scale].codes)
        wrong = np.array([c for c in check_codes if c != check.correct], dtype=float)
        fails = rng.random(n) < config["careless"]["check_fail_attentive"]
        answer = np.where(fails, wrong[rng.integers(0, len(wrong), n)], float(check.correct))
        codes = np.insert(codes, at, answer, axis=1)
        options.insert(at, check_codes)
        columns.insert(at, check.id)

    careless = _careless_types(n, careless_shares, rng)
    codes = _careless_answers(codes, careless, options, rng)
    blank = rng.random((n, k)) < blank_rate
    if check is not None:
        blank = np.insert(blank, at, False, axis=1)
    codes = np.where(blank, np.nan, codes)
    spec = config["careless"]["seconds_per_item"]
    median = np.where(careless == "", spec["attentive"], spec["careless"])
    seconds = (median[:, None] * np.exp(spec["sdlog"] * rng.standard_normal((n, codes.shape[1])))).sum(axis=1)
    return ItemResponses(
        codes=pd.DataFrame(codes, columns=columns),
        careless=careless,
        seconds=seconds,
        loadings={item.id: float(lam) for (_, item), lam in zip(items, loading, strict=True)},
    )


def _careless_types(n: int, shares: Mapping[str, float], rng: np.random.Generator) -> np.ndarray:
    edges = np.cumsum([shares.get(t, 0.0) for t in CARELESS_TYPES])
    draw = rng.random(n)
    kind = np.searchsorted(edges, draw, side="right")
    return np.where(kind < len(CARELESS_TYPES), np.asarray(CARELESS_TYPES)[kind.clip(max=2)], "")


def _careless_answers(
    codes: np.ndarray, careless: np.ndarray, options: Sequence[Sequence[int]], rng: np.random.Generator
) -> np.ndarray:
    """Straight-liners give 4 or 5 throughout, random responders any option, patterned ones 1-2-3-4-5-1-…"""
    n, k = codes.shape
    width = max(len(o) for o in options)
    table = np.array([list(o) + [o[-1]] * (width - len(o)) for o in options], dtype=float)  # k × width
    n_options = np.array([len(o) for o in options])
    straight = rng.integers(4, 6, n).astype(float)
    random_position = (rng.random((n, k)) * n_options).astype(int)
    pattern_position = (rng.integers(0, 5, n)[:, None] + np.arange(k)) % 5
    random_codes = table[np.arange(k), random_position]
    pattern_codes = table[np.arange(k), pattern_position]
    out = np.where((careless == "straight")[:, None], straight[:, None], codes)
    out = np.where((careless == "random")[:, None], random_codes, out)
    return np.where((careless == "pattern")[:, None], pattern_codes, out)
