"""Compare the tables of two DuckDB files: the same columns and types, every key equal, every number to a tolerance."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from regeval.sql import identifier

TOLERANCE = 1e-9
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _columns(
    connection: duckdb.DuckDBPyConnection, schema: str, table: str
) -> list[tuple[str, str]]:
    """(name, type) of every column of schema.table, in order."""
    return [
        (name, str(data_type))
        for name, data_type in connection.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


def _sorted(frame: pd.DataFrame, keys: list[str], numbers: list[str]) -> pd.DataFrame:
    """Rows ordered by the key columns, then the numbers (NULLs last), with a fresh index."""
    order = keys + numbers
    if not order:
        return frame.reset_index(drop=True)
    return frame.sort_values(order, na_position="last", kind="mergesort").reset_index(drop=True)


def compare_table(
    left: duckdb.DuckDBPyConnection,
    right: duckdb.DuckDBPyConnection,
    table: str,
    tolerance: float = TOLERANCE,
    schema: str = "main",
) -> list[str]:
    """The differences of schema.table between two databases (an empty list when they agree).

    Key columns (every column that is not a floating-point number) must be equal row by row
    after sorting, NULL where the other is NULL; numbers must agree to tolerance, absolute or
    relative to their size, with NULL (or NaN) in the same rows.
    """
    columns_left, columns_right = _columns(left, schema, table), _columns(right, schema, table)
    if not columns_left or not columns_right:
        return [f"{table}: missing in {'the first' if not columns_left else 'the second'} database"]
    if columns_left != columns_right:
        return [f"{table}: columns differ: {columns_left} against {columns_right}"]
    keys = [name for name, data_type in columns_left if data_type not in FLOAT_TYPES]
    numbers = [name for name, data_type in columns_left if data_type in FLOAT_TYPES]
    query = f"select * from {identifier(schema)}.{identifier(table)}"
    frame_left = _sorted(left.execute(query).df(), keys, numbers)
    frame_right = _sorted(right.execute(query).df(), keys, numbers)
    if len(frame_left) != len(frame_right):
        return [f"{table}: {len(frame_left)} rows against {len(frame_right)}"]
    problems = []
    for name in keys:
        a, b = frame_left[name], frame_right[name]
        same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy()
        if not same.all():
            row = int(np.argmin(same))
            problems.append(
                f"{table}.{name}: {int((~same).sum())} rows differ (first: {a[row]!r} against {b[row]!r})"
            )
    for name in numbers:
        a = frame_left[name].to_numpy(dtype=float, na_value=np.nan)
        b = frame_right[name].to_numpy(dtype=float, na_value=np.nan)
        close = np.isclose(a, b, rtol=tolerance, atol=tolerance, equal_nan=True)
        if not close.all():
            row = int(np.argmin(close))
            problems.append(
                f"{table}.{name}: {int((~close).sum())} values differ by more than {tolerance} "
                f"(largest {np.nanmax(np.abs(a - b)):.3g}; first: {a[row]!r} against {b[row]!r})"
            )
    return problems


def compare_databases(
    left_path: Path,
    right_path: Path,
    tables: list[tuple[str, str]],
    tolerance: float = TOLERANCE,
) -> list[str]:
    """The differences of the (schema, table) tables between two DuckDB files (an empty list when they agree)."""
    left = duckdb.connect(str(left_path), read_only=True)
    right = duckdb.connect(str(right_path), read_only=True)
    try:
        return [
            problem
            for schema, table in tables
            for problem in compare_table(left, right, table, tolerance, schema)
        ]
    finally:
        left.close()
        right.close()
