"""Runs dbt commands of the project against a chosen DuckDB file and register directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from regeval.paths import PROJECT_DIR


class DbtError(RuntimeError):
    """A dbt command failed."""


def run_dbt(
    args: list[str],
    *,
    db_path: Path,
    data_dir: Path,
    target_dir: Path | None = None,
    quiet: bool = False,
    project_dir: Path = PROJECT_DIR,
    target: str | None = None,
    environment: dict[str, str] | None = None,
    copy_into: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `dbt ARGS` in the project with REGEVAL_DB and REGEVAL_DATA set; raise DbtError on failure.

    target chooses a profiles.yml output (default: the profile's, DuckDB); environment replaces
    os.environ as the base of the variables dbt sees. copy_into (Spark targets): dbt runs in a
    Python process that then copies the seeds and marts into that DuckDB file from the same
    Spark session (regeval.engine).
    """
    env = dict(os.environ if environment is None else environment)
    env["REGEVAL_DB"] = str(db_path)
    env["REGEVAL_DATA"] = str(data_dir)
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    program = (
        [str(Path(sys.executable).with_name("dbt"))]
        if copy_into is None
        else [sys.executable, "-m", "regeval.engine", str(copy_into)]
    )
    command = [
        *program,
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
    ]
    if target is not None:
        command += ["--target", target]
    if target_dir is not None:
        command += ["--target-path", str(target_dir)]
        env["DBT_LOG_PATH"] = str(target_dir / "logs")
    result = subprocess.run(
        command,
        cwd=project_dir,
        env=env,
        text=True,
        capture_output=quiet,
        check=False,
        # Its own session: Ctrl-C reaches only regeval, which stops dbt (subprocess.run kills
        # the child on any exception) and reports one line instead of two programs' tracebacks.
        start_new_session=True,
    )
    if result.returncode != 0:
        detail = ""
        if quiet:
            lines = (result.stdout or "").splitlines()
            detail = "\n" + "\n".join(line for line in lines if "ERROR" in line or "FAIL" in line)
        raise DbtError(f"dbt {' '.join(args)} failed (exit {result.returncode}){detail}")
    return result
