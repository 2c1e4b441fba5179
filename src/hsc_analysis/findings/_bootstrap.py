"""Case and cluster bootstrap of least-squares path models from cross-product matrices.

A resample is a vector of counts (how often each case, or each cluster, was drawn). Every moment of a resample is
a weighted sum over the units, so the cross-product matrix of all variables for a whole chunk of resamples is one
matrix product: counts (resamples × units) @ per-unit products (units × v(v+1)/2). Each equation's coefficients
then come from a batched solve of its block of that matrix; no data frame is rebuilt and no model is refitted.

The resample indices are one ``n_boot × units`` int32 array drawn from ``numpy.random.default_rng(seed)``; it is
drawn and used a chunk of rows at a time (the same numbers as drawing it whole), so memory stays bounded at any n.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
from scipy import stats

# cells of the resample index array held at once (small enough to stay in cache), but at least _CHUNK_ROWS resamples
_CHUNK_CELLS, _CHUNK_ROWS = 100_000, 8
# a predictor "does not vary" in a resample when its SD there is below this share of its root mean square; predictors
# are collinear when the smallest eigenvalue of their correlation matrix is below _COLLINEAR
_VARIES, _COLLINEAR = 1e-7, 1e-10

Equation = tuple[int, Sequence[int]]
"""An equation as (column of its outcome, columns of its predictors including the constant)."""

Statistic = Callable[[list[np.ndarray], np.ndarray], np.ndarray]
"""Maps each equation's coefficients (resamples × predictors) and the cross-product matrices (resamples × v × v,
column 0 the constant) to the statistics of each resample (resamples × k)."""


def resample_counts(n_units: int, *, n_boot: int, seed: int) -> Iterator[np.ndarray]:
    """How often each unit is drawn in each resample, a chunk of resamples at a time (chunks × n_units, int)."""
    rng = np.random.default_rng(seed)
    rows = min(n_boot, max(_CHUNK_ROWS, _CHUNK_CELLS // n_units))
    for start in range(0, n_boot, rows):
        size = min(rows, n_boot - start)
        index = rng.integers(0, n_units, size=(size, n_units), dtype=np.int32)
        index += (np.arange(size) * n_units)[:, None]
        yield np.bincount(index.ravel(), minlength=size * n_units).reshape(size, n_units)


def unit_products(values: np.ndarray, clusters: np.ndarray | None) -> np.ndarray:
    """Per-unit sums of the products of every pair of columns (upper triangle, row-major): units × v(v+1)/2.

    ``values`` holds the constant in column 0; ``clusters`` (integer codes 0..G−1) sums the rows of each cluster.
    """
    upper_i, upper_j = np.triu_indices(values.shape[1])
    products = values[:, upper_i] * values[:, upper_j]
    if clusters is None:
        return products
    order = np.argsort(clusters, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(clusters[order]) != 0])
    return np.add.reduceat(products[order], starts, axis=0)


def cross_products(sums: np.ndarray, v: int) -> np.ndarray:
    """Symmetric v × v matrices from their upper-triangle sums (resamples × v(v+1)/2)."""
    upper_i, upper_j = np.triu_indices(v)
    matrices = np.empty((len(sums), v, v))
    matrices[:, upper_i, upper_j] = sums
    matrices[:, upper_j, upper_i] = sums
    return matrices


def solve_equations(matrices: np.ndarray, equations: Sequence[Equation]) -> list[np.ndarray]:
    """Least-squares coefficients (constant first) of every equation in every resample.

    The slopes solve the resample's scatter matrix of the predictors in correlation form, R b* = r_xy; a resample in
    which a predictor does not vary, or the predictors are collinear (smallest eigenvalue of R below 1e-10), gets NaN
    instead of the arbitrary numbers an exactly singular system would give. Each equation's first predictor must be
    the constant (column 0).
    """
    count = matrices[:, 0, 0]
    coefficients = []
    for outcome, predictors in equations:
        columns = [*predictors[1:], outcome]
        sums = matrices[:, 0, columns]
        scatter = matrices[:, columns][:, :, columns] - sums[:, :, None] * sums[:, None, :] / count[:, None, None]
        sxx, sxy = scatter[:, :-1, :-1], scatter[:, :-1, -1]
        spread = np.sqrt(np.clip(np.einsum("bii->bi", sxx), 0, None))
        raw = np.sqrt(np.einsum("bii->bi", matrices[:, columns[:-1]][:, :, columns[:-1]]))
        varies = (spread > _VARIES * raw).all(axis=1)
        safe = np.where(varies[:, None], spread, 1.0)
        correlation = sxx / (safe[:, :, None] * safe[:, None, :])
        ok = varies & (np.linalg.eigvalsh(correlation)[:, 0] > _COLLINEAR)
        slopes = np.full(sxy.shape, np.nan)
        if ok.any():
            scaled = np.linalg.solve(correlation[ok], (sxy[ok] / safe[ok])[..., None])[..., 0]
            slopes[ok] = scaled / safe[ok]
        intercept = (sums[:, -1] - (slopes * sums[:, :-1]).sum(axis=1)) / count
        coefficients.append(np.column_stack([intercept, slopes]))
    return coefficients


def bootstrap(
    values: np.ndarray,
    *,
    equations: Sequence[Equation],
    statistic: Statistic,
    n_boot: int,
    seed: int,
    clusters: np.ndarray | None = None,
) -> np.ndarray:
    """``statistic`` of ``n_boot`` case (or cluster) resamples of ``values`` (n × v, constant in column 0)."""
    v = values.shape[1]
    units = unit_products(values, clusters)
    draws = []
    for counts in resample_counts(len(units), n_boot=n_boot, seed=seed):
        matrices = cross_products(counts.astype(float) @ units, v)
        draws.append(statistic(solve_equations(matrices, equations), matrices))
    return np.concatenate(draws)


def interval(
    draws: np.ndarray, estimate: np.ndarray, *, method: str, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap SE and percentile or bias-corrected (BC) interval of each column of ``draws``.

    Draws that are not finite (singular resamples) are left out. Quantiles interpolate linearly (R's type 7).
    """
    tail = (1 - confidence) / 2
    se, low, high = (np.full(draws.shape[1], np.nan) for _ in range(3))
    for k in range(draws.shape[1]):
        column = draws[np.isfinite(draws[:, k]), k]
        if len(column) < 2:
            continue
        probabilities = np.array([tail, 1 - tail])
        if method == "bc":
            z0 = stats.norm.ppf(np.mean(column < estimate[k]))
            probabilities = stats.norm.cdf(2 * z0 + stats.norm.ppf(probabilities))
        se[k] = column.std(ddof=1)
        low[k], high[k] = np.quantile(column, probabilities)
    return se, low, high
