"""Results text of the interview section, in Chinese or English, from
:class:`~hsc_analysis.qualitative.plan.InterviewResults` (wording in ``templates/<lang>.yaml``, block
``# interviews``). Table numbers are passed in by the chapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hsc_analysis.qualitative.agreement import OVERALL
from hsc_analysis.qualitative.counts import ALL_ROLES
from hsc_analysis.render.format import bounded, count, percent
from hsc_analysis.render.language import language

if TYPE_CHECKING:
    from hsc_analysis.qualitative.plan import InterviewResults

__all__ = ["actors_text", "agreement_text", "frequencies_text", "interviews_overview_text"]

ACCEPTABLE_ALPHA = 0.667
"""Krippendorff (2004): α ≥ .667 is the lowest agreement that allows tentative conclusions."""

TOP_CODES = 3
"""Codes named in the frequency paragraph (those mentioned in the most interviews)."""


def interviews_overview_text(interviews: InterviewResults, *, lang: str, table: str) -> str:
    """Who was interviewed, how much was coded and by how many coders, and what was left out and why."""
    t = language(lang)
    project = interviews.project
    roles = project.interviews["role"].fillna("NA").value_counts(sort=False)
    separator = t.word("list_separator")
    text = t.text(
        "interviews_overview",
        n=count(project.n, lang=lang),
        roles=separator.join(f"{role} {count(k, lang=lang)}" for role, k in roles.items()),
        segments=count(project.segments["segment_id"].nunique(), lang=lang),
        codings=count(len(project.segments), lang=lang),
        n_coders=count(project.segments["coder"].nunique(), lang=lang),
        first=project.interviews["interview"].iloc[0] if project.n else "",
        quotes=t.word("interviews_quotes_allowed") if interviews.quotes is not None else "",
        table=table,
    )
    if len(project.flagged):
        text += t.word("interviews_flagged").format(k=count(len(project.flagged), lang=lang))
    return text


def frequencies_text(interviews: InterviewResults, *, lang: str, table: str, table_cooccurrence: str) -> str:
    t = language(lang)
    counts = interviews.frequencies.table
    used = set(interviews.project.segments["code"])
    overall = counts[(counts["role"] == ALL_ROLES) & counts["code"].isin(used)]
    top = overall.sort_values("interviews", ascending=False, kind="stable").head(TOP_CODES)
    items = [
        t.text("interviews_frequency_item", code=r.code, k=count(r.interviews, lang=lang), pct=percent(r.share, 0))
        for r in top.itertuples()
    ]
    return t.text(
        "interviews_frequencies",
        table=table,
        table_cooccurrence=table_cooccurrence,
        top=t.word("list_separator").join(items),
    )


def agreement_text(interviews: InterviewResults, *, lang: str, table: str | None) -> str:
    t = language(lang)
    if interviews.agreement is None:
        return t.text("interviews_agreement_none")
    wide = interviews.agreement.table.set_index(["code", "statistic"])
    alpha = interviews.agreement.table.query("statistic == 'krippendorff_alpha' and code != @OVERALL")
    low = alpha[alpha["estimate"] < ACCEPTABLE_ALPHA]["code"].tolist()
    values = {
        "table": table,
        "alpha_min": bounded(alpha["estimate"].min()),
        "alpha_max": bounded(alpha["estimate"].max()),
        "low": t.text("interviews_agreement_low", codes=t.word("list_separator").join(low))
        if low
        else t.text("interviews_agreement_fine"),
    }
    for key, statistic in (("alpha", "krippendorff_alpha"), ("kappa", "cohen_kappa")):
        if (OVERALL, statistic) in wide.index:
            row = wide.loc[(OVERALL, statistic)]
            values |= {key: bounded(row["estimate"]), f"{key}_low": bounded(row["ci_low"])}
            values[f"{key}_high"] = bounded(row["ci_high"])
    return t.text("interviews_agreement" if "kappa" in values else "interviews_agreement_alpha", **values)


def actors_text(interviews: InterviewResults, *, lang: str, table: str) -> str:
    t = language(lang)
    overall = interviews.actors.table.query("role == @ALL_ROLES")
    top = overall.sort_values("segments", ascending=False, kind="stable").iloc[0]
    pair = f"{top['actor_a']}—{top['actor_b']}" if lang == "zh" else f"{top['actor_a']}–{top['actor_b']}"
    return t.text(
        "interviews_actors",
        table=table,
        top=pair,
        k=count(top["segments"], lang=lang),
        interviews=count(top["interviews"], lang=lang),
    )
