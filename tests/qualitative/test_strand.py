"""The interview strand of a study: actors from relation codes, quotes, the joint display with the survey's
locale contrasts (computed with findings.multilevel on the simulated district), the interviews: section of
study.yaml, and the report's interview section."""

import dataclasses
import re
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from scipy.stats import spearmanr

from hsc_analysis.errors import InputError
from hsc_analysis.findings import multilevel
from hsc_analysis.qualitative import (
    SURVEY_COLUMNS,
    actor_table,
    code_frequencies,
    joint_display,
    read_coding_sheet,
    read_qdpx,
    select_quotes,
)
from hsc_analysis.qualitative.plan import InterviewPlan, analyse_interviews
from hsc_analysis.qualitative.project import CodedInterviews, flag_frame
from hsc_analysis.render import qualitative_tables as qual
from hsc_analysis.render.figures import interview_figures
from hsc_analysis.render.qualitative_text import interviews_overview_text
from hsc_analysis.scoring import score_scales
from hsc_analysis.simulate import simulate_study
from hsc_analysis.simulate.generate import PARENT_CONSTRUCTS
from hsc_analysis.simulate.interviews import simulate_interviews, write_interviews
from hsc_analysis.study import StudyError, StudyResults, load_study

from ..conftest import EXAMPLE

SEED = 20250601


@pytest.fixture(scope="module")
def district():
    """The simulated district in memory, and its interviews written as .qdpx, coding sheet and codebook."""
    return simulate_study("district", seed=SEED)


@pytest.fixture(scope="module")
def written(district, tmp_path_factory):
    sim = simulate_interviews(pd.DataFrame(district.truth["schools"]), seed=SEED)
    return sim, write_interviews(sim, out_dir=tmp_path_factory.mktemp("interviews"))


@pytest.fixture(scope="module")
def survey(district):
    """The survey side as a locale comparison gives it: town − urban and rural − urban of each construct from a
    three-level model (parents in classes in schools) with locale dummies at the school level."""
    parent, module = district.instruments["parent"]
    items = district.parents
    scores = []
    for inst in (parent, module):
        answers = items[[i.id for i in inst.items]]
        scores.append(score_scales(answers.where(answers <= 5), instrument=inst).scores)  # 9 (don't know): missing
    scores = pd.concat(scores, axis=1)
    locale = pd.DataFrame(district.truth["schools"]).set_index("school_id")["locale"]
    data = scores.assign(
        school_code=items["school_code"], class_code=items["class_code"], locale=items["school_code"].map(locale)
    ).assign(town=lambda f: (f["locale"] == "town") * 1.0, rural=lambda f: (f["locale"] == "rural") * 1.0)
    rows = []
    for outcome in ("communication", "service_quality", "satisfaction", "community"):
        model = multilevel(data, outcome=outcome, level2=["town", "rural"], cluster=("school_code", "class_code"))
        fixed = model.fixed_effects.set_index("term")
        for term in ("town", "rural"):
            row = fixed.loc[term]
            rows.append(
                {
                    "outcome": outcome,
                    "contrast": f"{term} − urban",
                    **row[["estimate", "se", "df", "ci_low", "ci_high", "p_value"]].to_dict(),
                    "method": f"three-level model, {model.df_method} df",
                    "n": model.n,
                    "n_clusters": model.n_clusters["school_code"],
                }
            )
    return pd.DataFrame(rows, columns=list(SURVEY_COLUMNS))


def _plan(written, **changes):
    sim, (qdpx, *_) = written
    constructs = {code: PARENT_CONSTRUCTS[tie["construct"]] for code, tie in sim.truth["survey_ties"].items()}
    relations = {code: tuple(pair) for code, pair in sim.truth["relations"].items()}
    return dataclasses.replace(InterviewPlan(file=qdpx, constructs=constructs, relations=relations), **changes)


