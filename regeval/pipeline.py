"""The main job: register data, dbt build, estimation, publication and report, built beside the old ones and moved into place at the end."""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from regeval import engine as engines
from regeval import paths, refresh
from regeval.dbt import DbtError, run_dbt
from regeval.generate import rollout
from regeval.identifiers import check_seed_identifiers
from regeval.lock import database_lock
from regeval.progress import say, step
from regeval.studies import raise_for_study_problems
from regeval.validate import (
    BadInputError,
    contract,
    raise_for_failed_build,
    table_file,
    validate_structure,
)

# The dbt tag of the estimation models (a dbt-duckdb Python model and the marts it feeds).
ESTIMATION_TAG = "estimation"

# renameat2: relative to the working directory; swap the two paths.
AT_FDCWD = -100
RENAME_EXCHANGE = 2


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


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def move_into_place(built: Path, target: Path) -> None:
    """Replace target by built: a file with one atomic rename; a directory by an atomic exchange, so that a reader always finds one (two renames only where the system has no exchange)."""
    if not built.is_dir() or not target.exists():
        os.replace(built, target)
        return
    if exchange(built, target):
        shutil.rmtree(built, ignore_errors=True)
        return
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    os.replace(built, target)
    shutil.rmtree(old, ignore_errors=True)


def discard(path: Path) -> None:
    """Remove a file or directory left by a failed run."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def why_generate(config: RunConfig) -> str | None:
    """Why the synthetic register in data_dir must be generated again, or None when it is complete and has the chosen scale and seed."""
    truth_file = config.data_dir / "truth.json"
    if not truth_file.exists():
        if any(table_file(config.data_dir, t) for t in contract()):
            return f"{config.data_dir} holds no truth.json: its generation did not finish"
        return f"there is no synthetic register in {config.data_dir} yet"
    try:
        recorded = json.loads(truth_file.read_text())
        made_with = (float(recorded["scale"]), int(recorded["seed"]))
    except (ValueError, KeyError, TypeError):
        return f"{truth_file} cannot be read"
    if made_with != (config.scale, config.seed):
        return (
            f"{config.data_dir} was generated with scale {made_with[0]:g} and seed {made_with[1]}; "
            f"REGEVAL_SCALE / REGEVAL_SEED ask for scale {config.scale:g} and seed {config.seed}"
        )
    if recorded.get(rollout.STUDY_ID) != rollout.RollOut().truth():
        return f"{config.data_dir} was generated with another planted roll-out ({rollout.STUDY_ID})"
    for table in contract():
        path = table_file(config.data_dir, table)
        if path is None:
            return f"{table} is missing from {config.data_dir}"
        try:
            pq.read_metadata(path)
        except (OSError, pa.ArrowException):
            return f"{path} cannot be read as parquet (truncated?)"
    return None


def ensure_register(config: RunConfig) -> None:
    """Generate the synthetic register when no extract was chosen and the one there is missing, unfinished, unreadable or of another scale or seed."""
    if not config.generate_if_missing or (reason := why_generate(config)) is None:
        return
    from regeval.generate import generate_register

    say(f"generating the synthetic register: {reason}")
    with step(f"generate the synthetic register (scale {config.scale:g}, seed {config.seed})"):
        generate_register(config.data_dir, config.scale, config.seed, progress=say)


def is_synthetic(data_dir: Path) -> bool:
    """True when the extract was written by the generator (it leaves truth.json beside the tables)."""
    return (data_dir / "truth.json").exists()


def check_structure(config: RunConfig) -> None:
    """Stop before any SQL runs when a study id is not an identifier or a register file is missing or has missing or mistyped columns."""
    check_seed_identifiers()
    with step(f"check the structure of the register extract in {config.data_dir}"):
        problems = validate_structure(config.data_dir)
    if problems:
        raise BadInputError(problems)


def dbt_target(db_path: Path) -> Path:
    """dbt's target directory for runs on one database: used by one run at a time (under its lock), its parse cache kept from one run to the next."""
    digest = hashlib.sha256(str(db_path.resolve()).encode()).hexdigest()[:12]
    return paths.PROJECT_DIR / "target" / "runs" / f"{db_path.name}-{digest}"


