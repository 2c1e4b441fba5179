"""Input checks shared by the findings: the variables an analysis names exist, are numeric and vary, and the
complete cases it uses.

The findings' missing-data policy is listwise deletion over the variables an analysis names (what SPSS, R's
``lm`` and PROCESS do); each result reports ``nan_policy`` and the number of cases left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError

NAN_POLICY = "listwise"


@dataclass(frozen=True)
class AnalysisFrame:
    """The complete cases of the variables an analysis uses: ``data`` (float columns in the order asked for),
    ``n`` cases used and ``n_dropped`` cases left out for a missing value."""

    data: pd.DataFrame
    n: int
    n_dropped: int


def require_columns(data: pd.DataFrame, columns: Sequence[str], *, function: str) -> None:
    """Raise one error listing every named column that ``data`` lacks."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{function}: data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [str(c) for c in dict.fromkeys(columns) if c not in data.columns]
    if missing:
        available = ", ".join(map(str, data.columns[:30])) + (" …" if data.shape[1] > 30 else "")
        raise DataError(f"{function}: column(s) not in the data: {', '.join(missing)}; available: {available}")


def numeric_frame(
    data: pd.DataFrame, columns: Sequence[str], *, function: str, min_n: int = 3, group: str | None = None
) -> AnalysisFrame:
    """The complete cases of ``columns`` (plus ``group``, kept as it is) with the numeric columns as float.

    Raises for a missing or non-numeric column, fewer than ``min_n`` complete cases and a constant column.
    """
    columns = list(dict.fromkeys(columns))
    names = [*columns, group] if group is not None and group not in columns else columns
    require_columns(data, names, function=function)
    text = [c for c in columns if not pd.api.types.is_numeric_dtype(data[c]) or data[c].dtype == bool]
    if text:
        raise DataError(f"{function}: column(s) must be numeric: {', '.join(map(str, text))}")
    # one float array for the checks and the result: selecting and casting a DataFrame costs far more per call
    values = np.column_stack([data[c].to_numpy(dtype=float, na_value=np.nan) for c in columns])
    complete = ~np.isnan(values).any(axis=1)
    if len(names) > len(columns):
        complete &= data[group].notna().to_numpy()
    n = int(complete.sum())
    if n < min_n:
        raise DataError(
            f"{function}: only {n} complete case(s) on {', '.join(map(str, names))} (of {len(data)}); "
            f"at least {min_n} are needed"
        )
    values = values[complete]
    constant = [c for c, spread in zip(columns, np.ptp(values, axis=0), strict=True) if not spread > 0]
    if constant:
        raise DataError(f"{function}: column(s) do not vary in the {n} complete cases: {', '.join(constant)}")
    used = pd.DataFrame(values, index=data.index[complete], columns=columns)
    if len(names) > len(columns):
        used[group] = data[group].array[complete]  # its own dtype (categories, labels) kept
    return AnalysisFrame(used, n, len(data) - n)


def check_confidence(confidence: float, *, function: str) -> None:
    if not 0 < confidence < 1:
        raise InputError(f"The 'confidence' parameter of {function} must be between 0 and 1; got {confidence!r}.")


@dataclass(frozen=True)
class Levels:
    """The levels of a categorical variable: ``codes`` gives each case's level (index into ``labels``, -1 for
    missing) and ``labels`` the levels' names in their order."""

    codes: np.ndarray
    labels: tuple[str, ...]


def level_label(value: object) -> str:
    """A level's name as text: whole floats lose their ``.0`` (1.0 → "1"), everything else is ``str``."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def group_levels(values: pd.Series) -> Levels:
    """The levels a grouping variable takes, in order: a categorical's categories (with their labels; categories
    no case takes are left out), otherwise the sorted distinct values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.remove_unused_categories()
        return Levels(values.cat.codes.to_numpy(dtype=int), tuple(map(level_label, values.cat.categories)))
    codes, uniques = pd.factorize(values, sort=True)
    return Levels(codes.astype(int), tuple(map(level_label, uniques)))
