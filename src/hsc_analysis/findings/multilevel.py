"""Multilevel findings: intraclass correlations, two- and three-level linear mixed models with within, between
and contextual effects, and within-group agreement rwg(j) before aggregating.

Parents answer about their child's class, so their answers are nested in classes (and classes in schools). The
models here are fitted as R's lme4 fits them — the profiled REML (or ML) deviance minimised over the relative
covariance factors, fixed effects by generalised least squares — with Satterthwaite degrees of freedom as
lmerTest computes them. statsmodels' ``MixedLM`` is not used for three reasons, each checked: when a variance
component collapses to zero it returns 0.0 for every cluster-level fixed effect while reporting convergence
(statsmodels issue 10239; the test suite shows it on a data set where lme4 gives the OLS values); it reports z
tests without denominator df; and it gives no AIC/BIC under REML. The fit works on one cross-product matrix per
cluster, so its cost after one pass over the data does not grow with the number of respondents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings._data import NAN_POLICY, numeric_frame, require_columns
from hsc_analysis.findings._lmm import MixedModel, satterthwaite
from hsc_analysis.findings._ols import least_squares
from hsc_analysis.measurement._matrix import check_option

__all__ = ["IccResult", "MultilevelResult", "RwgResult", "icc", "multilevel", "rwg"]

CENTERS = ("group", "grand", None)
RWG_STRONG = 0.70  # the conventional cut-off for aggregating (James, Demaree & Wolf 1984; Bliese 2000)
_T_COLUMNS = ["estimate", "se", "df", "statistic", "p_value", "ci_low", "ci_high"]


# --- ICC ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IccResult:
    """Intraclass correlations of one or more outcomes in one clustering.

    Attributes
    ----------
    table : DataFrame
        One row per outcome: ``outcome, cluster, n, n_dropped, n_clusters, mean_cluster_size, between_variance,
        within_variance, icc1`` (REML null model), ``design_effect`` (Kish's, from it), ``icc1_anova,
        icc2_anova`` (one-way ANOVA, Bliese), ``f, df_between, df_within, p_value`` (the ANOVA F test of cluster
        differences). With a nested clustering also ``outer_cluster, outer_n_clusters, outer_variance,
        outer_icc1`` (see :func:`icc`).
    cluster : tuple of str
        The clustering, outermost first.
    nan_policy : str
        ``"listwise"`` per outcome: cases missing the outcome or a cluster are left out (``n_dropped``).
    flags : tuple of str
        Notes, e.g. an outcome whose between-cluster variance is estimated as zero.
    """

    table: pd.DataFrame
    cluster: tuple[str, ...]
    nan_policy: str
    flags: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def icc(data: pd.DataFrame, *, outcome: str | Sequence[str], cluster: str | Sequence[str]) -> IccResult:
    """ICC(1) from the REML null model and ICC(1), ICC(2) from the one-way ANOVA, for each outcome.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str or sequence of str
        Numeric column(s); each is analysed on its own complete cases.
    cluster : str or (str, str)
        The column naming each respondent's cluster (``class_code``), or the nesting outermost first
        (``("school_code", "class_code")``) for the school and class shares of a three-level null model.

    Returns
    -------
    IccResult

    Notes
    -----
    Null model y_ij = γ00 + u_j + e_ij with u_j ~ N(0, τ00), e_ij ~ N(0, σ²), fitted by REML:
    ICC(1) = τ00 / (τ00 + σ²) (lme4::lmer(y ~ 1 + (1 | cluster))). Nested, y_ijk = γ + v_k + u_jk + e_ijk:
    ``icc1`` = τ_class / (τ_school + τ_class + σ²) and ``outer_icc1`` = τ_school / (τ_school + τ_class + σ²);
    two members of one class correlate icc1 + outer_icc1.

    One-way ANOVA on the (innermost) clusters with mean squares MSB (J − 1 df) and MSW (N − J df), k = N / J the
    mean cluster size: ICC(1) = (MSB − MSW) / (MSB + (k − 1) MSW) and ICC(2) = (MSB − MSW) / MSB, the
    reliability of the cluster means (R multilevel::ICC1, ICC2; Bliese 2000). The ANOVA ICC(1) can be negative;
    the REML one cannot. With unequal cluster sizes the two ICC(1)s differ slightly.

    Design effect (Kish 1965; Muthén & Satorra 1995): DEFF = 1 + (k − 1) ρ, k = N / J the mean size of the
    innermost clusters and ρ the correlation of two of their members in the REML null model (icc1; icc1 +
    outer_icc1 when nested). The variance of a mean is DEFF times that of a simple random sample; DEFF > 2 is the
    usual sign that the clustering must be modelled.

    Matches lme4 1.1-31 (REML variance components and the design effect from them, to 1e-4) and multilevel 2.7
    ``ICC1``/``ICC2`` (to 1e-8) on multilevel::lq2002, mlmRev::Exam and (nested) mlmRev::egsingle.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"y": [1.0, 2, 2, 3, 4, 4, 5, 5, 6], "g": list("aaabbbccc")})
    >>> icc(d, outcome="y", cluster="g").table[["n", "n_clusters", "icc1_anova", "icc2_anova"]].round(3)
       n  n_clusters  icc1_anova  icc2_anova
    0  9           3       0.907       0.967
    """
    function = "icc"
    outcomes = [outcome] if isinstance(outcome, str) else list(outcome)
    if not outcomes:
        raise InputError("The 'outcome' parameter of icc must name at least one column; got none.")
    names = _cluster_names(cluster, function=function)
    require_columns(data, [*outcomes, *names], function=function)
    key = "/".join(names)
    frame = data[outcomes].copy()
    frame[key] = _nested_key(data, names)
    rows, flags = [], []
    for name in outcomes:
        used = numeric_frame(frame, [name], function=function, group=key)
        codes = _level_codes(data.loc[used.data.index], names)
        counts = [int(c.max()) + 1 for c in codes]
        for level, count in zip(reversed(names), counts, strict=True):
            _require_clusters(count, level, function=function)
        if counts[0] == used.n:
            raise DataError(f"{function}: every '{names[-1]}' cluster has one respondent with '{name}'; no ICC exists")
        y = used.data[name].to_numpy()
        model = MixedModel(np.ones((len(y), 1)), y, cluster=codes, z=[(0,)] * len(names), names=list(reversed(names)))
        fit = model.fit(reml=True)
        taus = [float(c[0, 0]) for c in fit.covariances]
        total = sum(taus) + fit.sigma**2
        for level, tau in zip(reversed(names), taus, strict=True):
            if tau < 1e-12:
                flags.append(f"{name}: the between-{level} variance is estimated as 0 (boundary); its ICC(1) = 0")
        row = {
            "outcome": name,
            "cluster": names[-1],
            "n": used.n,
            "n_dropped": used.n_dropped,
            "n_clusters": counts[0],
            "mean_cluster_size": used.n / counts[0],
            "between_variance": taus[0],
            "within_variance": fit.sigma**2,
            "icc1": taus[0] / total,
            "design_effect": 1 + (used.n / counts[0] - 1) * sum(taus) / total,
            **one_way_anova(y, codes[0], counts[0]),
        }
        if len(names) == 2:
            row |= {"outer_cluster": names[0], "outer_n_clusters": counts[1], "outer_variance": taus[1],
                    "outer_icc1": taus[1] / total}  # fmt: skip
        rows.append(row)
    return IccResult(pd.DataFrame(rows), names, NAN_POLICY, tuple(flags))


def _cluster_names(cluster: str | Sequence[str], *, function: str) -> tuple[str, ...]:
    names = (cluster,) if isinstance(cluster, str) else tuple(cluster)
    if not 1 <= len(names) <= 2 or len(set(names)) < len(names):
        raise InputError(
            f"The 'cluster' parameter of {function} must be one column or two different ones (outer, inner); "
            f"got {cluster!r}."
        )
    return names


def one_way_anova(y: np.ndarray, codes: np.ndarray, j: int) -> dict[str, float]:
    """One-way ANOVA of y on j clusters: Bliese's ICC(1), ICC(2) and the F test (NaN without within-cluster df)."""
    n = len(y)
    if n <= j:
        nan = float("nan")
        return dict.fromkeys(("icc1_anova", "icc2_anova", "f"), nan) | {"df_between": j - 1, "df_within": n - j,
                                                                        "p_value": nan}  # fmt: skip
    size = np.bincount(codes, minlength=j)
    means = np.bincount(codes, weights=y, minlength=j) / size
    msb = float(size @ (means - y.mean()) ** 2) / (j - 1)
    msw = float(((y - means[codes]) ** 2).sum()) / (n - j)
    k = n / j
    f = msb / msw
    return {
        "icc1_anova": (msb - msw) / (msb + (k - 1) * msw),
        "icc2_anova": (msb - msw) / msb,
        "f": f,
        "df_between": j - 1,
        "df_within": n - j,
        "p_value": float(stats.f.sf(f, j - 1, n - j)),
    }


