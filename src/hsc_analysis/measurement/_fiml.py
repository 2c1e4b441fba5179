"""Full-information maximum likelihood for incomplete multivariate-normal data, computed per missing-data pattern.

Respondents who answered the same items share a pattern; within a pattern the casewise log-likelihood only needs
the pattern's mean ȳ_p and covariance S_p (divisor n_p) of its observed items o:

    log L = −½ Σ_p n_p [k_p log 2π + log|Σ_oo| + tr(Σ_oo⁻¹ (S_p + d_p d_pᵀ))],   d_p = ȳ_p − μ_o,

so each pattern's sub-covariance is factored once per evaluation, and patterns with the same number of observed
items are processed as one stacked (batched) array. Derivatives with respect to the model parameters θ use the
factored form of ∂Σ/∂θ of :class:`~hsc_analysis.measurement._ml.Engine` (sums of rank-one terms u vᵀ).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_CHUNK = 256  # patterns per batched block in the second-derivative terms (bounds memory)


@dataclass(frozen=True)
class PatternBlock:
    """Patterns with the same number k of observed items: indices (P × k), counts, means, covariances, raw rows."""

    observed: np.ndarray
    n: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    rows: np.ndarray  # every respondent's observed values (R × k), sorted by pattern
    pattern: np.ndarray  # each row's pattern (0..P-1)


@dataclass(frozen=True)
class Patterns:
    """The missing-data patterns of one group: ``n`` respondents (each with ≥ 1 observed item) over ``p`` items."""

    p: int
    n: int
    n_patterns: int
    blocks: tuple[PatternBlock, ...]


def missing_patterns(values: np.ndarray) -> Patterns:
    """Group the rows of ``values`` (NaN = missing; every row has at least one observed value) by pattern."""
    present = ~np.isnan(values)
    keys, inverse = np.unique(present, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    sizes = keys.sum(axis=1)
    blocks = []
    for k in np.unique(sizes):
        which = np.flatnonzero(sizes == k)
        observed = np.array([np.flatnonzero(keys[w]) for w in which])
        local = np.full(len(keys), -1)
        local[which] = np.arange(len(which))
        members = np.flatnonzero(np.isin(inverse, which))
        members = members[np.argsort(local[inverse[members]], kind="stable")]
        pattern = local[inverse[members]]
        rows = values[members[:, None], observed[pattern]]
        n = np.bincount(pattern, minlength=len(which)).astype(float)
        mean = np.stack([np.bincount(pattern, weights=rows[:, j], minlength=len(which)) for j in range(k)], 1)
        mean /= n[:, None]
        centred = rows - mean[pattern]
        cov = np.zeros((len(which), k, k))
        np.add.at(cov, pattern, centred[:, :, None] * centred[:, None, :])
        cov /= n[:, None, None]
        blocks.append(PatternBlock(observed, n, mean, cov, rows, pattern))
    return Patterns(p=values.shape[1], n=len(values), n_patterns=len(keys), blocks=tuple(blocks))


def _sub(matrix: np.ndarray, observed: np.ndarray) -> np.ndarray:
    return matrix[observed[:, :, None], observed[:, None, :]]


def loglik(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray) -> float | None:
    """The casewise log-likelihood, or None where a pattern's Σ_oo is not positive definite."""
    total = 0.0
    for b in patterns.blocks:
        sub = _sub(sigma, b.observed)
        try:
            chol = np.linalg.cholesky(sub)
        except np.linalg.LinAlgError:
            return None
        logdet = 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
        d = b.mean - mu[b.observed]
        inv = np.linalg.inv(sub)
        trace = np.einsum("pij,pji->p", inv, b.cov) + np.einsum("pi,pij,pj->p", d, inv, d)
        k = b.observed.shape[1]
        total -= 0.5 * np.sum(b.n * (k * np.log(2 * np.pi) + logdet + trace))
    return float(total)


