"""Coded interviews: reading (.qdpx, coding sheet), validation, counts and coder agreement against references."""

import zipfile

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.qualitative import (
    code_cooccurrence,
    code_frequencies,
    coder_agreement,
    krippendorff_alpha,
    read_coding_sheet,
    read_qdpx,
    write_qdpx,
)
from hsc_analysis.qualitative.qdpx import MAX_MEMBER_BYTES
from hsc_analysis.simulate.interviews import simulate_interviews, write_interviews

SCHOOLS = pd.DataFrame(
    {"school_id": [f"S{i:02d}" for i in range(1, 16)], "locale": ["urban"] * 6 + ["town"] * 4 + ["rural"] * 5}
)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    sim = simulate_interviews(SCHOOLS, seed=5)
    paths = write_interviews(sim, out_dir=tmp_path_factory.mktemp("interviews"))
    return sim, paths


def _small(tmp_path, segments=None):
    codebook = pd.DataFrame({"code": ["治理", "资源"], "definition": ["主题", "资源不足"], "parent": [None, "治理"]})
    interviews = pd.DataFrame({"name": ["访谈_张三.docx"], "role": ["教师"], "text": ["我们学校资源不够。"]})
    if segments is None:
        segments = pd.DataFrame({"source": [0, 0], "start": [0, 0], "end": [8, 8], "code": "资源", "coder": ["A", "B"]})
    return write_qdpx(codebook, interviews, segments, tmp_path / "p.qdpx")


def _rewrite(path, edit):
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("project.qde").decode()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", edit(xml))
    return path


def test_qdpx_round_trip_pseudonymises(simulated):
    sim, (qdpx, *_) = simulated
    project = read_qdpx(qdpx)
    assert project.flagged.empty
    assert project.n == len(sim.interviews) == 30
    assert list(project.interviews["interview"][:3]) == ["I01", "I02", "I03"]
    assert list(project.interviews["role"]) == list(sim.interviews["role"])
    located = read_qdpx(qdpx, variables=("locale", "school_id")).interviews
    assert located["locale"].tolist() == sim.interviews["locale"].tolist()
    assert located["school_id"].tolist() == sim.interviews["school_id"].tolist()
    assert len(project.segments) == len(sim.segments)
    assert set(project.coders) == {"编码员甲", "编码员乙"}
    text = sim.interviews["text"].to_numpy()[sim.segments["source"]]
    expected = [t[a:b] for t, a, b in zip(text, sim.segments["start"], sim.segments["end"], strict=True)]
    assert sorted(project.segments["text"]) == sorted(expected)
    frame = project.to_frame()
    assert "text" not in frame.columns
    names = "|".join(sim.interviews["name"])
    assert not frame.astype(str).apply(lambda col: col.str.contains(names.split("_")[1])).any().any()
    assert project.codebook.set_index("code").loc["资源不足", "parent"] == "服务质量"


def test_sheet_and_qdpx_give_the_same_counts_and_agreement(simulated):
    _, (qdpx, sheet, codebook) = simulated
    a, b = read_qdpx(qdpx), read_coding_sheet(sheet, codebook=pd.read_csv(codebook))
    assert b.flagged.empty
    pd.testing.assert_frame_equal(code_frequencies(a).to_frame(), code_frequencies(b).to_frame())
    pd.testing.assert_frame_equal(
        coder_agreement(a, seed=3, n_boot=300).to_frame(), coder_agreement(b, seed=3, n_boot=300).to_frame()
    )


def test_planted_agreement_is_recovered(simulated):
    sim, (qdpx, *_) = simulated
    table = coder_agreement(read_qdpx(qdpx), seed=1).to_frame().set_index(["code", "statistic"])
    for code, planted in sim.truth["planted_kappa"].items():
        kappa = table.loc[(code, "cohen_kappa")]
        assert abs(kappa["estimate"] - planted) < 3 * kappa["se"] + 0.02, code
    pooled = table.loc[("(all codes)", "cohen_kappa")]
    assert abs(pooled["estimate"] - sim.truth["planted_kappa_pooled"]) < 0.06
    alpha = table.loc[("(all codes)", "krippendorff_alpha")]
    assert abs(alpha["estimate"] - sim.truth["planted_kappa_pooled"]) < 0.06
    assert alpha["ci_low"] < alpha["estimate"] < alpha["ci_high"]


