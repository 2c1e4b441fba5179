"""What the notebooks in ``notebooks/`` call besides the analyses: where the bundled studies are, a study with the
notebook's language, seed and bootstrap draws, and one dataset of a study by name.

The notebooks hold no logic of their own (no functions, classes or loops); whatever they need that is not an
analysis lives here, so that a notebook opened from any folder finds the example study through the package, not
through a path relative to where JupyterLab was started.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.study import Dataset, Study, load_study

__all__ = ["district_study", "example_study", "open_study", "study_dataset"]

_REPOSITORY = Path(__file__).resolve().parents[2]
DISTRICT_SEED = 20250601


def example_study() -> Path:
    """The bundled example study's ``study.yaml`` (``data/example/`` of the repository), as an absolute path.

    Raises
    ------
    DataError
        When the package is installed without the repository (a wheel), so there is no bundled example.

    Examples
    --------
    >>> example_study().parts[-3:]
    ('data', 'example', 'study.yaml')
    """
    path = _REPOSITORY / "data" / "example" / "study.yaml"
    if not path.is_file():
        raise DataError(
            f"the bundled example study is not at {path}: hsc_analysis runs from a clone of its repository "
            "for the example; give the path of your own study.yaml instead"
        )
    return path


def district_study(folder: str | Path | None = None, *, seed: int = DISTRICT_SEED) -> Path:
    """The synthetic district study's ``study.yaml`` in ``folder``, simulated and written there on first use.

    The district study (15 urban, town and rural schools, about 10,000 parents, their teachers, administrators and
    activity logs) is simulated with ``simulate_study("district", seed=seed)`` and written with ``write_study``, as
    ``hsc simulate --config district --seed SEED --out FOLDER`` does; a folder that already holds a ``study.yaml``
    is used as it is.

    Parameters
    ----------
    folder : path, optional
        Where the study is (or is to be written). Default: ``hsc_analysis_district_<seed>`` in the system's
        temporary folder, so a notebook writes nothing into the repository.
    seed : int
        Seed of the simulation (default 20250601, the seed the README uses).
    """
    _check_seed(seed)
    name = f"hsc_analysis_district_{seed}"
    out = Path(folder) if folder is not None else Path(tempfile.gettempdir()) / name
    path = out / "study.yaml"
    if not path.is_file():
        from hsc_analysis.simulate import simulate_study, write_study

        write_study(simulate_study("district", seed=seed), out_dir=out)
    return path


def open_study(
    path: str | Path, *, language: str | None = None, seed: int | None = None, n_boot: int | None = None
) -> Study:
    """Load a study, with the notebook's ``language`` (``zh``/``en``), ``seed`` and bootstrap draws ``n_boot`` (of
    every indirect effect; 100–100000) in place of the file's when they are given.

    Examples
    --------
    >>> study = open_study(example_study(), language="en", seed=7, n_boot=1000)
    >>> study.language, study.seed, study.plan.n_boot
    ('en', 7, 1000)
    """
    study = load_study(path)
    if language is not None and language not in ("zh", "en"):
        raise InputError(f"language: got {language!r}; allowed: zh, en")
    if seed is not None:
        _check_seed(seed)
    if n_boot is not None and (isinstance(n_boot, bool) or not isinstance(n_boot, int) or not 100 <= n_boot <= 100_000):
        raise InputError(f"n_boot: got {n_boot!r}; allowed: an integer from 100 to 100000")
    return dataclasses.replace(
        study,
        language=study.language if language is None else language,
        seed=study.seed if seed is None else seed,
        plan=study.plan if n_boot is None else dataclasses.replace(study.plan, n_boot=n_boot),
    )


def study_dataset(study: Study, name: str) -> Dataset:
    """The dataset called ``name`` of ``study`` (its instrument, file, source and mapping), for the step-by-step
    calls (``read_responses``, ``screen``, ``measurement_summary``); an unknown name is an ``InputError`` listing
    the study's datasets.

    Examples
    --------
    >>> study_dataset(open_study(example_study()), "teacher").file.suffix
    '.xlsx'
    """
    names = [dataset.name for dataset in study.datasets]
    if name not in names:
        raise InputError(f"dataset: got {name!r}; allowed: {', '.join(names)}")
    return study.datasets[names.index(name)]


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"seed: got {seed!r}; allowed: an integer ≥ 0")
