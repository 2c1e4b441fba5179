"""Question headers of survey exports: question number, stem and option/row parts, and text normalisation.

Header forms handled:

- ``13、题干``, ``13.题干`` (腾讯问卷), ``Q13.题干``, ``13(题干)``, ``第13题`` and ``第13题 题干``, with or
  without a type suffix such as ``(矩阵单选题 *必答)``;
- ``13、题干—行文本`` (问卷星 2016 matrix, first row) and ``Q5 - 行文本`` style tails (Qualtrics);
- ``8、题干(选项)`` / ``8、(选项)`` / ``第8题(选项)`` (问卷星 multiple-choice option columns), ``8.题干:选项``
  (腾讯问卷) and ``题干 - 选项`` (Qualtrics, multi-value fields split into columns);
- ``G1[SQ001]`` (LimeSurvey sub-questions);
- bare texts without a number (问卷星 2016 matrix rows after the first, plain tables, SPSS variables).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Header", "normalise", "option_key", "parse_header"]

_TYPE_SUFFIX = re.compile(
    r"\s*[(（]\s*(?:矩阵)?(?:单选题|多选题|填空题|量表题|排序题|多项填空题|单选|多选|量表|填空)\s*(?:\*\s*)?(?:必答)?\s*[)）]"
)
_NUMBERED = re.compile(r"^\s*(?:[Qq]\s*)?(\d+)\s*[、.．]\s*(.*)$", re.S)
_NUMBER_PAREN = re.compile(r"^\s*(\d+)\s*[(（](.+)[)）]\s*$", re.S)  # 3(题干)
_NTH = re.compile(r"^\s*第\s*(\d+)\s*题\s*[(（](.*)[)）]\s*$", re.S)
_NTH_BARE = re.compile(r"^\s*第\s*(\d+)\s*题\s*[:：.、]?\s*(.*)$", re.S)  # 第3题, 第3题 题干
_TAIL_OPTION = re.compile(r"^(.*?)[(（]([^()（）]*)[)）]\s*$", re.S)
_SUBQUESTION = re.compile(r"^\s*([^\[\]]+)\[([^\[\]]+)\]\s*$")
_ROW_SEPARATORS = ("—", " - ", ":", "：")


@dataclass(frozen=True)
class Header:
    """A parsed column header.

    ``number`` is the question number (None when the header has none), ``stem`` the text after the number with any
    type suffix removed, ``option`` a trailing ``(…)`` / ``[…]`` / ``:…`` part that may name an option or a row,
    and ``code`` the LimeSurvey question code of ``code[sub]``.
    """

    text: str
    number: int | None
    stem: str
    option: str | None
    code: str | None = None

    def candidates(self) -> list[str]:
        """Texts that may equal a question's text or id, most specific first: the whole header, the stem, and the
        part after a row separator (``—``, `` - ``, ``:``) as used for matrix rows."""
        texts = [self.text, self.stem]
        if self.option is not None and (self.code is not None or not self.base):
            texts.append(self.option)  # LimeSurvey Q[row], 问卷星 N、(行文本) and 第N题(行文本) matrix rows
        for separator in _ROW_SEPARATORS:
            if separator in self.stem:
                texts.append(self.stem.rsplit(separator, 1)[1])
        return [t for t in dict.fromkeys(texts) if t.strip()]

    @property
    def base(self) -> str:
        """The stem without its trailing option part: ``题干`` of ``题干(选项)`` or ``题干:选项``."""
        if self.option is None or self.code is not None:
            return self.stem
        cut = max(self.stem.rfind(f"({self.option}"), self.stem.rfind(f"（{self.option}"))
        if cut < 0:
            cut = max(self.stem.rfind(":"), self.stem.rfind("："), self.stem.rfind(" - "))
        return self.stem[:cut].strip()


def parse_header(text: str) -> Header:
    """Split a header into number, stem and option.

    Examples
    --------
    >>> parse_header("13、外观满意度 (矩阵单选题 *必答)—屏幕显示效果").stem
    '外观满意度—屏幕显示效果'
    >>> parse_header("第6题(阅读)")
    Header(text='第6题(阅读)', number=6, stem='', option='阅读', code=None)
    >>> parse_header("G1[com1]").option
    'com1'
    >>> [parse_header(h).number for h in ("Q3.题干", "3(题干)", "第3题", "3、题干")]
    [3, 3, 3, 3]
    """
    clean = _TYPE_SUFFIX.sub("", text).strip()
    if match := _NTH.match(clean):
        return Header(text, int(match[1]), "", match[2].strip())
    if match := _NTH_BARE.match(clean) or _NUMBER_PAREN.match(clean):
        return Header(text, int(match[1]), match[2].strip(), None)
    if match := _SUBQUESTION.match(clean):
        return Header(text, None, clean, match[2].strip(), code=match[1].strip())
    number = None
    if match := _NUMBERED.match(clean):
        number, clean = int(match[1]), match[2].strip()
    option = None
    if match := _TAIL_OPTION.match(clean):
        option = match[2].strip()
    elif ":" in clean or "：" in clean:
        option = re.split(r"[:：]", clean, maxsplit=1)[1].strip()
    elif " - " in clean:  # Qualtrics: "stem - row" (matrix) or "stem - option" (split multiple choice)
        option = clean.rsplit(" - ", 1)[1].strip()
    return Header(text, number, clean, option)


def normalise(text: str) -> str:
    """Text for comparison: Unicode NFKC (full-width forms to ASCII), no whitespace, no trailing ``?。.:*``.

    Examples
    --------
    >>> normalise(" 您的最高学历？ ") == normalise("您的最高学历")
    True
    """
    folded = unicodedata.normalize("NFKC", str(text))
    folded = re.sub(r"\s+", "", folded)
    return folded.rstrip("?.。:*").casefold()


def option_key(text: str) -> str:
    """An option text for comparison: :func:`normalise` without the form's ``【请注明】`` and the respondent's
    ``〖typed text〗``, so that ``其他【请注明】〖军事国防〗``, ``其他【请注明】`` and ``其他`` all compare equal.

    Examples
    --------
    >>> option_key("其他【请注明】〖军事国防〗") == option_key("其他") == option_key("其他【请注明】")
    True
    """
    return normalise(re.sub(r"【.*?】|〖.*?〗", "", str(text)))
