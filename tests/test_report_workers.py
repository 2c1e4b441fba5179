"""`hsc report` draws the figures of the second and later datasets in spawned worker processes: the files are the
same as when everything is drawn in one process, a worker's error arrives as itself (no worker traceback), its
warnings are issued in the parent, a dead worker's datasets are drawn in the parent, and ``jobs`` is checked."""

import hashlib
import warnings
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

import pytest

from hsc_analysis import report
from hsc_analysis.cli import main
from hsc_analysis.errors import InputError
from hsc_analysis.report import write_report

from .conftest import EXAMPLE


def _files(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def _task(result, folder: Path) -> report._FigureTask:
    return report._FigureTask(result=result, folder=folder, lang="en", min_group_n=5, labels={}, formats=("png",))


def test_workers_write_the_same_files_in_the_same_order_as_one_process(tmp_path, monkeypatch, example_study,
                                                                       example_results):  # fmt: skip
    monkeypatch.setattr("hsc_analysis.report.run_study", lambda study: example_results)
    steps = []
    serial = write_report(example_study, out_dir=tmp_path / "serial", lang="en", formats=("md",), jobs=1)
    pooled = write_report(example_study, out_dir=tmp_path / "pooled", lang="en", formats=("md",), jobs=2,
                          progress=steps.append)  # fmt: skip
    assert _files(tmp_path / "serial") == _files(tmp_path / "pooled")
    assert serial["outputs"] == pooled["outputs"]
    figures = [o["path"] for o in pooled["outputs"] if o["path"].startswith("figures/")]
    datasets = [path for path in figures if not path.startswith("figures/compliance/")]
    assert len(datasets) == 37 and figures[0] == "figures/parent/parent_sample_flow.png"
    assert len(figures) - len(datasets) == 4  # the audit's heat map and coverage, under two rule sets
    assert steps[:4] == ["analyse", "figures parent", "figures teacher", "figures administrator"]


def test_an_error_in_a_worker_is_raised_as_itself_without_the_workers_traceback(tmp_path, example_results):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    admin = example_results[2]
    tasks = [_task(admin, tmp_path / "here"), _task(admin, blocked / "figures")]
    with report._figure_workers(1) as pool, pytest.raises(OSError) as caught:
        report._draw_figures(tasks, pool=pool, step=lambda name: None)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert "file" in str(caught.value)


def test_a_workers_warnings_are_issued_in_the_parent(tmp_path, monkeypatch, example_results):
    def drawing_with_a_warning(task):
        warnings.warn("Glyph 23478 missing from font", UserWarning, stacklevel=1)
        return [("x", "caption", [])]

    monkeypatch.setattr("hsc_analysis.report._draw_dataset", drawing_with_a_warning)
    task = _task(example_results[2], tmp_path)
    figures, caught = report._draw_in_worker(task)  # what the worker returns
    assert figures == [("x", "caption", [])] and [str(w.message) for w in caught] == ["Glyph 23478 missing from font"]

    class Pool:
        def submit(self, function, task):
            future = Future()
            future.set_result(function(task))
            return future

    with pytest.warns(UserWarning, match="Glyph 23478 missing"):
        report._draw_figures([task, replace(task, lang="zh")], pool=Pool(), step=lambda name: None)


def test_the_datasets_of_a_dead_worker_are_drawn_here(tmp_path, monkeypatch, example_results):
    monkeypatch.setattr("hsc_analysis.report._draw_dataset", lambda task: [(task.lang, "caption", [])])

    class DeadPool:
        def submit(self, function, task):
            future = Future()
            future.set_exception(BrokenProcessPool("A process in the process pool was terminated abruptly"))
            return future

    tasks = [_task(example_results[2], tmp_path), replace(_task(example_results[2], tmp_path), lang="zh")]
    assert report._draw_figures(tasks, pool=DeadPool(), step=lambda name: None) == [
        [("en", "caption", [])],
        [("zh", "caption", [])],
    ]


@pytest.mark.parametrize("jobs", [0, -1, 1.5, True])
def test_jobs_must_be_a_positive_whole_number(tmp_path, example_study, jobs):
    with pytest.raises(InputError, match=r"'jobs' parameter must be a whole number of processes, 1 or more; got"):
        write_report(example_study, out_dir=tmp_path / "reports", jobs=jobs)


def test_the_command_line_refuses_zero_jobs(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["report", str(EXAMPLE / "study.yaml"), "-o", str(tmp_path / "reports"), "--jobs", "0"])
    assert exited.value.code == 2
    assert "expected a whole number from 1 to 256, got '0'" in capsys.readouterr().err
