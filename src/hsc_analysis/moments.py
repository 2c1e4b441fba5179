"""Sufficient statistics of an item matrix that merge exactly: pairwise counts, sums, sums of squares and
cross-products (and minima and maxima), accumulated over row blocks.

Every moment-based statistic of the package — covariances and correlations (pairwise or listwise), α and its item
analysis, the Mahalanobis covariance of screening — is a function of these sums, so a matrix can be read once, in
blocks that stay in the processor cache, and the blocks of a file or the partitions of a cluster merged by
addition. Only numpy is imported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MOMENT_BLOCK_ROWS", "Moments", "constant_names", "group_moments", "policy_rows", "row_blocks"]


def policy_rows(values: np.ndarray, nan_policy: str) -> np.ndarray:
    """The rows ``nan_policy`` keeps: complete rows (listwise) or rows with any answer (pairwise)."""
    blank = np.isnan(values)
    return ~blank.any(axis=1) if nan_policy == "listwise" else ~blank.all(axis=1)


def constant_names(spread: np.ndarray, names: list[str]) -> list[str]:
    return [name for name, s in zip(names, spread, strict=True) if not s > 0]


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


def group_moments(
    blocks: Iterable[np.ndarray], groups: Sequence[Sequence[int]], *, nan_policy: str | None = None
) -> list[Moments]:
    """The moments of each group of columns (each construct's items), accumulated over a stream of row blocks in
    one pass: per block, one cross-product of each group's columns.

    ``nan_policy`` applies within each group: "listwise" counts the rows complete in that group's columns, as
    ``Moments.of(values[:, group], nan_policy="listwise")`` does. The blocks (respondents × all columns) are
    changed: pass copies of what must be kept.
    """
    listwise = nan_policy == "listwise"
    selections = [
        slice(g[0], g[0] + len(g)) if list(g) == list(range(g[0], g[0] + len(g))) else list(g) for g in groups
    ]
    totals = [Moments.zero(len(g)) for g in groups]
    for block in blocks:
        totals = [
            total + Moments._of_block(block[:, columns], listwise=listwise)
            for total, columns in zip(totals, selections, strict=True)
        ]
    return totals


def row_blocks(values: np.ndarray, rows: int = MOMENT_BLOCK_ROWS) -> Iterator[np.ndarray]:
    """Column-major copies of ``values``' row blocks, for :func:`group_moments` (which changes its blocks) on a
    matrix that must be kept."""
    for start in range(0, len(values), rows):
        yield np.array(values[start : start + rows], order="F")
