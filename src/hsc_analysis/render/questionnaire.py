"""An instrument as a readable questionnaire in Markdown, usable as a thesis appendix."""

from __future__ import annotations

from typing import Literal

from hsc_analysis.instruments import Instrument, ResponseScale

__all__ = ["questionnaire_markdown"]

_WORDS = {
    "zh": {
        "version": "版本",
        "scales": "作答选项",
        "background": "基本信息",
        "items": "量表题目",
        "check": "注意力检测题",
        "reverse": "（反向计分）",
        "no": "题号",
        "item": "题目",
        "options": "选项",
        "sources": "参考来源",
        "dimension": "维度",
        "free": "（填写数字）",
        "text": "（文字作答）",
        "multiple": "（可多选）",
        "missing_as": "计为缺失",
        "construct_line": "{label}（{n} 题，{method}，至少 {k} 题有效）",
        "mean": "取均值",
        "sum": "求和",
    },
    "en": {
        "version": "Version",
        "scales": "Response options",
        "background": "Background",
        "items": "Scale items",
        "check": "Attention check",
        "reverse": " (reverse-keyed)",
        "no": "No.",
        "item": "Item",
        "options": "Options",
        "sources": "Sources",
        "dimension": "Dimension",
        "free": " (a number)",
        "text": " (free text)",
        "multiple": " (choose all that apply)",
        "missing_as": "counted as missing",
        "construct_line": "{label} ({n} items, {method}, at least {k} valid)",
        "mean": "mean",
        "sum": "sum",
    },
}


def questionnaire_markdown(instrument: Instrument, *, lang: Literal["zh", "en"]) -> str:
    """Render an instrument as Markdown: title, response options, items grouped by construct, checks, background.

    Examples
    --------
    >>> from hsc_analysis.instruments import load_instrument
    >>> text = questionnaire_markdown(load_instrument("surveys/parent.yaml"), lang="zh")
    >>> text.splitlines()[0]
    '# 家校社协同育人现状调查问卷（家长卷）'
    """
    if lang not in _WORDS:
        raise ValueError(f"The 'lang' parameter must be one of {{'zh', 'en'}}; got {lang!r}.")
    w = _WORDS[lang]
    lines = [f"# {instrument.title.get(lang)}", "", f"{w['version']}: {instrument.version}", ""]
    lines += [f"## {w['scales']}", ""]
    for scale in instrument.scales.values():
        lines.append(f"- **{scale.id}**: {_options(scale, lang)}")
    lines += ["", f"## {w['items']}", ""]
    number = 0
    for construct in instrument.constructs:
        heading = w["construct_line"].format(
            label=construct.label.get(lang),
            n=len(construct.items),
            method=w[construct.method],
            k=construct.min_valid_items,
        )
        lines += [f"### {heading}", "", f"| {w['no']} | {w['item']} | {w['options']} |", "|---|---|---|"]
        for item_id in construct.items:
            number += 1
            item = instrument.item(item_id)
            mark = w["reverse"] if item.reverse else ""
            lines.append(f"| {number} ({item.id}) | {_cell(item.text.get(lang))}{mark} | {item.scale} |")
        lines.append("")
    if instrument.checks:
        lines += [f"## {w['check']}", ""]
        lines += [f"- {_cell(c.text.get(lang))} ({c.id}, {c.scale})" for c in instrument.checks]
        lines.append("")
    questions = [*instrument.identifiers, *instrument.background]
    if questions:
        lines += [f"## {w['background']}", ""]
        for q in questions:
            kind = getattr(q, "type", "text")
            suffix = {"number": w["free"], "text": w["text"], "multiple": w["multiple"]}.get(kind, "")
            levels = getattr(q, "levels", {})
            options = _separator(lang).join(f"{c} {t.get(lang)}" for c, t in levels.items())
            lines.append(f"- {_cell(q.text.get(lang))}{suffix}" + (f": {options}" if options else ""))
        lines.append("")
    if instrument.sources:
        lines += [f"## {w['sources']}", ""] + [f"- {s}" for s in instrument.sources] + [""]
    return "\n".join(lines)


def _options(scale: ResponseScale, lang: str) -> str:
    options = [f"{code} {label.get(lang)}" for code, label in scale.codes.items()]
    missing_as = _WORDS[lang]["missing_as"]
    options += [f"{code} {label.get(lang)} ({missing_as})" for code, (label, _) in scale.missing_codes.items()]
    return _separator(lang).join(options)


def _separator(lang: str) -> str:
    return "；" if lang == "zh" else "; "


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
