"""A study declared in ``study.yaml``, and the chain that runs it: import → screen → score → measurement.

``study.yaml`` is the single place that declares a study (see the README): its title, output language, seed,
missing-data policy, screening rules, one entry per dataset (instrument file and raw data file, paths relative
to study.yaml) and, optionally, the activity-log tables (``logs:``, read by :mod:`hsc_analysis.compliance`).
:func:`run_study` returns the results in memory; :mod:`hsc_analysis.report` writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from hsc_analysis.errors import InputError
from hsc_analysis.findings.plan import AnalysisPlan, load_plan
from hsc_analysis.instruments import Instrument, Label, load_instrument
from hsc_analysis.paths import plain_name
from hsc_analysis.screening.rules import ScreeningRules
from hsc_analysis.yamlfile import read_yaml

if TYPE_CHECKING:
    from hsc_analysis.compliance import StudyCompliance
    from hsc_analysis.findings import DatasetFindings
    from hsc_analysis.measurement import ExploratorySummary, MeasurementSummary
    from hsc_analysis.responses import SurveyResponses
    from hsc_analysis.scoring import ScaleScores
    from hsc_analysis.screening import ScreeningResult

__all__ = [
    "Dataset",
    "DatasetResult",
    "Study",
    "StudyError",
    "StudyResults",
    "example_study_path",
    "load_study",
    "run_study",
]

DEFAULT_SEED = 20250601
"""Seed of a study that declares none (any fixed seed makes the report reproducible; declare yours)."""

DEFAULT_MIN_CELL = 5
"""Smallest group size shown in a report (disclosure control); smaller groups' cells are suppressed."""

NAN_POLICIES = ("listwise", "pairwise")
STUDY_KEYS = ("id", "title", "language", "synthetic", "seed", "nan_policy", "cfa_missing", "disclosure", "screening")
STUDY_KEYS += ("analyses", "datasets", "logs", "compliance_rules")
DISCLOSURE_KEYS = ("min_cell",)
DATASET_KEYS = ("instrument", "file", "source", "platform", "mapping")


class StudyError(InputError):
    """study.yaml is broken; the message names the file and the key path."""


@dataclass(frozen=True)
class Dataset:
    """One questionnaire's data in a study: the instrument and the raw file it was collected with, the platform
    (``source``, also accepted as ``platform``; see :func:`hsc_analysis.io.read_responses`) and an explicit
    column → question ``mapping`` (a question id, or None to leave the column out)."""

    name: str
    instrument: Instrument
    instrument_path: Path
    file: Path
    source: str = "auto"
    mapping: dict[str, str | None] | None = None


@dataclass(frozen=True)
class Study:
    """A loaded study.yaml. ``seed`` drives every random step (bootstrap intervals); ``nan_policy`` is the
    missing-data policy of reliability and item analysis; ``cfa_missing`` (fiml, the default, or listwise) that
    of the CFA; ``screening`` holds the rules of its ``screening:`` section, ``plan`` the analysis plan of its
    ``analyses:`` section (defaults where absent; see :mod:`hsc_analysis.findings.plan`); ``min_cell``
    (``disclosure: {min_cell: 5}``) is the smallest group a report shows: cells of smaller groups are suppressed."""

    id: str
    title: Label
    language: str
    datasets: tuple[Dataset, ...]
    path: Path
    screening: ScreeningRules
    seed: int
    nan_policy: str
    plan: AnalysisPlan
    cfa_missing: str = "fiml"
    logs: dict[str, Path] = field(default_factory=dict)
    """Activity-log table name → file (the ``logs:`` section; see :mod:`hsc_analysis.compliance`)."""
    min_cell: int = DEFAULT_MIN_CELL
    compliance_rules: tuple[str, ...] = ()
    """Rule sets the report audits the logs against (``compliance_rules:``: bundled names or .yaml files relative
    to study.yaml); empty: every bundled rule set the log can answer."""


