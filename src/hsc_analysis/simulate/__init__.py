"""Synthetic studies with known truth: a case school or a district, written as real platform exports.

``simulate_study(config, seed=...)`` draws the data-generating model written out in ``case_school.yaml`` and
``district.yaml`` beside this module;
``write_study(study, out_dir=...)`` writes it as 问卷星 downloads (parents 按序号, teachers 按文本), an SPSS .sav
(administrators), activity-log CSVs, ``study.yaml`` and ``truth.json``.
"""

from hsc_analysis.simulate.config import VARIANTS, ConfigError, load_config
from hsc_analysis.simulate.generate import PARENT_CONSTRUCTS, TEACHER_CONSTRUCTS, SimulatedStudy, simulate_study
from hsc_analysis.simulate.write import write_study

__all__ = [
    "PARENT_CONSTRUCTS",
    "TEACHER_CONSTRUCTS",
    "VARIANTS",
    "ConfigError",
    "SimulatedStudy",
    "load_config",
    "simulate_study",
    "write_study",
]
