"""A study declared in ``study.yaml``, and the report that runs its chain and writes ``reports/``.

``study.yaml`` is the single place that declares a study (see the README): its title, output language and one
entry per dataset (instrument file and raw data file, paths relative to study.yaml).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from hsc_analysis import __version__
from hsc_analysis.errors import InputError
from hsc_analysis.instruments import Instrument, Label, load_instrument

__all__ = ["Dataset", "Study", "StudyError", "load_study", "write_report"]


class StudyError(InputError):
    """study.yaml is broken; the message names the file and the key path."""


@dataclass(frozen=True)
class Dataset:
    """One questionnaire's data in a study: the instrument and the raw file it was collected with."""

    name: str
    instrument: Instrument
    instrument_path: Path
    file: Path
    id_column: str | None = None


@dataclass(frozen=True)
class Study:
    id: str
    title: Label
    language: str
    datasets: tuple[Dataset, ...]
    path: Path


def load_study(path: str | Path) -> Study:
    """Read and validate a study.yaml; instrument files are loaded (and validated) too."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise StudyError(f"{path}: cannot read the study file ({err})".replace("\n", " ")) from None

    def fail(key: str, message: str) -> StudyError:
        return StudyError(f"{path}: {key}: {message}")

    if not isinstance(spec, dict):
        raise fail("(top level)", "expected a mapping")
    for key in ("id", "title", "datasets"):
        if key not in spec:
            raise fail("(top level)", f"missing required key '{key}'")
    language = spec.get("language", "zh")
    if language not in ("zh", "en"):
        raise fail("language", f"got {language!r}; allowed: zh, en")
    if not isinstance(spec["datasets"], dict) or not spec["datasets"]:
        raise fail("datasets", "expected a mapping of dataset name to {instrument, file}")
    datasets = []
    for name, entry in spec["datasets"].items():
        if not isinstance(entry, dict):
            raise fail(f"datasets.{name}", "expected a mapping with 'instrument' and 'file'")
        for key in ("instrument", "file"):
            if key not in entry:
                raise fail(f"datasets.{name}", f"missing required key '{key}'")
        instrument_path = (path.parent / entry["instrument"]).resolve()
        datasets.append(
            Dataset(
                name=str(name),
                instrument=load_instrument(instrument_path),
                instrument_path=instrument_path,
                file=(path.parent / entry["file"]).resolve(),
                id_column=entry.get("id_column"),
            )
        )
    title = spec["title"]
    title = Label(zh=title.get("zh", ""), en=title.get("en", "")) if isinstance(title, dict) else Label(title, title)
    return Study(id=str(spec["id"]), title=title, language=language, datasets=tuple(datasets), path=path)


def write_report(study: Study, *, out_dir: str | Path) -> dict[str, Any]:
    """Run the study's chain and write tables and the questionnaire appendix to ``out_dir``.

    Returns the manifest (also written as ``manifest.json``): the study, the package version, the input files with
    their SHA-256 and, for every output, the code that made it.
    """
    from hsc_analysis.io import read_table, write_table
    from hsc_analysis.render import questionnaire_markdown
    from hsc_analysis.scoring import score_scales

    out_dir = Path(out_dir)
    outputs: list[dict[str, str]] = []

    def record(path: Path, made_by: str) -> None:
        outputs.append({"path": str(path), "made_by": made_by})

    for dataset in study.datasets:
        data = read_table(dataset.file)
        if dataset.id_column:
            data = data.set_index(dataset.id_column)
        result = score_scales(data, instrument=dataset.instrument)
        record(
            write_table(result.scores, out_dir / "tables" / f"scores_{dataset.name}.csv"),
            "hsc_analysis.scoring.score_scales",
        )
        record(
            write_table(result.summary.set_index("construct"), out_dir / "tables" / f"scoring_{dataset.name}.csv"),
            "hsc_analysis.scoring.score_scales",
        )
        appendix = out_dir / "appendix" / f"questionnaire_{dataset.name}_{study.language}.md"
        appendix.parent.mkdir(parents=True, exist_ok=True)
        appendix.write_text(questionnaire_markdown(dataset.instrument, lang=study.language), encoding="utf-8")
        record(appendix, "hsc_analysis.render.questionnaire_markdown")

    manifest = {
        "study": study.id,
        "title": study.title.get(study.language),
        "study_file": str(study.path),
        "package": f"hsc_analysis {__version__}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": [{"path": str(p), "sha256": _sha256(p)} for d in study.datasets for p in (d.file, d.instrument_path)],
        "outputs": outputs,
    }
    manifest_path = out_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
