"""Group differences: t tests, one-way and Welch ANOVA with post hoc comparisons, their rank-based counterparts and
effect sizes (:func:`compare_groups`), and contingency tables with χ², Fisher's exact test and Cramér's V
(:func:`crosstab`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings._data import (
    NAN_POLICY,
    check_confidence,
    group_levels,
    numeric_frame,
    require_columns,
)
from hsc_analysis.findings._studentized import studentized_range_ppf, studentized_range_sf

__all__ = ["Crosstab", "GroupComparison", "compare_groups", "crosstab"]

EXACT_RANK_MAX_N = 50
"""Rank tests are exact below this n per sample when there are no ties (and no zero differences), as in R's
wilcox.test; otherwise they use the normal approximation with continuity and tie correction."""

TEST_COLUMNS = ["test", "estimate", "se", "statistic", "df", "df2", "p_value", "ci_low", "ci_high", "method"]
POST_HOC_COLUMNS = ["method", "group_1", "group_2", "difference", "se", "statistic", "df", "p_value", "ci_low"]
POST_HOC_COLUMNS += ["ci_high"]


@dataclass(frozen=True)
class GroupComparison:
    """Differences in one outcome between groups.

    Attributes
    ----------
    outcome, group : str
    paired : bool
    descriptives : DataFrame
        Per group: ``group``, ``n``, ``mean``, ``sd``, ``se``, ``median``.
    tests : DataFrame
        One row per test (``test``: levene, student_t, welch_t, mann_whitney; paired_t, wilcoxon; anova,
        welch_anova, brown_forsythe, kruskal_wallis): ``estimate`` (mean difference for t tests), ``se``,
        ``statistic``, ``df``, ``df2``, ``p_value``, ``ci_low``, ``ci_high`` and ``method`` (how it was computed).
    effect_sizes : DataFrame
        ``effect`` (cohens_d, hedges_g, mann_whitney_r / wilcoxon_r; eta_squared, omega_squared,
        epsilon_squared), ``estimate``, ``ci_low``, ``ci_high`` (NaN where no interval is computed), ``method``.
    post_hoc : DataFrame
        Three or more groups: every pair by LSD, Tukey HSD, Scheffé and Games–Howell (``method``, ``group_1``,
        ``group_2``, ``difference`` = mean of group_1 − mean of group_2, ``se``, ``statistic``, ``df``,
        ``p_value``, ``ci_low``, ``ci_high``); empty for two groups.
    n, n_dropped : int
        Cases (pairs when paired) used and left out for a missing outcome or group (or an incomplete pair).
    nan_policy : str
    confidence : float
    """

    outcome: str
    group: str
    paired: bool
    descriptives: pd.DataFrame
    tests: pd.DataFrame
    effect_sizes: pd.DataFrame
    post_hoc: pd.DataFrame
    n: int
    n_dropped: int
    nan_policy: str
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        """Tests and effect sizes in one table (an effect size's name in ``test``)."""
        effects = self.effect_sizes.rename(columns={"effect": "test"})
        return pd.concat([self.tests, effects], ignore_index=True)[TEST_COLUMNS]


def compare_groups(
    data: pd.DataFrame,
    *,
    outcome: str,
    group: str,
    paired: bool = False,
    subject: str | None = None,
    confidence: float = 0.95,
) -> GroupComparison:
    """Compare the mean (and distribution) of ``outcome`` between the groups of ``group``.

    Parameters
    ----------
    data : DataFrame
        One row per case (long format).
    outcome : str
        A numeric column.
    group : str
        The grouping column; a categorical keeps its labels and their order, other values are sorted.
    paired : bool
        Two measurements of the same subjects (two groups only): a case of one group is matched with the case of
        the same subject in the other.
    subject : str, optional
        With ``paired=True``, the column identifying subjects; by default the data's index.
    confidence : float
        Level of the confidence intervals.

    Returns
    -------
    GroupComparison

    Raises
    ------
    DataError
        For a missing or non-numeric column, a constant outcome, fewer than two groups, a group with fewer than
        two cases (named with its n), or a subject measured twice in one group.

    Notes
    -----
    *Two groups.* Student's t with the pooled variance and Welch's t with Satterthwaite's df (R t.test; the
    estimate is mean 1 − mean 2); Levene's test centred on the group means, as SPSS (car::leveneTest(center =
    mean)); Cohen's :math:`d = (\\bar x_1 - \\bar x_2) / s_p` and Hedges' :math:`g = J d` with
    :math:`J = \\Gamma(\\nu/2) / (\\sqrt{\\nu/2}\\,\\Gamma((\\nu-1)/2))`, their CIs from the noncentral t
    (:math:`t = d / \\sqrt{1/n_1 + 1/n_2}`, as effectsize); Mann–Whitney U (U of group 1, R's W): exact when both
    groups have fewer than 50 cases and there are no ties, otherwise the normal approximation with tie and
    continuity correction (R wilcox.test), and :math:`r = |z| / \\sqrt N` with z from the approximation without
    continuity correction.

    *Paired.* Paired t on the differences; :math:`d_z = \\bar d / s_d` (effectsize's paired d) with its
    noncentral-t CI; Wilcoxon's signed-rank V (sum of positive ranks, zero differences dropped, exact under the
    same rule) and :math:`r = |z| / \\sqrt{n_{\\ne 0}}`.

    *Three or more groups.* One-way ANOVA; Welch's ANOVA (R oneway.test); Brown–Forsythe's
    :math:`F^* = \\sum n_j (\\bar x_j - \\bar x)^2 / \\sum (1 - n_j/N) s_j^2` with Satterthwaite's df2;
    :math:`\\eta^2 = SS_b / SS_t` and :math:`\\omega^2 = (SS_b - df_b MS_w) / (SS_t + MS_w)` with CIs from the
    noncentral F as effectsize computes them (for ω² from the F implied by ω²); Kruskal–Wallis H with ties
    corrected and :math:`\\varepsilon^2 = H / (N - 1)` (effectsize::rank_epsilon_squared; no interval).
    Post hoc: LSD (pooled t, no adjustment), Tukey HSD (studentized range), Scheffé
    (:math:`F = d^2 / (s^2 (k-1))`), Games–Howell (Welch SE and df, studentized range). The studentized range
    distribution is integrated on a fixed Gauss–Legendre grid for all pairs at once (equal to scipy's adaptive
    integration to 1e-10, and a post hoc table about 15 times faster).

    Effect-size intervals are two-sided (effectsize's default for η² and ω² is one-sided). Checked on bfi,
    PlantGrowth and sleep against R 4.2.2 t.test, oneway.test, aov, TukeyHSD, pairwise.t.test, kruskal.test,
    wilcox.test, car::leveneTest 3.1-1 (1e-10; studentized-range p and CIs 1e-7), effectsize 0.8.3 (1e-10;
    intervals 1e-6: effectsize finds them with Nelder–Mead) and rstatix::games_howell_test 0.7.2.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"EFT": [3.0, 3.5, 4.0, 4.5, 2.5, 3.0, 3.5, 2.0], "sex": ["f"] * 4 + ["m"] * 4})
    >>> result = compare_groups(data, outcome="EFT", group="sex")
    >>> result.tests.set_index("test").loc["student_t", ["estimate", "statistic", "df"]].round(3).tolist()
    [1.0, 2.191, 6.0]
    """
    function = "compare_groups"
    check_confidence(confidence, function=function)
    if paired:
        return _paired(data, outcome=outcome, group=group, subject=subject, confidence=confidence)
    if subject is not None:
        raise InputError("The 'subject' parameter of compare_groups is used only with paired=True.")
    frame = numeric_frame(data, [outcome], function=function, group=group)
    levels = group_levels(frame.data[group])
    samples = [frame.data[outcome].to_numpy()[levels.codes == i] for i in range(len(levels.labels))]
    _check_groups(samples, levels.labels, group=group, outcome=outcome)
    descriptives = _descriptives(samples, levels.labels)
    if len(samples) == 2:
        tests, effects = _two_groups(*samples, confidence=confidence)
        post_hoc = pd.DataFrame(columns=POST_HOC_COLUMNS)
    else:
        tests, effects, post_hoc = _several_groups(samples, levels.labels, confidence=confidence)
    return GroupComparison(
        outcome,
        group,
        False,
        descriptives,
        _tests(tests),
        pd.DataFrame(effects),
        post_hoc,
        frame.n,
        frame.n_dropped,
        NAN_POLICY,
        confidence,
    )


def _check_groups(samples: list[np.ndarray], labels: tuple[str, ...], *, group: str, outcome: str) -> None:
    if len(samples) < 2:
        raise DataError(f"compare_groups: column {group} has {len(samples)} group(s) with {outcome}; at least 2")
    small = [f"{label} (n = {len(s)})" for label, s in zip(labels, samples, strict=True) if len(s) < 2]
    if small:
        raise DataError(
            f"compare_groups: too few cases in group(s) of {group} with {outcome}: {', '.join(small)}; "
            "every group needs at least 2"
        )
    if all(np.ptp(s) == 0 for s in samples):
        raise DataError(f"compare_groups: {outcome} does not vary within any group of {group}")


def _descriptives(samples: list[np.ndarray], labels: tuple[str, ...]) -> pd.DataFrame:
    n = np.array([len(s) for s in samples])
    sd = np.array([s.std(ddof=1) for s in samples])
    return pd.DataFrame(
        {
            "group": list(labels),
            "n": n,
            "mean": [s.mean() for s in samples],
            "sd": sd,
            "se": sd / np.sqrt(n),
            "median": [np.median(s) for s in samples],
        }
    )


def _tests(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=TEST_COLUMNS)


def _two_groups(x1: np.ndarray, x2: np.ndarray, *, confidence: float) -> tuple[list[dict], list[dict]]:
    n1, n2 = len(x1), len(x2)
    v1, v2 = x1.var(ddof=1), x2.var(ddof=1)
    difference = x1.mean() - x2.mean()
    tail = (1 + confidence) / 2
    rows = [_levene([x1, x2])]
    pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2)
    welch_df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    for name, se, df, method in (
        ("student_t", np.sqrt(pooled * (1 / n1 + 1 / n2)), n1 + n2 - 2, "pooled variance"),
        ("welch_t", np.sqrt(v1 / n1 + v2 / n2), welch_df, "Welch–Satterthwaite df"),
    ):
        rows.append(_t_row(name, difference, se, df, tail, method))
    d = difference / np.sqrt(pooled)
    effects = _d_and_g(d, scale=np.sqrt(1 / n1 + 1 / n2), df=n1 + n2 - 2, confidence=confidence, method="pooled SD")
    ties = len(np.unique(np.concatenate([x1, x2]))) < n1 + n2
    exact = n1 < EXACT_RANK_MAX_N and n2 < EXACT_RANK_MAX_N and not ties
    u = stats.mannwhitneyu(x1, x2, use_continuity=True, method="exact" if exact else "asymptotic")
    method = "exact" if exact else "normal approximation, tie and continuity corrected"
    rows.append({"test": "mann_whitney", "statistic": float(u.statistic), "p_value": float(u.pvalue), "method": method})
    ranks = stats.rankdata(np.concatenate([x1, x2]))
    _, tie_counts = np.unique(ranks, return_counts=True)
    n = n1 + n2
    sigma = np.sqrt(n1 * n2 / 12 * (n + 1 - np.sum(tie_counts**3 - tie_counts) / (n * (n - 1))))
    z = (u.statistic - n1 * n2 / 2) / sigma
    effects.append(_r_row("mann_whitney_r", z, n))
    return rows, effects


