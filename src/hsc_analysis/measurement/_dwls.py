"""Diagonally weighted least squares on polychoric correlations (lavaan's ``ordered=`` default, delta scaling).

The model reproduces the polychoric matrix R* by Σ* = ΛΨΛᵀ + Θ with Θ = I − diag(ΛΨΛᵀ) and the thresholds by free
thresholds (fitted exactly). θ̂ minimises F = Σ_{i<j} w_ij (r_ij − σ*_ij)², w = 1/diag(Γ). Standard errors are
lavaan's ``robust.sem`` sandwich (Δᵀ W Δ)⁻¹ Δᵀ W Γ W Δ (Δᵀ W Δ)⁻¹ / N; the test is T = (N − 1)·F and its
scaled-and-shifted version a·T + b with a = √(df / tr((UΓ)²)), b = df − a·tr(UΓ), U = W − WΔ(ΔᵀWΔ)⁻¹ΔᵀW.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from hsc_analysis.measurement._ml import Engine
from hsc_analysis.measurement._ordinal import OrdinalMoments


@dataclass(frozen=True)
class DWLSFit:
    theta: np.ndarray
    covariance: np.ndarray
    converged: bool
    iterations: int
    fit: dict


def fit_dwls(engine: Engine, start: np.ndarray, moments: OrdinalMoments) -> DWLSFit:
    p = engine.p
    upper_i, upper_j = np.triu_indices(p, k=1)
    n_thresholds = sum(len(t) for t in moments.thresholds)
    gamma = moments.gamma
    weight = 1 / np.diag(gamma)
    root_w = np.sqrt(weight[n_thresholds:])
    observed = moments.correlation[upper_i, upper_j]

    def residuals(theta):
        return root_w * (observed - engine.matrices(theta, 0)["sigma"][upper_i, upper_j])

    def jacobian(theta):
        return -root_w[:, None] * _pair_jacobian(engine, theta, upper_i, upper_j)

    solution = optimize.least_squares(residuals, start, jac=jacobian, method="lm", xtol=1e-15, ftol=1e-15,
                                      gtol=1e-15, max_nfev=1000)  # fmt: skip
    theta = solution.x
    # Δ over (thresholds, correlations) × (thresholds, model parameters)
    delta = np.zeros((len(weight), n_thresholds + len(theta)))
    delta[:n_thresholds, :n_thresholds] = np.eye(n_thresholds)
    delta[n_thresholds:, n_thresholds:] = _pair_jacobian(engine, theta, upper_i, upper_j)
    bread = np.linalg.inv(delta.T @ (weight[:, None] * delta))
    meat = delta.T @ (weight[:, None] * gamma * weight[None, :]) @ delta
    covariance = bread @ meat @ bread / moments.n
    chisq = (moments.n - 1) * float(solution.fun @ solution.fun)  # lavaan's WLS-family tests use N − 1
    df = len(observed) - len(theta)
    u = np.diag(weight) - (weight[:, None] * delta) @ bread @ (delta.T * weight[None, :])
    ug = u @ gamma
    trace, trace_sq = np.trace(ug), np.sum(ug * ug.T)
    scale = np.sqrt(df / trace_sq) if df > 0 else np.nan
    baseline = (moments.n - 1) * float(np.sum(weight[n_thresholds:] * observed**2))
    fit = {"chisq": chisq, "df": df, "chisq_scaled": scale * chisq + (df - scale * trace), "baseline_chisq": baseline,
           "baseline_df": len(observed), "weight": weight, "residual": solution.fun / root_w}  # fmt: skip
    return DWLSFit(theta, covariance, bool(solution.success), int(solution.nfev), fit)


def _pair_jacobian(engine: Engine, theta: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """∂σ*_ij/∂θ for the pairs (rows[k], cols[k]) from the factored derivatives of Σ."""
    u, v, onehot, _ = engine.derivatives(theta, 0)
    return (u[:, rows] * v[:, cols]).T @ onehot


def category_codes(frame: pd.DataFrame) -> np.ndarray:
    """Each item's observed values mapped to 0..K in increasing order (lavaan's ordered factor levels)."""
    return np.column_stack([np.searchsorted(np.unique(frame[c]), frame[c]) for c in frame.columns])
