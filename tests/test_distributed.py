"""The Dask back end gives the in-memory results: on a two-worker LocalCluster and on the synchronous scheduler,
on the bundled example's parents and on synthetic codes with missing values, whatever the partitioning."""

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster

from hsc_analysis.distributed import (
    dask_item_table,
    dask_moments,
    dask_reliability,
    dask_row_indices,
    dask_score_scales,
)
from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument
from hsc_analysis.io import read_responses
from hsc_analysis.measurement import item_table, reliability
from hsc_analysis.scoring import key_items, score_scales
from hsc_analysis.screening import careless_indices

from .conftest import EXAMPLE

EXACT = 1e-10  # sums of integer codes are exact in any order: the statistics agree to rounding error


@pytest.fixture(scope="module")
def cluster():
    # threads in one process: starts in about a second and needs no pickling of the tasks' arguments
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as local,
        Client(local) as client,
    ):
        yield client


@pytest.fixture(params=["cluster", "synchronous"])
def scheduler(request):
    if request.param == "cluster":
        request.getfixturevalue("cluster")  # the Client is Dask's default scheduler while it is open
        yield request.param
    else:
        with dask.config.set(scheduler="synchronous"):
            yield request.param


@pytest.fixture(scope="module")
def example(parent):
    path = next(EXAMPLE.glob("*家长卷*.xlsx"))
    return read_responses(path, parent)


def synthetic() -> tuple[pd.DataFrame, Instrument]:
    """Three scales (one with a reverse item, one of two items, one of a single item), 5 % blanks, 2,003 rows."""
    inst = Instrument.from_keys({"A": ["a1", "a2", "-a3", "a4"], "B": ["b1", "b2"], "C": ["c1"]}, response_range=(1, 5))
    rng = np.random.default_rng(15)
    latent = rng.normal(size=(2003, 1))
    codes = np.clip(np.rint(3 + latent + rng.normal(size=(2003, 7))), 1, 5)
    codes[:, 2] = 6 - codes[:, 2]
    codes[rng.random(codes.shape) < 0.05] = np.nan
    return pd.DataFrame(codes, columns=["a1", "a2", "a3", "a4", "b1", "b2", "c1"]), inst


def _check_moment_results(data: pd.DataFrame, inst: Instrument, npartitions: int, policy: str) -> None:
    frame = dd.from_pandas(data, npartitions=npartitions, sort=False)
    sums = dask_moments(frame, instrument=inst, nan_policy=policy)
    assert sums.n_partitions == npartitions and sums.n_rows == len(data)
    expected = reliability(data, instrument=inst, nan_policy=policy, seed=None, n_boot=0, ordinal=False)
    pd.testing.assert_frame_equal(sums.reliability(), expected, rtol=0, atol=EXACT)
    # the critical ratio from sums (pass 2) against scipy's on the rows: equal to rounding error
    expected = item_table(data, instrument=inst, nan_policy=policy)
    pd.testing.assert_frame_equal(dask_item_table(frame, instrument=inst, nan_policy=policy), expected, rtol=0,
                                  atol=EXACT)  # fmt: skip
    pd.testing.assert_frame_equal(sums.correlations(), key_items(data, instrument=inst).corr(), rtol=0, atol=EXACT)
    pd.testing.assert_frame_equal(sums.summary, score_scales(data, instrument=inst).summary)


@pytest.mark.parametrize("policy", ["listwise", "pairwise"])
def test_moment_statistics_equal_the_in_memory_ones_on_the_example(example, parent, scheduler, policy):
    _check_moment_results(example.items, parent, npartitions=7, policy=policy)


@pytest.mark.parametrize("npartitions", [1, 3, 40])
@pytest.mark.parametrize("policy", ["listwise", "pairwise"])
def test_moment_statistics_equal_the_in_memory_ones_with_missing_values(scheduler, npartitions, policy):
    # 40 partitions: a tree of three levels (SPLIT_EVERY = 8); the single-item construct keeps its flag
    data, inst = synthetic()
    _check_moment_results(data, inst, npartitions=npartitions, policy=policy)
    frame = dd.from_pandas(data, npartitions=npartitions, sort=False)
    table = dask_reliability(frame, instrument=inst, nan_policy=policy)
    assert table.set_index("construct").loc["C", "flags"] == "a single item: reliability is not defined"


def test_scores_are_computed_partition_by_partition(example, parent, scheduler):
    frame = dd.from_pandas(example.items, npartitions=5, sort=False)
    scores = dask_score_scales(frame, instrument=parent)
    assert scores.npartitions == 5
    expected = score_scales(example.items, instrument=parent).scores
    # dask stores the respondent ids as its own string dtype: the labels are the same
    pd.testing.assert_frame_equal(scores.compute(), expected, check_index_type=False, rtol=0, atol=1e-12)
    only = dask_score_scales(frame, instrument=parent, constructs=["trust"]).compute()
    assert list(only.columns) == ["trust"]


def test_row_wise_careless_indices_equal_those_of_careless_indices(example, parent, scheduler):
    frame = dd.from_pandas(example.items, npartitions=4, sort=False)
    ours = dask_row_indices(frame, instrument=parent).compute()
    expected = careless_indices(example, instrument=parent)[list(ours.columns)]
    pd.testing.assert_frame_equal(ours, expected, check_dtype=False, check_index_type=False, rtol=0, atol=1e-12)


def test_a_code_off_the_scale_is_reported_with_its_row(scheduler):
    data, inst = synthetic()
    data.index = pd.Index([f"r{i}" for i in range(len(data))], name="respondent_id")
    data.loc["r1500", "b2"] = 7
    with pytest.raises(DataError, match=r"column 'b2' has 1 value\(s\) outside the scale — respondent_id r1500: 7"):
        dask_reliability(dd.from_pandas(data, npartitions=3, sort=False), instrument=inst, nan_policy="listwise")


def test_missing_columns_and_bad_arguments_are_named_before_anything_runs():
    data, inst = synthetic()
    frame = dd.from_pandas(data.drop(columns=["b1"]), npartitions=2, sort=False)
    with pytest.raises(DataError, match="lacks 1 item column"):
        dask_moments(frame, instrument=inst, nan_policy="listwise")
    with pytest.raises(InputError, match="'nan_policy' parameter of dask_moments"):
        dask_moments(dd.from_pandas(data, npartitions=2, sort=False), instrument=inst, nan_policy="available")
    with pytest.raises(InputError, match="must be a dask DataFrame"):
        dask_score_scales(data, instrument=inst)
