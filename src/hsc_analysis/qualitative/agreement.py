"""Inter-coder agreement per code and overall: Cohen's κ (two coders) and Krippendorff's α with bootstrap CIs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.compliance.triangulate import cohen_kappa
from hsc_analysis.errors import DataError, InputError
from hsc_analysis.qualitative.project import CodedInterviews

__all__ = ["OVERALL", "CoderAgreement", "coder_agreement", "krippendorff_alpha"]

OVERALL = "(all codes)"
"""The ``code`` label of the pooled rows: every segment × code decision as one binary rating."""


def _alpha_parts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the observed-disagreement term and the pairable value counts (zero for units with < 2 values)."""
    m = counts.sum(axis=-1)
    pairable = m >= 2
    disagreement = np.where(pairable, (m**2 - (counts**2).sum(axis=-1)) / np.where(pairable, m - 1, 1), 0.0)
    return disagreement, counts * pairable[..., None]


def _alpha(disagreement: np.ndarray, values: np.ndarray) -> np.ndarray:
    """α from summed parts; the last axis of ``values`` is the category."""
    n_c = values
    n = n_c.sum(axis=-1)
    expected = n**2 - (n_c**2).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - (n - 1) * disagreement / expected


def _counts(ratings: np.ndarray) -> np.ndarray:
    """units × coders ratings (NaN missing) → units × categories value counts."""
    categories = np.unique(ratings[~np.isnan(ratings)])
    return (ratings[..., None] == categories).sum(axis=1).astype(float)


def krippendorff_alpha(ratings) -> float:
    """Krippendorff's α for nominal data from a units × coders array (NaN = not rated).

    Notes
    -----
    With n_uc the number of coders who gave unit u category c, m_u = Σ_c n_uc (only units with m_u ≥ 2 count),
    n_c = Σ_u n_uc and n = Σ_c n_c:

    α = 1 − (n − 1) Σ_u [(m_u² − Σ_c n_uc²) / (m_u − 1)] / (n² − Σ_c n_c²),

    the coincidence-matrix form of Krippendorff (2011) for the nominal metric. Matches the ``krippendorff`` package
    0.9 (``level_of_measurement="nominal"``) to 1e-12.

    Examples
    --------
    >>> round(krippendorff_alpha([[1, 1], [0, 0], [1, 0], [0, 0]]), 4)
    0.5333
    """
    ratings = np.asarray(ratings, dtype=float)
    if ratings.ndim != 2:
        raise InputError(f"krippendorff_alpha: ratings must be units × coders, got shape {ratings.shape}")
    disagreement, values = _alpha_parts(_counts(ratings))
    return float(_alpha(disagreement.sum(), values.sum(axis=0)))


@dataclass(frozen=True)
class CoderAgreement:
    """Agreement per code and pooled: ``code, statistic, estimate, se, ci_low, ci_high, n``.

    ``statistic`` is ``percent_agreement`` (all coders agree), ``cohen_kappa`` (two coders only; SE and interval
    the large-sample ones of :func:`hsc_analysis.compliance.cohen_kappa`) or ``krippendorff_alpha`` (percentile
    bootstrap interval over segments, ``n_boot`` resamples, ``seed``). ``n`` is the number of segments. Units are
    the distinct segments any coder coded; a coder who did not code a segment counts as not giving it the code.
    Codes no compared coder used (themes that only group codes) have no rows.
    The pooled κ interval treats the segment × code decisions as independent; the pooled α interval resamples
    whole segments.
    """

    table: pd.DataFrame
    coders: tuple[str, ...]
    n: int
    n_boot: int
    seed: int
    confidence: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def coder_agreement(
    project: CodedInterviews,
    *,
    coders: tuple[str, ...] | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> CoderAgreement:
    """Inter-coder agreement on whether each code applies to each segment, per code and over all codes.

    Parameters
    ----------
    project : CodedInterviews
        Segments coded by two or more coders.
    coders : tuple of str, optional
        The coders compared; by default every coder with a coding.
    n_boot, seed, confidence
        Bootstrap resamples of segments for the α interval (one index array), its seed and level.
    """
    segments = project.segments
    coders = tuple(coders) if coders is not None else tuple(map(str, pd.unique(segments["coder"])))
    unknown = sorted(set(coders) - set(segments["coder"]))
    if unknown:
        raise InputError(f"coders: {unknown} coded nothing in {project.source}; coders: {', '.join(project.coders)}")
    if len(coders) < 2:
        raise DataError(f"{project.source}: agreement needs two or more coders; found {list(coders)}")
    segments = segments[segments["coder"].isin(coders)]
    units = pd.Index(pd.unique(segments["segment_id"]))
    codes = pd.Index([c for c in project.codebook["code"] if c in set(segments["code"])])
    x = np.zeros((len(units), len(codes), len(coders)))
    x[
        units.get_indexer(segments["segment_id"]),
        codes.get_indexer(segments["code"]),
        pd.Index(coders).get_indexer(segments["coder"]),
    ] = 1
    counts = np.stack([(x == 0).sum(axis=2), (x == 1).sum(axis=2)], axis=-1).astype(float)  # units × codes × 2
    disagreement, values = _alpha_parts(counts)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, len(units), size=(n_boot, len(units)))
    tail = (1 - confidence) / 2
    rows = []
    for j, code in enumerate([*codes, OVERALL]):
        part = slice(None) if code == OVERALL else slice(j, j + 1)
        d_u, v_u = disagreement[:, part].sum(axis=1), values[:, part].sum(axis=1)
        ratings = x[:, part, :].reshape(-1, len(coders))
        n = len(units)
        rows.append(
            (
                code,
                "percent_agreement",
                float(np.mean(ratings.min(axis=1) == ratings.max(axis=1))),
                np.nan,
                np.nan,
                np.nan,
                n,
            )
        )
        if len(coders) == 2:
            kappa = cohen_kappa(ratings[:, 0], ratings[:, 1], confidence=confidence)
            rows.append((code, "cohen_kappa", kappa.estimate, kappa.se, kappa.ci_low, kappa.ci_high, n))
        boot = _alpha(d_u[index].sum(axis=1), v_u[index].sum(axis=1))
        boot = boot[np.isfinite(boot)]
        low, high = np.quantile(boot, [tail, 1 - tail]) if len(boot) else (np.nan, np.nan)
        rows.append(
            (
                code,
                "krippendorff_alpha",
                float(_alpha(d_u.sum(), v_u.sum(axis=0))),
                float(np.std(boot, ddof=1)) if len(boot) > 1 else np.nan,
                float(low),
                float(high),
                n,
            )
        )
    table = pd.DataFrame(rows, columns=["code", "statistic", "estimate", "se", "ci_low", "ci_high", "n"])
    return CoderAgreement(table, coders=coders, n=len(units), n_boot=n_boot, seed=seed, confidence=confidence)
