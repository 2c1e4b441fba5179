"""Diverging stacked bars of Likert answers: one bar per item (or per item and group), one panel per construct."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.render.figures._text import check_lang, phrase, wrap
from hsc_analysis.render.figures.privacy import DEFAULT_MIN_GROUP_N, split_groups
from hsc_analysis.render.figures.theme import NEUTRAL_COLOUR, new_figure, themed

__all__ = ["answer_shares", "likert_bars", "likert_colours"]

_LABEL_WIDTH = {"zh": 36, "en": 44}
_SHOW_PERCENT = 7.0


@dataclass(frozen=True)
class _Row:
    label: str
    shares: np.ndarray | None  # percentages per code; None for a heading row (an item above its groups)


def answer_shares(codes: pd.Series, scale_codes: Sequence[int]) -> np.ndarray:
    """Percentage of the valid answers (NaN is not an answer) that chose each code, in ``scale_codes`` order."""
    valid = codes.dropna().to_numpy()
    counts = (valid[:, None] == np.asarray(scale_codes)[None, :]).sum(axis=0)
    return 100 * counts / max(len(valid), 1)


def likert_colours(k: int) -> list:
    """Diverging red–blue colours for ``k`` ordered codes, the middle one grey when ``k`` is odd."""
    from matplotlib import colormaps

    colours = list(colormaps["RdBu"](np.linspace(0.12, 0.88, k)))
    if k % 2:
        colours[k // 2] = NEUTRAL_COLOUR
    return colours


def likert_bars(
    items: pd.DataFrame,
    *,
    instrument: Instrument,
    constructs: Sequence[str],
    lang: str,
    group: pd.Series | None = None,
    min_group_n: int = DEFAULT_MIN_GROUP_N,
):
    """Diverging stacked bars of the answers to the items of some constructs.

    Parameters
    ----------
    items : DataFrame
        Raw answer codes (respondents × item ids; NaN where missing), not reverse-keyed: a bar shows what people
        answered. Reverse-keyed items are marked in their label.
    instrument : Instrument
        Item texts, constructs and response scales. All items drawn must share one set of answer labels.
    constructs : sequence of construct ids
        One panel each, in this order.
    lang : {"zh", "en"}
    group : Series, optional
        Group label per respondent (indexed like ``items``): each item then gets one bar per group. Groups with
        fewer than ``min_group_n`` respondents are not drawn; the caption should say so
        (``split_groups(group, min_group_n=...).note(lang)``).
    min_group_n : int

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Each bar is the percentage of an item's valid answers per code. Disagreement extends left of 0 and agreement
    right; the middle code of an odd scale is split evenly across 0 (as R likert and HH::likert do).
    """
    check_lang(lang, function="likert_bars")
    chosen = [instrument.construct(c) for c in constructs]
    item_ids = [i for c in chosen for i in c.items]
    missing = [i for i in item_ids if i not in items.columns]
    if missing:
        raise InputError(f"likert_bars: items lack column(s) {', '.join(missing)}")
    scales = {instrument.item(i).scale for i in item_ids}
    answer_labels = {tuple(label.get(lang) for label in instrument.scales[s].codes.values()) for s in scales}
    if len(answer_labels) != 1:
        raise InputError(
            f"likert_bars: constructs {', '.join(constructs)} use different answer labels; draw them apart"
        )
    scale = instrument.scales[sorted(scales)[0]]
    codes = sorted(scale.codes)
    split = None if group is None else split_groups(group.reindex(items.index), min_group_n=min_group_n)
    panels = []
    for construct in chosen:
        rows = []
        for item_id in construct.items:
            item = instrument.item(item_id)
            text = f"{item.id} {item.text.get(lang)}{phrase('reverse_mark', lang) if item.reverse else ''}"
            label = wrap(text, lang, width=_LABEL_WIDTH[lang])
            if split is None:
                rows.append(_Row(label, answer_shares(items[item_id], codes)))
                continue
            rows.append(_Row(label, None))
            labels = group.reindex(items.index).astype("string")
            rows += [
                _Row(f"{name} ({n})", answer_shares(items.loc[labels == name, item_id], codes))
                for name, n in split.shown.items()
            ]
        panels.append((construct.label.get(lang), rows))
    with themed():
        return _draw(panels, [scale.codes[c].get(lang) for c in codes], lang)


def _draw(panels, answer_labels: list[str], lang: str):
    k = len(answer_labels)
    colours = likert_colours(k)
    heights = [sum(max(r.label.count("\n") + 1, 1) * 0.13 + 0.06 for r in rows) + 0.3 for _, rows in panels]
    fig = new_figure(sum(heights) + 0.6)
    axes = fig.subplots(len(panels), 1, sharex=True, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
    left_codes = k // 2
    extent = 0.0
    for ax, (title, rows) in zip(axes, panels, strict=True):
        y = np.arange(len(rows))
        bars = np.array([row.shares is not None for row in rows])
        shares = np.array([row.shares for row in rows if row.shares is not None]).reshape(-1, k)
        start = -(shares[:, :left_codes].sum(axis=1) + (shares[:, left_codes] / 2 if k % 2 else 0))
        extent = max(extent, float(np.max(-start, initial=0)), float(np.max(shares.sum(axis=1) + start, initial=0)))
        lefts = start[:, None] + np.cumsum(shares, axis=1) - shares
        for code, colour in enumerate(colours):
            ax.barh(
                y[bars],
                shares[:, code],
                left=lefts[:, code],
                height=0.72,
                color=colour,
                edgecolor="white",
                linewidth=0.4,
            )
            dark = abs(code - (k - 1) / 2) > 1  # the outer codes are dark enough for white digits
            for pos, share, left in zip(y[bars], shares[:, code], lefts[:, code], strict=True):
                if share >= _SHOW_PERCENT:
                    ax.text(
                        left + share / 2,
                        pos,
                        f"{share:.0f}",
                        ha="center",
                        va="center",
                        fontsize=6.5,
                        color="white" if dark else "black",
                    )
        ax.set_yticks(y, [r.label for r in rows])
        for tick, row in zip(ax.get_yticklabels(), rows, strict=True):
            if row.shares is not None and any(r.shares is None for r in rows):
                tick.set_color("#555555")  # a group under its item heading (the fonts have no bold face)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.axvline(0, color="black", linewidth=0.6, zorder=0)
        ax.set_title(title, loc="left", fontsize=9)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
    limit = min(100.0, np.ceil(extent / 10) * 10)
    axes[-1].set_xlim(-limit, limit)
    step = 25 if limit > 60 else 10
    ticks = np.arange(-(limit // step), limit // step + 1) * step
    axes[-1].set_xticks(ticks, [f"{abs(t):.0f}" for t in ticks])
    axes[-1].set_xlabel(phrase("likert_axis", lang))
    handles = [_patch(c) for c in colours]
    fig.legend(handles, answer_labels, loc="outside lower center", ncol=k, handlelength=1.2, columnspacing=1.0)
    return fig


def _patch(colour):
    from matplotlib.patches import Patch

    return Patch(facecolor=colour, edgecolor="none")
