"""Shared plumbing for measurement: the item matrix, missing-data policy, pairwise moments, SMCs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError

NAN_POLICIES = ("listwise", "pairwise")


@dataclass(frozen=True)
class Items:
    """A numeric respondent × item matrix after the missing-data policy: ``matrix`` (NaN kept under pairwise)."""

    matrix: np.ndarray
    names: list[str]
    nan_policy: str
    n: int  # respondents used: complete rows (listwise) or rows with any answer (pairwise)


def check_option(value, allowed, *, parameter: str, function: str) -> None:
    if value not in allowed:
        raise InputError(
            f"The '{parameter}' parameter of {function} must be one of {{{', '.join(map(repr, allowed))}}}; "
            f"got {value!r}."
        )


def item_matrix(data: pd.DataFrame, *, nan_policy: str, function: str, min_items: int = 2) -> Items:
    """Validate ``data`` as numeric items and apply ``nan_policy`` (listwise drops incomplete rows)."""
    check_option(nan_policy, NAN_POLICIES, parameter="nan_policy", function=function)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{function}: data must be a pandas DataFrame of items, got {type(data).__name__}")
    text = [str(c) for c in data.columns if not pd.api.types.is_numeric_dtype(data[c]) or data[c].dtype == bool]
    if text:
        raise DataError(f"{function}: item columns must be numeric; not numeric: {', '.join(text)}")
    if data.shape[1] < min_items:
        raise DataError(f"{function}: needs at least {min_items} items, got {data.shape[1]}; add items to the scale")
    values = data.to_numpy(dtype=float)
    answered = ~np.isnan(values).all(axis=1)
    keep = ~np.isnan(values).any(axis=1) if nan_policy == "listwise" else answered
    values = values[keep]
    if len(values) < 3:
        raise DataError(
            f"{function}: only {len(values)} usable respondent(s) under nan_policy='{nan_policy}' (of {len(data)}); "
            "at least 3 are needed" + ("; try nan_policy='pairwise'" if nan_policy == "listwise" else "")
        )
    return Items(values, [str(c) for c in data.columns], nan_policy, len(values))


def constant_items(items: Items) -> list[str]:
    """Names of items with zero (or undefined) variance: a single distinct answer, or none."""
    spread = np.fmax.reduce(items.matrix, axis=0) - np.fmin.reduce(items.matrix, axis=0)
    return [name for name, s in zip(items.names, spread, strict=True) if not s > 0]


def require_variance(items: Items, function: str) -> None:
    constant = constant_items(items)
    if constant:
        raise DataError(f"{function}: item(s) without variance: {', '.join(constant)}; drop them before the analysis")


def pairwise_moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete covariance, correlation and counts (R ``cov``/``cor`` with ``use = "pairwise"``).

    ``cov[i, j]`` uses the rows where both i and j are present, with the means of those rows; its diagonal is each
    item's own variance. ``cor[i, j]`` divides by the standard deviations over the same rows, as R does.
    """
    present = ~np.isnan(values)
    x = np.where(present, values, 0.0)
    m = present.astype(float)
    n = m.T @ m
    sums = x.T @ m  # sums[i, j] = Σ x_i over rows where j is present (and i, since x_i = 0 when missing)
    squares = (x * x).T @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (x.T @ x - sums * sums.T / n) / (n - 1)
        var_i = (squares - sums**2 / n) / (n - 1)
        cor = cov / np.sqrt(var_i * var_i.T)
    np.fill_diagonal(cor, 1.0)
    return cov, cor, n


def pearson(items: Items) -> np.ndarray:
    """The item correlation matrix under the recorded policy; NaN cells (no overlapping answers) are an error."""
    cor = pairwise_moments(items.matrix)[1]
    if np.isnan(cor).any():
        i, j = np.argwhere(np.isnan(cor))[0]
        raise DataError(
            f"items '{items.names[i]}' and '{items.names[j]}' have no correlation (no shared answers or no "
            "variance); drop one of them"
        )
    return cor


def smc(cor: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 − 1/diag(R⁻¹), clipped to [0, 1] (R ``psych::smc``, pseudo-inverse)."""
    inverse = np.linalg.pinv(cor, hermitian=True)
    return np.clip(1 - 1 / np.diag(inverse), 0, 1)
