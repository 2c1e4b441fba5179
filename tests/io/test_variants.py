"""Real-export variants (issue 13): one fixture per variant real 问卷星, 腾讯问卷, Qualtrics, LimeSurvey and SPSS files
show, each once refused, crashed or read wrong; every one now reconciles with an independent reading of the file.

Fixtures: tests/fixtures/import/make_variants.py writes tests/fixtures/import/variants/ (form variants.yaml).
R reference: tests/reference/import.R reads the .sav variants with haven 2.5.1 ``read_sav(user_na = TRUE)``.
"""

import csv
import json

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from hsc_analysis.cli import main
from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import load_instrument
from hsc_analysis.io import read_responses
from hsc_analysis.io.responses import detect_source
from hsc_analysis.io.shareable import shareable_table

from ..conftest import REFERENCE, ROOT

VARIANTS = ROOT / "tests" / "fixtures" / "import" / "variants"
Q1, Q2, Q3 = "和孩子在一起时我感到很愉快", "孩子愿意和我分享学校里的事", "总体而言您对学校的满意程度"
WJX = (f"1、{Q1}", f"2、{Q2}", f"3、{Q3}")
TENCENT = (f"1.{Q1}", f"2.{Q2}", f"3.{Q3}")
IDS = ("Q1", "Q2", "Q3")
# file → (header rows, columns holding Q1–Q3, how a cell is written: code, A<code> or option text)
FILES = {
    "spss_user_missing.sav": (0, IDS, "code"),
    "limesurvey_blank_lines.csv": (1, IDS, "prefixed"),
    "r_blank_rows.csv": (1, IDS, "code"),
    "wjx_spss_download.sav": (0, IDS, "code"),
    "wjx_按文本_other.xlsx": (1, WJX, "text"),
    "wjx_按序号_other.xlsx": (1, WJX, "code"),
    "tencent_repeated_headers.csv": (1, TENCENT, "text"),
    "spss_string_labels.sav": (0, IDS, "code"),
    "qualtrics_greedy.csv": (3, IDS, "code"),
    "limesurvey_timings.csv": (1, IDS, "prefixed"),
    "wjx_按序号_numbers.xlsx": (
        1,
        ("1、和孩子在一起时…(单选题 *必答)", "2(孩子愿意和我分享学校里的事情)", "第3题"),
        "code",
    ),
    "wjx_按序号_numbers.csv": (1, ("Q1.和孩子在一起的感受", "2.孩子是否分享学校的事", "3、您对学校满意吗"), "code"),
    "limesurvey_code_text.csv": (1, (f"Q1. {Q1}", f"Q2. {Q2}", f"Q3. {Q3}"), "prefixed"),
    "wjx_按序号_channel.xlsx": (1, WJX, "code"),
    "tencent_user_type.csv": (1, TENCENT, "text"),
    "spss_out_of_range_date.sav": (0, IDS, "code"),
    "spss_minus3.sav": (0, IDS, "code"),
    "wjx_按文本_units.xlsx": (1, WJX, "text"),
}


@pytest.fixture(scope="module")
def form():
    return load_instrument(VARIANTS / "variants.yaml")


@pytest.fixture(scope="module")
def imported(form):
    return {name: read_responses(VARIANTS / name, form, on_invalid="mark") for name in FILES}


def _independent(name: str) -> tuple[pd.DataFrame, int]:
    """The data rows of a file as another reader sees them (pyreadstat with user-missing values as NaN, openpyxl,
    the csv module), labelled by their row in the file, and the number of data rows the file has."""
    path = VARIANTS / name
    header_rows = FILES[name][0]
    if path.suffix == ".sav":
        data, _ = pyreadstat.read_sav(str(path), disable_datetime_conversion=True)  # user-missing values → NaN
        return data.set_axis(pd.RangeIndex(1, len(data) + 1)), len(data)
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)  # closed: with lxml installed a dropped read-only
        try:  # workbook leaves its file open until a later garbage collection (a ResourceWarning)
            rows = [list(r) for r in book.active.iter_rows(values_only=True)]
        finally:
            book.close()
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";" if "limesurvey" in name else ","))
    body = [r + [None] * (len(rows[0]) - len(r)) for r in rows[header_rows:]]
    frame = pd.DataFrame(body, columns=rows[0], index=pd.RangeIndex(header_rows + 1, header_rows + 1 + len(body)))
    return frame, len(body)


