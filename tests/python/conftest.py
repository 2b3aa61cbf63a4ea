"""Shared fixtures: a small generated register and the dbt project built on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from regeval.dbt import run_dbt
from regeval.paths import PROJECT_DIR

SMALL_SCALE = 0.03
SMALL_SEED = 7


@pytest.fixture(scope="session")
def small_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic register extract (all 19 counties, every month, about 3 % of Norway)."""
    from regeval.generate import generate_register

    out = tmp_path_factory.mktemp("register")
    generate_register(out, SMALL_SCALE, SMALL_SEED)
    return out


@pytest.fixture(scope="session")
def built_db(small_register: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with every seed and model built by `dbt build` (tests included) on the small register."""
    work = tmp_path_factory.mktemp("built")
    db = work / "regeval.duckdb"
    run_dbt(["build"], db_path=db, data_dir=small_register, target_dir=work / "target", quiet=True)
    return db


@pytest.fixture()
def db(built_db: Path):
    """A read-only connection to the built database."""
    connection = duckdb.connect(str(built_db), read_only=True)
    yield connection
    connection.close()


def copy_project(destination: Path) -> Path:
    """A copy of the dbt project (no venv, builds, data or databases) whose seeds a test may edit."""
    ignore = shutil.ignore_patterns(
        ".venv", "target", "logs", "data", "reports", "publish", "*.duckdb*", ".git"
    )
    shutil.copytree(PROJECT_DIR, destination, ignore=ignore)
    return destination
