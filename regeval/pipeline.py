"""The main job: register data, dbt build, estimation and report into a new file, moved into place at the end."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from regeval import paths
from regeval.dbt import run_dbt
from regeval.progress import say, step

REGISTER_TABLES = (
    "jobseeker_months",
    "labour_force_months",
    "population_years",
    "sickness_benefit_exhaustions",
    "aap_months",
    "aap_applications",
    "sick_leave_quarters",
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


def has_register(data_dir: Path) -> bool:
    """True when every register table has a parquet or CSV file in data_dir."""
    return all(
        (data_dir / f"{t}.parquet").exists() or (data_dir / f"{t}.csv").exists()
        for t in REGISTER_TABLES
    )


def ensure_register(config: RunConfig) -> None:
    """Generate the synthetic register when no extract was chosen and none is there yet."""
    if has_register(config.data_dir):
        return
    if not config.generate_if_missing:
        missing = [
            t
            for t in REGISTER_TABLES
            if not (config.data_dir / f"{t}.parquet").exists()
            and not (config.data_dir / f"{t}.csv").exists()
        ]
        raise FileNotFoundError(
            f"REGEVAL_DATA={config.data_dir}: no file for register table(s) {', '.join(missing)} "
            "(expected <table>.parquet or <table>.csv)"
        )
    from regeval.generate import generate_register

    with step(f"generate the synthetic register (scale {config.scale}, seed {config.seed})"):
        generate_register(config.data_dir, config.scale, config.seed, progress=say)


def build(config: RunConfig, db_file: Path) -> None:
    """dbt build (seeds, models, tests) into db_file."""
    with step(f"dbt build into {db_file.name}"):
        run_dbt(["build"], db_path=db_file, data_dir=config.data_dir)


def run(config: RunConfig) -> Path:
    """Run the whole job; the database and report are replaced only if every step succeeds."""
    started = time.perf_counter()
    ensure_register(config)
    work_db = building_path(config.db_path)
    work_report = building_path(config.report_dir)
    for path in (work_db, work_report):
        discard(path)
    config.db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        build(config, work_db)
        from regeval.estimate import run_estimation

        with step("estimation: regressions, placebos and inference"):
            run_estimation(work_db, progress=say)
        with step("dbt tests of the estimation tables"):
            run_dbt(["test", "--select", "source:estimates"], db_path=work_db, data_dir=config.data_dir)
        from regeval.report import build_report

        with step("report"):
            build_report(
                work_db,
                work_report,
                progress=say,
                register_is_synthetic=config.generate_if_missing,
            )
        move_into_place(work_db, config.db_path)
        move_into_place(work_report, config.report_dir)
    except BaseException:
        for path in (work_db, work_report):
            discard(path)
        raise
    say(f"database: {config.db_path}")
    say(f"report:   {config.report_dir / 'index.html'}")
    say(f"done in {time.perf_counter() - started:.1f} s")
    return config.db_path
