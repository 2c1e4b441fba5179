"""`hsc report` on the bundled example: the chapter (docx, html), every table in every format, figures, manifest;
that it reconciles, keeps personal data out, suppresses small groups, is byte-identical when rerun, replaces the
previous report only when it succeeds, and that the measurement table equals R
(tests/reference/measurement_example.R)."""

import hashlib
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
from docx.oxml.ns import qn
from matplotlib.figure import Figure

from hsc_analysis.cli import main
from hsc_analysis.io import read_responses
from hsc_analysis.render.tables import sample_profile_table
from hsc_analysis.report import write_report
from hsc_analysis.study import example_study_path, load_study

from .conftest import EXAMPLE, REFERENCE

CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class FigureSpec:
    name: str
    caption: str
    figure: Figure


def flow_figures(result, *, lang, **options):
    """A figure per dataset in place of the full set (drawn and checked in tests/render/figures), for speed."""
    figure = Figure(figsize=(4, 2.5))
    flow = result.screening.flow
    figure.subplots().bar(range(len(flow)), flow["n_after"])
    return [FigureSpec("sample_flow", "样本筛查" if lang == "zh" else "Sample flow", figure)]


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "reports"
    with pytest.MonkeyPatch.context() as mp:
        lines = []
        mp.setattr("builtins.print", lambda *a, **k: lines.append(" ".join(map(str, a))))
        mp.setattr("hsc_analysis.render.figures.dataset_figures", flow_figures)
        assert main(["report", str(EXAMPLE / "study.yaml"), "-o", str(out), "--jobs", "1"]) == 0
    return out, lines


@pytest.fixture(scope="module")
def rerun(report):
    """The same report run again into the same folder: the first run's hashes, then the second's."""
    out, _ = report
    before = hashes(out)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("builtins.print", lambda *a, **k: None)
        mp.setattr("hsc_analysis.render.figures.dataset_figures", flow_figures)
        assert main(["report", str(EXAMPLE / "study.yaml"), "-o", str(out), "--jobs", "1"]) == 0
    return before, hashes(out)


@pytest.fixture(scope="module")
def english(tmp_path_factory, example_study, example_results):
    out = tmp_path_factory.mktemp("en") / "reports"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("hsc_analysis.report.run_study", lambda study: example_results)
        mp.setattr("hsc_analysis.render.figures.dataset_figures", flow_figures)
        write_report(example_study, out_dir=out, lang="en", jobs=1)
    return out


def data(report, name):
    return pd.read_csv(report[0] / "data" / name, encoding="utf-8-sig")


def test_cli_prints_each_sample_flow(report):
    _, lines = report
    assert lines[0].startswith("parent: 1480 received, excluded attention 98, speed 5, 1377 analysed; CFA fitted (n =")
    assert lines[2].startswith("administrator: 12 received, excluded none, 12 analysed; CFA not fitted: 12 respondent")
    assert lines[-1].endswith("manifest.json")


def test_manifest_lists_inputs_with_hashes_and_every_output(report):
    out, _ = report
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["inputs"]:
        assert hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert {entry["path"] for entry in manifest["outputs"]} == written
    assert all(entry["made_by"].startswith(("hsc_analysis.", "tests.")) for entry in manifest["outputs"])
    assert manifest["samples"]["teacher"] == {
        "received": 115,
        "excluded": {"attention": 5, "speed": 1},
        "analysed": 109,
        "cfa": manifest["samples"]["teacher"]["cfa"],
    }
    assert manifest["settings"] == {
        "seed": 20250601,
        "nan_policy": "listwise",
        "language": "zh",
        "min_cell": 5,
        "formats": ["docx", "html", "md", "svg", "tex"],
    }
    assert set(manifest["versions"]) >= {"hsc-analysis", "numpy", "pandas", "python-docx"}