def build(config: RunConfig, db_file: Path) -> None:
    """dbt build (seeds, contract tests, models with the estimation, tests) into db_file; bad input is explained row by row.

    On Spark (config.engine), dbt builds the SQL layers in the Spark warehouse, their seeds and
    marts are read into db_file, and the estimation models are then built there on DuckDB, so
    that every later step reads the same tables from DuckDB. On DuckDB the extract's
    fingerprint is stored in db_file for the next refresh (`regeval.refresh`); the refresh
    runs on DuckDB only (on Spark the extract may live on cluster storage).
    """
    target = dbt_target(config.db_path)
    if config.engine == "spark":
        build_on_spark(config, db_file, target)
        return
    found = refresh.fingerprint(config.data_dir)
    with step(f"dbt build (SQL layers, estimation, tests) into {db_file.name}"):
        _dbt_build(["build"], config, db_file, target)
    refresh.store(db_file, found)


def _dbt_build(args: list[str], config: RunConfig, db_file: Path, target: Path) -> None:
    """dbt with args on db_file (DuckDB); a failed build is explained row by row."""
    try:
        run_dbt(args, db_path=db_file, data_dir=config.data_dir, target_dir=target)
    except DbtError:
        raise_for_study_problems(target)
        raise_for_failed_build(target, db_file)
        raise


def refresh_build(config: RunConfig, db_file: Path) -> None:
    """A copy of the current database refreshed from the first changed month of the extract into db_file, or a full build.

    `regeval.refresh` decides which and says why. The refresh runs the SQL layers and
    their data tests (the unit tests check code, unchanged since the last build) with
    the incremental models limited to the refreshed months, then the estimation
    models only if a table they read changed.
    """
    if config.engine == "spark":
        say("the refresh runs on DuckDB only: full rebuild on Spark")
        build(config, db_file)
        return
    found = refresh.fingerprint(config.data_dir)
    decision = refresh.plan(refresh.stored(config.db_path), found)
    say(decision.reason)
    if decision.since is None:
        build(config, db_file)
        return
    target = dbt_target(config.db_path)
    shutil.copyfile(config.db_path, db_file)
    inputs = refresh.estimation_inputs(target / "manifest.json", ESTIMATION_TAG)
    variables = json.dumps({"refresh_since": decision.since.isoformat()})
    with step(f"dbt build of the SQL layers from {decision.since:%Y-%m} into {db_file.name}"):
        _dbt_build(
            [
                "build",
                "--exclude",
                f"tag:{ESTIMATION_TAG}",
                "--exclude-resource-type",
                "unit_test",
                "--vars",
                variables,
            ],
            config,
            db_file,
            target,
        )
    changed = refresh.changed_tables(config.db_path, db_file, inputs)
    if inputs and not changed:
        say("the tables the estimation reads are unchanged: its tables are kept")
    else:
        say(
            f"the estimation reads tables that changed ({', '.join(changed)}): it is rebuilt"
            if inputs
            else "no dbt manifest of the last build names the estimation's inputs: it is rebuilt"
        )
        with step(f"dbt build of the estimation models into {db_file.name}"):
            _dbt_build(
                [
                    "build",
                    "--select",
                    f"tag:{ESTIMATION_TAG}",
                    "--exclude-resource-type",
                    "unit_test",
                ],
                config,
                db_file,
                target,
            )
    refresh.store(db_file, found)


