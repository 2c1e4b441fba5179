"""Casewise (full-information) ML of a factor model, its observed information, and the robust (MLR) pieces.

F(θ) = −2 log L(θ)/N over the missing-data patterns of every group (see :mod:`._fiml`). Fisher scoring uses the
complete-data expected information as the metric (exact at the optimum only without missing values), which
converges at the rate of the fraction of missing information. Standard errors use the observed information
−∂²log L/∂θ∂θᵀ = Δᵀ H Δ − Σ (∂log L/∂(μ, Σ)) ∂²(μ, Σ)/∂θ∂θᵀ, with H the (μ, Σ) information of
:func:`._fiml.moment_information` and Δ = ∂(μ, Σ)/∂θ (Δᵀ H Δ formed directly, without H, by
:func:`._fiml.parameter_information`), and the last term by central differences of an analytic gradient in the
parameters that enter non-linearly (cheap: it involves the model matrices only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.linalg import block_diag

from hsc_analysis.measurement._fiml import (
    Patterns,
    casewise_scores,
    independence_loglik,
    item_moments,
    loglik,
    moment_gradient,
    moment_information,
    parameter_information,
    saturated_scores,
)
from hsc_analysis.measurement._ml import Engine, Moments, Optimum, fisher_scoring


def fit(engine: Engine, start: np.ndarray, patterns: dict[int, Patterns], moments: dict[int, Moments]) -> Optimum:
    """Minimise −2 log L/N from ``start``; ``moments`` (the saturated estimates) only give the scoring metric."""
    n_total = sum(p.n for p in patterns.values())

    def objective(theta: np.ndarray) -> float:
        total = 0.0
        for g, pat in patterns.items():
            mats = engine.matrices(theta, g)
            value = loglik(pat, mats["mu"], mats["sigma"])
            if value is None:
                return np.inf
            total += value
        return -2 * total / n_total

    def gradient_information(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grad = np.zeros(engine.n_free)
        for g, pat in patterns.items():
            mats = engine.matrices(theta, g)
            grad_sigma, grad_mu = moment_gradient(pat, mats["mu"], mats["sigma"])
            grad += _chain(engine, theta, g, grad_sigma, grad_mu)
        return -2 * grad / n_total, engine.gradient_information(theta, moments)[1]

    return fisher_scoring(objective, gradient_information, start)


def _chain(engine: Engine, theta: np.ndarray, group: int, grad_sigma: np.ndarray, grad_mu: np.ndarray) -> np.ndarray:
    """Σ_ij G_ij ∂Σ_ij/∂θ + gᵀ ∂μ/∂θ for fixed G, g."""
    u, v, onehot, d_mu = engine.derivatives(theta, group)
    return onehot.T @ np.sum((u @ grad_sigma) * v, axis=1) + d_mu @ grad_mu


def jacobian(engine: Engine, theta: np.ndarray, group: int) -> np.ndarray:
    """Δ = ∂(μ, vec Σ)/∂θ: (p + p²) × q."""
    u, v, onehot, d_mu = engine.derivatives(theta, group)
    d_sigma = (u[:, :, None] * v[:, None, :]).reshape(len(u), -1).T @ onehot
    return np.vstack([d_mu.T, d_sigma])


def observed_information(engine: Engine, theta: np.ndarray, patterns: dict[int, Patterns]) -> np.ndarray:
    """−∂²log L/∂θ∂θᵀ (total over respondents, not per observation)."""
    out = np.zeros((engine.n_free, engine.n_free))
    step = 1e-5 * np.maximum(np.abs(theta), 1.0)
    # Θ and ν enter Σ and μ linearly: ∂(μ, Σ)/∂θ does not depend on them, so their second derivatives are 0
    table = engine.table
    curved = np.unique(table.loc[(table["free"] >= 0) & ~table["matrix"].isin(["theta", "nu"]), "free"])
    for g, pat in patterns.items():
        mats = engine.matrices(theta, g)
        out += parameter_information(pat, mats["mu"], mats["sigma"], *engine.derivatives(theta, g))
        grad_sigma, grad_mu = moment_gradient(pat, mats["mu"], mats["sigma"])
        second = np.zeros_like(out)
        for k in curved:
            up, down = theta.copy(), theta.copy()
            up[k] += step[k]
            down[k] -= step[k]
            second[:, k] = (
                _chain(engine, up, g, grad_sigma, grad_mu) - _chain(engine, down, g, grad_sigma, grad_mu)
            ) / (2 * step[k])
        out -= (second + second.T) / 2
    return (out + out.T) / 2


def first_order(engine: Engine, theta: np.ndarray, patterns: dict[int, Patterns]) -> np.ndarray:
    """Σ_i s_i s_iᵀ of the casewise scores s_i = ∂ log f(y_i)/∂θ at θ (the sandwich's meat, total)."""
    out = np.zeros((engine.n_free, engine.n_free))
    for g, pat in patterns.items():
        mats = engine.matrices(theta, g)
        scores = casewise_scores(pat, mats["mu"], mats["sigma"], *engine.derivatives(theta, g))
        out += scores.T @ scores
    return out


@dataclass(frozen=True)
class SaturatedPieces:
    """Per-observation h1 information A1 and first-order B1 at the saturated estimates, in (μ, vech Σ)."""

    information: np.ndarray
    first_order: np.ndarray
    duplication: np.ndarray
    sigma: np.ndarray  # (p + p²) × (p + p(p+1)/2): ∂(μ, vec Σ)/∂(μ, vech Σ)


def saturated_pieces(pat: Patterns, mu: np.ndarray, sigma: np.ndarray) -> SaturatedPieces:
    p = pat.p
    rows, cols = np.tril_indices(p)
    dup = np.zeros((p + p * p, p + len(rows)))
    dup[np.arange(p), np.arange(p)] = 1.0
    dup[p + rows * p + cols, p + np.arange(len(rows))] = 1.0
    dup[p + cols * p + rows, p + np.arange(len(rows))] = 1.0
    information = dup.T @ moment_information(pat, mu, sigma) @ dup / pat.n
    scores = saturated_scores(pat, mu, sigma)
    return SaturatedPieces(information, scores.T @ scores / pat.n, dup, sigma)


@dataclass(frozen=True)
class Robust:
    """Everything beyond the estimates: log-likelihoods and χ² under FIML, the parameter covariance (observed
    information, or the Huber–White sandwich for MLR) and, for MLR, the Yuan–Bentler scaling and robust indices."""

    chisq: float
    logl: float
    baseline_chisq: float
    covariance: np.ndarray
    identified: bool
    scaling_factor: float = np.nan
    baseline_scaling: float = np.nan
    robust: dict | None = None  # x2, x2_null, c_hat, c_hat_null of the robust CFI, TLI and RMSEA

    @classmethod
    def compute(cls, engine, theta, patterns, moments, *, mlr: bool) -> Robust:
        logl = h1 = baseline = 0.0
        for g, pat in patterns.items():
            mats = engine.matrices(theta, g)
            logl += loglik(pat, mats["mu"], mats["sigma"])
            h1 += loglik(pat, moments[g].mean, moments[g].cov)
            baseline += independence_loglik(pat)
        information = observed_information(engine, theta, patterns)
        eigen = np.linalg.eigvalsh(information)
        identified = eigen.min() > 1e-10 * max(eigen.max(), 1.0)
        inverse = np.linalg.inv(information) if identified else np.full_like(information, np.nan)
        chisq = 2 * (h1 - logl)
        if not mlr:
            return cls(chisq, logl, 2 * (h1 - baseline), inverse, identified)
        meat = first_order(engine, theta, patterns)
        covariance = inverse @ meat @ inverse
        df = sum(pat.p * (pat.p + 3) // 2 for pat in patterns.values()) - engine.n_free
        pieces = {g: saturated_pieces(pat, moments[g].mean, moments[g].cov) for g, pat in patterns.items()}
        trace_h1 = sum(np.sum(pc.first_order * np.linalg.inv(pc.information).T) for pc in pieces.values())
        scaling = (trace_h1 - np.sum(meat * inverse.T)) / df if identified and df > 0 else np.nan
        trace_null, x2, x2_null = 0.0, 0.0, 0.0
        for g, pat in patterns.items():
            count, mean, var, kurtosis = item_moments(pat)
            trace_null += np.sum(1 + kurtosis / (2 * count))  # tr(B₀E₀⁻¹) of the independence model
            mats = engine.matrices(theta, g)
            x2 += _complete_data_chisq(mats["mu"], mats["sigma"], moments[g])
            x2_null += _complete_data_chisq(mean, np.diag(var), moments[g])
        df_null = sum(pat.p * (pat.p - 1) // 2 for pat in patterns.values())
        baseline_scaling = (trace_h1 - trace_null) / df_null
        complete = all(pat.n_patterns == 1 and pat.blocks[0].observed.shape[1] == pat.p for pat in patterns.values())
        # complete data: c, c₀ are the Yuan–Bentler scalings of the model and the independence model (lavaan)
        c_hat, c_null = (scaling, baseline_scaling) if complete else _fiml_corrected(engine, theta, patterns, pieces)
        robust = {"x2": x2, "x2_null": x2_null, "c_hat": c_hat, "c_hat_null": c_null}
        return cls(chisq, logl, 2 * (h1 - baseline), covariance, identified, scaling, baseline_scaling, robust)

    def scaled_measures(self, fit: pd.Series, *, n_groups: int) -> pd.Series:
        """MLR additions to the fit set: the Yuan–Bentler scaled χ² and the robust CFI, TLI and RMSEA."""
        chisq, df = fit["chisq"], fit["df"]
        scaled = chisq / self.scaling_factor
        values = {
            "chisq_scaled": scaled,
            "p_value_scaled": float(stats.chi2.sf(scaled, df)) if df > 0 else np.nan,
            "scaling_factor": self.scaling_factor,
            "baseline_chisq_scaled": fit["baseline_chisq"] / self.baseline_scaling,
            "cfi_robust": _cfi(**self.robust, df=df, df_null=fit["baseline_df"]),
            "tli_robust": _tli(**self.robust, df=df, df_null=fit["baseline_df"]),
            "rmsea_robust": np.sqrt(n_groups)
            * np.sqrt(max(self.robust["x2"] / fit["n"] / df - self.robust["c_hat"] / fit["n"], 0.0))
            if df > 0
            else 0.0,
        }
        return pd.Series(values, name="value")


def _cfi(*, x2, x2_null, c_hat, c_hat_null, df, df_null) -> float:
    """lavaan's ``lav_fit_cfi`` with the scaling corrections c, c₀ (Brosseau-Liard & Savalei 2014)."""
    t1 = max(x2 - c_hat * df, 0.0)
    t2 = max(x2 - c_hat * df, x2_null - c_hat_null * df_null, 0.0)
    return 1.0 if np.isclose(t1, 0) and np.isclose(t2, 0) else 1 - t1 / t2


def _tli(*, x2, x2_null, c_hat, c_hat_null, df, df_null) -> float:
    t1 = (x2 - c_hat * df) * df_null
    t2 = (x2_null - c_hat_null * df_null) * df
    return 1 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def _complete_data_chisq(mu, sigma, moments: Moments) -> float:
    inv = np.linalg.inv(sigma)
    d = moments.mean - mu
    value = np.linalg.slogdet(sigma)[1] + np.trace(moments.cov @ inv) - np.linalg.slogdet(moments.cov)[1]
    return float(moments.n * (value - len(mu) + d @ inv @ d))


def _fiml_corrected(engine, theta, patterns, pieces) -> tuple[float, float]:
    """Incomplete data: c and c₀ of lavaan's FIML-corrected (version V3) robust indices (``lav_fit_fiml_corrected``).

    With Wm, Jm the observed and first-order saturated information at the EM moments, Wc the complete-data
    information at the same moments, Γ = Wm⁻¹JmWm⁻¹ and U = Wm − WmΔ(ΔᵀWmΔ)⁻¹ΔᵀWm (Δ = ∂(μ, vech Σ)/∂θ),
    c = tr(U Wm⁻¹ Wc Wm⁻¹ U Γ)/df and T₃ the complete-data χ² of θ̂ against the EM moments; the same for the
    independence model gives c₀ and T₃₀.
    """
    n_total = sum(pat.n for pat in patterns.values())
    wm, wmi, wc, gamma, delta, delta_null = [], [], [], [], [], []
    for g, pat in patterns.items():
        p = pat.p
        rows, cols = np.tril_indices(p)
        vech = np.r_[np.arange(p), p + rows * p + cols]
        info = pieces[g].information
        info_inv = np.linalg.inv(info)
        inv = np.linalg.inv(pieces[g].sigma)
        full = np.zeros((p + p * p, p + p * p))
        full[:p, :p] = inv
        full[p:, p:] = 0.5 * np.einsum("jk,li->ijkl", inv, inv).reshape(p * p, p * p)
        fg = pat.n / n_total
        wm.append(fg * info)
        wmi.append(info_inv / fg)
        wc.append(fg * pieces[g].duplication.T @ full @ pieces[g].duplication)
        gamma.append(info_inv @ pieces[g].first_order @ info_inv / fg)
        delta.append(jacobian(engine, theta, g)[vech])
        select = np.zeros((len(vech), 2 * p))
        select[np.arange(p), np.arange(p)] = 1.0
        select[p + np.flatnonzero(rows == cols), p + np.arange(p)] = 1.0
        delta_null.append(select)
    wm, wmi, wc, gamma = (block_diag(*m) for m in (wm, wmi, wc, gamma))
    middle = wmi @ wc @ wmi

    def trace(d):
        u = wm - wm @ d @ np.linalg.solve(d.T @ wm @ d, d.T @ wm)
        return np.sum((u @ middle @ u) * gamma.T)

    df = sum(pat.p * (pat.p + 3) // 2 for pat in patterns.values()) - engine.n_free
    df_null = sum(pat.p * (pat.p - 1) // 2 for pat in patterns.values())
    return trace(np.vstack(delta)) / df, trace(block_diag(*delta_null)) / df_null
