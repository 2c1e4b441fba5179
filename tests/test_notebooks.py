"""The notebooks in ``notebooks/``: each runs headless on the bundled data (with papermill, as the README says a
researcher runs one on their own study) from a folder outside the repository, within a time limit, with no error
and no warning in any cell; none is committed with outputs; none holds logic (a function, class, loop or
comprehension)."""

import ast
import time
from pathlib import Path

import nbformat
import pytest

from hsc_analysis import district_study, example_study, load_study, open_study, study_dataset
from hsc_analysis.errors import DataError, InputError
from tests.conftest import EXAMPLE, ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "01_import_and_screening",
    "02_measurement_quality",
    "03_descriptives_and_differences",
    "04_what_drives_effectiveness",
    "05_after_school_governance_urban_rural",
    "06_policy_compliance",
]
# Seconds per notebook on two shared cores, with 500 bootstrap draws (about 3× the time measured alone).
TIME_LIMIT = {"05_after_school_governance_urban_rural": 300}
DEFAULT_LIMIT = 150
LOGIC = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.AsyncFor, ast.While,
         ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)  # fmt: skip


@pytest.fixture(scope="session")
def district_folder(tmp_path_factory):
    """The synthetic district study, written once for the session (it takes a while: 10,000 parents)."""
    folder = tmp_path_factory.mktemp("district") / "study"
    district_study(folder)
    return folder


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_every_notebook_of_the_issue_is_there():
    assert [path.stem for path in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    book = _read(path)
    nbformat.validate(book)
    code = [cell for cell in book.cells if cell.cell_type == "code"]
    assert [i for i, cell in enumerate(code) if cell.outputs] == []
    assert [i for i, cell in enumerate(code) if cell.execution_count is not None] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_holds_no_logic(path):
    # IPython magics (``%matplotlib inline``) are not Python: left out before parsing
    code = [_without_magics(cell.source) for cell in _read(path).cells if cell.cell_type == "code"]
    found = [(type(node).__name__, source) for source in code for node in ast.walk(ast.parse(source))]
    assert [(kind, source) for kind, source in found if kind in {k.__name__ for k in LOGIC}] == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_bilingual_then_parameters(path):
    book = _read(path)
    assert book.metadata.kernelspec.name == "python3"  # papermill needs it
    intro = book.cells[0]
    assert intro.cell_type == "markdown" and "**中文**" in intro.source and "**English**" in intro.source
    tagged = [i for i, cell in enumerate(book.cells) if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and book.cells[tagged[0]].cell_type == "code"
    assert all(cell.cell_type == "markdown" for cell in book.cells[1 : tagged[0]])
    assert {"study_file", "language", "seed"} <= set(_assigned(book.cells[tagged[0]].source))


def _without_magics(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def _assigned(source: str) -> list[str]:
    return [node.targets[0].id for node in ast.parse(source).body if isinstance(node, ast.Assign)]


def _problems(book) -> list[str]:
    """Every error output and every stderr stream (a warning shows there) of the executed notebook."""
    out = []
    for i, cell in enumerate(book.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "error" or (output.output_type == "stream" and output.name == "stderr"):
                out.append(f"cell {i}: {output.get('ename') or ''} {output.get('text') or output.get('evalue')}")
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless_on_the_bundled_data(path, tmp_path, request):
    papermill = pytest.importorskip("papermill")
    book = _read(path)
    declared = _assigned(next(cell.source for cell in book.cells if "parameters" in cell.metadata.get("tags", [])))
    # The example's default is 5,000 draws of each indirect effect; 500 give tables of the same shape, faster.
    parameters = {"n_boot": 500} if "n_boot" in declared else {}
    if path.stem.startswith("05"):
        parameters["district_folder"] = str(request.getfixturevalue("district_folder"))
    started = time.perf_counter()
    papermill.execute_notebook(
        str(path),
        str(tmp_path / path.name),
        parameters=parameters,
        cwd=str(tmp_path),  # not the repository: the example is found through the package
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=TIME_LIMIT.get(path.stem, DEFAULT_LIMIT),
    )
    elapsed = time.perf_counter() - started
    executed = _read(tmp_path / path.name)
    assert _problems(executed) == []
    assert elapsed < TIME_LIMIT.get(path.stem, DEFAULT_LIMIT)
    assert all(cell.execution_count for cell in executed.cells if cell.cell_type == "code")


def test_example_study_is_the_bundled_one():
    assert example_study() == (EXAMPLE / "study.yaml").resolve()


def test_open_study_overrides_language_seed_and_draws():
    study = open_study(example_study())
    assert (study.language, study.seed, study.plan.n_boot) == ("zh", 20250601, 5000)
    changed = open_study(example_study(), language="en", seed=3, n_boot=100)
    assert (changed.language, changed.seed, changed.plan.n_boot) == ("en", 3, 100)
    assert changed.plan.datasets == study.plan.datasets


@pytest.mark.parametrize(
    ("keyword", "value", "message"),
    [("language", "fr", "language: got 'fr'; allowed: zh, en"), ("seed", -1, "seed: got -1"),
     ("n_boot", 50, "n_boot: got 50; allowed: an integer from 100 to 100000")],
)  # fmt: skip
def test_open_study_refuses_bad_settings(keyword, value, message):
    with pytest.raises(InputError, match=message):
        open_study(example_study(), **{keyword: value})


def test_study_dataset_by_name():
    study = open_study(example_study())
    assert study_dataset(study, "teacher") is study.datasets[1]
    with pytest.raises(InputError, match="dataset: got 'pupil'; allowed: parent, teacher, administrator"):
        study_dataset(study, "pupil")


def test_district_study_is_written_once(district_folder):
    path = district_study(district_folder)
    assert path == district_folder / "study.yaml"
    parent = load_study(path).datasets[0]
    assert parent.file.is_file() and [m.name for m in parent.modules] == ["after_school.yaml"]
    stamp = path.stat().st_mtime_ns
    assert district_study(district_folder) == path and path.stat().st_mtime_ns == stamp  # found, not rewritten


def test_district_study_refuses_a_bad_seed():
    with pytest.raises(InputError, match="seed: got -1"):
        district_study(seed=-1)


def test_example_study_without_the_repository(monkeypatch, tmp_path):
    import hsc_analysis.notebooks as notebooks

    monkeypatch.setattr(notebooks, "_REPOSITORY", tmp_path)
    with pytest.raises(DataError, match="give the path of your own study"):
        example_study()
