"""shareable_table: what leaves import for files and reports keeps no personal column and loses no respondent."""

from hsc_analysis.instruments import load_instrument
from hsc_analysis.io import read_responses
from hsc_analysis.io.shareable import shareable_table
from hsc_analysis.responses import METADATA_COLUMNS

from ..conftest import ROOT, SURVEYS

FIXTURES = ROOT / "tests" / "fixtures" / "import"


def test_personal_columns_are_left_out_and_the_rest_kept(parent):
    data = read_responses(FIXTURES / "tencent_parent.csv", parent)
    table = shareable_table(data, instrument=parent)
    assert list(table.columns[: len(METADATA_COLUMNS)]) == list(METADATA_COLUMNS)
    assert not {"phone", "suggestions", "地理位置省", "started_at"} & set(table.columns)
    assert {"school_code", "class_code", *parent.item_ids} <= set(table.columns)
    assert table.index.equals(data.items.index)


def test_multiple_choice_columns_survive():
    teacher = load_instrument(SURVEYS / "teacher.yaml")
    table = shareable_table(read_responses(FIXTURES / "wjx_按序号_teacher.xlsx", teacher), instrument=teacher)
    assert [c for c in table.columns if c.startswith("subjects__")] == [f"subjects__{c}" for c in range(1, 8)]
