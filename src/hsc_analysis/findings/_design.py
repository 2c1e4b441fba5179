"""Design matrices for the regression models: numeric predictors as they are, categorical ones (labelled
categoricals, text, booleans) dummy-coded against a stated reference level, on the complete cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError
from hsc_analysis.findings._data import group_levels, require_columns


@dataclass(frozen=True)
class Design:
    """The complete cases of an analysis and its predictors' design columns.

    ``data`` holds the complete cases (original values) of every variable named; ``columns`` maps each predictor
    to its design columns in ``matrix`` (one for a numeric predictor, one per non-reference level for a
    categorical one); ``coding`` lists each categorical predictor's levels with the reference marked.
    """

    data: pd.DataFrame
    matrix: pd.DataFrame
    columns: dict[str, list[str]]
    coding: pd.DataFrame
    n: int
    n_dropped: int


def is_categorical(values: pd.Series) -> bool:
    return (
        not pd.api.types.is_numeric_dtype(values)
        or values.dtype == bool
        or isinstance(values.dtype, pd.CategoricalDtype)
    )


def design(
    data: pd.DataFrame, *, predictors: Sequence[str], also: Sequence[str] = (), function: str, min_n: int = 3
) -> Design:
    """Dummy-code ``predictors`` on the cases complete on them and on ``also`` (outcome, cluster …).

    The reference level of a categorical predictor is its first level (a categorical's first category, else the
    smallest value), as R's treatment contrasts; its design columns are named ``variable[level]``.
    """
    names = list(dict.fromkeys([*also, *predictors]))
    require_columns(data, names, function=function)
    complete = data[names].notna().all(axis=1)
    used = data.loc[complete, names]
    if len(used) < min_n:
        raise DataError(
            f"{function}: only {len(used)} complete case(s) on {', '.join(map(str, names))} (of {len(data)}); "
            f"at least {min_n} are needed"
        )
    parts, columns, coding = [], {}, []
    for name in dict.fromkeys(predictors):
        values = used[name]
        if is_categorical(values):
            levels = group_levels(values)
            if len(levels.labels) < 2:
                raise DataError(f"{function}: column {name} takes one value ({levels.labels[0]}) in the complete cases")
            dummies = [f"{name}[{label}]" for label in levels.labels[1:]]
            block = (levels.codes[:, None] == np.arange(1, len(levels.labels))).astype(float)
            parts.append(pd.DataFrame(block, index=used.index, columns=dummies))
            coding += [
                {"variable": name, "level": label, "column": column, "reference": column is None}
                for label, column in zip(levels.labels, [None, *dummies], strict=True)
            ]
            columns[name] = dummies
        else:
            column = values.astype(float)
            if not np.ptp(column.to_numpy()) > 0:
                raise DataError(f"{function}: column {name} does not vary in the {len(used)} complete cases")
            parts.append(column.to_frame(name))
            columns[name] = [name]
    matrix = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=used.index)
    _check_rank(matrix, function=function)
    coding_frame = pd.DataFrame(coding, columns=["variable", "level", "column", "reference"])
    return Design(used, matrix, columns, coding_frame, len(used), int((~complete).sum()))


def _check_rank(matrix: pd.DataFrame, *, function: str) -> None:
    full = np.column_stack([np.ones(len(matrix)), matrix.to_numpy()])
    scaled = full / np.linalg.norm(full, axis=0)
    diagonal = np.abs(np.diag(np.linalg.qr(scaled, mode="r")))
    if diagonal.min() > 1e-8:  # clearly of full rank; otherwise the SVD decides
        return
    rank = np.linalg.matrix_rank(full)
    if rank < full.shape[1]:
        # the columns whose removal leaves the rank unchanged are the redundant ones
        redundant = []
        for j, name in enumerate(matrix.columns, start=1):
            others = np.delete(full, j, axis=1)
            if np.linalg.matrix_rank(others) == rank:
                redundant.append(str(name))
        raise DataError(
            f"{function}: singular design: {', '.join(redundant)} are linear combinations of the other predictors "
            "(with the intercept) in the complete cases"
        )


def numeric_outcome(values: pd.Series, *, name: str, function: str) -> np.ndarray:
    if is_categorical(values):
        raise DataError(f"{function}: outcome {name} must be numeric; got {values.dtype}")
    y = values.to_numpy(dtype=float)
    if not np.ptp(y) > 0:
        raise DataError(f"{function}: outcome {name} does not vary in the {len(y)} complete cases")
    return y
