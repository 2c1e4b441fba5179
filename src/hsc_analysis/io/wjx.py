"""问卷星 (wjx.cn) downloads: 按序号 (option positions) and 按文本 (option texts) as .xlsx, .xls or .csv.

Metadata columns are matched by name, so both header eras work (来自IP before 来源 in 2016–2017, after 来源详情
from 2018). 按序号 cells hold the 1-based option position; ``-3`` means skipped by
the form's logic and ``-2`` not selected/not ranked (both reason ``skipped``). 按文本 cells hold option texts,
``(跳过)`` and ``(空)``. Whether a file is 按序号 or 按文本 is read from its name (``按序号``/``按文本``, the old
``_2.xls``/``_0.xls`` and ``All_Data_Original``/``All_Data_Readable``), else from its content: a 按序号 file has
mostly all-numeric question columns.

The channel is ``来源`` (微信, 手机提交, 链接 …); where 来源 only names the device (手机提交, 电脑提交) and
``来源详情`` names a channel (微信, 直接访问 — not a link, not N/A), it is 来源详情 (the 2016–2017 downloads put 微信
there). 来源详情 itself is kept as ``wjx_source_detail`` (links may carry tokens: personal, never reported).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from hsc_analysis.io.export import Export, split_columns
from hsc_analysis.io.grid import Grid

__all__ = ["METADATA", "SPECIAL", "is_wjx", "read_wjx", "wjx_channel"]

METADATA = {
    "序号": "respondent_id",
    "提交答卷时间": "submitted_at",
    "所用时间": "duration_seconds",
    "来源详情": "wjx_source_detail",
    "来源": "wjx_source",
    "来自IP": "ip",
    "总分": "total_score",
}
"""问卷星 metadata column → role; the channel is derived from 来源 and 来源详情 (:func:`wjx_channel`)."""
SPECIAL = {-3: "skipped", -2: "skipped"}

_DEVICES = {"手机提交", "电脑提交", "手机", "电脑"}
_NOT_A_CHANNEL = re.compile(r"^\s*(?:$|https?://|www\.|N/?A\s*$|无\s*$|-+\s*$)", re.I)
_INDEX_NAMES = re.compile(r"按序号|^\d+_\d+_2\.xls$|All_Data_Original", re.I)
_TEXT_NAMES = re.compile(r"按文本|^\d+_\d+_0\.xls$|All_Data_Readable", re.I)


def is_wjx(header: Sequence[str]) -> bool:
    """A 问卷星 download has at least four of its metadata columns (reportgen's rule uses five of seven)."""
    return len(set(header) & set(METADATA)) >= 4


def read_wjx(grid: Grid, *, coding: str | None) -> Export:
    """Split a 问卷星 download; ``coding`` ("index"/"text") overrides what the file name or content says."""
    questions, metadata, roles, log, repeated = split_columns(
        grid, header=grid.top[0], n_header=1, metadata_names=METADATA
    )
    metadata = wjx_channel(metadata, roles)
    if coding is None:
        coding, why = _coding(grid.path.name, questions)
        log.append(
            {
                "level": "info",
                "column": "",
                "message": f"问卷星 {'按序号' if coding == 'index' else '按文本'} download ({why})",
                "n_rows": len(questions),
            }
        )
    return Export(
        platform=f"wjx_{coding}",
        questions=questions,
        metadata=metadata,
        roles=roles,
        coding=coding,
        special=SPECIAL if coding == "index" else {},
        log=tuple(log),
        repeated=repeated,
    )


def wjx_channel(metadata: pd.DataFrame, roles: dict[str, str]) -> pd.DataFrame:
    """``metadata`` with a ``channel`` column from 来源 and 来源详情 (rule in the module docstring); ``roles`` gains
    ``channel``. Without either column the metadata is returned as it is.

    Examples
    --------
    >>> meta = pd.DataFrame({"来源": ["微信", "手机提交", "手机提交"], "来源详情": ["https://x.cn/s", "微信", "N/A"]})
    >>> wjx_channel(meta, {"wjx_source": "来源", "wjx_source_detail": "来源详情"})["channel"].tolist()
    ['微信', '微信', '手机提交']
    """
    source, detail = roles.get("wjx_source"), roles.get("wjx_source_detail")
    if source is None and detail is None:
        return metadata
    empty = pd.Series(None, index=metadata.index, dtype=object)
    where = _text(metadata[source]) if source else empty
    how = _text(metadata[detail]) if detail else empty
    detail_names_channel = how.notna() & ~how.fillna("").str.match(_NOT_A_CHANNEL)
    use_detail = detail_names_channel & (where.isna() | where.isin(_DEVICES))
    roles["channel"] = "channel"
    return metadata.assign(channel=np.where(use_detail, how, where))


def _text(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return text.where(text.ne("")).astype(object).where(lambda t: t.notna(), None)


def _coding(name: str, questions: pd.DataFrame) -> tuple[str, str]:
    if _INDEX_NAMES.search(name):
        return "index", f"file name {name}"
    if _TEXT_NAMES.search(name):
        return "text", f"file name {name}"
    numeric = sum(
        pd.to_numeric(column.dropna(), errors="coerce").notna().all() and column.notna().any()
        for _, column in questions.items()
    )
    coding = "index" if numeric * 2 > questions.shape[1] else "text"
    return coding, f"{numeric} of {questions.shape[1]} question columns are all numbers"
