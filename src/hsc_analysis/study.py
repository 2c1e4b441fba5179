"""A study declared in ``study.yaml``, and the chain that runs it: import → screen → score → measurement.

``study.yaml`` is the single place that declares a study (see the README): its title, output language, seed,
missing-data policy, screening rules, one entry per dataset (instrument file and raw data file, paths relative
to study.yaml), optionally the activity-log tables (``logs:``, read by :mod:`hsc_analysis.compliance`) and the
coded interviews (``interviews:``, :mod:`hsc_analysis.qualitative.plan`).
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
from hsc_analysis.instruments import Instrument, Label, append_modules, load_instrument
from hsc_analysis.paths import plain_name
from hsc_analysis.screening.rules import ScreeningRules
from hsc_analysis.yamlfile import read_yaml

if TYPE_CHECKING:
    import pandas as pd

    from hsc_analysis.compliance import StudyCompliance
    from hsc_analysis.findings import DatasetFindings
    from hsc_analysis.measurement import ExploratorySummary, MeasurementSummary
    from hsc_analysis.qualitative.plan import InterviewPlan, InterviewResults
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
STUDY_KEYS += ("analyses", "datasets", "logs", "interviews", "compliance_rules")
DISCLOSURE_KEYS = ("min_cell",)
DATASET_KEYS = ("instrument", "file", "source", "platform", "mapping", "modules")


class StudyError(InputError):
    """study.yaml is broken; the message names the file and the key path."""


@dataclass(frozen=True)
class Dataset:
    """One questionnaire's data in a study: the instrument and the raw file it was collected with, the platform
    (``source``, also accepted as ``platform``; see :func:`hsc_analysis.io.read_responses`) and an explicit
    column → question ``mapping`` (a question id, or None to leave the column out). ``instrument`` is the main
    instrument with the constructs and questions of its ``modules`` (add-on instrument files whose questions are in
    the same export) appended; ``module_constructs`` names the constructs that came from the modules."""

    name: str
    instrument: Instrument
    instrument_path: Path
    file: Path
    source: str = "auto"
    mapping: dict[str, str | None] | None = None
    modules: tuple[Path, ...] = ()
    module_constructs: tuple[str, ...] = ()


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
    school_locales: dict[str, str] = field(default_factory=dict)
    """School id → locale (urban, town, rural) from the school table of ``logs:``, where it has a locale column."""
    interviews: InterviewPlan | None = None
    """The coded interviews (the ``interviews:`` section; see :mod:`hsc_analysis.qualitative.plan`)."""
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
        main = load_instrument(instrument_path)
        modules = _modules(entry.get("modules"), path, f"datasets.{name}.modules", fail)
        instrument = main
        if modules:
            loaded = [load_instrument(module) for module in modules]
            instrument = append_modules(main, loaded, sources=[str(instrument_path), *map(str, modules)])
        datasets.append(
            Dataset(
                name=str(name),
                instrument=instrument,
                instrument_path=instrument_path,
                file=(path.parent / entry["file"]).resolve(),
                source=source,
                mapping={str(k): v for k, v in mapping.items()} if mapping else None,
                modules=modules,
                module_constructs=tuple(c.id for c in instrument.constructs[len(main.constructs) :]),
            )
        )
    title = spec["title"]
    title = Label(zh=title.get("zh", ""), en=title.get("en", "")) if isinstance(title, dict) else Label(title, title)
    logs = _logs(spec.get("logs"), path, fail)
    school_locales = _school_locales(logs.get("school"), fail)
    compliance_rules = _compliance_rules(spec.get("compliance_rules"), path, fail)
    plan = load_plan(
        spec.get("analyses"),
        instruments={d.name: d.instrument for d in datasets},
        source=str(path),
        modules={d.name: d.module_constructs for d in datasets},
        locales=sorted(set(school_locales.values())),
        rule_sets=_rule_sets(compliance_rules) if "event" in logs else None,
    )
    return Study(
        id=str(spec["id"]),
        title=title,
        language=language,
        datasets=tuple(datasets),
        path=path,
        screening=ScreeningRules.from_spec(spec.get("screening"), source=str(path)),
        seed=seed,
        nan_policy=nan_policy,
        plan=plan,
        cfa_missing=cfa_missing,
        logs=logs,
        min_cell=min_cell,
        school_locales=school_locales,
        interviews=_interviews(spec.get("interviews"), path, fail),
        compliance_rules=compliance_rules,
    )


def _modules(section, path: Path, where: str, fail) -> tuple[Path, ...]:
    """A dataset's ``modules:``: add-on instrument files, relative to study.yaml, each existing and listed once."""
    if section is None:
        return ()
    if not isinstance(section, list) or not section:
        raise fail(where, f"got {section!r:.80}; allowed: a list of instrument files (paths relative to study.yaml)")
    files = []
    for i, entry in enumerate(section):
        if not isinstance(entry, str) or not entry:
            raise fail(f"{where}[{i}]", f"expected an instrument file path, got {entry!r:.80}")
        file = (path.parent / entry).resolve()
        if not file.is_file():
            raise fail(f"{where}[{i}]", f"no instrument file {file}")
        if file in files:
            raise fail(f"{where}[{i}]", f"{entry} is listed twice")
        files.append(file)
    return tuple(files)


