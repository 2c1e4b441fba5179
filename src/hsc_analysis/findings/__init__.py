"""Findings: descriptives, group differences, correlations, regression, PROCESS models, multilevel models and
perception gaps, computed on scale scores joined with background variables (one row per respondent).

Every function takes the data first and the rest by keyword, and returns a frozen result with ``.to_frame()``
that states the n it used and its missing-data policy (listwise: cases missing any variable an analysis names
are left out, and their count is reported).
"""

__all__: list[str] = []
