import numpy as np
import pandas as pd
import pytest

from hsc_analysis.instruments import Instrument
from hsc_analysis.responses import SurveyResponses
from hsc_analysis.screening import careless_indices

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
