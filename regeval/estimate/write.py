"""Write result DataFrames into the DuckDB file as tables with fixed column types, replacing them."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = "main"

TABLES: dict[str, dict[str, str]] = {
    "regression_effects": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "model": "varchar",
        "term": "varchar",
        "inference": "varchar",
        "estimate_pct": "double",
        "ci_low_pct": "double",
        "ci_high_pct": "double",
        "p_value": "double",
        "estimate": "double",
        "std_error": "double",
        "statistic": "double",
        "ci_low": "double",
        "ci_high": "double",
        "treated_pre_mean": "double",
        "n_obs": "integer",
        "n_controls": "integer",
        "min_p_value": "double",
        "p_value_holm": "double",
        "variance_ratio": "double",
        "recommended": "boolean",
        "recommendation": "varchar",
        "calibrated": "boolean",
    },
    "placebo_effects": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "model": "varchar",
        "kind": "varchar",
        "placebo": "varchar",
        "inference": "varchar",
        "estimate_pct": "double",
        "ci_low_pct": "double",
        "ci_high_pct": "double",
        "p_value": "double",
        "estimate": "double",
        "pre_mean": "double",
        "n_obs": "integer",
        "n_controls": "integer",
    },
    "event_study": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "model": "varchar",
        "period_start": "date",
        "event_time": "integer",
        "inference": "varchar",
        "estimate_pct": "double",
        "ci_low_pct": "double",
        "ci_high_pct": "double",
        "estimate": "double",
        "ci_low": "double",
        "ci_high": "double",
        "treated_pre_mean": "double",
        "n_obs": "integer",
        "n_controls": "integer",
    },
    "inference_calibration": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "model": "varchar",
        "method": "varchar",
        "unit": "varchar",
        "n_fake_studies": "integer",
        "rejections_05": "integer",
        "rejection_rate_05": "double",
        "rejection_rate_10": "double",
        "coverage_zero": "double",
        "median_width_pct": "double",
        "band_high_05": "double",
        "holds": "boolean",
        "recommended": "boolean",
    },
    "synthetic_weights": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "model": "varchar",
        "kind": "varchar",
        "county_code": "varchar",
        "period_start": "date",
        "weight": "double",
    },
    "synthetic_paths": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "model": "varchar",
        "county_code": "varchar",
        "role": "varchar",
        "period_start": "date",
        "post": "boolean",
        "outcome": "double",
        "synthetic": "double",
        "gap": "double",
        "estimate": "double",
    },
    "sensitivity": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "model": "varchar",
        "restriction": "varchar",
        "inference": "varchar",
        "m": "double",
        "m_pct": "double",
        "estimate": "double",
        "lower": "double",
        "upper": "double",
        "ci_low": "double",
        "ci_high": "double",
        "estimate_pct": "double",
        "lower_pct": "double",
        "upper_pct": "double",
        "ci_low_pct": "double",
        "ci_high_pct": "double",
        "covers_zero": "boolean",
        "breakdown": "double",
        "breakdown_pct": "double",
        "n_controls": "integer",
    },
}


Schemas = dict[str, dict[str, str]]


def _create(table: str, columns: dict[str, str]) -> str:
    """create or replace table with the declared columns."""
    listed = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
    return f"create or replace table {SCHEMA}.{table} ({listed})"


def _insert(table: str, columns: dict[str, str], view: str) -> str:
    """insert the registered DataFrame, cast to the declared types."""
    casts = ", ".join(f'cast("{name}" as {kind})' for name, kind in columns.items())
    return f"insert into {SCHEMA}.{table} select {casts} from {view}"


def write_tables(
    db_path: Path, frames: dict[str, pd.DataFrame], schemas: Schemas = TABLES
) -> dict[str, int]:
    """Replace each table with its DataFrame (NaN as NULL) in one transaction; returns rows per table."""
    unknown = set(frames) - set(schemas)
    if unknown:
        raise ValueError(f"no schema for table(s) {sorted(unknown)}")
    connection = duckdb.connect(str(db_path))
    written = {}
    try:
        connection.execute("begin transaction")
    except BaseException:
        connection.close()
        raise
    try:
        for table, data in frames.items():
            columns = schemas[table]
            data = data.reindex(columns=list(columns))
            for column, kind in columns.items():
                if kind == "date":
                    data[column] = pd.to_datetime(data[column])
                elif kind == "varchar":
                    data[column] = data[column].astype(object)
                elif kind == "boolean":
                    data[column] = data[column].astype("boolean")
                else:
                    data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
            view = f"_{table}_rows"
            connection.register(view, data)
            connection.execute(_create(table, columns))
            connection.execute(_insert(table, columns, view))
            connection.unregister(view)
            written[table] = len(data)
        connection.execute("commit")
    except BaseException:
        connection.execute("rollback")
        raise
    finally:
        connection.close()
    return written
