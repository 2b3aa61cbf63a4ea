"""The schemas of a built database, read from their one home (dbt_project.yml), and reading a table from them."""

from __future__ import annotations

import functools

import duckdb
import pandas as pd
import yaml

from regeval.paths import PROJECT_DIR
from regeval.sql import identifier

# The target schema of the DuckDB profile: the tables analysts query (marts, estimates,
# reference and public seeds). dbt_project.yml gives the other layers their +schema.
ANALYST = "main"


@functools.cache
def _project() -> dict:
    """dbt_project.yml."""
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))


def internal_schema() -> str:
    """The schema of the person-level staging and intermediate relations."""
    return _project()["models"]["regeval"]["intermediate"]["+schema"]


def study_config_schema() -> str:
    """The schema of the study configuration seeds (studies, study_units, ...)."""
    return _project()["seeds"]["regeval"]["studies"]["+schema"]


def table_names(connection: duckdb.DuckDBPyConnection, schema: str = ANALYST) -> set[str]:
    """Names of the tables and views of one schema."""
    rows = connection.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {name for (name,) in rows}


def read_table(
    connection: duckdb.DuckDBPyConnection, table: str, schema: str = ANALYST
) -> pd.DataFrame | None:
    """A whole table of one schema as a DataFrame, or None when it is not there."""
    if table not in table_names(connection, schema):
        return None
    return connection.execute(f"select * from {identifier(schema)}.{identifier(table)}").df()


def column_types(
    connection: duckdb.DuckDBPyConnection, table: str, schema: str = ANALYST
) -> dict[str, str]:
    """{column: type} of a table of one schema, in column order."""
    rows = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return dict(rows)
