"""The table model every output writer lays out: a title, one or two header rows, a body of formatted cells,
notes, and the full-precision data behind it.

A table builder (:mod:`hsc_analysis.render.tables`) turns result objects into a :class:`Table`; writers
(:mod:`~hsc_analysis.render.docx`, :mod:`~hsc_analysis.render.html`, :mod:`~hsc_analysis.render.text_formats`)
only lay it out, and never compute or round anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from hsc_analysis.errors import InputError

__all__ = ["Spanner", "Table"]


@dataclass(frozen=True)
class Spanner:
    """A cell of the upper header row that spans ``span`` columns (blank text leaves the columns unspanned)."""

    text: str
    span: int = 1


@dataclass(frozen=True)
class Table:
    """One publication table.

    Attributes
    ----------
    name : str
        File stem of the table (``reliability``), unique within a dataset.
    title : str
        The caption text, without its number (the document numbers tables).
    columns : tuple of str
        The lowest header row: one label per column.
    rows : tuple of tuple of str
        Formatted body cells, one tuple per row, each as long as ``columns``.
    data : DataFrame
        The numbers behind the table at full precision (its CSV form, for machines).
    lang : {"zh", "en"}
    spanners : tuple of Spanner
        An optional upper header row; the spans add up to the number of columns.
    notes : tuple of str
        Notes below the table, in order (the writer prefixes "注：" or "*Note.*").
    stars : bool
        The body uses significance stars; the writer adds the star legend.
    stub : int
        Leading columns that hold labels (left-aligned); the others hold numbers (centred).
    """

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    data: pd.DataFrame = field(repr=False, compare=False)
    lang: Literal["zh", "en"] = "zh"
    spanners: tuple[Spanner, ...] = ()
    notes: tuple[str, ...] = ()
    stars: bool = False
    stub: int = 1

    def __post_init__(self) -> None:
        width = len(self.columns)
        bad = [i for i, row in enumerate(self.rows) if len(row) != width]
        if bad:
            raise InputError(f"table {self.name!r}: rows {bad[:5]} do not have {width} cells (one per column)")
        if self.spanners and sum(s.span for s in self.spanners) != width:
            raise InputError(
                f"table {self.name!r}: the spanners cover {sum(s.span for s in self.spanners)} "
                f"columns; the table has {width}"
            )
        if self.lang not in ("zh", "en"):
            raise InputError(f"table {self.name!r}: lang must be 'zh' or 'en'; got {self.lang!r}")

    def _repr_html_(self) -> str:
        from hsc_analysis.render.html import table_html

        return table_html(self, caption=self.title, standalone=True)
