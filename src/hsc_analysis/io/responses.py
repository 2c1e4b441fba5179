"""``read_responses``: any supported export → :class:`~hsc_analysis.responses.SurveyResponses`.

The platform is declared (``source``) or detected from the file: ``.sav`` is SPSS; otherwise the header row(s) tell
问卷星 (its metadata columns), 腾讯问卷, Qualtrics, LimeSurvey, or a plain table. Each platform module splits the file
into question and metadata columns; :mod:`~hsc_analysis.io.mapping` maps columns to the instrument's questions and
:mod:`~hsc_analysis.io.coding` turns cells into codes, whole columns at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.io.coding import (
    REASON_CODES,
    REASONS,
    Coded,
    allowed_values,
    code_choice,
    code_multiple,
    code_number,
    code_text,
    other_text,
)
from hsc_analysis.io.export import Export
from hsc_analysis.io.grid import READABLE, read_grid
from hsc_analysis.io.headers import option_key
from hsc_analysis.io.limesurvey import is_limesurvey, read_limesurvey
from hsc_analysis.io.mapping import OTHER, Field, instrument_fields, map_columns, other_codes
from hsc_analysis.io.metadata import build_metadata
from hsc_analysis.io.plain import read_plain
from hsc_analysis.io.qualtrics import is_qualtrics, read_qualtrics
from hsc_analysis.io.spss import read_spss
from hsc_analysis.io.tencent import is_tencent, read_tencent
from hsc_analysis.io.wjx import is_wjx, read_wjx
from hsc_analysis.responses import SurveyResponses

__all__ = ["ON_INVALID", "SOURCES", "detect_source", "read_responses", "responses_of_export"]

SOURCES = ("auto", "wjx", "wjx_index", "wjx_text", "tencent", "qualtrics", "limesurvey", "spss", "table")
"""Values of ``source``: ``wjx`` lets the file name or content say 按序号 (index) or 按文本 (text)."""
ON_INVALID = ("raise", "mark")
LOG_COLUMNS = ["level", "column", "message", "n_rows"]


def read_responses(
    path: str | Path,
    instrument: Instrument,
    *,
    source: str = "auto",
    mapping: Mapping[str, str | None] | None = None,
    on_invalid: Literal["raise", "mark"] = "raise",
) -> SurveyResponses:
    """Import a survey export: item codes, why answers are missing, background, metadata and an import log.

    Parameters
    ----------
    path : str or Path
        The raw export: 问卷星 按序号/按文本 (.xlsx, .xls, .csv), 腾讯问卷 CSV, Qualtrics CSV (3-row or legacy
        2-row header), LimeSurvey CSV, SPSS .sav, or a plain .csv/.xlsx/.xls/.parquet table.
    instrument : Instrument
        The questionnaire the data were collected with.
    source : str
        One of :data:`SOURCES`; ``"auto"`` detects the platform from the file.
    mapping : mapping of column header to question id or None, optional
        Explicit column mapping (``"<question>__<code>"`` for one option column of a multiple-choice question,
        ``"<question>__other"`` for a column of typed "other" text, None to leave a column out; a header the file
        repeats is named ``"header (column N)"``); columns not named here are mapped automatically: exact id, then
        id up to case, then question text, then a part of the header, then question number
        (:mod:`~hsc_analysis.io.mapping`).
    on_invalid : {"raise", "mark"}
        What a cell that is not an allowed answer does: raise :class:`DataError`, or become NaN with reason
        ``invalid`` in ``missing`` (background questions: NaN), each logged with rows, column, value and what is
        allowed, so that screening can exclude those respondents.

    Returns
    -------
    SurveyResponses
        Index ``respondent_id`` (the platform's id as text, else the row number), one row per respondent of the
        file in file order: rows empty in every column are not respondents and are counted in the log (rows in the
        file = respondents + logged blank rows). A question with an "other, please specify" option has a text
        column ``<question>__other`` in ``background`` (the typed text; personal, never written or reported).

    Raises
    ------
    InputError
        For an unknown ``source`` or ``on_invalid``.
    DataError
        For an unreadable or corrupt file, a file that does not look like the declared platform, columns that are
        missing, duplicated or ambiguous, repeated respondent ids, and (``on_invalid="raise"``) the first invalid
        cell: the message names the file, row, column, value and what is allowed.

    Notes
    -----
    Option codes: in a 问卷星 按序号 file the value is the 1-based position among the scale's ``codes`` in declared
    order followed by its ``missing_codes`` (option 6 on ``A5_dk`` is code 9, 不了解 → reason ``dont_know``); -3
    and -2 are skipped by the form's logic. In 按文本 and 腾讯问卷 files an answer is an option's zh or en label
    (``非常同意``) or ``N分`` for code N; ``(跳过)`` is skipped, ``(空)`` and an empty cell blank. Elsewhere cells
    are codes (LimeSurvey ``A1`` = 1; a label text is also accepted); every declared SPSS user-missing value is
    missing, even when it is a code of the scale, with a reason (:mod:`~hsc_analysis.io.spss`). The 按序号 and 按文本
    downloads of the same answers give identical ``items`` (checked in the tests). Cell values were checked against
    R: haven 2.5.1 ``read_sav(user_na = TRUE)`` for .sav codes and user-missing values (also on the real-export
    variants), readxl 1.4.2 ``read_excel`` for the 2016 .xls option positions (exact; tests/reference/import.R).

    Examples
    --------
    >>> from hsc_analysis.instruments import load_instrument
    >>> parent = load_instrument("surveys/parent.yaml")
    >>> data = read_responses("tests/fixtures/import/wjx_按序号_parent.xlsx", parent)
    >>> data.platform, data.items.shape[1] == len(parent.items) + len(parent.checks)
    ('wjx_index', True)
    """
    path = Path(path)
    if source not in SOURCES:
        raise InputError(
            f"The 'source' parameter of read_responses must be one of {', '.join(SOURCES)}; got {source!r}"
        )
    if on_invalid not in ON_INVALID:
        raise InputError(
            f"The 'on_invalid' parameter of read_responses must be one of {', '.join(ON_INVALID)}; got {on_invalid!r}"
        )
    return responses_of_export(
        _read_export(path, source), instrument, path=path, mapping=mapping, on_invalid=on_invalid
    )


def responses_of_export(
    export: Export,
    instrument: Instrument,
    *,
    path: Path,
    mapping: Mapping[str, str | None] | None = None,
    on_invalid: Literal["raise", "mark"] = "raise",
) -> SurveyResponses:
    """:func:`read_responses` of an export already split into question and metadata columns (of ``path``): the
    columns mapped to the instrument's questions and every cell coded. A file read in batches gives, batch by batch,
    the rows :func:`read_responses` gives for the whole file."""
    log = [
        _entry(
            "info",
            "",
            f"read {len(export.questions)} rows from {path.name} as {export.platform}",
            len(export.questions),
        ),
        *export.log,
    ]
    ids, metadata = build_metadata(export.metadata, export.roles, source=str(path), log=log)
    fields = instrument_fields(instrument)
    columns = map_columns(
        list(export.questions.columns),
        fields,
        mapping=mapping,
        labels=export.labels,
        source=str(path) if export.platform != "table" else f"{path} (read as a plain table)",
        repeated=export.repeated,
    )
    for column in columns.excluded:
        log.append(_entry("info", column, "column left out by the mapping", 0))
    for column, why in columns.passed_over.items():
        log.append(_entry("warning", column, f"column not imported: it {why}", 0))
    for column in columns.unmapped:
        log.append(
            _entry(
                "warning",
                column,
                "column not mapped to any question of the instrument; not imported",
                int(export.questions[column].notna().sum()),
            )
        )
    for question in columns.absent:
        log.append(_entry("warning", question, "background question or identifier not found in the file", 0))
    importer = _Importer(export, str(path), on_invalid, log)
    scored = [f for f in fields if f.kind in ("item", "check")]
    position = {f.id: j for j, f in enumerate(scored)}
    # filled column by column in column-major order: each becomes one DataFrame block without a copy; into the
    # export's own block where that holds the scored columns in order (a Parquet table of answers)
    answers = _owned_columns(export, [columns.columns.get(f.id) for f in scored])
    if answers is None:
        answers = np.empty((len(ids), len(scored)), order="F")
    reasons = np.empty((len(ids), len(scored)), dtype=np.int8, order="F")
    background = {}
    for field in fields:
        try:
            if field.id in columns.option_columns or (field.type == "multiple" and field.id in columns.columns):
                single = columns.columns.get(field.id)
                options = {c: export.questions[col] for c, col in columns.option_columns.get(field.id, {}).items()}
                background.update(importer.multiple(field, single, options))
                background.update(importer.other(field, single, options, columns.other_columns.get(field.id)))
            elif field.kind in ("item", "check"):
                coded = importer.single(field, columns.columns[field.id])
                answers[:, position[field.id]], reasons[:, position[field.id]] = coded.answers, coded.reasons
            elif field.id in columns.columns:
                column = columns.columns[field.id]
                background[field.id] = importer.single(field, column).answers
                background.update(importer.other(field, column, {}, columns.other_columns.get(field.id)))
            elif other_codes(field):
                background.update(importer.other(field, None, {}, columns.other_columns.get(field.id)))
        except DataError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as err:  # never a traceback
            where = columns.columns.get(field.id) or ", ".join(columns.option_columns.get(field.id, {}).values())
            raise DataError(
                f"{path}: column '{where}' ({field.id}): cannot be read ({type(err).__name__}: {str(err)[:120]})"
            ) from None
    names = [f.id for f in scored]
    for code in range(1, len(REASONS)):
        count = np.count_nonzero(reasons == code)  # int8 compares: bincount would widen every code to int64 first
        if count:
            log.append(_entry("info", "", f"{count} item answer(s) missing: {REASONS[code]}", int(count)))
    return SurveyResponses(
        items=pd.DataFrame(answers, index=ids, columns=names, copy=False),
        missing_codes=pd.DataFrame(reasons, index=ids, columns=names, copy=False),
        background=pd.DataFrame(background, index=ids),
        metadata=metadata,
        log=pd.DataFrame(log, columns=LOG_COLUMNS),
        source=str(path),
        platform=export.platform,
    )


def detect_source(path: str | Path) -> str:
    """The platform a file comes from (one of :data:`SOURCES` except ``auto``), from its type and header rows.

    Examples
    --------
    >>> detect_source("tests/fixtures/import/tencent_parent.csv")
    'tencent'
    """
    platform = _read_export(Path(path), "auto").platform
    return "spss" if platform == "wjx_sav" else platform.removesuffix("_index").removesuffix("_text")


def _read_export(path: Path, source: str) -> Export:
    if path.suffix.lower() not in READABLE:
        raise DataError(
            f"{path}: cannot read '{path.suffix or 'no extension'}' files; use one of {', '.join(READABLE)}"
        )
    if path.suffix.lower() == ".sav" or source == "spss":
        if path.suffix.lower() != ".sav":
            raise DataError(f"{path}: source 'spss' needs a .sav file")
        if source not in ("auto", "spss"):
            raise DataError(f"{path}: an SPSS .sav file cannot be read as source '{source}'")
        return read_spss(path)
    grid = read_grid(path)
    header = [str(h).strip() for h in grid.top[0]] if grid.top else []
    detected = (
        "wjx"
        if is_wjx(header)
        else "tencent"
        if is_tencent(header)
        else "qualtrics"
        if is_qualtrics(grid.top)
        else "limesurvey"
        if is_limesurvey(header)
        else "table"
    )
    wanted = source.split("_")[0] if source.startswith("wjx") else source
    # a declared source is trusted unless the header clearly belongs to another platform
    if source != "auto" and detected not in (wanted, "table") and wanted != "table":
        raise DataError(
            f"{path}: does not look like a {source} export (its header looks like {detected}); "
            f"use source='auto' or one of {', '.join(SOURCES[1:])}"
        )
    kind = detected if source == "auto" else wanted
    if kind == "wjx":
        return read_wjx(grid, coding=source.removeprefix("wjx_") if source.startswith("wjx_") else None)
    readers = {"tencent": read_tencent, "qualtrics": read_qualtrics, "limesurvey": read_limesurvey, "table": read_plain}
    return readers[kind](grid)


class _Importer:
    """Codes one question at a time and settles invalid cells: raise, or mark them and log them."""

    def __init__(self, export: Export, source: str, on_invalid: str, log: list[dict]) -> None:
        self.export, self.source, self.on_invalid, self.log = export, source, on_invalid, log

    def special(self, column: str, field: Field) -> dict[float | str, str]:
        """The platform's codes and the column's declared user-missing values → reason; a user-missing value that is
        a missing code of the scale takes the scale's reason."""
        own = self.export.column_special.get(column, {})
        return {**self.export.special, **{c: field.missing.get(c, r) for c, r in own.items()}}

    def single(self, field: Field, column: str) -> Coded:
        raw = cells = self.export.questions[column]
        special = self.special(column, field)
        self.note_user_missing(cells, column, field)
        if field.type == "choice" and column in self.export.value_labels:
            cells = self.translate(cells, column, field, special)
        if field.type == "choice":
            coded = code_choice(
                cells, field, coding=self.export.coding, special=special, code_prefix=self.export.code_prefix
            )
        elif field.type == "number":
            coded = code_number(cells, special=special)
            if coded.normalised is not None and coded.normalised.any():
                count = int(coded.normalised.sum())
                message = f"{field.id}: {count} number(s) written with a unit (e.g. 岁) read as numbers"
                self.log.append(_entry("info", column, message, count))
        else:
            coded = code_text(cells, special=special)
        unreadable = self.export.invalid_cells.get(column, {})
        if unreadable:
            rows = cells.index.isin(list(unreadable))
            values = np.where(rows, np.nan, coded.answers) if field.type != "text" else coded.answers
            reasons = np.where(rows, REASON_CODES["invalid"], coded.reasons).astype(np.int8)
            coded = Coded(values, reasons, coded.invalid & ~rows)
        if coded.invalid.any():
            allowed = (
                allowed_values(field, coding=self.export.coding, special=special)
                if field.type == "choice"
                else "a number (a unit such as 岁 may follow), (跳过) or (空)"
            )
            self.settle(coded.invalid, raw, column, field, allowed)
            values = np.where(coded.invalid, np.nan, coded.answers) if field.type != "text" else coded.answers
            reasons = np.where(coded.invalid, REASON_CODES["invalid"], coded.reasons).astype(np.int8)
            return Coded(values, reasons, coded.invalid)
        return coded

    def multiple(self, field: Field, column: str | None, options: dict[int, pd.Series]) -> dict[str, np.ndarray]:
        cells = self.export.questions[column] if column is not None else None
        special = dict(self.export.special)
        frame, invalid = code_multiple(cells, options, field, coding=self.export.coding, special=special)
        if invalid.any():
            shown = cells if cells is not None else pd.concat(options, axis=1).astype(str).agg("|".join, axis=1)
            levels = ", ".join(label.zh or label.en for label in field.labels.values())
            self.settle(
                invalid,
                shown,
                column or f"{field.id} option columns",
                field,
                f"options {levels} (joined by ┋), or 0/1 per option column",
            )
        return {name: frame[name].to_numpy() for name in frame.columns}

    def other(
        self, field: Field, column: str | None, options: dict[int, pd.Series], separate: str | None
    ) -> dict[str, np.ndarray]:
        """``<question>__other``: the typed "other" text (〖…〗 in the answer, text in the other option column, or
        a column of its own) of a question with an "other" option; the log counts it and never shows it."""
        if not other_codes(field):
            return {}
        cells = self.export.questions[column] if column is not None else None
        typed = pd.Series(None, index=self.export.questions.index, dtype=object)
        if cells is not None or options:
            typed = other_text(cells, options, field)
        if separate is not None:
            own = pd.Series(code_text(self.export.questions[separate], special={}).answers, index=typed.index)
            typed = typed.where(typed.notna(), own)
        typed = typed.where(typed.notna(), None)
        if typed.notna().any():
            where = ", ".join(c for c in (column, separate) if c) or f"{field.id} option columns"
            count = int(typed.notna().sum())
            message = (
                f"{field.id}: {count} typed 'other' answer(s) kept as {field.id}__{OTHER} "
                "(free text: personal, not written or reported)"
            )
            self.log.append(_entry("info", where, message, count))
        return {f"{field.id}__{OTHER}": typed.to_numpy(dtype=object)}

    def note_user_missing(self, cells: pd.Series, column: str, field: Field) -> None:
        """Log the declared user-missing values that occur in a column, with their labels and reasons, and warn
        when one of them is also a substantive code of the scale (read as missing all the same)."""
        own = self.export.column_special.get(column, {})
        if not own:
            return
        numbers = pd.to_numeric(cells, errors="coerce")
        words = cells.astype("string").str.strip()
        labels = self.export.value_labels.get(column, {})
        found = []
        for code, reason in self.special(column, field).items():
            count = int((words == code).sum() if isinstance(code, str) else (numbers == code).sum())
            if code in own and count:
                found.append((code, f" {labels[code]!r}" if code in labels else "", reason, count))
        if not found:
            return
        scale = [c for c, *_ in found if not isinstance(c, str) and c in field.options and c not in field.missing]
        described = ", ".join(f"{_show(c)}{label} ({n}×) → {reason}" for c, label, reason, n in found)
        also = f"; {', '.join(_show(c) for c in scale)} also a code of the scale, missing all the same" if scale else ""
        self.log.append(
            _entry(
                "warning" if scale else "info",
                column,
                f"{field.id}: user-missing value(s) declared in the file read as missing: {described}{also}",
                sum(n for *_, n in found),
            )
        )

    def translate(self, cells: pd.Series, column: str, field: Field, special: Mapping[float | str, str]) -> pd.Series:
        """File codes that are not answers of the scale translated by their value labels (a 问卷星 .sav numbers
        不了解 6 where the instrument says 9; a string variable coded ``A``/``B``). A code that is an answer of the
        scale stays that answer whatever its label says: a label that disagrees with the instrument, or one label
        on several codes, is a warning naming the variable, never a recoding."""
        labelled = {c: t for c, t in self.export.value_labels[column].items() if c not in special}
        by_label = {option_key(text): code for code, label in field.labels.items() for text in (label.zh, label.en)}
        answers = {float(code) for code in field.options if code not in field.missing}
        label_keys = [option_key(t) for t in labelled.values()]
        translation, differing = {}, []
        for (code, text), key in zip(labelled.items(), label_keys, strict=True):
            target, shared = by_label.get(key), label_keys.count(key) > 1
            if _as_key(code) in answers:
                if target != _as_key(code) or shared:
                    differing.append(f"{_show(code)} {text!r}")
            elif target is not None and not shared:
                translation[code] = target
        if differing:
            self.log.append(
                _entry(
                    "warning",
                    column,
                    f"{field.id}: value label(s) {', '.join(differing[:6])}{' …' if len(differing) > 6 else ''} "
                    "disagree with the instrument's options; codes read as they are",
                    0,
                )
            )
        moved = {_as_key(c): code for c, code in translation.items() if _as_key(c) != code}
        if not moved:
            return cells
        keys = pd.to_numeric(cells, errors="coerce").astype(object)
        if cells.dtype.kind == "O":  # text codes (A, B …) stay text; numeric text ("1") compares as a number
            keys = keys.where(keys.notna(), cells.astype("string").str.strip().astype(object))
        hits = keys.isin(list(moved)).to_numpy(dtype=bool)
        recoded = cells.astype(object).where(~hits, keys.map(moved))
        self.log.append(
            _entry(
                "info",
                column,
                f"{field.id}: codes translated by value labels "
                f"({', '.join(f'{_show(o)}→{n}' for o, n in moved.items())})",
                int(hits.sum()),
            )
        )
        return recoded

    def settle(self, invalid: np.ndarray, cells: pd.Series, column: str, field: Field, allowed: str) -> None:
        """Raise at the first invalid cell, or log them all. Values are shown for closed questions only, with any
        typed 〖…〗 text hidden: free text may be personal."""
        rows = cells.index[invalid]
        values = cells[invalid]
        closed = field.type in ("choice", "multiple")
        if self.on_invalid == "raise":
            more = f" ({len(rows)} invalid cells in this column, rows {_rows(rows)})" if len(rows) > 1 else ""
            shown = _show(values.iloc[0]) if closed else "a text that is not a number (not shown)"
            raise DataError(
                f"{self.source}: row {rows[0]}, column '{column}' ({field.id}): {shown} is not "
                f"allowed; allowed: {allowed}{more}. Pass on_invalid='mark' to keep the row with the answer marked"
            )
        distinct = (
            "values " + ", ".join(_show(v) for v in values.drop_duplicates().head(5)) if closed else "values not shown"
        )
        self.log.append(
            _entry(
                "warning",
                column,
                f"{field.id}: {len(rows)} invalid answer(s) marked invalid, rows {_rows(rows)}; {distinct}; "
                f"allowed: {allowed}",
                len(rows),
            )
        )


def _owned_columns(export: Export, names: list[str | None]) -> np.ndarray | None:
    """The consecutive columns of the export's own float block (:attr:`Export.owned`) that back the question
    columns ``names``, in this order, as one writable column-major matrix; None when they are not (a name is
    absent, a column was copied on the way, as dropping blank rows does, or is in another order)."""
    block = export.owned
    if block is None or not names or None in names or len(export.questions) != len(block):
        return None
    if block.ndim != 2 or block.dtype != np.float64 or not block.flags.f_contiguous or not block.flags.writeable:
        return None
    start = _address(block)
    step = block.strides[1] if block.shape[1] else 0
    first = export.questions[names[0]].to_numpy()
    offset = _address(first) - start
    if not step or first.dtype != np.float64 or offset % step or not 0 <= offset // step <= block.shape[1] - len(names):
        return None
    j = offset // step
    for k, name in enumerate(names):
        column = export.questions[name].to_numpy()
        if column.dtype != np.float64 or column.strides != (8,) or _address(column) != start + (j + k) * step:
            return None
    return block[:, j : j + len(names)]


def _address(values: np.ndarray) -> int:
    return values.__array_interface__["data"][0]


def _as_key(code: float | str) -> float | str:
    """A value-label code as a number where it is one (``"1"`` → 1.0), for comparing with the instrument's codes."""
    number = pd.to_numeric(code, errors="coerce")
    return code if pd.isna(number) else float(number)


def _show(value: object) -> str:
    """A cell for a message: numbers as written (7, 2.5), text quoted with any typed 〖…〗 text hidden."""
    if isinstance(value, int | float | np.number):
        return f"{float(value):g}"
    text = re.sub(r"〖.*?〗", "〖…〗", str(value))
    return repr(text if len(text) <= 40 else text[:40] + "…")


def _rows(rows: pd.Index, limit: int = 5) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (" …" if len(rows) > limit else "")


def _entry(level: str, column: str, message: str, n_rows: int) -> dict:
    return {"level": level, "column": column, "message": message, "n_rows": n_rows}