def build_on_spark(config: RunConfig, db_file: Path, target: Path) -> None:
    """dbt build on the profile's spark target, its seeds and marts copied into db_file, then the estimation models on DuckDB."""
    environment = engines.spark_environment()
    warehouse = environment[engines.WAREHOUSE_VARIABLE]
    with step(
        f"dbt build on Spark (warehouse {warehouse}), then its seeds and marts into {db_file.name}"
    ):
        run_dbt(
            ["build", "--exclude", f"tag:{ESTIMATION_TAG}"],
            db_path=db_file,
            data_dir=config.data_dir,
            target_dir=target,
            target="spark",
            environment=environment,
            copy_into=db_file,
        )
    with step(f"dbt build of the estimation models on DuckDB into {db_file.name}"):
        run_dbt(
            ["build", "--select", f"tag:{ESTIMATION_TAG}"],
            db_path=db_file,
            data_dir=config.data_dir,
            target_dir=target,
        )


def run(config: RunConfig, refreshing: bool = False) -> Path:
    """Run the whole job; the database, report and publish directory are replaced only if every step succeeds.

    refreshing: refresh the current database from the first changed month of the extract
    (`refresh_build`) instead of building it from nothing.
    """
    started = time.perf_counter()
    with database_lock(config.db_path):
        work_files = tuple(
            building_path(p) for p in (config.db_path, config.report_dir, config.publish_dir)
        )
        for path in work_files:
            # Left by a run that was killed: nobody else builds into them while we hold the lock.
            discard(path)
        ensure_register(config)
        check_structure(config)
        _build_and_swap(config, work_files, refresh_build if refreshing else build)
    say(f"database (internal, person-level): {config.db_path}")
    say(f"report:   {config.report_dir / 'index.html'}")
    say(f"publish (shareable): {config.publish_dir}")
    say(f"done in {time.perf_counter() - started:.1f} s")
    return config.db_path


def _build_and_swap(
    config: RunConfig,
    work_files: tuple[Path, Path, Path],
    build_database: Callable[[RunConfig, Path], None] = build,
) -> None:
    """Build the database, publish directory and report into work_files and move them into place, or remove them all."""
    work_db, work_report, work_publish = work_files
    try:
        build_database(config, work_db)
        publish_step(work_db, work_publish)
        report_step(config, work_db, work_report, work_publish)
        for built, target in zip(
            work_files, (config.db_path, config.report_dir, config.publish_dir)
        ):
            move_into_place(built, target)
    except BaseException:
        for path in work_files:
            discard(path)
        raise


def publish_step(db_file: Path, out_dir: Path) -> None:
    """The shareable tables of db_file's analyst schema, small cells suppressed, into out_dir."""
    from regeval.publish import min_cell_from_env, publish

    with step(f"publish the shareable tables (small cells suppressed) into {out_dir}"):
        summary = publish(db_file, out_dir, min_cell_from_env())
        say(
            f"suppressed {summary['primary_suppressions']} cells of 1-{summary['threshold'] - 1} "
            f"persons and {summary['secondary_suppressions']} more that would reveal them"
        )


def report_step(config: RunConfig, db_file: Path, out_dir: Path, publish_dir: Path) -> None:
    """The HTML report of db_file (county figures from the published, suppressed tables) into out_dir."""
    from regeval.report import build_report

    with step("report"):
        build_report(
            db_file,
            out_dir,
            publish_dir=publish_dir,
            progress=say,
            register_is_synthetic=is_synthetic(config.data_dir),
            db_name=config.db_path.name,
        )


def redo(config: RunConfig, what: str) -> Path:
    """Redo only the publish step or only the report on the current database, built beside the old output and moved into place."""
    if what not in ("publish", "report"):
        raise ValueError(f"nothing to redo called {what!r}: publish or report")
    if not config.db_path.exists():
        raise FileNotFoundError(f"no database at {config.db_path}: run `regeval run` first")
    target = config.publish_dir if what == "publish" else config.report_dir
    work = building_path(target)
    with database_lock(config.db_path):
        discard(work)
        try:
            if what == "publish":
                publish_step(config.db_path, work)
            else:
                report_step(config, config.db_path, work, config.publish_dir)
            move_into_place(work, target)
        except BaseException:
            discard(work)
            raise
    say(f"{what}: {target}")
    return target
