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
    return matrix_items(data.to_numpy(dtype=float), [str(c) for c in data.columns], nan_policy=nan_policy,
                        function=function, n_received=len(data))  # fmt: skip


def matrix_items(values: np.ndarray, names: list[str], *, nan_policy: str, function: str, n_received: int) -> Items:
    """Apply ``nan_policy`` to a float respondent × item matrix (listwise drops incomplete rows; a view when
    nothing is dropped)."""
    keep = policy_rows(values, nan_policy)
    values = values if keep.all() else values[keep]
    if len(values) < 3:
        raise DataError(
            f"{function}: only {len(values)} usable respondent(s) under nan_policy='{nan_policy}' (of {n_received}); "
            "at least 3 are needed" + ("; try nan_policy='pairwise'" if nan_policy == "listwise" else "")
        )
    return Items(values, names, nan_policy, len(values))


def policy_rows(values: np.ndarray, nan_policy: str) -> np.ndarray:
    """The rows ``nan_policy`` keeps: complete rows (listwise) or rows with any answer (pairwise)."""
    blank = np.isnan(values)
    return ~blank.any(axis=1) if nan_policy == "listwise" else ~blank.all(axis=1)


def constant_items(items: Items) -> list[str]:
    """Names of items with zero (or undefined) variance: a single distinct answer, or none."""
    spread = np.fmax.reduce(items.matrix, axis=0) - np.fmin.reduce(items.matrix, axis=0)
    return [name for name, s in zip(items.names, spread, strict=True) if not s > 0]


def require_variance(items: Items, function: str) -> None:
    constant = constant_items(items)
    if constant:
        raise DataError(f"{function}: item(s) without variance: {', '.join(constant)}; drop them before the analysis")


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of p variables for pairwise-complete covariances: sums over rows, so the moments of
    row blocks (or of the chunks of a file, or of a cluster's partitions) add up exactly to those of all rows.

    ``count[i, j]``: rows where i and j are both present; ``sums[i, j]``: Σ x_i over those rows; ``squares[i, j]``:
    Σ x_i² over those rows; ``products[i, j]``: Σ x_i x_j.
    """

    count: np.ndarray
    sums: np.ndarray
    squares: np.ndarray
    products: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        """The moments of a respondent × variable matrix (NaN = missing), from cross-products over row blocks."""
        p = values.shape[1]
        total = cls.zero(p)
        for start in range(0, max(len(values), 1), MOMENT_BLOCK_ROWS):
            total = total + cls._of_block(np.array(values[start : start + MOMENT_BLOCK_ROWS], order="C"))
        return total

    @classmethod
    def zero(cls, p: int) -> Moments:
        return cls(*(np.zeros((p, p)) for _ in range(4)))

    @classmethod
    def _of_block(cls, block: np.ndarray) -> Moments:
        blank = np.isnan(block)
        if not blank.any():  # complete rows: one Gram matrix of [1, x]
            ones = np.hstack([np.ones((len(block), 1)), block])
            gram = ones.T @ ones
            p = block.shape[1]
            sums, squares = np.broadcast_to(gram[1:, :1], (p, p)), np.diag(gram)[1:, None]
            return cls(np.full((p, p), gram[0, 0]), sums.copy(), np.broadcast_to(squares, (p, p)).copy(), gram[1:, 1:])
        np.copyto(block, 0.0, where=blank)
        present = (~blank).astype(float)
        stacked = np.hstack([block, present])
        gram = stacked.T @ stacked
        p = block.shape[1]
        # sums[i, j] = Σ x_i over rows where j is present (and i, since x_i = 0 where it is missing)
        return cls(gram[p:, p:], gram[:p, p:], (block * block).T @ present, gram[:p, :p])

    def __add__(self, other: Moments) -> Moments:
        return Moments(*(a + b for a, b in zip(self.arrays(), other.arrays(), strict=True)))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.count, self.sums, self.squares, self.products

    def covariance(self) -> tuple[np.ndarray, np.ndarray]:
        """Pairwise-complete covariance and correlation, as :func:`pairwise_moments`."""
        n, sums = self.count, self.sums
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = (self.products - sums * sums.T / n) / (n - 1)
            var_i = (self.squares - sums**2 / n) / (n - 1)
            cor = cov / np.sqrt(var_i * var_i.T)
        np.fill_diagonal(cor, 1.0)
        return cov, cor

    def means(self) -> np.ndarray:
        """Each variable's mean over the rows where it is present."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.diag(self.sums) / np.diag(self.count)


MOMENT_BLOCK_ROWS = 16_384
"""Rows per cross-product: the temporaries of a block stay small (about 16,384 × 2p × 8 bytes)."""


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