def test_actor_structure_is_recovered(written):
    sim, (qdpx, *_) = written
    relations = sim.truth["relations"]
    table = actor_table(read_qdpx(qdpx), relations=relations).to_frame()
    by_role = table[table["role"] != "all"].copy()
    code = {tuple(pair): c for c, pair in relations.items()}
    by_role["code"] = [code[(a, b)] for a, b in zip(by_role["actor_a"], by_role["actor_b"], strict=True)]
    by_role["logit"] = [sim.truth["role_logit"][c][r] for c, r in zip(by_role["code"], by_role["role"], strict=True)]
    by_role["share"] = by_role["segments"] / by_role.groupby("role")["segments"].transform("sum")
    assert spearmanr(by_role["logit"], by_role["share"]).statistic > 0.6
    top = by_role.loc[by_role.groupby("code")["segments"].idxmax()]
    planted = {c: sorted(logits, key=logits.get, reverse=True)[:2] for c, logits in sim.truth["role_logit"].items()}
    assert sum(r in planted[c] for c, r in zip(top["code"], top["role"], strict=True)) >= 5


def test_actor_counts_reconcile_with_the_codings(written):
    sim, (qdpx, *_) = written
    project = read_qdpx(qdpx)
    result = actor_table(project, relations=sim.truth["relations"])
    table = result.to_frame()
    overall = table[table["role"] == "all"].set_index(["actor_a", "actor_b"])
    per_role = table[table["role"] != "all"].groupby(["actor_a", "actor_b"])[["segments", "interviews"]].sum()
    pd.testing.assert_frame_equal(overall[["segments", "interviews"]], per_role, check_like=True)
    for code, (a, b) in sim.truth["relations"].items():
        coded = project.segments[project.segments["code"] == code]
        assert overall.loc[(a, b), "segments"] == coded["segment_id"].nunique()
        assert overall.loc[(a, b), "interviews"] == coded["interview"].nunique()
        assert result.matrix.loc[a, b] == result.matrix.loc[b, a] == overall.loc[(a, b), "segments"]
    assert (np.diag(result.matrix) == 0).all()
    merged = actor_table(project, relations={"学校与家长": ["学校", "家长"], "学校与社区": ["家长", "学校"]})
    assert len(merged.to_frame().query("role == 'all'")) == 1  # the same pair in either order is one row
    with pytest.raises(InputError, match="not in the codebook"):
        actor_table(project, relations={"无此编码": ["学校", "家长"]})
    with pytest.raises(InputError, match="two different actors"):
        actor_table(project, relations={"学校与家长": ["学校", "学校"]})


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5), st.integers(0, 3), st.sampled_from(["AB", "AC", "BC", "CA"]), st.sampled_from("xy")
        ),
        min_size=1,
        max_size=40,
    ),
    st.permutations(range(6)),
)
def test_actor_counts_equal_a_direct_count(codings, order):
    """Random codings (interview, segment, relation code, coder): counts by pair equal a count by hand, roles add
    up to the overall row, and the order of the codings does not matter; AC and CA name the same pair."""
    segments = pd.DataFrame(
        [(f"I{i}:{g}", f"I{i}", pd.NA, pd.NA, code, coder, "…") for i, g, code, coder in codings],
        columns=["segment_id", "interview", "start", "end", "code", "coder", "text"],
    )
    project = CodedInterviews(
        pd.DataFrame({"code": ["AB", "AC", "BC", "CA"], "definition": None, "parent": None}),
        pd.DataFrame({"interview": [f"I{i}" for i in order], "role": ["r1", "r2", "r1", "r3", "r2", "r1"]}),
        segments,
        ("x", "y"),
        flag_frame([]),
        "random",
    )
    relations = {code: list(code) for code in ["AB", "AC", "BC", "CA"]}
    table = actor_table(project, relations=relations).to_frame()
    shuffled = dataclasses.replace(project, segments=segments.iloc[::-1].reset_index(drop=True))
    pd.testing.assert_frame_equal(table, actor_table(shuffled, relations=relations).to_frame())
    overall = table[table["role"] == "all"].set_index(["actor_a", "actor_b"])
    assert list(overall.index) == [("A", "B"), ("A", "C"), ("B", "C")]
    for (a, b), row in overall.iterrows():
        mine = segments[segments["code"].isin({a + b, b + a})]
        assert row["segments"] == mine["segment_id"].nunique() and row["interviews"] == mine["interview"].nunique()
    by_role = table[table["role"] != "all"].groupby(["actor_a", "actor_b"])["segments"].sum()
    assert (by_role == overall["segments"]).all()


