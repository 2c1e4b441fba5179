"""The report of a study: runs its chain (:func:`hsc_analysis.study.run_study`) and writes ``reports/``.

Layout of the output folder::

    manifest.json                    inputs with SHA-256, settings, sample flows, every output and what made it
    tables/screening_rules.csv       the screening thresholds applied
    tables/<dataset>/sample_flow.csv received → each exclusion → analysed (reconciles exactly)
    tables/<dataset>/exclusions.csv  one row per excluded respondent with the hurdle, reason and detail
    tables/<dataset>/...             import log, careless indices, scores, reliability, item analysis, CFA and validity
    appendix/questionnaire_<dataset>_<lang>.md

Only derived, non-personal data is written: respondent ids are the platform's sequence numbers, and background
answers, identifiers, free text and IP addresses never leave memory.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from hsc_analysis import __version__
from hsc_analysis.study import DatasetResult, Study, run_study

__all__ = ["write_report"]


def write_report(study: Study, *, out_dir: str | Path) -> dict[str, Any]:
    """Run the study's chain and write its tables, the questionnaire appendix and ``manifest.json`` to ``out_dir``.

    Returns the manifest: the study, the package version, the settings, the input files with their SHA-256, the
    sample flow of each dataset and, for every output, the code that made it.
    """
    from hsc_analysis.io import write_table
    from hsc_analysis.render import questionnaire_markdown

    out_dir = Path(out_dir)
    outputs: list[dict[str, str]] = []

    def table(frame: pd.DataFrame, relative: str, made_by: str) -> None:
        outputs.append({"path": str(write_table(frame, out_dir / "tables" / relative)), "made_by": made_by})

    results = run_study(study)  # first, so that bad input leaves no half-written report
    table(study.screening.to_frame().set_index("rule"), "screening_rules.csv", "hsc_analysis.screening.ScreeningRules")
    for result in results:
        for frame, name, made_by in _dataset_tables(result):
            table(frame, f"{result.dataset.name}/{name}.csv", made_by)
        for frame, name, made_by in _finding_tables(result):
            table(frame, f"{result.dataset.name}/findings/{name}.csv", made_by)
        appendix = out_dir / "appendix" / f"questionnaire_{result.dataset.name}_{study.language}.md"
        appendix.parent.mkdir(parents=True, exist_ok=True)
        appendix.write_text(questionnaire_markdown(result.dataset.instrument, lang=study.language), encoding="utf-8")
        outputs.append({"path": str(appendix), "made_by": "hsc_analysis.render.questionnaire_markdown"})

    manifest = {
        "study": study.id,
        "title": study.title.get(study.language),
        "study_file": str(study.path),
        "package": f"hsc_analysis {__version__}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {"seed": study.seed, "nan_policy": study.nan_policy, "language": study.language},
        "inputs": [{"path": str(p), "sha256": _sha256(p)} for d in study.datasets for p in (d.file, d.instrument_path)],
        "samples": {r.dataset.name: _sample(r) for r in results},
        "outputs": outputs,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _dataset_tables(result: DatasetResult) -> list[tuple[pd.DataFrame, str, str]]:
    """Every table of one dataset: (frame, file stem, the function that made it)."""
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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
