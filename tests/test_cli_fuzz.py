"""Property test: whatever file a careless or hostile user passes, every command ends with exit 0 or 2 and one
clear line, never a traceback, never writes outside its output folder and never changes its input."""

import contextlib
import io
import string
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsc_analysis.cli import main

from .conftest import SURVEYS

TEACHER = SURVEYS / "teacher.yaml"
ITEM_IDS = ["ent1", "ent2", "eff1", "str1", "check1", "respondent_id", "head_teacher", "所用时间", "序号"]
CELLS = ["1", "3", "5", "9", "-3", "", "NA", "2.5", "同意", "非常同意", "=1+1", "1e309", "(跳过)", "\x00", "年", "-"]


def run(argv: list[str], inputs: list[Path], folder: Path) -> None:
    """Run one command in-process and check the contract."""
    before = {path: path.read_bytes() for path in inputs}
    listing = {p for p in folder.rglob("*") if "out" not in p.relative_to(folder).parts}
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except SystemExit as stop:  # argparse's own usage errors
            code = stop.code
    assert code in (0, 2), (argv, err.getvalue()[-2000:])
    assert "Traceback" not in err.getvalue()
    if code == 2:
        assert err.getvalue().strip().splitlines()[-1].startswith(("hsc: error:", "usage:", "hsc ")), err.getvalue()
    assert {p for p in folder.rglob("*") if "out" not in p.relative_to(folder).parts} == listing, argv
    assert {path: path.read_bytes() for path in inputs} == before


def commands(data: Path, out: Path) -> list[list[str]]:
    inst = ["--instrument", str(TEACHER)]
    return [
        ["import", str(data), *inst, "-o", str(out / "imported.csv")],
        ["score", str(data), *inst, "-o", str(out / "scores.csv")],
        ["reliability", str(data), *inst, "--n-boot", "0"],
        ["validity", str(data), *inst],
        ["screen", str(data), *inst, "-o", str(out / "screening")],
    ]


FUZZ = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".sav", ".parquet", ".txt"]))
def test_random_bytes(raw, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / f"data{suffix}"
        data.write_bytes(raw)
        for argv in commands(data, folder / "out"):
            run(argv, [data], folder)


@FUZZ
@given(
    header=st.lists(st.sampled_from(ITEM_IDS), min_size=1, max_size=8),
    rows=st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=10), max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_random_csv_shapes(header, rows, delimiter):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "data.csv"
        data.write_text("\n".join(delimiter.join(r) for r in [header, *rows]), encoding="utf-8")
        for argv in commands(data, folder / "out"):
            run(argv, [data], folder)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10) | st.floats(allow_nan=True) | st.text(string.printable, max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(string.ascii_lowercase, max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
TOP_KEYS = ["id", "title", "datasets", "scales", "constructs", "items", "screening", "analyses", "seed", "base"]


@FUZZ
@given(spec=st.dictionaries(st.sampled_from(TOP_KEYS), yaml_values, max_size=6))
def test_random_yaml_as_instrument_study_and_config(spec):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "spec.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        data = folder / "data.csv"
        data.write_text("ent1,ent2\n1,2\n", encoding="utf-8")
        for argv in (
            ["instrument", "show", str(path)],
            ["score", str(data), "--instrument", str(path)],
            ["report", str(path), "-o", str(folder / "out" / "report")],
            ["simulate", "--config", str(path), "--seed", "1", "--out", str(folder / "out" / "sim")],
        ):
            run(argv, [path, data], folder)
