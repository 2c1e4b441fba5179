"""OLS with the bias-reduced linearisation (CR2, Bell–McCaffrey) cluster-robust covariance, its Satterthwaite
degrees of freedom for one contrast and the Hotelling T² (HTZ) approximation for a joint test.

Everything is computed from one thin SVD of each cluster's rows of X, never from an n_g × n_g matrix: with
X_g = U_g S_g W_gᵀ (rank r_g), H_gg = X_g B X_gᵀ = U_g K_g U_gᵀ with K_g = S_g W_gᵀ B W_g S_g, so the adjustment
A_g = (I − H_gg)^(−1/2) (the symmetric square root of the pseudo-inverse) is I + U_g F_g U_gᵀ with
F_g = (I − K_g)^(−1/2) − I on the eigenvectors of K_g. The working model is the identity (unweighted OLS), as in
R's clubSandwich for ``lm``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_EIGEN_TOL = 1e-10


@dataclass(frozen=True)
class Cr2Fit:
    beta: np.ndarray
    vcov: np.ndarray
    bread: np.ndarray  # (XᵀX)⁻¹
    factors: tuple[tuple[np.ndarray, np.ndarray], ...]  # per cluster: (X_gᵀU_g, I + F_g)
    n: int
    n_clusters: int


def cr2_fit(x: np.ndarray, y: np.ndarray, codes: np.ndarray) -> Cr2Fit:
    """OLS of y on x with the CR2 covariance by clusters ``codes`` (0 … G − 1)."""
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ (x.T @ y)
    resid = y - x @ beta
    g = int(codes.max()) + 1
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(g + 1))
    factors = []
    adjusted = np.zeros((g, x.shape[1]))
    for j in range(g):
        rows = order[bounds[j] : bounds[j + 1]]
        xg = x[rows]
        u, s, wt = np.linalg.svd(xg, full_matrices=False)
        keep = s > s.max() * max(xg.shape) * np.finfo(float).eps
        u, s, wt = u[:, keep], s[keep], wt[keep]
        xu = wt.T * s  # X_gᵀU_g (p × r)
        k = xu.T @ bread @ xu
        lam, vec = np.linalg.eigh(k)
        gap = 1 - lam
        scale = np.where(gap > _EIGEN_TOL, 1 / np.sqrt(np.where(gap > _EIGEN_TOL, gap, 1.0)), 0.0)
        identity_plus_f = (vec * scale) @ vec.T  # (I − K)^(−1/2) on the column space of X_g
        ue = u.T @ resid[rows]
        adjusted[j] = xg.T @ resid[rows] + xu @ (identity_plus_f - np.eye(len(s))) @ ue
        factors.append((xu, identity_plus_f))
    meat = adjusted.T @ adjusted
    return Cr2Fit(
        beta=beta,
        vcov=bread @ meat @ bread,
        bread=bread,
        factors=tuple(factors),
        n=len(y),
        n_clusters=g,
    )


def _p_array(fit: Cr2Fit, contrasts: np.ndarray) -> np.ndarray:
    """P[s, t, i, j] = g_{i,s}ᵀ g_{j,t} with g_{j,s} = (I − H)_jᵀ A_j X_j B c_s (clubSandwich's ``P_array``)."""
    q, g = contrasts.shape[0], fit.n_clusters
    inner = np.zeros((g, q, q))
    lifted = np.zeros((g, contrasts.shape[1], q))
    for j, (xu, identity_plus_f) in enumerate(fit.factors):
        z = xu.T @ fit.bread @ contrasts.T  # U_jᵀ X_j B cᵀ (r × q)
        u = identity_plus_f @ z  # coordinates of A_j X_j B c in U_j
        inner[j] = u.T @ u
        lifted[j] = xu @ u  # X_jᵀ A_j X_j B c (p × q)
    cross = np.einsum("ips,pr,jrt->stij", lifted, fit.bread, lifted)
    out = -cross
    idx = np.arange(g)
    out[:, :, idx, idx] += np.transpose(inner, (1, 2, 0))
    return out


def satterthwaite_df(fit: Cr2Fit, contrast: np.ndarray) -> float:
    """Satterthwaite df of one contrast under the working model (clubSandwich ``coef_test(test = "Satterthwaite")``):
    (Σ_j g_jᵀg_j)² / Σ_i Σ_j (g_iᵀg_j)²."""
    p = _p_array(fit, contrast[None, :])[0, 0]
    return float(np.trace(p) ** 2 / np.sum(p**2))


def htz_test(fit: Cr2Fit, contrasts: np.ndarray, target: np.ndarray | None = None) -> tuple[float, float, float]:
    """Hotelling T² approximation (HTZ) of the joint test C β = target: (F, df_num, df_den).

    Q = (Cβ − r)ᵀ(C V Cᵀ)⁻¹(Cβ − r); with Ω = Σ_j P[·, ·, j, j] and B = Ω^(−1/2) P Ω^(−1/2),
    ν = q(q + 1) / Σ_{s,t} Σ_{i,j} (B_st,ij B_ts,ij + B_ss,ij B_tt,ij); F = (ν − q + 1)/(ν q) · Q on
    (q, ν − q + 1) df (Tipton & Pustejovsky 2015; clubSandwich ``Wald_test(test = "HTZ")``).
    """
    q = contrasts.shape[0]
    target = np.zeros(q) if target is None else target
    diff = contrasts @ fit.beta - target
    stat = float(diff @ np.linalg.solve(contrasts @ fit.vcov @ contrasts.T, diff))
    p = _p_array(fit, contrasts)
    omega = np.einsum("stjj->st", p)
    lam, vec = np.linalg.eigh(omega)
    root = (vec / np.sqrt(lam)) @ vec.T
    b = np.einsum("as,stij,tb->abij", root, p, root)
    var = np.einsum("stij,tsij->st", b, b) + np.einsum("ssij,ttij->st", b, b)
    nu = q * (q + 1) / var.sum()
    df = nu - q + 1
    return max((nu - q + 1) / nu, 0.0) * stat / q, float(q), float(df)
