"""The bundled example study, run once for every figure test."""

import pytest

from tests.conftest import EXAMPLE


@pytest.fixture(scope="session")
def example_results():
    from hsc_analysis.study import load_study, run_study

    return {r.dataset.name: r for r in run_study(load_study(EXAMPLE / "study.yaml"))}
