"""The report of a study: runs its chain (:func:`hsc_analysis.study.run_study`) and writes one folder.

Layout of the output folder (it holds only this run's files)::

    report.docx                        the chapter: numbered sections, tables and figures with captions, results
                                       text between them, the questionnaires as an appendix
    report.html                        the same chapter as one self-contained page
    tables/<dataset>/<nn>_<name>.*     every table of the chapter as .csv (full precision) and in each format
                                       asked for (.docx 三线表/APA, .html, .md, .tex)
    figures/<dataset>/<name>.*         every figure as 300 dpi .png, and .svg / .pdf when asked for
    data/screening_rules.csv           the screening thresholds applied
    data/<dataset>/*.csv               machine-readable results: sample flow, exclusions, import log, careless
                                       indices, scale scores, scoring, measurement summary, reliability, item
                                       analysis, CFA fit and loadings, CR/AVE, Fornell–Larcker, HTMT
    tables/interviews/, figures/interviews/, data/interviews/
                                       with an ``interviews:`` section: the interview section's tables, the actor
                                       network, and codebook, flagged codings, frequencies, co-occurrence,
                                       agreement, actors, quotes (only when allowed) and joint display as CSV
    appendix/questionnaire_<dataset>_<lang>.md
    manifest.json                      inputs with SHA-256, versions, settings, every output and what made it

The folder is written to a fresh sibling folder first and swapped in at the end, so a run that fails leaves the
previous report as it was. Only derived, non-personal data is written: respondent ids are the platform's sequence
numbers; background answers, identifiers, free text and IP addresses never leave memory; group cells smaller than
the study's ``disclosure.min_cell`` are suppressed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hsc_analysis import __version__
from hsc_analysis.errors import InputError
from hsc_analysis.study import DatasetResult, Study, run_study

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "report_steps", "write_report"]

FORMATS = ("docx", "html", "md", "tex", "svg", "pdf")
DEFAULT_FORMATS = ("docx", "html", "md", "tex", "svg")
"""PDF figures are written on request only: embedding the CJK font's subset makes them the slowest output."""
"""Output formats of ``--formats``: the chapter in .docx and .html, every table also as .md and .tex."""

Progress = Callable[[str], None]


def write_report(
    study: Study,
    *,
    out_dir: str | Path,
    lang: str | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    progress: Progress | None = None,
    jobs: int | None = None,
) -> dict[str, Any]:
    """Run the study's chain and write its report to ``out_dir`` (replacing an earlier report there).

    Parameters
    ----------
    study : Study
    out_dir : path
        The report folder. If it exists it must be an earlier report (it has a ``manifest.json``) or empty.
    lang : {"zh", "en"}, optional
        Language of every table, text and caption; default the study's ``language``.
    formats : subset of FORMATS
        ``docx`` and ``html`` write ``report.docx`` / ``report.html`` and each table in that format; ``md`` and
        ``tex`` write each table as Markdown / LaTeX; ``svg`` and ``pdf`` each figure in that format besides the
        300 dpi PNG. CSV tables and PNG figures are always written. Figures
        (:func:`hsc_analysis.render.figures.dataset_figures`) close each dataset's section.
    progress : callable, optional
        Called with the name of each step as it starts (:func:`report_steps` lists them).
    jobs : int, optional
        Processes that draw the figures, this one included: the first dataset's figures are drawn here, the other
        datasets' in ``jobs - 1`` worker processes started before the analysis (so that their imports overlap
        with it). Default: one per CPU core, at most one per dataset; 1 draws everything in this process. The
        files written do not depend on it.

    Returns
    -------
    dict
        The manifest: the study, the package versions, the settings, the input files with their SHA-256, the
        sample flow of each dataset and, for every output (path relative to ``out_dir``), the code that made it.

    Notes
    -----
    The analysis runs with one BLAS thread (threadpoolctl): its matrices are item × item, too small to gain from
    threads, and on a busy or small machine idle BLAS threads spinning for work cost about three times the CPU;
    with one thread the last digits of the full-precision CSVs no longer depend on the machine's core count. A
    worker's warnings are issued again here; an error in a worker is raised here as it is, without the worker's
    traceback; if a worker dies, its datasets are drawn in this process.
    """
    from hsc_analysis.render.language import LANGUAGES

    lang = lang or study.language
    if lang not in LANGUAGES:
        raise InputError(f"The 'lang' parameter must be one of {{'zh', 'en'}}; got {lang!r}.")
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InputError(f"The 'formats' parameter allows {', '.join(FORMATS)}; got {', '.join(unknown)}.")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InputError(f"The 'jobs' parameter must be a whole number of processes, 1 or more; got {jobs!r}.")
    out_dir = Path(out_dir)
    _check_replaceable(out_dir)
    step = progress or (lambda name: None)
    workers = (jobs or os.cpu_count() or 1) - 1
    with _figure_workers(min(workers, len(study.datasets) - 1)) as pool:
        step("analyse")
        with _one_blas_thread():
            results = run_study(study)  # first, so that bad input leaves the previous report untouched
        return _write_folder(study, results, out_dir, lang=lang, formats=formats, step=step, pool=pool)


