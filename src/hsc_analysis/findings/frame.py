"""The analysis data of a dataset: one row per analysed respondent with everything the findings may name.

Columns: the scale scores (named by construct id); each single-choice background question as a categorical whose
categories are its labels in code order (男/女, not 1.0/2.0; the first code is the reference level); number
questions as numbers; multiple-choice answers as their 0/1 columns; and the non-personal identifiers (class and
school codes) that nest respondents. Personal fields (``pii``) and free text never enter it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd

from hsc_analysis.instruments import Instrument

__all__ = ["CLASS_SEPARATORS", "analysis_frame", "class_codes", "class_level_mean", "rows_per_class"]

CLASS_SEPARATORS = r"\s*[,，;；、]\s*"
"""What separates class codes in one answer (a teacher's classes: "S01C0703,S01C0704" or "S01C0703、S01C0704")."""


def analysis_frame(
    scores: pd.DataFrame, background: pd.DataFrame, *, instrument: Instrument, lang: Literal["zh", "en"]
) -> pd.DataFrame:
    """Scale scores joined with the labelled background of the same respondents (index of ``scores``).

    Examples
    --------
    >>> from hsc_analysis.instruments import load_instrument
    >>> inst = load_instrument("surveys/parent.yaml")
    >>> background = pd.DataFrame({"relation": [1.0, 2.0], "phone": ["13800000000", None]}, index=["1", "2"])
    >>> frame = analysis_frame(pd.DataFrame({"trust": [3.5, 4.0]}, index=["1", "2"]), background,
    ...                        instrument=inst, lang="zh")
    >>> list(frame.columns), list(frame["relation"])
    (['trust', 'relation'], ['母亲', '父亲'])
    """
    columns = {}
    for question in instrument.background:
        if question.pii or question.type == "text":
            continue
        if question.type == "single" and question.id in background:
            columns[question.id] = _labelled(background[question.id], question.levels, lang)
        elif question.type == "number" and question.id in background:
            columns[question.id] = background[question.id].astype(float)
        elif question.type == "multiple":
            for column in background.columns:
                if str(column).startswith(f"{question.id}__"):
                    columns[column] = background[column].astype(float)
    for identifier in instrument.identifiers:
        if not identifier.pii and identifier.id in background:
            columns[identifier.id] = background[identifier.id]
    extra = pd.DataFrame(columns, index=background.index).reindex(scores.index)
    return pd.concat([scores, extra], axis=1)


def _labelled(codes: pd.Series, levels: Mapping, lang: str) -> pd.Series:
    """Codes as a categorical of their labels; a label shared by two codes gets its code appended."""
    labels = {code: label.get(lang) for code, label in sorted(levels.items())}
    shared = {text for text in labels.values() if list(labels.values()).count(text) > 1}
    labels = {code: f"{text} ({code})" if text in shared else text for code, text in labels.items()}
    return pd.Series(
        pd.Categorical(codes.map(labels), categories=list(labels.values())), index=codes.index, name=codes.name
    )


def class_level_mean(
    data: pd.DataFrame, *, value: str, classes: str, where: Mapping[str, object] | None = None
) -> pd.Series:
    """The mean of ``value`` per class over the rows (e.g. teachers) that name the class in ``classes``.

    ``classes`` may list several class codes (a teacher of several classes counts in each; see
    :func:`rows_per_class`);
    ``where`` keeps only rows whose columns equal the given values (e.g. ``{"head_teacher": 1}``, a code).

    Examples
    --------
    >>> teachers = pd.DataFrame({"enthusiasm": [4.0, 2.0, 3.0], "class_codes": ["C1,C2", "C2", "C3"]})
    >>> class_level_mean(teachers, value="enthusiasm", classes="class_codes").to_dict()
    {'C1': 4.0, 'C2': 3.0, 'C3': 3.0}
    """
    rows = data
    for column, wanted in (where or {}).items():
        rows = rows[rows[column] == wanted]
    return rows_per_class(rows[[value, classes]], classes=classes, to="class").groupby("class")[value].mean()


def class_codes(codes: pd.Series) -> pd.Series:
    """Class codes as text, so that 101 (teachers) and 101.0 (parents, read from Excel) are one class."""
    if pd.api.types.is_numeric_dtype(codes) and (codes.dropna() % 1 == 0).all():
        codes = codes.astype("Int64")
    return codes.astype("string").str.strip()


def rows_per_class(data: pd.DataFrame, *, classes: str, to: str) -> pd.DataFrame:
    """Rows repeated for every class they list in ``classes`` (one answer may list several, separated by
    :data:`CLASS_SEPARATORS`), the class code in column ``to``; rows that list no class are left out."""
    rows = data.assign(**{to: class_codes(data[classes]).str.split(CLASS_SEPARATORS)}).explode(to)
    return rows[rows[to].notna() & (rows[to].str.len() > 0)]
