"""Table builders of the interview section: from a study's :class:`~hsc_analysis.qualitative.plan.InterviewResults`
to :class:`~hsc_analysis.render.table.Table` — codebook, code frequencies by role, coder agreement,
co-occurrence, actors, quotes and the joint display with the survey.

Codes, themes and roles are shown as the project names them. No builder reads segment text: only the quotes
table (and the joint display) show quotes, and only the ones :func:`~hsc_analysis.qualitative.select_quotes`
picked, which a study run makes only when the study allows quotes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from hsc_analysis.qualitative.agreement import OVERALL
from hsc_analysis.qualitative.counts import ALL_ROLES
from hsc_analysis.render.format import EMPTY, bounded, count, degrees_of_freedom, number, p_value, percent
from hsc_analysis.render.language import language
from hsc_analysis.render.table import Spanner, Table

if TYPE_CHECKING:
    from hsc_analysis.qualitative.plan import InterviewResults

__all__ = [
    "actor_table",
    "agreement_table",
    "codebook_table",
    "cooccurrence_table",
    "frequency_table",
    "joint_display_table",
    "quotes_table",
]

LEADING_ROLES = 2
"""Roles named in the joint display: those with the highest share of interviews mentioning the code."""

_MARKS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖ"
"""Superscript letters keying the joint display's quotes (notes below the table) to their theme."""


def _roles(interviews: InterviewResults) -> list[str]:
    table = interviews.frequencies.table
    return [r for r in pd.unique(table["role"]) if r != ALL_ROLES]


def _coded(interviews: InterviewResults) -> list[str]:
    """Codes a segment carries (themes that only group codes are left out), in codebook order."""
    used = set(interviews.project.segments["code"])
    return [c for c in interviews.project.codebook["code"] if c in used]


