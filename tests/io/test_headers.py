"""Header parsing: question numbers, stems, matrix rows and option columns as the platforms write them."""

import pytest

from hsc_analysis.io.headers import normalise, parse_header


@pytest.mark.parametrize(
    ("text", "number", "stem", "option"),
    [
        ("1、请问您的性别？", 1, "请问您的性别？", None),
        ("3、您的最高学历 (单选题 *必答)", 3, "您的最高学历", None),
        ("13、外观 (矩阵单选题 *必答)—界面美观度", 13, "外观—界面美观度", None),
        ("界面美观度", None, "界面美观度", None),
        ("第6题(其他【请注明】)", 6, "", "其他【请注明】"),
        ("8、您通常参与哪些活动？(学术研究)", 8, "您通常参与哪些活动？(学术研究)", "学术研究"),
        ("8、(体育活动)", 8, "(体育活动)", "体育活动"),
        ("21.哪些场合？:与家人交流", 21, "哪些场合？:与家人交流", "与家人交流"),
    ],
)
def test_parse_header(text, number, stem, option):
    header = parse_header(text)
    assert (header.number, header.stem, header.option) == (number, stem, option)


def test_candidates_and_base():
    assert "界面美观度" in parse_header("13、外观 (矩阵单选题 *必答)—界面美观度").candidates()
    assert "班主任会及时告诉我" in parse_header("沟通 - 班主任会及时告诉我").candidates()
    assert parse_header("8、您通常参与哪些活动？(学术研究)").base == "您通常参与哪些活动？"
    assert parse_header("21.哪些场合？:与家人交流").base == "哪些场合？"
    assert parse_header("G3[com1]").candidates()[-1] == "com1"


def test_normalise_folds_width_space_and_trailing_punctuation():
    assert normalise("（如家委会、校长信箱）。") == normalise("(如家委会、校长信箱)")
    assert normalise("Strongly  Agree ") == "stronglyagree"


@pytest.mark.parametrize("text", ["第13题(界面美观度)", "13、(界面美观度)", "13、界面美观度", "外观 - 界面美观度"])
def test_matrix_row_forms_offer_the_row_text(text):
    assert "界面美观度" in parse_header(text).candidates()