def test_agreement_matches_statsmodels_and_krippendorff(simulated):
    _, (qdpx, *_) = simulated
    project = read_qdpx(qdpx)
    table = coder_agreement(project, seed=1, n_boot=200).to_frame().set_index(["code", "statistic"])
    units = pd.Index(pd.unique(project.segments["segment_id"]))
    for code in ["资源不足", "家长满意"]:
        part = project.segments[project.segments["code"] == code]
        ratings = np.zeros((len(units), 2))
        ratings[units.get_indexer(part["segment_id"]), part["coder"].map({"编码员甲": 0, "编码员乙": 1})] = 1
        cross = pd.crosstab(ratings[:, 0], ratings[:, 1]).to_numpy()
        reference = cohens_kappa(cross)
        assert table.loc[(code, "cohen_kappa"), "estimate"] == pytest.approx(reference.kappa, abs=1e-12)
        assert table.loc[(code, "cohen_kappa"), "se"] == pytest.approx(reference.std_kappa, abs=1e-12)
        alpha = krippendorff.alpha(reliability_data=ratings.T, level_of_measurement="nominal")
        assert table.loc[(code, "krippendorff_alpha"), "estimate"] == pytest.approx(alpha, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda m: st.lists(
            st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=m, max_size=m), min_size=3, max_size=30
        )
    )
)
def test_alpha_matches_krippendorff_package(rows):
    ratings = np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)
    pairable = (~np.isnan(ratings)).sum(axis=1) >= 2
    values = ratings[pairable][~np.isnan(ratings[pairable])]
    if len(np.unique(values)) < 2:
        return  # α undefined (no variation): the package raises, ours returns NaN
    expected = krippendorff.alpha(reliability_data=ratings.T, level_of_measurement="nominal")
    assert krippendorff_alpha(ratings) == pytest.approx(expected, abs=1e-12)


def test_bootstrap_is_seeded(simulated):
    _, (qdpx, *_) = simulated
    project = read_qdpx(qdpx)
    first = coder_agreement(project, seed=9, n_boot=200).to_frame()
    pd.testing.assert_frame_equal(first, coder_agreement(project, seed=9, n_boot=200).to_frame())


def test_rural_interviews_mention_resource_shortage_more(simulated):
    sim, (qdpx, *_) = simulated
    assert sim.truth["rural_logit"]["资源不足"] > 0 > sim.truth["rural_logit"]["社区参与"]
    project = read_qdpx(qdpx, variables=("locale",))
    locale = project.interviews.set_index("interview")["locale"]
    coded = project.segments.drop_duplicates(["segment_id", "code"]).assign(locale=lambda f: f["interview"].map(locale))
    per_locale = coded.groupby("locale")["segment_id"].nunique()
    share = coded[coded["code"] == "资源不足"].groupby("locale")["segment_id"].nunique() / per_locale
    assert share["rural"] > share["urban"]


def test_frequencies_and_cooccurrence(tmp_path):
    segments = pd.DataFrame(
        {
            "source": [0, 0, 0],
            "start": [0, 0, 0],
            "end": [8, 8, 8],
            "code": ["资源", "治理", "资源"],
            "coder": ["A", "A", "B"],
        }
    )
    project = read_qdpx(_small(tmp_path, segments))
    freq = code_frequencies(project).to_frame().set_index(["role", "code"])
    assert freq.loc[("教师", "资源"), "segments"] == 1
    assert freq.loc[("all", "资源"), "share"] == 1.0
    assert freq.loc[("all", "治理"), "segments"] == 1  # the theme counts its code's segment once
    matrix = code_cooccurrence(project).to_frame()
    assert matrix.loc["资源", "治理"] == matrix.loc["治理", "资源"] == 1
    assert code_cooccurrence(project, coder="B").to_frame().loc["资源", "治理"] == 0
    with pytest.raises(InputError, match="coder='C'"):
        code_frequencies(project, coder="C")
    with pytest.raises(InputError, match="level='case'"):
        code_cooccurrence(project, level="case")