def _theme_rows(codebook: pd.DataFrame, cells: dict[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Rows under their theme: a theme's own row first (its cells, or blank), then its codes, indented."""
    rows, placed = [], set()
    parent = codebook.set_index("code")["parent"]
    width = len(next(iter(cells.values()))) if cells else 0
    for code in codebook["code"]:
        if isinstance(parent.get(code), str) or code in placed:
            continue
        children = [c for c in codebook["code"] if parent.get(c) == code]
        if code in cells or any(c in cells for c in children):
            rows.append((code, *cells.get(code, ("",) * width)))
        for child in children:
            if child in cells:
                rows.append((f"\u3000{child}", *cells[child]))
        placed.add(code)
    return rows


def codebook_table(interviews: InterviewResults, *, lang: str) -> Table:
    """The codebook: theme, code and definition, in codebook order."""
    t = language(lang)
    codebook = interviews.project.codebook
    parent = codebook.set_index("code")["parent"]
    rows = []
    for code, definition in zip(codebook["code"], codebook["definition"], strict=True):
        text = definition if isinstance(definition, str) else EMPTY
        rows.append((code, "", text) if not isinstance(parent[code], str) else ("", code, text))
    return Table(
        name="codebook",
        title=t.word("title_codebook"),
        columns=(t.word("theme"), t.word("code"), t.word("definition")),
        rows=tuple(rows),
        data=codebook,
        lang=lang,
        notes=(t.text("note_codebook", k=len(codebook), coded=len(_coded(interviews))),),
        stub=3,
    )


def frequency_table(interviews: InterviewResults, *, lang: str) -> Table:
    """Interviews mentioning each code (and the share of the role's interviews), by speaker role and overall."""
    t = language(lang)
    table = interviews.frequencies.table
    roles = _roles(interviews)
    wide = table.set_index(["code", "role"])
    sizes = table.drop_duplicates("role").set_index("role")["interviews_in_role"]
    overall = wide.xs(ALL_ROLES, level="role")
    cells = {
        code: (
            *(percent(wide.loc[(code, r), "share"], 0) for r in roles),
            f"{count(overall.loc[code, 'interviews'], lang=lang)} ({percent(overall.loc[code, 'share'], 0)})",
        )
        for code in interviews.project.codebook["code"]
    }
    sizes_row = (t.word("n_interviews"), *(count(sizes[r], lang=lang) for r in [*roles, ALL_ROLES]))
    columns = (t.word("theme_code"), *roles, t.word("all_roles_percent"))
    return Table(
        name="code_frequencies",
        title=t.word("title_code_frequencies"),
        columns=columns,
        rows=(sizes_row, *_theme_rows(interviews.project.codebook, cells)),
        data=interviews.frequencies.to_frame(),
        lang=lang,
        spanners=(Spanner(""), Spanner(t.word("speaker_role_percent"), len(roles)), Spanner("")),
        notes=(t.text("note_code_frequencies"),),
    )


def agreement_table(interviews: InterviewResults, *, lang: str) -> Table | None:
    """Per code and over all codes: percent agreement, Cohen's κ (two coders) and Krippendorff's α with CIs."""
    if interviews.agreement is None:
        return None
    t = language(lang)
    result = interviews.agreement
    wide = result.table.set_index(["code", "statistic"])
    statistics = [s for s in ("cohen_kappa", "krippendorff_alpha") if s in set(result.table["statistic"])]

    def interval(code: str, statistic: str) -> tuple[str, str]:
        row = wide.loc[(code, statistic)]
        return bounded(row["estimate"]), f"[{bounded(row['ci_low'])}, {bounded(row['ci_high'])}]"

    codes = list(dict.fromkeys(result.table["code"]))
    cells = {
        code: (
            percent(wide.loc[(code, "percent_agreement"), "estimate"]),
            *(cell for s in statistics for cell in interval(code, s)),
        )
        for code in codes
    }
    rows = _theme_rows(interviews.project.codebook, {c: v for c, v in cells.items() if c != OVERALL})
    rows.append((t.word("all_codes"), *cells[OVERALL]))
    names = {"cohen_kappa": "κ", "krippendorff_alpha": "α"}
    return Table(
        name="coder_agreement",
        title=t.word("title_coder_agreement"),
        columns=(
            t.word("theme_code"),
            t.word("percent_agreement"),
            *(w for s in statistics for w in (names[s], t.text("ci95_of", statistic=names[s]))),
        ),
        rows=tuple(rows),
        data=result.to_frame(),
        lang=lang,
        notes=(
            t.text(
                "note_coder_agreement",
                coders=language(lang).word("list_separator").join(result.coders),
                n=count(result.n, lang=lang),
                n_boot=count(result.n_boot, lang=lang),
            ),
        ),
    )


def cooccurrence_table(interviews: InterviewResults, *, lang: str) -> Table:
    """Segments carrying both codes, lower triangle; the diagonal is the number of segments with the code."""
    t = language(lang)
    codes = _coded(interviews)
    matrix = interviews.cooccurrence.matrix.loc[codes, codes]
    rows = []
    for i, code in enumerate(codes):
        cells = [count(matrix.iloc[i, j], lang=lang) for j in range(i + 1)] + [""] * (len(codes) - i - 1)
        rows.append((f"{i + 1}. {code}", *cells))
    return Table(
        name="code_cooccurrence",
        title=t.word("title_code_cooccurrence"),
        columns=(t.word("code"), *(str(i + 1) for i in range(len(codes)))),
        rows=tuple(rows),
        data=interviews.cooccurrence.to_frame(),
        lang=lang,
        notes=(t.text("note_code_cooccurrence", n=count(interviews.cooccurrence.n, lang=lang)),),
    )


def actor_table(interviews: InterviewResults, *, lang: str) -> Table | None:
    """Per pair of actors: segments and interviews of its relation codes, and segments by speaker role."""
    if interviews.actors is None:
        return None
    t = language(lang)
    table = interviews.actors.table
    roles = [r for r in pd.unique(table["role"]) if r != ALL_ROLES]
    wide = table.set_index(["actor_a", "actor_b", "role"])
    overall = table[table["role"] == ALL_ROLES]
    rows = []
    for pair in overall.itertuples():
        by_role = [count(wide.loc[(pair.actor_a, pair.actor_b, r), "segments"], lang=lang) for r in roles]
        rows.append(
            (
                pair.actor_a,
                pair.actor_b,
                count(pair.segments, lang=lang),
                f"{count(pair.interviews, lang=lang)} ({percent(pair.interviews / pair.interviews_in_role, 0)})",
                *by_role,
            )
        )
    return Table(
        name="actors",
        title=t.word("title_actors"),
        columns=(t.word("actor"), t.word("actor"), t.word("segments"), t.word("interviews_percent"), *roles),
        rows=tuple(rows),
        data=interviews.actors.to_frame(),
        lang=lang,
        spanners=(Spanner("", 4), Spanner(t.word("segments_by_role"), len(roles))),
        notes=(t.text("note_actors", n=count(interviews.actors.n, lang=lang)),),
        stub=2,
    )


def _span(ends: list[str], lang: str) -> str:
    """``"15"`` when both ends are equal, else ``"11.3–12.6"`` (zh ``"11.3 至 12.6"``)."""
    low, high = ends
    return low if low == high else (f"{low} 至 {high}" if lang == "zh" else f"{low}–{high}")


def _speaker(interview: str, role, lang: str) -> str:
    return f"{interview}{'，' if lang == 'zh' else ', '}{role if isinstance(role, str) else EMPTY}"


def quotes_table(interviews: InterviewResults, *, lang: str) -> Table | None:
    """Quotes per theme and code with the speaker's pseudonym and role (only when the study allows quotes)."""
    if interviews.quotes is None or interviews.quotes.table.empty:
        return None
    t = language(lang)
    quotes = interviews.quotes
    rows, previous = [], None
    for row in quotes.table.itertuples():
        theme = row.parent if isinstance(row.parent, str) else row.code
        rows.append(
            (
                theme if theme != previous else "",
                row.code if row.code != theme else "",
                f"“{row.quote}”",
                _speaker(row.interview, row.role, lang),
            )
        )
        previous = theme
    return Table(
        name="quotes",
        title=t.word("title_quotes"),
        columns=(t.word("theme"), t.word("code"), t.word("quote"), t.word("speaker")),
        rows=tuple(rows),
        data=quotes.to_frame(),
        lang=lang,
        notes=(t.text("note_quotes", max_chars=quotes.max_chars),),
        stub=3,
    )


def joint_display_table(
    interviews: InterviewResults, *, lang: str, labels: dict[str, str] | None = None
) -> Table | None:
    """Per theme: the interviews (share mentioning it, the roles mentioning it most) beside the matching survey
    construct's contrasts between locales (difference, 95% CI, p); when the study allows quotes, each theme's quote
    is a note below the table, keyed by a letter after the theme (a table cell is too narrow for it).

    ``labels`` maps construct ids to their labels in ``lang`` (ids are shown otherwise).
    """
    joint = interviews.joint
    if joint is None:
        return None
    t = language(lang)
    labels = labels or {}
    separator = t.word("list_separator")
    roles = joint.roles.sort_values(["share", "interviews"], ascending=False, kind="stable")
    rows, quoted, previous = [], [], None
    for row in joint.table.itertuples():
        interview_side: tuple[str, ...] = ("",) * 4
        if row.code != previous:
            leading = roles[(roles["code"] == row.code) & (roles["interviews"] > 0)].head(LEADING_ROLES)
            mark = ""
            if interviews.quotes is not None and isinstance(row.quote, str):
                mark = _MARKS[len(quoted)] if len(quoted) < len(_MARKS) else f"[{len(quoted) + 1}]"
                speaker = _speaker(row.quote_interview, row.quote_role, lang)
                speaker = f"（{speaker}）" if lang == "zh" else f" ({speaker})"
                quoted.append(f"{mark} {row.code}{t.word('colon')}“{row.quote}”{speaker}")
            interview_side = (
                f"{row.code}{mark}",
                labels.get(row.construct, row.construct),
                separator.join(f"{r.role} {percent(r.share, 0)}%" for r in leading.itertuples()) or EMPTY,
                f"{count(row.interviews, lang=lang)} ({percent(row.share, 0)})",
            )
        previous = row.code
        interval = f" [{number(row.ci_low)}, {number(row.ci_high)}]" if pd.notna(row.estimate) else ""
        contrast = row.contrast if isinstance(row.contrast, str) else EMPTY
        rows.append((*interview_side, contrast, number(row.estimate) + interval, p_value(row.p_value)))
    survey = joint.table.dropna(subset=["estimate"])

    def span(column: str, show) -> str:
        return _span([show(survey[column].min()), show(survey[column].max())], lang)

    notes = [
        t.text(
            "note_joint",
            n=count(joint.n_interviews, lang=lang),
            methods="; ".join(pd.unique(survey["method"].astype(str))) or EMPTY,
            df=span("df", degrees_of_freedom),
            respondents=span("n", lambda v: count(v, lang=lang)),
            clusters=span("n_clusters", lambda v: count(v, lang=lang)),
        ),
        *quoted,
    ]
    if joint.unmatched:
        notes.append(
            t.text("note_joint_unmatched", constructs=separator.join(labels.get(c, c) for c in joint.unmatched))
        )
    columns = (t.word("theme_code"), t.word("survey_construct"), t.word("leading_roles"))
    columns += (t.word("interviews_percent"), t.word("contrast"), t.word("difference_ci"), "p")
    return Table(
        name="joint_display",
        title=t.word("title_joint_display"),
        columns=columns,
        rows=tuple(rows),
        data=joint.to_frame().drop(
            columns=[] if interviews.quotes is not None else ["quote", "quote_interview", "quote_role"]
        ),
        lang=lang,
        notes=tuple(notes),
        stub=3,
    )
