"""The dbt models' county-month outcome tables equal the hand-written floor (scripts/floor.py) row by row."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

from regeval.paths import PROJECT_DIR

COMPARED = {
    "floor_jobseekers": (
        "int_jobseekers__county_months",
        "outcome_id, period_start, county_code, numerator, denominator",
    ),
    "floor_jobseeker_cells": (
        "int_jobseeker_cells__county_months",
        "outcome_id, period_start, county_code, cell, numerator, denominator",
    ),
    "floor_aap": (
        "int_aap__county_months",
        "outcome_id, period_start, county_code, numerator, denominator",
    ),
}


def _floor_module():
    """scripts/floor.py as a module."""
    spec = importlib.util.spec_from_file_location("floor", PROJECT_DIR / "scripts" / "floor.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def compared(small_register: Path, built_db: Path):
    """A connection with the floor's tables built on the small register and the dbt database attached as `built`."""
    connection = duckdb.connect()
    _floor_module().build(connection, small_register)
    connection.execute("attach ? as built (read_only)", [str(built_db)])
    yield connection
    connection.close()


def _relation(connection: duckdb.DuckDBPyConnection, name: str) -> str:
    """The dbt relation of that name in whichever schema of the built database holds it."""
    (schema,) = connection.execute(
        "select table_schema from information_schema.tables "
        "where table_catalog = 'built' and table_name = ?",
        [name],
    ).fetchone()
    return f'built."{schema}"."{name}"'


@pytest.mark.parametrize("floor_table", list(COMPARED))
def test_dbt_table_equals_the_floor_row_by_row(compared, floor_table: str) -> None:
    """Same rows, same values (exact: counts and denominators are whole numbers), both ways."""
    model, columns = COMPARED[floor_table]
    relation = _relation(compared, model)
    n_floor = compared.execute(f"select count(*) from {floor_table}").fetchone()[0]
    n_dbt = compared.execute(f"select count(*) from {relation}").fetchone()[0]
    assert n_floor == n_dbt > 1000
    only_floor = compared.execute(
        f"select {columns} from {floor_table} except all select {columns} from {relation} limit 5"
    ).fetchall()
    only_dbt = compared.execute(
        f"select {columns} from {relation} except all select {columns} from {floor_table} limit 5"
    ).fetchall()
    assert only_floor == [] and only_dbt == []


def test_floor_counts_every_outcome(compared) -> None:
    """Every outcome has events somewhere, so the equality above is not between empty columns."""
    for floor_table in COMPARED:
        empty = compared.execute(
            f"select outcome_id from {floor_table} group by outcome_id having sum(numerator) = 0"
        ).fetchall()
        assert empty == []
