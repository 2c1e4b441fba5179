"""Platform file writers: 问卷星 downloads (按序号 / 按文本 .xlsx) and SPSS .sav, byte-identical for a fixed stamp.

问卷星 layout (as in its downloads): metadata columns 序号, 提交答卷时间 (``%Y/%m/%d %H:%M:%S``),
所用时间 (``136秒``), 来源, 来源详情, 来自IP; then one column per question headed ``<n>、<zh text>``. Each construct
block is a matrix question: all its rows share the number n, one column ``n、<row text>`` per row (current style);
an attention check sits as a row inside the block it interrupts. 按序号 cells hold the 1-based option position
(an item's options are its scale's codes in declared order, then its missing codes), 按文本 cells the option text;
a question skipped by the form's logic is ``-3`` / ``(跳过)``, a blank optional answer an empty cell / ``(空)``.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from hsc_analysis.instruments import Instrument

__all__ = ["WJX_METADATA", "Question", "layout_questions", "wjx_table", "write_sav", "write_xlsx"]

WJX_METADATA = ("序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP")
SKIPPED = {"index": -3, "text": "(跳过)"}
BLANK = {"index": None, "text": "(空)"}


@dataclass(frozen=True)
class Question:
    """One column of a questionnaire export: the field it holds, its number and header, and its options
    (code → text, in the order the form shows them; empty for numbers and fill-ins)."""

    field: str
    number: int
    header: str
    options: dict[int, str]
    multiple: bool = False


def layout_questions(instruments: Sequence[Instrument], *, columns: Sequence[str]) -> list[Question]:
    """Number the questions of a form in column order: identifiers, background and facts one number each, each
    construct block (with a check row inside it) one matrix number."""
    fields: dict[str, tuple[str, dict[int, str], bool]] = {}
    block_of: dict[str, str] = {}
    for inst in instruments:
        for ident in inst.identifiers:
            fields[ident.id] = (ident.text.zh, {}, False)
        for question in inst.background:
            fields[question.id] = (
                question.text.zh,
                {c: lab.zh for c, lab in question.levels.items()},
                question.type == "multiple",
            )
        for item in inst.items:
            scale = inst.scale_of(item.id)
            options = {c: lab.zh for c, lab in scale.codes.items()}
            options |= {c: lab.zh for c, (lab, _) in scale.missing_codes.items()}
            fields[item.id] = (item.text.zh, options, False)
            block_of[item.id] = f"{inst.id}.{item.construct}"
        for check in inst.checks:
            fields[check.id] = (check.text.zh, {c: lab.zh for c, lab in inst.scales[check.scale].codes.items()}, False)
    questions, number, previous_block = [], 0, None
    for column in columns:
        text, options, multiple = fields[column]
        block = block_of.get(column, previous_block if column in _checks(instruments) else None)
        if block is None or block != previous_block:
            number += 1
        previous_block = block
        questions.append(Question(column, number, f"{number}、{text}", options, multiple))
    return questions


def wjx_table(
    data: pd.DataFrame,
    *,
    questions: Sequence[Question],
    coding: Literal["index", "text"],
    skipped: pd.DataFrame | None,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The sheet of a 问卷星 download as a DataFrame of cell values (headers as columns)."""
    n = len(data)
    submitted = pd.to_datetime(data["submitted_at"]).dt.strftime("%Y/%m/%d %H:%M:%S")
    octets = pd.DataFrame(rng.integers(0, 256, (n, 3))).astype(str)
    ip = ("10." + octets[0] + "." + octets[1] + "." + octets[2] + "(本地)").to_numpy()
    detail = np.where(rng.random(n) < 0.85, "微信", "直接访问")
    cells: dict[str, object] = {
        "序号": np.asarray(data.index, dtype=int),
        "提交答卷时间": submitted.to_numpy(),
        "所用时间": (data["duration_seconds"].astype(str) + "秒").to_numpy(),
        "来源": "手机提交",
        "来源详情": detail,
        "来自IP": ip,
    }
    for q in questions:
        values = data[q.field]
        if q.multiple:
            cells[q.header] = ["┋".join(q.options[c] for c in chosen) for chosen in values]
            continue
        if not q.options:
            text = values.astype(str).where(values.astype(str) != "", None)
            cells[q.header] = text.fillna(BLANK[coding]).to_numpy(dtype=object) if coding == "text" else _plain(values)
            continue
        codes = list(q.options)
        lookup = {c: i + 1 for i, c in enumerate(codes)} if coding == "index" else {c: q.options[c] for c in codes}
        mapped = values.map(lambda v, lookup=lookup: lookup.get(int(v)) if pd.notna(v) else None)
        column = mapped.to_numpy(dtype=object)
        column = np.where(pd.isna(values.to_numpy()), BLANK[coding], column)
        if skipped is not None and q.field in skipped.columns:
            column = np.where(skipped[q.field].to_numpy(), SKIPPED[coding], column)
        cells[q.header] = column
    return pd.DataFrame(cells)


def write_xlsx(table: pd.DataFrame, path: Path, *, stamp: datetime) -> Path:
    """Write one sheet (``Sheet1``) of plain cells; every timestamp inside the file is ``stamp``."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "hsc_analysis.simulate (synthetic data)"
    workbook.properties.created = stamp
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(_fixed_zip(buffer.getvalue(), stamp))
    return path


def write_sav(
    data: pd.DataFrame,
    path: Path,
    *,
    column_labels: dict[str, str],
    value_labels: dict[str, dict[int, str]],
    missing: dict[str, list[int]],
    stamp: datetime,
) -> Path:
    """Write an SPSS .sav with variable labels, value labels and user-missing codes.

    ReadStat stamps the file header with the current date and time (no pyreadstat argument sets it); the 17 bytes
    of that field (offset 92: ``dd Mon yy`` + ``hh:mm:ss``) are overwritten with ``stamp``.
    """
    import pyreadstat

    pyreadstat.write_sav(
        data,
        path,
        column_labels=column_labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure={c: "ordinal" for c in value_labels},
    )
    raw = bytearray(path.read_bytes())
    month = _MONTHS[stamp.month - 1]  # not the locale-dependent %b
    stamp_bytes = f"{stamp:%d} {month} {stamp:%y}{stamp:%H:%M:%S}".encode("ascii")
    raw[_SAV_DATE_OFFSET : _SAV_DATE_OFFSET + len(stamp_bytes)] = stamp_bytes
    path.write_bytes(bytes(raw))
    return path


# header: "$FL2", 60-byte product name, layout code, case size, compression, weight index, n cases (4 bytes each),
# 8-byte bias: the creation date starts at byte 92
_SAV_DATE_OFFSET = 4 + 60 + 5 * 4 + 8
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """Re-pack an xlsx with every member dated ``stamp`` and core.xml's modified time set to it."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + iso.encode() + rb"\g<2>",
                    content,
                )
            member = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, content)
    return out.getvalue()


def _checks(instruments: Sequence[Instrument]) -> set[str]:
    return {check.id for inst in instruments for check in inst.checks}


def _plain(values: pd.Series) -> np.ndarray:
    return values.where(values.astype(str) != "", None).to_numpy(dtype=object)


def _cell(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return int(value) if float(value).is_integer() else float(value)
    return value