def test_quotes_come_from_the_code_and_are_short(written):
    _, (qdpx, *_) = written
    project = read_qdpx(qdpx)
    quotes = select_quotes(project, per_code=2, max_chars=20).to_frame()
    assert quotes.groupby("code")["interview"].nunique().eq(quotes.groupby("code").size()).all()
    assert (quotes.groupby("code").size() <= 2).all()
    assert quotes["quote"].str.len().le(20).all()
    text = project.segments.drop_duplicates(["segment_id", "code"]).set_index(["segment_id", "code"])["text"]
    for row in quotes.itertuples():
        full = text.loc[(row.segment_id, row.code)]
        assert full.startswith(row.quote.removesuffix("…")) and row.truncated == (len(full) > 20)
        assert row.interview == row.segment_id.split(":")[0] and re.fullmatch(r"I\d{2}", row.interview)
    pd.testing.assert_frame_equal(quotes, select_quotes(project, per_code=2, max_chars=20).to_frame())
    with pytest.raises(InputError, match="per_code"):
        select_quotes(project, per_code=0)


def test_joint_display_joins_the_survey_contrasts(written, survey, district):
    sim, (qdpx, *_) = written
    plan = _plan(written)
    frequencies = code_frequencies(read_qdpx(qdpx))
    joint = joint_display(frequencies, survey=survey, constructs=plan.constructs)
    table = joint.to_frame()
    assert len(table) == 2 * len(plan.constructs) and joint.unmatched == ()
    expected = survey.set_index(["outcome", "contrast"])
    for row in table.itertuples():
        assert row.estimate == expected.loc[(row.construct, row.contrast), "estimate"]
        share = frequencies.table.query("role == 'all' and code == @row.code")["share"].item()
        assert row.share == share
    assert table["quote"].isna().all()  # no quotes given, none shown
    # the interview themes are tied to the survey's planted rural effects, which the survey side recovers
    planted = district.truth["config"]["parent_latent"]["rural"]
    rural = table[table["contrast"] == "rural − urban"].set_index("code")
    for code, tie in sim.truth["survey_ties"].items():
        if planted[tie["construct"]] != 0:
            assert np.sign(rural.loc[code, "estimate"]) == np.sign(planted[tie["construct"]]), code
    partial = joint_display(frequencies, survey=survey[survey["outcome"] != "community"], constructs=plan.constructs)
    assert partial.unmatched == ("community",)
    assert partial.to_frame().query("construct == 'community'")["estimate"].isna().all()
    with pytest.raises(InputError, match="missing column"):
        joint_display(frequencies, survey=survey.drop(columns="n_clusters"), constructs=plan.constructs)
    with pytest.raises(InputError, match="not in the codebook"):
        joint_display(frequencies, survey=survey, constructs={"无此编码": "community"})


def test_quotes_only_when_the_study_allows(written, survey):
    sim, _ = written
    closed = analyse_interviews(_plan(written), seed=1, survey=survey)
    assert closed.quotes is None and qual.quotes_table(closed, lang="zh") is None
    said = {line for text in sim.interviews["text"] for line in text.split("\n")} | set(
        s for text in sim.interviews["text"] for s in re.split("(?<=。)", text) if s
    )
    speakers = {name.split("_")[1] for name in sim.interviews["name"]}
    for lang in ("zh", "en"):
        tables = [
            build(closed, lang=lang)
            for build in (
                qual.codebook_table, qual.frequency_table, qual.agreement_table, qual.cooccurrence_table,
                qual.actor_table, qual.joint_display_table,
            )
        ]  # fmt: skip
        shown = "\n".join(
            "|".join(cells) for table in tables for cells in (table.columns, *table.rows, table.notes)
        ) + "\n".join(t.data.to_csv() for t in tables)
        assert not [s for s in said if len(s) > 6 and s.strip("\n") in shown]
        assert not [s for s in speakers if s in shown]
    opened = analyse_interviews(_plan(written, quotes=True), seed=1, survey=survey)
    assert "no transcript text beyond the short quotes" in interviews_overview_text(opened, lang="en", table="1")
    assert "no transcript text. Table 1" in interviews_overview_text(closed, lang="en", table="1")
    table = qual.quotes_table(opened, lang="zh")
    assert len(table.rows) == opened.quotes.table["code"].nunique()
    joint = qual.joint_display_table(opened, lang="en", labels={"community": "Community collaboration"})
    assert "Community collaboration" in {row[1] for row in joint.rows}
    themes = [row[0] for row in joint.rows if row[0]]
    quoted = [note for note in joint.notes if "“" in note]  # one quote per theme, keyed by a letter
    assert len(quoted) == len(themes)
    assert all(theme.endswith(note[0]) for theme, note in zip(themes, quoted, strict=True))


