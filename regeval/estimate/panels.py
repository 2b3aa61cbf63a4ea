"""The study configuration and the materialised panels estimation reads, as DataFrames."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from regeval import warehouse

ESTIMATION_ROLES = ("treated", "control")

# What estimation reads of each input relation: (columns, filter).
QUERIES = {
    "studies": (
        "study_id, intervention_month, earlier_intervention_month, placebo_start, placebo_end",
        "design = 'single_county'",
    ),
    "study_periods": (
        (
            "study_id, outcome_id, period_start, in_pre, in_post, in_span, in_pre_intervention, "
            "before_intervention, before_first_intervention, in_placebo_window"
        ),
        "true",
    ),
    "county_panel": (
        (
            "study_id, outcome_id, period_start, county_code, role, "
            "numerator, denominator, rate, rate_scale"
        ),
        "role in ('treated', 'control')",
    ),
    "study_panel": (
        "study_id, outcome_id, period_start, grp, rate",
        "grp in ('treated', 'control')",
    ),
    "cell_panel": (
        "study_id, outcome_id, period_start, county_code, role, cell, numerator, denominator",
        "role in ('treated', 'control')",
    ),
}
ORDER = {"studies": "study_id"}
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
    study_periods: pd.DataFrame
    county_panel: pd.DataFrame
    study_panel: pd.DataFrame
    cell_panel: pd.DataFrame
    # The roll-out studies' inputs (regeval.estimate.rollout.rollout_inputs).
    rollout: dict[str, pd.DataFrame]


def _as_days(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns as second-resolution datetimes (pandas has no day resolution)."""
    for column in DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return frame


def inputs_from(relations: Mapping[str, duckdb.DuckDBPyRelation]) -> Inputs:
    """The estimation inputs from a relation per input name (dbt.ref(...) in the estimation model).

    Without the roll-out relations (rollout.RELATIONS) there are no roll-out studies to estimate.
    """
    from regeval.estimate.rollout import RELATIONS, empty_inputs, rollout_inputs

    frames = {}
    for name, (columns, condition) in QUERIES.items():
        relation = relations[name].filter(condition).project(columns)
        if name in ORDER:
            relation = relation.order(ORDER[name])
        frames[name] = _as_days(relation.df())
    has_rollout = all(name in relations for name in RELATIONS)
    return Inputs(**frames, rollout=rollout_inputs(relations) if has_rollout else empty_inputs())


def read_inputs(db_path: Path) -> Inputs:
    """The estimation inputs from the tables of those names in a DuckDB file (read-only)."""
    from regeval.estimate.rollout import RELATIONS

    if not Path(db_path).exists():
        raise FileNotFoundError(f"no DuckDB file at {db_path}")
    config = warehouse.study_config_schema()
    schemas = {"studies": config, "study_units": config}
    with duckdb.connect(str(db_path), read_only=True) as connection:
        present = {
            name
            for name in {*QUERIES, *RELATIONS}
            if name in warehouse.table_names(connection, schemas.get(name, warehouse.ANALYST))
        }
        return inputs_from(
            {
                name: connection.table(f"{schemas.get(name, warehouse.ANALYST)}.{name}")
                for name in present
            }
        )
