"""PROCESS models (Hayes): mediation (models 4 and 6), moderation (model 1) and moderated mediation (models 7, 14).

OLS equations as PROCESS estimates them, t-based intervals for coefficients and conditional effects, and a case or
cluster bootstrap (percentile or bias-corrected) for indirect effects, computed from cross-product matrices of all
resamples at once (see :mod:`hsc_analysis.findings._bootstrap`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings import _bootstrap
from hsc_analysis.findings._data import NAN_POLICY, check_confidence, numeric_frame
from hsc_analysis.findings._ols import (
    COV_TYPES,
    Fit,
    conditional_effects,
    fit_ols,
    johnson_neyman,
    probe_values,
    product_test,
    t_table,
)
from hsc_analysis.measurement._matrix import check_option

__all__ = [
    "MediationResult",
    "ModeratedMediationResult",
    "ModerationResult",
    "mediation",
    "moderated_mediation",
    "moderation",
]

CI_METHODS = ("percentile", "bc")
_CONSTANT = "constant"
_MAX_SERIAL = 6


@dataclass(frozen=True)
class MediationResult:
    """PROCESS model 4 (parallel mediators) or 6 (serial mediators).

    Attributes
    ----------
    models : DataFrame
        One row per equation (each mediator, the outcome, then the total-effect model of Y on X):
        ``outcome, role, r, r_squared, mse, f, df1, df2, p_value, n``.
    paths : DataFrame
        Every coefficient of every equation: ``outcome, role, term, path`` (a1, d21, b1, c', c or empty for the
        constant and covariates), ``estimate, se, statistic`` (t), ``df, p_value, ci_low, ci_high`` (t-based), and
        ``std_estimate``, the completely standardised coefficient β = B·SD(term)/SD(outcome) on the analysed cases
        (NaN for the constant; its test is the t test of B).
    effects : DataFrame
        ``effect`` (total, direct, indirect, total indirect), ``path``, ``estimate``, ``se`` (OLS for total and
        direct, bootstrap for indirect effects), ``statistic, df, p_value`` (t; NaN for indirect effects),
        ``ci_low, ci_high`` (t-based, or bootstrap), and the completely standardised effect (×SD_X/SD_Y)
        ``std_estimate, std_se, std_ci_low, std_ci_high`` (bootstrap, standardised within each resample).
    contrasts : DataFrame
        Pairwise differences of the specific indirect effects (first − second), bootstrap SE and interval.
    """

    models: pd.DataFrame
    paths: pd.DataFrame
    effects: pd.DataFrame
    contrasts: pd.DataFrame
    model: int
    x: str
    mediators: tuple[str, ...]
    y: str
    covariates: tuple[str, ...]
    n: int
    n_dropped: int
    nan_policy: str
    n_boot: int
    n_boot_valid: int
    ci: str
    confidence: float
    seed: int | None
    cluster: str | None
    n_clusters: int | None

    def to_frame(self) -> pd.DataFrame:
        """The effects table (total, direct and indirect effects)."""
        return self.effects


@dataclass(frozen=True)
class ModerationResult:
    """PROCESS model 1: Y on X, W and X × W.

    Attributes
    ----------
    model : DataFrame
        The equation's summary (one row): ``outcome, r, r_squared, mse, f, df1, df2, p_value, n``.
    coefficients : DataFrame
        ``outcome, term, estimate, se, statistic, df, p_value, ci_low, ci_high`` (t-based; HC3 if asked).
    interaction : DataFrame
        The test of the product term added last (one row): ``term, r_squared_change, f, df1, df2, p_value``.
    conditional_effects : DataFrame
        The effect of X at values of W: ``moderator_value`` (16th/50th/84th percentile, mean ± 1 SD, or the two
        values of a dichotomous W), ``w`` (in the data's metric), ``estimate, se, statistic, df, p_value, ci_low,
        ci_high``.
    johnson_neyman : DataFrame
        Values of W where the effect of X crosses significance at ``confidence``: ``w, share_below, share_above``
        (shares of the sample); empty when there is none inside the data's range or W is dichotomous.
    regions : DataFrame
        The observed range of W cut at those boundaries: ``w_from, w_to, significant, share``.
    """

    model: pd.DataFrame
    coefficients: pd.DataFrame
    interaction: pd.DataFrame
    conditional_effects: pd.DataFrame
    johnson_neyman: pd.DataFrame
    regions: pd.DataFrame
    x: str
    w: str
    y: str
    covariates: tuple[str, ...]
    center: bool
    cov_type: str
    confidence: float
    n: int
    n_dropped: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        """The conditional effects of X at values of W."""
        return self.conditional_effects


@dataclass(frozen=True)
class ModeratedMediationResult:
    """PROCESS model 7 (W moderates X → M) or 14 (W moderates M → Y).

    Attributes
    ----------
    models, paths : DataFrame
        As :class:`MediationResult` (mediator and outcome equations).
    interaction : DataFrame
        The test of the product term in the equation it enters (one row), as :class:`ModerationResult`.
    conditional_effects : DataFrame
        The moderated path (X → M for model 7, M → Y for model 14) at values of W, t-based.
    direct : DataFrame
        The direct effect of X on Y (one row; not moderated in either model), t-based.
    conditional_indirect : DataFrame
        ``moderator_value, w, estimate, se, ci_low, ci_high``: the indirect effect at values of W, bootstrap.
    index : DataFrame
        The index of moderated mediation (a3·b for model 7, a·b3 for model 14; one row): ``estimate, se, ci_low,
        ci_high`` (bootstrap), the formal test of moderated mediation.
    """

    models: pd.DataFrame
    paths: pd.DataFrame
    interaction: pd.DataFrame
    conditional_effects: pd.DataFrame
    direct: pd.DataFrame
    conditional_indirect: pd.DataFrame
    index: pd.DataFrame
    model: int
    x: str
    mediator: str
    w: str
    y: str
    covariates: tuple[str, ...]
    center: bool
    n: int
    n_dropped: int
    nan_policy: str
    n_boot: int
    n_boot_valid: int
    ci: str
    confidence: float
    seed: int | None
    cluster: str | None
    n_clusters: int | None

    def to_frame(self) -> pd.DataFrame:
        """The conditional indirect effects with the index of moderated mediation as the last row."""
        index = self.index.assign(moderator_value="index of moderated mediation", w=np.nan)
        return pd.concat([self.conditional_indirect, index[self.conditional_indirect.columns]], ignore_index=True)


@dataclass(frozen=True)
class _Design:
    """The analysis variables as one matrix (constant first, then variables and products, by name)."""

    names: list[str]
    matrix: np.ndarray
    n: int
    n_dropped: int
    shifts: dict[str, float]
    clusters: np.ndarray | None
    n_clusters: int | None
    confidence: float
    function: str

    def column(self, name: str) -> int:
        return self.names.index(name)

    def fit(self, outcome: str, predictors: Sequence[str], *, cov_type: str = "nonrobust") -> Fit:
        terms = [_CONSTANT, *predictors]
        columns = [self.column(t) for t in terms]
        return fit_ols(
            self.matrix[:, columns],
            self.matrix[:, self.column(outcome)],
            terms=terms,
            outcome=outcome,
            cov_type=cov_type,
            confidence=self.confidence,
            function=self.function,
        )

    def equation(self, fit: Fit) -> _bootstrap.Equation:
        return self.column(fit.outcome), [self.column(t) for t in fit.terms]


def _as_names(value, parameter: str, function: str) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(v, str) for v in names):
        raise InputError(f"The '{parameter}' parameter of {function} must be column names; got {value!r}.")
    return names


def _check_roles(roles: dict[str, Sequence[str]], function: str) -> None:
    seen: dict[str, str] = {}
    for role, names in roles.items():
        for name in names:
            if name in seen:
                raise InputError(f"{function}: column {name!r} is given as both {seen[name]} and {role}")
            seen[name] = role


def _check_bootstrap(n_boot: int, seed: int | None, ci: str, function: str) -> None:
    check_option(ci, CI_METHODS, parameter="ci", function=function)
    if not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise InputError(f"The 'n_boot' parameter of {function} must be a whole number ≥ 0; got {n_boot!r}.")
    if n_boot and seed is None:
        raise InputError(f"{function}: give a seed for the bootstrap (or n_boot=0)")


def _design(
    data: pd.DataFrame,
    variables: Sequence[str],
    *,
    products: Sequence[tuple[str, str]],
    center: Sequence[str],
    cluster: str | None,
    min_n: int,
    confidence: float,
    function: str,
) -> _Design:
    """Complete cases of ``variables``; the ``center`` ones mean-centred; product columns named ``a:b`` appended."""
    frame = numeric_frame(data, variables, function=function, min_n=min_n, group=cluster)
    table = frame.data[list(variables)].astype(float)
    shifts = {name: float(table[name].mean()) for name in center}
    for name, mean in shifts.items():
        table[name] = table[name] - mean
    for a, b in products:
        table[f"{a}:{b}"] = table[a] * table[b]
    clusters = n_clusters = None
    if cluster is not None:
        clusters, levels = pd.factorize(frame.data[cluster])
        n_clusters = len(levels)
        if n_clusters < 2:
            raise DataError(f"{function}: the cluster column {cluster!r} has {n_clusters} cluster; at least 2 needed")
    values = np.column_stack([np.ones(frame.n), table.to_numpy()])
    return _Design(
        [_CONSTANT, *table.columns],
        values,
        frame.n,
        frame.n_dropped,
        shifts,
        clusters,
        n_clusters,
        confidence,
        function,
    )


def _run_bootstrap(
    design: _Design, fits: Sequence[Fit], statistic: _bootstrap.Statistic, *, n_boot: int, seed: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The statistic at the estimates (one row) and in ``n_boot`` resamples (n_boot rows; empty when 0)."""
    values = design.matrix.copy()
    values[:, 1:] -= values[:, 1:].mean(axis=0)  # slopes do not change; the cross-products stay well conditioned
    full = (values.T @ values)[None]
    estimate = statistic([f.beta[None] for f in fits], full)[0]
    if not n_boot:
        return estimate, np.empty((0, len(estimate)))
    draws = _bootstrap.bootstrap(
        values,
        equations=[design.equation(f) for f in fits],
        statistic=statistic,
        n_boot=n_boot,
        seed=seed,
        clusters=design.clusters,
    )
    return estimate, draws


def _sampling(design: _Design, draws: np.ndarray, *, n_boot: int, ci: str, seed: int | None, cluster: str | None):
    """The fields of a bootstrap result that say which cases and resamples it used."""
    return {
        "n": design.n,
        "n_dropped": design.n_dropped,
        "nan_policy": NAN_POLICY,
        "n_boot": n_boot,
        "n_boot_valid": int(np.isfinite(draws).all(axis=1).sum()),
        "ci": ci,
        "confidence": design.confidence,
        "seed": seed,
        "cluster": cluster,
        "n_clusters": design.n_clusters,
    }


def _intervals(draws: np.ndarray, estimate: np.ndarray, *, ci: str, confidence: float):
    if not len(draws):
        nan = np.full(len(estimate), np.nan)
        return nan, nan, nan
    return _bootstrap.interval(draws, estimate, method=ci, confidence=confidence)


def _sd_ratio(matrices: np.ndarray, x: int, y: int) -> np.ndarray:
    """SD(x)/SD(y) in each resample, from its cross-product matrix (column 0 the constant)."""
    count = matrices[:, 0, 0]

    def variance(k: int) -> np.ndarray:
        return matrices[:, k, k] - matrices[:, 0, k] ** 2 / count

    return np.sqrt(variance(x) / variance(y))


def _chains(k: int, serial: bool) -> list[tuple[int, ...]]:
    """The mediators each specific indirect path runs through, in order."""
    if not serial:
        return [(j,) for j in range(k)]
    return [chain for size in range(1, k + 1) for chain in combinations(range(k), size)]


def _path_labels(x: str, mediators: Sequence[str], y: str, serial: bool) -> dict[tuple[str, str], str]:
    labels = {(m, x): f"a{j + 1}" for j, m in enumerate(mediators)}
    labels |= {(y, m): f"b{j + 1}" for j, m in enumerate(mediators)}
    labels[(y, x)] = "c'"
    if serial:
        labels |= {(mediators[j], mediators[i]): f"d{j + 1}{i + 1}" for j in range(len(mediators)) for i in range(j)}
    return labels


def mediation(
    data: pd.DataFrame,
    *,
    x: str,
    mediators: Sequence[str],
    y: str,
    covariates: Sequence[str] = (),
    serial: bool = False,
    n_boot: int = 5000,
    ci: str = "percentile",
    seed: int | None,
    cluster: str | None = None,
    confidence: float = 0.95,
) -> MediationResult:
    """Mediation of X → Y through one or more mediators: PROCESS model 4 (parallel) or model 6 (serial).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    x, y : str
        Columns of the antecedent and the outcome.
    mediators : sequence of str
        Mediator columns (a single name is one mediator); in causal order when ``serial``.
    covariates : sequence of str
        Columns entered in every equation (as PROCESS does).
    serial : bool
        Model 6: each mediator also regressed on the mediators before it (2 to 6 mediators).
    n_boot : int
        Bootstrap resamples (PROCESS's default 5000; 0 for none, leaving indirect effects without SE and interval).
    ci : {"percentile", "bc"}
        Percentile interval (PROCESS ≥ 3's default) or bias-corrected (PROCESS 2's; lavaan's ``bca.simple``).
    seed : int or None
        Seed of the bootstrap; required when ``n_boot`` > 0.
    cluster : str, optional
        Column of clusters (e.g. classes): resample whole clusters instead of cases.
    confidence : float
        Level of every interval.

    Returns
    -------
    MediationResult

    Raises
    ------
    InputError
        A column given in two roles, fewer than two mediators for ``serial`` (or more than six), a bad option.
    DataError
        A missing, non-numeric or constant column, too few complete cases, a singular equation, fewer than two
        clusters.

    Notes
    -----
    Equations (listwise complete cases of every named column): M_j = i + a_j X [+ Σ_{i<j} d_ji M_i] + C + e and
    Y = i + c' X + Σ b_j M_j + C + e; the total-effect model Y = i + c X + C + e. The specific indirect effect of
    a path X → M_i → … → M_j → Y is the product of its coefficients (a_i·b_i in model 4, a_1·d_21·b_2 in model 6),
    the total indirect effect their sum, and c = c' + total indirect holds exactly. Completely standardised effects
    multiply by SD_X/SD_Y, recomputed in every resample; each path's standardised coefficient (``paths``
    ``std_estimate``, PROCESS ``stand = 1``, lavaan ``std.all``) is β = B·SD(term)/SD(outcome) on the analysed
    cases. Coefficients, total and direct effects have OLS SEs and
    t-based intervals with n − p df (as PROCESS); indirect effects the bootstrap SE (SD of the resampled effects)
    and a percentile or BC interval: BC uses z0 = Φ⁻¹(share of resamples below the estimate) and the quantiles
    Φ(2z0 ± z_{1−α/2}). Resamples whose design is singular are left out and counted (``n_boot_valid``).

    Checked against R 4.2.2: the equations against ``lm()`` to 1e-8; bootstrap SEs and intervals against lavaan
    0.6-14 ``sem(se = "bootstrap", bootstrap = 5000)`` with ``:=`` indirect effects (``boot.ci.type = "perc"`` and
    ``"bca.simple"``) within Monte-Carlo error, on psychTools bfi; the resampling itself (case and cluster)
    against ``lm()`` refitted on R's own resample indices to 1e-8 (tests/reference/findings_process.R); the
    standardised paths against ``lm()`` on ``scale()``d variables to 1e-8 and lavaan ``standardizedSolution(type =
    "std.all")`` to 1e-6 (tests/reference/findings_process_standardised.R).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=300)
    >>> m = 0.5 * x + rng.normal(size=300)
    >>> frame = pd.DataFrame({"x": x, "m": m, "y": 0.4 * m + 0.2 * x + rng.normal(size=300)})
    >>> result = mediation(frame, x="x", mediators=["m"], y="y", n_boot=1000, seed=2)
    >>> result.effects[["effect", "estimate", "ci_low", "ci_high"]].round(3)
               effect  estimate  ci_low  ci_high
    0           total     0.291   0.154    0.429
    1          direct     0.070  -0.080    0.221
    2        indirect     0.221   0.147    0.302
    3  total indirect     0.221   0.147    0.302
    """
    function = "mediation"
    mediators = _as_names(mediators, "mediators", function)
    covariates = _as_names(covariates, "covariates", function)
    roles = {
        "x": [x],
        "mediators": mediators,
        "y": [y],
        "covariates": covariates,
        "cluster": [cluster] if cluster else [],
    }
    _check_roles(roles, function)
    _check_bootstrap(n_boot, seed, ci, function)
    check_confidence(confidence, function=function)
    if not mediators:
        raise InputError(f"{function}: give at least one mediator")
    if serial and not 2 <= len(mediators) <= _MAX_SERIAL:
        raise InputError(f"{function}: a serial model (6) takes 2 to {_MAX_SERIAL} mediators; got {len(mediators)}")
    variables = [x, *mediators, y, *covariates]
    design = _design(
        data,
        variables,
        products=(),
        center=(),
        cluster=cluster,
        min_n=len(variables) + 2,
        confidence=confidence,
        function=function,
    )

    k = len(mediators)
    mediator_fits = [
        design.fit(m, [x, *(mediators[:j] if serial else ()), *covariates]) for j, m in enumerate(mediators)
    ]
    outcome_fit = design.fit(y, [x, *mediators, *covariates])
    total_fit = design.fit(y, [x, *covariates])
    chains = _chains(k, serial)
    pairs = list(combinations(range(len(chains)), 2))
    ratio_columns = design.column(x), design.column(y)

    def statistic(coefficients: list[np.ndarray], matrices: np.ndarray) -> np.ndarray:
        *mediator_coef, outcome_coef = coefficients
        direct = outcome_coef[:, 1]
        specific = []
        for chain in chains:
            effect = mediator_coef[chain[0]][:, 1] * outcome_coef[:, 2 + chain[-1]]
            for before, after in pairwise(chain):
                effect = effect * mediator_coef[after][:, 2 + before]
            specific.append(effect)
        specific = np.column_stack(specific)
        total_indirect = specific.sum(axis=1)
        effects = np.column_stack([direct + total_indirect, direct, specific, total_indirect])
        contrasts = np.column_stack([specific[:, i] - specific[:, j] for i, j in pairs] or [np.empty(len(direct))])
        return np.column_stack([effects, effects * _sd_ratio(matrices, *ratio_columns)[:, None], contrasts])

    estimate, draws = _run_bootstrap(design, [*mediator_fits, outcome_fit], statistic, n_boot=n_boot, seed=seed)
    se, low, high = _intervals(draws, estimate, ci=ci, confidence=confidence)
    n_effects = len(chains) + 3

    chain_labels = [" → ".join([x, *(mediators[j] for j in chain), y]) for chain in chains]
    effects = pd.DataFrame(
        {
            "effect": ["total", "direct", *["indirect"] * len(chains), "total indirect"],
            "path": [f"{x} → {y}", f"{x} → {y}", *chain_labels, "all indirect paths"],
        }
    )
    ols_rows = pd.DataFrame([_row(total_fit, 1, confidence), _row(outcome_fit, 1, confidence)])
    boot = pd.DataFrame({"estimate": estimate[2:n_effects], "se": se[2:n_effects]})
    boot["ci_low"], boot["ci_high"] = low[2:n_effects], high[2:n_effects]
    effects = pd.concat([effects, pd.concat([ols_rows, boot], ignore_index=True)], axis=1)
    std = slice(n_effects, 2 * n_effects)
    effects["std_estimate"], effects["std_se"] = estimate[std], se[std]
    effects["std_ci_low"], effects["std_ci_high"] = low[std], high[std]
    contrast = slice(2 * n_effects, 2 * n_effects + len(pairs))
    contrasts = pd.DataFrame(
        {
            "path_1": [chain_labels[i] for i, _ in pairs],
            "path_2": [chain_labels[j] for _, j in pairs],
            "estimate": estimate[contrast],
            "se": se[contrast],
            "ci_low": low[contrast],
            "ci_high": high[contrast],
        }
    )
    roles = [*["mediator"] * k, "outcome", "total effect"]
    fits = [*mediator_fits, outcome_fit, total_fit]
    labels = _path_labels(x, mediators, y, serial)
    paths = _paths(fits, roles, labels | {(f"{y} (total)", x): "c"}, standardised=design)
    return MediationResult(
        models=_models(fits, roles),
        paths=paths,
        effects=effects,
        contrasts=contrasts,
        model=6 if serial else 4,
        x=x,
        mediators=mediators,
        y=y,
        covariates=covariates,
        **_sampling(design, draws, n_boot=n_boot, ci=ci, seed=seed, cluster=cluster),
    )


def _row(fit: Fit, term: int, confidence: float) -> dict:
    """One coefficient of ``fit`` as a row of the t table."""
    table = t_table(fit.beta[[term]], np.sqrt(fit.cov[[term], [term]]), fit.df, confidence)
    return {k: v[0] for k, v in table.items()}


def _models(fits: Sequence[Fit], roles: Sequence[str]) -> pd.DataFrame:
    frame = pd.DataFrame([f.summary for f in fits])
    frame.insert(1, "role", list(roles))
    return frame


def _paths(
    fits: Sequence[Fit],
    roles: Sequence[str],
    labels: dict[tuple[str, str], str],
    *,
    standardised: _Design | None = None,
) -> pd.DataFrame:
    """Every coefficient of ``fits`` with its path label; with a design also ``std_estimate``, B·SD(term)/SD(outcome)
    on its cases (NaN for the constant)."""
    if standardised is not None:
        sd = standardised.matrix.std(axis=0)
        sd[standardised.column(_CONSTANT)] = np.nan
    tables = []
    for fit, role in zip(fits, roles, strict=True):
        table = fit.coefficients.copy()
        key = f"{fit.outcome} (total)" if role == "total effect" else fit.outcome
        table.insert(1, "role", role)
        table.insert(3, "path", [labels.get((key, term), "") for term in table["term"]])
        if standardised is not None:
            ratio = sd[[standardised.column(t) for t in fit.terms]] / sd[standardised.column(fit.outcome)]
            table["std_estimate"] = table["estimate"].to_numpy() * ratio
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def moderation(
    data: pd.DataFrame,
    *,
    x: str,
    w: str,
    y: str,
    covariates: Sequence[str] = (),
    center: bool = True,
    cov_type: str = "nonrobust",
    confidence: float = 0.95,
) -> ModerationResult:
    """Moderation of X → Y by W: PROCESS model 1, probed at values of W and by Johnson–Neyman.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    x, w, y : str
        Columns of the focal predictor, the moderator and the outcome.
    covariates : sequence of str
        Columns entered as further predictors.
    center : bool
        Mean-centre X and W before forming the product (PROCESS ``center=1``): the coefficients of X and W are then
        the effects at the other's mean; the product, the conditional effects and J–N do not change.
    cov_type : {"nonrobust", "HC3"}
        OLS standard errors, or HC3 heteroskedasticity-consistent ones (PROCESS ``hc3=1``; also used for the model F,
        the product's test, conditional effects and J–N).
    confidence : float
        Level of the intervals and of the Johnson–Neyman boundaries.

    Returns
    -------
    ModerationResult

    Raises
    ------
    InputError
        A column given in two roles or a bad option.
    DataError
        A missing, non-numeric or constant column, too few complete cases, a singular design.

    Notes
    -----
    Y = b0 + b1 X + b2 W + b3 X·W + C + e (listwise complete cases). The effect of X at W = w is
    θ(w) = b1 + b3 w with Var θ = V11 + 2w V13 + w² V33 and a t test on n − p df. The interaction's R² change is
    R² − R²(without X·W) with F = ΔR²(n − p)/(1 − R²) on (1, n − p) df (= t² of b3). Probe values: both values of a
    dichotomous W; otherwise the 16th/50th/84th percentiles (linear interpolation, R's quantile type 7) and
    mean ± 1 SD. Johnson–Neyman: the w with θ(w)² = t²_crit Var θ(w), the roots of
    (b3² − t²V33)w² + 2(b1b3 − t²V13)w + (b1² − t²V11) = 0 inside the observed range, with the share of cases below
    and above each.

    Checked against R 4.2.2 ``lm()`` and ``sandwich::vcovHC(type = "HC3")`` 3.0-2 on mtcars and psychTools bfi:
    coefficients, SEs, R² change and F, conditional effects to 1e-8; the J–N boundaries against the quadratic
    solved in R with ``polyroot`` to 1e-8 (tests/reference/findings_process.R).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> frame = pd.DataFrame({"x": rng.normal(size=400), "w": rng.normal(size=400)})
    >>> frame["y"] = 0.3 * frame.x + 0.25 * frame.x * frame.w + rng.normal(size=400)
    >>> result = moderation(frame, x="x", w="w", y="y")
    >>> result.interaction[["term", "r_squared_change", "p_value"]].round(4)
      term  r_squared_change  p_value
    0  x:w            0.0362   0.0001
    >>> result.johnson_neyman.round(3)
           w  share_below  share_above
    0 -2.982        0.005        0.995
    1 -0.806        0.190        0.810
    """
    function = "moderation"
    covariates = _as_names(covariates, "covariates", function)
    _check_roles({"x": [x], "w": [w], "y": [y], "covariates": covariates}, function)
    check_option(cov_type, COV_TYPES, parameter="cov_type", function=function)
    check_confidence(confidence, function=function)
    variables = [x, w, y, *covariates]
    design = _design(
        data,
        variables,
        products=[(x, w)],
        center=[x, w] if center else [],
        cluster=None,
        min_n=len(variables) + 3,
        confidence=confidence,
        function=function,
    )
    fit = design.fit(y, [x, w, f"{x}:{w}", *covariates], cov_type=cov_type)
    interaction, probed, boundaries, regions = _probe(design, fit, focal=x, w=w, confidence=confidence)
    return ModerationResult(
        model=pd.DataFrame([fit.summary]),
        coefficients=fit.coefficients,
        interaction=interaction,
        conditional_effects=probed,
        johnson_neyman=boundaries,
        regions=regions,
        x=x,
        w=w,
        y=y,
        covariates=covariates,
        center=center,
        cov_type=cov_type,
        confidence=confidence,
        n=design.n,
        n_dropped=design.n_dropped,
        nan_policy=NAN_POLICY,
    )


def _probe(design: _Design, fit: Fit, *, focal: str, w: str, confidence: float):
    """The product's test, conditional effects of ``focal`` at the probe values of W and J–N, W in its own metric."""
    focal_index, product_index = fit.terms.index(focal), fit.terms.index(f"{focal}:{w}")
    columns = [design.column(t) for t in fit.terms]
    interaction = pd.DataFrame(
        [product_test(design.matrix[:, columns], design.matrix[:, design.column(fit.outcome)], fit, product_index)]
    )
    shift = design.shifts.get(w, 0.0)
    observed = design.matrix[:, design.column(w)] + shift
    probes = probe_values(observed)
    effects = conditional_effects(
        fit, focal=focal_index, product=product_index, w=probes["w"].to_numpy(), shift=shift, confidence=confidence
    )
    boundaries, regions = johnson_neyman(
        fit, focal=focal_index, product=product_index, w=observed, shift=shift, confidence=confidence
    )
    return interaction, pd.concat([probes, effects], axis=1), boundaries, regions


def moderated_mediation(
    data: pd.DataFrame,
    *,
    x: str,
    mediator: str,
    w: str,
    y: str,
    model: int = 7,
    covariates: Sequence[str] = (),
    center: bool = True,
    n_boot: int = 5000,
    ci: str = "percentile",
    seed: int | None,
    cluster: str | None = None,
    confidence: float = 0.95,
) -> ModeratedMediationResult:
    """Moderated mediation: PROCESS model 7 (W moderates X → M) or model 14 (W moderates M → Y).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    x, mediator, w, y : str
        Columns of the antecedent, the mediator, the moderator and the outcome.
    model : {7, 14}
        Which path W moderates: X → M (7, first stage) or M → Y (14, second stage).
    covariates : sequence of str
        Columns entered in both equations.
    center : bool
        Mean-centre the two variables of the product (X and W, or M and W); conditional and indirect effects at a
        value of W do not change.
    n_boot, ci, seed, cluster, confidence
        As :func:`mediation`.

    Returns
    -------
    ModeratedMediationResult

    Raises
    ------
    InputError
        A column in two roles, a model other than 7 or 14, a bad option.
    DataError
        As :func:`mediation`.

    Notes
    -----
    Model 7: M = i + a1 X + a2 W + a3 X·W + C, Y = i + c' X + b M + C; the indirect effect at W = w is
    (a1 + a3 w) b and the index of moderated mediation a3 b. Model 14: M = i + a X + C,
    Y = i + c' X + b1 M + b2 W + b3 M·W + C; the indirect effect (b1 + b3 w) a and the index a b3. The direct
    effect c' is not moderated in either. Intervals of indirect effects and the index are bootstrap (percentile or
    BC, case or cluster resampling, as :func:`mediation`); the moderated path is probed as :func:`moderation` does
    (t-based). W is reported in the data's metric; probe values as :func:`moderation`.

    Checked against R 4.2.2 ``lm()`` (equations, to 1e-8) and lavaan 0.6-14 bootstrap with ``:=`` conditional
    indirect effects and index (within Monte-Carlo error) on psychTools bfi (tests/reference/findings_process.R).

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> frame = pd.DataFrame({"x": rng.normal(size=400), "w": rng.normal(size=400)})
    >>> frame["m"] = 0.4 * frame.x + 0.2 * frame.x * frame.w + rng.normal(size=400)
    >>> frame["y"] = 0.5 * frame.m + rng.normal(size=400)
    >>> result = moderated_mediation(frame, x="x", mediator="m", w="w", y="y", model=7, n_boot=1000, seed=5)
    >>> result.index[["estimate", "ci_low", "ci_high"]].round(3)
       estimate  ci_low  ci_high
    0     0.154     0.1    0.209
    """
    function = "moderated_mediation"
    covariates = _as_names(covariates, "covariates", function)
    check_option(model, (7, 14), parameter="model", function=function)
    roles = {"x": [x], "mediator": [mediator], "w": [w], "y": [y], "covariates": covariates}
    _check_roles(roles | {"cluster": [cluster] if cluster else []}, function)
    _check_bootstrap(n_boot, seed, ci, function)
    check_confidence(confidence, function=function)
    moderated = x if model == 7 else mediator
    product = f"{moderated}:{w}"
    variables = [x, mediator, w, y, *covariates]
    design = _design(
        data,
        variables,
        products=[(moderated, w)],
        center=[moderated, w] if center else [],
        cluster=cluster,
        min_n=len(variables) + 3,
        confidence=confidence,
        function=function,
    )

    if model == 7:
        mediator_fit = design.fit(mediator, [x, w, product, *covariates])
        outcome_fit = design.fit(y, [x, mediator, *covariates])
        moderated_fit = mediator_fit
    else:
        mediator_fit = design.fit(mediator, [x, *covariates])
        outcome_fit = design.fit(y, [x, mediator, w, product, *covariates])
        moderated_fit = outcome_fit
    interaction, probed, _, _ = _probe(design, moderated_fit, focal=moderated, w=w, confidence=confidence)
    shift = design.shifts.get(w, 0.0)
    probes = probed[["moderator_value", "w"]]
    at = probes["w"].to_numpy() - shift

    def statistic(coefficients: list[np.ndarray], matrices: np.ndarray) -> np.ndarray:
        m_coef, y_coef = coefficients
        if model == 7:
            first, second = m_coef[:, [1]] + m_coef[:, [3]] * at, y_coef[:, [2]]
            index = m_coef[:, 3] * y_coef[:, 2]
        else:
            first, second = m_coef[:, [1]], y_coef[:, [2]] + y_coef[:, [4]] * at
            index = m_coef[:, 1] * y_coef[:, 4]
        return np.column_stack([first * second, index])

    estimate, draws = _run_bootstrap(design, [mediator_fit, outcome_fit], statistic, n_boot=n_boot, seed=seed)
    se, low, high = _intervals(draws, estimate, ci=ci, confidence=confidence)
    conditional = probes.assign(estimate=estimate[:-1], se=se[:-1], ci_low=low[:-1], ci_high=high[:-1])
    index = pd.DataFrame(
        {"term": [product], "estimate": estimate[-1:], "se": se[-1:], "ci_low": low[-1:], "ci_high": high[-1:]}
    )
    direct = pd.DataFrame([{"path": f"{x} → {y}", **_row(outcome_fit, 1, confidence)}])
    labels = {(mediator, x): "a" if model == 14 else "a1", (y, x): "c'"}
    if model == 7:
        labels |= {(mediator, w): "a2", (mediator, product): "a3", (y, mediator): "b"}
    else:
        labels |= {(y, mediator): "b1", (y, w): "b2", (y, product): "b3"}
    roles = ["mediator", "outcome"]
    fits = [mediator_fit, outcome_fit]
    return ModeratedMediationResult(
        models=_models(fits, roles),
        paths=_paths(fits, roles, labels),
        interaction=interaction,
        conditional_effects=probed,
        direct=direct,
        conditional_indirect=conditional,
        index=index,
        model=model,
        x=x,
        mediator=mediator,
        w=w,
        y=y,
        covariates=covariates,
        center=center,
        **_sampling(design, draws, n_boot=n_boot, ci=ci, seed=seed, cluster=cluster),
    )
