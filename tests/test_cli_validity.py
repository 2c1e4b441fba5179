"""``hsc validity``: table and JSON output on real data, one-line errors with exit code 2."""

import json

import pytest

from hsc_analysis.cli import EXIT_BAD_INPUT, main

INSTRUMENT = """\
id: bfi
version: "1"
title: {zh: 大五人格, en: Big five}
scales:
  S6: {kind: ordinal, codes: {1: "1", 2: "2", 3: "3", 4: "4", 5: "5", 6: "6"}}
constructs:
  agree: {label: {zh: 宜人性, en: Agreeableness}}
  conscientious: {label: {zh: 尽责性, en: Conscientiousness}}
items:
  - {id: A1, construct: agree, scale: S6, reverse: true, text: {zh: 对他人感受漠不关心, en: Indifferent to others}}
  - {id: A2, construct: agree, scale: S6, text: {zh: 询问他人的状况, en: Inquire about others}}
  - {id: A3, construct: agree, scale: S6, text: {zh: 知道如何安慰他人, en: Know how to comfort others}}
  - {id: C1, construct: conscientious, scale: S6, text: {zh: 工作严谨, en: Exacting in my work}}
  - {id: C2, construct: conscientious, scale: S6, text: {zh: 持续直到完成, en: Continue until perfect}}
  - {id: C3, construct: conscientious, scale: S6, text: {zh: 按计划做事, en: Do things to a plan}}
"""


@pytest.fixture(scope="module")
def files(bfi, tmp_path_factory):
    folder = tmp_path_factory.mktemp("validity")
    bfi.to_csv(folder / "bfi.csv", index=False)
    (folder / "bfi.yaml").write_text(INSTRUMENT, encoding="utf-8")
    return folder / "bfi.csv", folder / "bfi.yaml"


def test_table_output(files, capsys):
    data, instrument = files
    assert main(["validity", str(data), "--instrument", str(instrument)]) == 0
    out = capsys.readouterr().out
    for title in ["CFA fit (ML, n = 2686", "Standardized loadings", "对他人感受漠不关心", "Fornell–Larcker", "HTMT"]:
        assert title in out
    assert "Measurement invariance" not in out


def test_json_output_with_groups(files, tmp_path):
    data, instrument = files
    target = tmp_path / "validity.json"
    code = main(["validity", str(data), "--instrument", str(instrument), "--group", "gender", "--format", "json",
                 "-o", str(target)])  # fmt: skip
    assert code == 0
    report = json.loads(target.read_text(encoding="utf-8"))
    assert report["n"] == 2686 and report["nan_policy"] == "listwise" and report["converged"]
    assert [row["level"] for row in report["invariance"]] == ["configural", "metric", "scalar"]
    assert {row["measure"] for row in report["fit"]} >= {"chisq", "cfi", "tli", "rmsea", "srmr", "gfi", "ifi"}
    assert report["loadings"][0]["se"] is None  # the marker loading is fixed: no SE (null, not NaN)


def test_ordinal_table(files, capsys):
    data, instrument = files
    assert main(["validity", str(data), "--instrument", str(instrument), "--ordinal"]) == 0
    out = capsys.readouterr().out
    assert "CFA fit (DWLS, n = 2686" in out and "chisq_scaled" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--group", "school"], "no column 'school'"), (["--ordinal", "--group", "gender"], "ML only")],
)
def test_bad_input_is_one_line(files, capsys, extra, message):
    data, instrument = files
    assert main(["validity", str(data), "--instrument", str(instrument), *extra]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