def _require_clusters(count: int, cluster: str, *, function: str) -> None:
    if count < 3:
        raise DataError(f"{function}: only {count} cluster(s) in '{cluster}'; a multilevel model needs at least 3")


# --- the mixed model ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MultilevelResult:
    """A two- or three-level linear mixed model.

    Attributes
    ----------
    outcome : str
    cluster : tuple of str
        The nesting, outermost first (``("school_code", "class_code")``); the last is the innermost cluster.
    center : str or None
        How the level-1 predictors were centred (see :func:`multilevel`).
    reml : bool
    fixed_effects : DataFrame
        ``term, estimate, se, df, statistic, p_value, ci_low, ci_high`` (t with Satterthwaite df, 95% CI).
    effects : DataFrame
        With centring: for each predictor its ``within``, ``between`` and ``contextual`` effect (columns
        ``predictor, effect`` and the t columns above); empty without centring.
    variance_components : DataFrame
        ``group, term, variance, sd, correlation, icc``: one row per random effect (``correlation`` on the rows
        ``"a, b"`` of a pair of random effects), the residual last; ``icc`` on intercept rows is the share of
        that level's intercept variance in the sum of intercept and residual variances.
    n, n_dropped : int
        Cases used; cases left out for a missing value in any model variable or cluster.
    n_clusters : dict
        Number of clusters per level.
    log_likelihood, aic, bic : float
        REML (when ``reml``) or ML log-likelihood, and AIC/BIC from it (as lme4's ``logLik``, ``AIC``, ``BIC``).
    singular : bool
        A variance component at the boundary (lme4's ``isSingular``: a relative factor below 1e-4).
    converged : bool
    flags : tuple of str
        Everything the reader must know: a variance collapsed to the boundary, the optimiser not converging.
    robust_ols : DataFrame or None
        When the fit is singular: the OLS fit of the same fixed effects with cluster-robust (CR1) SEs on the
        outermost cluster, t with G − 1 df (G clusters) — the estimates to report beside the singular model.
    df_method : str
        ``"Satterthwaite"``.
    nan_policy : str
    """

    outcome: str
    cluster: tuple[str, ...]
    center: str | None
    reml: bool
    fixed_effects: pd.DataFrame
    effects: pd.DataFrame
    variance_components: pd.DataFrame
    n: int
    n_dropped: int
    n_clusters: dict[str, int]
    log_likelihood: float
    aic: float
    bic: float
    singular: bool
    converged: bool
    flags: tuple[str, ...]
    robust_ols: pd.DataFrame | None
    df_method: str
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        """The fixed effects with the model's outcome, n and fit statistics on every row."""
        out = self.fixed_effects.copy()
        out.insert(0, "outcome", self.outcome)
        out["n"] = self.n
        out["n_clusters"] = self.n_clusters[self.cluster[-1]]
        out["log_likelihood"] = self.log_likelihood
        out["aic"] = self.aic
        out["bic"] = self.bic
        out["singular"] = self.singular
        return out


