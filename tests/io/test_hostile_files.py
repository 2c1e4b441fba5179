"""Realistic damaged or odd files: read correctly or refused in one line, never a traceback or a silent change."""

import codecs

import openpyxl
import pandas as pd
import pytest

from hsc_analysis.errors import DataError
from hsc_analysis.io import read_responses, read_table

from ..conftest import EXAMPLE

TEACHER_XLSX = next(EXAMPLE.glob("*教师卷*.xlsx"))


@pytest.fixture(scope="module")
def sheet():
    return pd.read_excel(TEACHER_XLSX, dtype=object)


@pytest.fixture(scope="module")
def teacher_import(teacher):
    return read_responses(TEACHER_XLSX, teacher)


@pytest.fixture(scope="module")
def teacher():
    from hsc_analysis.instruments import load_instrument

    from ..conftest import SURVEYS

    return load_instrument(SURVEYS / "teacher.yaml")


def csv_text(sheet):
    return sheet.to_csv(index=False, lineterminator="\n")


def test_an_unquoted_comma_is_one_line_naming_the_line(sheet, teacher, tmp_path):
    lines = csv_text(sheet).splitlines()
    lines[2] += ",我们,很好"
    path = tmp_path / "comma.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError, match=r"Expected \d+ fields in line 3, saw \d+ — a text answer with an unquoted"):
        read_responses(path, teacher)


def test_utf32_text_and_a_dos_end_of_file_mark(sheet, teacher, teacher_import, tmp_path):
    utf32 = tmp_path / "utf32.csv"
    utf32.write_bytes(codecs.BOM_UTF32_LE + csv_text(sheet).encode("utf-32-le"))
    ctrl_z = tmp_path / "ctrlz.csv"
    ctrl_z.write_bytes(csv_text(sheet).encode("utf-8") + b"\x1a")
    for path in (utf32, ctrl_z):
        result = read_responses(path, teacher)
        assert result.n == teacher_import.n == 115
        pd.testing.assert_frame_equal(result.items, teacher_import.items)


@pytest.mark.parametrize("first", ["empty", "notes"])
def test_the_data_sheet_is_found_behind_an_empty_or_a_notes_sheet(first, sheet, teacher, teacher_import, tmp_path):
    path = tmp_path / "sheets.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"说明": ["本文件由问卷星导出"]} if first == "notes" else {}).to_excel(writer, sheet_name="说明")
        sheet.to_excel(writer, sheet_name="数据", index=False)
    pd.testing.assert_frame_equal(read_responses(path, teacher).items, teacher_import.items)


def test_a_submission_time_out_of_range_is_logged_not_a_traceback(sheet, teacher, tmp_path):
    changed = sheet.copy()
    changed.loc[0, "提交答卷时间"] = "3000/01/01 00:00:00"
    path = tmp_path / "year3000.xlsx"
    changed.to_excel(path, index=False)
    result = read_responses(path, teacher)
    assert pd.isna(result.metadata["submitted_at"].iloc[0]) and result.metadata["submitted_at"].notna().sum() == 114
    assert result.log["message"].str.contains("submitted_at: 1 value(s) not understood", regex=False).any()


def test_an_excel_true_is_never_the_code_1(sheet, teacher, tmp_path):
    book = openpyxl.load_workbook(TEACHER_XLSX)
    column = list(sheet.columns).index(next(c for c in sheet.columns if "本学年实地家访户数" in str(c))) + 1
    book.active.cell(row=2, column=column).value = True
    path = tmp_path / "true.xlsx"
    book.save(path)
    with pytest.raises(DataError, match=r"row 2, column .*tx_home_visits.*a text that is not a number"):
        read_responses(path, teacher)
    marked = read_responses(path, teacher, on_invalid="mark")
    assert pd.isna(marked.background["tx_home_visits"].iloc[0])


@pytest.mark.parametrize("word", ["NA", "null", "None", "nan"])
def test_missing_value_words_one_policy(word, sheet, teacher, tmp_path):
    """In a platform export a word is what the respondent typed (invalid in a number question), in .xlsx and CSV
    alike; in a plain table it is the missing-value marker R and pandas write, in .xlsx and CSV alike."""
    column = next(c for c in sheet.columns if "本学年实地家访户数" in str(c))
    changed = sheet.copy()
    changed.loc[0, column] = word
    for suffix in (".xlsx", ".csv"):
        path = tmp_path / f"wjx{suffix}"
        changed.to_excel(path, index=False) if suffix == ".xlsx" else changed.to_csv(path, index=False)
        with pytest.raises(DataError, match="tx_home_visits"):
            read_responses(path, teacher)
    plain = pd.DataFrame({"respondent_id": ["a", "b", "c"], "ent1": [word, "4", "5"], "ent2": ["1", "", "3"]})
    for suffix in (".xlsx", ".csv"):
        path = tmp_path / f"plain{suffix}"
        plain.to_excel(path, index=False) if suffix == ".xlsx" else plain.to_csv(path, index=False)
        table = read_table(path)
        assert table["ent1"].isna().tolist() == [True, False, False]
        assert table["ent2"].isna().tolist() == [False, True, False]


def test_a_parquet_list_column_is_refused_in_one_line(tmp_path):
    path = tmp_path / "list.parquet"
    pd.DataFrame({"respondent_id": ["1", "2"], "ent1": [[1, 2], [3]]}).to_parquet(path)
    with pytest.raises(DataError, match=r"column\(s\) ent1 hold lists or records"):
        read_table(path)


def test_short_rows_leave_their_last_cells_empty(teacher, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("respondent_id,ent1,ent2\n1\n", encoding="utf-8")
    with pytest.raises(DataError, match="no column for"):  # the instrument's other questions are absent
        read_responses(path, teacher)
    assert read_table(path).shape == (1, 3)
