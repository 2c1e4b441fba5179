"""Linear mixed models with nested random effects, fitted as lme4 does: the profiled (RE)ML deviance minimised
over the relative covariance factors θ, fixed effects by generalised least squares, Satterthwaite df as lmerTest.

The model is y = Xβ + Σ_l Z_l b_l + ε with ε ~ N(0, σ²I) and, for each level l of a nesting (classes within
schools …), independent cluster effects b_lj ~ N(0, σ² Λ_l Λ_lᵀ) on the columns Z_l of X (the intercept and any
random slopes). Every quantity the deviance needs is a sum over clusters of cross-products of W = [X, y], so the
data are reduced once to one (k × k) matrix per innermost cluster; a deviance evaluation then costs O(J q³ + J k²)
whatever the number of rows. Nesting is handled by applying the Woodbury identity level by level:

    G_j = Σ_{children} H_child,    H_j = G_j − G_j[:, z] Λ M_j⁻¹ Λᵀ G_j[z, :],    M_j = I + Λᵀ G_j[z, z] Λ,

so that Σ_j H_j = Wᵀ Ṽ⁻¹ W with Ṽ = V/σ², and log|Ṽ| = Σ log|M_j| over all clusters of all levels (the matrix
determinant lemma). This is the identity behind lme4's sparse Cholesky factor L_θ (log|L_θ|² = log|Ṽ|).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import optimize

SINGULAR_TOL = 1e-4  # lme4::isSingular: a diagonal element of Λ below this is at the boundary


@dataclass(frozen=True)
class Level:
    """One level of the nesting: its name, the columns ``z`` of X with random effects at this level and the
    number of clusters."""

    name: str
    z: tuple[int, ...]
    n_clusters: int


@dataclass(frozen=True)
class Fit:
    """The (RE)ML fit: θ, β, σ, Var(β), the criterion at θ, each level's covariance of its random effects, whether
    the optimiser converged (and its message), and what the Satterthwaite df need."""

    theta: np.ndarray
    beta: np.ndarray
    sigma: float
    vcov: np.ndarray
    deviance: float
    covariances: tuple[np.ndarray, ...]  # σ² Λ_l Λ_lᵀ per level
    converged: bool
    message: str
    varpar_vcov: np.ndarray  # asymptotic covariance of (θ, σ): 2 H⁻¹ of the unprofiled deviance
    jacobian: np.ndarray  # ∂ vcov(β) / ∂(θ, σ), shape (p, p, len(θ) + 1)


class MixedModel:
    """Nested linear mixed model reduced to per-cluster cross-products.

    ``cluster`` holds, for each level from the innermost outwards, the integer cluster code of every row (0 … J−1);
    clusters of a level must be nested in those of the next.
    """

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        cluster: Sequence[np.ndarray],
        z: Sequence[Sequence[int]],
        names: Sequence[str],
    ) -> None:
        self.n, self.p = x.shape
        w = np.column_stack([x, y])
        k = w.shape[1]
        inner = np.asarray(cluster[0])
        order = np.argsort(inner, kind="stable")
        sorted_codes = inner[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
        ws = w[order]
        cross = np.empty((len(starts), k, k))
        for i in range(k):
            cross[:, i, :] = np.add.reduceat(ws * ws[:, [i]], starts, axis=0)
        self.cross = cross
        # parents[l] maps the clusters of level l - 1 to those of level l (l ≥ 1)
        self.parents: list[np.ndarray] = []
        for lower, upper in pairwise(cluster):
            mapping = np.zeros(int(lower.max()) + 1, dtype=int)
            mapping[lower] = upper
            self.parents.append(mapping)
        self.levels = tuple(
            Level(str(name), tuple(cols), int(np.asarray(codes).max()) + 1)
            for name, cols, codes in zip(names, z, cluster, strict=True)
        )
        self._lower = []  # each level's lower triangle in column-major order, as lme4's theta lists it
        for level in self.levels:
            rows, cols = np.tril_indices(len(level.z))
            order = np.lexsort((rows, cols))
            self._lower.append((rows[order], cols[order]))
        self.theta_lower = np.concatenate([_lower_bounds(len(level.z)) for level in self.levels])

    # --- the deviance ---------------------------------------------------------------------------------------------
    def factors(self, theta: np.ndarray) -> list[np.ndarray]:
        out, start = [], 0
        for level, (rows, cols) in zip(self.levels, self._lower, strict=True):
            lam = np.zeros((len(level.z), len(level.z)))
            lam[rows, cols] = theta[start : start + len(rows)]
            out.append(lam)
            start += len(rows)
        return out

    def reduce(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        """Wᵀ Ṽ⁻¹ W and log|Ṽ| at θ."""
        h = self.cross
        logdet = 0.0
        for index, (level, lam) in enumerate(zip(self.levels, self.factors(theta), strict=True)):
            if index > 0:
                grouped = np.zeros((level.n_clusters, *h.shape[1:]))
                np.add.at(grouped, self.parents[index - 1], h)
                h = grouped
            z = list(level.z)
            gz = h[:, z, :]  # (J, q, k)
            m = np.eye(len(z)) + lam.T @ gz[:, :, z] @ lam
            chol = np.linalg.cholesky(m)
            logdet += 2.0 * float(np.log(np.diagonal(chol, axis1=1, axis2=2)).sum())
            lg = lam.T @ gz  # (J, q, k)
            h = h - np.swapaxes(lg, 1, 2) @ np.linalg.solve(m, lg)
        return h.sum(axis=0), logdet

    def _gls(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float, float]:
        total, logdet = self.reduce(theta)
        p = self.p
        xtvx = total[:p, :p]
        chol = np.linalg.cholesky(xtvx)
        beta = np.linalg.solve(xtvx, total[:p, p])
        pwrss = float(total[p, p] - total[p, :p] @ beta)
        return beta, xtvx, pwrss, logdet, 2.0 * float(np.log(np.diag(chol)).sum())

    def profiled_deviance(self, theta: np.ndarray, *, reml: bool) -> float:
        """lme4's objective: −2 log L (ML) or the REML criterion, with β and σ² profiled out."""
        try:
            _, _, pwrss, logdet, logdet_x = self._gls(theta)
        except np.linalg.LinAlgError:
            return np.inf
        if pwrss <= 0:
            return np.inf
        df = self.n - self.p if reml else self.n
        dev = logdet + df * (1.0 + np.log(2.0 * np.pi * pwrss / df))
        return dev + logdet_x if reml else dev

    def deviance_at(self, varpar: np.ndarray, *, reml: bool) -> float:
        """The deviance at (θ, σ) with β profiled (lmerTest's ``devfun_vp``)."""
        theta, sigma2 = varpar[:-1], varpar[-1] ** 2
        _, _, pwrss, logdet, logdet_x = self._gls(theta)
        dev = logdet + pwrss / sigma2 + self.n * np.log(2 * np.pi * sigma2)
        return dev + logdet_x - self.p * np.log(2 * np.pi * sigma2) if reml else dev

    def vcov_at(self, varpar: np.ndarray) -> np.ndarray:
        _, xtvx, _, _, _ = self._gls(varpar[:-1])
        return varpar[-1] ** 2 * np.linalg.inv(xtvx)

    # --- fitting --------------------------------------------------------------------------------------------------
    def fit(self, *, reml: bool) -> Fit:
        start = np.concatenate([_start(len(level.z)) for level in self.levels])
        bounds = [(lo, None) for lo in self.theta_lower]
        objective = lambda t: self.profiled_deviance(t, reml=reml)  # noqa: E731
        result = optimize.minimize(
            objective, start, method="L-BFGS-B", bounds=bounds, options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000}
        )
        # polish with a derivative-free search from the quasi-Newton point (bobyqa-like robustness near bounds)
        polished = optimize.minimize(
            objective,
            result.x,
            method="Powell",
            bounds=bounds,
            options={"xtol": 1e-10, "ftol": 1e-15, "maxiter": 20000},
        )
        best = polished if polished.fun <= result.fun else result
        theta = np.where(np.abs(best.x) < 1e-10, 0.0, best.x)
        converged = bool(result.success or polished.success) and np.isfinite(best.fun)
        beta, xtvx, pwrss, _, _ = self._gls(theta)
        sigma = float(np.sqrt(pwrss / (self.n - self.p if reml else self.n)))
        varpar = np.r_[theta, sigma]
        hessian = numerical_hessian(lambda v: self.deviance_at(v, reml=reml), varpar)
        values, vectors = np.linalg.eigh(hessian)
        positive = values > 1e-8
        varpar_vcov = 2.0 * (vectors[:, positive] / values[positive]) @ vectors[:, positive].T
        jacobian = numerical_jacobian(self.vcov_at, varpar)
        return Fit(
            theta=theta,
            beta=beta,
            sigma=sigma,
            vcov=sigma**2 * np.linalg.inv(xtvx),
            deviance=float(self.profiled_deviance(theta, reml=reml)),
            covariances=tuple(sigma**2 * lam @ lam.T for lam in self.factors(theta)),
            converged=converged,
            message=str(best.message),
            varpar_vcov=varpar_vcov,
            jacobian=jacobian,
        )

    def singular(self, fit: Fit) -> list[tuple[str, int]]:
        """(level, column of X) of every random effect whose relative factor is at the boundary (lme4's
        ``isSingular``: a diagonal element of Λ below 1e-4)."""
        out = []
        for level, lam in zip(self.levels, self.factors(fit.theta), strict=True):
            out += [(level.name, column) for i, column in enumerate(level.z) if abs(lam[i, i]) < SINGULAR_TOL]
        return out