def _t_row(name: str, estimate: float, se: float, df: float, tail: float, method: str) -> dict:
    t = estimate / se
    half = stats.t.ppf(tail, df) * se
    return {
        "test": name,
        "estimate": estimate,
        "se": se,
        "statistic": t,
        "df": float(df),
        "p_value": 2 * stats.t.sf(abs(t), df),
        "ci_low": estimate - half,
        "ci_high": estimate + half,
        "method": method,
    }


def _r_row(name: str, z: float, n: int) -> dict:
    method = "|z| / sqrt(n), z from the normal approximation without continuity correction"
    return {"effect": name, "estimate": abs(z) / np.sqrt(n), "ci_low": np.nan, "ci_high": np.nan, "method": method}


def _d_and_g(d: float, *, scale: float, df: float, confidence: float, method: str) -> list[dict]:
    low, high = _ncp_interval(lambda ncp: stats.nct.cdf(d / scale, df, ncp), d / scale, confidence, bounded=False)
    j = np.exp(special.gammaln(df / 2) - np.log(np.sqrt(df / 2)) - special.gammaln((df - 1) / 2))
    return [
        {"effect": "cohens_d", "estimate": d, "ci_low": low * scale, "ci_high": high * scale, "method": method},
        {
            "effect": "hedges_g",
            "estimate": d * j,
            "ci_low": low * scale * j,
            "ci_high": high * scale * j,
            "method": f"{method}, exact small-sample correction J",
        },
    ]


