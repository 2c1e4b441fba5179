"""Survey responses as they leave import: item codes, why answers are missing, background, metadata and a log.

This is the contract between the readers (``hsc_analysis.io``), screening and scoring: every reader returns a
:class:`SurveyResponses`, whatever the platform. Why an answer is missing is kept as a small integer per cell
(:data:`REASON_CODES`; one byte, not a string), and read back as text through :attr:`SurveyResponses.missing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import MISSING_REASONS

__all__ = ["METADATA_COLUMNS", "REASONS", "REASON_CODES", "SurveyResponses", "reason_codes"]

METADATA_COLUMNS = ("source_row", "submitted_at", "duration_seconds", "channel")
"""Metadata every reader provides (NaN/NaT where the platform has none): the row in the raw file, submission
time, time taken in seconds and the channel (e.g. 微信, 手机提交)."""
REASON_CODES = {reason: code for code, reason in enumerate(MISSING_REASONS, start=1)}
"""The code of each missing reason (``skipped`` 1, ``blank`` 2, ``dont_know`` 3, ``invalid`` 4); 0 = answered."""
REASONS = np.array([None, *MISSING_REASONS], dtype=object)
"""Code → reason: ``REASONS[codes]`` turns a code matrix into the reasons as text (None where answered)."""


def reason_codes(missing: pd.DataFrame) -> pd.DataFrame:
    """The int8 code frame of a text-valued frame of missing reasons (None or NaN where an answer is present).

    Raises
    ------
    InputError
        Naming the column and the value when a cell is neither missing nor one of ``MISSING_REASONS``.

    Examples
    --------
    >>> reason_codes(pd.DataFrame({"a1": [None, "blank", "dont_know"]}))["a1"].tolist()
    [0, 2, 3]
    """
    values = missing.to_numpy(dtype=object)
    codes = np.zeros(values.shape, dtype=np.int8, order="F")
    present = pd.isna(values)
    for reason, code in REASON_CODES.items():
        codes[values == reason] = code
    unknown = (codes == 0) & ~present
    if unknown.any():
        row, column = (int(k[0]) for k in np.nonzero(unknown))
        raise InputError(
            f"missing: column '{missing.columns[column]}', row {missing.index[row]!r}: {values[row, column]!r} is "
            f"not a missing reason; allowed: {', '.join(MISSING_REASONS)} or None (answered)"
        )
    return pd.DataFrame(codes, index=missing.index, columns=missing.columns, copy=False)


@dataclass(frozen=True, init=False)
class SurveyResponses:
    """One raw export, imported.

    All frames share one index, ``respondent_id`` (the platform's own id, such as 问卷星's 序号, as text), in the
    order of the raw file; no row of the file is dropped at import.

    Give the missing reasons either as text (``missing``: a frame of ``MISSING_REASONS`` and None, as
    :attr:`missing` shows them) or as codes (``missing_codes``); ``missing``, when given, replaces
    ``missing_codes``, so that ``dataclasses.replace(data, missing=...)`` works as for any field.

    Attributes
    ----------
    items : DataFrame
        Item codes (float) for every scale item and attention check of the instrument, columns named by item id;
        NaN where the answer is missing.
    missing_codes : DataFrame
        Same shape as ``items``, int8 (one byte a cell, one block): the code of the reason an answer is missing
        (:data:`REASON_CODES`) where ``items`` is NaN, 0 where it is not. :data:`REASONS` maps codes to reasons.
    background : DataFrame
        Background questions and identifier fields of the instrument, as codes (single choice), 0/1 columns named
        ``<question>__<code>`` (multiple choice), numbers or text. Personal fields are marked ``pii`` in the
        instrument and never reach reports.
    metadata : DataFrame
        ``METADATA_COLUMNS`` and any other platform columns kept (e.g. ``ip``; personal, never reported).
    log : DataFrame
        What import did and noticed, one row per event: ``level`` (info/warning), ``column``, ``message``, ``n_rows``.
    source : str
        The file read.
    platform : str
        The detected or declared platform (e.g. ``wjx_index``, ``wjx_text``, ``tencent``, ``qualtrics``,
        ``limesurvey``, ``spss``, ``table``).
    """

    items: pd.DataFrame
    missing_codes: pd.DataFrame
    background: pd.DataFrame
    metadata: pd.DataFrame
    log: pd.DataFrame
    source: str
    platform: str

    def __init__(
        self,
        *,
        items: pd.DataFrame,
        background: pd.DataFrame,
        metadata: pd.DataFrame,
        log: pd.DataFrame,
        source: str,
        platform: str,
        missing: pd.DataFrame | None = None,
        missing_codes: pd.DataFrame | None = None,
    ) -> None:
        if missing is not None:
            missing_codes = reason_codes(missing)
        if missing_codes is None:
            raise InputError("SurveyResponses: give the missing reasons as missing (text) or missing_codes (int8)")
        if missing_codes.shape != items.shape:
            raise InputError(
                f"SurveyResponses: the missing reasons have shape {missing_codes.shape}; items have {items.shape}"
            )
        if missing_codes.dtypes.ne(np.int8).any():
            missing_codes = missing_codes.astype(np.int8)
        fields = {"items": items, "missing_codes": missing_codes, "background": background, "metadata": metadata,
                  "log": log, "source": source, "platform": platform}  # fmt: skip
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        return len(self.items)

    @property
    def missing(self) -> pd.DataFrame:
        """Same shape as ``items``: the reason an answer is missing (one of ``instruments.MISSING_REASONS``) where
        ``items`` is NaN, and None where it is not (object dtype). A new frame each time, built from
        ``missing_codes``: changing it does not change the responses."""
        codes = self.missing_codes
        return pd.DataFrame(REASONS[codes.to_numpy()], index=codes.index, columns=codes.columns, dtype=object)

    def subset(self, respondent_ids: pd.Index) -> SurveyResponses:
        """The same responses restricted to some respondents, in their original order."""
        keep = self.items.index.isin(respondent_ids)
        return SurveyResponses(
            items=self.items[keep],
            missing_codes=self.missing_codes[keep],
            background=self.background[keep],
            metadata=self.metadata[keep],
            log=self.log,
            source=self.source,
            platform=self.platform,
        )
