"""The main job: register data, dbt build, estimation, publication and report, built beside the old ones and moved into place at the end."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from regeval import engine as engines
from regeval import paths
from regeval.dbt import DbtError, run_dbt
from regeval.progress import say, step
from regeval.validate import (
    BadInputError,
    contract,
    raise_for_failed_build,
    table_file,
    validate_structure,
)


@dataclass(frozen=True)
class RunConfig:
    """What one run reads and writes."""

    data_dir: Path
    db_path: Path
    report_dir: Path
    publish_dir: Path
    generate_if_missing: bool
    scale: float = 1.0
    seed: int = 2015
    engine: str = "duckdb"

    @classmethod
    def from_env(cls) -> RunConfig:
        """The configuration chosen by the REGEVAL_* environment variables."""
        return cls(
            data_dir=paths.data_dir(),
            db_path=paths.db_path(),
            report_dir=paths.report_dir(),
            publish_dir=paths.publish_dir(),
            generate_if_missing=not os.environ.get("REGEVAL_DATA", "").strip(),
            scale=float(os.environ.get("REGEVAL_SCALE", "1.0")),
            seed=int(os.environ.get("REGEVAL_SEED", "2015")),
            engine=engines.engine(),
        )


def building_path(target: Path) -> Path:
    """The file or directory a run builds into, beside the one it replaces."""
    return target.with_name(target.name + ".building")


def move_into_place(built: Path, target: Path) -> None:
    """Replace target by built: a file with one atomic rename, a directory by two renames."""
    if built.is_dir():
        old = target.with_name(target.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(built, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(built, target)


def discard(path: Path) -> None:
    """Remove a file or directory left by a failed run."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def ensure_register(config: RunConfig) -> None:
    """Generate the synthetic register when no extract was chosen and none is there yet."""
    if not config.generate_if_missing or all(table_file(config.data_dir, t) for t in contract()):
        return
    from regeval.generate import generate_register

    with step(f"generate the synthetic register (scale {config.scale}, seed {config.seed})"):
        generate_register(config.data_dir, config.scale, config.seed, progress=say)


def is_synthetic(data_dir: Path) -> bool:
    """True when the extract was written by the generator (it leaves truth.json beside the tables)."""
    return (data_dir / "truth.json").exists()


def check_structure(config: RunConfig) -> None:
    """Stop before any SQL runs when a register file is missing or has missing or mistyped columns."""
    with step(f"check the structure of the register extract in {config.data_dir}"):
        problems = validate_structure(config.data_dir)
    if problems:
        raise BadInputError(problems)


def build(config: RunConfig, db_file: Path) -> None:
    """dbt build (seeds, contract tests, models, tests) into db_file; bad input is explained row by row.

    On Spark (config.engine), dbt builds in the Spark warehouse and the seeds and marts are then
    read into db_file, so that every later step reads the same tables from DuckDB.
    """
    target = paths.PROJECT_DIR / "target"
    if config.engine == "spark":
        build_on_spark(config, db_file, target)
        return
    with step(f"dbt build into {db_file.name}"):
        try:
            run_dbt(["build"], db_path=db_file, data_dir=config.data_dir, target_dir=target)
        except DbtError:
            raise_for_failed_build(target, db_file)
            raise


def build_on_spark(config: RunConfig, db_file: Path, target: Path) -> None:
    """dbt build on the profile's spark target, then its seeds and marts copied into db_file."""
    environment = engines.spark_environment()
    warehouse = environment[engines.WAREHOUSE_VARIABLE]
    with step(
        f"dbt build on Spark (warehouse {warehouse}), then its seeds and marts into {db_file.name}"
    ):
        run_dbt(
            ["build"],
            db_path=db_file,
            data_dir=config.data_dir,
            target_dir=target,
            target="spark",
            environment=environment,
            copy_into=db_file,
        )


def run(config: RunConfig) -> Path:
    """Run the whole job; the database, report and publish directory are replaced only if every step succeeds."""
    started = time.perf_counter()
    ensure_register(config)
    check_structure(config)
    work_db = building_path(config.db_path)
    work_report = building_path(config.report_dir)
    work_publish = building_path(config.publish_dir)
    work_files = (work_db, work_report, work_publish)
    for path in work_files:
        discard(path)
    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        build(config, work_db)
        from regeval.estimate import run_estimation

        with step("estimation: regressions, placebos and inference"):
            run_estimation(work_db, progress=say)
        with step("dbt tests of the estimation tables"):
            run_dbt(
                ["test", "--select", "source:estimates"], db_path=work_db, data_dir=config.data_dir
            )
        from regeval.publish import min_cell_from_env, publish

        with step(
            f"publish the shareable tables (small cells suppressed) into {config.publish_dir}"
        ):
            summary = publish(work_db, work_publish, min_cell_from_env())
            say(
                f"suppressed {summary['primary_suppressions']} cells of 1-{summary['threshold'] - 1} "
                f"persons and {summary['secondary_suppressions']} more that would reveal them"
            )
        from regeval.report import build_report

        with step("report"):
            build_report(
                work_db,
                work_report,
                publish_dir=work_publish,
                progress=say,
                register_is_synthetic=is_synthetic(config.data_dir),
            )
        for built, target in zip(
            work_files, (config.db_path, config.report_dir, config.publish_dir)
        ):
            move_into_place(built, target)
    except BaseException:
        for path in work_files:
            discard(path)
        raise
    say(f"database (internal, person-level): {config.db_path}")
    say(f"report:   {config.report_dir / 'index.html'}")
    say(f"publish (shareable): {config.publish_dir}")
    say(f"done in {time.perf_counter() - started:.1f} s")
    return config.db_path
