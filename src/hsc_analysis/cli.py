"""The ``hsc`` command: argument parsing and printing only; every step is a package call.

Heavy modules are imported inside the command functions so that ``hsc --help`` starts fast. Each subcommand is one
``_cmd_*`` function plus its parser lines in :func:`_parser`. Bad input raises an :class:`InputError` subclass,
which :func:`main` prints as one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from hsc_analysis import __version__
from hsc_analysis.errors import DataError, InputError
from hsc_analysis.paths import check_output_file, check_output_folder

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except InputError as err:
        print(f"hsc: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        if isinstance(err, BrokenPipeError):  # the reader of our output (e.g. `| head`) has gone: not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(f"hsc: error: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


@contextmanager
def _reading(path: Path):
    """Name the data file in a data error raised while analysing it (the statistics do not know the file)."""
    try:
        yield
    except DataError as err:
        if str(path) in str(err):
            raise
        raise DataError(f"{path}: {err}") from None


def _count(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low:,} to {high:,}, got {text[:40]!r}")
        return value

    return parse


_SEED = _count(0, 2**32 - 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hsc",
        description="Home–school(–community) cooperation surveys: import, screen, score, measure and report.",
    )
    parser.add_argument("--version", action="version", version=f"hsc_analysis {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    score = commands.add_parser("score", help="score the constructs of an instrument from a data file")
    score.add_argument("data", type=Path, help="respondents × item codes: .csv, .xlsx, .xls or .parquet")
    score.add_argument("--instrument", type=Path, required=True, help="instrument YAML file (see surveys/)")
    score.add_argument(
        "--id", dest="id_column", help="column identifying respondents (default: respondent_id if any, else the row)"
    )
    score.add_argument("-o", "--output", type=Path, help="write scores to this .csv or .parquet (default: stdout); "
                       "with --stream a folder")  # fmt: skip
    score.add_argument(
        "--stream",
        action="store_true",
        help="a .parquet file larger than memory, read in batches: -o DIR gets scores.parquet, "
        "summary.csv, reliability.csv (alpha per construct) and correlations.csv (all items)",
    )
    score.add_argument("--nan-policy", choices=("listwise", "pairwise"),
                       help="with --stream: rows entering each construct's alpha (default: listwise)")  # fmt: skip
    _batch_rows_argument(score)
    score.set_defaults(run=_cmd_score)

    instrument = commands.add_parser("instrument", help="inspect an instrument file")
    instrument_commands = instrument.add_subparsers(title="instrument commands", required=True, metavar="ACTION")
    show = instrument_commands.add_parser("show", help="print the instrument as a questionnaire in Markdown")
    show.add_argument("file", type=Path, help="instrument YAML file")
    show.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: zh)")
    show.set_defaults(run=_cmd_instrument_show)

    imp = commands.add_parser(
        "import", help="import a raw survey export (问卷星, 腾讯问卷, Qualtrics, LimeSurvey, .sav)"
    )
    imp.add_argument("raw", type=Path, help="the raw export: .xlsx, .xls, .csv, .sav or .parquet")
    imp.add_argument("--instrument", type=Path, required=True, help="instrument YAML file (see surveys/)")
    imp.add_argument(
        "--source",
        default="auto",
        help="platform: auto (default), wjx, wjx_index, wjx_text, tencent, qualtrics, limesurvey, spss, table",
    )
    imp.add_argument(
        "--on-invalid",
        choices=("raise", "mark"),
        default="raise",
        help="an answer outside the scale: stop (raise, default) or mark it invalid and go on",
    )
    imp.add_argument(
        "--mapping",
        type=Path,
        help="YAML or JSON file {column header: question id, or null to leave the column out}",
    )
    imp.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write items, background and metadata (no personal "
        "columns) to this .csv or .parquet (default: CSV on stdout)",
    )
    imp.set_defaults(run=_cmd_import)
    reliability = commands.add_parser("reliability", help="reliability of every construct (alpha, omega, intervals)")
    reliability.add_argument("data", type=Path, help="respondents × item codes: .csv, .xlsx, .xls or .parquet")
    reliability.add_argument("--instrument", type=Path, required=True, help="instrument YAML file (see surveys/)")
    reliability.add_argument(
        "--nan-policy",
        choices=("listwise", "pairwise"),
        default="listwise",
        help="missing answers: complete rows per construct (SPSS, default) or pairwise-complete (R psych)",
    )
    reliability.add_argument(
        "--n-boot", type=_count(0, 100_000), default=1000, help="bootstrap resamples for alpha, 0–100000 (default 1000)"
    )
    reliability.add_argument("--seed", type=_SEED, default=20240601, help="bootstrap seed (default 20240601)")
    reliability.add_argument(
        "--items", action="store_true", help="item analysis instead (item–total r, alpha if deleted, 27%% groups)"
    )
    reliability.add_argument("--format", choices=("table", "json"), default="table", help="output (default: table)")
    reliability.add_argument("-o", "--output", type=Path, help="write to this file (default: stdout)")
    reliability.set_defaults(run=_cmd_reliability)
    validity = commands.add_parser(
        "validity", help="CFA of an instrument with fit indices, loadings, CR/AVE, Fornell–Larcker, HTMT, invariance"
    )
    validity.add_argument("data", type=Path, help="respondents × item codes: .csv, .xlsx, .xls or .parquet")
    validity.add_argument("--instrument", type=Path, required=True, help="instrument YAML file (see surveys/)")
    validity.add_argument("--group", help="column defining groups: adds configural/metric/scalar invariance")
    validity.add_argument("--ordinal", action="store_true", help="treat items as ordinal (DWLS on polychorics)")
    validity.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    validity.add_argument("-o", "--output", type=Path, help="write the output to this file (default: stdout)")
    validity.set_defaults(run=_cmd_validity)

    factor = commands.add_parser(
        "factor", help="exploratory factor analysis: KMO, Bartlett, parallel analysis, EFA loadings, Harman's test"
    )
    factor.add_argument("data", type=Path, help="respondents × item codes: .csv, .xlsx, .xls or .parquet")
    factor.add_argument("--instrument", type=Path, required=True, help="instrument YAML file (see surveys/)")
    factor.add_argument(
        "--construct", action="append", help="analyse only these constructs' items (repeatable; default: all)"
    )
    factor.add_argument("--n-factors", type=_count(1, 100), help="factors to extract (default: parallel analysis)")
    factor.add_argument("--method", choices=("minres", "ml", "principal"), default="minres", help="default minres")
    factor.add_argument(
        "--rotation", choices=("oblimin", "promax", "varimax", "none"), default="oblimin", help="default oblimin"
    )
    factor.add_argument("--nan-policy", choices=("listwise", "pairwise"), default="listwise", help="default listwise")
    factor.add_argument("--seed", type=_SEED, default=20240601, help="seed of the parallel analysis")
    factor.set_defaults(run=_cmd_factor)

    report = commands.add_parser("report", help="run a study (study.yaml) and write its report chapter to reports/")
    report.add_argument("study", type=Path, nargs="?", help="the study's study.yaml (default: the bundled example)")
    report.add_argument("-o", "--out", "--output", dest="output", type=Path, default=Path("reports"),
                        help="output folder, replaced as a whole (default: reports)")  # fmt: skip
    report.add_argument("--lang", choices=("zh", "en"), help="language of tables and text (default: the study's)")
    report.add_argument("--formats", type=_formats, default="docx,html,md,tex,svg",
                        help="comma-separated: docx, html, md, tex, svg, pdf (default: all but pdf figures; CSV "
                             "tables and PNG figures are always written)")  # fmt: skip
    report.add_argument("-j", "--jobs", type=_count(1, 256),
                        help="processes drawing figures, one dataset each (default: one per CPU core)")  # fmt: skip
    report.set_defaults(run=_cmd_report)

    compliance = commands.add_parser(
        "compliance", help="audit a study's activity logs (logs: in study.yaml) against a policy rule set"
    )
    compliance.add_argument("study", type=Path, help="the study's study.yaml, with a logs: section")
    compliance.add_argument(
        "--rules", required=True, help="fengnan_2025, neimenggu, jiaolianti_2024, or a rule-set .yaml file"
    )
    compliance.add_argument("-o", "--output", type=Path, help="folder for the CSV tables (default: print a summary)")
    compliance.set_defaults(run=_cmd_compliance)

    screen = commands.add_parser("screen", help="screen a raw export for careless answers; print the sample flow")
    screen.add_argument("raw", type=Path, help="raw export (问卷星, 腾讯问卷, Qualtrics, LimeSurvey, .sav, csv, xlsx)")
    screen.add_argument("--instrument", type=Path, required=True, help="instrument YAML file (see surveys/)")
    screen.add_argument(
        "--study", type=Path, help="study.yaml whose screening: section sets the rules (default: defaults)"
    )
    screen.add_argument("-o", "--output", type=Path, help="folder for flow, kept ids, exclusion log and indices (.csv)")
    screen.add_argument(
        "--stream",
        action="store_true",
        help="a plain table (.parquet or .csv: one column per question) larger than memory, read "
        "twice in batches: -o DIR gets kept, excluded and indices .parquet, flow.csv, rules.csv",
    )
    _batch_rows_argument(screen)
    screen.set_defaults(run=_cmd_screen)
    qualitative = commands.add_parser(
        "qualitative", help="coded interviews (.qdpx or coding sheet): code counts by role, co-occurrence, agreement"
    )
    qualitative.add_argument("project", type=Path, help="a REFI-QDA .qdpx, or a coding sheet (.csv, .xlsx, .xls)")
    qualitative.add_argument("--codebook", type=Path, help="codebook table (code, definition, parent) for a sheet")
    qualitative.add_argument("--seed", type=_SEED, default=0, help="seed of the α bootstrap (default 0)")
    qualitative.add_argument(
        "--n-boot", type=_count(100, 100_000), default=2000, help="bootstrap resamples for α (default 2000)"
    )
    qualitative.add_argument("-o", "--output", type=Path, help="folder for the CSV tables (default: print a summary)")
    qualitative.set_defaults(run=_cmd_qualitative)
    simulate = commands.add_parser("simulate", help="write a synthetic study with known truth (platform exports)")
    simulate.add_argument(
        "--config", default="case_school", help="case_school (default), district, or a YAML file of overrides"
    )
    simulate.add_argument("--seed", type=_SEED, required=True, help="random seed (same seed, same bytes)")
    simulate.add_argument("--out", type=Path, required=True, help="output folder, e.g. data/example")
    simulate.set_defaults(run=_cmd_simulate)
    return parser


def _batch_rows_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--batch-rows",
        type=_count(1, 10_000_000),
        help="with --stream: rows per batch, the memory used growing with it (default 65536)",
    )


def _batch_progress():
    """A line on stderr after every batch of a streamed command (rewritten in place on a terminal)."""
    terminal, last = sys.stderr.isatty(), []

    def show(step: str, batch: int, rows: int) -> None:
        if terminal and last and last[-1] != step:
            print(file=sys.stderr)
        last[:] = [step]
        print(f"{step}: batch {batch:,}, {rows:,} rows", end="\r" if terminal else "\n", file=sys.stderr, flush=True)

    return show


def _stream_options(args: argparse.Namespace, *, options: Sequence[str]) -> None:
    """Options that only ``--stream`` reads are refused without it; with it, their defaults are filled in."""
    from hsc_analysis.streaming import BATCH_ROWS

    defaults = {"batch_rows": BATCH_ROWS, "nan_policy": "listwise"}
    for name in options:
        if not args.stream and getattr(args, name) is not None:
            raise InputError(f"--{name.replace('_', '-')}: only used with --stream")
        if getattr(args, name) is None:
            setattr(args, name, defaults[name])


def _stream_outputs(args: argparse.Namespace, source: Path, names: Sequence[str]) -> dict[str, Path]:
    """The files a streamed command writes into ``-o DIR``, none of them the input."""
    if not args.output:
        raise InputError("--stream: give -o DIR, the folder its output files are written to")
    check_output_folder(args.output, parameter="-o").mkdir(parents=True, exist_ok=True)
    return {name: check_output_file(args.output / name, parameter="-o", inputs=[source]) for name in names}


def _report_insufficient(summary) -> None:
    for row in summary.itertuples():
        if row.n_insufficient:
            print(
                f"{row.construct}: {row.n_insufficient} of {row.n} respondents have fewer than "
                f"{row.min_valid_items} valid items; their score is empty",
                file=sys.stderr,
            )


def _cmd_score_stream(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import write_table
    from hsc_analysis.streaming import stream_scores

    names = ("scores.parquet", "summary.csv", "reliability.csv", "correlations.csv")
    files = _stream_outputs(args, args.data, names)
    if args.id_column:
        raise InputError("--id: not used with --stream (the file's respondent_id column is carried over if it has one)")
    if args.data.suffix.lower() != ".parquet":
        raise InputError(f"{args.data}: --stream reads .parquet files; got '{args.data.suffix or 'no extension'}' "
                         "(hsc import RAW -o FILE.parquet writes one)")  # fmt: skip
    instrument = load_instrument(args.instrument)
    with _reading(args.data):
        result = stream_scores(args.data, instrument=instrument, output=files["scores.parquet"],
                               nan_policy=args.nan_policy, batch_rows=args.batch_rows,
                               progress=_batch_progress())  # fmt: skip
    print(f"scored all {result.n_rows:,} respondents of {args.data} in {result.n_batches:,} batches", file=sys.stderr)
    _report_insufficient(result.summary)
    print(result.reliability.to_string(index=False, float_format="{:.3f}".format, na_rep="—"))
    print(f"wrote {result.output}", file=sys.stderr)
    for table, name in ((result.summary.set_index("construct"), "summary.csv"),
                        (result.reliability.set_index("construct"), "reliability.csv"),
                        (result.correlations.rename_axis("item"), "correlations.csv")):  # fmt: skip
        print(f"wrote {write_table(table, files[name])}", file=sys.stderr)


def _cmd_score(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_table, write_table
    from hsc_analysis.scoring import score_scales

    _stream_options(args, options=("batch_rows", "nan_policy"))
    if args.stream:
        return _cmd_score_stream(args)
    if args.output:
        check_output_file(args.output, parameter="-o", inputs=[args.data, args.instrument])

    instrument = load_instrument(args.instrument)
    data = read_table(args.data)
    id_column = args.id_column or ("respondent_id" if "respondent_id" in data.columns else None)
    if id_column:
        _check_id_column(data, id_column, instrument, args.data)
        data = data.set_index(id_column, drop=False)
    with _reading(args.data):
        result = score_scales(data, instrument=instrument)
    print(f"scored all {len(data)} respondents of {args.data}", file=sys.stderr)
    _report_insufficient(result.summary)
    if args.output:
        write_table(result.scores, args.output)
        print(f"wrote {len(result.scores)} × {result.scores.shape[1]} scores to {args.output}", file=sys.stderr)
    else:
        result.scores.to_csv(sys.stdout)


def _check_id_column(data, column: str, instrument, path: Path) -> None:
    if column not in data.columns:
        raise InputError(f"{path}: no column '{column}' for --id")
    if any(q.id == column and q.pii for q in (*instrument.identifiers, *instrument.background)):
        raise InputError(f"--id: column '{column}' holds personal data (pii in {instrument.id}); use a code instead")
    duplicated = data[column][data[column].duplicated()].unique().tolist()
    if duplicated:
        raise InputError(f"{path}: column '{column}' repeats the id(s) {', '.join(map(str, duplicated[:5]))}")


def _cmd_import(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_responses, write_table
    from hsc_analysis.io.mapping import read_mapping
    from hsc_analysis.io.shareable import shareable_table

    if args.output:
        check_output_file(args.output, parameter="-o", inputs=[args.raw, args.instrument])

    instrument = load_instrument(args.instrument)
    mapping = read_mapping(args.mapping) if args.mapping else None
    responses = read_responses(args.raw, instrument, source=args.source, mapping=mapping, on_invalid=args.on_invalid)
    table = shareable_table(responses, instrument=instrument)
    for entry in responses.log.itertuples():
        print(f"{entry.level}: {entry.column + ': ' if entry.column else ''}{entry.message}", file=sys.stderr)
    if args.output:
        write_table(table, args.output)
        print(f"wrote {len(table)} respondents × {table.shape[1]} columns to {args.output}", file=sys.stderr)
    else:
        table.to_csv(sys.stdout)


def _cmd_reliability(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_table
    from hsc_analysis.measurement import item_table, reliability

    if args.output:
        check_output_file(args.output, parameter="-o", inputs=[args.data, args.instrument])

    data, instrument = read_table(args.data), load_instrument(args.instrument)
    with _reading(args.data):
        table = (
            item_table(data, instrument=instrument, nan_policy=args.nan_policy)
            if args.items
            else reliability(
                data, instrument=instrument, nan_policy=args.nan_policy, seed=args.seed, n_boot=args.n_boot
            )
        )
    if args.items:
        shown = [
            "construct",
            "item",
            "n",
            "mean",
            "sd",
            "item_total_r",
            "alpha_if_deleted",
            "critical_ratio",
            "p_value",
            "flag",
        ]
        flagged = table[table["flag"] != ""].drop_duplicates(["construct", "flag"]).rename(columns={"flag": "flags"})
    else:
        shown = [
            "construct",
            "label_zh",
            "n_items",
            "n",
            "alpha",
            "ci_low",
            "ci_high",
            "std_alpha",
            "omega_total",
            "ordinal_alpha",
            "ordinal_omega",
            "min_item_total_r",
            "flags",
        ]
        flagged = table[table["flags"] != ""]
    print(f"analysed the {len(data)} respondents of {args.data}", file=sys.stderr)
    for row in flagged.itertuples():
        print(f"{row.construct}: {row.flags}", file=sys.stderr)
    if args.format == "json":
        text = table.to_json(orient="records", force_ascii=False, indent=2)
    else:
        text = table[shown].to_string(index=False, float_format="{:.3f}".format, na_rep="—")
        text += f"\n(nan_policy = {args.nan_policy}; ci = Feldt 95%; all columns with --format json)"
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {len(table)} rows to {args.output}", file=sys.stderr)
    else:
        print(text)


def _cmd_instrument_show(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.render import questionnaire_markdown

    print(questionnaire_markdown(load_instrument(args.file), lang=args.lang))


def _cmd_screen(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_responses, write_table
    from hsc_analysis.io.shareable import shareable_table
    from hsc_analysis.screening import ScreeningRules, screen
    from hsc_analysis.study import load_study

    _stream_options(args, options=("batch_rows",))
    if args.stream:
        files = _stream_outputs(args, args.raw, ("kept.parquet", "excluded.parquet", "indices.parquet", "flow.csv",
                                                 "rules.csv"))  # fmt: skip
    elif args.output:
        check_output_folder(args.output, parameter="-o")

    instrument = load_instrument(args.instrument)
    rules = load_study(args.study).screening if args.study else ScreeningRules()
    if args.stream:
        return _screen_stream(args, instrument=instrument, rules=rules, files=files)
    # answers outside the scale are kept and marked, so that the invalid hurdle logs them
    data = read_responses(args.raw, instrument, on_invalid="mark")
    result = screen(data, instrument=instrument, rules=rules)
    print(result.flow.to_string(index=False))
    if args.output:
        kept = result.kept.metadata[["source_row"]] if "source_row" in result.kept.metadata else result.kept.items[[]]
        for table, name in (
            (result.flow.set_index("step"), "flow.csv"),
            (shareable_table(result.kept, instrument=instrument), "kept.csv"),
            (kept, "kept_ids.csv"),
            (result.excluded.set_index("respondent_id"), "exclusions.csv"),
            (result.indices, "indices.csv"),
            (rules.to_frame().set_index("rule"), "rules.csv"),
        ):
            print(f"wrote {write_table(table, args.output / name)}", file=sys.stderr)
        kept_file = args.output / "kept.csv"
        print(f"next: hsc score {kept_file} --instrument {args.instrument} (the {len(kept)} kept)", file=sys.stderr)


def _screen_stream(args: argparse.Namespace, *, instrument, rules, files: dict[str, Path]) -> None:
    from hsc_analysis.io import write_table
    from hsc_analysis.streaming_screen import stream_screen

    result = stream_screen(args.raw, instrument=instrument, rules=rules, output=args.output,
                           batch_rows=args.batch_rows, progress=_batch_progress())  # fmt: skip
    print(result.flow.to_string(index=False))
    for entry in result.log.itertuples():
        print(f"{entry.level}: batch {entry.batch}: {entry.column + ': ' if entry.column else ''}{entry.message}",
              file=sys.stderr)  # fmt: skip
    for file in (result.kept, result.excluded, result.indices):
        print(f"wrote {file}", file=sys.stderr)
    for table, name in ((result.flow.set_index("step"), "flow.csv"), (rules.to_frame().set_index("rule"), "rules.csv")):
        print(f"wrote {write_table(table, files[name])}", file=sys.stderr)
    kept = int(result.flow["n_after"].iloc[-1])
    print(f"next: hsc score {result.kept} --instrument {args.instrument} --stream -o {args.output} (the {kept:,} "
          "kept)", file=sys.stderr)  # fmt: skip


def _cmd_validity(args: argparse.Namespace) -> None:
    import json

    if args.output:
        check_output_file(args.output, parameter="-o", inputs=[args.data, args.instrument])

    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_table
    from hsc_analysis.measurement.summary import validity_report

    if args.ordinal and args.group:
        raise InputError("--ordinal with --group: measurement invariance is fitted by ML only; drop one of them")
    instrument = load_instrument(args.instrument)
    data = read_table(args.data)
    if args.group and args.group not in data.columns:
        raise InputError(f"{args.data}: no column '{args.group}' for --group")
    with _reading(args.data):
        report = validity_report(
            data, instrument=instrument, group=args.group, estimator="dwls" if args.ordinal else "ml"
        )
    print(f"analysed the {len(data)} respondents of {args.data}", file=sys.stderr)
    for warning in report.cfa.warnings:
        print(f"hsc: warning: {warning}", file=sys.stderr)
    if args.format == "json":
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2)
    else:
        sections = {
            f"CFA fit ({report.cfa.estimator.upper()}, n = {report.cfa.n}, {report.cfa.n_dropped} dropped listwise)": (
                report.fit
            ),
            "Standardized loadings": report.loadings.drop(columns=["label_en"]),
            "Composite reliability and AVE": report.reliability.drop(columns=["label_en"]),
            "Fornell–Larcker (√AVE on the diagonal)": report.fornell_larcker,
            "HTMT": report.htmt,
            **({"Measurement invariance": report.invariance} if args.group else {}),
        }
        text = "\n\n".join(f"{title}\n{frame.to_string(index=False, float_format='{:.3f}'.format)}"
                            for title, frame in sections.items())  # fmt: skip
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(text)


def _cmd_factor(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_table
    from hsc_analysis.measurement import bartlett_sphericity, efa, harman_single_factor, kmo, parallel_analysis
    from hsc_analysis.scoring import key_items

    instrument = load_instrument(args.instrument)
    data = read_table(args.data)
    with _reading(args.data):
        items = key_items(data, instrument=instrument, constructs=args.construct)  # reverse-keyed, no checks
        policy = {"nan_policy": args.nan_policy}
        sampling, sphericity = kmo(items, **policy), bartlett_sphericity(items, **policy)
        parallel = parallel_analysis(items, seed=args.seed, **policy)
        n_factors = args.n_factors or max(parallel.n_factors, 1)
        solution = efa(items, n_factors=n_factors, method=args.method, rotation=args.rotation, **policy)
        harman = harman_single_factor(items, **policy)
    print(f"analysed the {sphericity.n} respondents of {args.data} ({args.nan_policy})", file=sys.stderr)
    number = "{:.3f}".format
    print(f"KMO = {sampling.overall:.3f}; Bartlett χ²({sphericity.df}) = {sphericity.statistic:.2f}, "
          f"p = {sphericity.p_value:.3g}")  # fmt: skip
    print(f"parallel analysis suggests {parallel.n_factors} factor(s), {parallel.n_components} component(s)")
    print(f"\nEFA ({args.method}, {args.rotation}, {n_factors} factor(s)) loadings:")
    print(solution.loadings.to_string(float_format=number))
    print("\n" + solution.variance.to_string(index=False, float_format=number))
    for flag in solution.flags:
        print(f"hsc: warning: {flag}", file=sys.stderr)
    concern = "a common-method concern" if harman.common_method_concern else "no common-method concern"
    print(f"\nHarman's single factor: the first component explains {harman.first_factor_proportion:.1%} of the "
          f"variance ({concern} at {harman.threshold:.0%})")  # fmt: skip


def _formats(text: str) -> tuple[str, ...]:
    from hsc_analysis.report import FORMATS as allowed

    formats = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in formats if f not in allowed]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"got {text!r}; allowed: a comma-separated subset of {', '.join(allowed)}")
    return formats


def _cmd_report(args: argparse.Namespace) -> None:
    from hsc_analysis.report import report_steps, write_report
    from hsc_analysis.study import example_study_path, load_study

    study = load_study(args.study or example_study_path())
    inputs = [study.path, *(p for d in study.datasets for p in (d.file, d.instrument_path, *d.modules))]
    check_output_folder(args.output, parameter="-o", inputs=inputs, replaced=True)
    with _progress(report_steps(study, args.formats)) as step:
        manifest = write_report(
            study, out_dir=args.output, lang=args.lang, formats=args.formats, progress=step, jobs=args.jobs
        )
    for name, sample in manifest["samples"].items():
        excluded = ", ".join(f"{step} {n}" for step, n in sample["excluded"].items()) or "none"
        print(f"{name}: {sample['received']} received, excluded {excluded}, {sample['analysed']} analysed; "
              f"{sample['cfa']}")  # fmt: skip
    print(f"{len(manifest['outputs'])} files in {args.output}; manifest: {args.output / 'manifest.json'}")


@contextmanager
def _progress(steps: list[str]):
    """A progress bar on stderr when it is a terminal; nothing when output is piped or redirected."""
    if not sys.stderr.isatty():
        yield lambda name: None
        return
    from tqdm import tqdm

    with tqdm(total=len(steps), file=sys.stderr, leave=False, unit="step") as bar:

        def step(name: str) -> None:
            if bar.n or name != steps[0]:
                bar.update(1)
            bar.set_description(name)

        yield step


def _cmd_compliance(args: argparse.Namespace) -> None:
    from hsc_analysis.compliance import load_rules, study_compliance
    from hsc_analysis.io import write_table
    from hsc_analysis.study import load_study

    study = load_study(args.study)
    if args.output:
        check_output_folder(args.output, parameter="-o", inputs=study.logs.values())
    result = study_compliance(study, rules=load_rules(args.rules))
    if result.rules.school_rules:
        _print_school_audit(result)
    for row in result.audit.targets.itertuples():
        dated = row.latest_date == row.latest_date  # NaT (no county dated) is not equal to itself
        latest = f"{row.latest_date:%Y-%m-%d}" if dated else "none"
        print(f"{row.rule_id} (by {row.period}): {row.count}/{row.n_units} counties = {row.share:.2f} "
              f"(target {row.target_share:g}); met = {row.met}, shortfall {row.shortfall}; "
              f"latest date in the table {latest}")  # fmt: skip
    if result.teachers is not None:
        t = result.teachers
        print(f"teachers: {t.reported} home visits reported, {t.logged} logged (n = {t.n}); "
              f"inflation ratio {t.inflation_ratio:.2f}")  # fmt: skip
    for note in result.notes:
        print(f"note: {note}")
    if args.output:
        for name, table in result.tables().items():
            path = write_table(table.set_index(table.columns[0]), args.output / f"{name}.csv")
            print(f"wrote {path}", file=sys.stderr)


def _print_school_audit(result) -> None:
    steps = result.audit.accounting.set_index("step")["n"]
    flagged = len(result.flags.flagged_ids)
    print(f"{result.rules.id}: {steps['events read']} events read, {steps['events invalid']} invalid, "
          f"{steps['events counted']} counted; {flagged} with a paper-compliance flag")  # fmt: skip
    for row in result.logs.invalid_summary().itertuples():
        print(f"  invalid: {row.table} {row.reason}: {row.n}")
    for audited, label in ((result.audit, "all events"), (result.audit_unflagged, "without flagged events")):
        shares = audited.share_met()
        if len(shares):
            print(f"share of classes meeting each rule ({label}):")
            print(shares.to_string(float_format="{:.2f}".format, na_rep="—"))
    for row in result.audit.schools[result.audit.schools["kind"] == "structural"].itertuples():
        print(f"{row.school_id} {row.rule_id} ({row.period}): {row.status}; {row.detail}")


def _cmd_qualitative(args: argparse.Namespace) -> None:
    from hsc_analysis.io import read_table, write_table
    from hsc_analysis.qualitative import (
        code_cooccurrence,
        code_frequencies,
        coder_agreement,
        read_coding_sheet,
        read_qdpx,
    )

    if args.output:
        check_output_folder(args.output, parameter="-o", inputs=[args.project])
    if args.project.suffix.lower() == ".qdpx":
        if args.codebook:
            raise InputError("--codebook: a .qdpx carries its own codebook; give --codebook with a coding sheet only")
        project = read_qdpx(args.project)
    else:
        codebook = read_table(args.codebook) if args.codebook else None
        project = read_coding_sheet(args.project, codebook=codebook)
    print(
        f"{project.n} interviews, {project.segments['segment_id'].nunique()} segments, {len(project.segments)} "
        f"codings by {len(project.coders)} coder(s); {len(project.flagged)} flagged"
    )
    for row in project.flagged.itertuples():
        print(f"  flagged: {row.element}: {row.reason}")
    frequencies = code_frequencies(project).to_frame()
    shares = frequencies.pivot(index="code", columns="role", values="share").reindex(project.codebook["code"])
    print("share of interviews mentioning each code, by role:")
    print(shares.to_string(float_format="{:.2f}".format))
    tables = {
        "codebook": project.codebook,
        "frequencies": frequencies,
        "cooccurrence_segment": code_cooccurrence(project, level="segment").to_frame().reset_index(),
        "cooccurrence_interview": code_cooccurrence(project, level="interview").to_frame().reset_index(),
        "flagged": project.flagged,
    }
    if len(set(project.segments["coder"])) >= 2:
        agreement = coder_agreement(project, seed=args.seed, n_boot=args.n_boot).to_frame()
        wide = agreement.pivot(index="code", columns="statistic", values="estimate")
        print(f"coder agreement ({', '.join(project.coders)}; n = segments):")
        print(wide.reindex(list(dict.fromkeys(agreement["code"]))).to_string(float_format="{:.3f}".format))
        tables["agreement"] = agreement
    else:
        print("coder agreement: one coder only, nothing to compare")
    if args.output:
        for name, table in tables.items():
            path = write_table(table.set_index(table.columns[0]), args.output / f"{name}.csv")
            print(f"wrote {path}", file=sys.stderr)


def _cmd_simulate(args: argparse.Namespace) -> None:
    import time

    check_output_folder(args.out, parameter="--out")

    from hsc_analysis.simulate import simulate_study, write_study

    start = time.perf_counter()
    study = simulate_study(args.config, seed=args.seed)
    paths = write_study(study, out_dir=args.out)
    counts = study.truth["counts"]
    print(
        f"{counts['schools']} school(s), {counts['classes']} classes: {counts['parents_responding']} parents, "
        f"{counts['teachers_responding']} teachers, {counts['administrators']} administrators; "
        f"{len(paths)} files in {args.out} ({time.perf_counter() - start:.1f} s)"
    )


if __name__ == "__main__":
    sys.exit(main())
