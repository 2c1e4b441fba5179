"""Cell values of an export turned into codes, whole columns at a time.

Three codings, one per export style:

- ``index`` (问卷星 按序号): a number is the 1-based position of the option in :attr:`Field.options` (an item's
  scale codes in declared order, then its missing codes), so option 6 of an ``A5_dk`` item is code 9 (不了解);
- ``code`` (plain tables, SPSS, Qualtrics, LimeSurvey): a number is the code itself;
- ``text`` (问卷星 按文本, 腾讯问卷): an option's zh or en label, or ``N分`` for substantive code N.

In every coding a text cell may be a label (compared by :func:`~hsc_analysis.io.headers.option_key`: the form's
``【请注明】`` and the respondent's ``〖…〗`` other-text do not count, so ``其他【请注明】〖军事国防〗`` is the option
``其他【请注明】`` or ``其他``), and ``(跳过)`` means skipped by the form's logic, ``(空)`` left blank. An empty
cell is ``blank``; platform codes (问卷星 ``-3``/``-2``, SPSS user-missing values, numbers or text) carry their own
reason; a missing code of the scale (e.g. 9 不了解) becomes NaN with its reason. Anything else is invalid: the
caller raises or marks it. A number answer may carry a unit (``45岁``, ``45 岁``, ``3次``): it is read as the number
and counted in :attr:`Coded.normalised`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from hsc_analysis.io.headers import normalise, option_key
from hsc_analysis.io.mapping import Field, other_codes
from hsc_analysis.responses import REASON_CODES, REASONS

__all__ = [
    "REASONS",
    "REASON_CODES",
    "TEXT_MARKERS",
    "Coded",
    "allowed_values",
    "code_choice",
    "code_multiple",
    "code_number",
    "code_text",
    "other_text",
]

Coding = Literal["index", "code", "text"]
TEXT_MARKERS = {normalise("(跳过)"): "skipped", normalise("(空)"): "blank"}
"""问卷星 按文本 placeholders: skipped by the form's logic, shown but left empty (full-width forms too)."""
_MARKER_CODES = {text: REASON_CODES[reason] for text, reason in TEXT_MARKERS.items()}
UNITS = ("周岁", "岁", "人", "个", "次", "年", "元", "小时", "分钟", "天", "周", "月", "名", "位")
"""Units a number answer may be written with (``45岁``); the number is read and the normalisation logged."""
_WITH_UNIT = rf"^\s*([-+]?\d+(?:\.\d+)?)\s*(?:{'|'.join(UNITS)})\s*$"


@dataclass(frozen=True)
class Coded:
    """One column coded: ``answers`` (NaN where missing), ``reasons`` (:data:`REASON_CODES`, 0 where present),
    ``invalid`` cells and ``normalised`` cells (a number written with a unit)."""

    answers: np.ndarray
    reasons: np.ndarray
    invalid: np.ndarray
    normalised: np.ndarray | None = None


def code_choice(
    cells: pd.Series, field: Field, *, coding: Coding, special: Mapping[float, str], code_prefix: str = ""
) -> Coded:
    """Codes of a single-choice question (scale item, check or background question); ``code_prefix`` lets text
    cells name a code with a prefix (LimeSurvey's answer codes ``A1``, ``A2`` …)."""
    numbers, text, empty = _split(cells)
    values = np.full(len(cells), np.nan)
    reasons = np.where(empty, REASON_CODES["blank"], 0).astype(np.int8)
    is_number = ~np.isnan(numbers)
    if coding == "text":  # a number in a text export is a label such as "4"
        text = text.where(~is_number, _as_text(numbers, cells.index))
        is_number = np.zeros(len(cells), dtype=bool)
    for code, reason in special.items():
        hit = _special_hit(numbers, text, code)
        reasons[hit] = REASON_CODES[reason]
        is_number &= ~hit
        text = text.where(~hit)
    options = np.asarray(field.options, dtype=float)
    if coding == "index":
        position = np.where(is_number & (numbers == np.floor(numbers)), numbers, 0)
        valid = (position >= 1) & (position <= len(options))
        values[valid] = options[position[valid].astype(int) - 1]
    else:
        valid = is_number & np.isin(numbers, options)
        values[valid] = numbers[valid]
    if text.notna().any():
        codes_of, reasons_of = _label_lookup(field, code_prefix)
        words = _option_keys(text)
        matched = words.map(codes_of).to_numpy(dtype=float)
        found_code = ~np.isnan(matched)
        values[found_code] = matched[found_code]
        marked = words.map(reasons_of).to_numpy(dtype=float)
        found_reason = ~np.isnan(marked)
        reasons[found_reason] = marked[found_reason]
    for code, reason in field.missing.items():
        hit = values == code
        values[hit] = np.nan
        reasons[hit] = REASON_CODES[reason]
    invalid = ~empty & np.isnan(values) & (reasons == 0)
    return Coded(values, reasons, invalid)


