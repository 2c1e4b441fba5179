"""Imported responses as one table that can leave the import step: items, background and metadata, without
personal columns."""

from __future__ import annotations

import pandas as pd

from hsc_analysis.instruments import Instrument
from hsc_analysis.responses import METADATA_COLUMNS, SurveyResponses

__all__ = ["shareable_table"]


def shareable_table(responses: SurveyResponses, *, instrument: Instrument) -> pd.DataFrame:
    """Metadata (``METADATA_COLUMNS`` only), item codes and background, one row per respondent, with every
    question marked ``pii`` in the instrument, every typed "other" text (``<question>__other``, free text) and every
    other platform column (IP address, e-mail, names) left out.

    Examples
    --------
    >>> from hsc_analysis.instruments import load_instrument
    >>> from hsc_analysis.io import read_responses
    >>> parent = load_instrument("surveys/parent.yaml")
    >>> data = read_responses("tests/fixtures/import/wjx_按序号_parent.xlsx", parent)
    >>> table = shareable_table(data, instrument=parent)
    >>> "phone" in table.columns, "ip" in table.columns, len(table) == data.n
    (False, False, True)
    """
    personal = {q.id for q in (*instrument.background, *instrument.identifiers) if q.pii}
    background = responses.background.drop(
        columns=[c for c in responses.background.columns if c.split("__")[0] in personal or c.endswith("__other")]
    )
    return pd.concat([responses.metadata[list(METADATA_COLUMNS)], responses.items, background], axis=1)
