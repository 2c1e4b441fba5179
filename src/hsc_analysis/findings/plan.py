"""The analysis plan of a study: the ``analyses:`` section of study.yaml, validated once, with defaults.

Every key is optional; what a study leaves out is derived from its instruments' construct roles (``outcome``,
``predictor``, ``mediator``, ``moderator``, ``covariate``), cooperation factors and identifiers::

    analyses:
      n_boot: 5000                      # bootstrap draws of every indirect effect
      confidence: 0.95
      datasets:
        parent:                         # a dataset of the study
          cluster: class_code           # nesting identifier; default class_code when the instrument has it
          describe: [trust, ...]        # default: every construct
          frequencies: [relation, ...]  # default: every single-choice background question
          compare: {outcomes: [effectiveness], groups: [relation, residence]}
                                        # default: outcome constructs × single-choice background questions
          correlations: [trust, ...]    # default: every construct
          regression: {outcome: effectiveness, blocks: [[relation], [communication, ...], [trust]], cov_type: cluster}
                                        # default: the outcome on the cooperation factors, the other predictors,
                                        # then the mediators (covariate constructs first); cluster SEs when clustered
          mediation:                    # default: each cooperation factor → all mediators (parallel) → outcome,
                                        # the other cooperation factors as covariates
            - {x: communication, mediators: [trust], y: effectiveness, covariates: [], serial: false}
          moderation:                   # default: each moderator construct on each cooperation factor → outcome
            - {x: invitations, w: left_behind_any, y: home_involvement}
          indicators:                   # 0/1 variables from the codes of a single-choice question
            left_behind_any: {question: left_behind, codes: [2, 3]}
          class_level:                  # class-level variables from another dataset, e.g. the head teacher's view,
                                        # or the class compliance index of the activity log (logs: in study.yaml)
            head_teacher_enthusiasm: {dataset: teacher, construct: enthusiasm, classes: class_codes,
                                      where: {head_teacher: 1}}
            class_compliance: {compliance: neimenggu, index: graded}   # index: graded (default) or strict
          multilevel:                   # default (clustered data): the outcome on the last regression block's
                                        # terms, group-mean centred, with every class_level variable at level 2
            - {outcome: effectiveness, predictors: [communication], level2: [head_teacher_enthusiasm]}
          locale_comparison:            # school-level groups compared with few schools (few_cluster_comparison);
                                        # default when the dataset has school_code and the study's school table
                                        # (logs: school) gives two or more locales; false switches it off
            {outcomes: [service_quality, satisfaction],   # default: the constructs of the dataset's modules,
                                                          # else its outcome constructs
             locale: school_locale,     # default: the school table's locale, joined on school; or a question
             school: school_code,       # default: school_code
             classes: class_code,       # default: the dataset's cluster (a three-level model); null for two
             reference: urban, weights: webb, n_boot: 9999}
      perception_gap:                   # parents' vs teachers' view of shared constructs, matched by class
        - {parents: parent, teachers: teacher, by: class_code, teacher_classes: class_codes,
           constructs: [goal, effectiveness]}

Names a plan uses must exist in the dataset (construct, background question or non-personal identifier, or a
declared class-level variable); a wrong name is an error naming the file and key path. The constructs of a
dataset's ``modules:`` (add-on instruments) are described and correlated but left out of the role-based defaults of
comparison, regression, mediation, moderation and the multilevel model: only the module's users answer them, and
they are what the default locale comparison compares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hsc_analysis.errors import InputError
from hsc_analysis.instruments import Instrument, Label

__all__ = [
    "AnalysisPlan",
    "ClassLevel",
    "ComplianceIndex",
    "DatasetPlan",
    "Indicator",
    "LocaleComparison",
    "Mediation",
    "Moderation",
    "Multilevel",
    "PerceptionGap",
    "Regression",
    "load_plan",
]

COV_TYPES = ("nonrobust", "HC3", "cluster")
SCHOOL_LOCALE = "school_locale"
"""The analysis-frame column that holds each respondent's school's locale, from the study's school table."""
LOCALE_LABELS = {
    "urban": Label(zh="城区", en="urban"),
    "town": Label(zh="镇区", en="town"),
    "rural": Label(zh="乡村", en="rural"),
}
"""Labels of the school table's locales, in their order (urban first: the default reference)."""
CENTERING = ("group", "grand", "none")


