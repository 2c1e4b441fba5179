"""Exploratory factor analysis: sampling adequacy (KMO), Bartlett's sphericity test, parallel analysis, EFA with
rotation, and Harman's single-factor test for common-method variance.

Every function takes a respondent × item DataFrame (numeric, reverse items already keyed — see
:func:`hsc_analysis.scoring.key_items`) and an explicit ``nan_policy``: ``"listwise"`` (complete rows, SPSS) or
``"pairwise"`` (pairwise-complete correlations, R ``cor(use = "pairwise")`` as psych uses them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement._extraction import METHODS, extract, reduced_eigenvalues
from hsc_analysis.measurement._matrix import Items, check_option, item_matrix, pearson, require_variance
from hsc_analysis.measurement._rotation import ROTATIONS
from hsc_analysis.measurement.polychoric import polychoric
from hsc_analysis.scoring import key_items

__all__ = [
    "BartlettResult",
    "EFAResult",
    "HarmanResult",
    "KMOResult",
    "ParallelResult",
    "bartlett_sphericity",
    "efa",
    "harman_single_factor",
    "kmo",
    "parallel_analysis",
]


def _positive_definite(cor: np.ndarray, items: Items, function: str) -> np.ndarray:
    """The correlation matrix, or an error naming the problem when it is singular or not positive definite."""
    values, vectors = np.linalg.eigh(cor)
    if values[0] > 1e-10 * values[-1]:
        return cor
    involved = [items.names[i] for i in np.flatnonzero(np.abs(vectors[:, 0]) > 0.1)]
    kind = "not positive definite" if values[0] < -1e-10 else "singular"
    hint = "; or use nan_policy='listwise'" if items.nan_policy == "pairwise" and values[0] < 0 else ""
    raise DataError(
        f"{function}: the item correlation matrix is {kind} (smallest eigenvalue {values[0]:.3g}); items "
        f"{', '.join(involved)} are (nearly) linearly dependent — drop redundant items{hint}"
    )


def _prepare(
    data: pd.DataFrame, nan_policy: str, function: str, instrument: Instrument | None, kind: str = "pearson"
) -> tuple[Items, np.ndarray]:
    """The item matrix and its correlations; with an instrument, only its scale items, keyed (reverse items
    recoded, special codes missing, attention checks and other columns left out), as :func:`reliability` does."""
    if instrument is not None:
        data = key_items(data, instrument=instrument)
    items = item_matrix(data, nan_policy=nan_policy, function=function, min_items=3)
    require_variance(items, function)
    cor = pearson(items) if kind == "pearson" else polychoric(data, nan_policy=nan_policy).to_numpy()
    return items, _positive_definite(cor, items, function)


@dataclass(frozen=True)
class KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy.

    Attributes
    ----------
    overall : float
        The overall MSA.
    items : DataFrame
        ``item, msa``: each item's MSA.
    n, nan_policy :
        Respondents used and the missing-data policy.
    """

    overall: float
    items: pd.DataFrame
    n: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        overall = pd.DataFrame({"item": ["overall"], "msa": [self.overall]})
        return pd.concat([overall, self.items], ignore_index=True).assign(n=self.n, nan_policy=self.nan_policy)