def multilevel(
    data: pd.DataFrame,
    *,
    outcome: str,
    predictors: Sequence[str] = (),
    cluster: str | Sequence[str],
    level2: Sequence[str] = (),
    random_slopes: Sequence[str] = (),
    center: str | None = "group",
    reml: bool = True,
) -> MultilevelResult:
    """Random-intercept (and random-slope) model of ``outcome`` with respondents nested in clusters.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    outcome : str
    predictors : sequence of str
        Level-1 (respondent) predictors; each must vary within clusters.
    cluster : str or sequence of str
        The cluster column (two levels), or the nesting outermost first for three levels:
        ``("school_code", "class_code")`` puts classes in schools. Inner codes need only be unique within their
        outer cluster (class "1" of two schools are two classes).
    level2 : sequence of str
        Cluster-level variables, constant within each innermost cluster (e.g. the head teacher's enthusiasm),
        entered as they are.
    random_slopes : sequence of str
        Predictors whose slopes vary across the innermost clusters (unstructured covariance with the intercept,
        as lme4's ``(1 + x | cluster)``). With three levels the outer clusters have random intercepts only.
    center : {"group", "grand", None}
        ``"group"``: each predictor minus its cluster mean (term ``x``, the within effect) plus the cluster mean
        (term ``x_mean``, the between effect); the contextual effect is between − within. ``"grand"``: the
        predictor and its cluster mean both minus the grand mean; then ``x`` is the within and ``x_mean`` the
        contextual effect, and between = within + contextual. ``None``: predictors as they are, no means added.
        Means are those of the innermost clusters in the cases analysed.
    reml : bool
        REML (default, as lme4) or ML (for likelihood-ratio tests between models with different fixed effects).

    Returns
    -------
    MultilevelResult

    Notes
    -----
    y = Xβ + Z b + ε, b ~ N(0, σ² ΛΛᵀ), ε ~ N(0, σ² I). The profiled REML criterion minimised over θ (the
    elements of Λ, diagonal ≥ 0) is, with Ṽ = I + ZΛΛᵀZᵀ and r the GLS residual,

        d(θ) = log|Ṽ| + log|XᵀṼ⁻¹X| + (n − p)(1 + log(2π rᵀṼ⁻¹r / (n − p)))

    (ML: without the second term and with n for n − p). β = (XᵀṼ⁻¹X)⁻¹XᵀṼ⁻¹y and Var(β) = σ²(XᵀṼ⁻¹X)⁻¹.
    The df of a contrast Lᵀβ is 2 (LᵀCL)² / (gᵀAg) (Satterthwaite), g the gradient of LᵀC(θ, σ)L and A twice
    the inverse Hessian of the deviance in (θ, σ), both by Richardson-extrapolated central differences, as
    lmerTest. When a variance component is at the boundary the fixed effects are those of the model without it
    (never zeros), the result says so in ``flags``, and the cluster-robust OLS is given in ``robust_ols``:
    V = G/(G − 1) · (n − 1)/(n − p) · (XᵀX)⁻¹ Σ_g X_gᵀe_g e_gᵀX_g (XᵀX)⁻¹ (sandwich::vcovCL, type HC1).

    Matches lme4 1.1-31 and lmerTest 3.1-3 (estimates, SEs, log-likelihood, variance components to 1e-4,
    Satterthwaite df to 1e-4 relative) on mlmRev::Exam (random intercept and random slope of standLRT, group- and
    grand-mean centring with the school mean, REML and ML) and mlmRev::egsingle (three levels), and
    sandwich 3.0-2 ``vcovCL`` to 1e-8.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(np.arange(30), 20)
    >>> x = rng.normal(size=600) + rng.normal(size=30)[g]
    >>> d = pd.DataFrame({"y": 0.5 * x + rng.normal(size=30)[g] + rng.normal(size=600), "x": x, "class": g})
    >>> m = multilevel(d, outcome="y", predictors=["x"], cluster="class")
    >>> m.effects[["predictor", "effect"]].to_numpy().tolist()
    [['x', 'within'], ['x', 'between'], ['x', 'contextual']]
    >>> round(float(m.fixed_effects.set_index("term").loc["x", "estimate"]), 2)
    0.47
    """
    function = "multilevel"
    check_option(center, CENTERS, parameter="center", function=function)
    names = _cluster_names(cluster, function=function)
    predictors, level2, random_slopes = list(predictors), list(level2), list(random_slopes)
    stray = [s for s in random_slopes if s not in predictors]
    if stray:
        raise InputError(
            f"The 'random_slopes' parameter of {function} must name predictors; not among them: {', '.join(stray)}"
        )
    named = [outcome, *predictors, *level2, *names]
    twice = sorted({str(c) for c in named if named.count(c) > 1})
    if twice:
        raise InputError(
            f"{function}: each column may play one part (outcome, predictor, level-2 variable or cluster); "
            f"named more than once: {', '.join(twice)}"
        )
    require_columns(data, named, function=function)
    key = "/".join(names)
    frame = data[[outcome, *predictors, *level2]].copy()
    frame[key] = _nested_key(data, names)
    used = numeric_frame(frame, [outcome, *predictors, *level2], function=function, group=key)
    d = used.data
    codes = _level_codes(data.loc[d.index], names)  # innermost first
    counts = {name: int(c.max()) + 1 for name, c in zip(reversed(names), codes, strict=True)}
    for name, count in counts.items():
        _require_clusters(count, name, function=function)
    inner = codes[0]
    _check_level2(d, level2, inner, names[-1], function=function)
    terms, columns = _design(d, predictors, level2, inner, center, names[-1], function=function)
    x = np.column_stack(columns)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise DataError(f"{function}: the fixed effects {', '.join(terms)} are collinear (a singular design)")
    z_inner = (0, *(terms.index(s) for s in random_slopes))
    z = [z_inner] + [(0,)] * (len(names) - 1)
    model = MixedModel(x, d[outcome].to_numpy(), cluster=codes, z=z, names=list(reversed(names)))
    fit = model.fit(reml=reml)

    fixed = pd.DataFrame([_t_row(satterthwaite(fit, row)) for row in np.eye(len(terms))], columns=_T_COLUMNS).assign(
        term=terms
    )[["term", *_T_COLUMNS]]
    effects = _effects(fit, terms, predictors, center)
    components = _components(fit, model, terms)
    n_params = len(terms) + len(fit.theta) + 1
    flags = []
    singular = model.singular(fit)
    for level, column in singular:
        consequence = (
            "the fixed effects are those of the model without it (not zeros)"
            if column == 0
            else "the random part is over-parameterised; consider dropping this random slope"
        )
        flags.append(
            f"the variance of {terms[column]} across {level} is at the boundary (singular fit, lme4's isSingular): "
            f"{consequence}; cluster-robust OLS (CR1, clusters = {names[0]}) is given beside it in robust_ols"
        )
    if not fit.converged:
        flags.append(f"the optimiser did not report convergence: {fit.message}")
    robust = _cluster_robust_ols(x, d[outcome].to_numpy(), codes[-1], terms) if singular else None
    return MultilevelResult(
        outcome=outcome,
        cluster=names,
        center=center,
        reml=reml,
        fixed_effects=fixed,
        effects=effects,
        variance_components=components,
        n=used.n,
        n_dropped=used.n_dropped,
        n_clusters=counts,
        log_likelihood=-fit.deviance / 2,
        aic=fit.deviance + 2 * n_params,
        bic=fit.deviance + np.log(used.n) * n_params,
        singular=bool(singular),
        converged=fit.converged,
        flags=tuple(flags),
        robust_ols=robust,
        df_method="Satterthwaite",
        nan_policy=NAN_POLICY,
    )


