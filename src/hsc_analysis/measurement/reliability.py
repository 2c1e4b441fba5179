"""Reliability of scales: Cronbach's α (with Feldt and bootstrap intervals), McDonald's ω, ordinal α/ω from
polychoric correlations, and item analysis (corrected item–total r, α if item deleted, 27 % extreme groups).

Items are analysed as given: key them first (:func:`hsc_analysis.scoring.key_items` recodes reverse items), or
call :func:`reliability` with the instrument, which does it. An item that correlates negatively with the rest of
its scale is flagged — it was probably not reverse-keyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement._extraction import extract
from hsc_analysis.measurement._matrix import (
    NAN_POLICIES,
    Moments,
    check_option,
    checked_correlation,
    item_columns,
    item_matrix,
    item_values,
    pearson,
    policy_rows,
    require_respondents,
    require_spread,
    require_variance,
    rows_of,
)
from hsc_analysis.measurement._rotation import oblimin
from hsc_analysis.measurement.polychoric import polychoric
from hsc_analysis.moments import group_moments, row_blocks
from hsc_analysis.scoring import key_items, keyed_blocks, keyed_matrix

__all__ = [
    "AlphaResult",
    "ExtremeGroups",
    "OmegaResult",
    "cronbach_alpha",
    "extreme_cuts",
    "item_analysis",
    "item_table",
    "item_table_of_moments",
    "mcdonald_omega",
    "reliability",
    "reliability_of_moments",
    "total_counts",
]

_ITEM_COLUMNS = (
    "item",
    "n",
    "mean",
    "sd",
    "item_total_r",
    "alpha_if_deleted",
    "std_alpha_if_deleted",
    "critical_ratio",
    "critical_ratio_df",
    "p_value",
    "n_low",
    "n_high",
    "flag",
)
NEGATIVE_ITEM = "negative item–total correlation: probably not reverse-keyed"
_BOOT_CHUNK = 100  # resamples per matrix product: bounds memory at about 100 × n × 8 bytes


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's α of one scale.

    Attributes
    ----------
    estimate : float
        Raw α (from covariances).
    std_alpha : float
        Standardised α (from correlations).
    average_r : float
        Mean inter-item correlation.
    ci_low, ci_high : float
        Feldt's interval at ``confidence``.
    boot_ci_low, boot_ci_high : float
        Percentile bootstrap interval (NaN when ``n_boot`` is 0).
    n : int
        Respondents used (complete rows under listwise; rows with any answer under pairwise).
    """

    estimate: float
    std_alpha: float
    average_r: float
    ci_low: float
    ci_high: float
    boot_ci_low: float
    boot_ci_high: float
    confidence: float
    n_boot: int
    seed: int | None
    n: int
    n_items: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def _alpha_parts(cov: np.ndarray) -> tuple[float, float, float]:
    """Raw α, standardised α and mean r from a covariance matrix (R = cov2cor(C), as psych::alpha)."""
    k = len(cov)
    sd = np.sqrt(np.diag(cov))
    cor_sum = (cov / np.outer(sd, sd)).sum()
    raw = (1 - np.trace(cov) / cov.sum()) * k / (k - 1)
    return raw, (1 - k / cor_sum) * k / (k - 1), (cor_sum - k) / (k * (k - 1))


def _feldt(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - confidence) / 2
    return 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2), 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)


def _bootstrap_alpha(values: np.ndarray, *, n_boot: int, seed: int) -> np.ndarray:
    """Raw α of ``n_boot`` resamples of the rows, from one index array, without copying the data per resample.

    A resample is a vector of row counts w, so each of its moment sums is w @ (a column of per-row terms): all
    resamples' moments come from one matrix product per chunk. Complete data need only Σx_i, Σx_i², ΣT, ΣT² (T the
    total); with missing answers the pairwise-complete counts, sums and cross-products of every pair are summed.
    """
    n, k = values.shape
    terms, alpha_of = _moment_terms(values)
    index = np.random.default_rng(seed).integers(0, n, size=(n_boot, n), dtype=np.int32)
    alphas = np.empty(n_boot)
    for start in range(0, n_boot, _BOOT_CHUNK):
        block = index[start : start + _BOOT_CHUNK]
        offsets = (np.arange(len(block)) * n)[:, None]
        counts = np.bincount((block + offsets).ravel(), minlength=len(block) * n).reshape(len(block), n)
        alphas[start : start + len(block)] = alpha_of(counts @ terms, n, k)
    return alphas


def _moment_terms(values: np.ndarray):
    """Per-row terms whose weighted sums give each resample's α, and the function that turns the sums into α."""
    present = ~np.isnan(values)
    if present.all():
        total = values.sum(axis=1, keepdims=True)
        return np.hstack([values, values**2, total, total**2]), _alpha_complete
    x = np.where(present, values, 0.0)
    m = present.astype(float)
    i, j = (a.ravel() for a in np.meshgrid(np.arange(values.shape[1]), np.arange(values.shape[1]), indexing="ij"))
    return np.hstack([m[:, i] * m[:, j], x[:, i] * m[:, j], x[:, i] * x[:, j]]), _alpha_pairwise


