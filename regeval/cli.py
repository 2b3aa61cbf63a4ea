"""The regeval command: generate, build, estimate and run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from regeval.progress import say


def _generate(args: argparse.Namespace) -> None:
    from regeval.generate import generate_register

    summary = generate_register(args.out, args.scale, args.seed, progress=say)
    say(f"wrote {args.out}: {summary}")


def _redo(args: argparse.Namespace) -> None:
    from regeval.pipeline import RunConfig, redo

    redo(RunConfig.from_env(), args.command)


def _validate(args: argparse.Namespace) -> None:
    from regeval.lock import work_dir
    from regeval.paths import PROJECT_DIR
    from regeval.validate import BadInputError, validate

    # One work directory keeps dbt's parse cache valid from one validation to the next; a
    # validation started while another uses it works in a private one.
    with work_dir(PROJECT_DIR / "target" / "validate") as work:
        problems = validate(args.data, work)
    if problems:
        raise BadInputError(problems)
    say(f"{args.data}: the register extract follows the contract")


def _check_studies(_: argparse.Namespace) -> None:
    from regeval import paths
    from regeval.lock import work_dir
    from regeval.studies import StudyConfigurationError, check_studies

    with work_dir(paths.PROJECT_DIR / "target" / "check-studies") as work:
        problems, with_data = check_studies(paths.db_path(), paths.data_dir(), work)
    if problems:
        raise StudyConfigurationError(problems)
    checked = "seeds and windows against the months of data in " + str(paths.db_path())
    if not with_data:
        checked = (
            f"seeds (no database at {paths.db_path()} yet: windows not checked against the data)"
        )
    say(f"the study configuration is consistent: {checked}")


def _evaluate(args: argparse.Namespace) -> None:
    from regeval.anypanel import evaluate, read_panel

    result = evaluate(
        read_panel(args.panel),
        unit=args.unit,
        period=args.period,
        outcome=args.outcome,
        treated=args.treated,
        intervention=args.intervention,
        weight=args.weight,
    )
    print(result)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        result.tidy().to_csv(args.out, index=False)
        say(f"wrote {args.out}")


def _simulate(args: argparse.Namespace) -> None:
    from regeval.paths import PROJECT_DIR
    from regeval.simulate import simulate_command

    seed_csv = (
        None
        if args.no_real
        else PROJECT_DIR / "seeds" / "public" / "nav_fully_unemployed_county_month.csv"
    )
    text = simulate_command(
        args.replications,
        args.out,
        args.scenario,
        args.workers,
        seed_csv,
        progress=say,
        **({} if args.seed is None else {"seed": args.seed}),
    )
    print(text)
    if args.out is not None:
        (args.out / "simulation.txt").write_text(text + "\n", encoding="utf-8")
        say(f"wrote {args.out}")


def _run(args: argparse.Namespace) -> None:
    from regeval.pipeline import RunConfig, run

    run(RunConfig.from_env(), refreshing=args.refresh)


ENVIRONMENT = """environment variables (default in brackets):
  REGEVAL_DATA              the register extract directory; when unset, a synthetic one is
                            generated in data/synthetic [unset]
  REGEVAL_SCALE             size of the synthetic register, 1.0 = Norway [1.0]
  REGEVAL_SEED              seed of the synthetic register [2015]
  REGEVAL_REGISTER_FORMAT   format of the extract's files on Spark [parquet]
  REGEVAL_DB                the DuckDB file built [regeval.duckdb]
  REGEVAL_DUCKDB_MEMORY     DuckDB's memory limit in dbt build; beyond it DuckDB spills to disk [1GB]
  REGEVAL_REPORT_DIR        the HTML report [reports/]
  REGEVAL_PUBLISH_DIR       the shareable tables [publish/]
  REGEVAL_MIN_CELL          smallest person count shown in published tables [5]
  REGEVAL_REPORT_WORKERS    processes drawing the report's figures [up to 2]
  REGEVAL_ENGINE            duckdb, or spark for the SQL layers on Spark [duckdb]
  REGEVAL_SPARK_MASTER      Spark master [local[*]]
  REGEVAL_SPARK_WAREHOUSE   Spark warehouse directory [spark-warehouse]
  REGEVAL_SPARK_SCHEMA      Spark database of the analyst tables [regeval]
  REGEVAL_SPARK_THREADS     dbt threads on Spark [4]
  REGEVAL_SPARK_DRIVER_MEMORY  Spark driver memory [4g]
  REGEVAL_SPARK_SHUFFLE_PARTITIONS  Spark shuffle partitions [2]
  REGEVAL_SPARK_CODEGEN     Spark whole-stage code generation [true]"""


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    from regeval import paths

    parser = argparse.ArgumentParser(prog="regeval", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic register extract")
    generate.add_argument("--out", type=Path, required=True, help="output directory")
    generate.add_argument("--scale", type=float, default=1.0, help="1.0 = Norway's size")
    generate.add_argument("--seed", type=int, default=2015)
    generate.set_defaults(handler=_generate)

    for name, what in (
        ("publish", "the shareable tables (small cells suppressed) into REGEVAL_PUBLISH_DIR"),
        ("report", "the HTML report into REGEVAL_REPORT_DIR"),
    ):
        redo = commands.add_parser(
            name,
            help=f"redo only {what}, from the current REGEVAL_DB",
            epilog=ENVIRONMENT,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        redo.set_defaults(handler=_redo)

    validate = commands.add_parser("validate", help="check a register extract against the contract")
    validate.add_argument("--data", type=Path, default=paths.data_dir(), help="extract directory")
    validate.set_defaults(handler=_validate)

    check = commands.add_parser(
        "check-studies",
        help="check the study seeds (seeds/studies/) and their windows against the built database",
    )
    check.set_defaults(handler=_check_studies)

    evaluate = commands.add_parser(
        "evaluate",
        help="one treated unit's effect on any long panel (CSV or parquet), every inference method",
    )
    evaluate.add_argument(
        "panel", type=Path, help="PANEL.csv or PANEL.parquet, one row per unit and period"
    )
    evaluate.add_argument("--unit", required=True, help="column naming the unit")
    evaluate.add_argument(
        "--period", required=True, help="column of periods: years, integers or dates"
    )
    evaluate.add_argument("--outcome", required=True, help="numeric outcome column")
    evaluate.add_argument("--weight", help="optional positive weight column (e.g. a denominator)")
    evaluate.add_argument("--treated", required=True, help="the treated unit, as written in --unit")
    evaluate.add_argument("--intervention", required=True, help="first treated period")
    evaluate.add_argument("--out", type=Path, help="write the tidy rows to this CSV")
    evaluate.set_defaults(handler=_evaluate)

    simulate = commands.add_parser(
        "simulate",
        help="Monte Carlo coverage and size of every inference method; calibration on real NAV data",
    )
    simulate.add_argument("--replications", type=int, default=400, help="per scenario")
    simulate.add_argument("--scenario", action="append", help="only this scenario (repeatable)")
    simulate.add_argument("--workers", type=int, help="processes (default: up to 2)")
    simulate.add_argument(
        "--seed",
        type=int,
        help="replication r of the i-th scenario run uses seed x 100000 + i x 10000 + r "
        "[regeval.simulate.SEED, the docs/inference batch's]",
    )
    simulate.add_argument(
        "--out",
        type=Path,
        default=paths.PROJECT_DIR / "docs" / "inference",
        help="directory for the CSV tables and the printed text",
    )
    simulate.add_argument("--no-real", action="store_true", help="skip the real NAV panel")
    simulate.set_defaults(handler=_simulate)

    run = commands.add_parser(
        "run",
        help="the whole job on the REGEVAL_* settings",
        description=(
            "Generate the synthetic register when none is chosen, check it, dbt build (SQL "
            "layers, estimation and every test), publish and report: all built beside the "
            "current database, report and publish directory and moved into place at the end."
        ),
        epilog=ENVIRONMENT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "--refresh",
        action="store_true",
        help="refresh the current database from the first month of the extract that changed "
        "since it was built (a new month, say); rebuilds in full, saying why, when earlier "
        "months, the first month, the transferred persons or the code changed",
    )
    run.set_defaults(handler=_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the regeval command."""
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except KeyboardInterrupt:
        # Ctrl-C: the step that was running has cleaned up after itself; no traceback.
        say("interrupted")
        return 130
    except (FileNotFoundError, RuntimeError, ValueError) as error:
        say(f"regeval: error: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
