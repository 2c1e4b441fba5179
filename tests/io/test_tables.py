import pandas as pd
import pytest

from hsc_analysis.errors import DataError
from hsc_analysis.io import read_table, write_table


def test_csv_in_gbk_and_utf8_read_the_same(tmp_path):
    table = pd.DataFrame({"关系": ["母亲", "父亲"], "com1": [4, 5]})
    table.to_csv(tmp_path / "gbk.csv", index=False, encoding="gbk")
    table.to_csv(tmp_path / "utf8.csv", index=False, encoding="utf-8-sig")
    gbk, utf8 = read_table(tmp_path / "gbk.csv"), read_table(tmp_path / "utf8.csv")
    pd.testing.assert_frame_equal(gbk, utf8)
    assert gbk["关系"].tolist() == ["母亲", "父亲"]
    assert gbk.index.tolist() == [2, 3] and gbk.index.name == "row"  # file rows, header = row 1


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet_round_trip(tmp_path, suffix):
    table = pd.DataFrame({"com1": [4, 5], "com2": [1.0, None]})
    path = tmp_path / f"t{suffix}"
    table.to_excel(path, index=False) if suffix == ".xlsx" else table.to_parquet(path)
    read = read_table(path)
    pd.testing.assert_frame_equal(read.reset_index(drop=True), table, check_dtype=False)


def test_duplicated_columns_are_an_error(tmp_path):
    (tmp_path / "dup.csv").write_text("com1,com2,com1\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"duplicated column name.*com1"):
        read_table(tmp_path / "dup.csv")


def test_unreadable_files_are_named(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(DataError, match=r"cannot read '\.sps' files"):
        read_table(tmp_path / "x.sps")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match=r"broken.xlsx: cannot read the file as xlsx"):
        read_table(tmp_path / "broken.xlsx")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81\x00\xff" * 10)
    with pytest.raises(DataError, match="not readable as text"):
        read_table(tmp_path / "binary.csv")


def test_write_table_refuses_unknown_formats(tmp_path):
    with pytest.raises(DataError, match=r"cannot write '\.json'"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "x.json")