@dataclass(frozen=True)
class Regression:
    outcome: str
    blocks: tuple[tuple[str, ...], ...]
    cov_type: str


@dataclass(frozen=True)
class Mediation:
    x: str
    mediators: tuple[str, ...]
    y: str
    covariates: tuple[str, ...] = ()
    serial: bool = False


@dataclass(frozen=True)
class Moderation:
    x: str
    w: str
    y: str
    covariates: tuple[str, ...] = ()


@dataclass(frozen=True)
class Indicator:
    """A 0/1 variable: 1 where the single-choice ``question`` has one of ``codes`` (NaN where unanswered)."""

    name: str
    question: str
    codes: tuple[int, ...]


@dataclass(frozen=True)
class ClassLevel:
    """A class-level variable: the mean of ``construct`` in ``dataset`` over the rows that list the class in
    ``classes`` and match ``where`` (background codes)."""

    name: str
    dataset: str
    construct: str
    classes: str
    where: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class ComplianceIndex:
    """A class-level variable from the activity log: the class compliance index of the log's last school year under
    rule set ``rules`` (``index``: ``graded``, the mean of the capped rates, or ``strict``, the share of rules met),
    as :func:`hsc_analysis.compliance.class_compliance_predictor` gives it."""

    name: str
    rules: str
    index: str = "graded"
    jurisdiction: Label | None = None
    """Whose rules (the rule set's jurisdiction in Chinese, its title in English), for labels."""


@dataclass(frozen=True)
class Multilevel:
    outcome: str
    predictors: tuple[str, ...]
    level2: tuple[str, ...] = ()
    random_slopes: tuple[str, ...] = ()
    center: str = "group"


@dataclass(frozen=True)
class LocaleComparison:
    """School-level groups (the school's locale) compared on ``outcomes`` with few schools."""

    outcomes: tuple[str, ...]
    locale: str
    school: str
    classes: str | None
    reference: str | int | None
    """A locale code of the school table (``urban``) or a code of the ``locale`` question; None: the first level."""
    weights: str
    n_boot: int


@dataclass(frozen=True)
class DatasetPlan:
    """What the findings compute on one dataset."""

    dataset: str
    cluster: str | None
    describe: tuple[str, ...]
    frequencies: tuple[str, ...]
    compare_outcomes: tuple[str, ...]
    compare_groups: tuple[str, ...]
    correlations: tuple[str, ...]
    regression: Regression | None
    mediation: tuple[Mediation, ...]
    moderation: tuple[Moderation, ...]
    indicators: tuple[Indicator, ...]
    class_level: tuple[ClassLevel | ComplianceIndex, ...]
    multilevel: tuple[Multilevel, ...]
    locale_comparison: LocaleComparison | None = None


@dataclass(frozen=True)
class PerceptionGap:
    parents: str
    teachers: str
    by: str
    teacher_classes: str
    constructs: tuple[str, ...]


@dataclass(frozen=True)
class AnalysisPlan:
    n_boot: int
    confidence: float
    datasets: tuple[DatasetPlan, ...]
    perception_gaps: tuple[PerceptionGap, ...]

    def dataset(self, name: str) -> DatasetPlan | None:
        return next((plan for plan in self.datasets if plan.dataset == name), None)


