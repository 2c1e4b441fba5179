"""Plain tables: CSV (UTF-8 or GB18030), Excel (.xlsx, .xls) and Parquet, read as they are and written back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.io.grid import read_xlsx_cells

__all__ = ["CSV_ENCODINGS", "read_table", "write_table"]

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
MISSING_WORDS = ("NA", "N/A", "n/a", "#N/A", "NaN", "nan", "null", "NULL", "None", "<NA>")
"""The markers R, pandas and spreadsheets write for a missing value: in a plain table (this module's files and
``read_responses(source="table")``) they mean an empty cell, in CSV and Excel alike. Platform exports (问卷星,
腾讯问卷, Qualtrics, LimeSurvey) never write them, so there such a word is what a respondent typed."""
"""Tried in this order: UTF-8 (with or without a BOM), then GB18030, the superset of GBK that Chinese Excel writes."""

_READABLE = (".csv", ".xlsx", ".xls", ".parquet")
_WRITABLE = (".csv", ".parquet")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a data file into a DataFrame whose index is the row number in the file (header = row 1).

    Raises
    ------
    DataError
        When the file is missing, has an unsupported extension, or cannot be decoded or parsed; the message names
        the file.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READABLE:
        raise DataError(f"{path}: cannot read '{suffix or 'no extension'}' files; use one of {', '.join(_READABLE)}")
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        if suffix == ".csv":
            table = _read_csv(path)
        elif suffix == ".parquet":
            table = pd.read_parquet(path)
        else:
            options = {"keep_default_na": False, "na_values": ["", *MISSING_WORDS]}
            if suffix == ".xls":
                table = pd.read_excel(path, engine="xlrd", **options)
            else:
                table = read_xlsx_cells(path, **options)
    except DataError:
        raise
    except Exception as err:  # each engine raises its own types for corrupt files
        reason = " ".join(str(err).split())[:200]
        raise DataError(f"{path}: cannot read the file as {suffix[1:]} ({type(err).__name__}: {reason})") from None
    duplicated = table.columns[table.columns.duplicated()].tolist()
    if duplicated:
        raise DataError(f"{path}: duplicated column name(s) {', '.join(map(str, duplicated))}")
    nested = [c for c, column in table.items() if column.dtype == object and column.map(_is_nested).any()]
    if nested:  # Parquet can hold lists and records
        shown = ", ".join(map(str, nested[:5]))
        raise DataError(f"{path}: column(s) {shown} hold lists or records; each cell must be one value")
    first_row = 1 if suffix == ".parquet" else 2
    table.index = pd.RangeIndex(first_row, first_row + len(table), name="row")
    return table


def write_table(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV (UTF-8 with BOM, so that Excel shows Chinese correctly) or Parquet.

    In CSV, a text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return, e.g. ``=HYPERLINK(…)`` typed into a survey) is written with a leading ``'``, as OWASP's
    CSV-injection guidance says; numbers are written as they are.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _WRITABLE:
        raise DataError(f"{path}: cannot write '{suffix or 'no extension'}' files; use one of {', '.join(_WRITABLE)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        csv_safe(table).to_csv(path, encoding="utf-8-sig")
    else:
        table.to_parquet(path)
    return path


def _is_nested(value: object) -> bool:
    return isinstance(value, list | tuple | dict | set | np.ndarray)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell (and text index label) that starts like a formula prefixed with ``'``.

    Examples
    --------
    >>> csv_safe(pd.DataFrame({"note": ["=1+1", "ok"], "n": [-1, 2]}))["note"].tolist()
    ["'=1+1", 'ok']
    """

    def defuse(values: pd.Series) -> pd.Series:
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            return values  # numbers, booleans, dates and categories of those cannot start a formula
        text = values.astype(object)
        risky = text.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
        return text.where(~risky, "'" + text.astype(str)) if risky.any() else values

    safe = table.apply(defuse) if len(table.columns) else table
    if not pd.api.types.is_numeric_dtype(safe.index) and not isinstance(safe.index, pd.MultiIndex):
        safe = safe.set_axis(pd.Index(defuse(safe.index.to_series()), name=safe.index.name))
    return safe


def _read_csv(path: Path) -> pd.DataFrame:
    errors = []
    for encoding in CSV_ENCODINGS:
        try:
            # header=None: pandas would rename a duplicated header "x" to "x.1"; keep it as it is to report it
            raw = pd.read_csv(
                path,
                encoding=encoding,
                dtype=object,
                header=None,
                keep_default_na=False,
                na_values=["", *MISSING_WORDS],
            )
            return _numeric_where_possible(raw.iloc[1:].set_axis(raw.iloc[0].astype(str).tolist(), axis=1))
        except UnicodeDecodeError as err:
            errors.append(f"{encoding}: {err.reason} at byte {err.start}")
    raise DataError(f"{path}: not readable as text in {' or '.join(CSV_ENCODINGS)} ({'; '.join(errors)})")


def _numeric_where_possible(table: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every value parses as a number become numeric; any other column stays text as it was."""
    converted = []
    for _, column in table.items():
        numbers = pd.to_numeric(column, errors="coerce")
        converted.append(numbers if numbers.notna().sum() == column.notna().sum() else column)
    return pd.concat(converted, axis=1).set_axis(table.columns, axis=1)
