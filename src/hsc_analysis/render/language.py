"""The words and results-text templates of a report language, read from ``templates/<lang>.yaml``.

Everything a reader sees that is not a number or a label from an instrument — headers, captions, notes, section
headings and the results paragraphs — lives in those two files, one per language, so a translation or a
different house style is an edit of data, not of code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

import yaml

from hsc_analysis.errors import InputError

__all__ = ["LANGUAGES", "Language", "language"]

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Language:
    """One language's ``words`` (short labels) and ``text`` (paragraph templates with ``{placeholders}``)."""

    code: Literal["zh", "en"]
    words: dict[str, str]
    texts: dict[str, str]

    def word(self, key: str) -> str:
        try:
            return self.words[key]
        except KeyError:
            raise InputError(f"templates/{self.code}.yaml: words: no entry {key!r}") from None

    def text(self, key: str, /, **values) -> str:
        """The template ``key`` filled with ``values`` (already formatted)."""
        try:
            template = self.texts[key]
        except KeyError:
            raise InputError(f"templates/{self.code}.yaml: text: no entry {key!r}") from None
        try:
            return template.format(**values).strip()
        except KeyError as err:
            raise InputError(f"templates/{self.code}.yaml: text.{key}: no value for placeholder {err}") from None


@cache
def language(code: str) -> Language:
    """The language ``"zh"`` or ``"en"``."""
    if code not in LANGUAGES:
        raise InputError(f"The 'lang' parameter must be one of {{'zh', 'en'}}; got {code!r}.")
    spec = yaml.safe_load(files("hsc_analysis.render").joinpath("templates", f"{code}.yaml").read_text("utf-8"))
    return Language(code=code, words=spec["words"], texts=spec["text"])