def test_every_table_is_written_in_every_format(report):
    out, _ = report
    stems = sorted({p.with_suffix("").relative_to(out / "tables").as_posix() for p in (out / "tables").rglob("*.*")})
    assert "parent/01_sample_flow" in stems and "parent/09_htmt" in stems
    assert [s for s in stems if s.startswith("administrator/") and s.endswith("_sample_flow")]
    for stem in stems:
        assert {p.suffix for p in (out / "tables").glob(f"{stem}.*")} == {".csv", ".docx", ".html", ".md", ".tex"}
    assert not list((out / "tables" / "administrator").glob("*cfa_fit*"))  # not fitted: no table, text says why
    assert sorted(p.name for p in (out / "figures" / "parent").iterdir()) == ["sample_flow.png", "sample_flow.svg"]


@pytest.mark.parametrize("dataset", ["parent", "teacher", "administrator"])
def test_scores_and_exclusions_account_for_every_row(report, dataset):
    flow = data(report, f"{dataset}/sample_flow.csv").set_index("step")
    scores, exclusions = data(report, f"{dataset}/scores.csv"), data(report, f"{dataset}/exclusions.csv")
    assert flow.loc["received", "n_after"] == len(scores) + len(exclusions)
    assert flow.loc["analysed", "n_after"] == len(scores)
    assert (
        flow["n_excluded"].drop(["received", "analysed"])
        == exclusions["hurdle"].value_counts().reindex(flow.index.drop(["received", "analysed"]), fill_value=0)
    ).all()


def _text(path: Path) -> str:
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(name).decode("utf-8") for name in z.namelist() if name.endswith(".xml"))
    if path.suffix in (".png", ".pdf"):
        return path.read_bytes().decode("latin-1")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("which", ["zh", "en"])
def test_no_personal_data_reaches_any_output_file(report, english, which):
    """Phone numbers, IP addresses and free-text suggestions of the raw export appear in no file of the report,
    the Word and HTML chapters and the figures included."""
    folder = report[0] if which == "zh" else english
    dataset = load_study(EXAMPLE / "study.yaml").datasets[0]
    raw = read_responses(dataset.file, dataset.instrument, source=dataset.source)
    personal = pd.concat([raw.background["phone"], raw.background["suggestions"], raw.metadata["ip"]]).dropna()
    personal = {str(v) for v in personal if len(str(v)) >= 6}
    assert len(personal) > 100
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} >= {".docx", ".html", ".md", ".tex", ".csv", ".png", ".svg", ".json"}
    text = "\n".join(_text(p) for p in files)
    assert not [value for value in personal if value in text]


def test_measurement_table_matches_r(report):
    """α, Feldt CI, ω, ordinal α, CR, AVE, HTMT and the CFA fit of the kept parents equal psych, lavaan and semTools
    reading the raw 按序号 file themselves (1e-6; values from an optimiser — polychorics, the FIML fit of all 1,377
    parents and its EM moments — 1e-5)."""
    ours = data(report, "parent/measurement.csv").set_index("construct")
    expected = pd.read_csv(REFERENCE / "example_parent_measurement.csv").set_index("construct")
    assert list(ours.index) == list(expected.index)
    assert (ours["n"] == expected["n"]).all() and (ours["cfa_n"] == expected["cfa_n"]).all()
    exact = ["alpha", "ci_low", "ci_high", "omega_total"]
    np.testing.assert_allclose(ours[exact], expected[exact], rtol=0, atol=1e-6)
    fitted = [
        "ordinal_alpha",
        "cr",
        "ave",
        "max_htmt",
        "cfa_chisq",
        "cfa_df",
        "cfa_cfi",
        "cfa_tli",
        "cfa_rmsea",
        "cfa_srmr",
    ]
    np.testing.assert_allclose(ours[fitted], expected[fitted], rtol=1e-5, atol=1e-5)
    assert ours["flags"].isna().all()