def _nested_key(data: pd.DataFrame, names: tuple[str, ...]) -> pd.Series:
    """One label per innermost cluster (``school/class``), missing where any level is missing."""
    parts = [data[name].astype("string") for name in names]
    key = parts[0]
    for part in parts[1:]:
        key = key + "/" + part
    return key.astype(object).where(key.notna(), np.nan)


def _level_codes(data: pd.DataFrame, names: tuple[str, ...]) -> list[np.ndarray]:
    """Integer codes per level, innermost first; inner codes are nested in their outer clusters."""
    codes = []
    for depth in range(len(names), 0, -1):
        key = _nested_key(data, names[:depth])
        codes.append(pd.factorize(key, sort=True)[0])
    return codes


def _check_level2(d: pd.DataFrame, level2: list[str], inner: np.ndarray, cluster: str, *, function: str) -> None:
    for name in level2:
        values = d[name].to_numpy()
        j = int(inner.max()) + 1
        low = np.full(j, np.inf)
        high = np.full(j, -np.inf)
        np.minimum.at(low, inner, values)
        np.maximum.at(high, inner, values)
        varying = np.flatnonzero(high - low > 1e-9 * max(1.0, float(np.abs(values).max())))
        if len(varying):
            raise DataError(
                f"{function}: level-2 variable '{name}' varies within {len(varying)} '{cluster}' cluster(s); "
                "a level-2 variable must be constant within each cluster (pass respondent variables as predictors)"
            )


