"""Number formatting for publication tables and results text (APA 7 and Chinese thesis conventions).

Every function takes one number and returns text; NaN gives the dash of an empty cell. Minus signs are U+2212.
Quantities that cannot exceed 1 in absolute value (r, α, ω, p, β, CFI, RMSEA, loadings) drop the leading zero,
as APA 7 (6.36) asks; counts are integers; everything else keeps its leading zero.
"""

from __future__ import annotations

import math

__all__ = [
    "EMPTY",
    "MINUS",
    "bounded",
    "count",
    "degrees_of_freedom",
    "number",
    "p_phrase",
    "p_value",
    "percent",
    "stars",
]

EMPTY = "—"
"""An empty cell (a statistic that does not exist for this row)."""

MINUS = "\u2212"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value, decimals: int = 2) -> str:
    """``-0.2412`` → ``"−0.24"``; NaN → ``"—"``; a value that rounds to zero loses its sign."""
    if _missing(value):
        return EMPTY
    text = f"{float(value):.{decimals}f}"
    if text.startswith("-"):
        text = MINUS + text[1:] if float(text[1:]) != 0 else text[1:]
    return text


def bounded(value, decimals: int = 2) -> str:
    """A number bounded by 1, without the leading zero: ``0.861`` → ``".86"``, ``-0.05`` → ``"−.05"``, ``1`` →
    ``"1.00"``."""
    text = number(value, decimals)
    if text.startswith("0.") or text.startswith(MINUS + "0."):
        text = text.replace("0.", ".", 1)
    return text


def p_value(value) -> str:
    """``0.0231`` → ``".023"``; below .001 → ``"< .001"``; ``1`` → ``"1.000"``."""
    if _missing(value):
        return EMPTY
    return "< .001" if float(value) < 0.001 else bounded(value, 3)


def p_phrase(p: float) -> str:
    """``p`` as it follows the letter p in running text: ``"< .001"`` or ``"= .023"``."""
    text = p_value(p)
    return text if text.startswith("<") else f"= {text}"


def stars(value) -> str:
    """``"***"`` for p < .001, ``"**"`` for p < .01, ``"*"`` for p < .05, else ``""``."""
    if _missing(value):
        return ""
    return "***" if value < 0.001 else "**" if value < 0.01 else "*" if value < 0.05 else ""


def count(value, *, lang: str) -> str:
    """An integer; English groups thousands with commas (APA), Chinese does not (GB/T 15835 allows none)."""
    if _missing(value):
        return EMPTY
    return f"{int(value):,}" if lang == "en" else f"{int(value)}"


def degrees_of_freedom(value) -> str:
    """Degrees of freedom: an integer never grouped by commas (APA 7, 6.38), ``1146``; non-integer (Welch) df keep
    two decimals."""
    if _missing(value):
        return EMPTY
    return f"{int(value)}" if float(value).is_integer() else number(value)


def percent(value, decimals: int = 1) -> str:
    """A share given as a fraction: ``0.4567`` → ``"45.7"`` (the % sign goes in the header)."""
    return EMPTY if _missing(value) else number(100 * float(value), decimals)
