"""Words of the figures (from ``labels.yaml``, one entry per phrase in zh and en) and the small formatting rules
they share: wrapped labels, numbers with a true minus sign, significance stars."""

from __future__ import annotations

import math
import textwrap
from functools import cache
from importlib import resources

import yaml

from hsc_analysis.errors import InputError

__all__ = ["LANGUAGES", "check_lang", "number", "phrase", "stars", "wrap"]

LANGUAGES = ("zh", "en")
_NO_LINE_START = "，。、；：？！）》」』”’%"


@cache
def _phrases() -> dict:
    return yaml.safe_load(resources.files(__package__).joinpath("labels.yaml").read_text(encoding="utf-8"))


def check_lang(lang: str, *, function: str) -> None:
    if lang not in LANGUAGES:
        raise InputError(f"{function}: lang got {lang!r}; allowed: {', '.join(LANGUAGES)}")


def phrase(key: str, lang: str, **fields) -> str:
    """The phrase ``key`` of labels.yaml in ``lang``, with ``{fields}`` filled in."""
    return _phrases()[key][lang].format(**fields)


def wrap(text: str, lang: str, *, width: int) -> str:
    """Break a label into lines of about ``width`` characters (Chinese counts two per character)."""
    if lang == "en" or text.isascii():
        return "\n".join(textwrap.wrap(text, width=width)) or text
    n_lines = math.ceil(sum(1 if char.isascii() else 2 for char in text) / width)
    step = math.ceil(len(text) / max(n_lines, 1))
    lines = [text[i : i + step] for i in range(0, len(text), step)]
    for i in range(1, len(lines)):  # no line starts with closing punctuation: it joins the line before
        while lines[i] and lines[i][0] in _NO_LINE_START:
            lines[i - 1], lines[i] = lines[i - 1] + lines[i][0], lines[i][1:]
    return "\n".join(line for line in lines if line)


def number(value: float, decimals: int = 2, *, leading_zero: bool = True) -> str:
    """``value`` with ``decimals`` decimals and the minus sign U+2212 (APA: no leading zero for values bounded
    by 1, such as r, β and p, when ``leading_zero`` is False)."""
    if value is None or not math.isfinite(value):
        return "—"
    text = f"{value:.{decimals}f}"
    if not leading_zero and text.lstrip("-").startswith("0."):
        text = text.replace("0.", ".", 1)
    return text.replace("-", "−")


def stars(p_value: float) -> str:
    """``***`` for p < .001, ``**`` for p < .01, ``*`` for p < .05, else empty."""
    from hsc_analysis.findings.correlate import STARS

    if p_value is None or not math.isfinite(p_value):
        return ""
    return next((mark for level, mark in STARS if p_value < level), "")
