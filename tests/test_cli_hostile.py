"""Careless and hostile input through the command line: one clear line and exit 2, never a traceback, never a
write outside the output folder, inputs unchanged."""

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.cli import main
from hsc_analysis.instruments import load_instrument

from .conftest import EXAMPLE, SURVEYS

PARENT = str(SURVEYS / "parent.yaml")
TEACHER_XLSX = next(EXAMPLE.glob("*教师卷*.xlsx"))


@pytest.fixture
def answers(parent, tmp_path):
    rng = np.random.default_rng(2)
    table = pd.DataFrame(rng.integers(1, 6, size=(12, len(parent.items))), columns=parent.item_ids)
    table.insert(0, "respondent_id", [f"P{i:02d}" for i in range(12)])
    path = tmp_path / "answers.csv"
    table.to_csv(path, index=False)
    return path


def one_line_error(capsys, *needles):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    line = err.strip().splitlines()[-1]
    assert line.startswith("hsc: error: "), err
    for needle in needles:
        assert needle in line, line
    return line


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("missing/out.csv", "does not exist"),
        (".", "is a folder"),
        ("answers.csv/out.csv", "is a file"),
        ("x" * 300 + ".csv", "at most 255 allowed"),
    ],
)
@pytest.mark.parametrize("command", ["score", "import", "reliability", "validity"])
def test_bad_output_paths_are_one_line_errors(command, target, needle, answers, tmp_path, capsys):
    before = answers.read_bytes()
    assert main([command, str(answers), "--instrument", PARENT, "-o", str(tmp_path / target)]) == 2
    one_line_error(capsys, "-o", needle)
    assert answers.read_bytes() == before


@pytest.mark.parametrize("command", ["score", "import", "reliability", "validity"])
def test_an_output_that_is_an_input_is_refused(command, answers, capsys):
    before = answers.read_bytes()
    assert main([command, str(answers), "--instrument", PARENT, "-o", str(answers)]) == 2
    one_line_error(capsys, "is an input file")
    assert answers.read_bytes() == before


