import json

import numpy as np
import pandas as pd
import pytest

from hsc_analysis.cli import main


@pytest.fixture
def parent_file(parent, tmp_path):
    """Answers to the parent questionnaire driven by one latent trait per construct (reverse items reversed)."""
    rng = np.random.default_rng(4)
    n = 120
    columns = {}
    for construct in parent.constructs:
        trait = rng.normal(size=n)
        for item_id in construct.items:
            value = trait + rng.normal(size=n) * 0.8
            value = -value if parent.item(item_id).reverse else value
            columns[item_id] = np.clip(np.round(3 + value), 1, 5).astype(int)
    path = tmp_path / "parent.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    return path


def test_reliability_prints_one_row_per_construct(parent, parent_file, capsys):
    code = main(["reliability", str(parent_file), "--instrument", "surveys/parent.yaml", "--n-boot", "50"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["construct", "label_zh", "n_items", "n", "alpha"]
    assert [line.split()[0] for line in lines[1 : 1 + len(parent.constructs)]] == [c.id for c in parent.constructs]
    assert "nan_policy = listwise" in out


def test_reliability_json_has_every_column_and_the_policy(parent, parent_file, tmp_path):
    target = tmp_path / "rel.json"
    code = main(
        ["reliability", str(parent_file), "--instrument", "surveys/parent.yaml", "--format", "json",
         "--nan-policy", "pairwise", "--n-boot", "50", "-o", str(target)]
    )  # fmt: skip
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert code == 0
    assert len(rows) == len(parent.constructs)
    assert {row["nan_policy"] for row in rows} == {"pairwise"}
    assert all(0.5 < row["alpha"] < 1 and row["boot_ci_low"] < row["alpha"] for row in rows)


def test_reliability_bad_input_is_one_line_and_exit_2(parent_file, tmp_path, capsys):
    broken = tmp_path / "broken.csv"
    pd.read_csv(parent_file).drop(columns=["com1"]).to_csv(broken, index=False)
    code = main(["reliability", str(broken), "--instrument", "surveys/parent.yaml"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "com1" in err


def test_reliability_items_prints_the_item_analysis(parent, parent_file, capsys):
    code = main(["reliability", str(parent_file), "--instrument", "surveys/parent.yaml", "--items"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0].split()[:6] == ["construct", "item", "n", "mean", "sd", "item_total_r"]
    assert len(lines) == 1 + len(parent.item_ids) + 1
