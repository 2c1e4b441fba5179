"""Figures of a results chapter, in one theme, with Chinese text that renders on any machine.

Every figure function takes result objects or their frames (it never computes a statistic beyond the tabulation a
plot needs) and returns a :class:`matplotlib.figure.Figure` built without pyplot; :func:`save_figure` writes it as
300 dpi PNG, SVG and PDF; :func:`dataset_figures` gives every figure of one dataset of a study run
(:func:`interview_figures` those of its interviews) as
:class:`FigureSpec` (name, caption, figure) for the report. Groups with fewer than ``min_group_n`` respondents are
never drawn. matplotlib is imported here only, so the command line starts without it.
"""

from hsc_analysis.render.figures.actors import actor_network, interview_figures
from hsc_analysis.render.figures.dataset import dataset_figures, group_labels, variable_labels
from hsc_analysis.render.figures.distributions import score_distributions
from hsc_analysis.render.figures.findings import finding_figures
from hsc_analysis.render.figures.flow import sample_flow
from hsc_analysis.render.figures.forest import coefficient_plot
from hsc_analysis.render.figures.gap import perception_gap_plot
from hsc_analysis.render.figures.heatmap import correlation_heatmap
from hsc_analysis.render.figures.likert import answer_shares, likert_bars
from hsc_analysis.render.figures.loadings import loading_chart
from hsc_analysis.render.figures.mediation import mediation_diagram
from hsc_analysis.render.figures.moderation import johnson_neyman_plot, simple_slopes_plot
from hsc_analysis.render.figures.privacy import DEFAULT_MIN_GROUP_N, GroupSplit, split_groups
from hsc_analysis.render.figures.save import FIGURE_FORMATS, save_figure
from hsc_analysis.render.figures.scree import scree_plot
from hsc_analysis.render.figures.spec import FigureSpec
from hsc_analysis.render.figures.theme import themed

__all__ = [
    "DEFAULT_MIN_GROUP_N",
    "FIGURE_FORMATS",
    "FigureSpec",
    "GroupSplit",
    "actor_network",
    "answer_shares",
    "coefficient_plot",
    "correlation_heatmap",
    "dataset_figures",
    "finding_figures",
    "group_labels",
    "interview_figures",
    "johnson_neyman_plot",
    "likert_bars",
    "loading_chart",
    "mediation_diagram",
    "perception_gap_plot",
    "sample_flow",
    "save_figure",
    "score_distributions",
    "scree_plot",
    "simple_slopes_plot",
    "split_groups",
    "themed",
    "variable_labels",
]
