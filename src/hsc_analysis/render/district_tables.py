"""The district section of the report: the school-locale comparison (urban, town, rural schools) as two tables —
the level means and the contrasts by the three few-cluster methods — and its results paragraph, in zh or en.

Builders only format what :func:`hsc_analysis.findings.few_cluster_comparison` computed; the paragraph says that
school-level effects rest on the number of schools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hsc_analysis.render.format import EMPTY, count, degrees_of_freedom, number, p_value
from hsc_analysis.render.language import language
from hsc_analysis.render.table import Spanner, Table

if TYPE_CHECKING:
    from hsc_analysis.findings import FewClusterComparison
    from hsc_analysis.study import DatasetResult

__all__ = ["locale_contrast_table", "locale_means_table", "locale_text"]

_METHODS = ("mixed_model", "cr2_satterthwaite", "wild_cluster_bootstrap")


def _labels(result: DatasetResult, lang: str) -> dict[str, str]:
    return {c.id: c.label.get(lang) for c in result.dataset.instrument.constructs}


def _pairs(comparison: FewClusterComparison) -> list[tuple[str, str]]:
    """(outcome, contrast) in result order."""
    pairs = comparison.contrasts[["outcome", "contrast"]].drop_duplicates()
    return list(pairs.itertuples(index=False, name=None))


def _interval(low: float, high: float) -> str:
    return f"[{number(low)}, {number(high)}]"


def _p(value: float) -> str:
    """``= .023`` or ``< .001`` for running text."""
    text = p_value(value)
    return text if text.startswith("<") or text == EMPTY else f"= {text}"


def locale_means_table(comparison: FewClusterComparison, result: DatasetResult, *, lang: str, min_cell: int) -> Table:
    """Mean (SD) of each outcome by locale, with the respondents and schools behind it; a level with fewer than
    ``min_cell`` respondents has its mean and SD suppressed."""
    t = language(lang)
    labels = _labels(result, lang)
    means = comparison.means
    rows = []
    for row in means.itertuples(index=False):
        shown = row.n >= min_cell
        rows.append(
            (
                labels.get(row.outcome, row.outcome),
                str(row.level),
                count(row.n_clusters, lang=lang),
                count(row.n, lang=lang) if shown else f"< {min_cell}",
                number(row.mean) if shown else EMPTY,
                number(row.sd) if shown else EMPTY,
            )
        )
    return Table(
        name="locale_means",
        title=t.word("title_locale_means"),
        columns=(t.word("variable"), t.word("locale_level"), t.word("locale_schools"), t.word("n"), "M", "SD"),
        rows=tuple(rows),
        data=means,
        lang=lang,
        notes=(t.text("note_locale_means", policy=t.word(f"policy_{comparison.nan_policy}")),),
        stub=2,
    )


def locale_contrast_table(comparison: FewClusterComparison, result: DatasetResult, *, lang: str) -> Table:
    """Each level against the reference: the multilevel model (b, 95% CI, p), OLS with CR2 (b, SE, df, 95% CI,
    p) and the wild cluster bootstrap (95% CI, p); the joint tests and the basis of the estimates in the notes."""
    t = language(lang)
    labels = _labels(result, lang)
    frame = comparison.contrasts.set_index(["outcome", "contrast", "method"])
    rows = []
    for outcome, contrast in _pairs(comparison):
        mixed, cr2, wild = (frame.loc[(outcome, contrast, method)] for method in _METHODS)
        rows.append(
            (
                labels.get(outcome, outcome),
                contrast,
                number(mixed["estimate"]),
                _interval(mixed["ci_low"], mixed["ci_high"]),
                p_value(mixed["p_value"]),
                number(cr2["estimate"]),
                number(cr2["se"]),
                degrees_of_freedom(round(cr2["df"], 2)),
                _interval(cr2["ci_low"], cr2["ci_high"]),
                p_value(cr2["p_value"]),
                _interval(wild["ci_low"], wild["ci_high"]),
                p_value(wild["p_value"]),
            )
        )
    ci = t.word("locale_ci")
    joint = []
    tests = comparison.joint_tests.set_index(["outcome", "method"])
    for outcome in comparison.outcomes:
        if (outcome, "cr2_htz") not in tests.index:
            continue
        htz, wild = tests.loc[(outcome, "cr2_htz")], tests.loc[(outcome, "wild_cluster_bootstrap")]
        joint.append(
            t.text(
                "locale_joint",
                outcome=labels.get(outcome, outcome),
                df_num=degrees_of_freedom(htz["df_num"]),
                df_den=number(htz["df_den"]),
                f=number(htz["statistic"]),
                p=_p(htz["p_value"]),
                p_wild=_p(wild["p_value"]),
            )
        )
    n_clusters = int(comparison.contrasts["n_clusters"].max())
    notes = (
        t.text(
            "note_locale_contrasts",
            reference=comparison.reference,
            n_clusters=n_clusters,
            weights=t.word(f"locale_weights_{comparison.weights}"),
            n_boot=count(comparison.n_boot, lang=lang),
            joint=t.word("sentence_separator").join(joint),
        ),
    )
    return Table(
        name="locale_contrasts",
        title=t.word("title_locale_contrasts"),
        columns=(
            t.word("variable"),
            t.word("locale_contrast"),
            "b",
            ci,
            "p",
            "b",
            "SE",
            "df",
            ci,
            "p",
            ci,
            "p",
        ),
        rows=tuple(rows),
        data=comparison.to_frame(),
        lang=lang,
        spanners=(
            Spanner("", 2),
            Spanner(t.word("locale_method_mixed"), 3),
            Spanner(t.word("locale_method_cr2"), 5),
            Spanner(t.word("locale_method_wild"), 2),
        ),
        notes=notes,
        stub=2,
    )


def locale_text(
    comparison: FewClusterComparison,
    result: DatasetResult,
    *,
    lang: str,
    table_means: str | None,
    table_contrasts: str | None,
) -> str:
    """The results paragraph: what was compared, on how many schools per locale (and that school-level effects
    rest on them), and per outcome each contrast by CR2 with the bootstrap and multilevel p-values beside it."""
    t = language(lang)
    labels = _labels(result, lang)
    frame = comparison.contrasts.set_index(["outcome", "contrast", "method"])
    schools = comparison.means.drop_duplicates("level").set_index("level")["n_clusters"]
    parts = []
    for outcome in comparison.outcomes:
        contrasts = [c for o, c in _pairs(comparison) if o == outcome]
        sentences = []
        for contrast in contrasts:
            cr2 = frame.loc[(outcome, contrast, "cr2_satterthwaite")]
            sentences.append(
                t.text(
                    "locale_contrast",
                    contrast=contrast,
                    b=number(cr2["estimate"]),
                    low=number(cr2["ci_low"]),
                    high=number(cr2["ci_high"]),
                    df=number(cr2["df"], 1),
                    p=_p(cr2["p_value"]),
                    p_wild=_p(frame.loc[(outcome, contrast, "wild_cluster_bootstrap"), "p_value"]),
                    p_mixed=_p(frame.loc[(outcome, contrast, "mixed_model"), "p_value"]),
                )
            )
        parts.append(
            t.text(
                "locale_outcome",
                outcome=labels.get(outcome, outcome),
                contrasts=t.word("list_separator").join(sentences),
            )
        )
    return t.text(
        "locale_comparison",
        outcomes=t.word("list_separator").join(labels.get(o, o) for o in comparison.outcomes),
        table_means=table_means or EMPTY,
        table_contrasts=table_contrasts or EMPTY,
        n_clusters=int(schools.sum()),
        schools=t.word("list_separator").join(
            t.text("locale_schools", level=level, k=int(k)) for level, k in schools.items()
        ),
        reference=comparison.reference,
        model=t.word(f"locale_model_{len(comparison.cluster) + 1}"),
        results=t.word("sentence_separator").join(parts),
    )