class _Reader:
    """Validation helpers that name the study file and the key path of every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> InputError:
        from hsc_analysis.study import StudyError

        return StudyError(f"{self.source}: {path}: {message}")

    def mapping(self, value: Any, path: str, allowed: Sequence[str]) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        unknown = sorted(set(map(str, value)) - set(allowed))
        if unknown:
            raise self.fail(path, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
        return value

    def names(self, value: Any, path: str, known: Sequence[str]) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(path, "expected a list of variable names")
        for i, name in enumerate(value):
            self.name(name, f"{path}[{i}]", known)
        return tuple(value)

    def name(self, value: Any, path: str, known: Sequence[str]) -> str:
        if not isinstance(value, str) or value not in known:
            shown = ", ".join(known[:40]) + (" …" if len(known) > 40 else "")
            raise self.fail(path, f"got {value!r:.80}; not a variable of this dataset (known: {shown})")
        return value

    def choice(self, value: Any, allowed: Sequence[str], path: str) -> str:
        if value not in allowed:
            raise self.fail(path, f"got {value!r:.80}; allowed: {', '.join(allowed)}")
        return value

    def declarations(self, value: Any, path: str) -> dict:
        """A mapping of new variable names (plain identifiers) to their definitions."""
        value = self.mapping(value, path, list(value) if isinstance(value, dict) else [])
        for name in value:
            if not isinstance(name, str) or not name.isidentifier():
                raise self.fail(path, f"{name!r:.40} is not a plain name (letters, digits, _)")
        return value

    def entries(self, value: Any, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, "expected a list")
        return value


def load_plan(
    spec: Any,
    *,
    instruments: Mapping[str, Instrument],
    source: str,
    modules: Mapping[str, Sequence[str]] | None = None,
    locales: Sequence[str] = (),
    rule_sets: Mapping[str, Label] | None = None,
) -> AnalysisPlan:
    """Validate the ``analyses:`` section (``None`` when absent) against the study's datasets and fill defaults.

    ``modules`` gives each dataset's constructs that come from its add-on modules; ``locales`` the distinct
    locales of the study's school table (``logs: school``), which make ``school_locale`` a variable of every
    dataset with a ``school_code``; ``rule_sets`` the rule sets the study's activity log can be audited against
    (what a ``class_level`` compliance index may name: id → jurisdiction)."""
    modules = modules or {}
    read = _Reader(source)
    spec = read.mapping(spec, "analyses", ("n_boot", "confidence", "datasets", "perception_gap"))
    n_boot = spec.get("n_boot", 5000)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or not 100 <= n_boot <= 100_000:
        raise read.fail("analyses.n_boot", f"got {n_boot!r:.40}; allowed: an integer from 100 to 100000")
    confidence = spec.get("confidence", 0.95)
    if isinstance(confidence, bool) or not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        raise read.fail("analyses.confidence", f"got {confidence!r:.40}; allowed: a number in [0.5, 1)")
    declared = read.mapping(spec.get("datasets"), "analyses.datasets", list(instruments))
    plans = tuple(
        _dataset_plan(
            read, name, declared.get(name), instruments, tuple(modules.get(name, ())), tuple(locales), rule_sets or {}
        )
        for name in instruments
    )
    gaps = tuple(
        _perception_gap(read, entry, f"analyses.perception_gap[{i}]", instruments)
        for i, entry in enumerate(read.entries(spec.get("perception_gap"), "analyses.perception_gap"))
    )
    return AnalysisPlan(n_boot=n_boot, confidence=confidence, datasets=plans, perception_gaps=gaps)


def _variables(instrument: Instrument) -> dict[str, list[str]]:
    """The variables of a dataset's analysis frame by kind (see :func:`hsc_analysis.findings.analysis_frame`)."""
    public = [q for q in instrument.background if not q.pii and q.type != "text"]
    return {
        "constructs": [c.id for c in instrument.constructs],
        "groups": [q.id for q in public if q.type == "single"],
        "numbers": [q.id for q in public if q.type == "number"],
        "identifiers": [i.id for i in instrument.identifiers if not i.pii],
    }


