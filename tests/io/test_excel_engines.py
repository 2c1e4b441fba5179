"""calamine reads the same cells as openpyxl on every committed .xlsx export, so it can replace openpyxl."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WORKBOOKS = sorted(FIXTURES.rglob("*.xlsx"))


def _cells(table: pd.DataFrame) -> list[list[tuple[str, object]]]:
    """Every cell as (type name, value), empty cells as ("empty", None)."""

    def cell(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ("empty", None)
        return (type(value).__name__, value)

    return [[cell(v) for v in row] for row in table.itertuples(index=False)]


def test_every_committed_workbook_is_covered():
    assert len(WORKBOOKS) >= 9  # the 问卷星 exports and their variants


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_calamine_gives_the_cells_openpyxl_gives(path):
    options = {"header": None, "dtype": object, "keep_default_na": False, "na_values": [], "sheet_name": None}
    openpyxl = pd.read_excel(path, engine="openpyxl", **options)
    calamine = pd.read_excel(path, engine="calamine", **options)
    assert list(calamine) == list(openpyxl)  # every sheet, by name
    for sheet in openpyxl:
        assert calamine[sheet].shape == openpyxl[sheet].shape
        assert _cells(calamine[sheet]) == _cells(openpyxl[sheet])
