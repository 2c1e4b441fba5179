"""The document model of a report chapter: a title and a sequence of blocks that the Word and HTML writers lay
out in order. Blocks hold finished text; numbering of sections, tables and figures is already in them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hsc_analysis.render.table import Table

__all__ = ["Block", "Document", "FigureBlock", "Heading", "Paragraph", "TableBlock"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class TableBlock:
    """A table with its numbered label (``表3`` / ``Table 3``); ``stem`` is its file name in ``tables/``."""

    table: Table
    label: str
    stem: str


@dataclass(frozen=True)
class FigureBlock:
    """A figure as 300 dpi PNG bytes, with its numbered label and caption; ``stem`` is its name in ``figures/``."""

    png: bytes
    label: str
    caption: str
    stem: str


Block = Heading | Paragraph | TableBlock | FigureBlock


@dataclass(frozen=True)
class Document:
    title: str
    lang: Literal["zh", "en"]
    blocks: tuple[Block, ...]

    @property
    def tables(self) -> list[TableBlock]:
        return [b for b in self.blocks if isinstance(b, TableBlock)]

    @property
    def figures(self) -> list[FigureBlock]:
        return [b for b in self.blocks if isinstance(b, FigureBlock)]
