"""Ordinal items: thresholds, polychoric correlations (two-step ML) and their asymptotic covariance, as lavaan.

Each item's thresholds are τ_k = Φ⁻¹(share of answers ≤ k); each pair's polychoric correlation maximises
Σ n_ab log P_ab(ρ) with the thresholds fixed, P_ab the bivariate-normal probability of cell (a, b). The asymptotic
covariance Γ of (τ, ρ) is the covariance of their influence functions, built from outer products of scores as
lavaan's ``muthen1984`` does (see :func:`ordinal_moments`). Unlike lavaan, no 0.5 is added to empty cells of 2 × 2
tables (binary items): polychorics of binary items with an empty cell are ±1 here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats


@dataclass(frozen=True)
class OrdinalMoments:
    """Thresholds (per item), the polychoric matrix, and Γ over (all thresholds, then correlations i < j)."""

    thresholds: list[np.ndarray]
    correlation: np.ndarray
    gamma: np.ndarray
    n: int


def bivariate_cdf(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Φ₂(h, k; ρ) for arrays of finite or infinite limits, through Owen's T function."""
    h, k = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float))
    out = np.empty(h.shape)
    low = np.isneginf(h) | np.isneginf(k)
    h_inf, k_inf = np.isposinf(h) & ~low, np.isposinf(k) & ~low
    out[low] = 0.0
    out[h_inf] = special.ndtr(k[h_inf])
    out[k_inf & ~h_inf] = special.ndtr(h[k_inf & ~h_inf])
    finite = ~(low | h_inf | k_inf)
    # Owen's T form divides by h and k: move limits within 1e-10 of 0 to ±1e-10 (an error below 1e-10)
    hf, kf = (np.where(np.abs(v) < 1e-10, np.copysign(1e-10, v), v) for v in (h[finite], k[finite]))
    root = np.sqrt(1 - rho**2)
    value = 0.5 * (special.ndtr(hf) + special.ndtr(kf))
    value -= special.owens_t(hf, (kf - rho * hf) / (hf * root)) + special.owens_t(kf, (hf - rho * kf) / (kf * root))
    value -= np.where(hf * kf < 0, 0.5, 0.0)
    out[finite] = value
    return out


def bivariate_density(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    h, k = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float))
    finite = np.isfinite(h) & np.isfinite(k)
    hf, kf = np.where(finite, h, 0.0), np.where(finite, k, 0.0)
    value = np.exp(-(hf**2 - 2 * rho * hf * kf + kf**2) / (2 * (1 - rho**2))) / (2 * np.pi * np.sqrt(1 - rho**2))
    return np.where(finite, value, 0.0)


def _cells(a: np.ndarray, b: np.ndarray, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell probabilities and their derivatives in ρ for limits a (with ±∞) and b."""
    grid_a, grid_b = np.meshgrid(a, b, indexing="ij")
    cdf = bivariate_cdf(grid_a, grid_b, rho)
    pdf = bivariate_density(grid_a, grid_b, rho)
    diff = lambda m: m[1:, 1:] - m[:-1, 1:] - m[1:, :-1] + m[:-1, :-1]  # noqa: E731
    return np.clip(diff(cdf), 1e-300, None), diff(pdf)


def ordinal_moments(codes: np.ndarray) -> OrdinalMoments:
    """Thresholds, polychoric correlations and Γ from an n × p matrix of integer category indices 0..K_j.

    Γ follows lavaan's ``muthen1984``: with per-case scores s_τ (univariate likelihoods) and s_ρ (bivariate), A₁₁
    the block-diagonal cross-product of s_τ, A₂₁ = Σ s_ρ ∂log P/∂τ and A₂₂ = diag Σ s_ρ², B⁻¹ = [[A₁₁⁻¹, 0],
    [−A₂₂⁻¹A₂₁A₁₁⁻¹, A₂₂⁻¹]] and Γ = N · B⁻¹ (Σ s sᵀ) B⁻¹ᵀ.
    """
    n, p = codes.shape
    thresholds, limits, influence = [], [], []
    for j in range(p):
        k = int(codes[:, j].max())
        tau = special.ndtri(np.array([(codes[:, j] <= c).mean() for c in range(k)]))
        thresholds.append(tau)
        limits.append(np.r_[-np.inf, tau, np.inf])
        density = stats.norm.pdf(tau)
        prob = np.diff(special.ndtr(limits[-1]))
        cases = codes[:, j]
        score = np.equal.outer(cases, np.arange(k)) * density - np.equal.outer(cases, np.arange(1, k + 1)) * density
        score /= prob[cases][:, None]
        influence.append(score @ np.linalg.inv(score.T @ score) * n)  # N · A₁₁⁻¹ s_τ per case
    correlation = np.eye(p)
    for i in range(p):
        for j in range(i + 1, p):
            counts = np.zeros((len(limits[i]) - 1, len(limits[j]) - 1))
            np.add.at(counts, (codes[:, i], codes[:, j]), 1.0)

            def score(rho, a=limits[i], b=limits[j], counts=counts):
                prob, dprob = _cells(a, b, rho)
                return np.sum(counts * dprob / prob)

            rho = optimize.brentq(score, -0.9999, 0.9999, xtol=1e-13)
            correlation[i, j] = correlation[j, i] = rho
            influence.append(
                _rho_influence(codes[:, i], codes[:, j], limits[i], limits[j], rho, influence[i], influence[j])[:, None]
            )
    # the threshold columns were appended first (one block per item), then one column per pair
    table = np.hstack(influence)
    return OrdinalMoments(thresholds, correlation, table.T @ table / n, n)


def _rho_influence(x, y, a, b, rho, if_a, if_b):
    """N · A₂₂⁻¹ (s_ρ − A₂₁ A₁₁⁻¹ s_τ) per case, A₂₁ = Σ_cases s_ρ ∂log P_xy/∂τ over both items' thresholds.

    ∂Φ₂(h, k; ρ)/∂h = φ(h)·Φ((k − ρh)/√(1 − ρ²)), so threshold τ_k of the first item moves the cells of rows k − 1
    (up) and k (down) by the column differences of that derivative; likewise for the second item.
    """
    n = len(x)
    prob, dprob = _cells(a, b, rho)
    ratio = dprob / prob
    s_rho = ratio[x, y]
    counts = np.zeros(prob.shape)
    np.add.at(counts, (x, y), 1.0)
    weight = counts * ratio / prob  # Σ over the cell's cases of s_ρ / P
    root = np.sqrt(1 - rho**2)
    a_in, b_in = a[1:-1], b[1:-1]
    # rows: thresholds of the first item; columns: limits of the second
    d_a = stats.norm.pdf(a_in)[:, None] * special.ndtr((b[None, :] - rho * a_in[:, None]) / root)
    d_a = np.diff(d_a, axis=1)  # (K_a, L + 1): change of each cell column
    a21_a = np.sum((weight[:-1, :] - weight[1:, :]) * d_a, axis=1)
    d_b = stats.norm.pdf(b_in)[None, :] * special.ndtr((a[:, None] - rho * b_in[None, :]) / root)
    d_b = np.diff(d_b, axis=0)  # (K + 1, L_b)
    a21_b = np.sum((weight[:, :-1] - weight[:, 1:]) * d_b, axis=0)
    a22 = s_rho @ s_rho
    return (n * s_rho - np.hstack([if_a, if_b]) @ np.r_[a21_a, a21_b]) / a22