def kmo(data: pd.DataFrame, *, nan_policy: str, instrument: Instrument | None = None) -> KMOResult:
    """Kaiser–Meyer–Olkin sampling adequacy, overall and per item.

    Parameters
    ----------
    data : DataFrame
        Respondents × numeric items.
    nan_policy : {"listwise", "pairwise"}
        Complete rows only, or pairwise-complete correlations.
    instrument : Instrument, optional
        Key the items first — reverse items recoded, special codes missing, attention checks and other columns left
        out — as :func:`~hsc_analysis.measurement.reliability` does; without it ``data`` is analysed as given.

    Returns
    -------
    KMOResult

    Raises
    ------
    DataError
        Fewer than 3 items or respondents, an item without variance, or a singular correlation matrix.

    Notes
    -----
    With R the item correlations and Q the partial correlations (from R⁻¹), off the diagonal,
    MSA = Σr² / (Σr² + Σq²) and MSA_j = Σ_i r_ij² / (Σ_i r_ij² + Σ_i q_ij²). Matches R ``psych::KMO(x)`` (psych
    2.2.9, pairwise r) to 1e-10 on psych's bfi data (tests/reference/measurement_reliability.R). Kaiser's labels:
    ≥ .9 marvellous, ≥ .8 meritorious, ≥ .7 middling, ≥ .6 mediocre, ≥ .5 miserable, below unacceptable.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> factor = rng.normal(size=(200, 1))
    >>> items = pd.DataFrame(factor + rng.normal(size=(200, 4)), columns=["a", "b", "c", "d"])
    >>> round(kmo(items, nan_policy="listwise").overall, 3)
    0.782
    """
    items, cor = _prepare(data, nan_policy, "kmo", instrument)
    inverse = np.linalg.inv(cor)
    partial = inverse / np.sqrt(np.outer(np.diag(inverse), np.diag(inverse)))
    off = 1 - np.eye(len(cor))
    r2, q2 = (cor**2) * off, (partial**2) * off
    overall = r2.sum() / (r2.sum() + q2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(float(overall), pd.DataFrame({"item": items.names, "msa": per_item}), items.n, nan_policy)


@dataclass(frozen=True)
class BartlettResult:
    """Bartlett's test that the item correlation matrix is an identity matrix."""

    statistic: float
    df: int
    p_value: float
    n: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def bartlett_sphericity(data: pd.DataFrame, *, nan_policy: str, instrument: Instrument | None = None) -> BartlettResult:
    """Bartlett's test of sphericity.

    Parameters
    ----------
    data : DataFrame
        Respondents × numeric items.
    nan_policy : {"listwise", "pairwise"}
        Complete rows only, or pairwise-complete correlations (n is then the number of respondents).
    instrument : Instrument, optional
        Key the items first — reverse items recoded, special codes missing, attention checks and other columns left
        out — as :func:`~hsc_analysis.measurement.reliability` does; without it ``data`` is analysed as given.

    Returns
    -------
    BartlettResult
        χ² ``statistic``, ``df`` and ``p_value``.

    Notes
    -----
    χ² = −(n − 1 − (2p + 5)/6) · ln|R| with p(p − 1)/2 degrees of freedom. Matches R
    ``psych::cortest.bartlett(x)`` (psych 2.2.9; pairwise r, n = rows) to 1e-8 relative on bfi.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> items = pd.DataFrame(rng.normal(size=(200, 1)) + rng.normal(size=(200, 4)), columns=list("abcd"))
    >>> bartlett_sphericity(items, nan_policy="listwise").df
    6
    """
    items, cor = _prepare(data, nan_policy, "bartlett_sphericity", instrument)
    p = len(cor)
    statistic = -np.linalg.slogdet(cor)[1] * (items.n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(float(statistic), df, float(stats.chi2.sf(statistic, df)), items.n, nan_policy)


@dataclass(frozen=True)
class EFAResult:
    """An exploratory factor solution.

    Attributes
    ----------
    loadings : DataFrame
        Items × factors (``F1``, ``F2``, …): pattern loadings after rotation.
    communalities : Series
        h² per item (from the unrotated solution; rotation does not change it).
    variance : DataFrame
        ``factor, ss_loadings, proportion, cumulative``: variance explained by each rotated factor (for oblique
        rotations the diagonal of ΦΛ'Λ, as psych reports it).
    factor_correlations : DataFrame
        Φ (identity for orthogonal rotations).
    flags : tuple of str
        Problems a reader must know about (Heywood cases, non-convergence); empty when none.
    """

    loadings: pd.DataFrame
    communalities: pd.Series
    variance: pd.DataFrame
    factor_correlations: pd.DataFrame
    method: str
    rotation: str
    correlation: str
    n_factors: int
    n: int
    nan_policy: str
    flags: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """Long table: ``item, factor, loading, communality``."""
        long = (
            self.loadings.rename_axis("item")
            .reset_index()
            .melt(id_vars="item", var_name="factor", value_name="loading")
        )
        return long.assign(communality=long["item"].map(self.communalities))


def efa(
    data: pd.DataFrame,
    *,
    n_factors: int,
    nan_policy: str,
    method: str = "minres",
    rotation: str = "oblimin",
    correlation: str = "pearson",
    instrument: Instrument | None = None,
) -> EFAResult:
    """Exploratory factor analysis by principal components, minres or maximum likelihood, with rotation.

    Parameters
    ----------
    data : DataFrame
        Respondents × numeric items (keyed).
    n_factors : int
        Number of factors (1 … items − 1).
    nan_policy : {"listwise", "pairwise"}
        Complete rows only, or pairwise-complete correlations.
    instrument : Instrument, optional
        Key the items first — reverse items recoded, special codes missing, attention checks and other columns left
        out — as :func:`~hsc_analysis.measurement.reliability` does; without it ``data`` is analysed as given.
    method : {"minres", "ml", "principal"}
        Minimum residual (unweighted least squares), maximum likelihood, or principal components.
    rotation : {"oblimin", "promax", "varimax", "none"}
        Oblique (oblimin, promax) or orthogonal (varimax) rotation.
    correlation : {"pearson", "polychoric"}
        Factor Pearson correlations, or polychoric ones for ordinal items (see :func:`polychoric`).

    Returns
    -------
    EFAResult

    Raises
    ------
    DataError
        Too few items or respondents, constant items, or a singular / non-positive-definite correlation matrix.

    Notes
    -----
    minres minimises ½ Σ_{m>k} λ_m² over the uniquenesses ψ (λ_m the eigenvalues of R − diag ψ), so that the
    off-diagonal residuals are smallest; ml minimises the likelihood discrepancy of ``factanal``; both bound ψ to
    [0.005, 1] like psych. Rotations follow R step by step: varimax = ``stats::varimax``, promax = ``psych::Promax``
    with Kaiser normalisation, oblimin = ``GPArotation::oblimin``. Factors are signed and ordered like psych.

    Checked against R ``psych::fa(x, nfactors, fm, rotate)`` and ``psych::principal(x, nfactors, rotate)`` (psych
    2.2.9, GPArotation 2022.10-2) on bfi (5 factors) and Holzinger–Swineford (3): principal components to 1e-10,
    minres and ml to 1e-5 (psych stops its optimiser earlier than we do); of polychoric correlations
    (``fa(x, 5, cor = "poly")``) to 1e-4, the polychoric estimates' own agreement carried through.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(500, 2))
    >>> data = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(500, 6)), columns=list("abcdef"))
    >>> result = efa(data, n_factors=2, nan_policy="listwise", rotation="varimax")
    >>> result.loadings.abs().idxmax(axis="columns").tolist()
    ['F2', 'F2', 'F2', 'F1', 'F1', 'F1']
    """
    check_option(method, METHODS, parameter="method", function="efa")
    check_option(rotation, ROTATIONS, parameter="rotation", function="efa")
    check_option(correlation, ("pearson", "polychoric"), parameter="correlation", function="efa")
    items, cor = _prepare(data, nan_policy, "efa", instrument, correlation)
    if not isinstance(n_factors, int | np.integer) or not 1 <= n_factors < len(cor):
        raise DataError(f"efa: n_factors must be an integer from 1 to {len(cor) - 1} (items − 1); got {n_factors!r}")
    fit = extract(cor, int(n_factors), method=method, rotation=rotation)
    factors = [f"F{i + 1}" for i in range(n_factors)]
    explained = np.diag(fit.phi @ fit.loadings.T @ fit.loadings)
    variance = pd.DataFrame(
        {
            "factor": factors,
            "ss_loadings": explained,
            "proportion": explained / len(cor),
            "cumulative": np.cumsum(explained) / len(cor),
        }
    )
    flags = [
        f"Heywood case: communality of {name} reached 1" for name, h in zip(items.names, fit.heywood, strict=True) if h
    ]
    if not fit.converged:
        flags.append(f"{method} estimation did not converge; results are unreliable")
    p = len(cor)
    if method != "principal" and (p - n_factors) ** 2 < p + n_factors:
        flags.append(f"{n_factors} factors of {p} items leave negative degrees of freedom: extract fewer factors")
    return EFAResult(
        loadings=pd.DataFrame(fit.loadings, index=items.names, columns=factors),
        communalities=pd.Series(fit.communalities, index=items.names, name="communality"),
        variance=variance,
        factor_correlations=pd.DataFrame(fit.phi, index=factors, columns=factors),
        method=method,
        rotation=rotation,
        correlation=correlation,
        n_factors=int(n_factors),
        n=items.n,
        nan_policy=nan_policy,
        flags=tuple(flags),
    )


@dataclass(frozen=True)
class ParallelResult:
    """Horn's parallel analysis.

    Attributes
    ----------
    eigenvalues : DataFrame
        ``position, observed_pc, simulated_pc, observed_fa, simulated_fa``: observed eigenvalues of R (components)
        and of the reduced R of a one-factor fit (factors), beside the means over ``n_iter`` random normal data
        sets of the same size.
    n_factors, n_components : int
        Suggested numbers: observed eigenvalues above the simulated ones, counted until the first that is not.
    """

    eigenvalues: pd.DataFrame
    n_factors: int
    n_components: int
    n_iter: int
    seed: int
    n: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        return self.eigenvalues


def parallel_analysis(
    data: pd.DataFrame,
    *,
    nan_policy: str,
    seed: int,
    n_iter: int = 20,
    method: str = "minres",
    instrument: Instrument | None = None,
) -> ParallelResult:
    """Parallel analysis for the number of factors and components (Horn 1965), as ``psych::fa.parallel``.

    Parameters
    ----------
    data : DataFrame
        Respondents × numeric items.
    nan_policy : {"listwise", "pairwise"}
        Complete rows only, or pairwise-complete correlations.
    instrument : Instrument, optional
        Key the items first — reverse items recoded, special codes missing, attention checks and other columns left
        out — as :func:`~hsc_analysis.measurement.reliability` does; without it ``data`` is analysed as given.
    seed : int
        Seed of the random normal data sets.
    n_iter : int
        Number of simulated data sets (psych's default 20).
    method : {"minres", "ml"}
        Factor method for the reduced eigenvalues.

    Returns
    -------
    ParallelResult

    Notes
    -----
    Observed component eigenvalues are those of R; factor eigenvalues those of R with the communalities of a
    one-factor fit on its diagonal (``fa(r, 1)$values``). Observed values match R ``psych::fa.parallel(x, fm =
    "minres", fa = "both")`` (psych 2.2.9) to 1e-10 (components) and 1e-5 (factors) on bfi and Holzinger–Swineford;
    the simulated values are random and are compared through the suggested numbers only.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(300, 2))
    >>> data = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)), columns=list("abcdef"))
    >>> parallel_analysis(data, nan_policy="listwise", seed=1).n_factors
    2
    """
    check_option(method, ("minres", "ml"), parameter="method", function="parallel_analysis")
    if not isinstance(n_iter, int | np.integer) or n_iter < 1:
        raise DataError(f"parallel_analysis: n_iter must be a positive integer; got {n_iter!r}")
    items, cor = _prepare(data, nan_policy, "parallel_analysis", instrument)
    n, p = items.n, len(cor)
    rng = np.random.default_rng(seed)
    simulated = rng.standard_normal((n_iter, n, p))
    simulated -= simulated.mean(axis=1, keepdims=True)
    covariance = np.einsum("bni,bnj->bij", simulated, simulated)
    scale = 1 / np.sqrt(np.einsum("bii->bi", covariance))
    sim_cor = covariance * scale[:, :, None] * scale[:, None, :]
    sim_pc = np.linalg.eigvalsh(sim_cor)[:, ::-1].mean(axis=0)
    sim_fa = np.mean([reduced_eigenvalues(r, method=method) for r in sim_cor], axis=0)
    observed_pc = np.linalg.eigvalsh(cor)[::-1]
    observed_fa = reduced_eigenvalues(cor, method=method)
    table = pd.DataFrame(
        {
            "position": np.arange(1, p + 1),
            "observed_pc": observed_pc,
            "simulated_pc": sim_pc,
            "observed_fa": observed_fa,
            "simulated_fa": sim_fa,
        }
    )
    return ParallelResult(
        table, _count_above(observed_fa, sim_fa), _count_above(observed_pc, sim_pc), n_iter, seed, n, nan_policy
    )


def _count_above(observed: np.ndarray, simulated: np.ndarray) -> int:
    below = np.flatnonzero(~(observed > simulated))
    return int(below[0]) if len(below) else len(observed)


@dataclass(frozen=True)
class HarmanResult:
    """Harman's single-factor test: the share of variance of the first unrotated principal component."""

    first_factor_proportion: float
    first_eigenvalue: float
    n_eigenvalues_above_1: int
    threshold: float
    common_method_concern: bool
    n_items: int
    n: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def harman_single_factor(
    data: pd.DataFrame, *, nan_policy: str, threshold: float = 0.5, instrument: Instrument | None = None
) -> HarmanResult:
    """Harman's single-factor test for common-method variance over all items of a questionnaire.

    Parameters
    ----------
    data : DataFrame
        Respondents × all numeric (keyed) items of the questionnaire.
    nan_policy : {"listwise", "pairwise"}
        Complete rows only, or pairwise-complete correlations.
    instrument : Instrument, optional
        Key the items first — reverse items recoded, special codes missing, attention checks and other columns left
        out — as :func:`~hsc_analysis.measurement.reliability` does; without it ``data`` is analysed as given.
    threshold : float
        Share of variance above which one factor is taken to dominate (0.5 by convention, Podsakoff et al. 2003).

    Returns
    -------
    HarmanResult

    Notes
    -----
    The unrotated first principal component explains λ₁ / p of the variance of p standardised items, as SPSS's
    unrotated PCA and R ``psych::principal(x, 1, rotate = "none")$Vaccounted`` report it (checked to 1e-10 on bfi).
    A share below the threshold does not prove the absence of method bias; report it as a weak check.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> data = pd.DataFrame(rng.normal(size=(200, 1)) + rng.normal(size=(200, 6)), columns=list("abcdef"))
    >>> harman_single_factor(data, nan_policy="listwise").common_method_concern
    True
    """
    items, cor = _prepare(data, nan_policy, "harman_single_factor", instrument)
    eigenvalues = np.linalg.eigvalsh(cor)[::-1]
    proportion = float(eigenvalues[0] / len(cor))
    return HarmanResult(
        proportion,
        float(eigenvalues[0]),
        int((eigenvalues > 1).sum()),
        threshold,
        proportion > threshold,
        len(cor),
        items.n,
        nan_policy,
    )
