import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.cli import main

from .conftest import SURVEYS


@pytest.fixture
def parent_answers(parent, tmp_path):
    rng = np.random.default_rng(1)
    table = pd.DataFrame(rng.integers(1, 6, size=(20, len(parent.items))), columns=parent.item_ids)
    table.insert(0, "code", [f"P{i:03d}" for i in range(20)])
    table.insert(1, "phone", "13800000000")
    return table


def test_score_csv_to_stdout(parent_answers, tmp_path, capsys):
    parent_answers.to_csv(tmp_path / "answers.csv", index=False)
    assert main(["score", str(tmp_path / "answers.csv"), "--instrument", str(SURVEYS / "parent.yaml")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("row,communication,opinion")
    assert len(out) == 21


def test_score_excel_with_id_to_parquet(parent_answers, parent, tmp_path):
    from hsc_analysis.scoring import score_scales

    parent_answers.to_excel(tmp_path / "answers.xlsx", index=False)
    out = tmp_path / "scores.parquet"
    args = ["score", str(tmp_path / "answers.xlsx"), "--instrument", str(SURVEYS / "parent.yaml"), "--id", "code"]
    assert main([*args, "-o", str(out)]) == 0
    scores = pd.read_parquet(out)
    expected = score_scales(parent_answers.set_index("code"), instrument=parent).scores
    pd.testing.assert_frame_equal(scores, expected)
    assert "phone" not in scores.columns


def test_score_refuses_a_personal_id_column(parent_answers, tmp_path, capsys):
    parent_answers.to_csv(tmp_path / "answers.csv", index=False)
    args = ["score", str(tmp_path / "answers.csv"), "--instrument", str(SURVEYS / "parent.yaml"), "--id", "phone"]
    assert main(args) == 2
    assert "holds personal data" in capsys.readouterr().err


def test_instrument_show(capsys):
    assert main(["instrument", "show", str(SURVEYS / "teacher.yaml"), "--lang", "en"]) == 0
    assert "Teachers' enthusiasm for participation" in capsys.readouterr().out


def _run(*args):
    return subprocess.run([sys.executable, "-m", "hsc_analysis.cli", *args], capture_output=True, text=True)


def test_bad_input_gives_one_line_and_exit_2_without_traceback(parent_answers, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (SURVEYS / "parent.yaml").read_text(encoding="utf-8").replace("scale: F5", "scale: F6", 1), encoding="utf-8"
    )
    parent_answers.loc[3, "com2"] = 7
    parent_answers.to_csv(tmp_path / "answers.csv", index=False)
    cases = [
        ("instrument", "show", str(broken)),
        ("score", str(tmp_path / "answers.csv"), "--instrument", str(SURVEYS / "parent.yaml")),
        ("score", str(tmp_path / "absent.csv"), "--instrument", str(SURVEYS / "parent.yaml")),
    ]
    expected = [
        r"broken.yaml: items\[13\].scale: unknown scale 'F6'",
        r"column 'com2'.*row 5: 7; allowed: 1–5",
        r"absent.csv: no such file",
    ]
    for args, pattern in zip(cases, expected, strict=True):
        result = _run(*args)
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("hsc: error: ")
        assert re.search(pattern, result.stderr)


def test_help_does_not_import_pandas():
    code = "import sys, hsc_analysis.cli; print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
