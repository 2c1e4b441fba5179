"""Descriptive statistics of scale scores (n, M, SD, range, skewness, kurtosis, normality) and frequency tables of
background variables with their labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from hsc_analysis.errors import DataError
from hsc_analysis.findings._data import group_levels, level_label, numeric_frame, require_columns
from hsc_analysis.instruments import Instrument
from hsc_analysis.measurement._matrix import check_option

__all__ = ["Description", "Frequencies", "describe", "frequencies"]

SHAPIRO_MAX_N = 5000
"""Shapiro–Wilk up to this n (the limit of R's shapiro.test); beyond it the Lilliefors-corrected K–S test."""


@dataclass(frozen=True)
class Description:
    """Descriptive statistics, one row per variable (and group).

    Attributes
    ----------
    table : DataFrame
        ``variable`` (and ``group``), ``n``, ``n_missing``, ``mean``, ``sd``, ``se_mean``, ``median``, ``min``,
        ``max``, ``skewness`` and ``kurtosis`` (SPSS's G1 and G2) with ``se_skewness`` and ``se_kurtosis``, and
        ``normality_test`` ("Shapiro–Wilk" or "Kolmogorov–Smirnov (Lilliefors)"), ``normality_statistic``,
        ``normality_p_value``.
    n, n_dropped : int
        Cases described and cases left out (no group, or incomplete under listwise deletion).
    nan_policy : str
        ``"pairwise"``: each variable on its own available cases (SPSS DESCRIPTIVES, psych::describe);
        ``"listwise"``: the cases complete on every variable.
    group : str or None
    """

    table: pd.DataFrame
    n: int
    n_dropped: int
    nan_policy: str
    group: str | None

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


@dataclass(frozen=True)
class Frequencies:
    """Frequency tables of categorical variables.

    Attributes
    ----------
    table : DataFrame
        One row per level of each variable and a last ``missing`` row: ``variable``, ``code`` (NaN for the
        missing row), ``label_zh``, ``label_en``, ``n``, ``percent_total`` (of all cases), ``percent_valid``
        (of the answered cases; NaN for the missing row) and ``cumulative_percent_valid``.
    n, n_dropped : int
        Cases counted (every row of the data) and cases left out (none: a missing answer is counted).
    nan_policy : str
        ``"counted"``: missing answers are a row of their own.
    """

    table: pd.DataFrame
    n: int
    n_dropped: int
    nan_policy: str

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def describe(
    data: pd.DataFrame, *, columns: Sequence[str], group: str | None = None, nan_policy: str = "pairwise"
) -> Description:
    """n, mean, SD, median, range, skewness and kurtosis with their standard errors, and a normality test,
    for each column (by group when ``group`` is given).

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    columns : sequence of str
        Numeric columns to describe.
    group : str, optional
        A grouping column (a categorical keeps its labels and order); rows without a group are left out.
    nan_policy : {"pairwise", "listwise"}
        ``"pairwise"`` (default, as SPSS DESCRIPTIVES and psych::describe): each variable on its available cases;
        ``"listwise"``: only cases complete on every column.

    Returns
    -------
    Description

    Notes
    -----
    With :math:`m_r = \\sum (x - \\bar x)^r / n`, :math:`g_1 = m_3 / m_2^{3/2}` and :math:`g_2 = m_4 / m_2^2 - 3`,
    the skewness and kurtosis are SPSS's bias-corrected

    .. math:: G_1 = \\frac{\\sqrt{n(n-1)}}{n-2} g_1, \\qquad
              G_2 = \\frac{(n-1)\\,[(n+1) g_2 + 6]}{(n-2)(n-3)},

    which are psych::describe's ``type = 2`` (its default ``type = 3`` is :math:`g_1 ((n-1)/n)^{3/2}`). Their
    standard errors are SPSS's :math:`SE_{G_1} = \\sqrt{6n(n-1) / ((n-2)(n+1)(n+3))}` and
    :math:`SE_{G_2} = 2 SE_{G_1} \\sqrt{(n^2-1)/((n-3)(n+5))}`. Normality: Shapiro–Wilk (scipy, Royston's
    algorithm as R's shapiro.test) for :math:`3 \\le n \\le 5000`, else the Kolmogorov–Smirnov test with
    Lilliefors' correction (statsmodels ``lilliefors``; the test is named in the output). Checked against R
    psych::describe(type = 2) 2.2.9 and the SPSS SE formulas on bfi to 1e-10, shapiro.test to 1e-8 (W) and 1e-6
    (p, relative).

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"COM": [3.2, 4.0, 4.4, 2.8, 3.6, 5.0], "sex": ["f", "m", "f", "m", "f", "m"]})
    >>> describe(data, columns=["COM"]).table[["variable", "n", "mean", "sd"]].round(3)
      variable  n   mean     sd
    0      COM  6  3.833  0.804
    """
    function = "describe"
    check_option(nan_policy, ("pairwise", "listwise"), parameter="nan_policy", function=function)
    columns = list(dict.fromkeys(columns))
    require_columns(data, [*columns, *([group] if group else [])], function=function)
    base = data if group is None else data[data[group].notna()]
    if nan_policy == "listwise":
        frame = numeric_frame(base, columns, function=function, group=group)
        used, n_dropped = frame.data, len(data) - frame.n
        parts = {c: used for c in columns}
    else:
        parts = {c: numeric_frame(base, [c], function=function, group=group).data for c in columns}
        used, n_dropped = base, len(data) - len(base)
    rows = []
    for column, part in parts.items():
        cells = [("", part)] if group is None else _by_group(part, group)
        total = len(used) if group is None else used[group].value_counts()
        for label, cell in cells:
            values = cell[column].to_numpy(dtype=float)
            cases = total if group is None else int(total.get(cell[group].iloc[0], len(cell)))
            rows.append({"variable": column, "group": label, **_moments(values), "n_missing": cases - len(values)})
    table = pd.DataFrame(rows)
    order = ["variable", "group", "n", "n_missing", "mean", "sd", "se_mean", "median", "min", "max", "skewness"]
    order += ["se_skewness", "kurtosis", "se_kurtosis", "normality_test", "normality_statistic", "normality_p_value"]
    table = table[[c for c in order if group is not None or c != "group"]]
    return Description(table, len(used), n_dropped, nan_policy, group)


def _by_group(part: pd.DataFrame, group: str) -> list[tuple[str, pd.DataFrame]]:
    levels = group_levels(part[group])
    return [(label, part[levels.codes == i]) for i, label in enumerate(levels.labels)]


def _moments(x: np.ndarray) -> dict:
    n = len(x)
    mean = x.mean()
    d = x - mean
    m2, m3, m4 = (np.mean(d**r) for r in (2, 3, 4))
    sd = np.sqrt(m2 * n / (n - 1)) if n > 1 else np.nan
    skew = kurt = se_skew = se_kurt = np.nan
    if n > 2 and m2 > 0:
        skew = np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5
        se_skew = np.sqrt(6 * n * (n - 1) / ((n - 2) * (n + 1) * (n + 3)))
    if n > 3 and m2 > 0:
        kurt = (n - 1) * ((n + 1) * (m4 / m2**2 - 3) + 6) / ((n - 2) * (n - 3))
        se_kurt = 2 * se_skew * np.sqrt((n**2 - 1) / ((n - 3) * (n + 5)))
    test, statistic, p_value = _normality(x, varies=m2 > 0)
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "se_mean": sd / np.sqrt(n),
        "median": float(np.median(x)),
        "min": x.min(),
        "max": x.max(),
        "skewness": skew,
        "se_skewness": se_skew,
        "kurtosis": kurt,
        "se_kurtosis": se_kurt,
        "normality_test": test,
        "normality_statistic": statistic,
        "normality_p_value": p_value,
    }