def test_parent_cfa_is_fiml_on_every_kept_parent_and_matches_lavaan(report):
    """The parents' CFA keeps all 1,377 analysed parents (FIML); loadings, SEs and standardized loadings equal
    lavaan ``cfa(missing = "ml")`` on the same kept rows read by R (1e-4)."""
    ours = data(report, "parent/cfa_loadings.csv")
    measurement = data(report, "parent/measurement.csv")
    assert (measurement["cfa_n"] == 1377).all() and (measurement["cfa_nan_policy"] == "fiml").all()
    expected = pd.read_csv(REFERENCE / "example_parent_fiml_estimates.csv")
    expected = expected[expected["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item"})
    merged = ours.merge(expected, on=["factor", "item"], suffixes=("", "_r"), validate="1:1")
    assert len(merged) == len(ours) == 51
    np.testing.assert_allclose(merged["estimate"], merged["est"], atol=1e-4)
    np.testing.assert_allclose(merged["se"].fillna(0), merged["se_r"], atol=1e-4)
    np.testing.assert_allclose(merged["std_all"], merged["std.all"], atol=1e-4)


def test_publication_tables_show_the_same_numbers_rounded(report):
    """The reliability table's CSV keeps full precision; its Markdown shows α to three decimals without the
    leading zero, and the CFA fit is one row of its own table, not repeated on every construct."""
    out, _ = report
    full = pd.read_csv(out / "tables/parent/04_reliability.csv", encoding="utf-8-sig").set_index("construct")
    expected = pd.read_csv(REFERENCE / "example_parent_measurement.csv").set_index("construct")
    np.testing.assert_allclose(full["alpha"], expected["alpha"], atol=1e-6)
    markdown = (out / "tables/parent/04_reliability.md").read_text(encoding="utf-8")
    assert f"| 沟通与宣传 | 5 | {int(full.loc['communication', 'n'])} | .861 | [.849, .873] |" in markdown
    assert "cfa" not in markdown.lower() and "CFI" not in markdown
    fit = (out / "tables/parent/07_cfa_fit.md").read_text(encoding="utf-8").splitlines()
    assert [line for line in fit if line.startswith("| 13 因子模型")] == [fit[4]] and fit[5] == ""


def test_chinese_tables_have_chinese_headers_and_no_unrounded_numbers(report):
    out, _ = report
    for path in (out / "tables").rglob("*.md"):
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[2]
        assert not re.search(r"[a-z]+_[a-z]+", header), (path, header)  # no snake_case column names
        assert CJK.search(header), (path, header)
        assert not re.search(r"\d\.\d{4,}", "\n".join(lines)), path  # nothing like 0.861332903651178


def test_english_report_has_english_headers_and_text(english):
    for path in (english / "tables").rglob("*.md"):
        header = path.read_text(encoding="utf-8").splitlines()[:3]
        assert not CJK.search("\n".join(header)), (path, header)
    document = docx.Document(str(english / "report.docx"))
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert "1 Overview" in paragraphs and "Table 1\nScreening of the sample" in paragraphs
    cfa = next(p for p in paragraphs if p.startswith("A confirmatory factor analysis of the 13-factor design"))
    assert "(ML estimation, full-information ML for missing answers, n = 1,377 in 416 missing-data patterns" in cfa
    assert re.search(r"χ²\(1146\) = 1811\.18, p < \.001, χ²/df = 1\.58, CFI = \.979", cfa)
    assert any(
        p.startswith("No confirmatory factor analysis: 12 respondents for 26 items are too few") for p in paragraphs
    )
    appendix = paragraphs[paragraphs.index("Appendix: questionnaires") + 1]
    assert appendix == "Home–school–community cooperation survey (parent form)"