def test_output_folders_of_screen_report_and_simulate(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    args = [str(TEACHER_XLSX), "--instrument", str(SURVEYS / "teacher.yaml")]
    assert main(["screen", *args, "-o", str(blocker)]) == 2
    one_line_error(capsys, "is a file; give a folder")
    assert main(["simulate", "--seed", "1", "--out", str(blocker / "sub")]) == 2
    one_line_error(capsys, "is a file")
    assert main(["report", str(EXAMPLE / "study.yaml"), "-o", str(EXAMPLE)]) == 2  # would replace the raw data
    one_line_error(capsys, "holds the input")
    assert main(["report", str(EXAMPLE / "study.yaml"), "-o", str(tmp_path / ("y" * 300))]) == 2
    one_line_error(capsys, "at most 255 allowed")


@pytest.mark.parametrize(
    "extra", [["--n-boot", "-1"], ["--n-boot", "100000000"], ["--seed", "-1"], ["--n-boot", "many"]]
)
def test_numbers_out_of_range_name_the_argument(extra, answers, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["reliability", str(answers), "--instrument", PARENT, *extra])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {extra[0]}: expected a whole number from" in err and "Traceback" not in err


def test_an_input_path_over_255_bytes(tmp_path, capsys):
    assert main(["score", str(tmp_path / ("z" * 300 + ".csv")), "--instrument", PARENT]) == 2
    one_line_error(capsys)


def test_a_closed_pipe_is_not_a_traceback():
    command = [sys.executable, "-m", "hsc_analysis.cli", "instrument", "show", PARENT]
    shown = subprocess.run(f"{' '.join(command)} | head -1", shell=True, capture_output=True, text=True, check=False)
    assert shown.stdout.startswith("#") and "Traceback" not in shown.stderr and "BrokenPipe" not in shown.stderr


def write_study(tmp_path, extra: str = "", datasets: str | None = None):
    text = (EXAMPLE / "study.yaml").read_text(encoding="utf-8")
    text = text.replace("../../surveys/", f"{SURVEYS}/").replace("file: ", f"file: {EXAMPLE}/")
    if datasets is not None:
        text = text.replace("  parent:\n", f"  {datasets}:\n", 1).replace("parents: parent", f"parents: {datasets}")
        text = text.replace("    parent:\n      indicators", f"    {datasets}:\n      indicators")
    path = tmp_path / "study.yaml"
    path.write_text(text.replace("datasets:\n  ", f"{extra}datasets:\n  ", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ['""', "../../x", "/tmp/abs", "..", "a/b"])
def test_dataset_names_that_would_become_paths_are_refused(name, tmp_path, capsys):
    study = write_study(tmp_path, datasets=name)
    assert main(["report", str(study), "-o", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "datasets", "is not a plain name")
    assert not (tmp_path / "out").exists()


def test_screening_that_leaves_nobody_says_which_hurdle(tmp_path, capsys):
    study = write_study(tmp_path, extra="screening:\n  min_seconds_per_item: 1000\n")
    assert main(["report", str(study), "-o", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "datasets.parent: screening left no respondent of 1480", "speed")


def test_nan_thresholds_and_bad_sources_name_the_key(tmp_path, capsys):
    study = write_study(tmp_path, extra="screening:\n  min_seconds_per_item: .nan\n")
    assert main(["report", str(study), "-o", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "screening.min_seconds_per_item: expected a finite number")
    study.write_text(study.read_text(encoding="utf-8").replace("platform: spss", "platform: spsss"), encoding="utf-8")
    assert main(["report", str(study), "-o", str(tmp_path / "out")]) == 2
    one_line_error(capsys, str(study), "datasets.administrator.platform: got 'spsss'; allowed: auto")


def test_an_empty_file_for_validity_is_a_data_message_not_a_key_error(parent, tmp_path, capsys):
    path = tmp_path / "empty.csv"
    pd.DataFrame(columns=parent.item_ids).to_csv(path, index=False)
    assert main(["validity", str(path), "--instrument", PARENT]) == 2
    one_line_error(capsys, "0 complete respondent(s)")


def test_formulas_typed_into_answers_are_defused_in_csv(tmp_path):
    from hsc_analysis.io import write_table

    path = write_table(pd.DataFrame({"note": ['=HYPERLINK("http://x")', "fine"], "n": [-1, 2]}), tmp_path / "t.csv")
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ",-1" in text


def test_step_by_step_commands_carry_the_screening_through(tmp_path, capsys):
    """hsc screen writes the kept respondents; score and reliability on them analyse what the report analyses."""
    out = tmp_path / "screening"
    teacher = str(SURVEYS / "teacher.yaml")
    assert main(["screen", str(TEACHER_XLSX), "--instrument", teacher, "-o", str(out)]) == 0
    kept = pd.read_csv(out / "kept.csv", encoding="utf-8-sig")
    assert len(kept) == 109 and "respondent_id" in kept
    capsys.readouterr()
    assert main(["score", str(out / "kept.csv"), "--instrument", teacher]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("respondent_id,")
    assert "scored all 109 respondents" in captured.err
    assert main(["reliability", str(out / "kept.csv"), "--instrument", teacher, "--n-boot", "0"]) == 0
    assert "flags" in capsys.readouterr().out.splitlines()[0]
    assert (
        main(["reliability", str(out / "kept.csv"), "--instrument", teacher, "--n-boot", "0", "--format", "json"]) == 0
    )
    step_by_step = pd.read_json(io.StringIO(capsys.readouterr().out)).set_index("construct")["alpha"]
    from hsc_analysis.study import load_study, run_study

    report = run_study(load_study(EXAMPLE / "study.yaml"))[1].measurement.reliability.set_index("construct")["alpha"]
    pd.testing.assert_series_equal(step_by_step, report, rtol=1e-12, check_names=False)


def test_hsc_factor_keys_the_items_and_leaves_out_the_attention_check(tmp_path, capsys):
    out = tmp_path / "screening"
    teacher = str(SURVEYS / "teacher.yaml")
    assert main(["screen", str(TEACHER_XLSX), "--instrument", teacher, "-o", str(out)]) == 0
    capsys.readouterr()
    args = [
        "factor",
        str(out / "kept.csv"),
        "--instrument",
        teacher,
        "--construct",
        "enthusiasm",
        "--construct",
        "stress",
    ]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "KMO = " in printed and "Bartlett χ²(21)" in printed and "parallel analysis suggests" in printed
    loadings = [line.split()[0] for line in printed.splitlines() if line[:4] in ("ent4", "str1", "chec")]
    assert loadings == ["ent4", "str1"]  # the reverse-keyed ent4 is keyed; the attention check is no item
    from hsc_analysis.measurement import efa, kmo
    from hsc_analysis.scoring import key_items

    items = key_items(pd.read_csv(out / "kept.csv", encoding="utf-8-sig"), instrument=load_instrument(teacher),
                      constructs=["enthusiasm", "stress"])  # fmt: skip
    assert f"KMO = {kmo(items, nan_policy='listwise').overall:.3f}" in printed
    assert f"{efa(items, n_factors=2, nan_policy='listwise').loadings.loc['ent4', 'F1']:.3f}" in printed


def test_results_of_a_study_by_dataset_name():
    from hsc_analysis.study import load_study, run_study

    results = run_study(load_study(EXAMPLE / "study.yaml"))
    assert results["teacher"] is results[1] and results[0].dataset.name == "parent"
    with pytest.raises(KeyError, match="no dataset 'pupil'; datasets: parent, teacher, administrator"):
        results["pupil"]