def _cluster_means(values: np.ndarray, inner: np.ndarray) -> np.ndarray:
    j = int(inner.max()) + 1
    return (np.bincount(inner, weights=values, minlength=j) / np.bincount(inner, minlength=j))[inner]


def _design(
    d: pd.DataFrame,
    predictors: list[str],
    level2: list[str],
    inner: np.ndarray,
    center: str | None,
    cluster: str,
    *,
    function: str,
) -> tuple[list[str], list[np.ndarray]]:
    terms, columns = ["(Intercept)"], [np.ones(len(d))]
    means = []
    for name in predictors:
        values = d[name].to_numpy()
        if center is None:
            terms.append(name)
            columns.append(values)
            continue
        mean = _cluster_means(values, inner)
        within = values - mean
        if not np.ptp(within) > 1e-9 * max(1.0, float(np.abs(values).max())):
            raise DataError(
                f"{function}: predictor '{name}' does not vary within '{cluster}' clusters; pass it in level2 instead"
            )
        grand = values.mean()
        terms.append(name)
        columns.append(within if center == "group" else values - grand)
        means.append((f"{name}_mean", mean if center == "group" else mean - grand))
    for term, column in means:
        terms.append(term)
        columns.append(column)
    for name in level2:
        terms.append(name)
        columns.append(d[name].to_numpy())
    duplicated = sorted({t for t in terms if terms.count(t) > 1})
    if duplicated:
        raise InputError(f"{function}: term name(s) used twice: {', '.join(duplicated)} (a level-2 column clashes)")
    return terms, columns


