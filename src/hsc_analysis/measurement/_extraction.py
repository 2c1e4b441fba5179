"""Factor extraction from a correlation matrix: principal components, minres (ULS) and maximum likelihood.

The fitted uniquenesses are the exact optimum (bounded truncated Newton with analytic gradients, tight tolerances;
it needs no BLAS calls, which keeps it fast on busy machines); psych stops R's ``optim`` (L-BFGS-B) earlier, so
loadings agree with ``psych::fa`` to about 1e-5, not to rounding error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from hsc_analysis.measurement._matrix import smc
from hsc_analysis.measurement._rotation import rotate

METHODS = ("minres", "ml", "principal")
_LOWER = 0.005  # psych's lower bound for a uniqueness


@dataclass(frozen=True)
class Extraction:
    loadings: np.ndarray  # rotated pattern, factors ordered and signed as psych does
    phi: np.ndarray
    communalities: np.ndarray
    uniquenesses: np.ndarray
    heywood: np.ndarray  # items whose uniqueness sits on the lower bound
    converged: bool


def _top_eigen(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(matrix)
    return values[::-1][:k], vectors[:, ::-1][:, :k]


def _uls(psi, cor, k):
    values, vectors = np.linalg.eigh(cor - np.diag(psi))
    rest_values, rest_vectors = values[:-k], vectors[:, :-k]
    return 0.5 * (rest_values**2).sum(), -(rest_vectors**2) @ rest_values


def _ml(psi, cor, k):
    scale = 1 / np.sqrt(psi)
    values, vectors = np.linalg.eigh(cor * np.outer(scale, scale))
    values, vectors = values[::-1], vectors[:, ::-1]
    rest = values[k:]
    objective = -(np.log(rest) - rest).sum() - k + len(cor)
    load = np.sqrt(psi)[:, None] * vectors[:, :k] * np.sqrt(np.maximum(values[:k] - 1, 0))
    return objective, np.diag(load @ load.T + np.diag(psi) - cor) / psi**2


def _unrotated(cor: np.ndarray, k: int, method: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Unrotated loadings, fitted uniquenesses (NaN for components) and convergence."""
    if method == "principal":
        values, vectors = _top_eigen(cor, k)
        return vectors * np.sqrt(np.maximum(values, np.finfo(float).eps)), np.full(len(cor), np.nan), True
    objective = _uls if method == "minres" else _ml
    fit = minimize(
        objective,
        1 - smc(cor),
        args=(cor, k),
        jac=True,
        method="TNC",
        bounds=[(_LOWER, 1.0)] * len(cor),
        options={"ftol": 1e-15, "gtol": 1e-10, "xtol": 1e-12, "maxfun": 10_000},
    )
    psi = fit.x
    if method == "minres":
        values, vectors = _top_eigen(cor - np.diag(psi), k)
        loadings = vectors * np.sqrt(np.maximum(values, 0))
    else:
        scale = 1 / np.sqrt(psi)
        values, vectors = _top_eigen(cor * np.outer(scale, scale), k)
        loadings = np.sqrt(psi)[:, None] * vectors * np.sqrt(np.maximum(values - 1, 0))
    return loadings, psi, bool(fit.success)


def extract(cor: np.ndarray, n_factors: int, *, method: str, rotation: str) -> Extraction:
    """Extract, rotate, then sign and order the factors the way ``psych::fa`` / ``psych::principal`` do."""
    loadings, psi, converged = _unrotated(cor, n_factors, method)
    loadings = loadings * _signs(loadings)
    communalities = (loadings**2).sum(axis=1)
    pattern, phi = rotate(loadings, rotation, kaiser_promax=method != "principal")
    if method == "principal":  # principal orders by Σλ² before signing; fa signs, then orders by diag(ΦΛ'Λ)
        order = np.argsort(-np.diag(pattern.T @ pattern), kind="stable")
        pattern, phi = pattern[:, order], phi[np.ix_(order, order)]
    signs = _signs(pattern)
    pattern, phi = pattern * signs, phi * np.outer(signs, signs)
    if method != "principal":
        order = np.argsort(-np.diag(phi @ pattern.T @ pattern), kind="stable")
        pattern, phi = pattern[:, order], phi[np.ix_(order, order)]
    heywood = psi <= _LOWER + 1e-8 if method != "principal" else np.zeros(len(cor), dtype=bool)
    return Extraction(pattern, phi, communalities, 1 - communalities, heywood, converged)


def _signs(loadings: np.ndarray) -> np.ndarray:
    signs = np.sign(loadings.sum(axis=0))
    return np.where(signs == 0, 1.0, signs)


def reduced_eigenvalues(cor: np.ndarray, *, method: str) -> np.ndarray:
    """Eigenvalues of R with communalities from a one-factor fit on the diagonal (``fa(r, 1)$values``)."""
    loadings = _unrotated(cor, 1, method)[0]
    reduced = cor.copy()
    np.fill_diagonal(reduced, (loadings**2).sum(axis=1))
    return np.linalg.eigvalsh(reduced)[::-1]
