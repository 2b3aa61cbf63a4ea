"""The estimate tables' columns and types, read from their one home (the contracts in the marts' yml), and the rows the estimation model hands to dbt."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math

import numpy as np
import pandas as pd
import yaml

from regeval.paths import PROJECT_DIR

CONTRACTS = PROJECT_DIR / "models" / "marts" / "estimates" / "_estimates__models.yml"
ROW_COLUMNS = ("estimate_table", "row_order", "row_values")


@functools.cache
def columns() -> dict[str, dict[str, str]]:
    """{table: {column: data_type}} of every estimate table, in contract order."""
    models = yaml.safe_load(CONTRACTS.read_text(encoding="utf-8"))["models"]
    return {
        model["name"]: {column["name"]: column["data_type"] for column in model["columns"]}
        for model in models
    }


def _plain(value: object) -> object:
    """A cell as a JSON value: NULL for NaN, NaT and None; dates as YYYY-MM-DD; infinities as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, np.datetime64)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return None
        # JSON has no infinity: the text 'inf' / '-inf', which the cast to double reads back.
        return float(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    return str(value)


def as_rows(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every row of every estimate table as (estimate_table, row_order, row_values: a JSON object).

    The marts in models/marts/estimates/ cast the values back to their contracts' types; floats
    are written with Python's shortest round-trip repr, so they come back bit for bit.
    """
    contracts = columns()
    unknown = sorted(set(frames) - set(contracts))
    if unknown:
        raise ValueError(f"no contract in {CONTRACTS.name} for estimate table(s) {unknown}")
    records = []
    for table, frame in frames.items():
        extra = sorted(set(frame.columns) - set(contracts[table]))
        if extra:
            raise ValueError(
                f"{table}: column(s) {extra} are not in its contract ({CONTRACTS.name})"
            )
        names = [name for name in contracts[table] if name in frame.columns]
        for order, values in enumerate(zip(*(frame[name].tolist() for name in names), strict=True)):
            row = {name: _plain(value) for name, value in zip(names, values, strict=True)}
            records.append((table, order, json.dumps(row, allow_nan=False)))
    return pd.DataFrame.from_records(records, columns=list(ROW_COLUMNS)).astype(
        {"estimate_table": object, "row_order": "int64", "row_values": object}
    )
