"""The interview strand of a study: the ``interviews:`` section of study.yaml, and every analysis of it in one run.

.. code-block:: yaml

    interviews:
      file: interviews/interviews.qdpx     # a REFI-QDA .qdpx, or a coding sheet (.csv, .xlsx, .xls)
      codebook: interviews/codebook.csv    # a coding sheet's codebook (code, definition, parent); optional
      role_variable: role                  # the variable (.qdpx) or column (sheet) holding the speaker's role
      quotes: false                        # segment text reaches the report only when true (default false)
      constructs: {资源不足: service_quality}    # code → survey construct, for the joint display
      relations: {学校与家长: [学校, 家长]}       # relation code → the two actors, for the actor table
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.qualitative.actors import ActorTable, actor_table
from hsc_analysis.qualitative.agreement import CoderAgreement, coder_agreement
from hsc_analysis.qualitative.counts import CodeFrequencies, Cooccurrence, code_cooccurrence, code_frequencies
from hsc_analysis.qualitative.joint import JointDisplay, joint_display
from hsc_analysis.qualitative.project import CodedInterviews
from hsc_analysis.qualitative.quotes import Quotes, select_quotes

__all__ = ["INTERVIEW_KEYS", "InterviewPlan", "InterviewResults", "analyse_interviews", "interview_plan"]

INTERVIEW_KEYS = ("file", "codebook", "role_variable", "quotes", "constructs", "relations")

N_BOOT = 2000
"""Bootstrap resamples of the α intervals in a study run."""


@dataclass(frozen=True)
class InterviewPlan:
    """A study's ``interviews:`` section, validated: the project file (paths resolved against study.yaml), the
    role variable, whether quotes may be shown, the code → construct map of the joint display and the relation
    code → actor pair map of the actor table."""

    file: Path
    codebook: Path | None = None
    role_variable: str = "role"
    quotes: bool = False
    constructs: dict[str, str] = field(default_factory=dict)
    relations: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class InterviewResults:
    """Every analysis of a study's interviews. ``agreement`` is None with one coder, ``actors`` without
    ``relations``, ``quotes`` unless the study allows quotes, ``joint`` without a survey side or ``constructs``.
    ``project`` holds the segment text (personal data): renderers use the results, never the project's text."""

    plan: InterviewPlan
    project: CodedInterviews
    frequencies: CodeFrequencies
    cooccurrence: Cooccurrence
    agreement: CoderAgreement | None
    actors: ActorTable | None
    quotes: Quotes | None
    joint: JointDisplay | None

    def to_frame(self) -> pd.DataFrame:
        """The code frequencies by role."""
        return self.frequencies.to_frame()


def interview_plan(section, *, base: Path, fail: Callable[[str, str], Exception]) -> InterviewPlan | None:
    """Validate the ``interviews:`` section; ``fail(key, message)`` makes the error naming study.yaml and the key."""
    if section is None:
        return None
    if not isinstance(section, dict):
        raise fail("interviews", "expected a mapping with at least 'file'")
    unknown = sorted(set(map(str, section)) - set(INTERVIEW_KEYS))
    if unknown:
        raise fail("interviews", f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(INTERVIEW_KEYS)}")
    if "file" not in section:
        raise fail("interviews", "missing required key 'file' (a .qdpx or a coding sheet)")
    files = {}
    for key in ("file", "codebook"):
        value = section.get(key)
        if value is None and key == "codebook":
            continue
        if not isinstance(value, str) or not value:
            raise fail(f"interviews.{key}", f"got {value!r:.80}; allowed: a file path relative to study.yaml")
        files[key] = (base / value).resolve()
        if not files[key].is_file():
            raise fail(f"interviews.{key}", f"no such file {files[key]}")
    if "codebook" in files and files["file"].suffix.lower() == ".qdpx":
        raise fail("interviews.codebook", "a .qdpx carries its own codebook; give codebook with a coding sheet only")
    role_variable = section.get("role_variable", "role")
    if not isinstance(role_variable, str) or not role_variable:
        raise fail("interviews.role_variable", f"got {role_variable!r:.80}; allowed: a variable or column name")
    quotes = section.get("quotes", False)
    if not isinstance(quotes, bool):
        raise fail("interviews.quotes", f"got {quotes!r:.40}; allowed: true or false")
    constructs = section.get("constructs") or {}
    if not isinstance(constructs, dict) or not all(isinstance(v, str) and v for v in constructs.values()):
        raise fail(
            "interviews.constructs", "expected a mapping of code to construct id, e.g. {资源不足: service_quality}"
        )
    relations = section.get("relations") or {}
    if not isinstance(relations, dict):
        raise fail(
            "interviews.relations", "expected a mapping of relation code to two actors, e.g. {学校与家长: [学校, 家长]}"
        )
    for code, actors in relations.items():
        if not isinstance(actors, list) or len(actors) != 2 or len({str(a) for a in actors}) != 2:
            raise fail(
                f"interviews.relations.{code}", f"got {actors!r:.80}; allowed: two different actors, e.g. [学校, 家长]"
            )
    return InterviewPlan(
        file=files["file"],
        codebook=files.get("codebook"),
        role_variable=role_variable,
        quotes=quotes,
        constructs={str(k): v for k, v in constructs.items()},
        relations={str(k): (str(v[0]), str(v[1])) for k, v in relations.items()},
    )


def read_project(plan: InterviewPlan) -> CodedInterviews:
    """The plan's project, read from its .qdpx or coding sheet."""
    from hsc_analysis.io.tables import read_table
    from hsc_analysis.qualitative.qdpx import read_qdpx
    from hsc_analysis.qualitative.sheet import read_coding_sheet

    if plan.file.suffix.lower() == ".qdpx":
        return read_qdpx(plan.file, role_variable=plan.role_variable)
    codebook = read_table(plan.codebook) if plan.codebook else None
    columns = {plan.role_variable: "role"} if plan.role_variable != "role" else None
    return read_coding_sheet(plan.file, codebook=codebook, columns=columns)


def analyse_interviews(plan: InterviewPlan, *, seed: int, survey: pd.DataFrame | None = None) -> InterviewResults:
    """Read the plan's project and run every analysis: frequencies by role, co-occurrence in segments, coder
    agreement (two or more coders; ``seed`` drives the α bootstrap), the actor table (with ``relations``), quotes
    (only when ``plan.quotes``) and, given ``survey`` (:data:`~hsc_analysis.qualitative.joint.SURVEY_COLUMNS`)
    and ``constructs``, the joint display.

    Raises
    ------
    InputError
        When a code of ``constructs`` or ``relations`` is not in the project's codebook.
    """
    project = read_project(plan)
    known = set(project.codebook["code"])
    for key, codes in (("constructs", plan.constructs), ("relations", plan.relations)):
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise InputError(f"interviews.{key}: code(s) {', '.join(unknown)} not in the codebook of {project.source}")
    frequencies = code_frequencies(project)
    quotes = select_quotes(project) if plan.quotes else None
    return InterviewResults(
        plan=plan,
        project=project,
        frequencies=frequencies,
        cooccurrence=code_cooccurrence(project, level="segment"),
        agreement=coder_agreement(project, seed=seed, n_boot=N_BOOT)
        if project.segments["coder"].nunique() >= 2
        else None,
        actors=actor_table(project, relations=plan.relations) if plan.relations else None,
        quotes=quotes,
        joint=(
            joint_display(frequencies, survey=survey, constructs=plan.constructs, quotes=quotes)
            if survey is not None and plan.constructs
            else None
        ),
    )
