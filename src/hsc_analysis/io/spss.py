"""SPSS ``.sav`` files via pyreadstat: variable names or variable labels map columns to questions, codes are read
as they are, and every declared user-missing value is missing, with a reason.

A user-missing value (discrete or a range, numeric or text) is missing whatever the instrument's scale says — a 9
declared missing on a 1–9 rating is not an answer 9 — as haven's ``read_sav(user_na = TRUE)`` marks it. Its reason
is the instrument's when the code is a missing code of the scale (9 不了解 → ``dont_know``), otherwise the one its
value label names (跳过/skip/不适用 → ``skipped``, 不知道/不了解/don't know → ``dont_know``, anything else or no label
→ ``blank``); the import log names the codes and their labels. A range covers every value inside it.

Value labels are compared with the instrument's labels: when every labelled code names one of the question's
options, codes are translated by label (a 问卷星 .sav numbers options 1, 2, … so 6 不了解 becomes 9; a string
variable coded ``A``/``B`` by its labels); when some label is not an option, the codes are read as they are and the
log says which labels differ.

问卷星's own SPSS download is recognised as its own layout (platform ``wjx_sav``): its metadata variables carry
English names (``index``, ``totalseconds`` …) with 问卷星's column names (序号, 所用时间 …) as variable labels, and
its ``-3``/``-2`` mean skipped by the form's logic. In any other .sav a ``-3`` is only missing when declared so.

Dates: when a date or datetime value lies outside what pandas can hold (years 1677–2262), pyreadstat cannot convert
the file; the file is then read with raw numbers, every date variable converted here, and each cell out of range
left empty and logged (an item cell becomes ``invalid``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.io.export import Export, drop_blank_rows
from hsc_analysis.io.plain import METADATA as PLAIN_METADATA
from hsc_analysis.io.wjx import METADATA as WJX_METADATA
from hsc_analysis.io.wjx import SPECIAL as WJX_SPECIAL
from hsc_analysis.io.wjx import wjx_channel

__all__ = ["read_spss"]

_REASON_WORDS = (
    (re.compile(r"跳过|skip|不适用|not applicable", re.I), "skipped"),
    (re.compile(r"不知道|不了解|don.?t know", re.I), "dont_know"),
)
WJX_SAV_NAMES = {
    "index": "序号",
    "time": "提交答卷时间",
    "submittime": "提交答卷时间",
    "totalseconds": "所用时间",
    "source": "来源",
    "sourcedetail": "来源详情",
    "ip": "来自IP",
    "totalscore": "总分",
}
"""English variable names of 问卷星's SPSS download → the 问卷星 column they stand for (the variable labels say so
too, and labels are what is matched first)."""
_DATE_FORMATS = re.compile(r"^(?:DATETIME|DATE|ADATE|EDATE|SDATE|JDATE|MOYR|QYR|WKYR|YMDHMS|MTIME)", re.I)
_SPSS_EPOCH = -12_219_379_200.0  # 1582-10-14 00:00 in seconds from 1970-01-01
_LIMITS = (pd.Timestamp.min.value / 1e9, pd.Timestamp.max.value / 1e9)


def read_spss(path: Path) -> Export:
    """Read a .sav as an :class:`Export` (rules in the module docstring)."""
    data, meta, log, invalid = _read(path)
    labels = {c: label for c, label in meta.column_names_to_labels.items() if label}
    wjx_names = {
        c: labels[c] if labels.get(c) in WJX_METADATA else WJX_SAV_NAMES.get(c.lower(), c) for c in data.columns
    }
    is_wjx = sum(name in WJX_METADATA for name in wjx_names.values()) >= 3
    names = (
        {c: WJX_METADATA[wjx_names[c]] for c in data.columns if wjx_names[c] in WJX_METADATA}
        if is_wjx
        else {c: PLAIN_METADATA[c] for c in data.columns if c in PLAIN_METADATA}
    )
    meta_columns = list(names)
    data.index = np.arange(1, len(data) + 1)
    data.index.name = "source_row"
    data, blank_log = drop_blank_rows(data)
    log.extend(blank_log)
    column_special = {
        c: _user_missing(data[c], ranges, meta.variable_value_labels.get(c, {}))
        for c, ranges in meta.missing_ranges.items()
    }
    roles = {role: c for c, role in names.items()}
    metadata = data[meta_columns]
    if is_wjx:
        metadata = wjx_channel(metadata, roles)
        log.append(
            {
                "level": "info",
                "column": "",
                "message": "问卷星 SPSS download: metadata variables "
                f"{', '.join(f'{c} ({wjx_names[c]})' for c in meta_columns)}; -3/-2 = skipped",
                "n_rows": len(data),
            }
        )
    return Export(
        platform="wjx_sav" if is_wjx else "spss",
        questions=data.drop(columns=meta_columns),
        metadata=metadata,
        roles=roles,
        coding="code",
        special=WJX_SPECIAL if is_wjx else {},
        column_special=column_special,
        labels={c: label for c, label in labels.items() if c not in meta_columns},
        value_labels=meta.variable_value_labels,
        log=tuple(log),
        invalid_cells=invalid,
    )


def _read(path: Path) -> tuple[pd.DataFrame, object, list[dict], dict[str, dict[int, str]]]:
    import pyreadstat

    try:
        try:
            data, meta = pyreadstat.read_sav(str(path), user_missing=True)
            return data, meta, [], {}
        except OverflowError:  # a date out of range: read raw numbers and convert the dates here
            data, meta = pyreadstat.read_sav(str(path), user_missing=True, disable_datetime_conversion=True)
    except Exception as err:  # pyreadstat raises ReadstatError and others for corrupt files
        raise DataError(f"{path}: cannot read the file as SPSS .sav ({type(err).__name__}: {err})") from None
    log, invalid = [], {}
    for column, fmt in meta.original_variable_types.items():
        if not _DATE_FORMATS.match(fmt) or data[column].dtype.kind != "f":
            continue
        unix = data[column].to_numpy() + _SPSS_EPOCH
        outside = ~np.isnan(unix) & ((unix <= _LIMITS[0]) | (unix >= _LIMITS[1]))
        converted = pd.to_datetime(np.where(outside, np.nan, unix), unit="s")
        data[column] = converted.round("us") if fmt.upper().startswith("DATETIME") else converted.normalize()
        if outside.any():
            rows = np.flatnonzero(outside) + 1
            reason = f"{fmt} value outside the dates that can be held (years 1677–2262), read as empty"
            invalid[column] = dict.fromkeys(rows.tolist(), reason)
            log.append(
                {
                    "level": "warning",
                    "column": column,
                    "message": f"{reason}: row(s) {', '.join(map(str, rows[:10]))}",
                    "n_rows": int(outside.sum()),
                }
            )
    return data, meta, log, invalid


def _user_missing(values: pd.Series, ranges: list[dict], labels: Mapping) -> dict[float | str, str]:
    """The declared user-missing values of a variable that occur in it → reason by label (rule in the module
    docstring); a range covers every value of the file inside it."""
    special: dict[float | str, str] = {}
    present = values.dropna().unique()
    for bounds in ranges:
        low, high = bounds["lo"], bounds["hi"]
        if isinstance(low, str):
            special[low.strip()] = _reason(labels.get(low, ""))
            continue
        codes = {low, high} | {v for v in present if isinstance(v, int | float) and low <= v <= high}
        for code in sorted(codes):
            special[float(code)] = _reason(labels.get(code, ""))
    return special


def _reason(label: str) -> str:
    for pattern, reason in _REASON_WORDS:
        if pattern.search(str(label)):
            return reason
    return "blank"
