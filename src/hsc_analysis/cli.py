"""The ``hsc`` command: argument parsing and printing only; every step is a package call.

Heavy modules are imported inside the command functions so that ``hsc --help`` starts fast. Each subcommand is one
``_cmd_*`` function plus its parser lines in :func:`_parser`. Bad input raises an :class:`InputError` subclass,
which :func:`main` prints as one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from hsc_analysis import __version__
from hsc_analysis.errors import InputError

EXIT_BAD_INPUT = 2


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except (InputError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"hsc: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


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
    score.add_argument("--id", dest="id_column", help="column identifying respondents (default: the file's row)")
    score.add_argument("-o", "--output", type=Path, help="write scores to this .csv or .parquet (default: stdout)")
    score.set_defaults(run=_cmd_score)

    instrument = commands.add_parser("instrument", help="inspect an instrument file")
    instrument_commands = instrument.add_subparsers(title="instrument commands", required=True, metavar="ACTION")
    show = instrument_commands.add_parser("show", help="print the instrument as a questionnaire in Markdown")
    show.add_argument("file", type=Path, help="instrument YAML file")
    show.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: zh)")
    show.set_defaults(run=_cmd_instrument_show)

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

    report = commands.add_parser("report", help="run a study (study.yaml) and write its report to reports/")
    report.add_argument("study", type=Path, help="the study's study.yaml")
    report.add_argument("-o", "--output", type=Path, default=Path("reports"), help="output folder (default: reports)")
    report.set_defaults(run=_cmd_report)
    return parser


def _cmd_score(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_table, write_table
    from hsc_analysis.scoring import score_scales

    instrument = load_instrument(args.instrument)
    data = read_table(args.data)
    if args.id_column:
        _check_id_column(data, args.id_column, instrument, args.data)
        data = data.set_index(args.id_column, drop=False)
    result = score_scales(data, instrument=instrument)
    for row in result.summary.itertuples():
        if row.n_insufficient:
            print(
                f"{row.construct}: {row.n_insufficient} of {row.n} respondents have fewer than "
                f"{row.min_valid_items} valid items; their score is empty",
                file=sys.stderr,
            )
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


def _cmd_instrument_show(args: argparse.Namespace) -> None:
    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.render import questionnaire_markdown

    print(questionnaire_markdown(load_instrument(args.file), lang=args.lang))


def _cmd_validity(args: argparse.Namespace) -> None:
    import json

    from hsc_analysis.instruments import load_instrument
    from hsc_analysis.io import read_table
    from hsc_analysis.measurement.summary import validity_report

    if args.ordinal and args.group:
        raise InputError("--ordinal with --group: measurement invariance is fitted by ML only; drop one of them")
    instrument = load_instrument(args.instrument)
    data = read_table(args.data)
    if args.group and args.group not in data.columns:
        raise InputError(f"{args.data}: no column '{args.group}' for --group")
    report = validity_report(data, instrument=instrument, group=args.group, estimator="dwls" if args.ordinal else "ml")
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


def _cmd_report(args: argparse.Namespace) -> None:
    from hsc_analysis.study import load_study, write_report

    manifest = write_report(load_study(args.study), out_dir=args.output)
    for entry in manifest["outputs"]:
        print(entry["path"])
    print(f"manifest: {args.output / 'manifest.json'}")


if __name__ == "__main__":
    sys.exit(main())
