"""Shared plumbing for measurement: the item matrix, missing-data policy, pairwise moments, SMCs.

The moment accumulator itself lives in :mod:`hsc_analysis.moments` (screening uses it too, without importing the
measurement package)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.moments import Moments, constant_names, policy_rows

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
    values = item_values(data, nan_policy=nan_policy, function=function, min_items=min_items)
    return matrix_items(values, [str(c) for c in data.columns], nan_policy=nan_policy, function=function,
                        n_received=len(data))  # fmt: skip


def item_values(data: pd.DataFrame, *, nan_policy: str, function: str, min_items: int = 2) -> np.ndarray:
    """``data`` validated as numeric items, as one column-major float matrix (every later statistic reads whole
    columns); the policy is not applied yet."""
    columns = item_columns(data, nan_policy=nan_policy, function=function, min_items=min_items)
    values = np.empty(data.shape, order="F")
    for j, column in enumerate(columns):
        values[:, j] = column
    return values


def item_columns(data: pd.DataFrame, *, nan_policy: str, function: str, min_items: int = 2) -> list[np.ndarray]:
    """``data`` validated as numeric items, as float columns (views of float64 columns, not copies)."""
    check_option(nan_policy, NAN_POLICIES, parameter="nan_policy", function=function)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{function}: data must be a pandas DataFrame of items, got {type(data).__name__}")
    text = [str(c) for c in data.columns if not pd.api.types.is_numeric_dtype(data[c]) or data[c].dtype == bool]
    if text:
        raise DataError(f"{function}: item columns must be numeric; not numeric: {', '.join(text)}")
    if data.shape[1] < min_items:
        raise DataError(f"{function}: needs at least {min_items} items, got {data.shape[1]}; add items to the scale")
    return [data.iloc[:, j].to_numpy(dtype=float) for j in range(data.shape[1])]


def matrix_items(values: np.ndarray, names: list[str], *, nan_policy: str, function: str, n_received: int) -> Items:
    """Apply ``nan_policy`` to a float respondent × item matrix (listwise drops incomplete rows; a view when
    nothing is dropped)."""
    keep = policy_rows(values, nan_policy)
    values = values if keep.all() else rows_of(values, keep)
    require_respondents(len(values), nan_policy=nan_policy, function=function, n_received=n_received)
    return Items(values, names, nan_policy, len(values))


def require_respondents(n: int, *, nan_policy: str, function: str, n_received: int) -> None:
    if n < 3:
        raise DataError(
            f"{function}: only {n} usable respondent(s) under nan_policy='{nan_policy}' (of {n_received}); "
            "at least 3 are needed" + ("; try nan_policy='pairwise'" if nan_policy == "listwise" else "")
        )


def rows_of(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The rows ``keep`` selects, as a column-major matrix (column statistics then read contiguous memory)."""
    out = np.empty((int(keep.sum()), values.shape[1]), order="F")
    for j in range(values.shape[1]):
        out[:, j] = values[:, j][keep]
    return out


def constant_items(items: Items) -> list[str]:
    """Names of items with zero (or undefined) variance: a single distinct answer, or none."""
    return constant_names(np.fmax.reduce(items.matrix, axis=0) - np.fmin.reduce(items.matrix, axis=0), items.names)


def require_variance(items: Items, function: str) -> None:
    require_spread(constant_items(items), function)


def require_spread(constant: list[str], function: str) -> None:
    if constant:
        raise DataError(f"{function}: item(s) without variance: {', '.join(constant)}; drop them before the analysis")


def pairwise_moments(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete covariance, correlation and counts (R ``cov``/``cor`` with ``use = "pairwise"``).

    ``cov[i, j]`` uses the rows where both i and j are present, with the means of those rows; its diagonal is each
    item's own variance. ``cor[i, j]`` divides by the standard deviations over the same rows, as R does.
    """
    moments = Moments.of(values)
    return (*moments.covariance(), moments.count)


def pearson(items: Items) -> np.ndarray:
    """The item correlation matrix under the recorded policy; NaN cells (no overlapping answers) are an error."""
    return checked_correlation(pairwise_moments(items.matrix)[1], items.names)


def checked_correlation(cor: np.ndarray, names: list[str]) -> np.ndarray:
    """``cor`` unchanged, or an error naming the first pair of items without a correlation."""
    if np.isnan(cor).any():
        i, j = np.argwhere(np.isnan(cor))[0]
        raise DataError(
            f"items '{names[i]}' and '{names[j]}' have no correlation (no shared answers or no "
            "variance); drop one of them"
        )
    return cor


def smc(cor: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 − 1/diag(R⁻¹), clipped to [0, 1] (R ``psych::smc``, pseudo-inverse)."""
    inverse = np.linalg.pinv(cor, hermitian=True)
    return np.clip(1 - 1 / np.diag(inverse), 0, 1)