def _codes(cells: pd.Series, written: str, options: int) -> np.ndarray:
    """Item codes from cells by the form's scale (codes 1…n in order, so an option position is its code)."""
    labels = {"非常不同意": 1, "不同意": 2, "说不清": 3, "同意": 4, "非常同意": 5} | {str(c): c for c in range(1, 10)}
    if written == "text":
        values = cells.map(lambda v: labels.get(str(v).strip(), np.nan))
    elif written == "prefixed":
        values = pd.to_numeric(cells.astype(str).str.removeprefix("A"), errors="coerce")
    else:
        values = pd.to_numeric(cells, errors="coerce")
    values = values.to_numpy(dtype=float)
    return np.where((values >= 1) & (values <= options) & (values % 1 == 0), values, np.nan)


@pytest.mark.parametrize("name", FILES)
def test_every_variant_reconciles_with_an_independent_reading(name, imported):
    result = imported[name]
    cells, n_rows = _independent(name)
    blank = result.log[result.log["message"].str.startswith("blank row(s)")]["n_rows"].sum()
    assert n_rows == result.n + blank  # rows in the file = respondents read + logged blank rows
    rows = result.metadata["source_row"].to_numpy()
    for item, column, options in zip(IDS, FILES[name][1], (5, 5, 9), strict=True):
        expected = _codes(cells.loc[rows, column], FILES[name][2], options)
        np.testing.assert_array_equal(result.items[item].to_numpy(), expected, err_msg=f"{name} {item}")


# --- 1. user-missing values that are also scale codes ------------------------------------------------------------


def test_user_missing_codes_are_missing_whatever_the_scale_says_as_haven(imported):
    result = imported["spss_user_missing.sav"]
    haven = pd.read_csv(REFERENCE / "import_variants_sav.csv", dtype={"value": str})
    haven = haven[haven["file"] == "spss_user_missing.sav"]
    for item in IDS:
        ours = result.items[item].to_numpy()
        theirs = haven[haven["variable"] == item].sort_values("row")
        np.testing.assert_array_equal(np.isnan(ours), theirs["is_na"].to_numpy() == 1)  # haven's is.na(): exact
        np.testing.assert_array_equal(ours[~np.isnan(ours)], theirs["value"].astype(float)[theirs["is_na"] == 0])
    assert (
        result.missing["Q1"].tolist()[:2] == ["blank", "blank"] and result.missing["Q3"].iloc[[0, 2]].eq("blank").all()
    )
    log = result.log.set_index("column")["message"]
    assert log["Q3"] == (
        "Q3: user-missing value(s) declared in the file read as missing: 9 '拒答' (2×) → blank; "
        "9 also a code of the scale, missing all the same"
    )
    assert "1 '非常不同意' (1×) → blank, 2 '不同意' (1×) → blank; 1, 2 also a code" in log["Q1"]


# --- 2. blank rows ------------------------------------------------------------------------------------------------


def test_blank_lines_are_not_respondents(imported):
    lime = imported["limesurvey_blank_lines.csv"]
    assert list(lime.items.index) == ["11", "12", "13"]
    ending = lime.log[lime.log["message"].str.startswith("blank row(s) at the end")]
    assert ending["level"].tolist() == ["info"] and ending["n_rows"].tolist() == [2]
    r_csv = imported["r_blank_rows.csv"]
    assert list(r_csv.items.index) == ["2", "4", "5"]  # no id column: the row in the file
    inside = r_csv.log[r_csv.log["message"].str.startswith("blank row(s) between")]
    assert inside["level"].tolist() == ["warning"] and inside["message"].iloc[0].endswith("rows 3")


# --- 3. 问卷星's SPSS download ------------------------------------------------------------------------------------