def _normality(x: np.ndarray, *, varies: bool) -> tuple[str, float, float]:
    if len(x) > SHAPIRO_MAX_N:
        from statsmodels.stats.diagnostic import lilliefors

        statistic, p_value = lilliefors(x, dist="norm", pvalmethod="table")
        return "Kolmogorov–Smirnov (Lilliefors)", float(statistic), float(p_value)
    if len(x) < 3 or not varies:
        return "Shapiro–Wilk", np.nan, np.nan
    result = stats.shapiro(x)
    return "Shapiro–Wilk", float(result.statistic), float(result.pvalue)


MISSING_LABEL = {"zh": "缺失", "en": "Missing"}


def frequencies(data: pd.DataFrame, *, columns: Sequence[str], instrument: Instrument | None = None) -> Frequencies:
    """Counts and percentages of each level of categorical (background) variables, with their labels.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    columns : sequence of str
        Categorical columns: answer codes of background questions, or labelled categoricals.
    instrument : Instrument, optional
        Labels the codes of the instrument's background questions (男/女, not 1.0/2.0) and lists their levels in
        the instrument's order, including levels nobody chose. Without it, a categorical column's categories are
        its labels, and other columns are labelled by their values.

    Returns
    -------
    Frequencies

    Raises
    ------
    DataError
        For a missing column, a code that is not one of the question's levels, or a personal-data question.

    Notes
    -----
    ``percent_total = 100 n / N`` over all cases and ``percent_valid = 100 n / N_valid`` over the answered ones,
    as SPSS FREQUENCIES; checked against R ``table()`` and ``prop.table()`` on bfi (1e-12).

    Examples
    --------
    >>> import pandas as pd
    >>> table = frequencies(pd.DataFrame({"sex": [1.0, 2.0, 2.0, None]}), columns=["sex"]).table
    >>> table[["code", "label_en", "n", "percent_total", "percent_valid"]].round(1)
       code label_en  n  percent_total  percent_valid
    0   1.0        1  1           25.0           33.3
    1   2.0        2  2           50.0           66.7
    2   NaN  Missing  1           25.0            NaN
    """
    columns = list(dict.fromkeys(columns))
    require_columns(data, columns, function="frequencies")
    questions = {q.id: q for q in instrument.background} if instrument is not None else {}
    frames = [_frequency(data[c], questions.get(c)) for c in columns]
    return Frequencies(pd.concat(frames, ignore_index=True), len(data), 0, "counted")


