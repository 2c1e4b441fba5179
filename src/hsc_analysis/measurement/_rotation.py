"""Factor rotations, step for step as R does them, so that results match to rounding error.

varimax: ``stats::varimax`` (Kaiser-normalised, stops when the criterion grows by less than 1e-5 relative);
promax: ``psych::Promax`` (varimax, then target ``x·|x|^(m−1)`` with m = 4), optionally inside psych's ``kaiser``
normalisation as ``psych::fa`` does; oblimin: ``GPArotation::oblimin`` (gradient projection ``GPFoblq``, γ = 0,
unnormalised, eps 1e-5), GPArotation 2022.10-2.
"""

from __future__ import annotations

import numpy as np

from hsc_analysis.errors import DataError

ROTATIONS = ("none", "varimax", "promax", "oblimin")


def varimax(loadings: np.ndarray, *, eps: float = 1e-5, max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Varimax-rotated loadings and the orthogonal rotation matrix (``stats::varimax``, normalize = TRUE)."""
    scale = np.sqrt((loadings**2).sum(axis=1))[:, None]
    x = loadings / scale
    p, k = x.shape
    rotation = np.eye(k)
    criterion = 0.0
    for _ in range(max_iter):
        z = x @ rotation
        u, singular, vt = np.linalg.svd(x.T @ (z**3 - z * (z**2).sum(axis=0) / p))
        rotation = u @ vt
        previous, criterion = criterion, singular.sum()
        if criterion < previous * (1 + eps):
            break
    return x @ rotation * scale, rotation


def promax(loadings: np.ndarray, *, power: int = 4, kaiser: bool) -> tuple[np.ndarray, np.ndarray]:
    """Promax pattern loadings and factor correlations (``psych::Promax``; inside ``psych::kaiser`` if asked)."""
    weight = np.sqrt((loadings**2).sum(axis=1))[:, None] if kaiser else np.ones((len(loadings), 1))
    rotated, orthogonal = varimax(loadings / weight)
    target = rotated * np.abs(rotated) ** (power - 1)
    transform = np.linalg.lstsq(rotated, target, rcond=None)[0]
    transform = transform * np.sqrt(np.diag(np.linalg.inv(transform.T @ transform)))
    inverse = np.linalg.inv(orthogonal @ transform)
    return rotated @ transform * weight, inverse @ inverse.T


def oblimin(loadings: np.ndarray, *, eps: float = 1e-5, max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Direct quartimin (oblimin, γ = 0) by gradient projection: pattern loadings and factor correlations."""

    def criterion(pattern):
        x = (pattern**2) @ (1 - np.eye(pattern.shape[1]))
        return pattern * x, (pattern**2 * x).sum() / 4

    transform = np.eye(loadings.shape[1])
    step = 1.0
    pattern = loadings.copy()
    gq, value = criterion(pattern)
    gradient = -(pattern.T @ gq @ np.linalg.inv(transform)).T
    for _ in range(max_iter + 1):
        projected = gradient - transform * (transform * gradient).sum(axis=0)
        size = np.sqrt((projected**2).sum())
        if size < eps:
            break
        step *= 2
        for _ in range(11):
            trial = transform - step * projected
            trial = trial / np.sqrt((trial**2).sum(axis=0))
            pattern = loadings @ np.linalg.inv(trial).T
            gq_trial, value_trial = criterion(pattern)
            if value - value_trial > 0.5 * size**2 * step:
                break
            step /= 2
        transform, value = trial, value_trial
        gradient = -(pattern.T @ gq_trial @ np.linalg.inv(trial)).T
    else:
        raise DataError(f"oblimin rotation did not converge in {max_iter} iterations; try rotation='promax'")
    return pattern, transform.T @ transform


def rotate(loadings: np.ndarray, rotation: str, *, kaiser_promax: bool) -> tuple[np.ndarray, np.ndarray]:
    """Rotated loadings and factor correlations (identity for orthogonal rotations)."""
    k = loadings.shape[1]
    if rotation == "none" or k < 2:
        return loadings, np.eye(k)
    if rotation == "varimax":
        return varimax(loadings)[0], np.eye(k)
    if rotation == "promax":
        return promax(loadings, kaiser=kaiser_promax)
    return oblimin(loadings)