def test_wjx_spss_download_is_its_own_layout(imported):
    result = imported["wjx_spss_download.sav"]
    assert result.platform == "wjx_sav" and detect_source(VARIANTS / "wjx_spss_download.sav") == "spss"
    meta = result.metadata
    assert list(meta.index) == ["1", "2", "3", "4"]  # index (序号), not the row number
    assert meta["duration_seconds"].tolist() == [136, 98, 301, 75]  # totalseconds (所用时间)
    assert meta["submitted_at"].iloc[3] == pd.Timestamp("2026-06-16 08:13:00")
    assert meta["channel"].tolist() == ["微信", "直接访问", "微信", "链接"]
    assert meta["ip"].iloc[0] == "10.0.0.1(本地)" and "ip" not in shareable_table(result, instrument=_form()).columns
    assert result.missing.loc["3", ["Q1", "Q2"]].tolist() == ["skipped", "skipped"]  # 问卷星's -3
    assert result.background["Gender"].tolist() == [1, 2, 2, 1]


def _texts(values: pd.Series) -> list:
    return [None if pd.isna(v) else v for v in values]


def _form():
    return load_instrument(VARIANTS / "variants.yaml")


# --- 4. "other, please specify" -----------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["其他【请注明】", "其他"])
def test_other_please_specify_in_both_downloads(label, tmp_path):
    text = (VARIANTS / "variants.yaml").read_text(encoding="utf-8").replace("其他【请注明】", label)
    (tmp_path / "form.yaml").write_text(text, encoding="utf-8")
    form = load_instrument(tmp_path / "form.yaml")
    by_text = read_responses(VARIANTS / "wjx_按文本_other.xlsx", form)  # raises on any refused answer
    by_index = read_responses(VARIANTS / "wjx_按序号_other.xlsx", form)
    closed = ["occupation", *(f"contact__{c}" for c in range(1, 5))]
    pd.testing.assert_frame_equal(by_text.background[closed], by_index.background[closed])
    pd.testing.assert_frame_equal(by_text.items, by_index.items)
    assert by_text.background["occupation"].tolist() == [2, 4, 3, 4]
    assert by_text.background[[f"contact__{c}" for c in range(1, 5)]].to_numpy().tolist() == [
        [1, 0, 0, 1],
        [0, 1, 0, 0],
        [0, 0, 0, 1],
        [1, 0, 1, 0],
    ]
    typed = [None, "军事国防", None, "自由职业"]
    assert _texts(by_text.background["occupation__other"]) == typed  # 〖…〗 in the 按文本 answer
    assert _texts(by_index.background["occupation__other"]) == typed  # its own column in 按序号
    assert _texts(by_text.background["contact__other"]) == ["校讯通", None, "家访", None]
    for result in (by_text, by_index):
        shown = " ".join(result.log["message"])
        assert not any(word in shown for word in ("军事国防", "自由职业", "校讯通", "家访"))
        assert not {"occupation__other", "contact__other"} & set(shareable_table(result, instrument=form).columns)


# --- 5. repeated headers ------------------------------------------------------------------------------------------


def test_repeated_headers_are_reported_and_can_be_chosen(form):
    path = VARIANTS / "tencent_repeated_headers.csv"
    result = read_responses(path, form)
    log = result.log.set_index("column")["message"]
    assert log["4.检查日期:请选择"] == "header repeated in columns 8, 9; each column named 'header (column N)'"
    assert log["5.您所在的地区:请选择 (column 11)"].startswith("column not mapped")
    chosen = read_responses(
        path, form, mapping={"4.检查日期:请选择 (column 8)": "visit_date", "4.检查日期:请选择 (column 9)": None}
    )
    assert _texts(chosen.background["visit_date"]) == ["2026-06-01", "2026-06-02", None]
    pd.testing.assert_frame_equal(chosen.items, result.items)
    with pytest.raises(DataError, match=r"mapping names header\(s\) the file repeats: '4\.检查日期:请选择' \("):
        read_responses(path, form, mapping={"4.检查日期:请选择": "visit_date"})


# --- 6. string variables with value labels ------------------------------------------------------------------------


def test_string_variables_with_value_labels(imported, form, monkeypatch):
    result = imported["spss_string_labels.sav"]
    np.testing.assert_array_equal(result.background["Gender"].to_numpy(), [1, 2, 2, np.nan])
    assert result.background["occupation"].tolist() == [2, 1, 4, 3]  # B 企业职员, A, D 其他【请注明】, C
    assert result.log["message"].str.contains(r"occupation: codes translated by value labels \('A'→1").any()

    def broken(*args, **kwargs):
        raise TypeError("a reader fault")

    monkeypatch.setattr("hsc_analysis.io.responses.code_choice", broken)
    with pytest.raises(DataError, match=r"spss_string_labels\.sav: column 'Q1' \(Q1\): cannot be read \(TypeError"):
        read_responses(VARIANTS / "spss_string_labels.sav", form)


