"""Maximum-likelihood estimation of a (multi-group) factor model from sample moments, as lavaan does it.

The model is the LISREL all-y form: Σ = Λ A Ψ Aᵀ Λᵀ + Θ and μ = ν + Λ A α with A = (I − B)⁻¹. Free parameters
are a vector θ; a parameter table row maps one matrix cell to a position in θ (shared positions are equality
constraints) or to a fixed value. Fisher scoring with the expected information and a backtracking line search
minimises F = Σ_g (n_g / N) F_g, F_g = log|Σ_g| + tr(S_g Σ_g⁻¹) − log|S_g| − p + (ȳ_g − μ_g)ᵀ Σ_g⁻¹ (ȳ_g − μ_g).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MATRICES = ("lambda", "beta", "psi", "theta", "nu", "alpha")
_SYMMETRIC = ("psi", "theta")


@dataclass(frozen=True)
class Moments:
    """Sample moments of one group: biased covariance (divisor n), means, n."""

    cov: np.ndarray
    mean: np.ndarray
    n: int


@dataclass(frozen=True)
class Optimum:
    theta: np.ndarray
    objective: float
    gradient: np.ndarray
    information: np.ndarray
    converged: bool
    iterations: int


class Engine:
    """Implied moments, objective, gradient and expected information for a parameter table.

    ``table`` columns: ``group`` (0-based), ``matrix`` (one of MATRICES), ``row``, ``col``, ``free`` (index into θ,
    −1 when fixed), ``value`` (the fixed value, or the start value of a free parameter).
    """

    def __init__(self, table: pd.DataFrame, *, n_observed: int, n_latent: int, meanstructure: bool) -> None:
        self.table = table
        self.p, self.m = n_observed, n_latent
        self.meanstructure = meanstructure
        self.n_free = int(table["free"].max()) + 1
        self.groups = sorted(table["group"].unique())
        self._cells = {}
        for g in self.groups:
            rows = table[table["group"] == g]
            self._cells[g] = {
                name: (
                    rows.loc[rows["matrix"] == name, "row"].to_numpy(int),
                    rows.loc[rows["matrix"] == name, "col"].to_numpy(int),
                    rows.loc[rows["matrix"] == name, "free"].to_numpy(int),
                    rows.loc[rows["matrix"] == name, "value"].to_numpy(float),
                )
                for name in MATRICES
            }

    def matrices(self, theta: np.ndarray, group: int) -> dict[str, np.ndarray]:
        shapes = {
            "lambda": (self.p, self.m),
            "beta": (self.m, self.m),
            "psi": (self.m, self.m),
            "theta": (self.p, self.p),
            "nu": (self.p, 1),
            "alpha": (self.m, 1),
        }
        out = {}
        for name, shape in shapes.items():
            rows, cols, free, value = self._cells[group][name]
            matrix = np.zeros(shape)
            values = np.where(free >= 0, theta[np.maximum(free, 0)], value)
            matrix[rows, cols] = values
            if name in _SYMMETRIC:
                matrix[cols, rows] = values
            out[name] = matrix
        out["nu"], out["alpha"] = out["nu"][:, 0], out["alpha"][:, 0]
        a = np.linalg.inv(np.eye(self.m) - out["beta"])
        out["A"] = a
        out["LA"] = out["lambda"] @ a
        out["C"] = a @ out["psi"] @ a.T  # total latent covariance
        out["LC"] = out["lambda"] @ out["C"]
        out["sigma"] = out["LC"] @ out["lambda"].T + out["theta"]
        out["mu"] = out["nu"] + out["LA"] @ out["alpha"]
        return out

    def objective(self, theta: np.ndarray, moments: dict[int, Moments]) -> float:
        """F(θ); +inf where an implied covariance matrix is not positive definite."""
        total = sum(m.n for m in moments.values())
        value = 0.0
        for g in self.groups:
            term = self._discrepancy(self.matrices(theta, g), moments[g])
            if term is None:
                return np.inf
            value += moments[g].n / total * term
        return value

    def _discrepancy(self, mats: dict, moments: Moments) -> float | None:
        sigma = mats["sigma"]
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return None
        inv = np.linalg.inv(sigma)
        logdet = 2 * np.log(np.diag(chol)).sum()
        _, logdet_s = np.linalg.slogdet(moments.cov)
        value = logdet + np.trace(moments.cov @ inv) - logdet_s - self.p
        if self.meanstructure:
            d = moments.mean - mats["mu"]
            value += d @ inv @ d
        return float(value)

    def derivatives(self, theta: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """∂Σ/∂θ and ∂μ/∂θ of one group in factored form.

        Returns ``u, v, onehot, d_mu``: ∂Σ/∂θ_k = Σ_a onehot[a, k]·u_a v_aᵀ (every cell of Λ, Ψ, Θ, B contributes
        rank-one terms), and ``d_mu`` (q × p) = ∂μ/∂θ.
        """
        mats = self.matrices(theta, group)
        eye_p, la, lc = np.eye(self.p), mats["LA"], mats["LC"]
        a_alpha = mats["A"] @ mats["alpha"]
        u_parts, v_parts, k_parts = [], [], []
        mu_parts, mu_k = [], []

        def add(u, v, k, both):
            u_parts.extend([u, v] if both else [u])
            v_parts.extend([v, u] if both else [v])
            k_parts.extend([k, k] if both else [k])

        for name, (rows, cols, free, _) in self._cells[group].items():
            keep = free >= 0
            rows, cols, k = rows[keep], cols[keep], free[keep]
            if not k.size:
                continue
            if name == "lambda":
                add(eye_p[rows], lc[:, cols].T, k, both=True)
                mu_parts.append(eye_p[rows] * a_alpha[cols][:, None])
                mu_k.append(k)
            elif name == "beta":
                add(la[:, rows].T, lc[:, cols].T, k, both=True)
                mu_parts.append(la[:, rows].T * a_alpha[cols][:, None])
                mu_k.append(k)
            elif name in _SYMMETRIC:
                u = la[:, rows].T if name == "psi" else eye_p[rows]
                v = la[:, cols].T if name == "psi" else eye_p[cols]
                add(u, v, k, both=False)
                off = rows != cols
                add(v[off], u[off], k[off], both=False)
            elif name == "nu":
                mu_parts.append(eye_p[rows])
                mu_k.append(k)
            else:  # alpha
                mu_parts.append(la[:, rows].T)
                mu_k.append(k)
        u, v = np.concatenate(u_parts), np.concatenate(v_parts)
        onehot = np.zeros((len(u), self.n_free))
        onehot[np.arange(len(u)), np.concatenate(k_parts)] = 1.0
        d_mu = np.zeros((self.n_free, self.p))
        if self.meanstructure and mu_parts:
            mu_onehot = np.zeros((sum(len(k) for k in mu_k), self.n_free))
            mu_onehot[np.arange(len(mu_onehot)), np.concatenate(mu_k)] = 1.0
            d_mu = mu_onehot.T @ np.concatenate(mu_parts)
        return u, v, onehot, d_mu

    def gradient_information(self, theta: np.ndarray, moments: dict[int, Moments]) -> tuple[np.ndarray, np.ndarray]:
        """∇F and the expected information per observation, I = Σ_g w_g [½ tr(Σ⁻¹∂Σ_k Σ⁻¹∂Σ_l) + ∂μ_kᵀ Σ⁻¹ ∂μ_l].

        With ∂Σ_k = Σ_a u_a v_aᵀ, tr(G ∂Σ_k) = Σ_a v_aᵀ G u_a and tr(Σ⁻¹ u_a v_aᵀ Σ⁻¹ u_b v_bᵀ) = X_ab X_ba for
        X = V Σ⁻¹ Uᵀ, so no p × p derivative matrix is ever formed.
        """
        total = sum(m.n for m in moments.values())
        grad = np.zeros(self.n_free)
        info = np.zeros((self.n_free, self.n_free))
        for g in self.groups:
            w = moments[g].n / total
            mats = self.matrices(theta, g)
            inv = np.linalg.inv(mats["sigma"])
            u, v, onehot, d_mu = self.derivatives(theta, g)
            d = moments[g].mean - mats["mu"] if self.meanstructure else np.zeros(self.p)
            g_mat = inv @ (mats["sigma"] - moments[g].cov - np.outer(d, d)) @ inv
            grad += w * (onehot.T @ np.einsum("ai,ij,aj->a", v, g_mat, u) - 2 * d_mu @ (inv @ d))
            x = v @ inv @ u.T
            info += w * (0.5 * onehot.T @ (x * x.T) @ onehot + d_mu @ inv @ d_mu.T)
        return grad, (info + info.T) / 2

    def fit(
        self, start: np.ndarray, moments: dict[int, Moments], *, max_iter: int = 500, tol: float = 1e-9,
        tol_stalled: float = 1e-6,
    ) -> Optimum:  # fmt: skip
        """Fisher scoring of F from ``start`` (see :func:`fisher_scoring`)."""
        return fisher_scoring(
            lambda theta: self.objective(theta, moments),
            lambda theta: self.gradient_information(theta, moments),
            start, max_iter=max_iter, tol=tol, tol_stalled=tol_stalled,
        )  # fmt: skip


def fisher_scoring(
    objective, gradient_information, start: np.ndarray, *, max_iter: int = 500, tol: float = 1e-9,
    tol_stalled: float = 1e-6,
) -> Optimum:  # fmt: skip
    """Minimise ``objective`` by θ ← θ − t (2I)⁻¹ ∇F, halving t until F decreases (Armijo).

    ``gradient_information(θ)`` returns ∇F and the information I (F's expected Hessian is 2I; an approximation
    only slows convergence). Converged when max |∇F| < ``tol``, or when F no longer decreases (relative change
    ≤ 1e-14) with max |∇F| < ``tol_stalled`` — the floating-point floor of F for large mean structures.
    """
    theta = start.astype(float).copy()
    value = objective(theta)
    grad, info = gradient_information(theta)
    converged = False
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        try:
            step = -np.linalg.solve(2 * info, grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(2 * info, grad, rcond=None)[0]
        slope = grad @ step
        if slope >= 0:  # not a descent direction (singular information): fall back to steepest descent
            step, slope = -grad, -grad @ grad
        t = 1.0
        while t > 1e-12:
            trial = theta + t * step
            trial_value = objective(trial)
            if trial_value <= value + 1e-4 * t * slope:
                break
            t /= 2
        else:  # no decrease possible: at the optimum within floating-point precision, or stuck
            converged = np.max(np.abs(grad)) < tol_stalled
            break
        change = value - trial_value
        theta, value = trial, trial_value
        grad, info = gradient_information(theta)
        largest = np.max(np.abs(grad))
        if largest < tol or (largest < tol_stalled and change <= 1e-14 * max(1.0, abs(value))):
            converged = True
            break
    return Optimum(theta, value, grad, info, converged, iterations)
