"""Number formatting (APA 7): minus signs, no leading zero for bounded statistics, p values, counts, and the
disclosure rule for small cells."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsc_analysis.render.disclosure import suppressed_cells
from hsc_analysis.render.format import EMPTY, MINUS, bounded, count, number, p_value, percent, stars


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(0.861332903651178, 2, "0.86"), (-5.7612, 2, "−5.76"), (-0.0004, 2, "0.00"), (12.0, 0, "12"), (math.nan, 2, "—")],
)
def test_number(value, decimals, expected):
    assert number(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(0.861, ".86"), (-0.052, "−.05"), (1.0, "1.00"), (-1.0, "−1.00"), (np.nan, EMPTY)]
)
def test_bounded_statistics_drop_the_leading_zero(value, expected):
    assert bounded(value) == expected


@pytest.mark.parametrize(
    ("p", "text", "mark"),
    [(1e-12, "< .001", "***"), (0.00099, "< .001", "***"), (0.001, ".001", "**"), (0.0231, ".023", "*"),
     (0.05, ".050", ""), (1.0, "1.000", "")],
)  # fmt: skip
def test_p_values_and_stars(p, text, mark):
    assert p_value(p) == text and stars(p) == mark


def test_counts_group_thousands_in_english_only():
    assert count(1377, lang="en") == "1,377" and count(1377, lang="zh") == "1377" and percent(0.4567) == "45.7"


@given(st.floats(min_value=-1, max_value=1, allow_nan=False), st.integers(min_value=1, max_value=4))
def test_bounded_reads_back_as_the_rounded_value(value, decimals):
    text = bounded(value, decimals)
    assert abs(round(value, decimals)) >= 1 or not (text.startswith("0") or text.startswith(MINUS + "0"))
    assert float(text.replace(MINUS, "-")) == pytest.approx(round(value, decimals), abs=10**-decimals)


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12), st.integers(1, 10))
def test_small_cells_are_hidden_and_never_alone(counts, min_cell):
    hidden = suppressed_cells(pd.Series(counts), min_cell=min_cell)
    values = np.array(counts)
    assert hidden[(values > 0) & (values < min_cell)].all()  # every small non-zero cell
    assert not hidden[values == 0].any()
    others = (values > 0) & ~hidden.to_numpy()
    assert hidden.sum() != 1 or not others.any()  # one hidden cell alone would follow from the total