def _dataset_plan(
    read: _Reader,
    name: str,
    spec: Any,
    instruments: Mapping[str, Instrument],
    module_constructs: tuple[str, ...],
    locales: tuple[str, ...],
    rule_sets: Mapping[str, Label],
) -> DatasetPlan:
    path = f"analyses.datasets.{name}"
    keys = (
        "cluster",
        "describe",
        "frequencies",
        "compare",
        "correlations",
        "regression",
        "mediation",
        "moderation",
        "indicators",
        "class_level",
        "multilevel",
        "locale_comparison",
    )
    spec = read.mapping(spec, path, keys)
    instrument = instruments[name]
    kinds = _variables(instrument)
    constructs, groups = kinds["constructs"], kinds["groups"]
    main = [c for c in instrument.constructs if c.id not in module_constructs]
    by_role = {
        role: [c.id for c in main if c.role == role]
        for role in ("outcome", "predictor", "mediator", "moderator", "covariate")
    }
    factors = [c.id for c in main if c.role == "predictor" and c.cooperation_factor]
    others = [c for c in by_role["predictor"] if c not in factors]

    class_level = tuple(
        _class_level(read, level, body, f"{path}.class_level.{level}", instruments, rule_sets)
        for level, body in read.declarations(spec.get("class_level"), f"{path}.class_level").items()
    )
    indicators = tuple(
        _indicator(read, level, body, f"{path}.indicators.{level}", instrument)
        for level, body in read.declarations(spec.get("indicators"), f"{path}.indicators").items()
    )
    schools_located = len(locales) >= 2 and "school_code" in kinds["identifiers"]
    known = [
        *constructs,
        *groups,
        *kinds["numbers"],
        *kinds["identifiers"],
        *(c.name for c in (*class_level, *indicators)),
        *([SCHOOL_LOCALE] if schools_located else []),
    ]

    def names(key: str, default: Sequence[str]) -> tuple[str, ...]:
        return read.names(spec[key], f"{path}.{key}", known) if key in spec else tuple(default)

    cluster = spec.get("cluster", "class_code" if "class_code" in kinds["identifiers"] else None)
    if cluster is not None:
        read.name(cluster, f"{path}.cluster", kinds["identifiers"])
    elif class_level:
        raise read.fail(f"{path}.class_level", f"needs a cluster: declare analyses.datasets.{name}.cluster")

    compare = read.mapping(spec.get("compare"), f"{path}.compare", ("outcomes", "groups"))
    outcome = by_role["outcome"][0] if by_role["outcome"] else None
    regression = (
        _regression(read, spec.get("regression"), f"{path}.regression", known, cluster)
        if ("regression" in spec)
        else _default_regression(outcome, [by_role["covariate"], factors, others, by_role["mediator"]], cluster)
    )
    if "mediation" in spec:
        entries = read.entries(spec["mediation"], f"{path}.mediation")
        mediation = tuple(_mediation(read, e, f"{path}.mediation[{i}]", known) for i, e in enumerate(entries))
    else:
        mediators = tuple(by_role["mediator"])
        mediation = (
            tuple(Mediation(x, mediators, outcome, tuple(f for f in factors if f != x)) for x in factors)
            if outcome and mediators
            else ()
        )
    if "moderation" in spec:
        entries = read.entries(spec["moderation"], f"{path}.moderation")
        moderation = tuple(_moderation(read, e, f"{path}.moderation[{i}]", known) for i, e in enumerate(entries))
    else:
        moderation = tuple(Moderation(x, w, outcome) for w in by_role["moderator"] for x in factors if outcome)
    if "multilevel" in spec:
        if cluster is None:
            raise read.fail(f"{path}.multilevel", "needs a cluster: declare analyses.datasets.{name}.cluster")
        multilevel = tuple(
            _multilevel(read, e, f"{path}.multilevel[{i}]", known)
            for i, e in enumerate(read.entries(spec["multilevel"], f"{path}.multilevel"))
        )
    elif cluster is not None and regression is not None:
        last = tuple(t for block in regression.blocks for t in block if t in constructs)
        multilevel = (Multilevel(regression.outcome, last, tuple(c.name for c in class_level)),)
    else:
        multilevel = ()
    locale = None
    if spec.get("locale_comparison", True) is not False and ("locale_comparison" in spec or schools_located):
        locale = _locale_comparison(
            read,
            spec.get("locale_comparison"),
            f"{path}.locale_comparison",
            known,
            kinds,
            list(module_constructs) or by_role["outcome"],
            cluster,
            {q.id: q for q in instrument.background},
        )
    return DatasetPlan(
        dataset=name,
        cluster=cluster,
        describe=names("describe", constructs),
        frequencies=names("frequencies", groups),
        compare_outcomes=read.names(compare["outcomes"], f"{path}.compare.outcomes", known)
        if "outcomes" in compare
        else tuple(by_role["outcome"]),
        compare_groups=read.names(compare["groups"], f"{path}.compare.groups", known)
        if "groups" in compare
        else tuple(groups),
        correlations=names("correlations", constructs),
        regression=regression,
        mediation=mediation,
        moderation=moderation,
        indicators=indicators,
        class_level=class_level,
        multilevel=multilevel,
        locale_comparison=locale,
    )


