"""Comparing groups of clusters when there are few clusters: urban, town and rural schools of a district.

A school-level variable such as the school's locale varies only between schools, so its effect rests on the
number of schools, not of respondents: with 15 schools, conventional cluster-robust (CR1) tests over-reject and
normal-theory intervals are too short. :func:`few_cluster_comparison` estimates each contrast with a reference level
three ways that stay honest with few clusters — the multilevel model (respondents in classes in schools,
Satterthwaite df), OLS with the CR2 (Bell–McCaffrey) covariance and Satterthwaite df, and the restricted wild
cluster bootstrap — and tests all contrasts jointly (HTZ and the bootstrap Wald test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings._cr2 import Cr2Fit, cr2_fit, htz_test, satterthwaite_df
from hsc_analysis.findings._data import NAN_POLICY, check_confidence, group_levels, require_columns
from hsc_analysis.findings._wild import WEIGHTS, ClusterStats, cluster_weights, wild_interval, wild_test
from hsc_analysis.findings.multilevel import MultilevelResult, multilevel
from hsc_analysis.measurement._matrix import check_option

__all__ = ["FewClusterComparison", "few_cluster_comparison"]

METHODS = ("mixed_model", "cr2_satterthwaite", "wild_cluster_bootstrap")
COLUMNS = ["outcome", "contrast", "estimate", "se", "df", "ci_low", "ci_high", "p_value", "method", "n", "n_clusters"]
JOINT_COLUMNS = ["outcome", "method", "statistic", "df_num", "df_den", "p_value", "n", "n_clusters"]
MEANS_COLUMNS = ["outcome", "level", "n", "n_clusters", "mean", "sd"]


@dataclass(frozen=True)
class FewClusterComparison:
    """Contrasts of a cluster-level grouping variable (each level against the reference), estimated three ways.

    Attributes
    ----------
    outcomes : tuple of str
    group : str
        The cluster-level variable compared (e.g. the school's locale).
    cluster : tuple of str
        The nesting, outermost first: the clusters the group varies between (schools), then, when given, the
        clusters within them (classes).
    reference : str
        The level every other level is compared with.
    levels : tuple of str
    contrasts : DataFrame
        ``outcome, contrast, estimate, se, df, ci_low, ci_high, p_value, method, n, n_clusters``: one row per
        outcome, contrast (``"rural − urban"``) and method. ``mixed_model``: the fixed effect of the multilevel
        model, t on Satterthwaite df; ``cr2_satterthwaite``: OLS, CR2 standard error, t on the Satterthwaite df of
        the CR2 variance; ``wild_cluster_bootstrap``: the OLS estimate with its CR1 standard error, the bootstrap
        p-value of t and the interval from inverting the bootstrap test (``df`` empty). ``n_clusters`` counts the
        outer clusters.
    joint_tests : DataFrame
        ``outcome, method, statistic, df_num, df_den, p_value, n, n_clusters``: all contrasts at once, by the HTZ
        F test (``cr2_htz``) and the bootstrap Wald test (``wild_cluster_bootstrap``, statistic = Wald χ²).
    means : DataFrame
        ``outcome, level, n, n_clusters, mean, sd`` per level.
    flags : tuple of str
        What the reader must know besides the note (a singular multilevel fit, a variance at the boundary).
    note : str
        That the group's effects rest on the number of outer clusters, with their count per level.
    weights : str
        ``"webb"`` or ``"rademacher"``.
    n_boot, seed : int
    confidence : float
    nan_policy : str
        ``"listwise"`` per outcome.
    """

    outcomes: tuple[str, ...]
    group: str
    cluster: tuple[str, ...]
    reference: str
    levels: tuple[str, ...]
    contrasts: pd.DataFrame
    joint_tests: pd.DataFrame
    means: pd.DataFrame
    flags: tuple[str, ...]
    note: str
    weights: str
    n_boot: int
    seed: int
    confidence: float
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        """The contrasts, one row per outcome, contrast and method (columns listed under ``contrasts``)."""
        return self.contrasts.copy()


def few_cluster_comparison(
    data: pd.DataFrame,
    *,
    outcome: str | Sequence[str],
    group: str,
    cluster: str,
    inner_cluster: str | None = None,
    reference: str | None = None,
    weights: str = "webb",
    n_boot: int = 9999,
    confidence: float = 0.95,
    seed: int,
) -> FewClusterComparison:
    """Compare the levels of a cluster-level variable (the school's locale) on each outcome, with few clusters.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str or sequence of str
        Numeric outcome column(s), each analysed on its own complete cases.
    group : str
        The grouping variable, constant within each ``cluster`` (a categorical keeps its category order).
    cluster : str
        The clusters ``group`` varies between (schools): every standard error and df rests on their number.
    inner_cluster : str, optional
        Clusters within ``cluster`` (classes): the multilevel model then has three levels.
    reference : str, optional
        The level the others are compared with; default the first level.
    weights : {"webb", "rademacher"}
        Wild bootstrap weights. Webb's six-point weights are the usual advice with fewer than about 12 clusters
        per group, where Rademacher weights allow too few distinct draws (2^G).
    n_boot : int
        Bootstrap draws (999–99999), drawn once as one G-column array and used for every test and interval.
    confidence : float
    seed : int

    Returns
    -------
    FewClusterComparison

    Notes
    -----
    The model is y = β₀ + Σ_k β_k D_k + e with D_k the indicator of level k (the reference left out); β_k is
    the difference of level k from the reference.

    *CR2* (Bell & McCaffrey 2002): V = B Σ_g X_gᵀ A_g e_g e_gᵀ A_g X_g B, B = (XᵀX)⁻¹, A_g = (I − H_gg)^(−1/2);
    the df of cᵀβ is (Σ_j g_jᵀg_j)² / Σ_ij (g_iᵀg_j)² with g_j = (I − H)_jᵀ A_j X_j B c (Satterthwaite under a
    working model of independent errors). The joint test of all β_k is the HTZ Hotelling T² approximation
    (Tipton & Pustejovsky 2015). Matches R clubSandwich 0.5.8 ``vcovCR(type = "CR2")``, ``coef_test(test =
    "Satterthwaite")``, ``conf_int`` and ``Wald_test(test = "HTZ")`` to 1e-10 on mlmRev::Exam in 15 schools.

    *Wild cluster bootstrap* (restricted, WCR; Cameron, Gelbach & Miller 2008; MacKinnon & Webb 2017): under H0 the
    model is refitted with the restriction imposed, cluster g's restricted residuals are multiplied by one weight
    v_g per draw, and the CR1 t (Wald) statistic of every draw is compared with the observed one: p = share of
    draws with |t*| ≥ |t|. The interval collects every β₀ not rejected at 1 − confidence (test inversion).
    No R implementation is available as a Debian package (fwildclusterboot is CRAN-only); the tests check the
    size and coverage of the procedure on simulated data with 15 clusters instead.

    *Multilevel model*: :func:`hsc_analysis.findings.multilevel` (lme4's profiled REML, lmerTest's Satterthwaite
    df) with the indicators as cluster-level predictors; its intervals use t on those df.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> school = np.repeat(np.arange(15), 40)
    >>> locale = np.array(["urban"] * 6 + ["town"] * 4 + ["rural"] * 5)[school]
    >>> y = rng.normal(size=15)[school] * 0.3 - 0.4 * (locale == "rural") + rng.normal(size=600)
    >>> d = pd.DataFrame({"y": y, "school": school, "locale": pd.Categorical(locale, ["urban", "town", "rural"])})
    >>> r = few_cluster_comparison(d, outcome="y", group="locale", cluster="school", n_boot=999, seed=1)
    >>> r.to_frame()[["contrast", "method"]].drop_duplicates("contrast")["contrast"].tolist()
    ['town − urban', 'rural − urban']
    """
    function = "few_cluster_comparison"
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if not outcomes:
        raise InputError(f"The 'outcome' parameter of {function} must name at least one column.")
    check_option(weights, WEIGHTS, parameter="weights", function=function)
    check_confidence(confidence, function=function)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or not 999 <= n_boot <= 99_999:
        raise InputError(f"The 'n_boot' parameter of {function} must be an integer from 999 to 99999; got {n_boot!r}.")
    nesting = (cluster,) if inner_cluster is None else (cluster, inner_cluster)
    require_columns(data, [*outcomes, group, *nesting], function=function)
    rows, joint, means, flags = [], [], [], []
    levels: tuple[str, ...] = ()
    chosen = reference
    for name in outcomes:
        part = _outcome(data, name, group, nesting, reference, function=function)
        levels, chosen = part.levels, part.reference
        draws = cluster_weights(n_boot, part.n_clusters, kind=weights, seed=seed)
        rows += _rows(part, draws, confidence)
        joint += _joint(part, draws)
        means += part.means
        flags += [f"{name}: {flag}" for flag in part.mixed.flags]
    counts = _cluster_counts(data, group, cluster, outcomes, levels)
    return FewClusterComparison(
        outcomes=tuple(outcomes),
        group=group,
        cluster=nesting,
        reference=str(chosen),
        levels=levels,
        contrasts=pd.DataFrame(rows, columns=COLUMNS),
        joint_tests=pd.DataFrame(joint, columns=JOINT_COLUMNS),
        means=pd.DataFrame(means, columns=MEANS_COLUMNS),
        flags=tuple(flags),
        note=(
            f"Effects of {group} vary only between clusters of '{cluster}': they rest on {sum(counts.values())} "
            f"clusters ({', '.join(f'{level} {k}' for level, k in counts.items())}), not on the respondents; "
            "read them with the small-sample tests (CR2 with Satterthwaite df, wild cluster bootstrap)."
        ),
        weights=weights,
        n_boot=n_boot,
        seed=seed,
        confidence=confidence,
        nan_policy=NAN_POLICY,
    )


@dataclass(frozen=True)
class _Outcome:
    """One outcome's complete cases fitted: the CR2 fit, the per-school sums of the bootstrap, the mixed model."""

    name: str
    levels: tuple[str, ...]
    reference: str
    others: list[str]
    n: int
    n_clusters: int
    cr2: Cr2Fit
    sums: ClusterStats
    mixed: MultilevelResult
    means: list[list]


def _outcome(
    data: pd.DataFrame, name: str, group: str, nesting: tuple[str, ...], reference, *, function: str
) -> _Outcome:
    """Complete cases of one outcome, the design and the checks a school-level comparison needs."""
    if not pd.api.types.is_numeric_dtype(data[name]) or data[name].dtype == bool:
        raise DataError(f"{function}: outcome '{name}' must be numeric")
    used = data[[name, group, *nesting]].dropna()
    level_info = group_levels(used[group])
    levels = level_info.labels
    if len(levels) < 2:
        raise DataError(
            f"{function}: '{group}' takes {len(levels)} level(s) in the cases with '{name}'; need 2 or more"
        )
    if reference is None:
        reference = levels[0]
    if reference not in levels:
        raise InputError(
            f"The 'reference' parameter of {function} must be a level of '{group}'; got {reference!r}, "
            f"levels: {', '.join(levels)}"
        )
    outer = pd.factorize(used[nesting[0]], sort=True)[0]
    g = int(outer.max()) + 1
    per_cluster = pd.Series(level_info.codes).groupby(outer).nunique()
    if (per_cluster > 1).any():
        raise DataError(
            f"{function}: '{group}' varies within {int((per_cluster > 1).sum())} cluster(s) of '{nesting[0]}'; "
            "the compared variable must be constant within each cluster"
        )
    cluster_level = pd.Series(level_info.codes).groupby(outer).first().to_numpy()
    for k, level in enumerate(levels):
        count = int((cluster_level == k).sum())
        if count < 2:
            raise DataError(
                f"{function}: level '{level}' of '{group}' has {count} cluster(s) of '{nesting[0]}' with '{name}'; "
                "each level needs at least 2 clusters for a cluster-robust comparison"
            )
    others = [level for level in levels if level != reference]
    x = np.column_stack(
        [np.ones(len(used)), *((level_info.codes == levels.index(level)).astype(float) for level in others)]
    )
    y = used[name].to_numpy(dtype=float)
    model = pd.DataFrame({name: y}, index=used.index).assign(
        **{f"{group}={level}": x[:, k + 1] for k, level in enumerate(others)},
        **{column: used[column].to_numpy() for column in nesting},
    )
    mixed = multilevel(
        model, outcome=name, cluster=nesting, level2=[f"{group}={level}" for level in others], center=None
    )
    means = [
        [name, level, int(np.sum(level_info.codes == k)), int(np.sum(cluster_level == k)),
         float(y[level_info.codes == k].mean()), float(y[level_info.codes == k].std(ddof=1))]
        for k, level in enumerate(levels)
    ]  # fmt: skip
    return _Outcome(
        name=name,
        levels=levels,
        reference=reference,
        others=others,
        n=len(y),
        n_clusters=g,
        cr2=cr2_fit(x, y, outer),
        sums=ClusterStats.of(x, y, outer),
        mixed=mixed,
        means=means,
    )


def _rows(part: _Outcome, draws: np.ndarray, confidence: float) -> list[list]:
    fit, sums, g = part.cr2, part.sums, part.n_clusters
    fixed = part.mixed.fixed_effects.set_index("term")
    group_terms = [t for t in fixed.index if t != "(Intercept)"]
    cr1 = np.sqrt(np.diag(sums.cr1_vcov()))
    rows = []
    for k, (level, term) in enumerate(zip(part.others, group_terms, strict=True), start=1):
        label = f"{level} − {part.reference}"
        mixed = fixed.loc[term]
        rows.append([part.name, label, *_t_interval(mixed["estimate"], mixed["se"], mixed["df"], confidence),
                     "mixed_model", part.n, g])  # fmt: skip
        contrast = np.eye(len(fit.beta))[k]
        se = float(np.sqrt(fit.vcov[k, k]))
        rows.append([part.name, label, *_t_interval(fit.beta[k], se, satterthwaite_df(fit, contrast), confidence),
                     "cr2_satterthwaite", part.n, g])  # fmt: skip
        _, p = wild_test(sums, contrast[None], np.zeros(1), draws)
        low, high = wild_interval(sums, k, draws, confidence=confidence)
        rows.append([part.name, label, float(fit.beta[k]), float(cr1[k]), np.nan, low, high, p,
                     "wild_cluster_bootstrap", part.n, g])  # fmt: skip
    return rows


def _t_interval(estimate: float, se: float, df: float, confidence: float) -> list[float]:
    """estimate, se, df, ci_low, ci_high, p_value of a t test on df."""
    crit = stats.t.ppf((1 + confidence) / 2, df)
    p = float(2 * stats.t.sf(abs(estimate / se), df)) if se > 0 else np.nan
    return [float(estimate), float(se), float(df), estimate - crit * se, estimate + crit * se, p]


def _joint(part: _Outcome, draws: np.ndarray) -> list[list]:
    q = len(part.others)
    restriction = np.eye(q + 1)[1:]
    fstat, df_num, df_den = htz_test(part.cr2, restriction)
    p_htz = float(stats.f.sf(fstat, df_num, df_den)) if df_den > 0 else np.nan
    wald, p_wild = wild_test(part.sums, restriction, np.zeros(q), draws)
    return [
        [part.name, "cr2_htz", fstat, df_num, df_den, p_htz, part.n, part.n_clusters],
        [part.name, "wild_cluster_bootstrap", wald, float(q), np.nan, p_wild, part.n, part.n_clusters],
    ]


def _cluster_counts(data, group: str, cluster: str, outcomes: list[str], levels: tuple[str, ...]) -> dict[str, int]:
    """Outer clusters per level among the rows with any outcome."""
    rows = data[data[outcomes].notna().any(axis=1)].dropna(subset=[group, cluster])
    per_level = rows.groupby(rows[group].astype(str), observed=True)[cluster].nunique()
    return {level: int(per_level.get(level, 0)) for level in levels}