def _locale_contrasts(findings) -> pd.DataFrame | None:
    """The survey side of the interviews' joint display: every locale contrast of the study's findings by OLS with
    CR2 standard errors and Satterthwaite df (the estimate that stays honest with few schools); None without one."""
    import pandas as pd

    frames = [c.to_frame() for f in findings.values() for c in f.locale_comparison]
    if not frames:
        return None
    contrasts = pd.concat(frames, ignore_index=True)
    return contrasts[contrasts["method"] == "cr2_satterthwaite"].reset_index(drop=True)


def _interviews(section, path: Path, fail) -> InterviewPlan | None:
    from hsc_analysis.qualitative.plan import interview_plan

    return interview_plan(section, base=path.parent, fail=fail)


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


def _rule_sets(compliance_rules: tuple[str, ...]) -> dict[str, Label]:
    """The rule sets a class-level compliance index may name (those of ``compliance_rules:``, else every bundled
    one, that judge classes): id → jurisdiction (zh) and title (en)."""
    from hsc_analysis.compliance.rules import BUNDLED_RULE_SETS, load_rules

    sets = [load_rules(name) for name in compliance_rules or BUNDLED_RULE_SETS]
    return {
        rules.id: Label(zh=rules.jurisdiction or rules.title["zh"], en=rules.title["en"])
        for rules in sets
        if rules.school_rules
    }


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


def _school_locales(table: Path | None, fail) -> dict[str, str]:
    """School id → locale from the school table (``logs.school``; CSV, Excel or Parquet). Empty without the table,
    its file or its locale column: the compliance audit, which reads every log table, reports a missing file."""
    from hsc_analysis.errors import DataError
    from hsc_analysis.findings.plan import LOCALE_LABELS
    from hsc_analysis.io.tables import read_table

    if table is None or not table.is_file():
        return {}
    try:
        schools = read_table(table)
    except DataError as err:
        raise fail("logs.school", str(err)) from None
    if "school_id" not in schools or "locale" not in schools:
        return {}
    located = schools[schools["locale"].notna() & (schools["locale"].astype(str).str.strip() != "")]
    locales = located["locale"].astype(str).str.strip()
    wrong = locales[~locales.isin(list(LOCALE_LABELS))]
    if len(wrong):
        raise fail(
            "logs.school",
            f"{table} row {wrong.index[0]}, column locale: got {wrong.iloc[0]!r:.40}; allowed: "
            f"{', '.join(LOCALE_LABELS)} (or empty)",
        )
    return dict(zip(located["school_id"].astype(str).str.strip(), locales, strict=True))


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
    (``results["parent"]``). ``interviews`` holds the analyses of the study's coded interviews, or None;
    ``compliance`` maps a rule-set id to the :class:`~hsc_analysis.compliance.StudyCompliance` of the study's
    activity logs (empty without ``logs:``)."""

    interviews: InterviewResults | None
    compliance: Mapping[str, StudyCompliance]

    def __new__(
        cls,
        results=(),
        *,
        interviews: InterviewResults | None = None,
        compliance: Mapping[str, StudyCompliance] | None = None,
    ):
        self = super().__new__(cls, results)
        self.interviews = interviews
        self.compliance = MappingProxyType(dict(compliance or {}))
        return self

    def __reduce__(self):
        return (_study_results, (tuple(self), self.interviews, dict(self.compliance)))

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
    compliance = {}
    if "event" in study.logs:  # school logs; a county table alone (教联体 targets) is for `hsc compliance`
        from hsc_analysis.compliance import study_compliances

        compliance = study_compliances(study, responses={chain[0].name: chain[1] for chain in chains})
    findings = run_findings(
        inputs,
        plan=study.plan,
        seed=study.seed,
        lang=study.language,
        school_locales=study.school_locales,
        class_indices={rules: c.predictor for rules, c in compliance.items() if c.predictor is not None},
    )
    results = [DatasetResult(*chain, findings=findings[chain[0].name]) for chain in chains]
    interviews = None
    if study.interviews is not None:
        from hsc_analysis.qualitative.plan import analyse_interviews

        interviews = analyse_interviews(study.interviews, seed=study.seed, survey=_locale_contrasts(findings))
    return StudyResults(results, interviews=interviews, compliance=compliance)


def _study_results(results: tuple, interviews, compliance: dict) -> StudyResults:
    return StudyResults(results, interviews=interviews, compliance=compliance)