def _t_row(contrast: tuple[float, float, float]) -> list[float]:
    estimate, se, df = contrast
    statistic = estimate / se if se > 0 else np.nan
    crit = stats.t.ppf(0.975, df)
    return [estimate, se, df, statistic, float(2 * stats.t.sf(abs(statistic), df)), estimate - crit * se,
            estimate + crit * se]  # fmt: skip


def _effects(fit, terms: list[str], predictors: list[str], center: str | None) -> pd.DataFrame:
    rows = []
    if center is not None:
        for name in predictors:
            w, b = np.zeros(len(terms)), np.zeros(len(terms))
            w[terms.index(name)] = 1.0
            b[terms.index(f"{name}_mean")] = 1.0
            contrasts = {"within": w, "between": b, "contextual": b - w} if center == "group" else {
                "within": w, "between": w + b, "contextual": b}  # fmt: skip
            rows += [[name, effect, *_t_row(satterthwaite(fit, c))] for effect, c in contrasts.items()]
    return pd.DataFrame(rows, columns=["predictor", "effect", *_T_COLUMNS])


def _components(fit, model: MixedModel, terms: list[str]) -> pd.DataFrame:
    rows = []
    sigma2 = fit.sigma**2
    intercepts = sum(float(c[0, 0]) for c in fit.covariances)
    for level, cov in zip(model.levels, fit.covariances, strict=True):
        names = [terms[i] for i in level.z]
        sd = np.sqrt(np.diag(cov))
        for i, name in enumerate(names):
            share = cov[0, 0] / (intercepts + sigma2) if i == 0 else np.nan
            rows.append([level.name, name, cov[i, i], sd[i], np.nan, share])
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                r = cov[i, j] / (sd[i] * sd[j]) if sd[i] * sd[j] > 0 else np.nan
                rows.append([level.name, f"{names[i]}, {names[j]}", np.nan, np.nan, r, np.nan])
    rows.append(["Residual", "", sigma2, fit.sigma, np.nan, np.nan])
    return pd.DataFrame(rows, columns=["group", "term", "variance", "sd", "correlation", "icc"])


def _cluster_robust_ols(x: np.ndarray, y: np.ndarray, codes: np.ndarray, terms: list[str]) -> pd.DataFrame:
    """OLS with CR1 standard errors (sandwich::vcovCL type HC1, Stata's default), t on G − 1 df."""
    g = int(codes.max()) + 1
    q, r = np.linalg.qr(x)
    beta, _, vcov = least_squares(x, y, q=q, r=r, cov_type="cluster", groups=codes)
    rows = [_t_row((float(b), float(np.sqrt(v)), g - 1.0)) for b, v in zip(beta, np.diag(vcov), strict=True)]
    return pd.DataFrame(rows, columns=_T_COLUMNS).assign(term=terms)[["term", *_T_COLUMNS]]


# --- rwg(j) ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RwgResult:
    """Within-group agreement rwg(j) of a multi-item scale, per cluster and summarised.

    Attributes
    ----------
    clusters : DataFrame
        ``cluster, n, mean_item_variance, rwg_j`` (NaN for a cluster of one respondent).
    mean, median : float
        Over clusters with an rwg(j).
    share_strong : float
        Share of those clusters with rwg(j) ≥ 0.70, the usual threshold for aggregating.
    expected_variance : float
        σ²_EU = (A² − 1) / 12 of the uniform null for A response options.
    n_items, n, n_dropped : int
    single_member : tuple
        Clusters with one respondent (no rwg(j)).
    nan_policy : str
        ``"listwise"``: respondents missing any item or the cluster are left out (as R's ``na.exclude``).
    """

    clusters: pd.DataFrame
    mean: float
    median: float
    share_strong: float
    expected_variance: float
    n_items: int
    n: int
    n_dropped: int
    single_member: tuple
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        return self.clusters.copy()


