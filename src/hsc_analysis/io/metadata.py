"""Platform metadata columns (respondent id, submission time, duration, channel) in one shape.

Each platform reader names its columns by role; :func:`build_metadata` parses them whole-column at a time and logs
every value it cannot parse instead of dropping it silently.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.responses import METADATA_COLUMNS

__all__ = ["TIME_FORMATS", "build_metadata", "parse_duration", "parse_time"]

TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%b-%Y %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M")
"""Submission times as 问卷星 (``2016/12/17 14:25:31``), 腾讯问卷 (``02-Feb-2021 20:26:58``), Qualtrics and
LimeSurvey (ISO) write them."""

_NUMBER = r"(\d+(?:\.\d+)?)"
_DURATION = rf"^\s*(?:{_NUMBER}\s*(?:小时|时|h))?\s*(?:{_NUMBER}\s*(?:分钟|分|min|m))?\s*(?:{_NUMBER}\s*(?:秒|s)?)?\s*$"


def parse_duration(values: pd.Series) -> pd.Series:
    """Seconds from ``136``, ``136秒``, ``2分3秒``, ``1小时2分3秒`` (NaN where empty or not a duration).

    Examples
    --------
    >>> parse_duration(pd.Series(["136秒", "2分3秒", "1小时0分5秒", "42", None])).tolist()
    [136.0, 123.0, 3605.0, 42.0, nan]
    """
    if values.dtype.kind in "biuf":
        return values.astype(float)
    text = values.astype("string").str.strip()
    seconds = pd.to_numeric(text.str.removesuffix("秒"), errors="coerce").astype(float)  # the usual "136秒"
    other = seconds.isna() & text.notna()
    if other.any():
        parts = text[other].str.extract(_DURATION).astype(float)
        total = parts[0].fillna(0) * 3600 + parts[1].fillna(0) * 60 + parts[2].fillna(0)
        seconds[other] = total.where(parts.notna().any(axis=1))
    return seconds


def parse_time(values: pd.Series) -> pd.Series:
    """Datetimes from the formats in :data:`TIME_FORMATS` (cells that already are datetimes pass through)."""
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    todo = values.dropna()
    for fmt in TIME_FORMATS:  # datetime cells (Excel) pass through whatever the format
        if todo.empty:
            break
        parsed = pd.to_datetime(todo, format=fmt, errors="coerce")
        # a time outside 1677–2262 (e.g. a typed 3000/01/01) is not a submission time: left empty and logged
        parsed = parsed[parsed.between(pd.Timestamp.min, pd.Timestamp.max)]
        result[parsed.index] = parsed.astype("datetime64[ns]")
        todo = todo.drop(parsed.index)
    return result


def build_metadata(
    cells: pd.DataFrame, roles: Mapping[str, str], *, source: str, log: list[dict]
) -> tuple[pd.Index, pd.DataFrame]:
    """The respondent ids and the metadata frame of an export.

    ``roles`` maps a role (``respondent_id``, ``submitted_at``, ``duration_seconds``, ``channel`` or any other
    name kept as it is, e.g. ``ip``; other roles ending in ``_at``, such as ``started_at``, are parsed as times
    too) to the column holding it. Without a ``respondent_id`` column the row number in
    the file is the id. Duplicated or empty ids raise :class:`DataError` naming the rows.
    """
    rows = cells.index
    if "respondent_id" in roles:
        column = roles["respondent_id"]
        ids = _id_text(cells[column])
        empty = ids.isna() | ids.eq("")
        if empty.any():
            raise DataError(f"{source}: column '{column}' (respondent id) is empty in row(s) {_rows(rows[empty])}")
        doubled = ids.duplicated(keep=False)
        if doubled.any():
            raise DataError(
                f"{source}: column '{column}' repeats respondent id(s) "
                f"{', '.join(map(str, ids[doubled].unique()[:5]))} in row(s) {_rows(rows[doubled])}"
            )
    else:
        ids = pd.Series(rows.astype(str), index=rows)
    index = pd.Index(ids.to_numpy(dtype=object), name="respondent_id")
    metadata = {"source_row": rows.to_numpy()}
    parsers = {"submitted_at": parse_time, "duration_seconds": parse_duration}
    extra = [r for r in roles if r not in METADATA_COLUMNS and r != "respondent_id"]
    for role in (*METADATA_COLUMNS[1:], *extra):
        column = roles.get(role)
        if column is None:
            metadata[role] = pd.Series(pd.NaT if role == "submitted_at" else np.nan, index=rows)
            continue
        raw = cells[column]
        parser = parsers.get(role, parse_time if role.endswith("_at") else None)
        value = parser(raw) if parser else raw.where(raw.notna(), None)
        lost = raw.notna() & value.isna()
        if lost.any():
            log.append(
                _warning(
                    column,
                    f"{role}: {lost.sum()} value(s) not understood, left empty (not shown: they may be personal): "
                    f"rows {_rows(rows[lost])}",
                    int(lost.sum()),
                )
            )
        metadata[role] = value
    frame = pd.DataFrame({k: np.asarray(v) for k, v in metadata.items()}, index=index)
    return index, frame


def _id_text(values: pd.Series) -> pd.Series:
    """Ids as text: whole numbers without '.0' (SPSS and Parquet store 序号 as a number)."""
    if values.dtype.kind in "iuf":
        whole = values.notna() & (values % 1 == 0)
        text = values.astype(str).astype(object)
        text[whole] = values[whole].astype("int64").astype(str)
        return text.where(values.notna())
    return values.astype("string").str.strip().astype(object).where(values.notna())


def _rows(rows: pd.Index, limit: int = 5) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f" … ({len(rows)} rows)" if len(rows) > limit else "")


def _warning(column: str, message: str, n_rows: int) -> dict:
    return {"level": "warning", "column": column, "message": message, "n_rows": n_rows}
