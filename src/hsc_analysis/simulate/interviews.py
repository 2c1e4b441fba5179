"""Synthetic coded interviews for the district study: about 30 interviews in Chinese, two coders, known agreement.

The design (roles, codebook, sentences, role and rurality effects on themes, coder reliabilities) is the packaged
``interviews.yaml``. Themes are tied to the survey's planted locale effects: a code matched to a survey construct
(``survey:``) has a rurality effect of the same sign as that construct's (resource shortage up, communication,
course variety and community involvement down in rural schools).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hsc_analysis.errors import InputError
from hsc_analysis.qualitative.qdpx import write_qdpx
from hsc_analysis.yamlfile import read_yaml

__all__ = ["SimulatedInterviews", "simulate_interviews", "write_interviews"]

_DESIGN = Path(__file__).resolve().parent / "interviews.yaml"
_RURALITY = {"urban": 0.0, "town": 0.5, "rural": 1.0}
_NO_SCHOOL = ("教育局",)  # district office: not attached to a school


@dataclass(frozen=True)
class SimulatedInterviews:
    """A coded interview project with its truth.

    Attributes
    ----------
    codebook : DataFrame
        ``code, definition, parent`` (themes and codes).
    interviews : DataFrame
        ``name, role, school_id, locale, text``: ``name`` carries a fictitious speaker name (as real file names do).
    segments : DataFrame
        ``source, segment, start, end, code, coder``: each coder's codes per segment (character positions).
    truth : dict
        Each segment's true codes, the planted κ per code (reliability²) and pooled, the role and rurality logits.
    """

    codebook: pd.DataFrame
    interviews: pd.DataFrame
    segments: pd.DataFrame
    truth: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        return self.segments


def simulate_interviews(schools: pd.DataFrame, *, seed: int) -> SimulatedInterviews:
    """Draw the interview strand for ``schools`` (``school_id, locale``) with the packaged design.

    Notes
    -----
    A segment's primary code is drawn from softmax(role[c] + rural[c]·rurality); with probability ``second_code``
    another code is added. Independently, with probability ``relation_share`` the segment also carries one
    relation code (who coordinates with whom), drawn from the softmax of the relation codes' own role and rurality
    logits, from a second random stream (so the theme codes are the same with or without relations). Coder k's
    decision on code c for a segment is the truth with probability r_c, otherwise Bernoulli(π_c) with π_c the
    code's share of segments. Both coders' decisions then have margin π_c and agree by chance with
    p_e = π_c² + (1 − π_c)², so P(agree) = r_c² + (1 − r_c²) p_e and κ_c = r_c² in the population.
    """
    design = read_yaml(_DESIGN, error=InputError, what="interview design")
    rng = np.random.default_rng([seed, 17])
    relation_rng = np.random.default_rng([seed, 17, 2])
    layers = [_Layer([c for c in design["codes"] if "role" in c]), _Layer(design["relations"])]
    speakers = design["speakers"]
    by_locale = {loc: part["school_id"].tolist() for loc, part in schools.groupby("locale", sort=False)}
    truth_segments = []
    interview_rows = []
    for role, n_role in design["roles"].items():
        locales = (
            [None] * n_role if role in _NO_SCHOOL else [list(by_locale)[k % len(by_locale)] for k in range(n_role)]
        )
        for k, locale in enumerate(locales):
            school = None if locale is None else by_locale[locale][k // len(by_locale) % len(by_locale[locale])]
            rurality = 0.0 if locale is None else _RURALITY[locale]
            themes, relations = (layer.probabilities(role, rurality) for layer in layers)
            n_seg = int(rng.integers(design["segments"][0], design["segments"][1] + 1))
            primary = rng.choice(len(themes), size=n_seg, p=themes)
            second = np.where(
                rng.random(n_seg) < design["second_code"], rng.choice(len(themes), size=n_seg, p=themes), -1
            )
            related = np.where(
                relation_rng.random(n_seg) < design["relation_share"],
                relation_rng.choice(len(relations), size=n_seg, p=relations),
                -1,
            )
            text, position = [], 0
            for s in range(n_seg):
                codes = sorted({primary[s], second[s]} - {-1})
                sentence = "".join(layers[0].sentence(c, rng) for c in codes)
                relation = [] if related[s] < 0 else [int(related[s])]
                sentence += "".join(layers[1].sentence(c, relation_rng) for c in relation)
                truth_segments.append((len(interview_rows), s, position, position + len(sentence), codes, relation))
                text.append(sentence)
                position += len(sentence) + 1
            speaker = f"{speakers['surnames'][rng.integers(len(speakers['surnames']))]}{speakers['titles'][role]}"
            name = f"访谈{len(interview_rows) + 1:02d}_{speaker}_{role}.docx"
            interview_rows.append((name, role, school, locale, "\n".join(text)))
    coders = design["coders"]
    rows, prevalence = [], []
    for layer, draw, which in ((layers[0], rng, 4), (layers[1], relation_rng, 5)):
        true = np.zeros((len(truth_segments), len(layer.names)), dtype=bool)
        for u, segment in enumerate(truth_segments):
            true[u, segment[which]] = True
        prevalence.append(true.mean(axis=0))
        for coder in coders:
            keep = draw.random(true.shape) < layer.reliability
            guess = draw.random(true.shape) < prevalence[-1]
            for u, c in zip(*np.nonzero(np.where(keep, true, guess)), strict=True):
                source, segment, start, end, *_ = truth_segments[u]
                rows.append((source, segment, start, end, layer.names[c], coder))
    segments = pd.DataFrame(rows, columns=["source", "segment", "start", "end", "code", "coder"])
    segments = segments.sort_values(["source", "segment", "coder", "code"], ignore_index=True)
    theme = design["relation_theme"]
    codebook = pd.DataFrame(
        [(c["code"], c["definition"], c["parent"]) for c in design["codes"]]
        + [(c["code"], c["definition"], theme) for c in design["relations"]],
        columns=["code", "definition", "parent"],
    )
    names = [*layers[0].names, *layers[1].names]
    prevalence = np.concatenate(prevalence)
    kappa = np.concatenate([layer.reliability for layer in layers]) ** 2
    p_o = np.mean(kappa + (1 - kappa) * (prevalence**2 + (1 - prevalence) ** 2))
    pooled = prevalence.mean()
    p_e = pooled**2 + (1 - pooled) ** 2
    truth = {
        "coders": coders,
        "planted_kappa": dict(zip(names, kappa.round(6).tolist(), strict=True)),
        "planted_kappa_pooled": round(float((p_o - p_e) / (1 - p_e)), 6),
        "prevalence": dict(zip(names, prevalence.round(6).tolist(), strict=True)),
        "role_logit": {c["code"]: c["role"] for layer in layers for c in layer.codes},
        "rural_logit": {c["code"]: c["rural"] for layer in layers for c in layer.codes},
        "survey_ties": {c["code"]: c["survey"] for c in layers[0].codes if "survey" in c},
        "relations": {c["code"]: c["actors"] for c in design["relations"]},
        "segments": [
            {"interview": s, "segment": g, "start": a, "end": b, "codes": [*layers[0].pick(c), *layers[1].pick(r)]}
            for s, g, a, b, c, r in truth_segments
        ],
        "interviews": [{"name": n, "role": r, "school_id": sc, "locale": lo} for n, r, sc, lo, _ in interview_rows],
    }
    interviews = pd.DataFrame(interview_rows, columns=["name", "role", "school_id", "locale", "text"])
    return SimulatedInterviews(codebook, interviews, segments, truth)


class _Layer:
    """One set of codes drawn together (the themes' codes, or the relation codes) with their logits."""

    def __init__(self, codes: list[dict[str, Any]]) -> None:
        self.codes = codes
        self.names = [c["code"] for c in codes]
        self.rural = np.array([c["rural"] for c in codes])
        self.reliability = np.array([c["reliability"] for c in codes])

    def probabilities(self, role: str, rurality: float) -> np.ndarray:
        logit = np.array([c["role"][role] for c in self.codes]) + self.rural * rurality
        prob = np.exp(logit - logit.max())
        return prob / prob.sum()

    def sentence(self, code: int, rng: np.random.Generator) -> str:
        sentences = self.codes[code]["sentences"]
        return sentences[rng.integers(len(sentences))]

    def pick(self, codes: list[int]) -> list[str]:
        return [self.names[c] for c in codes]


def write_interviews(simulated: SimulatedInterviews, *, out_dir: str | Path) -> list[Path]:
    """Write ``interviews.qdpx`` (REFI-QDA; variables role, school_id, locale), ``coding_sheet.csv`` and
    ``codebook.csv`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    qdpx = write_qdpx(
        simulated.codebook,
        simulated.interviews,
        simulated.segments,
        out / "interviews.qdpx",
        variables=("role", "school_id", "locale"),
    )
    interviews = simulated.interviews
    seg = simulated.segments
    sheet = pd.DataFrame(
        {
            "interview": interviews["name"].str.removesuffix(".docx").to_numpy()[seg["source"]],
            "role": interviews["role"].to_numpy()[seg["source"]],
            "segment": seg["segment"] + 1,
            "text": [
                interviews["text"].iloc[s][a:b] for s, a, b in zip(seg["source"], seg["start"], seg["end"], strict=True)
            ],
            "code": seg["code"],
            "coder": seg["coder"],
        }
    )
    paths = [qdpx]
    for name, frame in (("coding_sheet.csv", sheet), ("codebook.csv", simulated.codebook)):
        path = out / name
        path.write_bytes(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        paths.append(path)
    return paths
