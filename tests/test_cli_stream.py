"""``hsc screen --stream`` and ``hsc score --stream``: the in-memory commands' numbers from files read in batches,
one clear line for bad input."""

import json

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.cli import main
from hsc_analysis.instruments import load_instrument
from hsc_analysis.scoring import key_items

from .test_streaming_screen import _table

TOLERANCE = 1e-10
PARENT = "surveys/parent.yaml"


@pytest.fixture(scope="module")
def parent():
    return load_instrument(PARENT)


@pytest.fixture
def screened(tmp_path, parent, capsys):
    """The planted sample screened in memory (CSV) and streamed in batches of 300 (Parquet)."""
    raw = tmp_path / "answers.parquet"
    _table(parent).to_parquet(raw, index=False)
    assert main(["screen", str(raw), "--instrument", PARENT, "-o", str(tmp_path / "memory")]) == 0
    memory_out = capsys.readouterr().out
    code = main(["screen", str(raw), "--instrument", PARENT, "--stream", "--batch-rows", "300", "-o",
                 str(tmp_path / "stream")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return tmp_path, memory_out, captured


def test_streamed_screen_writes_the_in_memory_flow_exclusions_indices_and_kept_rows(screened):
    folder, memory_out, captured = screened
    assert captured.out == memory_out  # the flow, printed
    assert "sample: batch 4, 1,000 rows" in captured.err and "screen: batch 4, 1,000 rows" in captured.err
    memory, stream = folder / "memory", folder / "stream"
    for name in ("flow.csv", "rules.csv"):
        assert (stream / name).read_bytes() == (memory / name).read_bytes(), name
    exclusions = pd.read_csv(memory / "exclusions.csv", dtype={"respondent_id": str})
    excluded = pd.read_parquet(stream / "excluded.parquet")
    assert excluded.fillna("").to_numpy().tolist() == exclusions.fillna("").to_numpy().tolist()
    indices = pd.read_csv(memory / "indices.csv", dtype={"respondent_id": str})
    streamed = pd.read_parquet(stream / "indices.parquet")
    assert list(streamed.columns) == list(indices.columns)
    for column in indices.columns:
        if pd.api.types.is_float_dtype(indices[column]):
            np.testing.assert_allclose(streamed[column], indices[column], rtol=0, atol=TOLERANCE, err_msg=column)
        else:
            assert streamed[column].fillna("").astype(str).tolist() == indices[column].fillna("").astype(str).tolist()
    kept = pd.read_csv(memory / "kept.csv", dtype={"respondent_id": str}).set_index("respondent_id")
    streamed_kept = pd.read_parquet(stream / "kept.parquet").set_index("respondent_id")
    assert streamed_kept.index.tolist() == kept.index.tolist()
    items = load_instrument(PARENT).item_ids
    np.testing.assert_array_equal(streamed_kept[items].to_numpy(dtype=float), kept[items].to_numpy(dtype=float))


def test_streamed_score_of_the_kept_rows_equals_score_and_reliability(screened, capsys):
    folder, _, _ = screened
    kept = folder / "stream" / "kept.parquet"
    assert main(["score", str(kept), "--instrument", PARENT, "-o", str(folder / "scores.csv")]) == 0
    assert main(["reliability", str(kept), "--instrument", PARENT, "--n-boot", "0", "--format", "json", "-o",
                 str(folder / "reliability.json")]) == 0  # fmt: skip
    capsys.readouterr()
    out = folder / "scored"
    code = main(["score", str(kept), "--instrument", PARENT, "--stream", "--batch-rows", "128", "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "score: batch 1, 128 rows" in captured.err
    memory = pd.read_csv(folder / "scores.csv", dtype={"respondent_id": str}).set_index("respondent_id")
    scores = pd.read_parquet(out / "scores.parquet").set_index("respondent_id")
    assert scores.index.tolist() == memory.index.tolist()
    np.testing.assert_allclose(scores[memory.columns].to_numpy(), memory.to_numpy(), rtol=0, atol=1e-12)
    expected = pd.DataFrame(json.loads((folder / "reliability.json").read_text(encoding="utf-8")))
    streamed = pd.read_csv(out / "reliability.csv")
    assert streamed["construct"].tolist() == expected["construct"].tolist()
    for column in ("n", "alpha", "ci_low", "ci_high", "std_alpha"):
        np.testing.assert_allclose(streamed[column], expected[column].astype(float), rtol=0, atol=TOLERANCE)
    data = pd.read_parquet(kept)
    keyed = key_items(data, instrument=load_instrument(PARENT))
    correlations = pd.read_csv(out / "correlations.csv", index_col="item")
    assert correlations.index.tolist() == list(keyed.columns)
    np.testing.assert_allclose(correlations.to_numpy(), keyed.corr().to_numpy(), rtol=0, atol=TOLERANCE)
    summary = pd.read_csv(out / "summary.csv")
    assert summary["n"].tolist() == [len(data)] * len(summary)


def _error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()  # progress lines of the batches read before it, then the error
    errors = [line for line in lines if line.startswith("hsc: error: ")]
    assert errors == lines[-1:] and all(": batch " in line for line in lines[:-1]), captured.err
    return lines[-1]


def test_stream_needs_an_output_folder(tmp_path, capsys):
    raw = tmp_path / "answers.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(raw)
    for command in ("screen", "score"):
        assert "--stream: give -o DIR" in _error(capsys, [command, str(raw), "--instrument", PARENT, "--stream"])


def test_streamed_score_reads_parquet_only_and_names_a_bad_code(screened, capsys):
    tmp_path = screened[0]
    data = pd.read_parquet(tmp_path / "stream" / "kept.parquet")
    data.to_csv(tmp_path / "answers.csv", index=False)
    line = _error(capsys, ["score", str(tmp_path / "answers.csv"), "--instrument", PARENT, "--stream", "-o",
                           str(tmp_path / "out")])  # fmt: skip
    assert "answers.csv: --stream reads .parquet files; got '.csv'" in line
    data.loc[399, "com2"] = 8.0  # row 400 of the file: off the 1–5 scale
    data.to_parquet(tmp_path / "answers.parquet", index=False)
    line = _error(capsys, ["score", str(tmp_path / "answers.parquet"), "--instrument", PARENT, "--stream",
                           "--batch-rows", "100", "-o", str(tmp_path / "out")])  # fmt: skip
    assert "answers.parquet" in line and "column 'com2'" in line and "row 400: 8" in line and "allowed" in line


def test_streamed_screen_names_a_file_it_cannot_stream_and_never_overwrites_its_input(tmp_path, capsys):
    (tmp_path / "answers.xlsx").write_bytes(b"")
    line = _error(capsys, ["screen", str(tmp_path / "answers.xlsx"), "--instrument", PARENT, "--stream", "-o",
                           str(tmp_path / "out")])  # fmt: skip
    assert "answers.xlsx: only Parquet and CSV files are read in batches" in line
    (tmp_path / "kept.parquet").write_bytes(b"")
    line = _error(capsys, ["screen", str(tmp_path / "kept.parquet"), "--instrument", PARENT, "--stream", "-o",
                           str(tmp_path)])  # fmt: skip
    assert "is an input file" in line


def test_options_of_the_streamed_commands_are_refused_without_stream(tmp_path, capsys):
    raw = tmp_path / "answers.parquet"
    pd.DataFrame({"x": [1]}).to_parquet(raw)
    line = _error(capsys, ["screen", str(raw), "--instrument", PARENT, "--batch-rows", "10"])
    assert "--batch-rows: only used with --stream" in line
    line = _error(capsys, ["score", str(raw), "--instrument", PARENT, "--nan-policy", "pairwise"])
    assert "--nan-policy: only used with --stream" in line
