"""Benchmark: CFA of the parent instrument (13 factors, 51 items), hsc_analysis vs plain semopy, side by side.

Data are simulated here from a known factor model: factor correlations 0.3, standardized loadings drawn from
U(0.55, 0.85), continuous responses cut into the five codes at ±0.5 and ±1.5 (shifted per item), reverse-keyed items
written reversed as respondents would answer them. Run from the repository root:

    uv run python benchmarks/bench_cfa.py                 # N = 1,500 and N = 100,000
    uv run python benchmarks/bench_cfa.py --n 800 --write tests/reference/expected/cfa_parent_data.csv

``--write`` saves the raw codes (reverse-keyed items as answered) and the model text beside them (``.lavaan``), the
input of the lavaan reference fit in tests/reference/measurement_cfa.R.

semopy 2.3.11 is used as a user would: ``Model(text).fit(data)`` (objective MLW, solver SLSQP), then
``calc_stats`` and ``inspect`` for standard errors. Each fit is a fresh model (no warm starts).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from hsc_analysis.instruments import Instrument, load_instrument
from hsc_analysis.measurement.confirmatory import cfa, instrument_model
from hsc_analysis.scoring import key_items

ROOT = Path(__file__).resolve().parents[1]


def simulate(instrument: Instrument, *, n: int, seed: int) -> pd.DataFrame:
    """Item codes of n respondents from a correlated-factor model with the instrument's structure."""
    rng = np.random.default_rng(seed)
    m = len(instrument.constructs)
    phi = np.full((m, m), 0.3) + 0.7 * np.eye(m)
    factors = rng.standard_normal((n, m)) @ np.linalg.cholesky(phi).T
    owner = np.array([[c.id for c in instrument.constructs].index(item.construct) for item in instrument.items])
    loading = rng.uniform(0.55, 0.85, size=len(owner))
    latent = factors[:, owner] * loading + rng.standard_normal((n, len(owner))) * np.sqrt(1 - loading**2)
    shift = rng.uniform(-0.4, 0.4, size=len(owner))
    codes = 1 + (latent[:, :, None] > (np.array([-1.5, -0.5, 0.5, 1.5]) + shift[:, None])[None]).sum(axis=2)
    low = np.array([instrument.scale_of(i.id).low for i in instrument.items])
    high = np.array([instrument.scale_of(i.id).high for i in instrument.items])
    reverse = np.array([i.reverse for i in instrument.items])
    codes = np.where(reverse, low + high - codes, codes)
    return pd.DataFrame(codes, columns=instrument.item_ids)


def run_ours(data: pd.DataFrame, instrument: Instrument) -> dict:
    start = time.perf_counter()
    result = cfa(data, instrument=instrument)
    seconds = time.perf_counter() - start
    loadings = result.estimates[result.estimates["op"] == "=~"].set_index(["lhs", "rhs"])["estimate"]
    return {"seconds": seconds, "converged": result.converged, **_fit(result.fit), "loadings": loadings}


def run_semopy(data: pd.DataFrame, instrument: Instrument) -> dict:
    import semopy

    keyed = key_items(data, instrument=instrument)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = semopy.Model(instrument_model(instrument))
        info = model.fit(keyed)
        stats = semopy.calc_stats(model).T["Value"]
        table = model.inspect()
    seconds = time.perf_counter() - start
    rows = table[table["op"] == "~"]
    rows = rows[rows["rval"].isin([c.id for c in instrument.constructs])]
    loadings = rows.set_index(["rval", "lval"])["Estimate"].astype(float).rename_axis(["lhs", "rhs"])
    fit = {"npar": len(model.param_vals), "chisq": stats["chi2"], "df": stats["DoF"], "cfi": stats["CFI"],
           "tli": stats["TLI"], "rmsea": stats["RMSEA"], "srmr": np.nan, "gfi": stats["GFI"]}  # fmt: skip
    return {"seconds": seconds, "converged": bool(info.success), **fit, "loadings": loadings}


def _fit(fit: pd.Series) -> dict:
    return {k: float(fit[k]) for k in ("npar", "chisq", "df", "cfi", "tli", "rmsea", "srmr", "gfi")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="*", default=[1_500, 100_000])
    parser.add_argument("--seed", type=int, default=20260501)
    parser.add_argument("--write", type=Path, help="write the simulated data (first --n) and model text, then stop")
    args = parser.parse_args()
    parent = load_instrument(ROOT / "surveys" / "parent.yaml")
    if args.write:
        simulate(parent, n=args.n[0], seed=args.seed).to_csv(args.write, index=False)
        args.write.with_suffix(".lavaan").write_text(instrument_model(parent) + "\n", encoding="utf-8")
        print(f"wrote {args.write} and {args.write.with_suffix('.lavaan')}")
        return
    rows = []
    for n in args.n:
        data = simulate(parent, n=n, seed=args.seed)
        ours, theirs = run_ours(data, parent), run_semopy(data, parent)
        gap = (ours["loadings"] - theirs["loadings"].reindex(ours["loadings"].index)).abs().max()
        for name, out in (("hsc_analysis", ours), ("semopy 2.3.11", theirs)):
            rows.append({"n": n, "package": name, **{k: v for k, v in out.items() if k != "loadings"},
                         "max_loading_gap": gap})  # fmt: skip
    table = pd.DataFrame(rows)
    print(f"CFA of the parent instrument: {len(parent.constructs)} factors, {len(parent.items)} items, ML")
    print(table.to_string(index=False, float_format="{:.6g}".format))


if __name__ == "__main__":
    main()
