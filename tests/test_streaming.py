"""Streaming a Parquet file batch by batch gives the in-memory numbers, in memory that does not grow with N."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.errors import DataError
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement import reliability
from hsc_analysis.scoring import score_scales
from hsc_analysis.streaming import stream_scores

INSTRUMENT = Instrument.from_keys(
    {f"s{k}": [("-" if i == 3 else "") + f"s{k}_{i}" for i in range(4)] for k in range(3)}, response_range=(1, 5)
)


def _codes(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n, 3)).repeat(4, axis=1)
    values = np.clip(np.rint(3 + factors + rng.normal(scale=0.8, size=(n, 12))), 1, 5)
    values[rng.random(values.shape) < 0.05] = np.nan
    table = pd.DataFrame(values, columns=INSTRUMENT.item_ids)
    table.insert(0, "respondent_id", [f"r{i}" for i in range(n)])
    return table


@pytest.mark.parametrize("nan_policy", ["listwise", "pairwise"])
def test_streamed_scores_alpha_and_correlations_equal_in_memory(tmp_path, nan_policy):
    data = _codes(5_000)
    data.to_parquet(tmp_path / "codes.parquet", index=False, row_group_size=700)
    result = stream_scores(tmp_path / "codes.parquet", instrument=INSTRUMENT, output=tmp_path / "scores.parquet",
                           nan_policy=nan_policy, batch_rows=611)  # fmt: skip
    assert (result.n_rows, result.n_batches) == (5_000, 9)
    memory = score_scales(data.set_index("respondent_id"), instrument=INSTRUMENT)
    written = pd.read_parquet(tmp_path / "scores.parquet").set_index("respondent_id")
    np.testing.assert_allclose(written.to_numpy(), memory.scores.to_numpy(), rtol=0, atol=1e-12)
    assert written.index.tolist() == data["respondent_id"].tolist()
    pd.testing.assert_frame_equal(result.summary, memory.summary)
    table = reliability(data, instrument=INSTRUMENT, nan_policy=nan_policy, seed=None, n_boot=0, ordinal=False)
    for column in ("n", "alpha", "ci_low", "ci_high", "std_alpha", "average_r"):
        np.testing.assert_allclose(result.reliability[column], table[column], rtol=0, atol=1e-10)
    keyed_corr = data[INSTRUMENT.item_ids].assign(**{i: 6 - data[i] for i in INSTRUMENT.reverse_items}).corr()
    np.testing.assert_allclose(result.correlations.to_numpy(), keyed_corr.to_numpy(), rtol=0, atol=1e-10)


def test_memory_stays_flat_as_the_file_grows(tmp_path):
    peaks = {}
    for n in (4_000, 32_000):
        _codes(n, seed=n).to_parquet(tmp_path / f"codes{n}.parquet", index=False, row_group_size=1_000)
        tracemalloc.start()
        stream_scores(tmp_path / f"codes{n}.parquet", instrument=INSTRUMENT, output=tmp_path / f"scores{n}.parquet",
                      nan_policy="listwise", batch_rows=1_000)  # fmt: skip
        peaks[n] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # eight times the rows: in memory it would take eight times the space; streamed, the peak is one batch's
    assert peaks[32_000] < 1.5 * peaks[4_000], peaks


def test_code_off_the_scale_names_the_row_in_the_file(tmp_path):
    data = _codes(50)
    data.loc[37, "s1_2"] = 7
    data.to_parquet(tmp_path / "codes.parquet", index=False)
    with pytest.raises(DataError, match=r"column 's1_2'.*row 38: 7; allowed: 1–5"):
        stream_scores(tmp_path / "codes.parquet", instrument=INSTRUMENT, output=tmp_path / "out.parquet",
                      nan_policy="listwise", batch_rows=16)  # fmt: skip


def test_output_may_not_overwrite_the_input(tmp_path):
    _codes(10).to_parquet(tmp_path / "codes.parquet", index=False)
    with pytest.raises(DataError, match="overwrite the input"):
        stream_scores(tmp_path / "codes.parquet", instrument=INSTRUMENT, output=tmp_path / "codes.parquet",
                      nan_policy="listwise")  # fmt: skip