def _write_folder(study, results, out_dir: Path, *, lang, formats, step, pool) -> dict[str, Any]:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        outputs = _write(study, results, staging, lang=lang, formats=formats, step=step, pool=pool)
        manifest = {
            "study": study.id,
            "title": study.title.get(lang),
            "study_file": str(study.path),
            "package": f"hsc_analysis {__version__}",
            "versions": {name: version(name) for name in _VERSIONED},
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "settings": {
                "seed": study.seed,
                "nan_policy": study.nan_policy,
                "language": lang,
                "min_cell": study.min_cell,
                "formats": sorted(formats),
            },
            "inputs": [{"path": str(p), "sha256": _sha256(p)} for p in _input_files(study)],
            "samples": {r.dataset.name: _sample(r) for r in results},
            "outputs": outputs,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        step("finish")
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


_VERSIONED = ("hsc-analysis", "numpy", "pandas", "scipy", "matplotlib", "python-docx")


def report_steps(study: Study, formats: Sequence[str] = DEFAULT_FORMATS) -> list[str]:
    """The step names ``write_report`` reports to ``progress``, in order (for a progress bar's total)."""
    chapter = [f for f in ("docx", "html") if f in formats]
    figures = [
        *(f"figures {d.name}" for d in study.datasets),
        *(["figures interviews"] if study.interviews is not None else []),
        *(["figures compliance"] if "event" in study.logs else []),
    ]
    return ["analyse", *figures, "chapter", *chapter, "tables", "finish"]


def _write(study, results, root: Path, *, lang, formats, step, pool) -> list[dict[str, str]]:
    from hsc_analysis.render.chapter import FigureFile, build_chapter
    from hsc_analysis.render.disclosure import suppress_frequencies
    from hsc_analysis.render.docx import document_docx, table_docx
    from hsc_analysis.render.figures import interview_figures, save_figure, variable_labels
    from hsc_analysis.render.html import document_html, table_html
    from hsc_analysis.render.questionnaire import questionnaire_markdown
    from hsc_analysis.render.text_formats import table_csv, table_latex, table_markdown

    outputs: list[dict[str, str]] = []

    def record(path: Path, made_by: str) -> None:
        outputs.append({"path": path.relative_to(root).as_posix(), "made_by": made_by})

    saved: dict[str, list[FigureFile]] = {}
    kinds = ("png", *(f for f in ("svg", "pdf") if f in formats))
    tasks = [
        _FigureTask(
            result=result,
            folder=root / "figures" / result.dataset.name,
            lang=lang,
            min_group_n=study.min_cell,
            labels=variable_labels(study, result.dataset.name, lang=lang),
            formats=kinds,
        )
        for result in results
    ]
    drawn = _draw_figures(tasks, pool=pool, step=step)
    if pool is not None:
        pool.shutdown(wait=False)  # the workers are done: they exit while the chapter is written
    for task, figures in zip(tasks, drawn, strict=True):
        saved[task.result.dataset.name] = []
        for name, caption, paths in figures:
            for path in paths:
                record(path, "hsc_analysis.render.figures.dataset_figures")
            png = (task.folder / name).with_suffix(".png").read_bytes()
            saved[task.result.dataset.name].append(FigureFile(stem=name, caption=caption, png=png))

    def save(specs, folder: str, made_by: str) -> list[FigureFile]:
        files = []
        for spec in specs:
            stem = root / "figures" / folder / spec.name
            for path in save_figure(spec.figure, stem, formats=kinds):
                record(path, f"hsc_analysis.render.figures.{made_by}")
            files.append(FigureFile(stem=spec.name, caption=spec.caption, png=stem.with_suffix(".png").read_bytes()))
        return files

    if results.interviews is not None:
        step("figures interviews")
        saved["interviews"] = save(interview_figures(results.interviews, lang=lang), "interviews", "interview_figures")
    compliance_saved = []
    if results.compliance:
        from hsc_analysis.render.figures.compliance import compliance_figures

        step("figures compliance")
        for result in results.compliance.values():
            specs = compliance_figures(result, lang=lang, min_cell=study.min_cell)
            compliance_saved += save(specs, "compliance", "compliance_figures")
    step("chapter")
    document = build_chapter(
        study,
        results,
        lang=lang,
        figures=saved,
        interviews=results.interviews,
        compliance_figures=compliance_saved,
    )
    if "docx" in formats:
        step("docx")
        record(document_docx(document, root / "report.docx"), "hsc_analysis.render.docx.document_docx")
    if "html" in formats:
        step("html")
        record(document_html(document, root / "report.html"), "hsc_analysis.render.html.document_html")

    step("tables")
    for block in document.tables:
        if not block.stem:
            continue  # the questionnaire's own tables: the questionnaire is in appendix/
        stem = root / "tables" / block.stem
        made_by = f"hsc_analysis.render.chapter.build_chapter:{block.table.name}"  # builders live in several modules
        record(table_csv(block.table, stem.with_suffix(".csv")), made_by)
        if "docx" in formats:
            record(table_docx(block, stem.with_suffix(".docx"), lang=lang), made_by)
        texts = {
            "html": table_html(block.table, caption=block.table.title, label=block.label, standalone=True),
            "md": table_markdown(block.table, label=block.label),
            "tex": table_latex(block.table, label=block.label),
        }
        for fmt in ("html", "md", "tex"):
            if fmt in formats:
                path = stem.with_suffix(f".{fmt}")
                path.write_text(texts[fmt], encoding="utf-8")
                record(path, made_by)

    from hsc_analysis.io import write_table

    def data(frame: pd.DataFrame, relative: str, made_by: str) -> None:
        record(write_table(frame, root / "data" / relative), made_by)

    data(study.screening.to_frame().set_index("rule"), "screening_rules.csv", "hsc_analysis.screening.ScreeningRules")
    for result in results:
        for frame, name, made_by in _dataset_data(result):
            data(frame, f"{result.dataset.name}/{name}.csv", made_by)
        for frame, name, made_by in _finding_tables(result):
            if name.startswith("frequencies_"):  # counts of groups: small cells suppressed
                frame = suppress_frequencies(frame, min_cell=study.min_cell)
            data(frame, f"{result.dataset.name}/findings/{name}.csv", made_by)
        appendix = root / "appendix" / f"questionnaire_{result.dataset.name}_{lang}.md"
        appendix.parent.mkdir(parents=True, exist_ok=True)
        appendix.write_text(questionnaire_markdown(result.dataset.instrument, lang=lang), encoding="utf-8")
        record(appendix, "hsc_analysis.render.questionnaire_markdown")
    if results.interviews is not None:
        for frame, name, made_by in _interview_data(results.interviews):
            data(frame, f"interviews/{name}.csv", made_by)
    for frame, relative, made_by in _compliance_data(results.compliance, min_cell=study.min_cell):
        data(frame, f"compliance/{relative}.csv", made_by)
    return outputs


@dataclass(frozen=True)
class _FigureTask:
    """The figures of one dataset to draw and write (picklable: it goes to a worker process)."""

    result: DatasetResult
    folder: Path
    lang: str
    min_group_n: int
    labels: dict[str, str]
    formats: tuple[str, ...]


_Drawn = list[tuple[str, str, list[Path]]]
"""Each figure of a dataset as (file stem, caption, the files written)."""


def _draw_dataset(task: _FigureTask) -> _Drawn:
    """Draw every figure of one dataset and write it in each format."""
    from hsc_analysis.render.figures import dataset_figures, save_figure

    specs = dataset_figures(task.result, lang=task.lang, min_group_n=task.min_group_n, labels=task.labels)
    return [
        (spec.name, spec.caption, save_figure(spec.figure, task.folder / spec.name, formats=task.formats))
        for spec in specs
    ]


def _draw_figures(tasks: list[_FigureTask], *, pool, step: Progress) -> list[_Drawn]:
    """The figures of every dataset, in dataset order: the first here, the others in the pool's workers (all here
    without a pool or when a worker died)."""
    from concurrent.futures.process import BrokenProcessPool

    futures = [None, *(pool.submit(_draw_in_worker, task) for task in tasks[1:])] if pool else [None] * len(tasks)
    drawn = []
    for task, future in zip(tasks, futures, strict=True):
        step(f"figures {task.result.dataset.name}")
        if future is None:
            drawn.append(_draw_dataset(task))
            continue
        try:
            figures, caught = future.result()
        except BrokenProcessPool:  # the worker was killed (out of memory, a signal): draw here instead
            drawn.append(_draw_dataset(task))
            continue
        except Exception as error:
            raise error from None  # as raised in the worker, without its traceback
        for warning in caught:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        drawn.append(figures)
    return drawn


def _draw_in_worker(task: _FigureTask) -> tuple[_Drawn, list[warnings.WarningMessage]]:
    """:func:`_draw_dataset` in a worker process, its warnings recorded to be issued again in the parent."""
    with warnings.catch_warnings(record=True) as caught, _one_blas_thread():
        warnings.simplefilter("always")
        figures = _draw_dataset(task)
    return figures, [warnings.WarningMessage(str(w.message), w.category, w.filename, w.lineno) for w in caught]


def _warm_up() -> None:
    """Import what drawing needs and register the fonts, while the parent analyses."""
    import hsc_analysis.render.figures
    import hsc_analysis.study  # noqa: F401
    from hsc_analysis.render.figures._fonts import cjk_font_families

    cjk_font_families()


def _ignore_interrupt() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: no traceback from a worker


@contextmanager
def _figure_workers(n: int) -> Iterator[Any]:
    """A pool of ``n`` spawned worker processes, already importing what they need (None when ``n`` is 0); it is
    shut down on leaving, without waiting for the workers if an error is on its way."""
    if n < 1:
        yield None
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(n, mp_context=get_context("spawn"), initializer=_ignore_interrupt)
    for _ in range(n):
        pool.submit(_warm_up)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _interview_data(interviews) -> list[tuple[pd.DataFrame, str, str]]:
    """The machine-readable results of the interviews (no segment text, except the quotes the study allows)."""
    made_by = "hsc_analysis.qualitative"
    tables = [
        (interviews.project.codebook.set_index("code"), "codebook", f"{made_by}.read_qdpx"),
        (interviews.project.flagged.set_index("file"), "flagged", f"{made_by}.read_qdpx"),
        (interviews.frequencies.to_frame().set_index("role"), "frequencies", f"{made_by}.code_frequencies"),
        (interviews.cooccurrence.to_frame(), "cooccurrence_segment", f"{made_by}.code_cooccurrence"),
    ]
    for result, name, function in (
        (interviews.agreement, "agreement", "coder_agreement"),
        (interviews.actors, "actors", "actor_table"),
        (interviews.quotes, "quotes", "select_quotes"),
        (interviews.joint, "joint_display", "joint_display"),
    ):
        if result is not None:
            frame = result.to_frame()
            tables.append((frame.set_index(frame.columns[0]), name, f"{made_by}.{function}"))
    return tables


def _compliance_data(compliance, *, min_cell: int) -> list[tuple[pd.DataFrame, str, str]]:
    """The audit's machine-readable results: per rule set its rules, accounting, compliance by period, class,
    school and community and the class compliance index (a rule set of county targets only: its rules and
    targets); once, the log's tables, invalid rows by reason, the
    paper-compliance flags and the triangulation. Nothing per student or per event is written, and class cells
    of student rules with fewer than ``min_cell`` eligible students are blanked."""
    from hsc_analysis.render.compliance_tables import suppress_student_cells

    if not compliance:
        return []
    made_by = "hsc_analysis.compliance.study_compliances"
    out = []
    for rule_set, result in compliance.items():
        audits = {"": result.audit, "_unflagged": result.audit_unflagged} if result.rules.school_rules else {}
        out.append((result.rules.to_frame().set_index("rule_id"), f"{rule_set}/rules", made_by))
        if audits:
            out.append((result.audit.accounting.set_index("step"), f"{rule_set}/accounting", made_by))
        for suffix, audit in audits.items():
            out.append((audit.by_period().set_index("rule_id"), f"{rule_set}/by_period{suffix}", made_by))
            classes = suppress_student_cells(audit.classes, min_cell=min_cell)
            out.append((classes.set_index("rule_id"), f"{rule_set}/classes{suffix}", made_by))
            out.append((audit.schools.set_index("rule_id"), f"{rule_set}/schools{suffix}", made_by))
            out.append((audit.cci.set_index("class_id"), f"{rule_set}/class_compliance_index{suffix}", made_by))
        if len(result.audit.communities):
            out.append((result.audit.communities.set_index("rule_id"), f"{rule_set}/communities", made_by))
        if len(result.audit.targets):
            out.append((result.audit.targets.set_index("rule_id"), f"{rule_set}/targets", made_by))
    logs = next(iter(compliance.values())).logs
    out.append((logs.to_frame().set_index("table"), "log_tables", "hsc_analysis.compliance.read_logs"))
    out.append((logs.invalid_summary().set_index("table"), "invalid_summary", "hsc_analysis.compliance.read_logs"))
    first = next((result for result in compliance.values() if result.rules.school_rules), None)
    if first is None:  # county targets only: no flags, no triangulation
        return out
    out.append(
        (first.flags.to_frame().set_index("flag"), "paper_flags", "hsc_analysis.compliance.paper_compliance_flags")
    )
    if first.parents is not None:
        out.append(
            (first.parents.set_index("item"), "parent_agreement", "hsc_analysis.compliance.parent_log_agreement")
        )
    if first.teachers is not None:
        frame = first.teachers.to_frame()
        out.append((frame.set_index("n"), "teacher_visit_inflation", "hsc_analysis.compliance.teacher_visit_inflation"))
    return out


def _check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and (
        not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / "manifest.json").is_file())
    ):
        raise InputError(
            f"{out_dir}: not replaced — it is not an earlier report (no manifest.json) and not empty; "
            "choose a new or empty folder with --out"
        )


