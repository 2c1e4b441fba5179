"""Cells → codes: the three codings agree, reasons are kept, anything else is flagged invalid."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hsc_analysis.io.coding import REASON_CODES, REASONS, code_choice, code_multiple, code_number, code_text
from hsc_analysis.io.mapping import instrument_fields

WJX_SPECIAL = {-3: "skipped", -2: "skipped"}


def _field(instrument, question_id):
    return next(f for f in instrument_fields(instrument) if f.id == question_id)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([1, 2, 3, 4, 5, 9, "skip", "blank"]), min_size=1, max_size=40))
def test_positions_labels_and_codes_give_the_same_answers(parent, answers):
    field = _field(parent, "opn1")  # A5_dk: codes 1–5, then 9 不了解
    position = {c: i + 1 for i, c in enumerate(field.options)}
    as_index = pd.Series([position.get(a, -3 if a == "skip" else np.nan) for a in answers], dtype=float)
    as_text = pd.Series(
        [field.labels[a].zh if isinstance(a, int) else ("(跳过)" if a == "skip" else "(空)") for a in answers],
        dtype=object,
    )
    as_code = pd.Series([a if isinstance(a, int) else np.nan for a in answers], dtype=float)
    by_index = code_choice(as_index, field, coding="index", special=WJX_SPECIAL)
    by_text = code_choice(as_text, field, coding="text", special={})
    by_code = code_choice(as_code, field, coding="code", special={})
    expected = [float(a) if a in (1, 2, 3, 4, 5) else np.nan for a in answers]
    for coded in (by_index, by_text, by_code):
        np.testing.assert_array_equal(coded.answers, expected)
        assert len(coded.answers) == len(answers) and not coded.invalid.any()  # no row lost, nothing invalid
        assert (np.isnan(coded.answers) == (coded.reasons > 0)).all()  # missing ⇔ a reason
    np.testing.assert_array_equal(by_index.reasons, by_text.reasons)
    dont_know = np.array([a == 9 for a in answers])
    assert (REASONS[by_index.reasons[dont_know]] == "dont_know").all()


def test_score_forms_english_labels_and_other_text(parent):
    field = _field(parent, "com1")
    cells = pd.Series(["4分", "Strongly agree", " 非常 同意 ", "同意〖补充〗", "（空）", "比较同意", 7], dtype=object)
    coded = code_choice(cells, field, coding="text", special={})
    np.testing.assert_array_equal(coded.answers[:4], [4, 5, 5, 4])
    assert REASONS[coded.reasons[4]] == "blank"
    np.testing.assert_array_equal(coded.invalid, [False, False, False, False, False, True, True])


def test_codes_outside_the_scale_are_invalid(parent):
    field = _field(parent, "com1")  # A5 has no missing code: 9 is not allowed here
    coded = code_choice(pd.Series([1, 5, 7, 9, 0, 2.5, -3]), field, coding="code", special={})
    np.testing.assert_array_equal(coded.invalid, [False, False, True, True, True, True, True])


def test_limesurvey_answer_codes(parent):
    coded = code_choice(
        pd.Series(["A1", "A5", "A6", "a3"]), _field(parent, "com1"), coding="code", special={}, code_prefix="A"
    )
    np.testing.assert_array_equal(coded.answers, [1, 5, np.nan, 3])
    np.testing.assert_array_equal(coded.invalid, [False, False, True, False])


def test_numbers_and_text_answers(parent):
    number = code_number(pd.Series(["3", "(跳过)", None, "three"], dtype=object), special={})
    np.testing.assert_array_equal(number.answers, [3, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(number.invalid, [False, False, False, True])
    assert number.reasons[1] == REASON_CODES["skipped"]
    text = code_text(pd.Series(["a→b┋c", "(空)", 301.0, -3.0], dtype=object), special=WJX_SPECIAL)
    assert list(text.answers[[0, 2]]) == ["a→b┋c", "301"]
    assert pd.isna(text.answers[1]) and pd.isna(text.answers[3])


def test_multiple_choice_forms_agree():
    from hsc_analysis.instruments import load_instrument

    teacher = load_instrument("surveys/teacher.yaml")
    field = _field(teacher, "subjects")
    joined = pd.Series(["语文┋数学", "其他〖心理〗", "(跳过)", "数学┋地理"], dtype=object)
    frame, invalid = code_multiple(joined, {}, field, coding="text", special={})
    np.testing.assert_array_equal(invalid, [False, False, False, True])
    assert frame.loc[0, ["subjects__1", "subjects__2", "subjects__3"]].tolist() == [1, 1, 0]
    assert frame.loc[1, "subjects__7"] == 1 and frame.loc[[2, 3]].isna().all().all()
    columns = {1: pd.Series([1, 0, -3, 0]), 2: pd.Series([1, 0, -3, 1])}
    frame, invalid = code_multiple(None, columns, field, coding="index", special=WJX_SPECIAL)
    assert frame["subjects__2"].tolist()[:2] == [1, 0] and frame.loc[2].isna().all() and not invalid.any()
    codes = pd.Series(["1,2", "3", None], dtype=object)  # Qualtrics: selected codes joined by ","
    frame, _ = code_multiple(codes, {}, field, coding="code", special={})
    assert frame.loc[0, ["subjects__1", "subjects__2", "subjects__3"]].tolist() == [1, 1, 0]
