"""What a report embeds: a figure with its file name and caption."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FigureSpec"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a report.

    Attributes
    ----------
    name : str
        File stem, unique within a report (e.g. ``parent_sample_flow``); letters, digits and underscores.
    caption : str
        The caption in the report's language, without the figure number (the report numbers figures).
    figure : matplotlib.figure.Figure
    """

    name: str
    caption: str
    figure: Figure
