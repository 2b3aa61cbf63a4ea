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


def _estimate(args: argparse.Namespace) -> None:
    from regeval.estimate import run_estimation

    run_estimation(args.db, progress=say)


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


def _run(_: argparse.Namespace) -> None:
    from regeval.pipeline import RunConfig, run

    run(RunConfig.from_env())


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

    estimate = commands.add_parser("estimate", help="regressions, placebos and inference")
    estimate.add_argument("--db", type=Path, default=paths.db_path(), help="DuckDB file")
    estimate.set_defaults(handler=_estimate)

    validate = commands.add_parser("validate", help="check a register extract against the contract")
    validate.add_argument("--data", type=Path, default=paths.data_dir(), help="extract directory")
    validate.set_defaults(handler=_validate)

    run = commands.add_parser("run", help="the whole job on the REGEVAL_* settings")
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