def example_study_path() -> Path:
    """The bundled example's study.yaml: inside the installed package (a wheel ships it as package data) or, in a
    clone of the repository, ``data/example/study.yaml`` — wherever the current directory is."""
    from importlib.resources import files

    bundled = Path(str(files("hsc_analysis"))) / "_bundled" / "data" / "example" / "study.yaml"
    if bundled.is_file():
        return bundled
    clone = Path(__file__).resolve().parents[2] / "data" / "example" / "study.yaml"
    if clone.is_file():
        return clone
    raise StudyError(f"the bundled example study is missing (looked for {bundled} and {clone}); reinstall the package")


def load_study(path: str | Path) -> Study:
    """Read and validate a study.yaml; instrument files are loaded (and validated) too."""
    from hsc_analysis.io.mapping import mapping_problem
    from hsc_analysis.io.responses import SOURCES

    path = Path(path)
    spec = read_yaml(path, error=StudyError, what="study file")

    def fail(key: str, message: str) -> StudyError:
        return StudyError(f"{path}: {key}: {message}")

    if not isinstance(spec, dict):
        raise fail("(top level)", "expected a mapping")
    for key in ("id", "title", "datasets"):
        if key not in spec:
            raise fail("(top level)", f"missing required key '{key}'")
    _refuse_unknown(spec, STUDY_KEYS, "(top level)", fail)
    language = spec.get("language", "zh")
    if language not in ("zh", "en"):
        raise fail("language", f"got {language!r:.60}; allowed: zh, en")
    seed = spec.get("seed", DEFAULT_SEED)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise fail("seed", f"got {seed!r:.60}; allowed: a non-negative integer")
    nan_policy = spec.get("nan_policy", "listwise")
    if nan_policy not in NAN_POLICIES:
        raise fail("nan_policy", f"got {nan_policy!r:.60}; allowed: {', '.join(NAN_POLICIES)}")
    from hsc_analysis.measurement.summary import CFA_MISSING

    cfa_missing = spec.get("cfa_missing", "fiml")
    if cfa_missing not in CFA_MISSING:
        raise fail("cfa_missing", f"got {cfa_missing!r:.60}; allowed: {', '.join(CFA_MISSING)}")
    disclosure = spec.get("disclosure") or {}
    if not isinstance(disclosure, dict):
        raise fail("disclosure", "expected a mapping such as {min_cell: 5}")
    _refuse_unknown(disclosure, DISCLOSURE_KEYS, "disclosure", fail)
    min_cell = disclosure.get("min_cell", DEFAULT_MIN_CELL)
    if isinstance(min_cell, bool) or not isinstance(min_cell, int) or min_cell < 1:
        raise fail("disclosure.min_cell", f"got {min_cell!r:.60}; allowed: a positive integer (smallest group shown)")
    if not isinstance(spec["datasets"], dict) or not spec["datasets"]:
        raise fail("datasets", "expected a mapping of dataset name to {instrument, file}")
    datasets = []
    for name, entry in spec["datasets"].items():
        plain_name(name, where=f"{path}: datasets")
        if not isinstance(entry, dict):
            raise fail(f"datasets.{name}", "expected a mapping with 'instrument' and 'file'")
        for key in ("instrument", "file"):
            if key not in entry:
                raise fail(f"datasets.{name}", f"missing required key '{key}'")
        _refuse_unknown(entry, DATASET_KEYS, f"datasets.{name}", fail)
        mapping = entry.get("mapping")
        problem = mapping_problem(mapping) if mapping is not None else None
        if problem:
            raise fail(f"datasets.{name}.mapping", problem)
        for key in ("instrument", "file"):
            if not isinstance(entry[key], str) or not entry[key]:
                raise fail(f"datasets.{name}.{key}", f"expected a file path, got {entry[key]!r:.80}")
        key = "source" if "source" in entry else "platform"
        source = entry.get(key, "auto")
        if source not in SOURCES:
            raise fail(f"datasets.{name}.{key}", f"got {source!r:.80}; allowed: {', '.join(SOURCES)}")
        instrument_path = (path.parent / entry["instrument"]).resolve()
        datasets.append(
            Dataset(
                name=str(name),
                instrument=load_instrument(instrument_path),
                instrument_path=instrument_path,
                file=(path.parent / entry["file"]).resolve(),
                source=source,
                mapping={str(k): v for k, v in mapping.items()} if mapping else None,
            )
        )
    title = spec["title"]
    title = Label(zh=title.get("zh", ""), en=title.get("en", "")) if isinstance(title, dict) else Label(title, title)
    return Study(
        id=str(spec["id"]),
        title=title,
        language=language,
        datasets=tuple(datasets),
        path=path,
        screening=ScreeningRules.from_spec(spec.get("screening"), source=str(path)),
        seed=seed,
        nan_policy=nan_policy,
        plan=load_plan(spec.get("analyses"), instruments={d.name: d.instrument for d in datasets}, source=str(path)),
        cfa_missing=cfa_missing,
        logs=_logs(spec.get("logs"), path, fail),
        min_cell=min_cell,
        compliance_rules=_compliance_rules(spec.get("compliance_rules"), path, fail),
    )