def rwg(data: pd.DataFrame, *, items: Sequence[str], cluster: str, scale: int | tuple[int, int]) -> RwgResult:
    """rwg(j) agreement of each cluster on ``items``, against the uniform (no agreement) null.

    Parameters
    ----------
    data : DataFrame
    items : sequence of str
        The J items of one scale (reverse-keyed items already recoded).
    cluster : str
    scale : int or (int, int)
        The number of response options A, or the lowest and highest option (``(1, 5)``).

    Returns
    -------
    RwgResult

    Notes
    -----
    With s̄² the mean of the J item variances within a cluster (n − 1 denominators) and σ²_EU = (A² − 1)/12,
    rwg(j) = J(1 − s̄²/σ²_EU) / (J(1 − s̄²/σ²_EU) + s̄²/σ²_EU), with s̄² capped at σ²_EU so that rwg(j) ∈ [0, 1]
    (James, Demaree & Wolf 1984). Matches R multilevel 2.7 ``rwg.j(x, grpid, ranvar)`` to 1e-10 on
    multilevel::lq2002.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [4, 4, 5, 1, 5, 3], "b": [4, 5, 5, 2, 4, 1], "g": list("xxxyyy")})
    >>> rwg(d, items=["a", "b"], cluster="g", scale=5).clusters.round(3)
      cluster  n  mean_item_variance  rwg_j
    0       x  3               0.333  0.909
    1       y  3               3.167  0.000
    """
    function = "rwg"
    items = list(items)
    options = _options(scale, function=function)
    used = numeric_frame(data, items, function=function, group=cluster, min_n=2)
    values = used.data[items].to_numpy()
    if isinstance(scale, tuple | list):
        outside = sorted({float(v) for v in values[(values < scale[0]) | (values > scale[1])]})
        if outside:
            raise DataError(f"{function}: item value(s) {outside[:5]} outside the scale {scale[0]}–{scale[1]}")
    elif np.ptp(values) > options - 1:
        raise DataError(f"{function}: item values span {np.ptp(values):g}, more than {options} options allow")
    expected = (options**2 - 1) / 12
    codes, groups = pd.factorize(used.data[cluster], sort=True)
    j = len(groups)
    size = np.bincount(codes, minlength=j)
    means = (
        np.stack([np.bincount(codes, weights=values[:, i], minlength=j) for i in range(len(items))], 1) / size[:, None]
    )
    squares = np.stack(
        [np.bincount(codes, weights=(values[:, i] - means[codes, i]) ** 2, minlength=j) for i in range(len(items))], 1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = np.where(size[:, None] > 1, squares / (size[:, None] - 1), np.nan).mean(axis=1)
    ratio = np.minimum(variance, expected) / expected
    k = len(items)
    rwg_j = np.where(size > 1, k * (1 - ratio) / (k * (1 - ratio) + ratio), np.nan)
    table = pd.DataFrame({"cluster": groups, "n": size, "mean_item_variance": variance, "rwg_j": rwg_j})
    valid = rwg_j[~np.isnan(rwg_j)]
    return RwgResult(
        clusters=table,
        mean=float(valid.mean()) if len(valid) else np.nan,
        median=float(np.median(valid)) if len(valid) else np.nan,
        share_strong=float((valid >= RWG_STRONG).mean()) if len(valid) else np.nan,
        expected_variance=expected,
        n_items=k,
        n=used.n,
        n_dropped=used.n_dropped,
        single_member=tuple(groups[size == 1]),
        nan_policy=NAN_POLICY,
    )


def _options(scale, *, function: str) -> int:
    if isinstance(scale, bool):
        pass
    elif isinstance(scale, int | np.integer) and scale >= 2:
        return int(scale)
    elif (
        isinstance(scale, tuple | list)
        and len(scale) == 2
        and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in scale)
        and scale[1] > scale[0]
    ):
        return int(scale[1] - scale[0] + 1)
    raise InputError(
        f"The 'scale' parameter of {function} must be the number of response options (an integer ≥ 2) or the "
        f"(lowest, highest) option; got {scale!r}."
    )
