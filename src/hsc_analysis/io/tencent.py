"""腾讯问卷 (wj.qq.com) CSV exports: ``编号`` id, ``N.题干`` question columns holding option texts, multiple
choice as ``N.题干:选项`` columns (non-empty when selected), a trailing comma on every line. ``开始答题时间`` is
parsed as ``started_at`` and ``用户类型`` (微信用户, QQ用户 …) is the channel. Date and cascade (province/city)
pickers write several columns under one header: they are named ``header (column N)`` and reported when no mapping
takes them."""

from __future__ import annotations

from collections.abc import Sequence

from hsc_analysis.io.export import Export, split_columns
from hsc_analysis.io.grid import Grid

__all__ = ["METADATA", "is_tencent", "read_tencent"]

METADATA = {
    "编号": "respondent_id",
    "结束答题时间": "submitted_at",
    "答题时长": "duration_seconds",
    "开始答题时间": "started_at",
    "用户类型": "channel",
    "IP": "ip",
    **dict.fromkeys(
        (
            "地理位置国家和地区",
            "地理位置省",
            "地理位置市",
            "自定义字段",
            "用户标识",
            "昵称",
            "UA",
            "Referrer",
            "语言",
            "清洗数据结果",
            "智能清洗数据无效概率",
            "中奖时间",
            "中奖金额",
            "审核状态",
            "原始记录编号",
            "数据版本",
            "附件个数",
        ),
        None,
    ),
}
"""腾讯问卷 metadata column → role (None: kept under its own name)."""


def is_tencent(header: Sequence[str]) -> bool:
    return len(set(header) & {"编号", "开始答题时间", "结束答题时间", "答题时长"}) >= 3


def read_tencent(grid: Grid) -> Export:
    names = {name: role or name for name, role in METADATA.items()}
    questions, metadata, roles, log, repeated = split_columns(
        grid, header=grid.top[0], n_header=1, metadata_names=names
    )
    return Export("tencent", questions, metadata, roles, coding="text", log=tuple(log), repeated=repeated)