def _locale_comparison(
    read: _Reader,
    spec: Any,
    path: str,
    known: list[str],
    kinds: dict[str, list[str]],
    outcomes: Sequence[str],
    cluster: str | None,
    questions: Mapping[str, Any],
) -> LocaleComparison:
    from hsc_analysis.findings._wild import WEIGHTS

    spec = read.mapping(spec, path, ("outcomes", "locale", "school", "classes", "reference", "weights", "n_boot"))
    located = [SCHOOL_LOCALE] if SCHOOL_LOCALE in known else []
    locale = read.name(spec.get("locale", SCHOOL_LOCALE), f"{path}.locale", [*kinds["groups"], *located])
    school = read.name(spec.get("school", "school_code"), f"{path}.school", kinds["identifiers"])
    classes = spec.get("classes", cluster if cluster != school else None)
    if classes is not None:
        classes = read.name(classes, f"{path}.classes", [i for i in kinds["identifiers"] if i != school])
    chosen = read.names(spec["outcomes"], f"{path}.outcomes", kinds["constructs"]) if "outcomes" in spec else outcomes
    if not chosen:
        raise read.fail(f"{path}.outcomes", "no outcome to compare: name the constructs")
    reference = spec.get("reference")
    allowed = list(LOCALE_LABELS) if locale == SCHOOL_LOCALE else list(questions[locale].levels)
    if reference is not None and reference not in allowed:
        shown = ", ".join(map(str, allowed))
        raise read.fail(f"{path}.reference", f"got {reference!r:.40}; allowed: a level of {locale} ({shown})")
    n_boot = spec.get("n_boot", 9999)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or not 999 <= n_boot <= 99_999:
        raise read.fail(f"{path}.n_boot", f"got {n_boot!r:.40}; allowed: an integer from 999 to 99999")
    return LocaleComparison(
        outcomes=tuple(chosen),
        locale=locale,
        school=school,
        classes=classes,
        reference=reference,
        weights=read.choice(spec.get("weights", "webb"), WEIGHTS, f"{path}.weights"),
        n_boot=n_boot,
    )


def _default_regression(outcome: str | None, blocks: list[list[str]], cluster: str | None) -> Regression | None:
    blocks = [tuple(b) for b in blocks if b]
    if outcome is None or not blocks:
        return None
    return Regression(outcome, tuple(blocks), "cluster" if cluster else "HC3")


def _regression(read: _Reader, spec: Any, path: str, known: list[str], cluster: str | None) -> Regression:
    spec = read.mapping(spec, path, ("outcome", "blocks", "cov_type"))
    if "outcome" not in spec or "blocks" not in spec:
        raise read.fail(path, "needs 'outcome' and 'blocks' (a list of lists of predictors)")
    blocks = read.entries(spec["blocks"], f"{path}.blocks")
    if not blocks:
        raise read.fail(f"{path}.blocks", "expected at least one block")
    cov_type = read.choice(spec.get("cov_type", "cluster" if cluster else "HC3"), COV_TYPES, f"{path}.cov_type")
    if cov_type == "cluster" and cluster is None:
        raise read.fail(f"{path}.cov_type", "'cluster' needs a cluster: declare the dataset's cluster")
    return Regression(
        read.name(spec["outcome"], f"{path}.outcome", known),
        tuple(read.names(b, f"{path}.blocks[{i}]", known) for i, b in enumerate(blocks)),
        cov_type,
    )


def _mediation(read: _Reader, spec: Any, path: str, known: list[str]) -> Mediation:
    spec = read.mapping(spec, path, ("x", "mediators", "y", "covariates", "serial"))
    for key in ("x", "mediators", "y"):
        if key not in spec:
            raise read.fail(path, f"missing required key '{key}'")
    serial = spec.get("serial", False)
    if not isinstance(serial, bool):
        raise read.fail(f"{path}.serial", f"got {serial!r:.40}; allowed: true, false")
    return Mediation(
        read.name(spec["x"], f"{path}.x", known),
        read.names(spec["mediators"], f"{path}.mediators", known),
        read.name(spec["y"], f"{path}.y", known),
        read.names(spec.get("covariates", []), f"{path}.covariates", known),
        serial,
    )


def _moderation(read: _Reader, spec: Any, path: str, known: list[str]) -> Moderation:
    spec = read.mapping(spec, path, ("x", "w", "y", "covariates"))
    for key in ("x", "w", "y"):
        if key not in spec:
            raise read.fail(path, f"missing required key '{key}'")
    return Moderation(
        read.name(spec["x"], f"{path}.x", known),
        read.name(spec["w"], f"{path}.w", known),
        read.name(spec["y"], f"{path}.y", known),
        read.names(spec.get("covariates", []), f"{path}.covariates", known),
    )


