"""Which engine dbt builds on (REGEVAL_ENGINE), and the one reader that brings Spark-built tables into DuckDB.

DuckDB is the default: dbt builds straight into the DuckDB file. With REGEVAL_ENGINE=spark, dbt
builds the seeds, staging, intermediate and marts on Spark (the `spark` target of profiles.yml)
inside `python -m regeval.engine`, which then, through `copy_tables` and dbt's own Spark session,
reads the tables analysts query (the seeds and the marts) into the DuckDB file, where estimation,
publication and the report read them as they do after a DuckDB build. A session made here is
configured from the same profile entries as dbt's, so it sees the same master, warehouse and
metastore.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import yaml

from regeval.paths import PROJECT_DIR
from regeval.sql import identifier

ENGINES = ("duckdb", "spark")
DBT_TARGETS = {"duckdb": "default", "spark": "spark"}
WAREHOUSE_VARIABLE = "REGEVAL_SPARK_WAREHOUSE"


def engine() -> str:
    """The engine chosen by REGEVAL_ENGINE ('duckdb' by default, or 'spark')."""
    name = os.environ.get("REGEVAL_ENGINE", "").strip().lower() or "duckdb"
    if name not in ENGINES:
        raise ValueError(f"REGEVAL_ENGINE={name!r}: expected one of {', '.join(ENGINES)}")
    return name


def spark_warehouse(environment: dict[str, str] | None = None) -> Path | str:
    """The Spark warehouse (REGEVAL_SPARK_WAREHOUSE; default spark-warehouse/ in the project)."""
    value = (os.environ if environment is None else environment).get(WAREHOUSE_VARIABLE, "").strip()
    if not value:
        return PROJECT_DIR / "spark-warehouse"
    return value if "://" in value else Path(value).resolve()


def spark_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for dbt's spark target and the reader: base with the warehouse made absolute."""
    environment = dict(os.environ if base is None else base)
    environment[WAREHOUSE_VARIABLE] = str(spark_warehouse(environment))
    return environment


def _render(value: Any, environment: dict[str, str]) -> str:
    """A profile value with its env_var() calls filled in from environment, as dbt renders it."""

    def env_var(name: str, default: str | None = None) -> str:
        if name in environment:
            return environment[name]
        if default is None:
            raise KeyError(f"profiles.yml needs the environment variable {name}")
        return default

    return jinja2.Template(str(value)).render(env_var=env_var)


def spark_profile(environment: dict[str, str] | None = None) -> dict[str, Any]:
    """The `spark` output of profiles.yml rendered with environment: schema and Spark settings."""
    environment = dict(os.environ if environment is None else environment)
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    output = profile["regeval"]["outputs"]["spark"]
    return {
        "schema": _render(output["schema"], environment),
        "conf": {
            key: _render(value, environment)
            for key, value in output.get("server_side_parameters", {}).items()
        },
    }


def spark_session(environment: dict[str, str] | None = None):
    """A Spark session with the settings of the profile's spark target (dbt's own, in this process)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_profile(environment)["conf"].items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def analyst_tables(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema, name) of the seeds and SQL marts of a built project (from dbt's manifest), in name order.

    The estimation models (tag estimation) are built afterwards on DuckDB, so they are not copied.
    """
    nodes = json.loads(Path(manifest_path).read_text())["nodes"].values()
    return sorted(
        (node["schema"], node["alias"])
        for node in nodes
        if (
            node["resource_type"] == "seed"
            or (node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"])
        )
        and "estimation" not in node.get("tags", [])
    )


def duckdb_schema(schema: str, spark_schema: str) -> str:
    """The DuckDB schema of a table of a Spark schema: the Spark target's own schema is main."""
    return "main" if schema == spark_schema else schema


def copy_tables(
    tables: list[tuple[str, str]],
    db_path: Path,
    *,
    environment: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Read (schema, name) tables from Spark into the DuckDB file, the Spark target's own schema as main and every other schema by its name; returns their row counts."""
    environment = spark_environment(environment)
    profile = spark_profile(environment)
    session = spark_session(environment)
    counts = {}
    connection = duckdb.connect(str(db_path))
    try:
        for schema, name in tables:
            arrow = session.table(f"{schema}.{name}").toArrow()
            into = duckdb_schema(schema, profile["schema"])
            connection.execute(f"create schema if not exists {identifier(into)}")
            connection.register("spark_table", arrow)
            connection.execute(
                f"create or replace table {identifier(into)}.{identifier(name)} "
                "as select * from spark_table"
            )
            connection.unregister("spark_table")
            counts[f"{into}.{name}"] = arrow.num_rows
            if progress:
                progress(f"{into}.{name}: {arrow.num_rows} rows from Spark")
    finally:
        connection.close()
        session.stop()
    return counts


def _target_path(dbt_args: list[str]) -> Path:
    """The --target-path of dbt arguments (dbt's default: target/ in the project)."""
    if "--target-path" in dbt_args:
        return Path(dbt_args[dbt_args.index("--target-path") + 1])
    return PROJECT_DIR / "target"


def main(argv: list[str] | None = None) -> int:
    """`python -m regeval.engine DB_FILE DBT_ARGS...`: dbt on Spark, then its seeds and marts into DB_FILE.

    dbt runs in this process, so the copy reuses dbt's Spark session (no second start of
    Spark), which is made here first from the same profile entries, with Spark's own log
    quiet below errors.
    """
    from dbt.cli.main import dbtRunner

    arguments = list(sys.argv[1:] if argv is None else argv)
    db_file, dbt_args = Path(arguments[0]), arguments[1:]
    spark_session()
    result = dbtRunner().invoke(dbt_args)
    if not result.success:
        return 2 if result.exception is not None else 1
    tables = analyst_tables(_target_path(dbt_args) / "manifest.json")
    copy_tables(tables, db_file, progress=print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