# --- 7. greedy matching, timing columns, mapping null, --mapping ---------------------------------------------------


def test_closest_column_wins_and_timing_columns_are_never_candidates(imported):
    qualtrics = imported["qualtrics_greedy.csv"]
    assert qualtrics.background["Age"].tolist() == [41, 38, 45] and qualtrics.background["Gender"].tolist() == [2, 1, 2]
    log = qualtrics.log.set_index("column")["message"]
    assert log["Q7_1"] == "column not imported: it fits Age by part of the header, but 'age' fits it by id up to case"
    assert (
        qualtrics.log["message"].str.contains("4 platform timing column(s) ignored: Q8_First Click", regex=False).any()
    )
    lime = imported["limesurvey_timings.csv"]
    assert lime.background["Age"].tolist() == [41, 38]
    assert lime.metadata["duration_seconds"].tolist() == [95.5, 80.0]  # interviewtime
    ignored = "4 platform timing column(s) ignored: groupTime1, Q1Time, AgeTime"
    assert lime.log["message"].str.contains(ignored, regex=False).any()


def test_mapping_null_leaves_a_column_out(form):
    result = read_responses(VARIANTS / "qualtrics_greedy.csv", form, mapping={"Q7_1": None, "Q7_2": None})
    log = result.log.set_index("column")["message"]
    assert log["Q7_1"] == log["Q7_2"] == "column left out by the mapping"
    assert not result.log["message"].str.startswith("column not imported").any()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_cli_import_takes_a_mapping_file(suffix, tmp_path, capsys):
    mapping = {"4.检查日期:请选择 (column 8)": "visit_date", "4.检查日期:请选择 (column 9)": None}
    path = tmp_path / f"mapping{suffix}"
    path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")  # JSON is YAML too
    out = tmp_path / "out.csv"
    args = ["import", str(VARIANTS / "tencent_repeated_headers.csv"), "--instrument", str(VARIANTS / "variants.yaml")]
    assert main([*args, "--mapping", str(path), "-o", str(out)]) == 0
    assert pd.read_csv(out)["visit_date"].tolist()[:2] == ["2026-06-01", "2026-06-02"]
    assert "4.检查日期:请选择 (column 9): column left out by the mapping" in capsys.readouterr().err
    path.write_text('["not a mapping"]\n', encoding="utf-8")
    assert main([*args, "--mapping", str(path)]) == 2
    assert "expected a mapping of column header to question id (or null), got list" in capsys.readouterr().err


def test_study_mapping_accepts_null_and_refuses_other_values(tmp_path):
    from hsc_analysis.study import StudyError, load_study

    text = "id: s\ntitle: S\ndatasets:\n  d:\n    instrument: {form}\n    file: raw.csv\n    mapping: {mapping}\n"
    form = VARIANTS / "variants.yaml"
    (tmp_path / "study.yaml").write_text(text.format(form=form, mapping="{a: Q1, b: null}"), encoding="utf-8")
    assert load_study(tmp_path / "study.yaml").datasets[0].mapping == {"a": "Q1", "b": None}
    (tmp_path / "study.yaml").write_text(text.format(form=form, mapping="{a: 3}"), encoding="utf-8")
    with pytest.raises(StudyError, match=r"datasets\.d\.mapping: expected question ids \(text\) or null"):
        load_study(tmp_path / "study.yaml")
    with pytest.raises(InputError, match=r"cannot read the mapping file"):
        from hsc_analysis.io.mapping import read_mapping

        read_mapping(tmp_path / "absent.yaml")


# --- 8. question numbers ------------------------------------------------------------------------------------------


