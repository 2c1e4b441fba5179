"""The one look of every figure: fonts, sizes, colours, spines and the settings that make saved files reproducible.

Figures are built on :class:`matplotlib.figure.Figure` directly (never pyplot), so nothing accumulates in a global
figure registry. matplotlib reads most style settings when an artist is created and a few (SVG and PDF font
handling, the SVG id salt) when a file is written, so both happen inside :func:`themed`, which applies the theme
through ``matplotlib.rc_context`` under a process-wide lock and restores the caller's settings afterwards. Texts get
the concrete font family names, so a figure saved outside the theme (``fig.savefig`` into a Word document) still
shows its Chinese.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hsc_analysis.render.figures._fonts import cjk_font_families

__all__ = ["GROUP_COLOURS", "NEUTRAL_COLOUR", "TEXT_WIDTH_INCHES", "new_figure", "themed"]

TEXT_WIDTH_INCHES = 6.3
"""Width of a figure: the text block of an A4 thesis page (16 cm)."""

GROUP_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
"""Okabe–Ito colours (distinguishable with colour-vision deficiency), one per group in order."""

NEUTRAL_COLOUR = "#BDBDBD"

_LOCK = threading.RLock()


def _theme() -> dict:
    from cycler import cycler

    sans, _ = cjk_font_families()
    return {
        # concrete family names, not "sans-serif": a text keeps them, so it renders right even when the figure is
        # saved outside the theme (DejaVu Sans is the fallback for the few symbols Noto Sans SC lacks)
        "font.family": [sans, "DejaVu Sans"],
        "font.size": 8.5,
        "axes.titlesize": 9.5,
        "axes.labelsize": 8.5,
        "xtick.labelsize": 8,
        "ytick.labelsize": 8,
        "legend.fontsize": 8,
        "legend.frameon": False,
        "axes.unicode_minus": True,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "axes.prop_cycle": cycler(color=GROUP_COLOURS),
        "figure.dpi": 100,
        "savefig.dpi": 300,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
        "svg.fonttype": "path",
        "svg.hashsalt": "hsc_analysis",
        "pdf.fonttype": 42,
    }


@contextmanager
def themed() -> Iterator[None]:
    """Apply the theme for the duration of a ``with`` block (thread-safe: one themed block runs at a time)."""
    import matplotlib

    with _LOCK, matplotlib.rc_context(_theme()):
        yield


def new_figure(height: float, *, width: float = TEXT_WIDTH_INCHES):
    """A themed, constrained-layout :class:`~matplotlib.figure.Figure` of the given size in inches (call inside
    :func:`themed`)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")
