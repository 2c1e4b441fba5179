"""Screening a file in two passes over row batches gives the in-memory decisions and values, in flat memory."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.errors import DataError
from hsc_analysis.io import read_responses
from hsc_analysis.screening import ScreeningRules, screen
from hsc_analysis.streaming_screen import stream_screen

from .screening.test_screening import synthetic_sample

TOLERANCE = 1e-10


def _table(parent, *, seed=5, n_attentive=950) -> pd.DataFrame:
    """The planted-careless parent sample as a plain table, with repeats, invalid codes, 不了解 and blanks."""
    data, _ = synthetic_sample(parent, seed=seed, n_attentive=n_attentive)
    table = data.items.copy()
    rng = np.random.default_rng(seed)
    table[rng.random(table.shape) < 0.03] = np.nan
    table.iloc[7, 3] = 7.0  # off the scale: invalid
    table.iloc[11, 0] = 9.0  # 不了解 on the A5_dk scale of opn1: don't know
    table.iloc[len(table) - 3] = table.iloc[2]  # the same answers in a later batch: a duplicate
    table.iloc[len(table) - 2] = table.iloc[len(table) - 4]  # ... and in the same one
    table.iloc[20, :40] = np.nan  # too many unanswered: incomplete
    duration = data.metadata["duration_seconds"].to_numpy().copy()
    straight = slice(n_attentive, n_attentive + 4)  # straight-liners who pass the check, slowly: pattern hurdle
    table.iloc[straight, table.columns.get_loc("check1")] = 2.0
    duration[straight] = 300.0
    return table.reset_index().assign(duration_seconds=duration)


def _assert_same(result, memory):
    indices = pd.read_parquet(result.indices)
    expected = memory.indices.reset_index()
    assert list(indices.columns) == list(expected.columns)
    for column in expected.columns:
        got, want = indices[column].to_numpy(), expected[column].to_numpy()
        if pd.api.types.is_float_dtype(expected[column]):
            np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE, err_msg=column)
        else:
            assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in want], column
    excluded = pd.read_parquet(result.excluded)
    assert excluded.to_numpy().tolist() == memory.excluded.to_numpy().tolist()
    kept = pd.read_parquet(result.kept).set_index("respondent_id")
    np.testing.assert_array_equal(kept[memory.kept.items.columns].to_numpy(), memory.kept.items.to_numpy())
    assert kept.index.tolist() == memory.kept.items.index.tolist()
    pd.testing.assert_frame_equal(result.flow, memory.flow)


@pytest.mark.parametrize("batch_rows", [97, 613])
def test_streamed_screening_equals_in_memory(tmp_path, parent, batch_rows):
    _table(parent).to_parquet(tmp_path / "answers.parquet", index=False)
    rules = ScreeningRules()
    memory = screen(read_responses(tmp_path / "answers.parquet", parent, on_invalid="mark"), instrument=parent,
                    rules=rules)  # fmt: skip
    assert set(memory.excluded["hurdle"]) == {"invalid", "duplicate", "incomplete", "attention", "speed", "pattern"}
    result = stream_screen(tmp_path / "answers.parquet", instrument=parent, rules=rules, output=tmp_path / "out",
                           batch_rows=batch_rows)  # fmt: skip
    assert (result.n_rows, result.n_batches) == (1_000, -(-1_000 // batch_rows))
    _assert_same(result, memory)
    assert result.log["batch"].max() == result.n_batches


def test_a_csv_file_streams_as_it_reads(tmp_path, parent):
    _table(parent, seed=6).to_csv(tmp_path / "answers.csv", index=False)
    rules = ScreeningRules(min_completeness=0.9)
    memory = screen(read_responses(tmp_path / "answers.csv", parent, on_invalid="mark"), instrument=parent,
                    rules=rules)  # fmt: skip
    result = stream_screen(tmp_path / "answers.csv", instrument=parent, rules=rules, output=tmp_path / "out",
                           batch_rows=250)  # fmt: skip
    _assert_same(result, memory)


def test_memory_stays_flat_as_the_file_grows(tmp_path, parent):
    peaks = {}
    for n in (1_000, 8_000):
        _table(parent, seed=7, n_attentive=n - 50).to_parquet(tmp_path / f"answers{n}.parquet", index=False)
        tracemalloc.start()
        stream_screen(tmp_path / f"answers{n}.parquet", instrument=parent, rules=ScreeningRules(),
                      output=tmp_path / f"out{n}", batch_rows=500)  # fmt: skip
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # eight times the rows: in memory the peak grows with them; streamed, it is one batch's and a few bytes a row
    assert peaks[8_000] < 1.5 * peaks[1_000], peaks


def test_a_respondent_id_repeated_in_another_batch_is_an_error_as_at_import(tmp_path, parent):
    table = _table(parent)
    table.loc[900, "respondent_id"] = table.loc[3, "respondent_id"]
    table.to_parquet(tmp_path / "answers.parquet", index=False)
    with pytest.raises(DataError, match=r"repeats respondent id\(s\)"):
        read_responses(tmp_path / "answers.parquet", parent)
    with pytest.raises(DataError, match=r"answers.parquet: column 'respondent_id' repeats respondent id\(s\) in "
                       r"row\(s\) 4, 901"):  # fmt: skip
        stream_screen(tmp_path / "answers.parquet", instrument=parent, rules=ScreeningRules(), output=tmp_path,
                      batch_rows=100)  # fmt: skip


def test_batch_rows_must_be_a_positive_integer(tmp_path, parent):
    with pytest.raises(DataError, match="batch_rows must be a positive integer; got 0"):
        stream_screen(tmp_path / "none.parquet", instrument=parent, rules=ScreeningRules(), output=tmp_path,
                      batch_rows=0)  # fmt: skip