def test_tables_and_figure(written, survey):
    results = analyse_interviews(_plan(written), seed=1, survey=survey)
    frequencies = qual.frequency_table(results, lang="zh")
    assert frequencies.columns[-1] == "全部：访谈数（%）" and frequencies.rows[0] == ("访谈数", *["5"] * 6, "30")
    counts = results.frequencies.table.set_index(["role", "code"])
    for code in ("课程丰富", "社区参与"):
        row = dict(zip(frequencies.columns, next(r for r in frequencies.rows if r[0].strip() == code), strict=True))
        assert row["教师"] == f"{100 * counts.loc[('教师', code), 'share']:.0f}"
        assert row["全部：访谈数（%）"].startswith(f"{counts.loc[('all', code), 'interviews']} (")
    agreement = qual.agreement_table(results, lang="en")
    assert agreement.columns == ("Theme / code", "Agreement (%)", "κ", "95% CI of κ", "α", "95% CI of α")
    assert agreement.rows[-1][0] == "All codes"
    cooccurrence = qual.cooccurrence_table(results, lang="zh")
    assert len(cooccurrence.rows) == len(cooccurrence.columns) - 1 == 13
    actors = qual.actor_table(results, lang="zh")
    assert len(actors.rows) == 6 and actors.columns[4:] == tuple(results.frequencies.table["role"].unique()[1:])
    joint = qual.joint_display_table(results, lang="zh")
    assert len(joint.rows) == 10 and sum(1 for r in joint.rows if r[0]) == 5
    (spec,) = interview_figures(results, lang="zh")
    assert isinstance(spec.figure, Figure) and "30 篇访谈" in spec.caption
    without = dataclasses.replace(results, actors=None)
    assert interview_figures(without, lang="en") == [] and qual.actor_table(without, lang="en") is None


def test_coding_sheet_plan_gives_the_same_results(written):
    _, (qdpx, sheet, codebook) = written
    a = analyse_interviews(_plan(written), seed=2)
    b = analyse_interviews(_plan(written, file=sheet, codebook=codebook), seed=2)
    pd.testing.assert_frame_equal(a.frequencies.to_frame(), b.frequencies.to_frame())
    pd.testing.assert_frame_equal(a.actors.to_frame(), b.actors.to_frame())
    assert a.joint is None  # no survey side given
    pd.testing.assert_frame_equal(
        read_coding_sheet(sheet, codebook=pd.read_csv(codebook)).codebook, read_qdpx(qdpx).codebook
    )


def _study_yaml(tmp_path, interviews: str) -> object:
    text = (EXAMPLE / "study.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(instrument|file): (\S+)", lambda m: f"{m[1]}: {(EXAMPLE / m[2]).resolve()}", text)
    path = tmp_path / "study.yaml"
    path.write_text(text + interviews, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("interviews: [a]", "interviews: expected a mapping"),
        ("interviews: {quotes: true}", "interviews: missing required key 'file'"),
        ("interviews: {file: QDPX, quote: true}", "interviews: unknown key.*quote; allowed"),
        ("interviews: {file: nowhere.qdpx}", "interviews.file: no such file"),
        ("interviews: {file: QDPX, quotes: yes please}", "interviews.quotes: .*allowed: true or false"),
        ("interviews: {file: QDPX, codebook: CODEBOOK}", "interviews.codebook: a .qdpx carries its own"),
        ("interviews: {file: QDPX, relations: {学校与家长: [学校]}}", r"interviews.relations.学校与家长: .*two"),
        ("interviews: {file: QDPX, constructs: [community]}", "interviews.constructs: expected a mapping"),
    ],
)
def test_bad_interviews_sections_name_the_key(written, tmp_path, section, message):
    _, (qdpx, _, codebook) = written
    path = _study_yaml(tmp_path, "\n" + section.replace("QDPX", str(qdpx)).replace("CODEBOOK", str(codebook)) + "\n")
    with pytest.raises(StudyError, match=f"{re.escape(str(path))}: {message}"):
        load_study(path)