def _frequency(values: pd.Series, question) -> pd.DataFrame:
    name = str(values.name)
    if question is not None and question.pii:
        raise DataError(f"frequencies: column {name} is personal data (pii: true) and is never tabulated")
    valid = values.dropna()
    coded = pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, pd.CategoricalDtype)
    if question is not None and question.levels and coded:
        unknown = sorted(set(valid.astype(float)) - set(map(float, question.levels)))
        if unknown:
            allowed = ", ".join(map(str, question.levels))
            shown = ", ".join(level_label(v) for v in unknown)
            raise DataError(
                f"frequencies: column {name} has code(s) {shown} that are not its levels; allowed: {allowed}"
            )
        codes = list(question.levels)
        counts = [int((valid.astype(float) == c).sum()) for c in codes]
        labels = [(question.levels[c].get("zh"), question.levels[c].get("en")) for c in codes]
        codes = [float(c) for c in codes]
    elif isinstance(values.dtype, pd.CategoricalDtype):
        codes = list(values.cat.categories)
        counts = valid.value_counts().reindex(codes, fill_value=0).astype(int).tolist()
        # categories that are the question's labels (in either language) get both languages
        known = {
            text: label for label in (question.levels.values() if question else ()) for text in (label.zh, label.en)
        }
        labels = [
            (known[c].get("zh"), known[c].get("en")) if c in known else (level_label(c), level_label(c)) for c in codes
        ]
    else:
        levels = group_levels(valid)
        codes = list(pd.unique(valid.sort_values()))
        counts = np.bincount(levels.codes, minlength=len(levels.labels)).tolist()
        labels = [(label, label) for label in levels.labels]
    total, answered = len(values), len(valid)
    counts_array = np.asarray(counts, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        valid_percent = 100 * counts_array / answered
    table = pd.DataFrame(
        {
            "variable": name,
            "code": codes,
            "label_zh": [z for z, _ in labels],
            "label_en": [e for _, e in labels],
            "n": counts,
            "percent_total": 100 * counts_array / total if total else np.nan,
            "percent_valid": valid_percent,
            "cumulative_percent_valid": np.cumsum(valid_percent),
        }
    )
    missing = {"variable": name, "code": np.nan, "label_zh": MISSING_LABEL["zh"], "label_en": MISSING_LABEL["en"]}
    missing |= {"n": total - answered, "percent_total": 100 * (total - answered) / total if total else np.nan}
    missing |= {"percent_valid": np.nan, "cumulative_percent_valid": np.nan}
    return pd.concat([table, pd.DataFrame([missing])], ignore_index=True)