def moment_gradient(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∂logL/∂Σ (p × p, entries as independent) and ∂logL/∂μ: Σ_p n_p embed(−½(K − K W K)) and Σ_p n_p embed(K d)."""
    p = patterns.p
    grad_sigma, grad_mu = np.zeros((p, p)), np.zeros(p)
    for b in patterns.blocks:
        inv = np.linalg.inv(_sub(sigma, b.observed))
        d = b.mean - mu[b.observed]
        kd = np.einsum("pij,pj->pi", inv, d)
        kwk = inv @ b.cov @ inv + kd[:, :, None] * kd[:, None, :]
        part = -0.5 * b.n[:, None, None] * (inv - kwk)
        np.add.at(grad_sigma, (b.observed[:, :, None], b.observed[:, None, :]), part)
        np.add.at(grad_mu, b.observed, b.n[:, None] * kd)
    return grad_sigma, grad_mu


def em_moments(patterns: Patterns, *, tol: float = 1e-12, max_iter: int = 5000) -> tuple[np.ndarray, np.ndarray, int]:
    """Saturated-model ML estimates (μ̂, Σ̂) by EM, from the available-case means and a diagonal Σ (as lavaan).

    E-step per pattern: B = Σ_{·o}Σ_oo⁻¹, ŷ = μ + B(ȳ_p − μ_o), E[yyᵀ] = B S_p Bᵀ + ŷŷᵀ + Σ − BΣ_{o·}; the M-step
    averages. Stops when no moment moves by more than ``tol``.
    """
    p, n = patterns.p, patterns.n
    sums = np.zeros(p)
    squares = np.zeros(p)
    counts = np.zeros(p)
    for b in patterns.blocks:
        np.add.at(sums, b.observed, b.n[:, None] * b.mean)
        np.add.at(counts, b.observed, b.n[:, None])
    mu = sums / counts
    for b in patterns.blocks:
        second = b.n[:, None] * (np.diagonal(b.cov, axis1=1, axis2=2) + (b.mean - mu[b.observed]) ** 2)
        np.add.at(squares, b.observed, second)
    sigma = np.diag(np.where(squares > 0, squares / counts, 1.0))
    for iteration in range(1, max_iter + 1):
        t1, t2 = np.zeros(p), np.zeros((p, p))
        for b in patterns.blocks:
            inv = np.linalg.inv(_sub(sigma, b.observed))
            cross = sigma[:, b.observed].transpose(1, 0, 2)  # P × p × k
            reg = cross @ inv
            y_hat = mu + np.einsum("pik,pk->pi", reg, b.mean - mu[b.observed])
            conditional = sigma - reg @ cross.transpose(0, 2, 1)
            second = reg @ b.cov @ reg.transpose(0, 2, 1) + y_hat[:, :, None] * y_hat[:, None, :] + conditional
            t1 += b.n @ y_hat
            t2 += np.einsum("p,pij->ij", b.n, second)
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        new_sigma = (new_sigma + new_sigma.T) / 2
        change = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma)))
        mu, sigma = new_mu, new_sigma
        if change < tol:
            break
    return mu, sigma, iteration


def independence_loglik(patterns: Patterns) -> float:
    """log L of the independence model (free means and variances): each item's univariate ML on its answers."""
    p = patterns.p
    sums, counts, squares = np.zeros(p), np.zeros(p), np.zeros(p)
    for b in patterns.blocks:
        np.add.at(sums, b.observed, b.n[:, None] * b.mean)
        np.add.at(counts, b.observed, b.n[:, None])
    mean = sums / counts
    for b in patterns.blocks:
        np.add.at(squares, b.observed, b.n[:, None] * (np.diagonal(b.cov, axis1=1, axis2=2) + (b.mean - mean[b.observed]) ** 2))
    variance = squares / counts
    return float(-0.5 * np.sum(counts * (np.log(2 * np.pi) + np.log(variance) + 1)))


def moment_information(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """−∂²logL with respect to (μ, every entry of Σ as independent): a (p + p²) square matrix.

    With K = Σ_oo⁻¹, d = ȳ_p − μ_o and W = S_p + d dᵀ embedded in p items (zeros where missing), pattern p adds
    n_p times: μμ: K; μ_l Σ_ij: K_li (Kd)_j; Σ_ij Σ_kl: K_jk (KWK − ½K)_li. Summed over patterns as one matrix
    product (patterns × p²)ᵀ(patterns × p²), so no per-pattern Kronecker product is formed.
    """
    p = patterns.p
    out = np.zeros((p + p * p, p + p * p))
    for b in patterns.blocks:
        for start in range(0, len(b.n), _CHUNK):
            obs = b.observed[start : start + _CHUNK]
            n = b.n[start : start + _CHUNK]
            inv = np.linalg.inv(_sub(sigma, obs))
            kd = np.einsum("pij,pj->pi", inv, b.mean[start : start + _CHUNK] - mu[obs])
            kwk = inv @ b.cov[start : start + _CHUNK] @ inv + kd[:, :, None] * kd[:, None, :]
            k_full, m_full, kd_full = _embed(inv, obs, p), _embed(kwk - 0.5 * inv, obs, p), np.zeros((len(n), p))
            np.put_along_axis(kd_full, obs, kd, axis=1)
            weighted = n[:, None, None] * k_full
            out[:p, :p] += weighted.sum(axis=0)
            out[:p, p:] += np.einsum("pli,pj->lij", weighted, kd_full).reshape(p, p * p)
            # Q[(i,j),(k,l)] = Σ n K_jk M_li: rows (j,k) of K against rows (l,i) of M, then reordered
            q = (weighted.reshape(len(n), p * p).T @ m_full.reshape(len(n), p * p)).reshape(p, p, p, p)
            out[p:, p:] += q.transpose(3, 0, 1, 2).reshape(p * p, p * p)
    out[p:, :p] = out[:p, p:].T
    return (out + out.T) / 2


def _embed(blocks: np.ndarray, observed: np.ndarray, p: int) -> np.ndarray:
    full = np.zeros((len(blocks), p, p))
    full[np.arange(len(blocks))[:, None, None], observed[:, :, None], observed[:, None, :]] = blocks
    return full


def casewise_scores(
    patterns: Patterns, mu: np.ndarray, sigma: np.ndarray, u: np.ndarray, v: np.ndarray, onehot: np.ndarray,
    d_mu: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """∂ log f(y_i)/∂θ of every respondent (rows in block and pattern order).

    s_ik = ½(eᵀΣ_k e − tr(KΣ_k)) + m_kᵀe with e = K(y_o − μ_o), embedded in p items (zero where missing).
    """
    parts = []
    for b in patterns.blocks:
        inv = np.linalg.inv(_sub(sigma, b.observed))
        e_obs = np.einsum("rij,rj->ri", inv[b.pattern], b.rows - mu[b.observed[b.pattern]])
        e = np.zeros((len(b.rows), patterns.p))
        np.put_along_axis(e, b.observed[b.pattern], e_obs, axis=1)
        embedded = np.zeros((len(b.n), patterns.p, patterns.p))
        embedded[np.arange(len(b.n))[:, None, None], b.observed[:, :, None], b.observed[:, None, :]] = inv
        trace = np.einsum("ai,pij,aj->pa", v, embedded, u)[b.pattern]
        parts.append(0.5 * ((e @ u.T) * (e @ v.T) - trace) @ onehot + e @ d_mu.T)
    return np.concatenate(parts)


def saturated_scores(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Casewise scores for (μ, vech Σ) (lower triangle, row-major): e and e_i e_j − K_ij (½(e_i² − K_ii) on the
    diagonal), with e = K(y_o − μ_o) and K = Σ_oo⁻¹ embedded in p items."""
    p = patterns.p
    rows, cols = np.tril_indices(p)
    weight = np.where(rows == cols, 0.5, 1.0)
    parts = []
    for b in patterns.blocks:
        inv = np.linalg.inv(_sub(sigma, b.observed))
        e_obs = np.einsum("rij,rj->ri", inv[b.pattern], b.rows - mu[b.observed[b.pattern]])
        e = np.zeros((len(b.rows), p))
        np.put_along_axis(e, b.observed[b.pattern], e_obs, axis=1)
        k_full = _embed(inv, b.observed, p)[:, rows, cols][b.pattern]
        parts.append(np.hstack([e, weight * (e[:, rows] * e[:, cols] - k_full)]))
    return np.concatenate(parts)
