"""Ordinary least squares for the PROCESS models: coefficients with t-based intervals, the model summary, the test of a
product term and conditional effects (simple slopes) with the Johnson–Neyman boundaries.

Each function takes numpy arrays and the names of the columns; the models in :mod:`process` build the designs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, stats

from hsc_analysis.errors import DataError

COV_TYPES = ("nonrobust", "HC3")


@dataclass(frozen=True)
class Fit:
    """One fitted equation: coefficients, their covariance (OLS or HC3), residual df and the summary row."""

    outcome: str
    terms: tuple[str, ...]
    beta: np.ndarray
    cov: np.ndarray
    df: int
    r_squared: float
    coefficients: pd.DataFrame
    summary: dict


def fit_ols(
    design: np.ndarray,
    y: np.ndarray,
    *,
    terms: Sequence[str],
    outcome: str,
    cov_type: str,
    confidence: float,
    function: str,
) -> Fit:
    """Fit y on ``design`` (whose first column is the constant) by QR; refuse a singular design."""
    n, p = design.shape
    q, r = np.linalg.qr(design)
    diagonal = np.abs(np.diag(r))
    if p >= n or diagonal.min() <= 1e-10 * diagonal.max():
        raise DataError(
            f"{function}: the equation for {outcome} cannot be estimated: its predictors ({', '.join(terms[1:])}) "
            f"are linearly dependent or there are too few cases (n = {n}, {p} coefficients)"
        )
    beta, residual, cov = least_squares(design, y, q=q, r=r, cov_type=cov_type)
    df = n - p
    sse = float(residual @ residual)
    sst = float(((y - y.mean()) ** 2).sum())
    r_squared = 1 - sse / sst
    slopes = slice(1, p)
    if cov_type == "HC3":
        f = float(beta[slopes] @ np.linalg.solve(cov[slopes, slopes], beta[slopes])) / (p - 1)
    else:
        f = (r_squared / (p - 1)) / ((1 - r_squared) / df)
    summary = {
        "outcome": outcome,
        "r": np.sqrt(r_squared),
        "r_squared": r_squared,
        "mse": sse / df,
        "f": f,
        "df1": p - 1,
        "df2": df,
        "p_value": float(stats.f.sf(f, p - 1, df)),
        "n": n,
    }
    table = pd.DataFrame(
        {"outcome": outcome, "term": list(terms), **t_table(beta, np.sqrt(np.diag(cov)), df, confidence)}
    )
    return Fit(outcome, tuple(terms), beta, cov, df, r_squared, table, summary)


def least_squares(
    design: np.ndarray, y: np.ndarray, *, q: np.ndarray, r: np.ndarray, cov_type: str, groups: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients, residuals and coefficient covariance of y on ``design`` from its QR factors ``q, r``.

    ``cov_type``: ``"nonrobust"`` s²(XᵀX)⁻¹; ``"HC3"`` (XᵀX)⁻¹ Xᵀ diag(e_i² / (1 − h_i)²) X (XᵀX)⁻¹ with h the
    leverages; ``"cluster"`` CR1, G/(G − 1) · (N − 1)/(N − p) · (XᵀX)⁻¹ (Σ_g X_gᵀe_g e_gᵀX_g) (XᵀX)⁻¹ for the
    cluster codes ``groups`` (0 … G − 1), as sandwich::vcovCL (HC1) and statsmodels' ``cov_type="cluster"``.
    """
    n, p = design.shape
    beta = linalg.solve_triangular(r, q.T @ y)
    residual = y - design @ beta
    r_inverse = np.linalg.inv(r)  # p × p upper triangular (scipy's solve_triangular is slow on an identity)
    xtx_inverse = r_inverse @ r_inverse.T
    if cov_type == "HC3":
        leverage = np.einsum("ij,ij->i", q, q)
        meat = (design * (residual / (1 - leverage))[:, None] ** 2).T @ design
    elif cov_type == "cluster":
        n_groups = int(groups.max()) + 1
        sums = np.zeros((n_groups, p))
        np.add.at(sums, groups, design * residual[:, None])
        meat = sums.T @ sums * (n_groups / (n_groups - 1) * (n - 1) / (n - p))
    else:
        return beta, residual, xtx_inverse * float(residual @ residual) / (n - p)
    return beta, residual, xtx_inverse @ meat @ xtx_inverse


def t_table(estimate: np.ndarray, se: np.ndarray, df: int, confidence: float) -> dict[str, np.ndarray]:
    """estimate, se, t, df, two-sided p and the t-based interval, as columns."""
    statistic = estimate / se
    half = stats.t.ppf((1 + confidence) / 2, df) * se
    return {
        "estimate": estimate,
        "se": se,
        "statistic": statistic,
        "df": np.full(np.shape(estimate), df),
        "p_value": 2 * stats.t.sf(np.abs(statistic), df),
        "ci_low": estimate - half,
        "ci_high": estimate + half,
    }


