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
    cells = {
        code: tuple(
            f"{count(wide.loc[(code, r), 'interviews'], lang=lang)} ({percent(wide.loc[(code, r), 'share'], 0)})"
            for r in [*roles, ALL_ROLES]
        )
        for code in interviews.project.codebook["code"]
    }
    columns = (t.word("theme_code"), *(f"{r} (n = {count(sizes[r], lang=lang)})" for r in roles))
    columns += (f"{t.word('all_roles')} (n = {count(sizes[ALL_ROLES], lang=lang)})",)
    return Table(
        name="code_frequencies",
        title=t.word("title_code_frequencies"),
        columns=columns,
        rows=tuple(_theme_rows(interviews.project.codebook, cells)),
        data=interviews.frequencies.to_frame(),
        lang=lang,
        spanners=(Spanner(""), Spanner(t.word("speaker_role"), len(roles)), Spanner("")),
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
    """Per theme: the interviews (share mentioning it, the roles mentioning it most, a quote when allowed) beside
    the matching survey construct's contrast between locales (difference, 95% CI, p, method).

    ``labels`` maps construct ids to their labels in ``lang`` (ids are shown otherwise).
    """
    joint = interviews.joint
    if joint is None:
        return None
    t = language(lang)
    labels = labels or {}
    quotes = interviews.quotes is not None
    roles = joint.roles.sort_values(["share", "interviews"], ascending=False, kind="stable")
    rows, previous = [], None
    for row in joint.table.itertuples():
        first = row.code != previous
        previous = row.code
        leading = roles[(roles["code"] == row.code) & (roles["interviews"] > 0)].head(LEADING_ROLES)
        quote = (
            f"“{row.quote}”（{_speaker(row.quote_interview, row.quote_role, lang)}）"
            if isinstance(row.quote, str)
            else EMPTY
        )
        separator = t.word("list_separator")
        interview_side = (
            (
                row.code,
                labels.get(row.construct, row.construct),
                f"{count(row.interviews, lang=lang)} ({percent(row.share, 0)})",
                separator.join(f"{r.role} {percent(r.share, 0)}%" for r in leading.itertuples()) or EMPTY,
                *((quote,) if quotes else ()),
            )
            if first
            else ("",) * (5 if quotes else 4)
        )
        survey_side = (
            row.contrast if isinstance(row.contrast, str) else EMPTY,
            number(row.estimate),
            f"[{number(row.ci_low)}, {number(row.ci_high)}]" if pd.notna(row.estimate) else EMPTY,
            p_value(row.p_value),
            degrees_of_freedom(row.df),
            count(row.n_clusters, lang=lang),
        )
        rows.append((*interview_side, *survey_side))
    interview_columns = (t.word("theme_code"), t.word("survey_construct"), t.word("interviews_percent"))
    interview_columns += (t.word("leading_roles"), *((t.word("quote"),) if quotes else ()))
    survey_columns = (t.word("contrast"), t.word("difference"), "95% CI", "p", "df", t.word("n_clusters"))
    methods = [m for m in pd.unique(joint.table["method"]) if isinstance(m, str)]
    notes = [t.text("note_joint", n=count(joint.n_interviews, lang=lang), methods="; ".join(methods) or EMPTY)]
    if joint.unmatched:
        notes.append(
            t.text(
                "note_joint_unmatched",
                constructs=t.word("list_separator").join(labels.get(c, c) for c in joint.unmatched),
            )
        )
    return Table(
        name="joint_display",
        title=t.word("title_joint_display"),
        columns=(*interview_columns, *survey_columns),
        rows=tuple(rows),
        data=joint.to_frame().drop(columns=[] if quotes else ["quote", "quote_interview", "quote_role"]),
        lang=lang,
        spanners=(Spanner(t.word("interviews_side"), len(interview_columns)), Spanner(t.word("survey_side"), 6)),
        notes=tuple(notes),
        stub=2,
    )
