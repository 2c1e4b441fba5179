"""SPSS ``.sav`` files via pyreadstat: variable names or variable labels map columns to questions, codes are read
as they are, and user-missing values keep their code's reason (shared/reference/formats.md §A4).

Value labels are compared with the instrument's labels: when every labelled code names one of the question's
options, codes are translated by label (a 问卷星 .sav numbers options 1, 2, … so 6 不了解 becomes 9); when some
label is not an option, the codes are read as they are and the log says which labels differ.

A user-missing value that is a missing code of the instrument (e.g. 9 不了解) takes the instrument's reason; any
other takes the reason its value label names (跳过/skip/不适用 → ``skipped``, 不知道/不了解/don't know →
``dont_know``, otherwise ``blank``); 问卷星's ``-3``/``-2`` are ``skipped``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from hsc_analysis.errors import DataError
from hsc_analysis.io.export import Export
from hsc_analysis.io.plain import METADATA as PLAIN_METADATA
from hsc_analysis.io.wjx import METADATA as WJX_METADATA

__all__ = ["read_spss"]

_REASON_WORDS = (
    (re.compile(r"跳过|skip|不适用|not applicable", re.I), "skipped"),
    (re.compile(r"不知道|不了解|don.?t know", re.I), "dont_know"),
)
_MAX_RANGE = 1000  # a user-missing range wider than this is not expanded into single codes


def read_spss(path: Path) -> Export:
    import pyreadstat

    try:
        data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as err:  # pyreadstat raises ReadstatError and others for corrupt files
        raise DataError(f"{path}: cannot read the file as SPSS .sav ({type(err).__name__}: {err})") from None
    names = {**PLAIN_METADATA, **{k: v for k, v in WJX_METADATA.items() if v != "wjx_source"}}
    log = []
    meta_columns = [c for c in data.columns if c in names]
    data.index = np.arange(1, len(data) + 1)
    data.index.name = "source_row"
    column_special = {}
    for column, ranges in meta.missing_ranges.items():
        labels = meta.variable_value_labels.get(column, {})
        special = {}
        for bounds in ranges:
            low, high = bounds["lo"], bounds["hi"]
            if isinstance(low, str):
                continue  # string user-missing values stay text
            if high - low > _MAX_RANGE:
                log.append(
                    {
                        "level": "warning",
                        "column": column,
                        "message": f"user-missing range {low:g}–{high:g} "
                        "too wide to keep; its values are read as codes",
                        "n_rows": 0,
                    }
                )
                continue
            for code in np.arange(low, high + 1) if high > low else [low]:
                special[float(code)] = _reason(float(code), labels.get(code, ""))
        column_special[column] = special
    roles = {names[c]: c for c in meta_columns}
    return Export(
        platform="spss",
        questions=data.drop(columns=meta_columns),
        metadata=data[meta_columns],
        roles=roles,
        coding="code",
        column_special=column_special,
        labels={c: label for c, label in meta.column_names_to_labels.items() if label},
        value_labels=meta.variable_value_labels,
        log=tuple(log),
    )


def _reason(code: float, label: str) -> str:
    if code in (-3, -2):
        return "skipped"
    for pattern, reason in _REASON_WORDS:
        if pattern.search(label):
            return reason
    return "blank"
