import dataclasses

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.instruments import Instrument
from hsc_analysis.responses import SurveyResponses
from hsc_analysis.screening import ScreeningRules, careless_indices, screen

from .conftest import REFERENCE

BFI_KEYS = {
    "agree": ["-A1", "A2", "A3", "A4", "A5"],
    "conscientious": ["C1", "C2", "C3", "-C4", "-C5"],
    "extraversion": ["-E1", "-E2", "E3", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "-O2", "O3", "O4", "-O5"],
}
TOLERANCE = 1e-9  # absolute, against tests/reference/careless.R


def responses(items: pd.DataFrame, *, duration=None, background=None, metadata=None) -> SurveyResponses:
    """SurveyResponses as a reader would return them: NaN answers are 'blank' unless a reason is given."""
    items = items.astype(float)
    missing = pd.DataFrame(np.where(items.isna(), "blank", None), index=items.index, columns=items.columns)
    meta = pd.DataFrame(
        {"duration_seconds": np.full(len(items), 300.0) if duration is None else np.asarray(duration, dtype=float)},
        index=items.index,
    )
    if metadata is not None:
        meta = meta.join(metadata)
    return SurveyResponses(
        items=items,
        missing=missing,
        background=pd.DataFrame(index=items.index) if background is None else background,
        metadata=meta,
        log=pd.DataFrame(columns=["level", "column", "message", "n_rows"]),
        source="test",
        platform="table",
    )


@pytest.fixture(scope="module")
def bfi_indices(bfi):
    inst = Instrument.from_keys(BFI_KEYS, response_range=(1, 6))
    items = bfi[[i.id for i in inst.items]].rename_axis("respondent_id")
    result = careless_indices(responses(items), instrument=inst, synonym_min_r=0.40)
    expected = pd.read_csv(REFERENCE / "careless_bfi.csv", index_col="rownames")
    expected.index = expected.index.astype(items.index.dtype)
    return result, expected