def _swap(staging: Path, out_dir: Path) -> None:
    """Put the finished folder in place of the old one; the old one is removed only after the new one is in."""
    os.chmod(staging, 0o755)  # mkdtemp makes it private
    if out_dir.exists():
        old = staging.with_name(staging.name + "-previous")
        out_dir.rename(old)
        staging.rename(out_dir)
        shutil.rmtree(old)
    else:
        staging.rename(out_dir)


def _dataset_data(result: DatasetResult) -> list[tuple[pd.DataFrame, str, str]]:
    """The machine-readable results of one dataset: (frame, file stem, the function that made it)."""
    screening, measurement = result.screening, result.measurement
    tables = [
        (result.responses.log.set_index("level"), "import_log", "hsc_analysis.io.read_responses"),
        (screening.flow.set_index("step"), "sample_flow", "hsc_analysis.screening.screen"),
        (screening.excluded.set_index("respondent_id"), "exclusions", "hsc_analysis.screening.screen"),
        (screening.indices, "careless_indices", "hsc_analysis.screening.screen"),
        (result.scores.scores, "scores", "hsc_analysis.scoring.score_scales"),
        (result.scores.summary.set_index("construct"), "scoring", "hsc_analysis.scoring.score_scales"),
        (measurement.to_frame().set_index("construct"), "measurement", "hsc_analysis.measurement.measurement_summary"),
        (measurement.reliability.set_index("construct"), "reliability", "hsc_analysis.measurement.reliability"),
        (measurement.items.set_index("construct"), "item_analysis", "hsc_analysis.measurement.item_table"),
    ]
    validity = measurement.validity
    if validity is not None:
        made_by = "hsc_analysis.measurement.validity_report"
        tables += [
            (validity.fit.set_index("measure"), "cfa_fit", made_by),
            (validity.loadings.set_index("factor"), "cfa_loadings", made_by),
            (validity.reliability.set_index("factor"), "cr_ave", made_by),
            (validity.fornell_larcker.set_index("factor"), "fornell_larcker", made_by),
            (validity.htmt.set_index("factor_a"), "htmt", made_by),
        ]
    return tables


