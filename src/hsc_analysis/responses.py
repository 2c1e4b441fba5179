"""Survey responses as they leave import: item codes, why answers are missing, background, metadata and a log.

This is the contract between the readers (``hsc_analysis.io``), screening and scoring: every reader returns a
:class:`SurveyResponses`, whatever the platform.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["METADATA_COLUMNS", "SurveyResponses"]

METADATA_COLUMNS = ("source_row", "submitted_at", "duration_seconds", "channel")
"""Metadata every reader provides (NaN/NaT where the platform has none): the row in the raw file, submission
time, time taken in seconds and the channel (e.g. 微信, 手机提交)."""


@dataclass(frozen=True)
class SurveyResponses:
    """One raw export, imported.

    All frames share one index, ``respondent_id`` (the platform's own id, such as 问卷星's 序号, as text), in the
    order of the raw file; no row of the file is dropped at import.

    Attributes
    ----------
    items : DataFrame
        Item codes (float) for every scale item and attention check of the instrument, columns named by item id;
        NaN where the answer is missing.
    missing : DataFrame
        Same shape as ``items``: the reason an answer is missing (one of ``instruments.MISSING_REASONS``) where
        ``items`` is NaN, and None where it is not.
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
    missing: pd.DataFrame
    background: pd.DataFrame
    metadata: pd.DataFrame
    log: pd.DataFrame
    source: str
    platform: str

    @property
    def n(self) -> int:
        return len(self.items)

    def subset(self, respondent_ids: pd.Index) -> SurveyResponses:
        """The same responses restricted to some respondents, in their original order."""
        keep = self.items.index.isin(respondent_ids)
        return SurveyResponses(
            items=self.items[keep],
            missing=self.missing[keep],
            background=self.background[keep],
            metadata=self.metadata[keep],
            log=self.log,
            source=self.source,
            platform=self.platform,
        )
