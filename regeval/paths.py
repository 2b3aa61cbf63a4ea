"""Where regeval finds its project files and what the environment variables choose."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _from_env(name: str, default: Path) -> Path:
    """A path from an environment variable (relative to the working directory), else the default."""
    value = os.environ.get(name, "").strip()
    return Path(value).resolve() if value else default


def data_dir() -> Path:
    """The register extract read by the pipeline (REGEVAL_DATA, default data/synthetic)."""
    return _from_env("REGEVAL_DATA", PROJECT_DIR / "data" / "synthetic")


def db_path() -> Path:
    """The DuckDB file the pipeline writes (REGEVAL_DB, default regeval.duckdb)."""
    return _from_env("REGEVAL_DB", PROJECT_DIR / "regeval.duckdb")


def report_dir() -> Path:
    """Where the HTML report is written (REGEVAL_REPORT_DIR, default reports/)."""
    return _from_env("REGEVAL_REPORT_DIR", PROJECT_DIR / "reports")


def publish_dir() -> Path:
    """Where the shareable tables are written (REGEVAL_PUBLISH_DIR, default publish/)."""
    return _from_env("REGEVAL_PUBLISH_DIR", PROJECT_DIR / "publish")
