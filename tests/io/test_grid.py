"""Encodings and delimiters of CSV exports, and the metadata parsers."""

import codecs

import pandas as pd
import pytest

from hsc_analysis.io.grid import read_grid, sniff_encoding
from hsc_analysis.io.metadata import parse_duration, parse_time

from ..conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "import"


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("wjx_按文本_parent_gbk.csv", "gb18030"),
        ("wjx_按序号_parent_bom.csv", "utf-8-sig"),
        ("limesurvey_parent.csv", "utf-8-sig"),
        ("tencent_parent.csv", "utf-8"),
    ],
)
def test_fixture_encodings_are_sniffed(name, encoding):
    assert sniff_encoding(FIXTURES / name) == encoding


def test_gbk_fixture_really_is_gbk():
    raw = (FIXTURES / "wjx_按文本_parent_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "非常同意" in raw.decode("gbk")


def test_utf16_and_semicolons(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "序号;题目\n1;非常同意\n".encode("utf-16-le"))
    grid = read_grid(path)
    assert grid.encoding == "utf-16" and grid.top[0] == ["序号", "题目"]
    body = grid.body(1, [0])
    assert body.index.tolist() == [2] and body.loc[2, 1] == "非常同意" and body.loc[2, 0] == "1"


def test_durations_and_times():
    durations = parse_duration(pd.Series(["136秒", "2分3秒", "1小时2分3秒", " 75 秒", "136", "abc", None]))
    assert durations.tolist()[:5] == [136, 123, 3723, 75, 136] and durations.iloc[5:].isna().all()
    times = parse_time(pd.Series(["2016/12/17 14:25:31", "2026-06-16 08:00:00", "02-Feb-2021 20:26:58", "x"]))
    assert times.iloc[:3].tolist() == [
        pd.Timestamp("2016-12-17 14:25:31"),
        pd.Timestamp("2026-06-16 08:00:00"),
        pd.Timestamp("2021-02-02 20:26:58"),
    ]
    assert pd.isna(times.iloc[3])