def _compliance_rules(section, path: Path, fail) -> tuple[str, ...]:
    """The ``compliance_rules:`` list: bundled rule-set names as given, rule files resolved against study.yaml."""
    from hsc_analysis.compliance.rules import BUNDLED_RULE_SETS

    if section is None:
        return ()
    allowed = f"a list of {', '.join(BUNDLED_RULE_SETS)} or .yaml rule files relative to study.yaml"
    if not isinstance(section, list) or not section:
        raise fail("compliance_rules", f"got {section!r:.60}; allowed: {allowed}")
    names = []
    for i, name in enumerate(section):
        if not isinstance(name, str) or not (name in BUNDLED_RULE_SETS or name.lower().endswith((".yaml", ".yml"))):
            raise fail(f"compliance_rules[{i}]", f"got {name!r:.60}; allowed: {allowed}")
        names.append(name if name in BUNDLED_RULE_SETS else str((path.parent / name).resolve()))
    return tuple(names)


def _logs(section, path: Path, fail) -> dict[str, Path]:
    """The ``logs:`` section: activity-log table name → file, relative to study.yaml."""
    from hsc_analysis.compliance.schema import TABLES, missing_tables

    if section is None:
        return {}
    if not isinstance(section, dict):
        raise fail("logs", "expected a mapping of log table name to file")
    _refuse_unknown(section, tuple(TABLES), "logs", fail)
    missing = missing_tables(section)
    if missing:
        raise fail("logs", f"missing required table(s) {', '.join(missing)}")
    for name, file in section.items():
        if not isinstance(file, str) or not file:
            raise fail(f"logs.{name}", f"got {file!r}; allowed: a file path relative to study.yaml")
    return {str(name): (path.parent / file).resolve() for name, file in section.items()}


def _refuse_unknown(spec: dict, allowed: tuple[str, ...], where: str, fail) -> None:
    unknown = sorted(set(map(str, spec)) - set(allowed))
    if unknown:
        raise fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


@dataclass(frozen=True)
class DatasetResult:
    """One dataset run through the chain: the import, its screening, the scale scores, the measurement quality
    (reliability and CFA validity in ``measurement``, the exploratory factor analysis in ``exploratory``) and the
    findings of the respondents kept (every received row is either in ``screening.kept`` or
    ``screening.excluded``)."""

    dataset: Dataset
    responses: SurveyResponses
    screening: ScreeningResult
    scores: ScaleScores
    measurement: MeasurementSummary
    exploratory: ExploratorySummary
    findings: DatasetFindings


