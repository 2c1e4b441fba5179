"""The restricted wild cluster bootstrap (WCR) of OLS coefficients: p-values of t and Wald tests and confidence
intervals by test inversion, from one array of cluster weights.

Everything works on per-cluster sufficient statistics (X_gᵀX_g, X_gᵀy_g), so a draw costs O(G·p²) whatever the
cluster sizes. Under H0: Rβ = r the restricted estimate is β̃ = β̂ − B Rᵀ(R B Rᵀ)⁻¹(Rβ̂ − r) (B = (XᵀX)⁻¹) with
cluster scores a_g = X_gᵀy_g − X_gᵀX_g β̃; draw b multiplies cluster g's restricted residuals by v_bg, so
β̂*_b − β̃ = B Σ_g v_bg a_g and its scores are s*_bg = v_bg a_g − X_gᵀX_g (β̂*_b − β̃). Each draw's statistic uses
the CR1 covariance c · B (Σ_g s*_bg s*_bgᵀ) B, c = G/(G − 1) · (n − 1)/(n − p), as the observed one does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WEIGHTS = ("webb", "rademacher")
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_RADEMACHER = np.array([-1.0, 1.0])


def cluster_weights(n_boot: int, n_clusters: int, *, kind: str, seed: int) -> np.ndarray:
    """The (n_boot × G) weights of every draw: Webb's six-point distribution (±√.5, ±1, ±√1.5, each 1/6) or
    Rademacher (±1, each 1/2)."""
    values = _WEBB if kind == "webb" else _RADEMACHER
    return np.random.default_rng(seed).choice(values, size=(n_boot, n_clusters))


@dataclass(frozen=True)
class ClusterStats:
    xx: np.ndarray  # G × p × p
    xy: np.ndarray  # G × p
    n: int

    @classmethod
    def of(cls, x: np.ndarray, y: np.ndarray, codes: np.ndarray) -> ClusterStats:
        g, p = int(codes.max()) + 1, x.shape[1]
        xx = np.zeros((g, p, p))
        np.add.at(xx, codes, x[:, :, None] * x[:, None, :])
        xy = np.zeros((g, p))
        np.add.at(xy, codes, x * y[:, None])
        return cls(xx, xy, len(y))

    @property
    def bread(self) -> np.ndarray:
        return np.linalg.inv(self.xx.sum(axis=0))

    def scale(self) -> float:
        g, p = self.xy.shape
        return g / (g - 1) * (self.n - 1) / (self.n - p)

    def beta(self) -> np.ndarray:
        return self.bread @ self.xy.sum(axis=0)

    def cr1_vcov(self) -> np.ndarray:
        """CR1 covariance c · B (Σ_g s_g s_gᵀ) B of the OLS fit (sandwich::vcovCL type HC1)."""
        bread = self.bread
        scores = self.xy - self.xx @ (bread @ self.xy.sum(axis=0))
        return self.scale() * bread @ scores.T @ scores @ bread


def _wald(diff: np.ndarray, scores_b: np.ndarray, bread_r: np.ndarray, c: float) -> np.ndarray:
    """Wald statistics (R β̂ − r)ᵀ(R V Rᵀ)⁻¹(R β̂ − r) for draws: ``diff`` (m × q), ``scores_b`` (m × G × p)."""
    proj = scores_b @ bread_r  # m × G × q
    cov = c * np.einsum("mgs,mgt->mst", proj, proj)
    return np.einsum("ms,ms->m", diff, np.linalg.solve(cov, diff[:, :, None])[:, :, 0])


def wild_test(
    stats: ClusterStats, restriction: np.ndarray, target: np.ndarray, weights: np.ndarray
) -> tuple[float, float]:
    """The observed CR1 Wald statistic of H0: R β = r and its bootstrap p-value (with one row of R the Wald is t²,
    so p is the symmetric p of |t|)."""
    bread = stats.bread
    c = stats.scale()
    beta = stats.beta()
    bread_r = bread @ restriction.T  # p × q
    observed_scores = stats.xy - stats.xx @ beta
    observed = _wald((restriction @ beta - target)[None], observed_scores[None], bread_r, c)[0]
    middle = np.linalg.solve(restriction @ bread_r, restriction @ beta - target)
    restricted = beta - bread_r @ middle
    a = stats.xy - stats.xx @ restricted  # G × p
    shift = weights @ a @ bread  # m × p: β̂* − β̃
    scores_b = weights[:, :, None] * a[None] - np.einsum("gpq,mq->mgp", stats.xx, shift)
    drawn = _wald(shift @ restriction.T, scores_b, bread_r, c)
    return float(observed), float(np.mean(drawn >= observed * (1 - 1e-12)))


def wild_interval(stats: ClusterStats, column: int, weights: np.ndarray, *, confidence: float) -> tuple[float, float]:
    """The confidence interval of coefficient ``column`` by inverting the WCR test: every β₀ whose bootstrap
    p-value exceeds 1 − confidence, its ends found by bisection (to 1e-6 of the CR1 standard error)."""
    beta = stats.beta()
    se = float(np.sqrt(stats.cr1_vcov()[column, column]))
    restriction = np.eye(len(beta))[[column]]
    alpha = 1 - confidence

    def p_at(value: float) -> float:
        return wild_test(stats, restriction, np.array([value]), weights)[1]

    ends = []
    for sign in (-1.0, 1.0):
        inside, step = 0.0, 2.0
        while p_at(beta[column] + sign * step * se) > alpha:
            inside, step = step, step * 2
            if step > 1e6:
                return (-np.inf, np.inf)
        outside = step
        while outside - inside > 1e-6:
            middle = (inside + outside) / 2
            if p_at(beta[column] + sign * middle * se) > alpha:
                inside = middle
            else:
                outside = middle
        ends.append(float(beta[column] + sign * (inside + outside) / 2 * se))
    return ends[0], ends[1]
