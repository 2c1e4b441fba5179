"""The bundled example study, run once for every figure test."""

import pytest

from tests.conftest import EXAMPLE


@pytest.fixture(scope="session")
def example_results():
    from hsc_analysis.study import load_study, run_study

    return {r.dataset.name: r for r in run_study(load_study(EXAMPLE / "study.yaml"))}


@pytest.fixture(scope="session")
def example_figures(example_results):
    """``(dataset, lang) -> list of FigureSpec`` for the example, drawn once (lazily) per session."""
    from hsc_analysis.render.figures import dataset_figures

    cache = {}

    def figures(name: str, lang: str):
        if (name, lang) not in cache:
            cache[name, lang] = dataset_figures(example_results[name], lang=lang)
        return cache[name, lang]

    return figures