def test_ids_match_question_numbers(imported, form, tmp_path):
    for name in ("wjx_按序号_numbers.xlsx", "wjx_按序号_numbers.csv"):
        assert not imported[name].log["message"].str.startswith("column not").any(), name
    assert imported["wjx_按序号_numbers.xlsx"].background["Gender"].tolist() == [1, 2, 2]  # by its text
    sheet = pd.read_excel(VARIANTS / "wjx_按序号_numbers.xlsx").rename(columns={"第3题": "3、(行一)"})
    sheet.insert(sheet.shape[1], "3、(行二)", 1)  # number 3 now on two columns (a matrix): not used
    sheet.to_excel(tmp_path / "wjx_按序号_matrix.xlsx", index=False)
    with pytest.raises(DataError, match=r"no column for 1 question\(s\) of the instrument: Q3 "):
        read_responses(tmp_path / "wjx_按序号_matrix.xlsx", form)


# --- 9. LimeSurvey "code. text" headings ---------------------------------------------------------------------------


def test_limesurvey_code_and_text_headings(imported):
    result = imported["limesurvey_code_text.csv"]
    assert result.platform == "limesurvey" and list(result.items.index) == ["21", "22", "23"]
    meta = result.metadata
    assert meta["submitted_at"].iloc[2] == pd.Timestamp("2026-06-16 09:14:30") and pd.isna(meta["submitted_at"].iloc[1])
    assert meta["duration_seconds"].tolist() == [95.5, 40.0, 60.1]
    np.testing.assert_array_equal(result.background["Age"].to_numpy(), [41, np.nan, 45])
    assert result.background["Gender"].tolist() == [1, 2, 2]
    assert result.background[["contact__1", "contact__2", "contact__3"]].to_numpy().tolist() == [
        [1, 0, 1],
        [0, 1, 0],
        [0, 0, 0],
    ]


# --- 10. channels -------------------------------------------------------------------------------------------------


def test_channel_of_wjx_and_tencent(imported):
    wjx = imported["wjx_按序号_channel.xlsx"].metadata
    assert wjx["channel"].tolist() == ["微信", "直接访问", "微信", "链接", "微信"]
    assert wjx["wjx_source_detail"].iloc[0].startswith("https://")  # kept, never reported
    tencent = imported["tencent_user_type.csv"].metadata
    assert tencent["channel"].tolist() == ["微信用户", "QQ用户", "匿名用户"]
    assert tencent["started_at"].tolist()[:2] == [
        pd.Timestamp("2026-06-16 08:00:00"),
        pd.Timestamp("2021-02-02 20:26:58"),
    ]


# --- 11. an out-of-range date -------------------------------------------------------------------------------------


def test_out_of_range_date_is_one_invalid_cell_not_a_refused_file(imported):
    result = imported["spss_out_of_range_date.sav"]
    haven = pd.read_csv(REFERENCE / "import_variants_sav.csv", dtype={"value": str})
    haven = haven[(haven["file"] == "spss_out_of_range_date.sav") & (haven["variable"] == "submitted_at")]
    submitted = result.metadata["submitted_at"]
    assert result.n == 4 and pd.isna(submitted.iloc[1]) and pd.isna(submitted.iloc[3])
    for row in (0, 2):  # haven 2.5.1 reads the same times (exact)
        assert submitted.iloc[row] == pd.Timestamp(haven["value"].iloc[row])
    assert haven["value"].iloc[1].startswith("1269132-")  # haven holds the far date; pandas cannot
    warning = result.log.set_index("column").loc["submitted_at", "message"]
    assert "DATETIME20 value outside the dates that can be held (years 1677–2262), read as empty: row(s) 2" in warning


# --- 12. minor: -3 outside 问卷星, units on numbers ----------------------------------------------------------------


def test_minus3_is_skipped_only_in_wjx_and_numbers_may_carry_units(imported):
    plain = imported["spss_minus3.sav"]
    assert plain.missing.loc["r2", "Q1"] == "blank" and plain.missing.loc["r3", "Q2"] == "blank"
    assert imported["wjx_spss_download.sav"].missing.loc["3", "Q1"] == "skipped"
    units = imported["wjx_按文本_units.xlsx"]
    np.testing.assert_array_equal(units.background["Age"].to_numpy(), [45, 45, 38, np.nan])
    assert units.log.set_index("column").loc["4、您的年龄", "message"] == (
        "Age: 2 number(s) written with a unit (e.g. 岁) read as numbers"
    )
