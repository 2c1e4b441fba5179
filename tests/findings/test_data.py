import numpy as np
import pandas as pd
import pytest

from hsc_analysis.errors import DataError
from hsc_analysis.findings._data import numeric_frame


def test_complete_cases_and_the_count_left_out():
    data = pd.DataFrame({"a": [1, 2, np.nan, 4], "b": [1, 0, 1, 1], "g": ["x", "y", "x", None]})
    frame = numeric_frame(data, ["a", "b"], function="f", group="g", min_n=2)
    assert (frame.n, frame.n_dropped) == (2, 2)
    assert list(frame.data.columns) == ["a", "b", "g"] and frame.data["a"].dtype == float


def test_rows_keep_their_index_and_the_group_its_dtype():
    group = pd.Categorical(["lo", "hi", "lo", "hi", None], categories=["lo", "hi", "none"])
    data = pd.DataFrame(
        {"a": pd.array([1, 2, None, 4, 5], dtype="Int64"), "b": [0.5, 1, 2, 3, 4], "g": group}, index=[9, 9, 3, 1, 0]
    )
    frame = numeric_frame(data, ["b", "a"], function="f", group="g")
    assert list(frame.data.index) == [9, 9, 1] and list(frame.data.columns) == ["b", "a", "g"]
    assert frame.data["a"].tolist() == [1.0, 2.0, 4.0] and frame.data["a"].dtype == float
    assert frame.data["g"].dtype == data["g"].dtype and frame.data["g"].tolist() == ["lo", "hi", "hi"]
    assert (frame.n, frame.n_dropped) == (3, 2)


def test_every_missing_column_is_named():
    with pytest.raises(DataError, match="not in the data: x, y"):
        numeric_frame(pd.DataFrame({"a": [1.0, 2.0, 3.0]}), ["x", "a", "y"], function="f")


def test_text_constant_and_too_few_cases_are_refused():
    data = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": [5.0, 5.0, 5.0], "t": ["1", "2", "3"]})
    with pytest.raises(DataError, match="must be numeric: t"):
        numeric_frame(data, ["a", "t"], function="f")
    with pytest.raises(DataError, match=r"do not vary .*: c"):
        numeric_frame(data, ["a", "c"], function="f")
    with pytest.raises(DataError, match="only 3 complete case"):
        numeric_frame(data, ["a"], function="f", min_n=4)
