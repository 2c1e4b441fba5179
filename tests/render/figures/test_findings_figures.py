"""Findings figures: coefficient plot, mediation diagram, simple slopes, Johnson–Neyman and perception gap draw the
numbers of their result objects."""

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.errors import InputError
from hsc_analysis.render.figures import coefficient_plot


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_coefficient_plot_draws_estimates_and_intervals_as_given():
    table = pd.DataFrame(
        {
            "term": ["constant", "trust", "goal"],
            "estimate": [1.2, 0.31, -0.052],
            "ci_low": [0.9, 0.2, -0.1],
            "ci_high": [1.5, 0.42, -0.004],
            "p_value": [1e-9, 0.0004, 0.03],
        }
    )
    fig = coefficient_plot(table, labels={"trust": "家校信任", "goal": "合作目标取向"}, lang="zh", axis_label="B")
    (ax,) = fig.axes
    points = ax.lines[-1]
    np.testing.assert_allclose(points.get_xdata(), [0.31, -0.052])
    segments = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[:, 0] for s in segments], [[0.2, 0.42], [-0.1, -0.004]])
    assert _texts(fig) == ["0.31***", "\N{MINUS SIGN}0.05*"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["家校信任", "合作目标取向"]
    with pytest.raises(InputError, match="no row for term"):
        coefficient_plot(table, labels={"efficacy": "x"}, lang="zh", axis_label="B")