def product_test(design: np.ndarray, y: np.ndarray, fit: Fit, column: int) -> dict:
    """R² change when the product term in ``column`` is added last, with its F test (df1 = 1).

    Under HC3 the F is the squared robust t of the product (a Wald test, as PROCESS's ``hc3`` option).
    """
    reduced = np.delete(design, column, axis=1)
    coef, *_ = np.linalg.lstsq(reduced, y, rcond=None)
    residual = y - reduced @ coef
    r_squared_reduced = 1 - float(residual @ residual) / float(((y - y.mean()) ** 2).sum())
    change = fit.r_squared - r_squared_reduced
    f = float(fit.beta[column] ** 2 / fit.cov[column, column])
    return {
        "term": fit.terms[column],
        "r_squared_change": change,
        "f": f,
        "df1": 1,
        "df2": fit.df,
        "p_value": float(stats.f.sf(f, 1, fit.df)),
    }


def probe_values(w: np.ndarray) -> pd.DataFrame:
    """Values of the moderator at which effects are probed: both values of a dichotomous W; otherwise the 16th, 50th
    and 84th percentiles (PROCESS ≥ 3) and the mean and ± 1 SD (PROCESS 2)."""
    distinct = np.unique(w)
    if len(distinct) == 2:
        return pd.DataFrame({"moderator_value": [f"{v:g}" for v in distinct], "w": distinct})
    mean, sd = w.mean(), w.std(ddof=1)
    return pd.DataFrame(
        {
            "moderator_value": [
                "16th percentile",
                "50th percentile",
                "84th percentile",
                "mean - 1 SD",
                "mean",
                "mean + 1 SD",
            ],
            "w": [*np.quantile(w, [0.16, 0.50, 0.84]), mean - sd, mean, mean + sd],
        }
    )


def conditional_effects(
    fit: Fit, *, focal: int, product: int, w: np.ndarray, shift: float, confidence: float
) -> pd.DataFrame:
    """θ(w) = b_focal + b_product · (w − shift) with SE √(V_ff + 2(w − shift)V_fp + (w − shift)²V_pp), t-based."""
    centred = np.asarray(w, dtype=float) - shift
    estimate = fit.beta[focal] + fit.beta[product] * centred
    v = fit.cov
    se = np.sqrt(v[focal, focal] + 2 * centred * v[focal, product] + centred**2 * v[product, product])
    return pd.DataFrame(t_table(estimate, se, fit.df, confidence))


def johnson_neyman(
    fit: Fit, *, focal: int, product: int, w: np.ndarray, shift: float, confidence: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Boundaries of significance of θ(w) inside the observed range of W, and the regions between them.

    The boundaries solve θ(w)² = t²_crit · Var θ(w), a quadratic in w; only real roots within [min W, max W] count
    (as PROCESS prints them). Returns (boundaries: ``w, share_below, share_above``; regions: ``w_from, w_to,
    significant, share``), W in the data's metric; both empty for a dichotomous W.
    """
    boundary_columns = ["w", "share_below", "share_above"]
    region_columns = ["w_from", "w_to", "significant", "share"]
    if len(np.unique(w)) <= 2:
        return pd.DataFrame(columns=boundary_columns), pd.DataFrame(columns=region_columns)
    t2 = stats.t.ppf((1 + confidence) / 2, fit.df) ** 2
    b1, b3 = fit.beta[focal], fit.beta[product]
    v11, v13, v33 = fit.cov[focal, focal], fit.cov[focal, product], fit.cov[product, product]
    roots = np.roots([b3**2 - t2 * v33, 2 * (b1 * b3 - t2 * v13), b1**2 - t2 * v11])
    low, high = w.min(), w.max()
    roots = np.sort(roots[np.isreal(roots)].real + shift)
    roots = roots[(roots > low) & (roots < high)]
    boundaries = pd.DataFrame(
        {"w": roots, "share_below": [np.mean(w < b) for b in roots], "share_above": [np.mean(w > b) for b in roots]},
        columns=boundary_columns,
    )
    edges = np.r_[low, roots, high]
    middle = (edges[:-1] + edges[1:]) / 2
    middle_effects = conditional_effects(
        fit, focal=focal, product=product, w=middle, shift=shift, confidence=confidence
    )
    region = np.clip(np.searchsorted(roots, w, side="left"), 0, len(roots))
    regions = pd.DataFrame(
        {
            "w_from": edges[:-1],
            "w_to": edges[1:],
            "significant": (middle_effects["p_value"] < 1 - confidence).to_numpy(),
            "share": np.bincount(region, minlength=len(roots) + 1) / len(w),
        }
    )
    return boundaries, regions