_FINDINGS = {  # DatasetFindings field → the function that made its results
    "descriptives": "describe",
    "frequencies": "frequencies",
    "comparisons": "compare_groups",
    "correlations": "correlation_table",
    "regression": "hierarchical_regression",
    "mediation": "mediation",
    "moderation": "moderation",
    "icc": "icc",
    "multilevel": "multilevel",
    "locale_comparison": "few_cluster_comparison",
    "perception_gaps": "perception_gap",
}


def _finding_tables(result: DatasetResult) -> list[tuple[pd.DataFrame, str, str]]:
    """Every finding of one dataset as a table, numbered within its kind, and the analyses skipped with why."""
    findings = result.findings
    tables = [(findings.skipped, "skipped", "hsc_analysis.findings.run_findings")]
    for kind, function in _FINDINGS.items():
        for number, finding in enumerate(getattr(findings, kind), start=1):
            tables.append((finding.to_frame(), f"{kind}_{number}", f"hsc_analysis.findings.{function}"))
    return tables


def _sample(result: DatasetResult) -> dict[str, Any]:
    flow = result.screening.flow.set_index("step")
    return {
        "received": int(flow.loc["received", "n_after"]),
        "excluded": {step: int(n) for step, n in flow["n_excluded"].items() if n},
        "analysed": int(flow.loc["analysed", "n_after"]),
        "cfa": result.measurement.cfa_note
        or f"CFA fitted (n = {result.measurement.validity.cfa.n}, {result.measurement.validity.cfa.nan_policy})",
    }


def _input_files(study: Study) -> list[Path]:
    """Every file the study reads: exports, instruments and their modules, activity logs, coded interviews."""
    files = [p for d in study.datasets for p in (d.file, d.instrument_path, *d.modules)]
    files += study.logs.values()
    if study.interviews is not None:
        files += [p for p in (study.interviews.file, study.interviews.codebook) if p is not None]
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
