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
    """Patterns with the same number k of observed items: observed (P × k) and missing (P × (p − k)) indices,
    counts, means, covariances (divisor n_p), and the raw rows (R × k, sorted by pattern) with their pattern."""

    observed: np.ndarray
    missing: np.ndarray
    n: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    rows: np.ndarray
    pattern: np.ndarray


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
    packed = np.ascontiguousarray(np.packbits(present, axis=1))
    _, first, inverse = np.unique(
        packed.view(np.dtype((np.void, packed.shape[1]))).ravel(), return_index=True, return_inverse=True
    )
    keys = present[first]
    sizes = keys.sum(axis=1)
    blocks = []
    for k in np.unique(sizes):
        which = np.flatnonzero(sizes == k)
        observed = np.nonzero(keys[which])[1].reshape(len(which), k)
        missing = np.nonzero(~keys[which])[1].reshape(len(which), values.shape[1] - k)
        local = np.full(len(keys), -1)
        local[which] = np.arange(len(which))
        members = np.flatnonzero(local[inverse] >= 0)
        members = members[np.argsort(local[inverse[members]], kind="stable")]
        pattern = local[inverse[members]]
        rows = values[members[:, None], observed[pattern]]
        n = np.bincount(pattern, minlength=len(which)).astype(float)
        starts = np.r_[0, np.cumsum(n[:-1])].astype(int)
        mean = np.add.reduceat(rows, starts, axis=0) / n[:, None]
        centred = rows - mean[pattern]
        cov = np.stack([c.T @ c for c in np.split(centred, starts[1:])]) / n[:, None, None]
        blocks.append(PatternBlock(observed, missing, n, mean, cov, rows, pattern))
    return Patterns(p=values.shape[1], n=len(values), n_patterns=len(keys), blocks=tuple(blocks))


