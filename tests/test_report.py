"""`hsc report` on the bundled example: what reaches reports/, that it reconciles, keeps personal data out, and that
the measurement table equals R (tests/reference/measurement_example.R)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.cli import main
from hsc_analysis.io import read_responses
from hsc_analysis.study import load_study

from .conftest import EXAMPLE, REFERENCE


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as mp:
        lines = []
        mp.setattr("builtins.print", lambda *a, **k: lines.append(" ".join(map(str, a))))
        assert main(["report", str(EXAMPLE / "study.yaml"), "-o", str(out)]) == 0
    return out, lines


def table(report, name):
    return pd.read_csv(report[0] / "tables" / name, encoding="utf-8-sig")


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
    written = {str(p) for p in out.rglob("*") if p.is_file() and p.name != "manifest.json"}
    assert {entry["path"] for entry in manifest["outputs"]} == written
    assert manifest["samples"]["teacher"] == {
        "received": 115,
        "excluded": {"attention": 5, "speed": 1},
        "analysed": 109,
        "cfa": manifest["samples"]["teacher"]["cfa"],
    }
    assert manifest["settings"] == {"seed": 20250601, "nan_policy": "listwise", "language": "zh"}


@pytest.mark.parametrize("dataset", ["parent", "teacher", "administrator"])
def test_scores_and_exclusions_account_for_every_row(report, dataset):
    flow = table(report, f"{dataset}/sample_flow.csv").set_index("step")
    scores, exclusions = table(report, f"{dataset}/scores.csv"), table(report, f"{dataset}/exclusions.csv")
    assert flow.loc["received", "n_after"] == len(scores) + len(exclusions)
    assert flow.loc["analysed", "n_after"] == len(scores)
    assert (flow["n_excluded"].drop(["received", "analysed"]) == exclusions["hurdle"].value_counts()
            .reindex(flow.index.drop(["received", "analysed"]), fill_value=0)).all()  # fmt: skip


def test_no_personal_data_reaches_reports(report):
    """Phone numbers, IP addresses and free-text suggestions of the raw export appear in no file of reports/."""
    dataset = load_study(EXAMPLE / "study.yaml").datasets[0]
    raw = read_responses(dataset.file, dataset.instrument, source=dataset.source)
    personal = pd.concat([raw.background["phone"], raw.background["suggestions"], raw.metadata["ip"]]).dropna()
    personal = {str(v) for v in personal if len(str(v)) >= 6}
    assert len(personal) > 100
    text = "\n".join(p.read_text(encoding="utf-8") for p in report[0].rglob("*") if p.is_file())
    assert not [value for value in personal if value in text]


def test_measurement_table_matches_r(report):
    """α, Feldt CI, ω, ordinal α, CR, AVE, HTMT and the CFA fit of the kept parents equal psych, lavaan and semTools
    reading the raw 按序号 file themselves (1e-6; values from an optimiser — polychorics, the FIML fit of all 1,377
    parents and its EM moments — 1e-5)."""
    ours = table(report, "parent/measurement.csv").set_index("construct")
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
    ours = table(report, "parent/cfa_loadings.csv")
    measurement = table(report, "parent/measurement.csv")
    assert (measurement["cfa_n"] == 1377).all() and (measurement["cfa_nan_policy"] == "fiml").all()
    expected = pd.read_csv(REFERENCE / "example_parent_fiml_estimates.csv")
    expected = expected[expected["op"] == "=~"].rename(columns={"lhs": "factor", "rhs": "item"})
    merged = ours.merge(expected, on=["factor", "item"], suffixes=("", "_r"), validate="1:1")
    assert len(merged) == len(ours) == 51
    np.testing.assert_allclose(merged["estimate"], merged["est"], atol=1e-4)
    np.testing.assert_allclose(merged["se"].fillna(0), merged["se_r"], atol=1e-4)
    np.testing.assert_allclose(merged["std_all"], merged["std.all"], atol=1e-4)


def test_screening_still_excludes_the_ids_the_r_reference_used(report):
    ours = table(report, "parent/exclusions.csv")
    expected = pd.read_csv(REFERENCE / "example_parent_exclusions.csv", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(ours, expected)


def test_a_cfa_that_cannot_be_fitted_is_flagged_not_silent(report):
    admin = table(report, "administrator/measurement.csv")
    assert admin["cr"].isna().all() and admin["alpha"].notna().all()
    assert admin["flags"].str.contains("CFA not fitted: 12 respondent").all()
    assert not (report[0] / "tables" / "administrator" / "cfa_fit.csv").exists()


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
