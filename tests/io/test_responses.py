"""read_responses: every platform's fixture imports to the same answers; bad input fails clearly or is marked.

Fixtures: tests/fixtures/import/make_fixtures.py writes one set of answers (answers_parent.csv, reasons_parent.csv)
through every platform. R reference: tests/reference/import.R (haven::read_sav, readxl::read_excel).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsc_analysis.errors import DataError, InputError
from hsc_analysis.instruments import Instrument, load_instrument
from hsc_analysis.io import read_responses
from hsc_analysis.io.responses import detect_source
from hsc_analysis.screening import ScreeningRules, screen

from ..conftest import REFERENCE, ROOT, SURVEYS

FIXTURES = ROOT / "tests" / "fixtures" / "import"
PLATFORM_FILES = {
    "wjx_index_xlsx": ("wjx_按序号_parent.xlsx", "wjx_index"),
    "wjx_text_xlsx": ("wjx_按文本_parent.xlsx", "wjx_text"),
    "wjx_index_bom_csv": ("wjx_按序号_parent_bom.csv", "wjx_index"),
    "wjx_text_gbk_csv": ("wjx_按文本_parent_gbk.csv", "wjx_text"),
    "wjx_2016_index_xls": ("wjx2016/All_Data_Original.xls", "wjx_index"),
    "wjx_2016_text_xls": ("wjx2016/All_Data_Readable.xls", "wjx_text"),
    "tencent_csv": ("tencent_parent.csv", "tencent"),
    "qualtrics_csv": ("qualtrics_parent.csv", "qualtrics"),
    "qualtrics_legacy_csv": ("qualtrics_legacy_parent.csv", "qualtrics"),
    "limesurvey_csv": ("limesurvey_parent.csv", "limesurvey"),
    "spss_sav": ("spss_parent.sav", "spss"),
    "plain_csv": ("plain_parent.csv", "table"),
}
# platforms whose files can say "skipped by the form's logic"; elsewhere a skipped answer is an empty cell (blank)
KNOWS_SKIPS = {"wjx_index", "wjx_text", "spss"}


@pytest.fixture(scope="module")
def truth(parent):
    answers = pd.read_csv(FIXTURES / "answers_parent.csv", index_col="respondent_id")
    reasons = pd.read_csv(FIXTURES / "reasons_parent.csv", index_col="respondent_id", dtype=str)
    ids = [q.id for q in (*parent.items, *parent.checks)]
    return answers[ids].where(answers[ids] != 9), reasons[ids]


@pytest.fixture(scope="module")
def imported(parent):
    return {key: read_responses(FIXTURES / name, parent) for key, (name, _) in PLATFORM_FILES.items()}


@pytest.mark.parametrize("key", PLATFORM_FILES, ids=list(PLATFORM_FILES))
def test_every_platform_gives_the_true_item_codes(key, imported, truth):
    expected, _ = truth
    result = imported[key]
    assert result.platform == PLATFORM_FILES[key][1]
    assert result.items.index.name == "respondent_id" and result.n == len(expected)
    assert list(result.items.columns) == list(expected.columns)
    np.testing.assert_array_equal(result.items.to_numpy(), expected.to_numpy())  # exact: codes are integers


@pytest.mark.parametrize("key", PLATFORM_FILES, ids=list(PLATFORM_FILES))
def test_missing_reasons_are_kept(key, imported, truth):
    _, reasons = truth
    result = imported[key]
    expected = reasons if result.platform in KNOWS_SKIPS else reasons.replace("skipped", "blank")
    got = result.missing.fillna("present").to_numpy()
    np.testing.assert_array_equal(got, expected.fillna("present").to_numpy())
    assert result.items.isna().to_numpy().sum() == result.missing.notna().to_numpy().sum()


@pytest.mark.parametrize("key", PLATFORM_FILES, ids=list(PLATFORM_FILES))
def test_background_and_identifiers_agree_across_platforms(key, imported):
    reference = imported["plain_csv"].background
    got = imported[key].background
    pd.testing.assert_frame_equal(got.reset_index(drop=True), reference.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize(
    ("index_file", "text_file"),
    [
        ("wjx_按序号_parent.xlsx", "wjx_按文本_parent.xlsx"),
        ("wjx_按序号_parent_bom.csv", "wjx_按文本_parent_gbk.csv"),
        ("wjx2016/All_Data_Original.xls", "wjx2016/All_Data_Readable.xls"),
    ],
    ids=["xlsx", "csv", "xls_2016"],
)
def test_wjx_index_and_text_downloads_give_identical_responses(index_file, text_file, parent):
    by_index = read_responses(FIXTURES / index_file, parent)
    by_text = read_responses(FIXTURES / text_file, parent)
    pd.testing.assert_frame_equal(by_index.items, by_text.items)
    pd.testing.assert_frame_equal(by_index.missing, by_text.missing)
    pd.testing.assert_frame_equal(by_index.background, by_text.background)
    pd.testing.assert_frame_equal(by_index.metadata, by_text.metadata)


def test_teacher_multiple_choice_from_option_columns_and_joined_text():
    teacher = load_instrument(SURVEYS / "teacher.yaml")
    by_index = read_responses(FIXTURES / "wjx_按序号_teacher.xlsx", teacher)
    by_text = read_responses(FIXTURES / "wjx_按文本_teacher.xlsx", teacher)  # ┋-joined, 其他〖心理健康〗
    closed = [c for c in by_index.background.columns if c != "subjects__other"]
    pd.testing.assert_frame_equal(by_index.background[closed], by_text.background[closed])
    pd.testing.assert_frame_equal(by_index.items, by_text.items)
    # the typed text is only in the 按文本 download; the log counts it and never shows it
    assert by_text.background["subjects__other"].dropna().tolist() == ["心理健康"]
    assert by_index.background["subjects__other"].isna().all()
    assert by_text.log["message"].str.contains("subjects: 1 typed 'other' answer(s) kept", regex=False).any()
    assert not by_text.log["message"].str.contains("心理健康").any()
    chosen = pd.read_csv(FIXTURES / "answers_teacher.csv")["subjects"].str.split("|")
    subjects = by_index.background[[f"subjects__{c}" for c in teacher.background[1].levels]]
    expected = [[float(str(c) in row) for c in teacher.background[1].levels] for row in chosen]
    np.testing.assert_array_equal(subjects.to_numpy(), expected)


def test_wjx_metadata_parsed_by_name_in_both_header_eras(imported):
    for key in ("wjx_index_xlsx", "wjx_2016_index_xls"):
        meta = imported[key].metadata
        assert list(meta.index) == ["1", "2", "3", "4", "5", "6"]
        assert meta["duration_seconds"].tolist() == [136, 123, 98, 301, 75, 3723]  # 136秒, 2分3秒, …, 1小时2分3秒
        assert meta["channel"].tolist()[:2] == ["微信", "直接访问"]
        assert meta["submitted_at"].iloc[1] == pd.Timestamp("2026-06-16 09:16:01")
        assert meta["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
        assert meta["ip"].iloc[0] == "10.0.0.0(本地)"


def test_other_platform_metadata(imported):
    tencent = imported["tencent_csv"].metadata
    assert tencent["duration_seconds"].tolist()[:2] == [136, 137]
    assert tencent["submitted_at"].iloc[0] == pd.Timestamp("2021-02-02 20:26:58")  # 02-Feb-2021 20:26:58
    qualtrics = imported["qualtrics_csv"]
    assert qualtrics.items.index[0] == "R_0000000000000001"
    assert qualtrics.metadata["source_row"].iloc[0] == 4  # three header rows
    assert qualtrics.metadata["duration_seconds"].iloc[0] == 38
    assert imported["qualtrics_legacy_csv"].metadata["source_row"].iloc[0] == 3
    assert imported["limesurvey_csv"].metadata["submitted_at"].iloc[0] == pd.Timestamp("2026-06-16 09:10:00")


def test_spss_equals_haven_read_sav_with_user_missing(imported):
    # R: haven::read_sav("spss_parent.sav", user_na = TRUE); zap_missing() and is.na() (tests/reference/import.R)
    result = imported["spss_sav"]
    codes = pd.read_csv(REFERENCE / "import_sav_codes.csv", index_col="respondent_id")
    user_na = pd.read_csv(REFERENCE / "import_sav_user_na.csv", index_col="respondent_id").astype(bool)
    raw = pd.read_csv(REFERENCE / "import_sav_raw.csv", index_col="respondent_id")
    items = result.items.columns
    np.testing.assert_array_equal(result.items.to_numpy(), codes[items].to_numpy())  # exact (integer codes)
    reasons = result.missing.to_numpy()
    assert (pd.notna(reasons) == (user_na[items].to_numpy() | raw[items].isna().to_numpy())).all()
    np.testing.assert_array_equal(reasons[raw[items].to_numpy() == -3], "skipped")
    np.testing.assert_array_equal(reasons[raw[items].to_numpy() == 9], "dont_know")


def test_xls_cells_equal_readxl(imported, parent):
    # R: readxl::read_excel("wjx2016/All_Data_Original.xls") (tests/reference/import.R): option positions per cell
    cells = pd.read_csv(REFERENCE / "import_wjx2016_index_cells.csv")
    result = imported["wjx_2016_index_xls"]
    for item_id in result.items.columns:
        question = parent.item(item_id) if item_id in parent.item_ids else parent.checks[0]
        header = next(c for c in cells.columns if c.endswith(question.text.zh))
        scale = parent.scales[question.scale]
        options = np.array([*scale.codes, *scale.missing_codes], dtype=float)
        positions = cells[header].to_numpy(dtype=float)
        answered = np.nan_to_num(positions, nan=-1) > 0  # empty cell = blank, -3 = skipped
        expected = np.full(len(positions), np.nan)
        expected[answered] = options[positions[answered].astype(int) - 1]
        expected[np.isin(expected, list(scale.missing_codes))] = np.nan
        np.testing.assert_array_equal(result.items[item_id].to_numpy(), expected, err_msg=item_id)
        np.testing.assert_array_equal(result.missing[item_id].to_numpy()[positions == -3], "skipped")


def test_detect_source_names_the_platform():
    assert {detect_source(FIXTURES / name) for name, _ in PLATFORM_FILES.values()} == {
        "wjx",
        "tencent",
        "qualtrics",
        "limesurvey",
        "spss",
        "table",
    }


# --- mapping ----------------------------------------------------------------------------------------------------


def test_explicit_mapping_and_unmapped_columns_reported(parent, tmp_path):
    plain = pd.read_csv(FIXTURES / "plain_parent.csv")
    renamed = plain.rename(columns={"com1": "Q1", "com2": "Q2"}).assign(note="x")
    path = tmp_path / "renamed.csv"
    renamed.to_csv(path, index=False)
    result = read_responses(path, parent, mapping={"Q1": "com1", "Q2": "com2"})
    reference = read_responses(FIXTURES / "plain_parent.csv", parent)
    pd.testing.assert_frame_equal(result.items, reference.items)
    warnings = result.log[result.log["level"] == "warning"]
    assert warnings["column"].tolist() == ["note", "student_code"]  # the parent form's linking code: not in this file


def test_missing_item_columns_are_all_listed(parent, tmp_path):
    path = tmp_path / "short.csv"
    pd.read_csv(FIXTURES / "plain_parent.csv").drop(columns=["com1", "eft5"]).to_csv(path, index=False)
    with pytest.raises(
        DataError, match=r"short\.csv \(read as a plain table\): no column for 2 question\(s\).*com1 .*eft5 "
    ):
        read_responses(path, parent)


def test_a_question_in_two_columns_goes_to_the_closest_or_is_an_error(parent, tmp_path):
    path = tmp_path / "double.csv"
    plain = pd.read_csv(FIXTURES / "plain_parent.csv")
    text = "1、" + parent.item("com1").text.zh
    plain.assign(**{text: 6 - plain["com1"]}).to_csv(path, index=False)
    result = read_responses(path, parent)  # the exact id beats the question text
    pd.testing.assert_frame_equal(result.items, read_responses(FIXTURES / "plain_parent.csv", parent).items)
    passed = result.log.set_index("column").loc[text, "message"]
    assert passed == "column not imported: it fits com1 by question text, but 'com1' fits it by exact id"
    plain.drop(columns="com1").assign(**{text: plain["com1"], "2、" + parent.item("com1").text.zh: 1}).to_csv(
        path, index=False
    )
    with pytest.raises(DataError, match=r"com1 in '1、班主任.*' and '2、班主任.*'.*\{column: null\} for the other"):
        read_responses(path, parent)


def test_repeated_header_that_fits_a_question_asks_for_a_choice(parent, tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("respondent_id,com1,com1\n1,2,3\n", encoding="utf-8")
    with pytest.raises(
        DataError,
        match=r"dup\.csv \(read as a plain table\): cannot map columns without guessing: column 'com1 \(column 2\)': "
        r"the header is repeated in columns 2, 3 and fits com1; choose one, e.g. mapping "
        r"\{'com1 \(column 2\)': 'com1', 'com1 \(column 3\)': null\}",
    ):
        read_responses(path, parent)
    path.write_text("respondent_id,respondent_id,com1\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"duplicated metadata column name\(s\) 'respondent_id'"):
        read_responses(path, parent)


def test_wjx_2016_option_columns_join_their_question_by_number(tmp_path):
    teacher = load_instrument(SURVEYS / "teacher.yaml")
    sheet = pd.read_excel(FIXTURES / "wjx_按序号_teacher.xlsx")
    number = next(c for c in sheet.columns if "任教学科" in c).split("、")[0]
    levels = teacher.background[1].levels
    renamed = {}
    for column in sheet.columns:
        for label in levels.values():
            if column.startswith(f"{number}、") and column.endswith(f"({label.zh})"):
                renamed[column] = f"第{number}题({label.zh})"
    path = tmp_path / "357_4_2.xls.csv"
    sheet.rename(columns=renamed).to_csv(path, index=False)
    result = read_responses(path, teacher)
    reference = read_responses(FIXTURES / "wjx_按序号_teacher.xlsx", teacher)
    pd.testing.assert_frame_equal(result.background, reference.background)


# --- bad input ----------------------------------------------------------------------------------------------------


def _plain_with(tmp_path: Path, column: str, row: int, value) -> Path:
    plain = pd.read_csv(FIXTURES / "plain_parent.csv", dtype=object)
    plain.loc[row, column] = value
    path = tmp_path / "bad.csv"
    plain.to_csv(path, index=False)
    return path


def test_code_outside_the_scale_raises_with_row_column_value_and_allowed(parent, tmp_path):
    path = _plain_with(tmp_path, "com2", 1, "7")
    with pytest.raises(DataError, match=r"bad\.csv: row 3, column 'com2' \(com2\): 7 is not allowed; allowed: codes 1"):
        read_responses(path, parent)


def test_lenient_mode_marks_the_cell_invalid_and_logs_it(parent, tmp_path):
    path = _plain_with(tmp_path, "com2", 1, "7")
    result = read_responses(path, parent, on_invalid="mark")
    assert np.isnan(result.items.loc["2", "com2"]) and result.missing.loc["2", "com2"] == "invalid"
    assert result.n == 6  # no row lost
    logged = result.log[result.log["message"].str.contains("invalid answer")]
    assert logged["column"].tolist() == ["com2"] and "rows 3" in logged["message"].iloc[0]


def test_answer_text_not_among_labels_raises(parent, tmp_path):
    sheet = pd.read_excel(FIXTURES / "wjx_按文本_parent.xlsx", dtype=object)
    column = next(c for c in sheet.columns if parent.item("com1").text.zh in c)
    sheet.loc[0, column] = "比较同意"
    path = tmp_path / "wjx_按文本_bad.xlsx"
    sheet.to_excel(path, index=False)
    with pytest.raises(
        DataError, match=r"row 2, column '.*' \(com1\): '比较同意' is not allowed; allowed: labels 1 非常不同意"
    ):
        read_responses(path, parent)


def test_index_position_beyond_the_options_raises(parent, tmp_path):
    sheet = pd.read_csv(FIXTURES / "wjx_按序号_parent_bom.csv", dtype=object)
    column = next(c for c in sheet.columns if parent.item("opn1").text.zh in c)
    sheet.loc[2, column] = "7"  # A5_dk has 6 options
    path = tmp_path / "wjx_按序号_bad.csv"
    sheet.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"row 4, .*\(opn1\): 7 is not allowed; allowed: option positions 1–6 \("):
        read_responses(path, parent)


def test_duplicated_respondent_ids_raise(parent, tmp_path):
    path = _plain_with(tmp_path, "respondent_id", 1, "1")
    with pytest.raises(DataError, match=r"repeats respondent id\(s\) 1 in row\(s\) 2, 3"):
        read_responses(path, parent)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("corrupt.xlsx", b"PK\x03\x04 not really a workbook", r"corrupt\.xlsx: cannot read the file as xlsx"),
        ("corrupt.sav", b"$FL2 broken", r"corrupt\.sav: cannot read the file as SPSS \.sav"),
        ("corrupt.xls", b"\xd0\xcf\x11\xe0 broken", r"corrupt\.xls: cannot read the file as xls"),
        ("data.json", b"{}", r"data\.json: cannot read '\.json' files"),
        ("empty.csv", b"", r"empty\.csv: the file is empty"),
        ("latin.csv", b"com1\n\xff\xfe\xfd\x80\n", r"latin\.csv: not readable as text in UTF-8 or GB18030"),
    ],
    ids=["xlsx", "sav", "xls", "extension", "empty", "encoding"],
)
def test_unreadable_files_raise_data_error(name, content, message, parent, tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_responses(path, parent)


def test_unknown_or_wrong_platform(parent):
    with pytest.raises(InputError, match=r"'source' parameter of read_responses must be one of auto, wjx"):
        read_responses(FIXTURES / "plain_parent.csv", parent, source="surveymonkey")
    with pytest.raises(DataError, match=r"does not look like a qualtrics export \(its header looks like tencent\)"):
        read_responses(FIXTURES / "tencent_parent.csv", parent, source="qualtrics")
    with pytest.raises(InputError, match=r"'on_invalid' parameter"):
        read_responses(FIXTURES / "plain_parent.csv", parent, on_invalid="drop")


def test_mapping_and_source_from_study_yaml(parent, tmp_path):
    from hsc_analysis.study import load_study

    plain = pd.read_csv(FIXTURES / "plain_parent.csv").rename(columns={"com1": "Q1"})
    plain.to_csv(tmp_path / "raw.csv", index=False)
    (tmp_path / "study.yaml").write_text(
        f"id: s\ntitle: S\ndatasets:\n  parent:\n    instrument: {SURVEYS / 'parent.yaml'}\n    file: raw.csv\n"
        "    source: table\n    mapping: {Q1: com1}\n",
        encoding="utf-8",
    )
    dataset = load_study(tmp_path / "study.yaml").datasets[0]
    result = read_responses(dataset.file, dataset.instrument, source=dataset.source, mapping=dataset.mapping)
    pd.testing.assert_frame_equal(result.items, read_responses(FIXTURES / "plain_parent.csv", parent).items)


def test_simulator_style_index_file_with_joined_multiple_choice(tmp_path):
    # the bundled example's 按序号 writer puts a multiple-choice answer in one ┋-joined column
    teacher = load_instrument(SURVEYS / "teacher.yaml")
    index = pd.read_excel(FIXTURES / "wjx_按序号_teacher.xlsx")
    text = pd.read_excel(FIXTURES / "wjx_按文本_teacher.xlsx")
    joined = next(c for c in text.columns if "任教学科" in c)
    options = [c for c in index.columns if c.startswith(joined.split("、")[0] + "、")]
    mixed = index.drop(columns=options)
    mixed.insert(index.columns.get_loc(options[0]), joined, text[joined])
    path = tmp_path / "teachers.xlsx"  # no 按序号 in the name: coding read from content
    mixed.to_excel(path, index=False)
    result = read_responses(path, teacher)
    assert result.platform == "wjx_index"
    reference = read_responses(FIXTURES / "wjx_按序号_teacher.xlsx", teacher)
    closed = [c for c in reference.background.columns if c != "subjects__other"]  # typed text: 按文本 only
    pd.testing.assert_frame_equal(result.background[closed], reference.background[closed])
    pd.testing.assert_frame_equal(result.items, reference.items)


@pytest.mark.parametrize("platform", ["tencent", "limesurvey"])
def test_multiple_choice_option_columns_of_tencent_and_limesurvey(platform, tmp_path):
    teacher = load_instrument(SURVEYS / "teacher.yaml")
    reference = read_responses(FIXTURES / "wjx_按序号_teacher.xlsx", teacher)
    sheet = pd.read_excel(FIXTURES / "wjx_按序号_teacher.xlsx", dtype=object)
    levels = teacher.background[1].levels
    table = {"编号" if platform == "tencent" else "id": sheet["序号"].astype(str)}
    if platform == "limesurvey":
        table |= {"submitdate": "2026-06-16 09:00:00", "lastpage": "3", "startlanguage": "zh"}
    answers = pd.read_excel(FIXTURES / "wjx_按文本_teacher.xlsx", dtype=object) if platform == "tencent" else sheet
    for question in teacher.items + teacher.checks:  # 腾讯问卷 exports option texts
        column = next(c for c in answers.columns if c.endswith(question.text.zh))
        table[question.id] = answers[column]
    for code, label in levels.items():
        column = next(c for c in sheet.columns if c.endswith(f"({label.zh})"))
        chosen = sheet[column].astype(int) == 1
        if platform == "tencent":
            table[f"9.任教学科:{label.zh}"] = chosen.map({True: label.zh, False: ""})
        else:
            table[f"subjects[SQ{code:03d}]"] = chosen.map({True: "Y", False: ""})
    path = tmp_path / f"{platform}.csv"
    pd.DataFrame(table).to_csv(path, index=False, sep="," if platform == "tencent" else ";")
    result = read_responses(path, teacher, source=platform)
    subjects = [f"subjects__{c}" for c in levels]
    pd.testing.assert_frame_equal(result.background[subjects], reference.background[subjects])
    pd.testing.assert_frame_equal(result.items, reference.items)


def test_an_empty_line_is_logged_not_a_respondent(parent, tmp_path):
    lines = (FIXTURES / "plain_parent.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "gap.csv"
    path.write_text("\n".join([lines[0], lines[1], "", *lines[2:]]) + "\n\n", encoding="utf-8")
    result = read_responses(path, parent)
    assert result.n == 6 and list(result.items.index) == ["1", "2", "3", "4", "5", "6"]
    assert result.metadata["source_row"].tolist() == [2, 4, 5, 6, 7, 8]  # row numbers stay those of the file
    blank = result.log[result.log["message"].str.startswith("blank row(s)")].set_index("level")
    assert blank.loc["warning", "message"].endswith("rows 3") and blank.loc["warning", "n_rows"] == 1
    assert blank.loc["info", "n_rows"] == 1  # the extra line at the end


def test_spss_codes_translated_by_value_labels(parent, tmp_path):
    import pyreadstat

    truth = pd.read_csv(FIXTURES / "answers_parent.csv", index_col="respondent_id")
    items = [q.id for q in (*parent.items, *parent.checks)]
    positions = truth[items].replace({9: 6})  # a 问卷星 .sav numbers the options 1, 2, …: 6 = 不了解
    labels = {}
    for item in items:
        scale = parent.scales[(parent.item(item) if item in parent.item_ids else parent.checks[0]).scale]
        options = [*scale.codes.values(), *(label for label, _ in scale.missing_codes.values())]
        labels[item] = {float(i): label.zh for i, label in enumerate(options, start=1)}
    labels["com1"][3.0] = "一般"  # not an option of the instrument: this column is read as it is, with a warning
    path = tmp_path / "wjx.sav"
    pyreadstat.write_sav(positions.reset_index(), str(path), variable_value_labels=labels)
    result = read_responses(path, parent)
    expected = truth[items].where(truth[items] != 9)
    np.testing.assert_array_equal(result.items.to_numpy(), expected.to_numpy())
    assert (result.missing["opn1"][truth["opn1"].to_numpy() == 9] == "dont_know").all()
    warned = result.log[(result.log["level"] == "warning") & (result.log["column"] == "com1")]
    assert "'一般'" in warned["message"].iloc[0]
    assert result.log["message"].str.contains(r"opn1: codes translated by value labels \(6→9\)").any()


@pytest.mark.parametrize("relabel", ["all-agree", "shared", "reversed"])
def test_spss_value_labels_never_rewrite_answers(relabel, parent, tmp_path):
    import pyreadstat

    truth = pd.read_csv(FIXTURES / "answers_parent.csv", index_col="respondent_id")
    items = [q.id for q in (*parent.items, *parent.checks)]
    codes = truth[items]
    texts = [label.zh for label in parent.scales["A5"].codes.values()]
    labels = {
        "all-agree": dict.fromkeys(range(1, 6), "同意"),
        "shared": {1: texts[0], 2: texts[1], 3: texts[1], 4: texts[3], 5: texts[4]},
        "reversed": {code: texts[5 - code] for code in range(1, 6)},
    }[relabel]
    path = tmp_path / "labels.sav"
    pyreadstat.write_sav(codes.reset_index(), str(path), variable_value_labels={"com2": labels})
    result = read_responses(path, parent)
    np.testing.assert_array_equal(result.items["com2"].to_numpy(), codes["com2"].to_numpy())
    warned = result.log[(result.log["level"] == "warning") & (result.log["column"] == "com2")]["message"]
    assert warned.str.contains("disagree with the instrument's options; codes read as they are").any()
    assert not result.log["message"].str.contains("com2: codes translated").any()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.lists(st.sampled_from(["1", "3", "5", "7", "", "abc", "-3", "2.5", "非常同意"]), min_size=3, max_size=3),
        min_size=1,
        max_size=30,
    )
)
def test_lenient_import_never_loses_a_row(rows, tmp_path_factory):
    instrument = Instrument.from_keys({"S": ["a", "b", "c"]}, response_range=(1, 5))
    path = tmp_path_factory.mktemp("rows") / "rows.csv"
    path.write_text("a,b,c\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    result = read_responses(path, instrument, on_invalid="mark")
    blank = [all(cell == "" for cell in row) for row in rows]  # an empty row is not a respondent: logged, not read
    cells = np.array([row for row, empty in zip(rows, blank, strict=True) if not empty], dtype=object).reshape(-1, 3)
    kept_rows = [number for number, empty in enumerate(blank, start=2) if not empty]
    assert result.n == len(kept_rows) and result.metadata["source_row"].tolist() == kept_rows
    logged = result.log[result.log["message"].str.startswith("blank row(s)")]["n_rows"].sum()
    assert result.n + logged == len(rows)
    valid = np.isin(cells, ["1", "3", "5"])
    np.testing.assert_array_equal(result.items.notna().to_numpy(), valid)
    np.testing.assert_array_equal(result.missing.to_numpy() == "blank", cells == "")
    np.testing.assert_array_equal(result.missing.to_numpy() == "invalid", ~valid & (cells != ""))


def test_excel_datetime_cells_and_duration_variants(parent, tmp_path):
    sheet = pd.read_excel(FIXTURES / "wjx_按序号_parent.xlsx", dtype=object)
    sheet["提交答卷时间"] = pd.Timestamp("2026-06-16 08:00:00")  # a real datetime cell, not text
    sheet["所用时间"] = ["2分3秒", "136", "1小时", "136 秒", "3分", ""]
    path = tmp_path / "wjx_按序号_dates.xlsx"
    sheet.to_excel(path, index=False)
    meta = read_responses(path, parent).metadata
    assert (meta["submitted_at"] == pd.Timestamp("2026-06-16 08:00:00")).all()
    assert meta["duration_seconds"].tolist()[:5] == [123, 136, 3600, 136, 180]
    assert np.isnan(meta["duration_seconds"].iloc[5])


def test_mapping_errors_name_the_problem(parent, tmp_path):
    with pytest.raises(DataError, match=r"mapping names column\(s\) not in the file: Q9"):
        read_responses(FIXTURES / "plain_parent.csv", parent, mapping={"Q9": "com1"})
    with pytest.raises(DataError, match=r"mapping 'com1' → 'nope': no question 'nope' in the instrument"):
        read_responses(FIXTURES / "plain_parent.csv", parent, mapping={"com1": "nope"})
    twins = tmp_path / "twins.yaml"
    twins.write_text(
        "id: twins\ntitle: T\nversion: '1'\nscales: {A: {codes: {1: 否, 2: 是}}}\nconstructs: {c: {label: C}}\n"
        "items:\n  - {id: a, construct: c, scale: A, text: 同一句话}\n"
        "  - {id: b, construct: c, scale: A, text: 同一句话}\n",
        encoding="utf-8",
    )
    path = tmp_path / "twins.csv"
    path.write_text("1、同一句话,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"column '1、同一句话': fits 2 questions \(a, b\)"):
        read_responses(path, load_instrument(twins))


def test_qualtrics_multiple_choice_split_into_columns(tmp_path):
    teacher = load_instrument(SURVEYS / "teacher.yaml")
    reference = read_responses(FIXTURES / "wjx_按序号_teacher.xlsx", teacher)
    sheet = pd.read_excel(FIXTURES / "wjx_按序号_teacher.xlsx", dtype=object)
    tags, texts = ["ResponseId"], ["Response ID"]
    body = {"ResponseId": [f"R_{i}" for i in sheet["序号"]]}
    for question in teacher.items + teacher.checks:
        tags.append(question.id)
        texts.append(question.text.zh)
        body[question.id] = sheet[next(c for c in sheet.columns if c.endswith(question.text.zh))]
    for code, label in teacher.background[1].levels.items():
        tags.append(f"Q9_{code}")
        texts.append(f"任教学科 - {label.zh}")
        selected = sheet[next(c for c in sheet.columns if c.endswith(f"({label.zh})"))].astype(int) == 1
        body[f"Q9_{code}"] = selected.map({True: "1", False: ""})
    path = tmp_path / "qualtrics.csv"
    rows = [tags, texts, ['{"ImportId":"x"}'] * len(tags), *pd.DataFrame(body).astype(str).to_numpy().tolist()]
    pd.DataFrame(rows).to_csv(path, index=False, header=False)
    result = read_responses(path, teacher)
    assert result.platform == "qualtrics"
    subjects = [f"subjects__{c}" for c in range(1, 8)]
    np.testing.assert_array_equal(result.background[subjects].to_numpy(), reference.background[subjects].to_numpy())


def test_unreadable_metadata_is_logged_not_dropped(parent, tmp_path):
    sheet = pd.read_csv(FIXTURES / "wjx_按序号_parent_bom.csv", dtype=object)
    sheet.loc[1, "提交答卷时间"] = "昨天下午"
    sheet.loc[2, "所用时间"] = "很久"
    path = tmp_path / "wjx_按序号_meta.csv"
    sheet.to_csv(path, index=False)
    result = read_responses(path, parent)
    assert result.n == 6 and pd.isna(result.metadata["submitted_at"].iloc[1])
    warnings = result.log[result.log["level"] == "warning"].set_index("column")["message"]
    assert "submitted_at: 1 value(s) not understood, left empty (not shown" in warnings["提交答卷时间"]
    assert warnings["提交答卷时间"].endswith("rows 3") and warnings["所用时间"].endswith("rows 4")
    assert "昨天下午" not in " ".join(warnings) and "很久" not in " ".join(warnings)


@pytest.mark.parametrize("key", PLATFORM_FILES, ids=list(PLATFORM_FILES))
def test_every_platform_file_is_accounted_for_after_screening(key, imported, truth, parent):
    """received = analysed + excluded on every fixture: each data row is kept or logged with its hurdle."""
    result = screen(imported[key], instrument=parent, rules=ScreeningRules())
    flow = result.flow.set_index("step")["n_after"]
    assert flow["received"] == len(truth[0]) == result.kept.n + len(result.excluded)
    assert flow["analysed"] == result.kept.n
    assert sorted([*result.kept.items.index, *result.excluded["respondent_id"]]) == sorted(imported[key].items.index)