def _special_hit(numbers: np.ndarray, text: pd.Series, code: float | str) -> np.ndarray:
    """Cells equal to a platform code: a number, or a text code (an SPSS string variable's user-missing value)."""
    if isinstance(code, str):
        as_number = pd.to_numeric(code, errors="coerce")
        if not np.isnan(as_number):
            return numbers == as_number
        return text.eq(code).fillna(False).to_numpy(dtype=bool)
    return numbers == code


def _special_codes(
    numbers: np.ndarray, text: pd.Series, empty: np.ndarray, special: Mapping[float | str, str]
) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Blank cells and the platform's special codes (e.g. -3 skipped) as reasons; those cells become NaN."""
    reasons = np.where(empty, REASON_CODES["blank"], 0).astype(np.int8)
    for code, reason in special.items():
        hit = _special_hit(numbers, text, code)
        reasons[hit] = REASON_CODES[reason]
        numbers = np.where(hit, np.nan, numbers)
        text = text.where(~hit)
    return numbers, text, reasons


def code_number(cells: pd.Series, *, special: Mapping[float | str, str]) -> Coded:
    """A numeric answer (counts, years); placeholders and platform codes become NaN with their reason; a number
    with a unit (``45岁``) is read as the number."""
    numbers, text, empty = _split(cells)
    numbers, text, reasons = _special_codes(numbers, text, empty, special)
    normalised = np.zeros(len(cells), dtype=bool)
    if text.notna().any():
        with_unit = pd.to_numeric(text.str.extract(_WITH_UNIT, expand=False), errors="coerce").to_numpy(dtype=float)
        normalised = ~np.isnan(with_unit)
        numbers = np.where(normalised, with_unit, numbers)
        text = text.where(~normalised)
    marked = _normalise(text).map(_MARKER_CODES).to_numpy(dtype=float)
    has_marker = ~np.isnan(marked)
    reasons[has_marker] = marked[has_marker]
    invalid = text.notna().to_numpy() & ~has_marker
    return Coded(numbers, reasons, invalid, normalised)


def code_text(cells: pd.Series, *, special: Mapping[float | str, str]) -> Coded:
    """A free-text answer or identifier, kept as text (whole numbers without '.0'); placeholders become missing."""
    numbers, text, empty = _split(cells)
    numbers, text, reasons = _special_codes(numbers, text, empty, special)
    as_text = text.where(text.notna(), _as_text(numbers, cells.index))
    marked = _normalise(as_text).map(_MARKER_CODES).to_numpy(dtype=float)
    has_marker = ~np.isnan(marked)
    reasons[has_marker] = marked[has_marker]
    values = as_text.where(~has_marker).to_numpy(dtype=object)
    return Coded(values, reasons, np.zeros(len(cells), dtype=bool))


def code_multiple(
    cells: pd.Series | None,
    option_cells: Mapping[int, pd.Series],
    field: Field,
    *,
    coding: Coding,
    special: Mapping[float, str],
) -> tuple[pd.DataFrame, np.ndarray]:
    """0/1 columns ``<question>__<code>`` of a multiple-choice question, and the rows with an invalid answer.

    Either ``cells`` is one column of selected options joined by ``┋`` (问卷星 按文本) or ``,`` (Qualtrics codes),
    or ``option_cells`` holds one column per option: 1/0 (问卷星 按序号), ``Y``/empty (LimeSurvey) or any text when
    selected (腾讯问卷). A platform code such as 问卷星 ``-3`` (skipped) or a placeholder makes the row NaN.
    """
    names = [f"{field.id}__{c}" for c in field.options]
    if cells is not None:
        numbers, text, empty = _split(cells)
        text = text.where(text.notna(), _as_text(numbers, cells.index))
        missing = empty | np.isin(numbers, list(special)) | _normalise(text).isin(list(TEXT_MARKERS)).to_numpy()
        separator = "," if coding == "code" else "┋"
        dummies = text.where(~missing).str.get_dummies(sep=separator)
        lookup = {**_label_lookup(field, "")[0], **{str(c): c for c in field.options}}
        token_codes = [lookup.get(option_key(t)) for t in dummies.columns]
        unknown = [t for t, c in zip(dummies.columns, token_codes, strict=True) if not isinstance(c, int)]
        invalid = dummies[unknown].any(axis=1).to_numpy() if unknown else np.zeros(len(cells), dtype=bool)
        out = pd.DataFrame(0.0, index=cells.index, columns=names)
        for token, code in zip(dummies.columns, token_codes, strict=True):
            if isinstance(code, int):
                out[f"{field.id}__{code}"] = np.maximum(out[f"{field.id}__{code}"], dummies[token].to_numpy())
        out[missing | invalid] = np.nan
        return out, invalid
    index = next(iter(option_cells.values())).index
    out = pd.DataFrame(0.0, index=index, columns=names)
    skipped = np.zeros(len(index), dtype=bool)
    invalid = np.zeros(len(index), dtype=bool)
    for code, column in option_cells.items():
        numbers, text, empty = _split(column)
        skipped |= np.isin(numbers, list(special)) | _normalise(text).isin(list(TEXT_MARKERS)).to_numpy()
        word = _normalise(text)
        chosen = (numbers == 1) | (text.notna().to_numpy() & ~word.isin(["0", "n", "no", "否"]).to_numpy())
        invalid |= ~np.isnan(numbers) & ~np.isin(numbers, [0, 1, *special])
        out[f"{field.id}__{code}"] = chosen.astype(float)
    out[skipped | invalid] = np.nan
    return out, invalid