def test_report_docx_is_a_chapter_of_three_line_tables(report):
    out, _ = report
    document = docx.Document(str(out / "report.docx"))
    body = document.element.body
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:4] == [
        "1 研究概况",
        "2 家校社协同育人现状调查问卷（家长卷）",
        "2.1 样本筛查与构成",
        "2.2 项目分析与信度",
    ]
    assert "附录：调查问卷" in headings
    numbered = 0
    for table in body.iter(qn("w:tbl")):
        rules = table.tblPr.find(qn("w:tblBorders"))
        assert [(b.tag.split("}")[1], b.get(qn("w:val")), b.get(qn("w:sz"))) for b in rules] == [
            ("top", "single", "12"),
            ("left", "nil", None),
            ("bottom", "single", "12"),
            ("right", "nil", None),
            ("insideH", "nil", None),
            ("insideV", "nil", None),
        ]
        assert table.tr_lst[0].trPr.find(qn("w:tblHeader")) is not None
        caption = table.getprevious()
        caption_text = "".join(caption.itertext())
        if caption_text.startswith("表"):
            numbered += 1
            assert caption_text.startswith(f"表{numbered}  ")
    assert numbered >= 20  # every results table numbered in order; the appendix' item lists are not
    for run in body.iter(qn("w:r")):
        if "".join(t.text or "" for t in run.iter(qn("w:t"))).strip():
            assert run.rPr.rFonts.get(qn("w:eastAsia")) in ("宋体", "黑体")
    drawings = list(body.iter(qn("w:drawing")))
    assert len(drawings) == 3 + 4  # one figure per dataset; two per rule set in the audit, each with its caption below
    captions = [p.text for p in document.paragraphs if p.text.startswith("图")]
    assert captions[:3] == ["图1  样本筛查", "图2  样本筛查", "图3  样本筛查"]
    assert [c.split("：")[0] for c in captions[3:5]] == [
        "图4  丰南区家校社协同育人实施方案（2025）",
        "图5  丰南区家校社协同育人实施方案（2025）",
    ]
    assert "5 政策落实情况（活动记录审计）" in headings
    assert headings.index("5 政策落实情况（活动记录审计）") < headings.index("附录：调查问卷")
    text = "\n".join(p.text for p in document.paragraphs)
    assert "未进行验证性因子分析：26 个题项仅有 12 名作答者，样本过少" in text


def test_report_html_is_self_contained(report):
    html = (report[0] / "report.html").read_text(encoding="utf-8")
    assert html.count('<img alt="样本筛查" src="data:image/png;base64,') == 3
    assert not re.search(r'(src|href)="(?!data:)', html)  # no external file, font or script
    assert html.count('<table class="three-line">') >= 20


def test_second_run_gives_identical_bytes_and_replaces_the_folder(rerun, report):
    before, after = rerun
    assert before == after and len(after) > 150
    assert not [p for p in report[0].parent.iterdir() if p.name.startswith(".reports-")]  # no staging left


