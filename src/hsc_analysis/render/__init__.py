"""Turning results into what people read: questionnaires, tables, figures and results text."""

from hsc_analysis.render.questionnaire import questionnaire_markdown

__all__ = ["questionnaire_markdown"]