@pytest.mark.parametrize(
    ("column", "reference"),
    [
        ("longstring", "longstring"),  # R: max(rle(x)$lengths) as careless::longstring
        ("irv", "irv"),  # R: careless::irv(na.rm = TRUE)
        ("n_synonym_pairs", "psychsyn_pairs"),
        ("synonyms", "psychsyn"),  # R: careless::psychsyn(critval = .40, resample_na = FALSE)
        ("mahalanobis_d2", "mahalanobis_d2"),  # R: psych::outlier, as careless::mahad
        ("mahalanobis_df", "mahalanobis_df"),
        ("mahalanobis_p", "mahalanobis_p"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_indices_match_r_on_bfi(bfi_indices, column, reference):
    result, expected = bfi_indices
    np.testing.assert_allclose(result[column].to_numpy(float), expected[reference].to_numpy(float), atol=TOLERANCE)


def test_even_odd_is_careless_evenodd_with_the_sign_of_consistency(bfi_indices):
    result, expected = bfi_indices
    np.testing.assert_allclose(-result["even_odd"].to_numpy(), expected["evenodd"].to_numpy(), atol=TOLERANCE)


def test_mahalanobis_equals_stats_mahalanobis_on_complete_rows(bfi, bfi_indices):
    # psych::outlier uses the pairwise covariance of all rows; stats::mahalanobis the complete rows only
    inst = Instrument.from_keys(BFI_KEYS, response_range=(1, 6))
    _, expected = bfi_indices
    complete = bfi[[i.id for i in inst.items]].dropna().rename_axis("respondent_id")
    result = careless_indices(responses(complete), instrument=inst)
    np.testing.assert_allclose(
        result["mahalanobis_d2"].to_numpy(), expected.loc[complete.index, "mahalanobis_complete_d2"], atol=TOLERANCE
    )
    assert (result["mahalanobis_df"] == 25).all()


# --- planted careless responders -------------------------------------------------------------------------------


def synthetic_sample(inst, *, seed, n_attentive=950, n_straight=20, n_random=20, n_pattern=10):
    """Attentive respondents from a factor model on the instrument's constructs, then planted careless ones.

    Attentive: standardised loadings U(.74, .86), factor correlations .5, construct intercepts U(−.6, .6), cut into
    five codes; 1% fail the check; seconds per item lognormal with median 4.5 s. Careless (domain.md §6.1):
    straight-liners (all 4 or all 5), uniform random and cyclic 1-2-3-4-5 responders with a median 1.2 s per item;
    80% of random and patterned ones fail the check, straight-liners answer it with their constant code.
    """
    rng = np.random.default_rng(seed)
    constructs = [c.id for c in inst.constructs]
    construct_of = np.array([constructs.index(item.construct) for item in inst.items])
    k, p = len(constructs), len(construct_of)
    factors = rng.multivariate_normal(np.zeros(k), np.full((k, k), 0.5) + 0.5 * np.eye(k), size=n_attentive)
    loading = rng.uniform(0.74, 0.86, size=p)
    latent = rng.uniform(-0.6, 0.6, size=k)[construct_of] + loading * factors[:, construct_of]
    latent += np.sqrt(1 - loading**2) * rng.normal(size=(n_attentive, p))
    attentive = np.digitize(latent, [-1.6, -0.9, -0.1, 0.8]) + 1.0
    reverse = np.array([item.reverse for item in inst.items])
    attentive[:, reverse] = 6 - attentive[:, reverse]
    straight = np.repeat(rng.choice([4.0, 5.0], size=(n_straight, 1)), p, axis=1)
    random = rng.integers(1, 6, size=(n_random, p)).astype(float)
    patterned = (rng.integers(0, 5, size=(n_pattern, 1)) + np.arange(p)) % 5 + 1.0
    items = np.vstack([attentive, straight, random, patterned])
    n = len(items)
    careless = np.arange(n) >= n_attentive
    wrong = rng.choice([1.0, 3.0, 4.0, 5.0], size=n)
    check = np.where(rng.random(n) < np.where(careless, 0.8, 0.01), wrong, 2.0)
    check[n_attentive : n_attentive + n_straight] = straight[:, 0]
    seconds_per_item = np.exp(rng.normal(np.log(np.where(careless, 1.2, 4.5)), 0.35))
    ids = pd.Index([f"r{i:04d}" for i in range(n)], name="respondent_id")
    frame = pd.DataFrame(items, columns=inst.item_ids, index=ids).assign(check1=check)
    return responses(frame, duration=seconds_per_item * (p + 1)), pd.Series(careless, index=ids)


def precision_recall(flagged: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    hits = (flagged & truth).sum()
    return hits / flagged.sum(), hits / truth.sum()


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_planted_careless_responders_are_excluded(parent, seed):
    data, careless = synthetic_sample(parent, seed=seed)
    result = screen(data, instrument=parent, rules=ScreeningRules())
    excluded = result.indices["hurdle"].notna().to_numpy()
    precision, recall = precision_recall(excluded, careless.to_numpy())
    print(f"seed {seed}: all hurdles precision {precision:.3f}, recall {recall:.3f}")
    # every planted careless responder is caught; precision is capped by the 1% of attentive respondents who fail
    # the check and the ~1% who are faster than 2 s per item, against 5% careless
    assert recall >= 0.95
    assert precision >= 0.60


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_pattern_indices_alone_flag_straight_and_random_responders(parent, seed):
    data, careless = synthetic_sample(parent, seed=seed)
    # no check answers and no durations: only the pattern hurdle can exclude
    data = dataclasses.replace(
        data,
        items=data.items.assign(check1=np.nan),
        missing=data.missing.assign(check1="skipped"),
        metadata=data.metadata.assign(duration_seconds=np.nan),
    )
    rules = ScreeningRules()
    result = screen(data, instrument=parent, rules=rules)
    flagged = (result.indices["n_pattern_flags"] >= rules.pattern_min_flags).to_numpy()
    precision, recall = precision_recall(flagged, careless.to_numpy())
    print(f"seed {seed}: pattern indices alone precision {precision:.3f}, recall {recall:.3f}")
    kind = np.repeat(["attentive", "straight", "random", "cyclic"], [950, 20, 20, 10])
    print(pd.Series(flagged).groupby(kind).mean().round(2).to_dict())
    assert flagged[kind == "straight"].all()
    # random answers escape even-odd ≥ .30 by chance about a quarter of the time over 13 constructs, leaving only
    # the Mahalanobis flag: the pattern hurdle backs up the check and speed hurdles rather than replacing them
    assert flagged[kind == "random"].mean() >= 0.5
    assert recall >= 0.6
    assert precision >= 0.95
