"""Scree plot with Horn's parallel analysis: observed eigenvalues beside those of random data."""

from __future__ import annotations

import numpy as np

from hsc_analysis.render.figures._text import check_lang, phrase
from hsc_analysis.render.figures.theme import GROUP_COLOURS, new_figure, themed

__all__ = ["scree_plot"]


def scree_plot(parallel, *, lang: str):
    """Observed and simulated eigenvalues of components and factors, by position.

    Parameters
    ----------
    parallel : ParallelResult
        From :func:`hsc_analysis.measurement.parallel_analysis`.
    lang : {"zh", "en"}

    Returns
    -------
    matplotlib.figure.Figure
        Solid lines with markers: observed; dashed: mean of the random data sets. The suggested numbers
        (``parallel.n_components``, ``parallel.n_factors``) are marked with vertical dotted lines.
    """
    check_lang(lang, function="scree_plot")
    table = parallel.eigenvalues
    x = table["position"].to_numpy()
    with themed():
        fig = new_figure(3.4)
        ax = fig.add_subplot()
        for j, kind in enumerate(("pc", "fa")):
            colour = GROUP_COLOURS[j]
            ax.plot(
                x,
                table[f"observed_{kind}"],
                marker="o",
                markersize=3,
                linewidth=1,
                color=colour,
                label=phrase(f"scree_observed_{kind}", lang),
            )
            ax.plot(
                x,
                table[f"simulated_{kind}"],
                linestyle="--",
                linewidth=1,
                color=colour,
                label=phrase(f"scree_simulated_{kind}", lang),
            )
        for j, n in enumerate((parallel.n_components, parallel.n_factors)):
            if n > 0:
                ax.axvline(n, color=GROUP_COLOURS[j], linestyle=":", linewidth=0.8)
        ax.axhline(1, color="#999999", linewidth=0.5)
        step = max(1, int(np.ceil(len(x) / 24)))
        ax.set_xticks(x[::step])
        ax.set_xlim(0.5, x[-1] + 0.5)
        ax.set_xlabel(phrase("scree_x", lang))
        ax.set_ylabel(phrase("scree_y", lang))
        ax.legend(loc="upper right")
    return fig