def _alpha_complete(sums: np.ndarray, n: int, k: int) -> np.ndarray:
    item_sum, item_square, total_sum, total_square = sums[:, :k], sums[:, k : 2 * k], sums[:, -2], sums[:, -1]
    item_variance = (item_square - item_sum**2 / n).sum(axis=1)
    total_variance = total_square - total_sum**2 / n
    return (1 - item_variance / total_variance) * k / (k - 1)


def _alpha_pairwise(sums: np.ndarray, n: int, k: int) -> np.ndarray:
    count, sum_i, product = sums.reshape(len(sums), 3, k, k).transpose(1, 0, 2, 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (product - sum_i * sum_i.transpose(0, 2, 1) / count) / (count - 1)
    return (1 - np.einsum("bii->b", cov) / cov.sum(axis=(1, 2))) * k / (k - 1)


def cronbach_alpha(
    data: pd.DataFrame, *, nan_policy: str, seed: int | None, confidence: float = 0.95, n_boot: int = 1000
) -> AlphaResult:
    """Cronbach's α with Feldt's and a bootstrap confidence interval.

    Parameters
    ----------
    data : DataFrame
        Respondents × the (keyed) items of one scale.
    nan_policy : {"listwise", "pairwise"}
        ``"listwise"``: complete rows only (SPSS RELIABILITY). ``"pairwise"``: each covariance from the rows where
        both items are answered (R ``psych::alpha``'s default).
    seed : int or None
        Seed of the bootstrap; required when ``n_boot`` > 0.
    confidence : float
        Level of both intervals.
    n_boot : int
        Bootstrap resamples (0 for none).

    Returns
    -------
    AlphaResult

    Raises
    ------
    DataError
        Fewer than 2 items or 3 respondents, or an item without variance (drop it).

    Notes
    -----
    α = k/(k − 1) · (1 − Σσ²_i / σ²_X) = k/(k − 1) · (1 − tr C / ΣC); standardised α = k r̄ / (1 + (k − 1) r̄) with
    r̄ the mean off-diagonal correlation of cov2cor(C). Feldt's interval: 1 − (1 − α) F_{1−p/2, 1−p/2} with
    df = (n − 1, (n − 1)(k − 1)). The bootstrap resamples respondents (one index array), recomputes C under the
    same policy and takes percentiles.

    Matches R ``psych::alpha(x)`` (pairwise) and ``psych::alpha(na.omit(x))`` (listwise), psych 2.2.9: raw and
    standardised α, average r and the Feldt interval to 1e-10 on bfi and Holzinger–Swineford
    (tests/reference/measurement_reliability.R).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> items = pd.DataFrame(rng.normal(size=(300, 1)) + rng.normal(size=(300, 4)), columns=list("abcd"))
    >>> result = cronbach_alpha(items, nan_policy="listwise", seed=1, n_boot=200)
    >>> round(result.estimate, 3), result.n
    (0.813, 300)
    """
    columns = item_columns(data, nan_policy=nan_policy, function="cronbach_alpha")
    if not 0 < confidence < 1:
        raise DataError(f"cronbach_alpha: confidence must lie between 0 and 1; got {confidence!r}")
    if n_boot and seed is None:
        raise DataError("cronbach_alpha: give a seed for the bootstrap (or n_boot=0)")
    moments = Moments.of_columns(columns, nan_policy=nan_policy)
    require_respondents(moments.rows, nan_policy=nan_policy, function="cronbach_alpha", n_received=len(data))
    require_spread(moments.constant([str(c) for c in data.columns]), "cronbach_alpha")
    kept = (lambda: item_matrix(data, nan_policy=nan_policy, function="cronbach_alpha").matrix) if n_boot else None
    return alpha_of_moments(moments, nan_policy, seed=seed, confidence=confidence, n_boot=n_boot, kept=kept)


def alpha_of_moments(
    moments: Moments, nan_policy: str, *, confidence: float, seed: int | None = None, n_boot: int = 0, kept=None
) -> AlphaResult:
    """α, its intervals and the rest of :class:`AlphaResult` from the items' moments (of the rows ``nan_policy``
    keeps); ``kept`` returns those rows, which only the bootstrap reads."""
    cov = moments.covariance()[0]
    raw, standardised, average_r = _alpha_parts(cov)
    k = len(cov)
    ci_low, ci_high = _feldt(raw, moments.rows, k, confidence)
    boot_low = boot_high = np.nan
    if n_boot:
        boot = _bootstrap_alpha(kept(), n_boot=n_boot, seed=seed)
        boot_low, boot_high = np.nanquantile(boot, [(1 - confidence) / 2, (1 + confidence) / 2])
    return AlphaResult(
        float(raw),
        float(standardised),
        float(average_r),
        float(ci_low),
        float(ci_high),
        float(boot_low),
        float(boot_high),
        confidence,
        n_boot,
        seed,
        moments.rows,
        k,
        nan_policy,
    )


def item_analysis(data: pd.DataFrame, *, nan_policy: str, extreme_share: float = 0.27) -> pd.DataFrame:
    """Item analysis of one scale: item statistics, corrected item–total r, α if deleted, extreme-group test.

    Parameters
    ----------
    data : DataFrame
        Respondents × the (keyed) items of one scale.
    nan_policy : {"listwise", "pairwise"}
        Covariances from complete rows, or pairwise-complete (as for :func:`cronbach_alpha`).
    extreme_share : float
        Share of respondents in each extreme group of the total score (27 % by Kelley's rule).

    Returns
    -------
    DataFrame
        One row per item: ``item, n, mean, sd, item_total_r`` (corrected: item vs the sum of the other items),
        ``alpha_if_deleted, std_alpha_if_deleted, critical_ratio, critical_ratio_df, p_value`` (Welch's t of the
        item between the high and low groups), ``n_low, n_high``, and ``flag`` (text, empty when fine).

    Notes
    -----
    Corrected r_i = (Σ_j C_ij − C_ii) / √(C_ii · ΣC_(−i)); α if deleted recomputes α on C without item i. The
    extreme groups hold respondents whose mean item score is at or below the 27th / at or above the 73rd percentile
    (ties included, as when cutting a sorted SPSS file at the boundary values). Matches R ``psych::alpha``'s
    ``item.stats$r.drop``, ``mean``, ``sd`` and ``alpha.drop`` (psych 2.2.9) to 1e-10; the critical ratio equals
    ``scipy.stats.ttest_ind(high, low, equal_var=False)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> items = pd.DataFrame(rng.normal(size=(300, 1)) + rng.normal(size=(300, 3)), columns=list("abc"))
    >>> items["d"] = -items["a"] + rng.normal(size=300)
    >>> item_analysis(items, nan_policy="listwise").set_index("item").loc["d", "flag"]
    'negative item–total correlation: probably not reverse-keyed'
    """
    values = item_values(data, nan_policy=nan_policy, function="item_analysis")
    moments = Moments.of(values, nan_policy=nan_policy)
    require_respondents(moments.rows, nan_policy=nan_policy, function="item_analysis", n_received=len(values))
    names = [str(c) for c in data.columns]
    require_spread(moments.constant(names), "item_analysis")
    if not 0 < extreme_share < 0.5:
        raise DataError(f"item_analysis: extreme_share must lie between 0 and 0.5; got {extreme_share!r}")
    keep = policy_rows(values, nan_policy)
    return _item_analysis(values, keep, names, moments, extreme_share=extreme_share)


def _item_analysis(
    values: np.ndarray, keep: np.ndarray, names: list[str], moments: Moments, *, extreme_share: float
) -> pd.DataFrame:
    """The table of :func:`item_analysis` from the items (all rows, ``keep`` marking those analysed) and the
    moments of the rows analysed; only the extreme groups are copied out."""
    columns, notes = _item_moment_statistics(moments, names)
    total = _row_means(values)
    low_cut, high_cut = np.quantile(total[keep], [extreme_share, 1 - extreme_share])
    low, high = rows_of(values, keep & (total <= low_cut)), rows_of(values, keep & (total >= high_cut))
    t, df, p_value, undefined = _welch_t(high, low)
    flags = ["; ".join(note + ([reason] if reason else [])) for note, reason in zip(notes, undefined, strict=True)]
    return pd.DataFrame(
        {
            **columns,
            "critical_ratio": t,
            "critical_ratio_df": df,
            "p_value": p_value,
            "n_low": (~np.isnan(low)).sum(axis=0),
            "n_high": (~np.isnan(high)).sum(axis=0),
            "flag": flags,
        }
    )


def _item_moment_statistics(moments: Moments, names: list[str]) -> tuple[dict, list[list[str]]]:
    """The columns of :func:`item_analysis` that are functions of the moments (``item`` to
    ``std_alpha_if_deleted``), and each item's notes so far."""
    cov = moments.covariance()[0]
    k = len(cov)
    variances = np.diag(cov)
    item_total_r, rest_sum = _item_total_r(cov)
    raw_drop = (1 - (np.trace(cov) - variances) / rest_sum) * (k - 1) / (k - 2) if k > 2 else np.full(k, np.nan)
    r = cov / np.sqrt(np.outer(variances, variances))
    r_rest = r.sum() - 2 * r.sum(axis=0) + 1
    std_drop = (1 - (k - 1) / r_rest) * (k - 1) / (k - 2) if k > 2 else np.full(k, np.nan)
    notes = [
        ([NEGATIVE_ITEM] if r < 0 else []) + (["alpha if deleted needs 3+ items"] if k == 2 else [])
        for r in item_total_r
    ]
    columns = {
        "item": names,
        "n": np.diag(moments.count).astype(int),
        "mean": moments.means(),
        "sd": np.sqrt(variances),
        "item_total_r": item_total_r,
        "alpha_if_deleted": raw_drop,
        "std_alpha_if_deleted": std_drop,
    }
    return columns, notes


def _item_total_r(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corrected item–total r of every item, and the variance of the sum of the other items, from the covariance."""
    variances = np.diag(cov)
    rest_sum = cov.sum() - 2 * cov.sum(axis=0) + variances
    return (cov.sum(axis=0) - variances) / np.sqrt(variances * rest_sum), rest_sum


def _row_means(values: np.ndarray) -> np.ndarray:
    """Each row's mean over its answered items (NaN for a row without answers)."""
    blank = np.isnan(values)
    ones = np.ones(values.shape[1])
    if not blank.any():
        return values @ ones / len(ones)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(blank, 0.0, values) @ ones / ((~blank) @ ones)


def _welch_t(high: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Welch's t of every column between two groups (as ``scipy.stats.ttest_ind(equal_var=False)``), NaN where it is
    undefined — fewer than two answers in a group, or both groups answering the item identically — with the reason."""

    def moments(group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        answered = ~np.isnan(group)
        if answered.all():
            mean = group.mean(axis=0)
            return np.full(group.shape[1], len(group)), mean, ((group - mean) ** 2).sum(axis=0) / max(len(group) - 1, 1)
        n = answered.sum(axis=0)
        filled = np.where(answered, group, 0.0)
        mean = filled.sum(axis=0) / np.maximum(n, 1)
        squares = (np.where(answered, group - mean, 0.0) ** 2).sum(axis=0)
        return n, mean, squares / np.maximum(n - 1, 1)

    return _welch(*moments(high), *moments(low))


def _welch(n_high, mean_high, var_high, n_low, mean_low, var_low) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Welch's t, its df and p from each group's answers, mean and variance per item, with the reasons of the
    undefined ones (see :func:`_welch_t`)."""
    enough = (n_high > 1) & (n_low > 1)
    defined = enough & (var_high + var_low > 0)
    with np.errstate(divide="ignore", invalid="ignore"):  # the undefined cells are masked to NaN below
        se2_high, se2_low = var_high / n_high, var_low / n_low
        t = (mean_high - mean_low) / np.sqrt(se2_high + se2_low)
        df = (se2_high + se2_low) ** 2 / (se2_high**2 / (n_high - 1) + se2_low**2 / (n_low - 1))
    t, df = np.where(defined, t, np.nan), np.where(defined, df, np.nan)
    p_value = np.where(defined, 2 * stats.t.sf(np.abs(np.nan_to_num(t)), np.where(defined, df, 1)), np.nan)
    undefined = [
        ""
        if ok
        else "critical ratio undefined: fewer than 2 answers in an extreme group"
        if not big
        else "critical ratio undefined: both extreme groups gave the same answer"
        for ok, big in zip(defined, enough, strict=True)
    ]
    return t, df, p_value, undefined


def total_counts(values: np.ndarray, *, nan_policy: str) -> pd.Series:
    """How many of the rows ``nan_policy`` keeps have each total score (the mean of the items answered): the
    distribution the 27 % extreme groups are cut from, which merges by adding counts (``a.add(b, fill_value=0)``).
    Keyed item codes give a few hundred distinct totals at most, whatever the number of respondents."""
    total = _row_means(values)[policy_rows(values, nan_policy)]
    distinct, counts = np.unique(total, return_counts=True)
    return pd.Series(counts, index=pd.Index(distinct, name="total"), name="n")


def extreme_cuts(counts: pd.Series, *, extreme_share: float = 0.27) -> tuple[float, float]:
    """The total scores at the ``extreme_share`` and ``1 − extreme_share`` quantiles, from :func:`total_counts`:
    ``np.quantile`` of the totals themselves (linear interpolation between order statistics), without them."""
    counts = counts.groupby(level=0).sum().sort_index()
    cumulative, values = counts.to_numpy().cumsum(), counts.index.to_numpy(dtype=float)
    n = int(cumulative[-1])

    def at(share: float) -> float:
        position = (n - 1) * share
        below = int(np.floor(position))
        first, second = (values[np.searchsorted(cumulative, j, side="right")] for j in (below, min(below + 1, n - 1)))
        return float(np.quantile(np.array([first, second]), position - below))

    return at(extreme_share), at(1 - extreme_share)


@dataclass(frozen=True)
class ExtremeGroups:
    """Per item, the answers, their sum and their sum of squares in the low (row 0) and high (row 1) groups of the
    total score: the sufficient statistics of the 27 % critical ratio, which merge by addition."""

    count: np.ndarray
    sums: np.ndarray
    squares: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, *, nan_policy: str, cuts: tuple[float, float]) -> ExtremeGroups:
        """The groups of the rows ``nan_policy`` keeps whose total is at most ``cuts[0]`` or at least ``cuts[1]``."""
        keep, total = policy_rows(values, nan_policy), _row_means(values)
        groups = np.vstack([keep & (total <= cuts[0]), keep & (total >= cuts[1])]).astype(float)
        answered = ~np.isnan(values)
        filled = np.where(answered, values, 0.0)
        return cls(groups @ answered, groups @ filled, groups @ (filled * filled))

    def __add__(self, other: ExtremeGroups) -> ExtremeGroups:
        return ExtremeGroups(self.count + other.count, self.sums + other.sums, self.squares + other.squares)

    def critical_ratio(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        """Welch's t of high against low, its df and p, and the reasons where undefined (as :func:`item_analysis`)."""
        n = self.count
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(n > 0, self.sums / n, 0.0)
            variance = np.where(n > 1, (self.squares - self.sums * mean) / (n - 1), 0.0)
        return _welch(n[1], mean[1], variance[1], n[0], mean[0], variance[0])


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's ω of a set of items.

    Attributes
    ----------
    omega_total : float
        Share of total-score variance due to all common factors.
    omega_hierarchical : float
        Share due to the general factor of a Schmid–Leiman solution; NaN when no general factor is modelled
        (``n_factors`` = 1), as ``flags`` says.
    general_loadings : Series
        Loadings on the general factor (the single factor when ``n_factors`` = 1).
    """

    omega_total: float
    omega_hierarchical: float
    general_loadings: pd.Series
    n_factors: int
    n: int
    nan_policy: str
    flags: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        fields = {k: v for k, v in self.__dict__.items() if k not in ("general_loadings", "flags")}
        return pd.DataFrame([{**fields, "flags": "; ".join(self.flags)}])


def _omega_from_correlation(cor: np.ndarray, n_factors: int) -> tuple[float, float, np.ndarray, np.ndarray]:
    """ω total, ω hierarchical (NaN for one factor), general loadings and Heywood items — psych::omega's path."""
    fit = extract(cor, n_factors, method="minres", rotation="varimax" if n_factors > 1 else "none")
    orthogonal = fit.loadings
    if n_factors == 1:
        general = orthogonal[:, 0]
    else:
        pattern, phi = oblimin(orthogonal)
        if n_factors == 2:  # psych's option "equal": both group factors load √|φ₁₂| on g
            loading = np.sqrt(abs(phi[0, 1]))
            higher = np.array([loading, np.sign(phi[0, 1]) * loading])
        else:
            higher = extract(phi, 1, method="minres", rotation="none").loadings[:, 0]
        general = pattern @ higher
    total_variance = cor.sum()
    unique = (1 - (orthogonal**2).sum(axis=1)).sum()
    omega_total = (total_variance - unique) / total_variance
    omega_h = general.sum() ** 2 / total_variance if n_factors > 1 else np.nan
    return float(omega_total), float(omega_h), general, fit.heywood


def _heywood_flags(names: list[str], heywood: np.ndarray) -> list[str]:
    cases = [name for name, h in zip(names, heywood, strict=True) if h]
    return [f"Heywood case ({', '.join(cases)}: communality reached 1): omega is overstated"] if cases else []


def mcdonald_omega(data: pd.DataFrame, *, nan_policy: str, n_factors: int = 1) -> OmegaResult:
    """McDonald's ω total, and ω hierarchical when a general factor is modelled (Schmid–Leiman).

    Parameters
    ----------
    data : DataFrame
        Respondents × (keyed) items.
    nan_policy : {"listwise", "pairwise"}
        Correlations from complete rows, or pairwise-complete.
    n_factors : int
        1: a one-factor model of the scale (ω total only). ≥ 2: group factors under a general factor; 3 or more are
        needed to identify the general factor (with 2, both group factors are given equal general loadings).

    Returns
    -------
    OmegaResult

    Notes
    -----
    From minres loadings on the correlation matrix R: ω_t = (ΣR − Σu²)/ΣR with u² = 1 − h² (h² from the
    orthogonal solution); ω_h = (Σg)²/ΣR with g the general loadings of the Schmid–Leiman transformation (varimax
    → oblimin → one minres factor of Φ). Matches R ``psych::omega(x, nfactors, flip = FALSE)`` (psych 2.2.9) —
    ``nfactors = 1`` for ω total per scale, ``nfactors = 3`` on Holzinger–Swineford and 5 on bfi for ω_h — to
    1e-5. Items with negative general loadings are flagged, not silently reversed.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> items = pd.DataFrame(rng.normal(size=(300, 1)) + rng.normal(size=(300, 4)), columns=list("abcd"))
    >>> round(mcdonald_omega(items, nan_policy="listwise").omega_total, 3)
    0.813
    """
    items = item_matrix(data, nan_policy=nan_policy, function="mcdonald_omega", min_items=3)
    require_variance(items, "mcdonald_omega")
    p = items.matrix.shape[1]
    if not isinstance(n_factors, int | np.integer) or not 1 <= n_factors < p:
        raise DataError(f"mcdonald_omega: n_factors must be an integer from 1 to {p - 1}; got {n_factors!r}")
    omega_total, omega_h, general, heywood = _omega_from_correlation(pearson(items), int(n_factors))
    flags = ["no general factor modelled (n_factors = 1): omega_hierarchical not defined"] if n_factors == 1 else []
    flags += _heywood_flags(items.names, heywood)
    negative = [name for name, g in zip(items.names, general, strict=True) if g < 0]
    if negative:
        flags.append(f"negative general loading: {', '.join(negative)} (reverse-key them?)")
    return OmegaResult(
        omega_total,
        omega_h,
        pd.Series(general, index=items.names, name="general_loading"),
        int(n_factors),
        items.n,
        nan_policy,
        tuple(flags),
    )


def reliability(
    data: pd.DataFrame,
    *,
    instrument: Instrument,
    nan_policy: str,
    seed: int | None,
    confidence: float = 0.95,
    n_boot: int = 1000,
    ordinal: bool = True,
) -> pd.DataFrame:
    """Reliability of every construct of an instrument: one row per construct.

    Parameters
    ----------
    data : DataFrame
        Respondents × item codes (raw: reverse items are keyed and missing codes set to NaN here).
    instrument : Instrument
        Constructs, items, keys and response scales.
    nan_policy : {"listwise", "pairwise"}
        Applied per construct (listwise keeps respondents who answered all of that construct's items).
    seed : int or None
        Seed of the bootstrap (required when ``n_boot`` > 0).
    confidence : float
        Level of the Feldt and bootstrap intervals.
    n_boot : int
        Bootstrap resamples for α (0 for none).
    ordinal : bool
        Also ordinal α and ω from polychoric correlations.

    Returns
    -------
    DataFrame
        ``construct, label_zh, label_en, n_items, n, nan_policy, alpha, ci_low, ci_high`` (Feldt),
        ``boot_ci_low, boot_ci_high, std_alpha, average_r, omega_total, ordinal_alpha, ordinal_omega,
        min_item_total_r, flags`` — ``flags`` names constant items, items correlating negatively with their scale
        and constructs too small to assess (their statistics are then NaN).

    Notes
    -----
    α as :func:`cronbach_alpha`, ω total as :func:`mcdonald_omega` with one factor; ordinal α is the standardised
    α of the polychoric matrix and ordinal ω the one-factor ω of it (Zumbo, Gadermann & Zeisser 2007), matching
    ``psych::alpha(polychoric(x)$rho)`` and ``psych::omega(polychoric(x)$rho, 1)`` to 1e-5.

    Every other statistic is a function of each construct's moments (counts, sums, squares and cross-products of
    its keyed items under ``nan_policy``): with ``n_boot=0, ordinal=False`` the items are keyed and summed in row
    blocks (:func:`hsc_analysis.scoring.keyed_blocks`, :func:`hsc_analysis.moments.group_moments`) and never
    held as one matrix, and the table is :func:`reliability_of_moments` of those sums.

    Examples
    --------
    >>> from hsc_analysis.instruments import load_instrument
    >>> inst = load_instrument("surveys/parent.yaml")
    >>> rng = np.random.default_rng(0)
    >>> codes = pd.DataFrame(rng.integers(1, 6, size=(50, len(inst.item_ids))), columns=inst.item_ids)
    >>> table = reliability(codes, instrument=inst, nan_policy="listwise", seed=1, n_boot=0, ordinal=False)
    >>> table.columns[:6].tolist()
    ['construct', 'label_zh', 'label_en', 'n_items', 'n', 'nan_policy']
    """
    check_option(nan_policy, NAN_POLICIES, parameter="nan_policy", function="reliability")
    position = {item_id: j for j, item_id in enumerate(instrument.item_ids)}
    groups = [[position[i] for i in construct.items] for construct in instrument.constructs]
    if n_boot or ordinal:  # the bootstrap and the polychoric correlations read the rows themselves
        keyed = keyed_matrix(data, instrument=instrument)
        blocks = row_blocks(keyed)
    else:  # every statistic is a function of the moments: key and sum the rows block by block, never whole
        keyed, blocks = None, keyed_blocks(data, instrument=instrument)
    moments = group_moments(blocks, groups, nan_policy=nan_policy)
    rows = []
    for construct, columns, construct_moments in zip(instrument.constructs, groups, moments, strict=True):
        values = None if keyed is None else keyed[:, columns]
        statistics = _construct_statistics(
            construct_moments, list(construct.items), nan_policy, values=values, seed=seed, confidence=confidence,
            n_boot=n_boot, ordinal=ordinal,
        )  # fmt: skip
        rows.append({**_construct_labels(construct), **statistics})
    return pd.DataFrame(rows)


def reliability_of_moments(
    moments: Sequence[Moments], *, instrument: Instrument, nan_policy: str, confidence: float = 0.95
) -> pd.DataFrame:
    """The table of :func:`reliability` with ``n_boot=0, ordinal=False`` from each construct's moments.

    Parameters
    ----------
    moments : list of Moments
        One per construct of ``instrument``, in order: the moments of its keyed items under ``nan_policy``
        (:func:`hsc_analysis.moments.group_moments`), summed over the chunks of a file or the partitions of a
        cluster in any order.
    instrument : Instrument
        The constructs the moments belong to.
    nan_policy : {"listwise", "pairwise"}
        The policy the moments were accumulated under.
    confidence : float
        Level of Feldt's interval.

    Returns
    -------
    DataFrame
        The columns of :func:`reliability`; the bootstrap and ordinal columns are NaN.

    Notes
    -----
    α, standardised α, average r, Feldt's interval, corrected item–total r and one-factor ω total are functions of
    each construct's covariance and correlation matrices, which are functions of the moment sums; this is the code
    :func:`reliability` runs, so the numbers are the same (to the last bit when the sums are of integer codes).
    """
    check_option(nan_policy, NAN_POLICIES, parameter="nan_policy", function="reliability_of_moments")
    _require_one_per_construct(moments, instrument, "reliability_of_moments")
    rows = [
        {**_construct_labels(construct), **_construct_statistics(construct_moments, list(construct.items), nan_policy,
         values=None, seed=None, confidence=confidence, n_boot=0, ordinal=False)}
        for construct, construct_moments in zip(instrument.constructs, moments, strict=True)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def _require_one_per_construct(moments: Sequence[Moments], instrument: Instrument, function: str) -> None:
    if len(moments) != len(instrument.constructs):
        raise DataError(
            f"{function}: got the moments of {len(moments)} construct(s); instrument '{instrument.id}' has "
            f"{len(instrument.constructs)}"
        )


def _construct_labels(construct) -> dict:
    return {
        "construct": construct.id,
        "label_zh": construct.label.zh,
        "label_en": construct.label.en,
        "n_items": len(construct.items),
    }


def item_table(data: pd.DataFrame, *, instrument: Instrument, nan_policy: str) -> pd.DataFrame:
    """Item analysis of every construct of an instrument: one row per item, with its construct and wording.

    Parameters
    ----------
    data : DataFrame
        Respondents × item codes (raw: keyed here).
    instrument : Instrument
        Constructs, items, keys and response scales.
    nan_policy : {"listwise", "pairwise"}
        Applied per construct, as in :func:`reliability`.

    Returns
    -------
    DataFrame
        ``construct, item, text_zh, text_en`` followed by the columns of :func:`item_analysis`. A construct that
        cannot be analysed (one item, a constant item, too few respondents) keeps its rows with NaN statistics and
        the reason in ``flag``.

    Examples
    --------
    >>> from hsc_analysis.instruments import load_instrument
    >>> inst = load_instrument("surveys/parent.yaml")
    >>> codes = pd.read_csv("tests/reference/expected/parent_synthetic_codes.csv")
    >>> table = item_table(codes, instrument=inst, nan_policy="listwise")
    >>> table.loc[table["item"] == "com5", ["construct", "item_total_r"]].round(2).to_numpy().tolist()
    [['communication', 0.52]]
    """
    keyed = key_items(data, instrument=instrument)
    return _item_table(instrument, lambda c, _: item_analysis(keyed[list(c.items)], nan_policy=nan_policy))


def item_table_of_moments(
    moments: Sequence[Moments],
    *,
    instrument: Instrument,
    nan_policy: str,
    n_rows: int,
    extremes: Sequence[ExtremeGroups] | None = None,
) -> pd.DataFrame:
    """:func:`item_table` from each construct's sums (as for :func:`reliability_of_moments`).

    Parameters
    ----------
    moments : list of Moments
        One per construct of ``instrument``: its keyed items' moments under ``nan_policy``.
    instrument : Instrument
        The constructs the moments belong to.
    nan_policy : {"listwise", "pairwise"}
        The policy the moments were accumulated under.
    n_rows : int
        Respondents in the data (for the message of a construct with too few usable ones).
    extremes : list of ExtremeGroups, optional
        One per construct: the sums of its 27 % extreme groups, cut at :func:`extreme_cuts` of its
        :func:`total_counts`. Without them the critical-ratio columns are left out.

    Returns
    -------
    DataFrame
        The columns, values and flags of :func:`item_table` (``critical_ratio`` to ``n_high`` only with
        ``extremes``).

    Notes
    -----
    Every column but the critical ratio is a function of the moments, by the code of :func:`item_analysis`. The
    extreme groups need the order statistics of the total scores: their distribution (a few hundred distinct
    values) gives the cuts exactly, and a second pass sums each group's answers; Welch's t from those sums equals
    ``scipy.stats.ttest_ind(equal_var=False)`` on the groups to rounding error.
    """
    check_option(nan_policy, NAN_POLICIES, parameter="nan_policy", function="item_table_of_moments")
    _require_one_per_construct(moments, instrument, "item_table_of_moments")
    extremes = list(extremes) if extremes is not None else None
    if extremes is not None:
        _require_one_per_construct(extremes, instrument, "item_table_of_moments")

    def analyse(construct, c: int) -> pd.DataFrame:
        names = list(construct.items)
        if len(names) < 2:
            raise DataError(f"item_analysis: needs at least 2 items, got {len(names)}; add items to the scale")
        require_respondents(moments[c].rows, nan_policy=nan_policy, function="item_analysis", n_received=n_rows)
        require_spread(moments[c].constant(names), "item_analysis")
        columns, notes = _item_moment_statistics(moments[c], names)
        if extremes is None:
            return pd.DataFrame({**columns, "flag": ["; ".join(note) for note in notes]})
        t, df, p_value, undefined = extremes[c].critical_ratio()
        flags = ["; ".join(note + ([why] if why else [])) for note, why in zip(notes, undefined, strict=True)]
        n_low, n_high = extremes[c].count.astype(int)
        return pd.DataFrame({**columns, "critical_ratio": t, "critical_ratio_df": df, "p_value": p_value,
                             "n_low": n_low, "n_high": n_high, "flag": flags})  # fmt: skip

    columns = _ITEM_COLUMNS if extremes is not None else (*_ITEM_COLUMNS[:7], "flag")
    return _item_table(instrument, analyse, columns=columns)


def _item_table(instrument: Instrument, analyse, *, columns=_ITEM_COLUMNS) -> pd.DataFrame:
    """One block of rows per construct: ``analyse(construct, its position)``, or the items with NaN statistics and
    the reason, under the construct's id and the items' wording."""
    parts = []
    for c, construct in enumerate(instrument.constructs):
        try:
            analysis = analyse(construct, c)
        except DataError as err:
            analysis = pd.DataFrame({"item": list(construct.items)}).reindex(columns=list(columns))
            analysis["flag"] = str(err)
        texts = [instrument.item(item_id).text for item_id in analysis["item"]]
        analysis.insert(0, "construct", construct.id)
        analysis.insert(2, "text_zh", [text.zh for text in texts])
        analysis.insert(3, "text_en", [text.en for text in texts])
        parts.append(analysis)
    return pd.concat(parts, ignore_index=True)


_STATISTICS = (
    "alpha",
    "ci_low",
    "ci_high",
    "boot_ci_low",
    "boot_ci_high",
    "std_alpha",
    "average_r",
    "omega_total",
    "ordinal_alpha",
    "ordinal_omega",
    "min_item_total_r",
)


def _construct_statistics(
    moments: Moments,
    names: list[str],
    nan_policy: str,
    *,
    values: np.ndarray | None,
    seed,
    confidence,
    n_boot,
    ordinal,
) -> dict:
    """One row of :func:`reliability`: every statistic from the construct's moments (``values``, its keyed items,
    only for the bootstrap and the ordinal statistics), or the reason it cannot be computed."""
    n_used = moments.rows
    row = {"n": n_used, "nan_policy": nan_policy, **dict.fromkeys(_STATISTICS, np.nan)}
    if len(names) < 2:
        return {**row, "flags": "a single item: reliability is not defined"}
    if n_used < 3:
        advice = "use nan_policy='pairwise' or " if nan_policy == "listwise" else ""
        return {**row, "flags": f"only {n_used} usable respondent(s): {advice}collect more answers"}
    constant = moments.constant(names)
    if constant:
        return {**row, "flags": f"no variance in {', '.join(constant)}: drop the item or check the data"}
    cov, cor = moments.covariance()
    kept = lambda: rows_of(values, policy_rows(values, nan_policy))  # noqa: E731  (only the bootstrap reads rows)
    alpha = alpha_of_moments(moments, nan_policy, seed=seed, confidence=confidence, n_boot=n_boot, kept=kept)
    item_total_r = _item_total_r(cov)[0]
    negative = [name for name, r in zip(names, item_total_r, strict=True) if r < 0]
    flags = [f"{name}: negative item–total r (not reverse-keyed?)" for name in negative]
    row.update(
        alpha=alpha.estimate,
        ci_low=alpha.ci_low,
        ci_high=alpha.ci_high,
        boot_ci_low=alpha.boot_ci_low,
        boot_ci_high=alpha.boot_ci_high,
        std_alpha=alpha.std_alpha,
        average_r=alpha.average_r,
        min_item_total_r=float(np.fmin.reduce(item_total_r)),
    )
    if len(names) >= 3:
        row["omega_total"], _, _, heywood = _omega_from_correlation(checked_correlation(cor, names), 1)
        flags += _heywood_flags(names, heywood)
    else:
        flags.append("omega needs 3 or more items")
    if ordinal:
        ordinal_values, ordinal_flags = _ordinal(pd.DataFrame(values, columns=names, copy=False), nan_policy)
        row.update(ordinal_values)
        flags += ordinal_flags
    return {**row, "flags": "; ".join(flags)}


def _ordinal(block: pd.DataFrame, nan_policy: str) -> tuple[dict, list[str]]:
    """Ordinal α and ω from polychoric correlations, or the reason they cannot be computed."""
    try:
        rho = polychoric(block, nan_policy=nan_policy).to_numpy()
    except DataError as err:
        return {}, [f"ordinal alpha/omega not computed ({err})"]
    if np.linalg.eigvalsh(rho)[0] <= 0:
        return {}, ["polychoric matrix not positive definite: ordinal alpha/omega not computed"]
    ordinal_omega = _omega_from_correlation(rho, 1)[0] if len(rho) >= 3 else np.nan
    return {"ordinal_alpha": _alpha_parts(rho)[0], "ordinal_omega": ordinal_omega}, []