def _sub(matrix: np.ndarray, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    cols = rows if cols is None else cols
    return matrix[rows[:, :, None], cols[:, None, :]]


def _scatter(values: np.ndarray, observed: np.ndarray, p: int) -> np.ndarray:
    """Σ over patterns of each P × k × k block (or P × k vector) placed at its observed items of a p-space."""
    if values.ndim == 2:
        return np.bincount(observed.ravel(), weights=values.ravel(), minlength=p)
    index = (observed[:, :, None] * p + observed[:, None, :]).ravel()
    return np.bincount(index, weights=values.ravel(), minlength=p * p).reshape(p, p)


def inverses(patterns: Patterns, sigma: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Per block: K = Σ_oo⁻¹ of every pattern and log|Σ_oo|; None when one is not positive definite.

    From A = Σ⁻¹ (factored once), K = A_oo − A_om A_mm⁻¹ A_mo and log|Σ_oo| = log|Σ| + log|A_mm| (Schur
    complements), which costs O(k²m) per pattern with m missing items instead of O(k³). Where Σ itself is not
    positive definite, each Σ_oo is factored directly.
    """
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return _direct_inverses(patterns, sigma)
    logdet = 2 * np.log(np.diag(chol)).sum()
    eye = np.eye(len(sigma))
    a = np.linalg.solve(chol.T, np.linalg.solve(chol, eye))
    a = (a + a.T) / 2
    out = []
    for b in patterns.blocks:
        k_oo = _sub(a, b.observed)
        if b.missing.shape[1] == 0:
            out.append((k_oo, np.full(len(b.n), logdet)))
            continue
        a_mm, a_mo = _sub(a, b.missing), _sub(a, b.missing, b.observed)
        c = np.linalg.inv(a_mm)
        out.append((k_oo - a_mo.transpose(0, 2, 1) @ c @ a_mo, logdet + np.linalg.slogdet(a_mm)[1]))
    return out


def _direct_inverses(patterns: Patterns, sigma: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]] | None:
    out = []
    for b in patterns.blocks:
        sub = _sub(sigma, b.observed)
        try:
            chol = np.linalg.cholesky(sub)
        except np.linalg.LinAlgError:
            return None
        out.append((np.linalg.inv(sub), 2 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)))
    return out


def loglik(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray) -> float | None:
    """The casewise log-likelihood, or None where a pattern's Σ_oo is not positive definite."""
    factors = inverses(patterns, sigma)
    if factors is None:
        return None
    total = 0.0
    for b, (inv, logdet) in zip(patterns.blocks, factors, strict=True):
        d = b.mean - mu[b.observed]
        trace = np.einsum("pij,pji->p", inv, b.cov) + np.einsum("pi,pij,pj->p", d, inv, d)
        k = b.observed.shape[1]
        total -= 0.5 * np.sum(b.n * (k * np.log(2 * np.pi) + logdet + trace))
    return float(total)


def moment_gradient(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """∂logL/∂Σ (p × p, entries as independent) and ∂logL/∂μ: Σ_p n_p embed(−½(K − K W K)) and Σ_p n_p embed(K d)."""
    p = patterns.p
    grad_sigma, grad_mu = np.zeros((p, p)), np.zeros(p)
    for b, (inv, _) in zip(patterns.blocks, inverses(patterns, sigma), strict=True):
        kd = np.einsum("pij,pj->pi", inv, b.mean - mu[b.observed])
        kwk = inv @ b.cov @ inv + kd[:, :, None] * kd[:, None, :]
        grad_sigma += _scatter(-0.5 * b.n[:, None, None] * (inv - kwk), b.observed, p)
        grad_mu += _scatter(b.n[:, None] * kd, b.observed, p)
    return grad_sigma, grad_mu


def item_moments(patterns: Patterns) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each item over its answers: count n_i, mean, ML variance s_i and Σ (r²/s_i − 1)² (r the deviations)."""
    p = patterns.p
    items = np.concatenate([b.observed[b.pattern].ravel() for b in patterns.blocks])
    values = np.concatenate([b.rows.ravel() for b in patterns.blocks])
    count = np.bincount(items, minlength=p).astype(float)
    mean = np.bincount(items, weights=values, minlength=p) / count
    squares = (values - mean[items]) ** 2
    var = np.bincount(items, weights=squares, minlength=p) / count
    kurtosis = np.bincount(items, weights=(squares / var[items] - 1) ** 2, minlength=p)
    return count, mean, var, kurtosis


def em_moments(patterns: Patterns, *, tol: float = 1e-10, max_iter: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    """Saturated-model ML estimates (μ̂, Σ̂) by EM, from the available-case means and variances (as lavaan).

    E-step per pattern, with A = Σ⁻¹ and C = A_mm⁻¹ (the conditional covariance of the missing items): the
    regression of y_m on y_o is B = −C A_mo, ŷ_m = μ_m + B(ȳ_p − μ_o), and the expected second moments are
    S_p + ȳȳᵀ (oo), S_p Bᵀ + ȳ ŷ_mᵀ (om), B S_p Bᵀ + ŷ_m ŷ_mᵀ + C (mm); the M-step averages. Stops when no moment
    moves by more than ``tol``.
    """
    p, n = patterns.p, patterns.n
    _, mu, var, _ = item_moments(patterns)
    sigma = np.diag(np.where(var > 0, var, 1.0))
    for _ in range(max_iter):
        a = np.linalg.inv(sigma)
        t1, t2 = np.zeros(p), np.zeros((p, p))
        for b in patterns.blocks:
            obs, mis = b.observed, b.missing
            t1 += _scatter(b.n[:, None] * b.mean, obs, p)
            t2 += _scatter(b.n[:, None, None] * (b.cov + b.mean[:, :, None] * b.mean[:, None, :]), obs, p)
            if mis.shape[1] == 0:
                continue
            c = np.linalg.inv(_sub(a, mis))
            reg = -c @ _sub(a, mis, obs)
            y_hat = mu[mis] + np.einsum("pmk,pk->pm", reg, b.mean - mu[obs])
            om = b.cov @ reg.transpose(0, 2, 1) + b.mean[:, :, None] * y_hat[:, None, :]
            mm = reg @ b.cov @ reg.transpose(0, 2, 1) + y_hat[:, :, None] * y_hat[:, None, :] + c
            t1 += _scatter(b.n[:, None] * y_hat, mis, p)
            index = (obs[:, :, None] * p + mis[:, None, :]).ravel()
            cross = np.bincount(index, weights=(b.n[:, None, None] * om).ravel(), minlength=p * p).reshape(p, p)
            t2 += cross + cross.T + _scatter(b.n[:, None, None] * mm, mis, p)
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        new_sigma = (new_sigma + new_sigma.T) / 2
        change = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma)))
        mu, sigma = new_mu, new_sigma
        if change < tol:
            break
    return mu, sigma


def independence_loglik(patterns: Patterns) -> float:
    """log L of the independence model (free means and variances): each item's univariate ML on its answers."""
    count, _, var, _ = item_moments(patterns)
    return float(-0.5 * np.sum(count * (np.log(2 * np.pi) + np.log(var) + 1)))


def moment_information(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """−∂²logL with respect to (μ, every entry of Σ as independent): a (p + p²) square matrix.

    With K = Σ_oo⁻¹, d = ȳ_p − μ_o and W = S_p + d dᵀ embedded in p items (zeros where missing), pattern p adds
    n_p times: μμ: K; μ_l Σ_ij: K_li (Kd)_j; Σ_ij Σ_kl: K_jk (KWK − ½K)_li. Summed over patterns as one matrix
    product (patterns × p²)ᵀ(patterns × p²), so no per-pattern Kronecker product is formed.
    """
    p = patterns.p
    out = np.zeros((p + p * p, p + p * p))
    for obs, n, inv, kd, m in _pattern_terms(patterns, mu, sigma, _CHUNK):
        k_full, m_full, kd_full = _embed(inv, obs, p), _embed(m, obs, p), np.zeros((len(n), p))
        np.put_along_axis(kd_full, obs, kd, axis=1)
        weighted = n[:, None, None] * k_full
        out[:p, :p] += weighted.sum(axis=0)
        out[:p, p:] += np.einsum("pli,pj->lij", weighted, kd_full).reshape(p, p * p)
        # Q[(i,j),(k,l)] = Σ n K_jk M_li: rows (j,k) of K against rows (l,i) of M, then reordered
        q = (weighted.reshape(len(n), p * p).T @ m_full.reshape(len(n), p * p)).reshape(p, p, p, p)
        out[p:, p:] += q.transpose(3, 0, 1, 2).reshape(p * p, p * p)
    out[p:, :p] = out[:p, p:].T
    return (out + out.T) / 2


def _pattern_terms(patterns: Patterns, mu: np.ndarray, sigma: np.ndarray, chunk: int):
    """Per chunk of at most ``chunk`` patterns: observed items, counts n, K = Σ_oo⁻¹, Kd and M = KWK − ½K."""
    for b, (inverse, _) in zip(patterns.blocks, inverses(patterns, sigma), strict=True):
        for start in range(0, len(b.n), chunk):
            part = slice(start, start + chunk)
            obs, inv = b.observed[part], inverse[part]
            kd = np.einsum("pij,pj->pi", inv, b.mean[part] - mu[obs])
            yield obs, b.n[part], inv, kd, inv @ b.cov[part] @ inv + kd[:, :, None] * kd[:, None, :] - 0.5 * inv


def parameter_information(
    patterns: Patterns, mu: np.ndarray, sigma: np.ndarray, u: np.ndarray, v: np.ndarray, onehot: np.ndarray,
    d_mu: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Δᵀ H Δ for the (μ, Σ) information H of :func:`moment_information` and Δ = ∂(μ, vec Σ)/∂θ in the factored
    form of :meth:`~hsc_analysis.measurement._ml.Engine.derivatives`, without forming H (a (p + p²) square).

    With ∂Σ/∂θ_a = Σ_r∈a u_r v_rᵀ, the Σ Σ block tr(∂Σ_a K ∂Σ_b M) is Σ_r∈a,s∈b (v_rᵀ K u_s)(v_sᵀ M u_r), the μ Σ
    block ∂μ_aᵀ K ∂Σ_b Kd and the μ μ block ∂μ_aᵀ K ∂μ_b (K, M, d per pattern as in :func:`moment_information`).
    The vectors u, v come from a few distinct ones (unit vectors and columns of ΛA, ΛC): each pattern's K and M
    are projected once onto those (d × d), and the R × R terms gathered from the projections.
    """
    p = patterns.p
    basis, index = np.unique(np.vstack([u, v]), axis=0, return_inverse=True)
    iu, iv = index[: len(u)], index[len(u) :]
    d = len(basis)
    pair_k = (iv[:, None] * d + iu[None, :]).ravel()  # (r, s) → K̃[iv_r, iu_s]
    pair_m = (iv[None, :] * d + iu[:, None]).ravel()  # (r, s) → M̃[iv_s, iu_r]
    sigma_block = np.zeros(len(u) * len(u))
    mu_mu = np.zeros((p, p))
    mu_sigma = np.zeros((p, d, d))  # Σ_p n_p (K B_oᵀ)[l, α] (B kd)[β]
    for obs, n, inv, kd, m in _pattern_terms(patterns, mu, sigma, _CHUNK // 4):  # the R × R gathers: the largest
        projection = basis.T[obs]  # P × k × d
        k_basis = inv @ projection
        k_tilde = projection.transpose(0, 2, 1) @ k_basis
        m_tilde = projection.transpose(0, 2, 1) @ m @ projection
        # rows of the pattern-last copies: a contiguous take, several times faster than along the last axis
        k_pairs = np.ascontiguousarray(k_tilde.reshape(len(n), d * d).T).take(pair_k, axis=0)
        sigma_block += (k_pairs * np.ascontiguousarray(m_tilde.reshape(len(n), d * d).T).take(pair_m, axis=0)) @ n
        mu_mu += _scatter(n[:, None, None] * inv, obs, p)
        k_rows = np.zeros((len(n), p, d))
        k_rows[np.arange(len(n))[:, None], obs] = n[:, None, None] * k_basis
        kd_basis = np.einsum("pkd,pk->pd", projection, kd)
        mu_sigma += (k_rows.reshape(len(n), p * d).T @ kd_basis).reshape(p, d, d)
    cross = d_mu @ mu_sigma[:, iu, iv] @ onehot
    out = onehot.T @ sigma_block.reshape(len(u), len(u)) @ onehot + d_mu @ mu_mu @ d_mu.T + cross + cross.T
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
    for b, (inv, _) in zip(patterns.blocks, inverses(patterns, sigma), strict=True):
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
    for b, (inv, _) in zip(patterns.blocks, inverses(patterns, sigma), strict=True):
        e_obs = np.einsum("rij,rj->ri", inv[b.pattern], b.rows - mu[b.observed[b.pattern]])
        e = np.zeros((len(b.rows), p))
        np.put_along_axis(e, b.observed[b.pattern], e_obs, axis=1)
        k_full = _embed(inv, b.observed, p)[:, rows, cols][b.pattern]
        parts.append(np.hstack([e, weight * (e[:, rows] * e[:, cols] - k_full)]))
    return np.concatenate(parts)