def allowed_values(field: Field, *, coding: Coding, special: Mapping[float, str]) -> str:
    """What a cell of this question may hold, as one phrase for error messages."""
    labels = ", ".join(f"{c} {field.labels[c].zh or field.labels[c].en}" for c in field.options)
    extra = ", ".join(f"{code:g} ({reason})" for code, reason in special.items())
    if coding == "index":
        positions = ", ".join(f"{i}→{c}" for i, c in enumerate(field.options, 1))
        text = f"option positions 1–{len(field.options)} ({positions}; codes {labels})"
    elif coding == "code":
        text = f"codes {labels}"
    else:
        text = f"labels {labels}, 'N分' for a code N, (跳过), (空)"
    return f"{text}{', or ' + extra if extra else ''}"


def _split(cells: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Numbers (NaN where not a number), text cells (NaN elsewhere) and empty cells of a column."""
    if cells.dtype.kind in "biuf":
        numbers = cells.to_numpy(dtype=float)
        return numbers, pd.Series(index=cells.index, dtype="float64"), np.isnan(numbers)
    numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
    text = cells.where(np.isnan(numbers) & cells.notna().to_numpy())
    text = text.astype(object).where(text.isna(), text.astype(str).str.strip())
    blank_text = text.eq("").to_numpy()
    text = text.where(~blank_text)
    empty = cells.isna().to_numpy() | blank_text
    return numbers, text, empty


def _normalise(text: pd.Series) -> pd.Series:
    """:func:`normalise` over a column of text (NaN stays NaN)."""
    present = text.dropna().astype(str)
    folded = present.str.normalize("NFKC").str.replace(r"\s+", "", regex=True).str.rstrip("?.。:*").str.casefold()
    return folded.reindex(text.index)


def _label_lookup(field: Field, code_prefix: str) -> tuple[dict[str, int], dict[str, int]]:
    """Normalised text → code (labels, "N分", prefixed codes), and placeholder text → missing reason."""
    codes: dict[str, int] = {normalise(f"{code_prefix}{c}"): c for c in field.options} if code_prefix else {}
    for code, label in field.labels.items():
        for text in (label.zh, label.en):
            if text:
                codes[option_key(text)] = code
        if code not in field.missing:
            codes[normalise(f"{code}分")] = code
    return codes, _MARKER_CODES


def _option_keys(text: pd.Series) -> pd.Series:
    """:func:`option_key` over a column of text (NaN stays NaN)."""
    return _normalise(text.str.replace(r"【.*?】|〖.*?〗", "", regex=True))


def other_text(cells: pd.Series | None, option_cells: Mapping[int, pd.Series], field: Field) -> pd.Series | None:
    """The typed "other, please specify" text of a question, or None when it has no "other" option: the 〖…〗 part
    of a 问卷星 按文本 answer (``其他【请注明】〖军事国防〗``, also inside a ``┋``-joined multiple choice), or text in
    place of 1 in the "other" option column of a multiple-choice question."""
    codes = other_codes(field)
    if not codes:
        return None
    index = cells.index if cells is not None else next(iter(option_cells.values())).index
    typed = pd.Series(None, index=index, dtype=object)
    if cells is not None and cells.dtype.kind == "O":
        inner = cells.astype("string").str.findall(r"〖(.*?)〗").str.join(" ").astype(object)
        typed = typed.where(~(inner.notna() & inner.ne("")), inner)
    for code in codes:
        column = option_cells.get(code)
        if column is not None and column.dtype.kind == "O":
            words = column.astype("string").str.strip()
            numeric = pd.to_numeric(words, errors="coerce").notna()
            text = words.where(~numeric & words.ne("") & words.notna()).astype(object)
            typed = typed.where(text.isna(), text)
    return typed.where(typed.notna(), None)


def _as_text(numbers: np.ndarray, index: pd.Index) -> pd.Series:
    """Numbers as the text a form shows: whole numbers without '.0' (301.0 → "301"); NaN stays NaN."""
    text = pd.Series(numbers, index=index).astype(str).astype(object)
    whole = ~np.isnan(numbers) & (np.mod(numbers, 1) == 0) & (np.abs(numbers) < 2**53)
    text[whole] = pd.Series(numbers[whole].astype(np.int64), index=index[whole]).astype(str)
    return text.where(~np.isnan(numbers))
