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


def policy_rows(values: np.ndarray, nan_policy: str) -> np.ndarray:
    """The rows ``nan_policy`` keeps: complete rows (listwise) or rows with any answer (pairwise)."""
    blank = np.isnan(values)
    return ~blank.any(axis=1) if nan_policy == "listwise" else ~blank.all(axis=1)


def rows_of(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The rows ``keep`` selects, as a column-major matrix (column statistics then read contiguous memory)."""
    out = np.empty((int(keep.sum()), values.shape[1]), order="F")
    for j in range(values.shape[1]):
        out[:, j] = values[:, j][keep]
    return out


def constant_items(items: Items) -> list[str]:
    """Names of items with zero (or undefined) variance: a single distinct answer, or none."""
    return constant_names(np.fmax.reduce(items.matrix, axis=0) - np.fmin.reduce(items.matrix, axis=0), items.names)


def constant_names(spread: np.ndarray, names: list[str]) -> list[str]:
    return [name for name, s in zip(names, spread, strict=True) if not s > 0]


def require_variance(items: Items, function: str) -> None:
    require_spread(constant_items(items), function)


def require_spread(constant: list[str], function: str) -> None:
    if constant:
        raise DataError(f"{function}: item(s) without variance: {', '.join(constant)}; drop them before the analysis")


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of p variables for pairwise-complete covariances: sums over rows (and minima and
    maxima), so the moments of row blocks, of the chunks of a file or of a cluster's partitions merge exactly.

    ``count[i, j]``: rows where i and j are both present; ``sums[i, j]``: Σ x_i over those rows; ``squares[i, j]``:
    Σ x_i² over those rows; ``products[i, j]``: Σ x_i x_j; ``minimum``, ``maximum``: per variable (NaN when never
    present); ``rows``: rows counted.
    """

    count: np.ndarray
    sums: np.ndarray
    squares: np.ndarray
    products: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    rows: int

    @classmethod
    def of(cls, values: np.ndarray, *, nan_policy: str | None = None) -> Moments:
        """The moments of a respondent × variable matrix (NaN = missing), over row blocks; with ``nan_policy``
        "listwise" only of the complete rows, without copying them out first. ``rows`` counts the rows used: the
        complete rows (listwise), else the rows with any value."""
        return cls.of_columns([values[:, j] for j in range(values.shape[1])], nan_policy=nan_policy)

    @classmethod
    def of_columns(cls, columns: list[np.ndarray], *, nan_policy: str | None = None) -> Moments:
        """As :meth:`of`, from the variables' columns (equal lengths), read block by block without stacking them
        into one matrix first."""
        total = cls.zero(len(columns))
        n = len(columns[0]) if columns else 0
        for start in range(0, n, MOMENT_BLOCK_ROWS):
            block = np.empty((min(MOMENT_BLOCK_ROWS, n - start), len(columns)), order="F")  # columns contiguous
            for j, column in enumerate(columns):
                block[:, j] = column[start : start + MOMENT_BLOCK_ROWS]
            total = total + cls._of_block(block, listwise=nan_policy == "listwise")
        return total

    @classmethod
    def zero(cls, p: int) -> Moments:
        nothing = np.full(p, np.nan)
        return cls(*(np.zeros((p, p)) for _ in range(4)), nothing, nothing, 0)

    @classmethod
    def _of_block(cls, block: np.ndarray, *, listwise: bool) -> Moments:
        """The moments of a block (changed in place). Listwise, incomplete rows are set to NaN for the minima and
        maxima, then to 0, so that they add nothing to the Gram matrix of the complete rows."""
        p = block.shape[1]
        blank = np.isnan(block)
        incomplete = blank.any(axis=1)
        if listwise and incomplete.any():
            block[incomplete] = np.nan
        low, high = np.fmin.reduce(block, axis=0), np.fmax.reduce(block, axis=0)
        if listwise or not incomplete.any():  # complete rows: one Gram matrix and the column sums
            block[incomplete] = 0.0
            n = len(block) - int(incomplete.sum())
            gram = block.T @ block
            full = np.ones((1, p))
            sums, squares = block.sum(axis=0)[:, None] * full, np.diag(gram)[:, None] * full
            return cls(np.full((p, p), float(n)), sums, squares, gram, low, high, n)
        np.copyto(block, 0.0, where=blank)
        stacked = np.hstack([block, ~blank])
        gram = stacked.T @ stacked
        # sums[i, j] = Σ x_i over rows where j is present (and i, since x_i = 0 where it is missing)
        squares = (block * block).T @ stacked[:, p:]
        rows = len(block) - int(blank.all(axis=1).sum())
        return cls(gram[p:, p:], gram[:p, p:], squares, gram[:p, :p], low, high, rows)

    def __add__(self, other: Moments) -> Moments:
        sums = (a + b for a, b in zip(self.arrays(), other.arrays(), strict=True))
        return Moments(*sums, np.fmin(self.minimum, other.minimum), np.fmax(self.maximum, other.maximum),
                       self.rows + other.rows)  # fmt: skip

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

    def constant(self, names: list[str]) -> list[str]:
        """Names of the variables with a single distinct value (or none) in the rows counted."""
        return constant_names(self.maximum - self.minimum, names)


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