def test_bad_codings_are_flagged_with_their_element(tmp_path):
    path = _small(tmp_path)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("project.qde").decode()
    code_guid = xml.split('<CodeRef targetGUID="')[1].split('"')[0]
    user_guid = xml.split('creatingUser="')[1].split('"')[0]
    edited = xml.replace(code_guid, "00000000-0000-0000-0000-000000000000", 1)
    edited = edited.replace(f'creatingUser="{user_guid}"', "", 1)
    _rewrite(path, lambda _: edited)
    project = read_qdpx(path)
    assert len(project.segments) == 0
    assert project.flagged["reason"].str.contains("not in the codebook|no coder").all()
    assert project.flagged["element"].str.contains("PlainTextSelection").all()
    _rewrite(path, lambda x: x.replace('endPosition="8"', 'endPosition="99"'))
    assert read_qdpx(path).flagged["reason"].str.contains("outside the text").all()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip", "not a .qdpx"),
        (None, "no project.qde"),
        (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><Project/>', "entities or a DTD"),
        (b"<Project", "not well-formed"),
        (b'<Project xmlns="urn:other"/>', "root is"),
    ],
)
def test_broken_projects_give_one_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.qdpx"
    if content == b"not a zip":
        path.write_bytes(content)
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("other.txt" if content is None else "project.qde", content or b"")
    with pytest.raises(DataError, match=message):
        read_qdpx(path)


def test_deeply_nested_codebook_is_read(tmp_path):
    depth = 5000
    codes = "".join(f'<Code guid="{k}" name="c{k}">' for k in range(depth)) + "</Code>" * depth
    xml = f'<Project xmlns="urn:QDA-XML:project:1.0"><CodeBook><Codes>{codes}</Codes></CodeBook></Project>'
    path = tmp_path / "deep.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml)
    codebook = read_qdpx(path).codebook
    assert len(codebook) == depth
    assert codebook["parent"].iloc[-1] == f"c{depth - 2}"


def test_zip_bomb_is_bounded(tmp_path):
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", b" " * (MAX_MEMBER_BYTES + 1))
    assert path.stat().st_size < 1_000_000
    with pytest.raises(DataError, match="at most"):
        read_qdpx(path)


def test_coding_sheet_flags_rows(tmp_path):
    sheet = tmp_path / "sheet.csv"
    pd.DataFrame(
        {
            "访谈编号": ["张三", "张三", "李四", "李四"],
            "role": ["教师", "教师", "家长", "家长"],
            "text": ["资源不够。", "资源不够。", "沟通好。", None],
            "code": ["资源", "未知", "资源", "资源"],
            "coder": ["A", "B", None, "A"],
        }
    ).to_csv(sheet, index=False)
    codebook = pd.DataFrame({"code": ["资源"], "definition": [None], "parent": [None]})
    project = read_coding_sheet(sheet, codebook=codebook, columns={"访谈编号": "interview"})
    assert list(project.flagged["element"]) == ["row 5", "row 4", "row 3"]
    assert set(project.interviews["interview"]) == {"I01"}
    assert "张三" not in project.to_frame().to_string()
    with pytest.raises(DataError, match="lacks column"):
        read_coding_sheet(sheet)


def test_cli_writes_tables_without_personal_data(simulated, tmp_path, capsys):
    from hsc_analysis.cli import main

    sim, (qdpx, sheet, codebook) = simulated
    out = tmp_path / "tables"
    assert main(["qualitative", str(qdpx), "-o", str(out), "--n-boot", "200"]) == 0
    printed = capsys.readouterr()
    assert "30 interviews" in printed.out
    written = {p.name: p.read_text(encoding="utf-8-sig") for p in out.iterdir()}
    assert set(written) == {
        "codebook.csv", "frequencies.csv", "cooccurrence_segment.csv", "cooccurrence_interview.csv", "flagged.csv",
        "agreement.csv",
    }  # fmt: skip
    everything = printed.out + printed.err + "".join(written.values())
    speakers = {name.split("_")[1] for name in sim.interviews["name"]}
    said = {line for text in sim.interviews["text"] for line in text.split("\n")}
    assert all(code in everything for code in sim.truth["planted_kappa"])  # codes are in the output …
    assert not [s for s in speakers if s in everything]  # … speakers and what they said are not
    assert not [s for s in said if s[:12] in everything]
    assert main(["qualitative", str(sheet), "--codebook", str(codebook)]) == 0
    assert main(["qualitative", str(qdpx), "--codebook", str(codebook)]) == 2
    assert "give --codebook with a coding sheet only" in capsys.readouterr().err
