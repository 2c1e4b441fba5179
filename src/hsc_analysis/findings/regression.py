"""Regression: hierarchical (blockwise) OLS with ΔR² tests, standardised β, VIF and robust or cluster-robust
standard errors; binary logistic and proportional-odds (ordinal logit) models with odds ratios."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.findings._data import NAN_POLICY, check_confidence, group_levels
from hsc_analysis.findings._design import Design, design, is_categorical, numeric_outcome
from hsc_analysis.findings._ols import least_squares
from hsc_analysis.measurement._matrix import check_option

__all__ = [
    "HierarchicalRegression",
    "LogitRegression",
    "hierarchical_regression",
    "logistic_regression",
    "ordinal_regression",
]

COV_TYPES = ("nonrobust", "HC3", "cluster")


@dataclass(frozen=True)
class HierarchicalRegression:
    """OLS models entered block by block.

    Attributes
    ----------
    outcome : str
    steps : DataFrame
        One row per step: ``step``, ``block``, ``added`` (the variables entered), ``n``, ``r_squared``,
        ``adj_r_squared``, ``r_squared_change``, ``f_change``, ``df1``, ``df2``, ``p_change`` (the test of the
        block entered; step 1 against the intercept-only model) and the model test ``f``, ``f_df1``, ``f_df2``,
        ``f_p_value``.
    coefficients : DataFrame
        One row per step and term: ``step``, ``term``, ``variable``, ``estimate`` (B), ``se``, ``statistic`` (t),
        ``df``, ``p_value``, ``ci_low``, ``ci_high``, ``std_estimate`` (β) and ``vif`` (the variable's
        generalised VIF; NaN for the intercept).
    coding : DataFrame
        The dummy coding of categorical predictors: ``variable``, ``level``, ``column``, ``reference``.
    cov_type : str
        ``"nonrobust"``, ``"HC3"`` or ``"cluster"`` (CR1).
    cluster : str or None
    n_clusters : int or None
    n, n_dropped : int
        Cases used in every step (complete on the outcome, all blocks and the cluster) and cases left out.
    nan_policy : str
    confidence : float
    """

    outcome: str
    steps: pd.DataFrame
    coefficients: pd.DataFrame
    coding: pd.DataFrame
    cov_type: str
    cluster: str | None
    n_clusters: int | None
    n: int
    n_dropped: int
    nan_policy: str
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()


def hierarchical_regression(
    data: pd.DataFrame,
    *,
    outcome: str,
    blocks: Sequence[Sequence[str]] | Mapping[str, Sequence[str]],
    cov_type: str = "nonrobust",
    cluster: str | None = None,
    confidence: float = 0.95,
) -> HierarchicalRegression:
    """Regress ``outcome`` on blocks of predictors entered one after another (SPSS's hierarchical regression).

    Parameters
    ----------
    data : DataFrame
    outcome : str
        A numeric column.
    blocks : sequence of sequences of str, or mapping of block name to sequence of str
        The predictors of each step; step s holds the predictors of blocks 1 … s. Categorical predictors
        (labelled categoricals, text, booleans) are dummy-coded against their first level (see ``coding``).
    cov_type : {"nonrobust", "HC3", "cluster"}
        The coefficient covariance: classical OLS, White's HC3, or cluster-robust CR1 by ``cluster``.
    cluster : str, optional
        The cluster column (e.g. ``class_code``); required with ``cov_type="cluster"`` and used only then.
    confidence : float

    Returns
    -------
    HierarchicalRegression

    Raises
    ------
    DataError
        A missing column, a non-numeric or constant outcome, a constant predictor, a singular design, or too
        few cases.
    InputError
        A bad option, an empty block, a variable in two blocks or the outcome among the predictors.

    Notes
    -----
    Every step is fitted on the same cases (complete on all variables of all blocks), so the steps nest.
    :math:`R^2 = 1 - SS_{res} / SS_{tot}`, adjusted :math:`1 - (1 - R^2)(n - 1)/(n - p - 1)`. The test of a
    block is the Wald F of its q coefficients, :math:`F = \\hat b' V^{-1} \\hat b / q`, with V the chosen
    covariance: for ``nonrobust`` this is exactly the ΔR² test
    :math:`F = (\\Delta R^2 / q) / ((1 - R^2) / (n - p - 1))` of SPSS and R anova(); for HC3 it is
    lmtest::waldtest(vcov = vcovHC(type = "HC3")); for cluster it uses G − 1 denominator df. t tests, p and CIs use
    n − p − 1 df (nonrobust, HC3) or G − 1 df (cluster: Stata's convention, as statsmodels with ``use_t``).
    CR1 is :math:`\\frac{G}{G-1}\\frac{n-1}{n-k} (X'X)^{-1} \\sum_g X_g' e_g e_g' X_g (X'X)^{-1}` (Stata's and
    statsmodels' default = sandwich::vcovCL(type = "HC1")). :math:`\\beta = B\\, s_x / s_y` (dummies too, as
    SPSS). The VIF of a variable is Fox and Monette's generalised VIF
    :math:`\\det R_{11} \\det R_{22} / \\det R` (car::vif; the usual VIF for a one-column variable).

    Fitted by QR (numpy). Checked on mlmRev's Exam against R 4.2.2 lm, anova, car::vif 3.1-1,
    sandwich 3.0-2 (vcovHC HC3, vcovCL HC1) and lmtest 0.9-40 coeftest/waldtest: all to 1e-8.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> data = pd.DataFrame(rng.normal(size=(200, 3)), columns=["COM", "TRU", "e"])
    >>> data["EFT"] = 0.3 * data.COM + 0.2 * data.TRU + data.e
    >>> result = hierarchical_regression(data, outcome="EFT", blocks=[["COM"], ["TRU"]])
    >>> result.steps[["step", "r_squared", "r_squared_change", "df1", "df2"]].round(3)
       step  r_squared  r_squared_change  df1    df2
    0     1      0.039             0.039  1.0  198.0
    1     2      0.077             0.039  1.0  197.0
    """
    function = "hierarchical_regression"
    check_option(cov_type, COV_TYPES, parameter="cov_type", function=function)
    check_confidence(confidence, function=function)
    named = _blocks(blocks, outcome=outcome)
    if cov_type == "cluster" and cluster is None:
        raise InputError("hierarchical_regression: cov_type='cluster' needs the 'cluster' column")
    if cluster is not None and cov_type != "cluster":
        raise InputError(f"hierarchical_regression: cluster={cluster!r} is used only with cov_type='cluster'")
    predictors = [v for block in named.values() for v in block]
    made = design(data, predictors=predictors, also=[outcome, *([cluster] if cluster else [])], function=function)
    y = numeric_outcome(made.data[outcome], name=outcome, function=function)
    groups = group_levels(made.data[cluster]).codes if cluster else None
    n_clusters = int(groups.max() + 1) if groups is not None else None
    if n_clusters is not None and n_clusters < 2:
        raise DataError(f"{function}: cluster column {cluster} has a single cluster in the complete cases")
    steps, coefficients = [], []
    previous: list[str] = []
    for step, (name, block) in enumerate(named.items(), start=1):
        variables = [*previous, *block]
        fit = _ols(y, made, variables, cov_type=cov_type, groups=groups, confidence=confidence)
        added = [c for v in block for c in made.columns[v]]
        change = _wald(fit, added, df2=fit["df_inference"])
        model = _wald(fit, [c for v in variables for c in made.columns[v]], df2=fit["df_inference"])
        r2_before = steps[-1]["r_squared"] if steps else 0.0
        steps.append(
            {
                "step": step,
                "block": name,
                "added": ", ".join(block),
                "n": made.n,
                "r_squared": fit["r_squared"],
                "adj_r_squared": fit["adj_r_squared"],
                "r_squared_change": fit["r_squared"] - r2_before,
                "f_change": change[0],
                "df1": change[1],
                "df2": change[2],
                "p_change": change[3],
                "f": model[0],
                "f_df1": model[1],
                "f_df2": model[2],
                "f_p_value": model[3],
            }
        )
        coefficients.append(fit["terms"].assign(step=step))
        previous = variables
    table = pd.concat(coefficients, ignore_index=True)
    order = ["step", "term", "variable", "estimate", "se", "statistic", "df", "p_value", "ci_low", "ci_high"]
    return HierarchicalRegression(
        outcome,
        pd.DataFrame(steps),
        table[[*order, "std_estimate", "vif"]],
        made.coding,
        cov_type,
        cluster,
        n_clusters,
        made.n,
        made.n_dropped,
        NAN_POLICY,
        confidence,
    )


def _blocks(blocks, *, outcome: str) -> dict[str, list[str]]:
    function = "hierarchical_regression"
    if isinstance(blocks, str) or not isinstance(blocks, Mapping | Sequence):
        raise InputError(f"The 'blocks' parameter of {function} must be a list of lists of column names")
    named = (
        {str(k): list(v) for k, v in blocks.items()}
        if isinstance(blocks, Mapping)
        else {str(i): [b] if isinstance(b, str) else list(b) for i, b in enumerate(blocks, start=1)}
    )
    if not named or any(not block for block in named.values()):
        raise InputError(f"The 'blocks' parameter of {function} needs at least one non-empty block; got {blocks!r}")
    seen: dict[str, str] = {}
    for name, block in named.items():
        for variable in block:
            if variable == outcome:
                raise InputError(f"{function}: the outcome {outcome} is also a predictor (block {name})")
            if variable in seen:
                raise InputError(f"{function}: {variable} is in blocks {seen[variable]} and {name}")
            seen[variable] = name
    return named


def _ols(
    y: np.ndarray,
    made: Design,
    variables: list[str],
    *,
    cov_type: str,
    groups: np.ndarray | None,
    confidence: float,
) -> dict:
    columns = [c for v in variables for c in made.columns[v]]
    x = made.matrix[columns].to_numpy()
    exog = np.column_stack([np.ones(len(y)), x])
    q, r = np.linalg.qr(exog)
    estimate, residual, covariance = least_squares(exog, y, q=q, r=r, cov_type=cov_type, groups=groups)
    df = float(groups.max()) if cov_type == "cluster" else float(len(y) - exog.shape[1])  # G − 1 or n − p
    names = ["(Intercept)", *columns]
    cov = pd.DataFrame(covariance, index=names, columns=names)
    se = np.sqrt(np.diag(covariance))
    t = estimate / se
    half = stats.t.ppf((1 + confidence) / 2, df) * se
    owner = {c: v for v in variables for c in made.columns[v]}
    gvif = _gvif(x, {v: made.columns[v] for v in variables}, columns)
    terms = pd.DataFrame(
        {
            "term": names,
            "variable": ["(Intercept)", *(owner[c] for c in columns)],
            "estimate": estimate,
            "se": se,
            "statistic": t,
            "df": df,
            "p_value": 2 * stats.t.sf(np.abs(t), df),
            "ci_low": estimate - half,
            "ci_high": estimate + half,
            "std_estimate": np.concatenate([[np.nan], estimate[1:] * x.std(axis=0, ddof=1) / y.std(ddof=1)]),
            "vif": [np.nan, *(gvif[owner[c]] for c in columns)],
        }
    )
    n, p = exog.shape
    r2 = 1 - float(residual @ residual) / float(((y - y.mean()) ** 2).sum())
    return {
        "terms": terms,
        "estimate": pd.Series(estimate, index=names),
        "cov": cov,
        "df_inference": df,
        "r_squared": r2,
        "adj_r_squared": 1 - (1 - r2) * (n - 1) / (n - p),
    }


def _wald(fit: dict, columns: list[str], *, df2: float) -> tuple[float, float, float, float]:
    b = fit["estimate"][columns].to_numpy()
    v = fit["cov"].loc[columns, columns].to_numpy()
    q = len(columns)
    f = float(b @ np.linalg.solve(v, b)) / q
    return f, float(q), df2, float(stats.f.sf(f, q, df2))


def _gvif(x: np.ndarray, blocks: dict[str, list[str]], columns: list[str]) -> dict[str, float]:
    """Generalised VIF of each variable (its block of design columns) from the predictors' correlations."""
    if len(blocks) == 1:
        return dict.fromkeys(blocks, 1.0)
    r = np.corrcoef(x, rowvar=False)
    det_all = np.linalg.det(r)
    index = {c: i for i, c in enumerate(columns)}
    out = {}
    for variable, block in blocks.items():
        inside = [index[c] for c in block]
        outside = [i for i in range(len(columns)) if i not in inside]
        out[variable] = float(
            np.linalg.det(r[np.ix_(inside, inside)]) * np.linalg.det(r[np.ix_(outside, outside)]) / det_all
        )
    return out


@dataclass(frozen=True)
class LogitRegression:
    """A binary logistic or proportional-odds (ordinal logit) model.

    Attributes
    ----------
    model : str
        ``"logistic"`` or ``"ordinal"``.
    outcome : str
    levels : tuple of str
        The outcome's levels in order; for the logistic model the second is the event modelled.
    coefficients : DataFrame
        ``term``, ``kind`` (predictor, intercept or threshold), ``variable``, ``estimate`` (log-odds), ``se``,
        ``statistic`` (Wald z), ``p_value``, ``ci_low``, ``ci_high``, ``odds_ratio``, ``odds_ratio_ci_low``,
        ``odds_ratio_ci_high`` (Wald intervals; NaN for thresholds).
    fit : DataFrame
        One row: ``n``, ``log_likelihood``, ``null_log_likelihood``, ``lr_chi_square``, ``df``, ``p_value``,
        ``aic``, ``mcfadden_r_squared``, ``cox_snell_r_squared``, ``nagelkerke_r_squared``.
    coding : DataFrame
        Dummy coding of categorical predictors (reference level marked).
    n, n_dropped : int
    nan_policy : str
    confidence : float
    """

    model: str
    outcome: str
    levels: tuple[str, ...]
    coefficients: pd.DataFrame
    fit: pd.DataFrame
    coding: pd.DataFrame
    n: int
    n_dropped: int
    nan_policy: str
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        return self.coefficients.copy()


def logistic_regression(
    data: pd.DataFrame, *, outcome: str, predictors: Sequence[str], confidence: float = 0.95
) -> LogitRegression:
    """Binary logistic regression with odds ratios, the likelihood-ratio test and pseudo-R².

    Parameters
    ----------
    data : DataFrame
    outcome : str
        A variable with exactly two values; the second level (the larger code, or a categorical's second
        category) is the event modelled.
    predictors : sequence of str
        Numeric or categorical (dummy-coded against the first level) columns.
    confidence : float

    Returns
    -------
    LogitRegression

    Notes
    -----
    Maximum likelihood by IRLS (statsmodels GLM, binomial family, logit link). Wald z tests and intervals,
    :math:`OR = e^B` with :math:`e^{B \\pm z\\,SE}` (R confint.default; R's confint() profiles the likelihood
    instead). LR :math:`\\chi^2 = 2(\\ell - \\ell_0)` on p df; McFadden :math:`1 - \\ell / \\ell_0`, Cox–Snell
    :math:`1 - e^{2(\\ell_0 - \\ell)/n}`, Nagelkerke = Cox–Snell / :math:`(1 - e^{2 \\ell_0 / n})`. Checked on
    MASS's birthwt against R 4.2.2 glm(family = binomial) (1e-8).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> data = pd.DataFrame({"TRU": rng.normal(size=300)})
    >>> data["joined"] = (rng.random(300) < 1 / (1 + np.exp(-0.8 * data.TRU))).astype(int)
    >>> result = logistic_regression(data, outcome="joined", predictors=["TRU"])
    >>> result.coefficients[["term", "odds_ratio"]].round(2)
              term  odds_ratio
    0  (Intercept)        0.90
    1          TRU        2.08
    """
    function = "logistic_regression"
    made = _logit_design(data, outcome=outcome, predictors=predictors, confidence=confidence, function=function)
    levels = group_levels(made.data[outcome])
    if len(levels.labels) != 2:
        raise DataError(
            f"{function}: outcome {outcome} must take exactly 2 values in the complete cases; got "
            f"{len(levels.labels)} ({', '.join(levels.labels[:10])})"
        )
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM

    y = (levels.codes == 1).astype(float)
    x = made.matrix.to_numpy()
    exog = np.column_stack([np.ones(len(y)), x])
    fit = _quietly(lambda: GLM(y, exog, family=Binomial()).fit(), function=function)
    names = ["(Intercept)", *made.matrix.columns]
    p_event = y.mean()
    null = len(y) * (p_event * np.log(p_event) + (1 - p_event) * np.log(1 - p_event))
    table = _logit_terms(names, np.asarray(fit.params), np.asarray(fit.bse), made, confidence)
    table.loc[0, "kind"] = "intercept"
    fit_table = _likelihood_fit(float(fit.llf), float(null), len(y), x.shape[1], exog.shape[1])
    return LogitRegression(
        "logistic",
        outcome,
        levels.labels,
        table,
        fit_table,
        made.coding,
        made.n,
        made.n_dropped,
        NAN_POLICY,
        confidence,
    )


def ordinal_regression(
    data: pd.DataFrame, *, outcome: str, predictors: Sequence[str], confidence: float = 0.95
) -> LogitRegression:
    """Proportional-odds (cumulative logit) regression of an ordered outcome, with thresholds and odds ratios.

    Parameters
    ----------
    data : DataFrame
    outcome : str
        Ordered codes (numeric, e.g. 1–5) or a categorical whose categories are in order; at least two levels.
    predictors : sequence of str
        Numeric or categorical (dummy-coded against the first level) columns.
    confidence : float

    Returns
    -------
    LogitRegression

    Notes
    -----
    :math:`\\operatorname{logit} P(Y \\le j) = \\tau_j - x'\\beta` (the parametrisation of MASS::polr and
    ordinal::clm: a positive B shifts answers up; :math:`e^B` is the odds ratio of a higher answer). Fitted by
    maximum likelihood with statsmodels OrderedModel (BFGS); the thresholds' covariance comes from
    statsmodels' covariance of its increment parametrisation
    (:math:`\\tau_1 = \\theta_1`, :math:`\\tau_j = \\tau_{j-1} + e^{\\theta_j}`) through the Jacobian (exact at the
    maximum). Wald z tests and intervals. The proportional-odds assumption is not tested. Checked on the
    ordinal package's wine data against R ordinal::clm 2022.11-16 (1e-6) and MASS::polr 7.3-58.2 (1e-4: polr stops
    its BFGS earlier).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> data = pd.DataFrame({"TRU": rng.normal(size=400)})
    >>> data["EFT"] = np.digitize(0.9 * data.TRU + rng.logistic(size=400), [-1.5, 0, 1.5]) + 1
    >>> result = ordinal_regression(data, outcome="EFT", predictors=["TRU"])
    >>> result.coefficients[["term", "kind", "estimate"]].round(1)
      term       kind  estimate
    0  TRU  predictor       0.8
    1  1|2  threshold      -1.3
    2  2|3  threshold       0.1
    3  3|4  threshold       1.7
    """
    function = "ordinal_regression"
    made = _logit_design(data, outcome=outcome, predictors=predictors, confidence=confidence, function=function)
    values = made.data[outcome]
    if is_categorical(values) and not isinstance(values.dtype, pd.CategoricalDtype):
        raise DataError(
            f"{function}: outcome {outcome} must be ordered codes or an ordered categorical; got text, whose order "
            "is unknown"
        )
    levels = group_levels(values)
    k = len(levels.labels)
    if k < 2:
        raise DataError(f"{function}: outcome {outcome} takes one value in the complete cases")
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    x = made.matrix.to_numpy()
    model = OrderedModel(levels.codes, x, distr="logit")
    fit = _quietly(lambda: model.fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-8), function=function)
    params = np.asarray(fit.params)
    p = x.shape[1]
    thresholds = model.transform_threshold_params(params)[1:-1]
    jacobian = np.eye(len(params))
    increments = np.exp(params[p + 1 :])
    for j in range(1, k - 1):  # dτ_j/dθ_1 = 1, dτ_j/dθ_m = exp(θ_m) for 1 < m ≤ j
        jacobian[p + j, p] = 1.0
        jacobian[p + j, p + 1 : p + j + 1] = increments[:j]
    cov = jacobian @ np.asarray(fit.cov_params()) @ jacobian.T
    estimate = np.concatenate([params[:p], thresholds])
    names = [*made.matrix.columns, *(f"{a}|{b}" for a, b in zip(levels.labels, levels.labels[1:], strict=False))]
    table = _logit_terms(names, estimate, np.sqrt(np.diag(cov)), made, confidence)
    table.loc[p:, "kind"] = "threshold"
    table.loc[p:, ["odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high"]] = np.nan
    counts = np.bincount(levels.codes, minlength=k)
    null = float(np.sum(counts * np.log(counts / counts.sum())))
    fit_table = _likelihood_fit(float(fit.llf), null, len(levels.codes), p, len(params))
    return LogitRegression(
        "ordinal", outcome, levels.labels, table, fit_table, made.coding, made.n, made.n_dropped, NAN_POLICY, confidence
    )


def _logit_design(
    data: pd.DataFrame, *, outcome: str, predictors: Sequence[str], confidence: float, function: str
) -> Design:
    check_confidence(confidence, function=function)
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    if not predictors:
        raise InputError(f"The 'predictors' parameter of {function} needs at least one column")
    if outcome in predictors:
        raise InputError(f"{function}: the outcome {outcome} is also a predictor")
    return design(data, predictors=predictors, also=[outcome], function=function)


def _quietly(fit, *, function: str):
    """Run a statsmodels fit; its separation and convergence warnings become a DataError that says so."""
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            return fit()
        except (PerfectSeparationWarning, ConvergenceWarning, np.linalg.LinAlgError) as problem:
            raise DataError(
                f"{function}: the model cannot be estimated ({type(problem).__name__}: {problem}); "
                "a predictor may separate the outcome perfectly"
            ) from None


def _logit_terms(
    names: list[str], estimate: np.ndarray, se: np.ndarray, made: Design, confidence: float
) -> pd.DataFrame:
    z = stats.norm.ppf((1 + confidence) / 2)
    owner = {c: v for v, cs in made.columns.items() for c in cs}
    low, high = estimate - z * se, estimate + z * se
    return pd.DataFrame(
        {
            "term": names,
            "kind": "predictor",
            "variable": [owner.get(n, n) for n in names],
            "estimate": estimate,
            "se": se,
            "statistic": estimate / se,
            "p_value": 2 * stats.norm.sf(np.abs(estimate / se)),
            "ci_low": low,
            "ci_high": high,
            "odds_ratio": np.exp(estimate),
            "odds_ratio_ci_low": np.exp(low),
            "odds_ratio_ci_high": np.exp(high),
        }
    )


def _likelihood_fit(log_likelihood: float, null: float, n: int, df: int, n_params: int) -> pd.DataFrame:
    chi_square = 2 * (log_likelihood - null)
    cox_snell = 1 - np.exp(2 * (null - log_likelihood) / n)
    return pd.DataFrame(
        [
            {
                "n": n,
                "log_likelihood": log_likelihood,
                "null_log_likelihood": null,
                "lr_chi_square": chi_square,
                "df": df,
                "p_value": stats.chi2.sf(chi_square, df),
                "aic": 2 * n_params - 2 * log_likelihood,
                "mcfadden_r_squared": 1 - log_likelihood / null,
                "cox_snell_r_squared": cox_snell,
                "nagelkerke_r_squared": cox_snell / (1 - np.exp(2 * null / n)),
            }
        ]
    )