def _ncp_interval(
    cdf: Callable[[float], float], observed: float, confidence: float, *, bounded: bool
) -> tuple[float, float]:
    """The noncentrality parameters at which the observed statistic is the (1 + c)/2 and (1 − c)/2 quantile.

    ``cdf(ncp)`` is the distribution function at the observed statistic, decreasing in ncp. For F and χ²
    (``bounded``) the ncp is at least 0, and a bound is 0 when the statistic is below the central quantile.
    """
    targets = ((1 + confidence) / 2, (1 - confidence) / 2)
    bounds = []
    for target in targets:
        low = 0.0 if bounded else observed - 1.0
        if bounded and cdf(0.0) <= target:
            bounds.append(0.0)
            continue
        if not bounded:
            while cdf(low) < target:
                low -= 2 * (1 + abs(low))
        high = max(observed, 0.0) + 1.0
        while cdf(high) > target:
            high += 2 * (1 + abs(high))
        bounds.append(optimize.brentq(lambda ncp, t=target: cdf(ncp) - t, low, high, xtol=1e-12, rtol=1e-14))
    return bounds[0], bounds[1]


def _levene(samples: list[np.ndarray]) -> dict:
    deviations = [np.abs(s - s.mean()) for s in samples]
    # a group of two has two equal deviations (up to rounding): with no other spread the test does not exist
    if all(len(d) <= 2 or np.ptp(d) == 0 for d in deviations):
        return {"test": "levene", "method": "undefined: the absolute deviations do not vary within any group"}
    anova = _anova(deviations)
    return {
        "test": "levene",
        "statistic": anova["f"],
        "df": anova["df_between"],
        "df2": anova["df_within"],
        "p_value": anova["p_value"],
        "method": "centred on the group means (SPSS)",
    }