def _multilevel(read: _Reader, spec: Any, path: str, known: list[str]) -> Multilevel:
    spec = read.mapping(spec, path, ("outcome", "predictors", "level2", "random_slopes", "center"))
    for key in ("outcome", "predictors"):
        if key not in spec:
            raise read.fail(path, f"missing required key '{key}'")
    predictors = read.names(spec["predictors"], f"{path}.predictors", known)
    slopes = read.names(spec.get("random_slopes", []), f"{path}.random_slopes", list(predictors))
    return Multilevel(
        read.name(spec["outcome"], f"{path}.outcome", known),
        predictors,
        read.names(spec.get("level2", []), f"{path}.level2", known),
        slopes,
        read.choice(spec.get("center", "group"), CENTERING, f"{path}.center"),
    )


def _indicator(read: _Reader, name: str, spec: Any, path: str, instrument: Instrument) -> Indicator:
    spec = read.mapping(spec, path, ("question", "codes"))
    singles = {q.id: q for q in instrument.background if q.type == "single" and not q.pii}
    question = read.name(spec.get("question"), f"{path}.question", list(singles))
    codes = spec.get("codes")
    if not isinstance(codes, list) or not codes or any(c not in singles[question].levels for c in codes):
        allowed = ", ".join(map(str, singles[question].levels))
        raise read.fail(f"{path}.codes", f"got {codes!r:.80}; allowed: a list of codes among {allowed}")
    return Indicator(name, question, tuple(codes))


def _class_level(
    read: _Reader,
    name: str,
    spec: Any,
    path: str,
    instruments: Mapping[str, Instrument],
    rule_sets: Mapping[str, Label],
) -> ClassLevel | ComplianceIndex:
    if isinstance(spec, dict) and "compliance" in spec:
        spec = read.mapping(spec, path, ("compliance", "index"))
        if not rule_sets:
            raise read.fail(f"{path}.compliance", "the study declares no activity log to audit (logs: with event)")
        rules = read.choice(spec["compliance"], list(rule_sets), f"{path}.compliance")
        index = read.choice(spec.get("index", "graded"), ("graded", "strict"), f"{path}.index")
        return ComplianceIndex(name, rules, index, rule_sets[rules])
    spec = read.mapping(spec, path, ("dataset", "construct", "classes", "where"))
    for key in ("dataset", "construct", "classes"):
        if key not in spec:
            raise read.fail(path, f"missing required key '{key}'")
    dataset = read.name(spec["dataset"], f"{path}.dataset", list(instruments))
    source = _variables(instruments[dataset])
    where = read.mapping(spec.get("where"), f"{path}.where", source["groups"])
    for column, code in where.items():
        levels = next(q.levels for q in instruments[dataset].background if q.id == column)
        if code not in levels:
            raise read.fail(f"{path}.where.{column}", f"got {code!r}; allowed codes: {', '.join(map(str, levels))}")
    return ClassLevel(
        name=name,
        dataset=dataset,
        construct=read.name(spec["construct"], f"{path}.construct", source["constructs"]),
        classes=read.name(spec["classes"], f"{path}.classes", source["identifiers"]),
        where=tuple(where.items()),
    )


def _perception_gap(read: _Reader, spec: Any, path: str, instruments: Mapping[str, Instrument]) -> PerceptionGap:
    spec = read.mapping(spec, path, ("parents", "teachers", "by", "teacher_classes", "constructs"))
    for key in ("parents", "teachers", "by", "teacher_classes"):
        if key not in spec:
            raise read.fail(path, f"missing required key '{key}'")
    parents = _variables(instruments[read.name(spec["parents"], f"{path}.parents", list(instruments))])
    teachers = _variables(instruments[read.name(spec["teachers"], f"{path}.teachers", list(instruments))])
    shared = [c for c in parents["constructs"] if c in teachers["constructs"]]
    return PerceptionGap(
        parents=spec["parents"],
        teachers=spec["teachers"],
        by=read.name(spec["by"], f"{path}.by", parents["identifiers"]),
        teacher_classes=read.name(spec["teacher_classes"], f"{path}.teacher_classes", teachers["identifiers"]),
        constructs=read.names(spec["constructs"], f"{path}.constructs", shared)
        if "constructs" in spec
        else tuple(shared),
    )
