"""Read the study configuration and the materialised panels from DuckDB (read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

ESTIMATION_ROLES = ("treated", "control")

QUERIES = {
    "studies": """
        select study_id, intervention_month, earlier_intervention_month, placebo_start, placebo_end
        from main.studies
        where design = 'single_county'
        order by study_id
    """,
    "study_windows": """
        select study_id, outcome_id, variant, pre_start, pre_end, post_start, post_end,
            coalesce(calendar_months, '') as calendar_months
        from main.study_windows
        where variant = 'all_months'
    """,
    "county_panel": """
        select study_id, outcome_id, period_start, county_code, role,
            numerator, denominator, rate, rate_scale
        from main.county_panel
        where role in ('treated', 'control')
    """,
    "study_panel": """
        select study_id, outcome_id, period_start, grp, rate
        from main.study_panel
        where grp in ('treated', 'control')
    """,
    "cell_panel": """
        select study_id, outcome_id, period_start, county_code, role, cell, numerator, denominator
        from main.cell_panel
        where role in ('treated', 'control')
    """,
}
OPTIONAL = frozenset({"cell_panel"})
DATE_COLUMNS = (
    "intervention_month",
    "earlier_intervention_month",
    "placebo_start",
    "placebo_end",
    "pre_start",
    "pre_end",
    "post_start",
    "post_end",
    "period_start",
)


@dataclass(frozen=True)
class Inputs:
    """The tables estimation reads, as DataFrames with dates as second-resolution datetimes."""

    studies: pd.DataFrame
    study_windows: pd.DataFrame
    county_panel: pd.DataFrame
    study_panel: pd.DataFrame
    cell_panel: pd.DataFrame


def _as_days(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns as second-resolution datetimes (pandas has no day resolution)."""
    for column in DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


def _tables(connection: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the tables and views in schema main."""
    rows = connection.execute(
        "select table_name from information_schema.tables where table_schema = 'main'"
    ).fetchall()
    return {name for (name,) in rows}


def read_inputs(db_path: Path) -> Inputs:
    """Every input table of the estimation, read through one read-only connection."""
    if not Path(db_path).exists():
        raise FileNotFoundError(f"no DuckDB file at {db_path}: run dbt build first")
    connection = duckdb.connect(str(db_path), read_only=True)
    try:
        present = _tables(connection)
        missing = [name for name in QUERIES if name not in present and name not in OPTIONAL]
        if missing:
            raise RuntimeError(
                f"{db_path}: missing table(s) {', '.join(missing)}: run dbt build first"
            )
        frames = {}
        for name, query in QUERIES.items():
            if name in present:
                frames[name] = _as_days(connection.execute(query).df())
            else:
                frames[name] = _as_days(connection.execute(_empty_cells_query()).df())
    finally:
        connection.close()
    return Inputs(**frames)


def _empty_cells_query() -> str:
    """A query returning no rows with the columns of cell_panel."""
    return """
        select null::varchar as study_id, null::varchar as outcome_id, null::date as period_start,
            null::varchar as county_code, null::varchar as role, null::varchar as cell,
            null::double as numerator, null::double as denominator
        where false
    """