def test_a_failed_run_leaves_the_previous_report_intact(report, tmp_path, monkeypatch, example_study, example_results):
    previous = tmp_path / "reports"
    shutil.copytree(report[0], previous)
    before = hashes(previous)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("hsc_analysis.report.run_study", lambda study: example_results)
    monkeypatch.setattr("hsc_analysis.render.chapter.build_chapter", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_report(example_study, out_dir=previous)
    assert hashes(previous) == before
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


def test_a_folder_that_is_not_a_report_is_never_replaced(tmp_path, example_study, capsys):
    (tmp_path / "thesis.docx").write_text("my thesis", encoding="utf-8")
    assert main(["report", str(EXAMPLE / "study.yaml"), "--out", str(tmp_path), "--formats", "md"]) == 2
    assert "not an earlier report" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.docx"]


def test_no_study_runs_the_bundled_example_from_any_folder(tmp_path, monkeypatch, example_results):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("hsc_analysis.report.run_study", lambda study: example_results)
    monkeypatch.setattr("builtins.print", lambda *a, **k: None)
    assert main(["report", "--out", "out", "--lang", "en", "--formats", "md"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert Path(manifest["study_file"]) == example_study_path() == (EXAMPLE / "study.yaml").resolve()
    assert manifest["settings"]["language"] == "en"
    assert (
        not (tmp_path / "out" / "report.docx").exists() and (tmp_path / "out/tables/parent/04_reliability.md").exists()
    )


def test_small_groups_are_suppressed_at_the_study_threshold(tmp_path, example_study, example_results):
    text = (
        (EXAMPLE / "study.yaml")
        .read_text(encoding="utf-8")
        .replace("../../surveys", str(EXAMPLE.parents[1] / "surveys"))
    )
    for name in (
        "286431957_按序号_家校社协同育人现状调查问卷（家长卷）_1480_1480.xlsx",
        "administrators.sav",
        "286432108_按文本_家校社协同育人现状调查问卷（教师卷）_115_115.xlsx",
    ):
        text = text.replace(f"file: {name}", f"file: {EXAMPLE / name}")
    (tmp_path / "study.yaml").write_text(text + "disclosure: {min_cell: 10}\n", encoding="utf-8")
    study = load_study(tmp_path / "study.yaml")
    assert study.min_cell == 10 and example_study.min_cell == 5
    teacher = example_results[1]
    for min_cell in (5, 10):
        table = sample_profile_table(teacher, lang="zh", min_cell=min_cell)
        shown = table.data.dropna(subset=["code"])
        assert (shown["n"].dropna() >= min_cell).all() or (shown["n"].dropna() == 0).any()
        assert not ((shown["n"] > 0) & (shown["n"] < min_cell)).any()
        assert shown["suppressed"].sum() >= 2
        assert f"人数少于 {min_cell} 的类别不予显示" in table.notes[0]
        assert sum(f"< {min_cell}" in cell for row in table.rows for cell in row) == 2 * shown["suppressed"].sum()


@pytest.mark.parametrize("dataset", ["parent", "teacher", "administrator"])
def test_frequencies_of_the_findings_suppress_small_cells(report, dataset):
    frequencies = data(report, f"{dataset}/findings/frequencies_1.csv")
    assert not ((frequencies["n"] > 0) & (frequencies["n"] < 5)).any()
    assert frequencies.loc[frequencies["suppressed"], "n"].isna().all()
    if dataset == "administrator":
        assert frequencies["suppressed"].sum() >= 2


def test_bad_study_settings_are_one_line(tmp_path, capsys):
    study = tmp_path / "study.yaml"
    study.write_text("id: s\ntitle: t\ndisclosure: {min_cell: 0}\ndatasets: {}\n", encoding="utf-8")
    assert main(["report", str(study), "-o", str(tmp_path / "reports")]) == 2
    assert "disclosure.min_cell: got 0; allowed: a positive integer" in capsys.readouterr().err


def test_screening_still_excludes_the_ids_the_r_reference_used(report):
    ours = data(report, "parent/exclusions.csv")
    expected = pd.read_csv(REFERENCE / "example_parent_exclusions.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(ours, expected)


def test_a_cfa_that_cannot_be_fitted_is_flagged_not_silent(report):
    admin = data(report, "administrator/measurement.csv")
    assert admin["cr"].isna().all() and admin["alpha"].notna().all()
    assert admin["flags"].str.contains("CFA not fitted: 12 respondent").all()
    assert not (report[0] / "data" / "administrator" / "cfa_fit.csv").exists()


def test_a_broken_study_is_one_line_and_exit_code_2(tmp_path, capsys):
    study = tmp_path / "study.yaml"
    study.write_text(
        "id: s\ntitle: t\ndatasets:\n  parent: {instrument: nowhere.yaml, file: raw.xlsx}\n", encoding="utf-8"
    )
    assert main(["report", str(study), "-o", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hsc: error: ") and "nowhere.yaml" in err and "\n" not in err
    assert not (tmp_path / "reports").exists()


def test_a_missing_raw_file_names_it_and_writes_nothing(tmp_path, capsys):
    study = tmp_path / "study.yaml"
    parent = EXAMPLE.parents[1] / "surveys" / "parent.yaml"
    study.write_text(
        f"id: s\ntitle: t\ndatasets:\n  parent: {{instrument: {parent}, file: gone.xlsx}}\n", encoding="utf-8"
    )
    assert main(["report", str(study), "-o", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("hsc: error: ") and "gone.xlsx" in err and "\n" not in err
    assert not (tmp_path / "reports").exists()