def satterthwaite(fit: Fit, contrast: np.ndarray) -> tuple[float, float, float]:
    """Estimate, SE and Satterthwaite df of Lᵀβ (lmerTest's ``contest1D``)."""
    estimate = float(contrast @ fit.beta)
    variance = float(contrast @ fit.vcov @ contrast)
    gradient = np.einsum("i,ijk,j->k", contrast, fit.jacobian, contrast)
    denominator = float(gradient @ fit.varpar_vcov @ gradient)
    df = 2.0 * variance**2 / denominator if denominator > 0 else np.inf
    return estimate, float(np.sqrt(variance)), df


def _lower_bounds(q: int) -> np.ndarray:
    rows, cols = np.tril_indices(q)
    order = np.lexsort((rows, cols))
    return np.where(rows[order] == cols[order], 0.0, -np.inf)


def _start(q: int) -> np.ndarray:
    rows, cols = np.tril_indices(q)
    order = np.lexsort((rows, cols))
    return (rows[order] == cols[order]).astype(float)


def _steps(x: np.ndarray) -> np.ndarray:
    # first step 1e-3 relative (1e-3 absolute near zero), then halved r times
    return np.where(np.abs(x) > 1e-3, 1e-3 * np.abs(x), 1e-3)


def numerical_hessian(f: Callable[[np.ndarray], float], x: np.ndarray, *, r: int = 4) -> np.ndarray:
    """Central differences with Richardson extrapolation over r step halvings (as numDeriv::hessian)."""
    k = len(x)
    base = f(x)
    h0 = _steps(x)
    out = np.empty((k, k))
    for i in range(k):
        for j in range(i + 1):
            estimates = []
            for level in range(r):
                hi, hj = h0[i] / 2**level, h0[j] / 2**level
                ei, ej = np.eye(k)[i] * hi, np.eye(k)[j] * hj
                if i == j:
                    d = (f(x + ei) - 2 * base + f(x - ei)) / hi**2
                else:
                    d = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * hi * hj)
                estimates.append(d)
            out[i, j] = out[j, i] = _richardson(estimates)
    return out


def numerical_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, *, r: int = 4) -> np.ndarray:
    """∂f/∂x_k stacked on the last axis, central differences with Richardson extrapolation."""
    h0 = _steps(x)
    columns = []
    for i in range(len(x)):
        estimates = []
        for level in range(r):
            step = np.eye(len(x))[i] * h0[i] / 2**level
            estimates.append((f(x + step) - f(x - step)) / (2 * step[i]))
        columns.append(_richardson(estimates))
    return np.stack(columns, axis=-1)


def _richardson(estimates: list) -> np.ndarray:
    """Eliminate the h², h⁴, … error terms of estimates at steps h, h/2, h/4, …"""
    table = [np.asarray(e, dtype=float) for e in estimates]
    for m in range(1, len(table)):
        factor = 4.0**m
        table = [(factor * table[i + 1] - table[i]) / (factor - 1) for i in range(len(table) - 1)]
    return table[0]