def test_report_has_the_interview_section_and_no_personal_data(
    written, survey, tmp_path, example_study, example_results
):
    from hsc_analysis.report import write_report

    from ..test_report import flow_figures

    sim, (qdpx, *_) = written
    relations = "\n".join(f"    {c}: [{a}, {b}]" for c, (a, b) in sim.truth["relations"].items())
    path = _study_yaml(tmp_path, f"\ninterviews:\n  file: {qdpx}\n  relations:\n{relations}\n")
    study = load_study(path)
    assert study.interviews.quotes is False and study.interviews.relations["学校与家长"] == ("学校", "家长")
    study = dataclasses.replace(example_study, interviews=_plan(written))
    speakers = {name.split("_")[1] for name in sim.interviews["name"]}
    said = {s for text in sim.interviews["text"] for s in re.split("(?<=。)|\n", text) if len(s) > 6}
    for quotes, out in ((False, tmp_path / "closed"), (True, tmp_path / "open")):
        plan = dataclasses.replace(study.interviews, quotes=quotes)
        results = StudyResults(example_results, interviews=analyse_interviews(plan, seed=3, survey=survey))
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("hsc_analysis.report.run_study", lambda study, results=results: results)
            mp.setattr("hsc_analysis.render.figures.dataset_figures", flow_figures)
            manifest = write_report(dataclasses.replace(study, interviews=plan), out_dir=out, formats=("docx", "md"))
        outputs = {o["path"] for o in manifest["outputs"]}
        assert "figures/interviews/interviews_actors.png" in outputs
        assert {"data/interviews/agreement.csv", "data/interviews/actors.csv"} <= outputs
        assert ("data/interviews/quotes.csv" in outputs) is quotes
        names = {p.split("_", 1)[1] for p in outputs if p.startswith("tables/interviews/") and p.endswith(".md")}
        expected = {"codebook.md", "code_frequencies.md", "code_cooccurrence.md", "coder_agreement.md", "actors.md"}
        assert names == expected | ({"quotes.md"} if quotes else set()) | {"joint_display.md"}
        with zipfile.ZipFile(out / "report.docx") as archive:
            document = archive.read("word/document.xml").decode()
        assert "访谈资料分析" in document and "主体间协作" in document
        everything = document + "".join(
            p.read_text(encoding="utf-8-sig") for p in out.rglob("*") if p.suffix in (".md", ".csv", ".json")
        )
        assert not [s for s in speakers if s in everything]
        leaked = [s for s in said if s in everything]
        assert bool(leaked) is quotes  # what was said reaches the report only when the study allows quotes


def test_agreement_of_every_code_and_pooled_equals_the_references(written):
    """With the relation codes added: κ of each code and of all codes pooled equals statsmodels' ``cohens_kappa``
    (estimate and SE) and scikit-learn's ``cohen_kappa_score``; α equals the ``krippendorff`` package."""
    import krippendorff
    from sklearn.metrics import cohen_kappa_score
    from statsmodels.stats.inter_rater import cohens_kappa

    from hsc_analysis.qualitative import coder_agreement

    _, (qdpx, *_) = written
    project = read_qdpx(qdpx)
    table = coder_agreement(project, seed=1, n_boot=50).to_frame().set_index(["code", "statistic"])
    units = pd.Index(pd.unique(project.segments["segment_id"]))
    codes = pd.Index([c for c in project.codebook["code"] if c in set(project.segments["code"])])
    coders = list(pd.unique(project.segments["coder"]))
    x = np.zeros((len(units), len(codes), 2))
    x[
        units.get_indexer(project.segments["segment_id"]),
        codes.get_indexer(project.segments["code"]),
        pd.Index(coders).get_indexer(project.segments["coder"]),
    ] = 1
    assert len(codes) == 13
    for code, ratings in [*((c, x[:, j, :]) for j, c in enumerate(codes)), ("(all codes)", x.reshape(-1, 2))]:
        reference = cohens_kappa(pd.crosstab(ratings[:, 0], ratings[:, 1]).to_numpy())
        kappa = table.loc[(code, "cohen_kappa")]
        assert kappa["estimate"] == pytest.approx(reference.kappa, abs=1e-12), code
        assert kappa["se"] == pytest.approx(reference.std_kappa, abs=1e-12), code
        assert kappa["estimate"] == pytest.approx(cohen_kappa_score(ratings[:, 0], ratings[:, 1]), abs=1e-12), code
        alpha = krippendorff.alpha(reliability_data=ratings.T, level_of_measurement="nominal")
        assert table.loc[(code, "krippendorff_alpha"), "estimate"] == pytest.approx(alpha, abs=1e-12), code
