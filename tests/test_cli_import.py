"""``hsc import``: writes items, background and metadata without personal columns; bad input exits 2."""

import pandas as pd

from hsc_analysis.cli import main

from .conftest import ROOT, SURVEYS

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def test_import_writes_a_table_without_personal_columns(tmp_path, capsys):
    out = tmp_path / "parents.parquet"
    code = main(
        [
            "import",
            str(FIXTURES / "wjx_按序号_parent.xlsx"),
            "--instrument",
            str(SURVEYS / "parent.yaml"),
            "-o",
            str(out),
        ]
    )
    assert code == 0
    table = pd.read_parquet(out)
    assert len(table) == 6 and {"com1", "check1", "relation", "duration_seconds"} <= set(table.columns)
    assert not {"phone", "suggestions", "ip"} & set(table.columns)
    log = capsys.readouterr().err
    assert "问卷星 按序号" in log and "7 item answer(s) missing: dont_know" in log


def test_import_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("respondent_id,com1\n1,7\n", encoding="utf-8")
    assert main(["import", str(bad), "--instrument", str(SURVEYS / "parent.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("hsc: error:") and "no column for" in err[0]
    code = main(
        [
            "import",
            str(FIXTURES / "plain_parent.csv"),
            "--instrument",
            str(SURVEYS / "parent.yaml"),
            "--source",
            "surveymonkey",
        ]
    )
    assert code == 2