def _anova(samples: list[np.ndarray]) -> dict:
    n = np.array([len(s) for s in samples])
    means = np.array([s.mean() for s in samples])
    grand = np.concatenate(samples).mean()
    ss_between = float(np.sum(n * (means - grand) ** 2))
    ss_within = float(sum(np.sum((s - m) ** 2) for s, m in zip(samples, means, strict=True)))
    df_between, df_within = len(samples) - 1, int(n.sum()) - len(samples)
    f = (ss_between / df_between) / (ss_within / df_within)
    return {
        "ss_between": ss_between,
        "ss_within": ss_within,
        "df_between": df_between,
        "df_within": df_within,
        "f": f,
        "p_value": stats.f.sf(f, df_between, df_within),
    }


def _several_groups(
    samples: list[np.ndarray], labels: tuple[str, ...], *, confidence: float
) -> tuple[list[dict], list[dict], pd.DataFrame]:
    k = len(samples)
    n = np.array([len(s) for s in samples], dtype=float)
    means = np.array([s.mean() for s in samples])
    variances = np.array([s.var(ddof=1) for s in samples])
    total = n.sum()
    anova = _anova(samples)
    rows = [
        {
            "test": "anova",
            "statistic": anova["f"],
            "df": anova["df_between"],
            "df2": anova["df_within"],
            "p_value": anova["p_value"],
            "method": "one-way, equal variances",
        }
    ]
    flat = variances == 0
    if flat.any():  # Welch's weights n / s² are infinite
        shown = ", ".join(np.asarray(labels, dtype=object)[flat])
        rows.append({"test": "welch_anova", "method": f"undefined: no variance in group(s) {shown}"})
    else:
        weights = n / variances
        weighted = np.sum(weights * means) / weights.sum()
        spread = np.sum((1 - weights / weights.sum()) ** 2 / (n - 1))
        f_welch = (np.sum(weights * (means - weighted) ** 2) / (k - 1)) / (1 + 2 * (k - 2) / (k**2 - 1) * spread)
        df_welch = (k**2 - 1) / (3 * spread)
        rows.append(
            {
                "test": "welch_anova",
                "statistic": f_welch,
                "df": k - 1.0,
                "df2": df_welch,
                "p_value": stats.f.sf(f_welch, k - 1, df_welch),
                "method": "Welch (R oneway.test)",
            }
        )
    share = (1 - n / total) * variances
    f_bf = anova["ss_between"] / share.sum()
    df_bf = 1 / np.sum((share / share.sum()) ** 2 / (n - 1))
    rows.append(
        {
            "test": "brown_forsythe",
            "statistic": f_bf,
            "df": k - 1.0,
            "df2": df_bf,
            "p_value": stats.f.sf(f_bf, k - 1, df_bf),
            "method": "Brown–Forsythe F* for means",
        }
    )
    rows.insert(1, _levene(samples))
    kruskal = stats.kruskal(*samples)
    rows.append(
        {
            "test": "kruskal_wallis",
            "statistic": float(kruskal.statistic),
            "df": k - 1.0,
            "p_value": float(kruskal.pvalue),
            "method": "χ² approximation, ties corrected",
        }
    )
    ss_total = anova["ss_between"] + anova["ss_within"]
    ms_within = anova["ss_within"] / anova["df_within"]
    eta = anova["ss_between"] / ss_total
    omega = max(0.0, (anova["ss_between"] - anova["df_between"] * ms_within) / (ss_total + ms_within))
    effects = []
    for name, value, method in (
        ("eta_squared", eta, "SS_between / SS_total; noncentral-F CI"),
        ("omega_squared", omega, "noncentral-F CI of the F implied by ω² (effectsize)"),
    ):
        low, high = _variance_share_interval(value, anova["df_between"], anova["df_within"], confidence)
        effects.append({"effect": name, "estimate": value, "ci_low": low, "ci_high": high, "method": method})
    effects.append(
        {
            "effect": "epsilon_squared",
            "estimate": float(kruskal.statistic) / (total - 1),
            "ci_low": np.nan,
            "ci_high": np.nan,
            "method": "H / (N − 1), rank-based",
        }
    )
    return rows, effects, _post_hoc(n, means, variances, labels, anova, confidence)


