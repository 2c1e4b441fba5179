"""Writing a figure to PNG, SVG and PDF."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures.theme import themed

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FIGURE_FORMATS", "save_figure"]

FIGURE_FORMATS = ("png", "svg", "pdf")

_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}, "pdf": {"CreationDate": None}}


def save_figure(fig: Figure, stem: str | Path, *, formats: tuple[str, ...] = FIGURE_FORMATS) -> list[Path]:
    """Write ``fig`` as ``stem.png`` (300 dpi), ``stem.svg`` and ``stem.pdf``, creating the folder if needed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    stem : str or Path
        Path without suffix; the suffix of each format is appended.
    formats : tuple of {"png", "svg", "pdf"}

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Notes
    -----
    The figure is laid out once (its constrained layout run at 300 dpi, as for the PNG) and every format is drawn
    from that layout; the figure's layout engine is switched back on afterwards. Reproducibility: SVG text is drawn
    as paths and its element ids come from a fixed salt, and no date is written into the SVG or PDF, so rerunning on
    the same machine and matplotlib version gives byte-identical SVG and PDF (tested). PNG carries no software or
    date stamp and the Agg rasteriser is deterministic, so PNG is byte-identical too in practice; across
    matplotlib, FreeType or font versions any format may differ in its
    bytes while looking the same. The PDF embeds the subset of the font it uses (TrueType/Type 42).
    """
    unknown = [f for f in formats if f not in FIGURE_FORMATS]
    if unknown or not formats:
        got = ", ".join(map(repr, unknown)) or "nothing"
        raise InputError(f"save_figure: formats got {got}; allowed: {', '.join(FIGURE_FORMATS)}")
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    with themed():
        engine = _lay_out_once(fig)
        try:
            for fmt in formats:
                path = stem.with_name(f"{stem.name}.{fmt}")
                fig.savefig(path, format=fmt, metadata=_METADATA[fmt])
                paths.append(path)
        finally:
            if engine is not None:
                fig.set_layout_engine(engine)
    return paths


def _lay_out_once(fig: Figure):
    """Run the figure's layout engine once, at the PNG's resolution, and switch it off; return the engine (None if
    the figure has none) so the caller can switch it back on.

    ``savefig`` otherwise lays the figure out again for every file: a draw without output and a constrained-layout
    pass before each real draw. With the layout fixed every format gets the same positions, the ones the 300 dpi
    PNG has always had (the PNG is byte-identical to a plain ``savefig``).
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return None
    dpi = fig.dpi
    fig.dpi = matplotlib.rcParams["savefig.dpi"]
    try:
        FigureCanvasAgg(fig)  # the canvas savefig would use for the PNG: the layout measures text with its renderer
        engine.execute(fig)
    finally:
        fig.dpi = dpi
    fig.set_layout_engine("none")
    return engine
