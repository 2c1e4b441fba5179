"""A Parquet table is read column by column and its item codes coded in place: the same responses as its CSV."""

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.instruments import Instrument
from hsc_analysis.io import read_responses

INSTRUMENT = Instrument.from_keys({"a": ["a1", "-a2", "a3"], "b": ["b1", "b2"]}, response_range=(1, 5))


def _table(seed: int = 3, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    items = rng.integers(1, 6, size=(n, 5)).astype(float)
    items[rng.random(items.shape) < 0.1] = np.nan
    table = pd.DataFrame(items, columns=INSTRUMENT.item_ids)
    table.iloc[4, 1] = 7.0  # off the scale: invalid
    table.insert(0, "respondent_id", [f"r{i}" for i in range(n)])
    table.insert(1, "duration_seconds", rng.lognormal(5, 0.3, n).round(1))
    table["school"] = rng.choice(["一中", "二中", None], size=n)
    return table


def _same(parquet, csv) -> None:
    for name in ("items", "missing_codes", "background"):
        pd.testing.assert_frame_equal(getattr(parquet, name), getattr(csv, name), check_dtype=False)
    pd.testing.assert_frame_equal(parquet.metadata.drop(columns="source_row"), csv.metadata.drop(columns="source_row"))
    assert parquet.metadata["source_row"].tolist() == (csv.metadata["source_row"] - 1).tolist()  # no header row
    pd.testing.assert_frame_equal(parquet.log[["level", "column", "n_rows"]], csv.log[["level", "column", "n_rows"]])


@pytest.mark.parametrize(
    "change",
    ["as written", "items in another order", "a blank row", "integer codes", "stored index"],
)
def test_parquet_import_equals_the_csv_import(tmp_path, change):
    table = _table()
    index = False
    if change == "items in another order":
        table = table[["respondent_id", "a3", "duration_seconds", "a1", "b2", "a2", "b1", "school"]]
    elif change == "a blank row":
        table.iloc[10] = None
    elif change == "integer codes":
        table["b1"] = table["b1"].fillna(3).astype(int)
    elif change == "stored index":
        table.index = pd.Index([f"x{i}" for i in range(len(table))], name="own")
        index = None  # pandas stores a non-default index
    table.to_parquet(tmp_path / "answers.parquet", index=index)
    table.to_csv(tmp_path / "answers.csv", index=False)
    parquet = read_responses(tmp_path / "answers.parquet", INSTRUMENT, on_invalid="mark")
    csv = read_responses(tmp_path / "answers.csv", INSTRUMENT, on_invalid="mark")
    if change != "stored index":
        _same(parquet, csv)
    assert parquet.missing_codes.loc["r4", "a2"] == 4  # invalid
    assert np.isnan(parquet.items.loc["r4", "a2"])


def test_coding_in_place_leaves_no_trace_of_the_raw_codes(tmp_path):
    """The item codes are written over the block the file was read into: an invalid code is gone from the items,
    and a second import of the same file reads the file again, untouched."""
    table = _table()
    table.to_parquet(tmp_path / "answers.parquet", index=False)
    first = read_responses(tmp_path / "answers.parquet", INSTRUMENT, on_invalid="mark")
    second = read_responses(tmp_path / "answers.parquet", INSTRUMENT, on_invalid="mark")
    pd.testing.assert_frame_equal(first.items, second.items)
    expected = table.set_index("respondent_id")[INSTRUMENT.item_ids].mask(lambda t: t > 5)
    np.testing.assert_array_equal(first.items.to_numpy(), expected.to_numpy())
