"""The CJK fonts every figure is set in, registered with matplotlib's font manager on first use.

The fonts come from the ``pylopdf-fonts-zh-cn`` wheel (Noto Sans SC and Noto Serif SC Regular, SIL Open Font
License 1.1), so Chinese text renders on a machine with no system CJK font. Noto Sans SC also holds Latin letters,
digits and the minus sign U+2212, so one family sets both languages.
"""

from __future__ import annotations

import threading
from functools import cache

__all__ = ["cjk_font_families"]

_LOCK = threading.Lock()


@cache
def cjk_font_families() -> tuple[str, str]:
    """Register the bundled fonts (once per process) and return their family names: ``(sans, serif)``."""
    from matplotlib import font_manager
    from pylopdf_fonts_zh_cn import sans_path, serif_path

    with _LOCK:
        names = []
        for path in (sans_path(), serif_path()):
            font_manager.fontManager.addfont(str(path))
            names.append(font_manager.FontProperties(fname=str(path)).get_name())
    return names[0], names[1]