class StudyResults(tuple):
    """The :class:`DatasetResult` of every dataset, in the order of study.yaml; also indexed by dataset name
    (``results["parent"]``). ``compliance`` maps a rule-set id to the
    :class:`~hsc_analysis.compliance.StudyCompliance` of the study's activity logs (empty without ``logs:``)."""

    compliance: Mapping[str, StudyCompliance]

    def __new__(cls, results=(), *, compliance: Mapping[str, StudyCompliance] | None = None):
        self = super().__new__(cls, results)
        self.compliance = MappingProxyType(dict(compliance or {}))
        return self

    def __reduce__(self):
        return (_study_results, (tuple(self), dict(self.compliance)))

    def __getitem__(self, key):
        if isinstance(key, str):
            for result in self:
                if result.dataset.name == key:
                    return result
            raise KeyError(f"the study has no dataset {key!r}; datasets: {', '.join(r.dataset.name for r in self)}")
        return super().__getitem__(key)


def run_study(study: Study) -> StudyResults:
    """Import, screen, score and assess the measurement of every dataset of a study, then run its analysis plan,
    in memory; when the study declares school activity logs (``logs:`` with an event table), audit them against its
    rule sets
    (:func:`hsc_analysis.compliance.study_compliances`, in ``results.compliance``).

    Answers outside their scale are marked at import and excluded by the screening's first hurdle with their
    reason, so one bad cell never stops a study; an unreadable file or a missing column still raises. An analysis
    the data cannot support is listed in ``findings.skipped`` with its reason.

    Examples
    --------
    >>> study = load_study("data/example/study.yaml")
    >>> [d.name for d in study.datasets]
    ['parent', 'teacher', 'administrator']
    >>> parent = run_study(study)["parent"]  # or [0]: the results in the order of study.yaml
    >>> flow = parent.screening.flow.set_index("step")["n_after"]
    >>> int(flow["received"]), int(flow["analysed"]), len(parent.screening.excluded)
    (1480, 1377, 103)
    """
    from hsc_analysis.findings import FindingsInput, run_findings
    from hsc_analysis.io import read_responses
    from hsc_analysis.measurement import exploratory_summary, measurement_summary
    from hsc_analysis.scoring import score_scales
    from hsc_analysis.screening import screen

    chains = []
    for dataset in study.datasets:
        instrument = dataset.instrument
        responses = read_responses(
            dataset.file, instrument, source=dataset.source, mapping=dataset.mapping, on_invalid="mark"
        )
        screening = screen(responses, instrument=instrument, rules=study.screening)
        if screening.kept.n == 0:
            removed = ", ".join(f"{row.step} {row.n_excluded}" for row in screening.flow.itertuples() if row.n_excluded)
            raise StudyError(
                f"{study.path}: datasets.{dataset.name}: screening left no respondent of {responses.n} "
                f"(excluded: {removed or 'none'}); check the file and the screening: thresholds"
            )
        items = screening.kept.items
        scores = score_scales(items, instrument=instrument)
        measurement = measurement_summary(
            items, instrument=instrument, nan_policy=study.nan_policy, seed=study.seed, cfa_missing=study.cfa_missing
        )
        exploratory = exploratory_summary(items, instrument=instrument, nan_policy=study.nan_policy, seed=study.seed)
        chains.append((dataset, responses, screening, scores, measurement, exploratory))
    inputs = {
        dataset.name: FindingsInput(dataset.instrument, scores.scores, screening.kept.background)
        for dataset, _, screening, scores, *_ in chains
    }
    findings = run_findings(inputs, plan=study.plan, seed=study.seed, lang=study.language)
    results = [DatasetResult(*chain, findings=findings[chain[0].name]) for chain in chains]
    compliance = {}
    if "event" in study.logs:  # school logs; a county table alone (教联体 targets) is for `hsc compliance`
        from hsc_analysis.compliance import study_compliances

        compliance = study_compliances(study, responses={r.dataset.name: r.responses for r in results})
    return StudyResults(results, compliance=compliance)


def _study_results(results: tuple, compliance: dict) -> StudyResults:
    return StudyResults(results, compliance=compliance)