def _variance_share_interval(share: float, df1: float, df2: float, confidence: float) -> tuple[float, float]:
    f = (share / df1) / ((1 - share) / df2)
    low, high = _ncp_interval(lambda ncp: stats.ncf.cdf(f, df1, df2, ncp), f * df1, confidence, bounded=True)
    return low / (low + df2), min(1.0, high / (high + df2))


def _post_hoc(
    n: np.ndarray, means: np.ndarray, variances: np.ndarray, labels: tuple[str, ...], anova: dict, confidence: float
) -> pd.DataFrame:
    k = len(n)
    i, j = np.triu_indices(k, 1)
    difference = means[i] - means[j]
    ms_within, df_within = anova["ss_within"] / anova["df_within"], anova["df_within"]
    se = np.sqrt(ms_within * (1 / n[i] + 1 / n[j]))
    tail = (1 + confidence) / 2
    welch_terms = variances[i] / n[i], variances[j] / n[j]
    se_welch = np.sqrt(welch_terms[0] + welch_terms[1])
    se_welch[se_welch == 0] = np.nan  # Games–Howell is undefined for two groups without variance
    df_welch = se_welch**4 / (welch_terms[0] ** 2 / (n[i] - 1) + welch_terms[1] ** 2 / (n[j] - 1))
    df_pooled = np.full(len(i), float(df_within))
    q_pooled = studentized_range_ppf(confidence, k, df_within)[0]
    q_welch = studentized_range_ppf(confidence, k, df_welch)
    t = difference / se
    methods = {
        "lsd": (se, t, df_pooled, 2 * stats.t.sf(np.abs(t), df_within), stats.t.ppf(tail, df_within) * se),
        "tukey_hsd": (
            se,
            np.abs(t) * np.sqrt(2),
            df_pooled,
            studentized_range_sf(np.abs(t) * np.sqrt(2), k, df_within),
            q_pooled * se / np.sqrt(2),
        ),
        "scheffe": (
            se,
            t**2 / (k - 1),
            df_pooled,
            stats.f.sf(t**2 / (k - 1), k - 1, df_within),
            np.sqrt((k - 1) * stats.f.ppf(confidence, k - 1, df_within)) * se,
        ),
        "games_howell": (
            se_welch,
            difference / se_welch,
            df_welch,
            studentized_range_sf(np.abs(difference / se_welch) * np.sqrt(2), k, df_welch),
            q_welch * se_welch / np.sqrt(2),
        ),
    }
    names = np.asarray(labels, dtype=object)
    frames = [
        pd.DataFrame(
            {
                "method": method,
                "group_1": names[i],
                "group_2": names[j],
                "difference": difference,
                "se": s,
                "statistic": statistic,
                "df": df,
                "p_value": p,
                "ci_low": difference - half,
                "ci_high": difference + half,
            }
        )
        for method, (s, statistic, df, p, half) in methods.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _paired(data: pd.DataFrame, *, outcome: str, group: str, subject: str | None, confidence: float):
    function = "compare_groups"
    require_columns(data, [outcome, group, *([subject] if subject else [])], function=function)
    ids = data[subject] if subject else pd.Series(data.index, index=data.index)
    keyed = data.assign(_subject=ids.to_numpy())
    frame = numeric_frame(keyed[keyed["_subject"].notna()], [outcome], function=function, group=group)
    levels = group_levels(frame.data[group])
    if len(levels.labels) != 2:
        raise DataError(f"compare_groups: paired=True needs exactly 2 groups in {group}; got {len(levels.labels)}")
    subjects = keyed.loc[frame.data.index, "_subject"].to_numpy()
    twice = pd.Series(list(zip(subjects, levels.codes, strict=True))).duplicated()
    if twice.any():
        shown = subjects[twice.to_numpy()][0]
        raise DataError(f"compare_groups: subject {shown} has two {outcome} values in one group of {group}")
    wide = pd.DataFrame({"subject": subjects, "level": levels.codes, "y": frame.data[outcome].to_numpy()})
    wide = wide.set_index(["subject", "level"])["y"].unstack("level")  # noqa: PD010
    all_subjects = pd.unique(keyed["_subject"].dropna())
    complete = wide.dropna()
    x1, x2 = complete[0].to_numpy(), complete[1].to_numpy()
    _check_groups([x1, x2], levels.labels, group=group, outcome=outcome)
    differences = x1 - x2
    n = len(differences)
    sd = differences.std(ddof=1)
    if not sd > 0:
        raise DataError(f"compare_groups: the paired differences of {outcome} do not vary")
    rows = [_t_row("paired_t", differences.mean(), sd / np.sqrt(n), n - 1, (1 + confidence) / 2, "paired")]
    effects = _d_and_g(
        differences.mean() / sd,
        scale=np.sqrt(1 / n),
        df=n - 1,
        confidence=confidence,
        method="d_z: mean difference / SD of the differences",
    )
    nonzero = differences[differences != 0]
    m = len(nonzero)
    ranks = stats.rankdata(np.abs(nonzero))
    exact = m < EXACT_RANK_MAX_N and len(np.unique(ranks)) == m and m == n
    test = stats.wilcoxon(nonzero, zero_method="wilcox", correction=True, method="exact" if exact else "approx")
    method = "exact" if exact else "normal approximation, tie and continuity corrected; zero differences dropped"
    v = float(ranks[nonzero > 0].sum())
    rows.append({"test": "wilcoxon", "statistic": v, "p_value": float(test.pvalue), "method": method})
    _, tie_counts = np.unique(ranks, return_counts=True)
    sigma = np.sqrt(m * (m + 1) * (2 * m + 1) / 24 - np.sum(tie_counts**3 - tie_counts) / 48)
    effects.append(_r_row("wilcoxon_r", (v - m * (m + 1) / 4) / sigma, m))
    descriptives = _descriptives([x1, x2], levels.labels)
    empty = pd.DataFrame(columns=POST_HOC_COLUMNS)
    return GroupComparison(
        outcome,
        group,
        True,
        descriptives,
        _tests(rows),
        pd.DataFrame(effects),
        empty,
        n,
        len(all_subjects) - n,
        NAN_POLICY,
        confidence,
    )


@dataclass(frozen=True)
class Crosstab:
    """A contingency table of two categorical variables with its tests.

    Attributes
    ----------
    row, column : str
    counts : DataFrame
        Observed counts, rows × columns labelled by the levels.
    cells : DataFrame
        One row per cell: ``row``, ``column``, ``n``, ``expected``, ``row_percent``, ``column_percent``,
        ``total_percent``.
    tests : DataFrame
        ``test`` (chi_square, and fisher_exact for a 2 × 2 table with an expected count below 5), ``statistic``,
        ``df``, ``p_value``, ``method``.
    effect_sizes : DataFrame
        ``cramers_v`` with ``estimate``, ``ci_low``, ``ci_high`` (noncentral-χ² interval).
    notes : tuple of str
        E.g. how many cells have an expected count below 5.
    n, n_dropped : int
        Cases tabulated and cases left out for a missing row or column value.
    nan_policy : str
    """

    row: str
    column: str
    counts: pd.DataFrame
    cells: pd.DataFrame
    tests: pd.DataFrame
    effect_sizes: pd.DataFrame
    n: int
    n_dropped: int
    nan_policy: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        return self.cells.copy()


def crosstab(data: pd.DataFrame, *, row: str, column: str, confidence: float = 0.95) -> Crosstab:
    """Cross-tabulate two categorical variables: counts, percentages, expected counts, χ² and Cramér's V.

    Parameters
    ----------
    data : DataFrame
    row, column : str
        Categorical columns (codes, text or labelled categoricals; a categorical keeps its labels and order).
    confidence : float
        Level of the interval of Cramér's V.

    Returns
    -------
    Crosstab

    Notes
    -----
    Pearson's :math:`\\chi^2 = \\sum (O - E)^2 / E` with :math:`E = n_{i\\cdot} n_{\\cdot j} / n` and
    :math:`(r-1)(c-1)` df; for a 2 × 2 table with Yates' continuity correction
    :math:`\\sum (|O - E| - \\min(0.5, |O - E|))^2 / E` as R's chisq.test does by default. A 2 × 2 table with
    an expected count below 5 adds Fisher's exact test (two-sided, R fisher.test), and a note says to report it.
    Cramér's :math:`V = \\sqrt{\\chi^2 / (n (\\min(r, c) - 1))}` from the uncorrected χ², with the two-sided
    interval from the noncentral χ² as effectsize::cramers_v(adjust = FALSE). Checked against R 4.2.2
    chisq.test, fisher.test (1e-10) and effectsize 0.8.3 (V 1e-10, interval 1e-6) on bfi and mtcars.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"sex": list("ffffmmmm"), "rural": [1, 1, 1, 0, 0, 0, 1, 0]})
    >>> crosstab(data, row="sex", column="rural").counts
       0  1
    f  1  3
    m  3  1
    """
    function = "crosstab"
    check_confidence(confidence, function=function)
    require_columns(data, [row, column], function=function)
    complete = data[[row, column]].dropna()
    if complete.empty:
        raise DataError(f"crosstab: no case has both {row} and {column}")
    rows, columns = group_levels(complete[row]), group_levels(complete[column])
    for name, levels in ((row, rows), (column, columns)):
        if len(levels.labels) < 2:
            raise DataError(f"crosstab: column {name} takes only one value ({levels.labels[0]}); at least 2 needed")
    shape = (len(rows.labels), len(columns.labels))
    observed = np.zeros(shape)
    np.add.at(observed, (rows.codes, columns.codes), 1)
    n = observed.sum()
    expected = observed.sum(axis=1, keepdims=True) * observed.sum(axis=0, keepdims=True) / n
    df = (shape[0] - 1) * (shape[1] - 1)
    deviation = np.abs(observed - expected)
    chi_square = float(np.sum(deviation**2 / expected))
    notes = []
    small = int((expected < 5).sum())
    if small:
        notes.append(f"{small} cell(s) ({100 * small / expected.size:.1f} %) have an expected count below 5")
    if shape == (2, 2):
        yates = min(0.5, float(deviation.min()))
        corrected = float(np.sum((deviation - yates) ** 2 / expected))
        tests = [
            {
                "test": "chi_square",
                "statistic": corrected,
                "df": 1.0,
                "p_value": stats.chi2.sf(corrected, 1),
                "method": "Pearson with Yates' continuity correction (2 × 2)",
            }
        ]
        if small:
            fisher = stats.fisher_exact(observed, alternative="two-sided")
            tests.append(
                {
                    "test": "fisher_exact",
                    "statistic": float(fisher.statistic),
                    "df": np.nan,
                    "p_value": float(fisher.pvalue),
                    "method": "two-sided; statistic is the odds ratio",
                }
            )
            notes.append("2 × 2 table with an expected count below 5: report Fisher's exact test")
    else:
        tests = [
            {
                "test": "chi_square",
                "statistic": chi_square,
                "df": float(df),
                "p_value": stats.chi2.sf(chi_square, df),
                "method": "Pearson",
            }
        ]
    scale = n * (min(shape) - 1)
    low, high = _ncp_interval(lambda ncp: stats.ncx2.cdf(chi_square, df, ncp), chi_square, confidence, bounded=True)
    effect = {
        "effect": "cramers_v",
        "estimate": np.sqrt(chi_square / scale),
        "ci_low": np.sqrt(low / scale),
        "ci_high": min(1.0, np.sqrt(high / scale)),
        "method": "uncorrected χ²; noncentral-χ² CI",
    }
    r_index, c_index = np.indices(shape)
    cells = pd.DataFrame(
        {
            "row": np.asarray(rows.labels, dtype=object)[r_index.ravel()],
            "column": np.asarray(columns.labels, dtype=object)[c_index.ravel()],
            "n": observed.ravel().astype(int),
            "expected": expected.ravel(),
            "row_percent": (100 * observed / observed.sum(axis=1, keepdims=True)).ravel(),
            "column_percent": (100 * observed / observed.sum(axis=0, keepdims=True)).ravel(),
            "total_percent": (100 * observed / n).ravel(),
        }
    )
    counts = pd.DataFrame(observed.astype(int), index=list(rows.labels), columns=list(columns.labels))
    return Crosstab(
        row,
        column,
        counts,
        cells,
        pd.DataFrame(tests),
        pd.DataFrame([effect]),
        int(n),
        len(data) - int(n),
        NAN_POLICY,
        tuple(notes),
    )
