"""Plain-text outputs of a table: Markdown (pipe table), LaTeX (booktabs) and CSV (the full-precision data)."""

from __future__ import annotations

import re
from pathlib import Path

from hsc_analysis.render.language import language
from hsc_analysis.render.table import Table

__all__ = ["table_csv", "table_latex", "table_markdown"]


def _notes(table: Table) -> list[str]:
    return list(table.notes) + ([language(table.lang).word("star_legend")] if table.stars else [])


def _flat_columns(table: Table) -> list[str]:
    """The header as one row: a spanner's text goes before each column it spans."""
    if not table.spanners:
        return list(table.columns)
    above = [s.text for s in table.spanners for _ in range(s.span)]
    return [f"{a}: {c}" if a else c for a, c in zip(above, table.columns, strict=True)]


def table_markdown(table: Table, *, label: str = "") -> str:
    """A pipe table with the caption above and the notes below (GitHub / pandoc Markdown)."""
    t = language(table.lang)

    def row(cells) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    align = [":---" if i < table.stub else ":---:" for i in range(len(table.columns))]
    lines = [
        f"**{label}** {table.title}".strip() if label else f"**{table.title}**",
        "",
        row(_flat_columns(table)),
        "| " + " | ".join(align) + " |",
        *(row(r) for r in table.rows),
    ]
    notes = _notes(table)
    if notes:
        prefix = "*Note.* " if table.lang == "en" else t.word("note_prefix")
        lines += ["", prefix + " ".join(notes)]
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_PATTERN = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIAL))


def _tex(text: str) -> str:
    return _LATEX_PATTERN.sub(lambda m: _LATEX_SPECIAL[m.group()], text)


def table_latex(table: Table, *, label: str = "") -> str:
    """A booktabs table (``\\toprule``, ``\\midrule``, ``\\cmidrule`` under spanners, ``\\bottomrule``).

    Needs ``\\usepackage{booktabs}``; Chinese text compiles with XeLaTeX and ``ctex``, and the Unicode symbols
    (χ², α, ω, −) with a Unicode font (``fontspec``).
    """
    t = language(table.lang)
    spec = "l" * table.stub + "c" * (len(table.columns) - table.stub)
    caption = _tex(f"{label}  {table.title}".strip() if table.lang == "zh" else table.title)
    lines = [
        "% requires \\usepackage{booktabs}; compile with XeLaTeX (ctex for Chinese)",
        "\\begin{table}[htbp]",
        "\\centering",
        f"\\caption*{{{caption}}}" if table.lang == "zh" else f"\\caption{{{caption}}}",
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
    ]
    if table.spanners:
        cells, rules, start = [], [], 1
        for spanner in table.spanners:
            cells.append(
                f"\\multicolumn{{{spanner.span}}}{{c}}{{{_tex(spanner.text)}}}"
                if spanner.text
                else " & ".join([""] * spanner.span)
                if spanner.span > 1
                else ""
            )
            if spanner.text:
                rules.append(f"\\cmidrule(lr){{{start}-{start + spanner.span - 1}}}")
            start += spanner.span
        lines += [" & ".join(cells) + " \\\\", " ".join(rules)]
    lines += [" & ".join(_tex(c) for c in table.columns) + " \\\\", "\\midrule"]
    lines += [" & ".join(_tex(v) for v in row) + " \\\\" for row in table.rows]
    lines += ["\\bottomrule", "\\end{tabular}"]
    notes = _notes(table)
    if notes:
        prefix = "\\textit{Note.} " if table.lang == "en" else _tex(t.word("note_prefix"))
        lines += ["\\par\\smallskip", "{\\footnotesize " + prefix + " ".join(_tex(n) for n in notes) + "}"]
    lines.append("\\end{table}")
    return "\n".join(lines) + "\n"


def table_csv(table: Table, path: str | Path) -> Path:
    """The numbers behind the table, at full precision (UTF-8 with BOM, so that Excel shows Chinese; text that a
    spreadsheet would run as a formula is defused as :func:`hsc_analysis.io.write_table` does)."""
    from hsc_analysis.io.tables import csv_safe

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    csv_safe(table.data).to_csv(path, index=False, encoding="utf-8-sig")
    return path
