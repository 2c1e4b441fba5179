"""exploratory_summary on the bundled example's kept parents against R psych 2.2.9 reading the raw 按序号 file
(tests/reference/exploratory_example.R): KMO (overall and per item), Bartlett's test, and the rotation-invariant
parts of the 13-factor minres/oblimin EFA (communalities, total variance explained)."""

import numpy as np
import pandas as pd

from ..conftest import REFERENCE


def test_efa_section_of_the_example_matches_psych(example_results):
    summary = example_results[0].exploratory
    expected = pd.read_csv(REFERENCE / "example_parent_exploratory.csv").set_index("item")
    assert summary.kmo.n == summary.efa.n == expected["n"].iloc[0] == 503
    np.testing.assert_allclose(summary.kmo.overall, expected.loc["(overall)", "kmo"], rtol=0, atol=1e-10)
    items = summary.kmo.items.set_index("item")["msa"]
    np.testing.assert_allclose(items[expected.index[1:]], expected["kmo"].iloc[1:], rtol=0, atol=1e-10)
    np.testing.assert_allclose(summary.bartlett.statistic, expected["bartlett_chisq"].iloc[0], rtol=1e-10)
    assert summary.bartlett.df == expected["bartlett_df"].iloc[0]
    # fitted by an optimiser (psych stops its own early): 1e-4
    np.testing.assert_allclose(
        summary.efa.communalities[expected.index[1:]], expected["communality"].iloc[1:], rtol=0, atol=1e-4
    )
    np.testing.assert_allclose(
        summary.efa.variance["cumulative"].iloc[-1], expected["cumulative_variance"].iloc[0], atol=1e-4
    )


def test_items_that_cannot_be_factored_say_why(example_results):
    administrator = example_results[2].exploratory
    assert administrator.efa is None and administrator.kmo is None
    assert administrator.note.startswith("EFA not fitted: kmo: the item correlation matrix is singular")
    assert administrator.to_frame().empty
