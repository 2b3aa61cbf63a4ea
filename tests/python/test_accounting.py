"""Row accounting: every register row read is used by each outcome family or left out with a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import copy_project

from regeval.dbt import run_dbt
from regeval.validate import contract


@pytest.fixture()
def accounting(db: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The row_accounting table of the built database."""
    return db.execute("select * from row_accounting").df()


def file_rows(data_dir: Path, table: str, condition: str = "true") -> int:
    """Rows of a register parquet file that meet a condition, counted straight from the file."""
    path = data_dir / f"{table}.parquet"
    return (
        duckdb.connect()
        .execute(f"select count(*) from read_parquet('{path}') where {condition}")
        .fetchone()[0]
    )


def test_rows_read_are_the_file_rows(accounting: pd.DataFrame, small_register: Path) -> None:
    """rows_read of every register table is the row count of its file."""
    read = accounting.groupby("source_table")["rows_read"].agg(["min", "max"])
    assert set(read.index) == set(contract())
    for table, row in read.iterrows():
        assert row["min"] == row["max"] == file_rows(small_register, table), table


def test_read_is_used_plus_left_out(accounting: pd.DataFrame) -> None:
    """For every table and family the rows read are the rows used plus the rows left out, and every reason is named."""
    families = accounting.groupby(["source_table", "outcome_family"]).agg(
        rows_read=("rows_read", "max"),
        rows_used=("rows_used", "max"),
        rows_left_out=("rows_left_out", "sum"),
    )
    assert (families["rows_read"] == families["rows_used"] + families["rows_left_out"]).all()
    assert (families["rows_used"] > 0).all()
    assert accounting.loc[accounting["rows_left_out"] > 0, "reason"].notna().all()


def left_out(accounting: pd.DataFrame, table: str, family: str, reason_start: str) -> int:
    """The rows of a table and family left out for the reason that starts with the given text."""
    rows = accounting[
        (accounting["source_table"] == table)
        & (accounting["outcome_family"] == family)
        & accounting["reason"].fillna("").str.startswith(reason_start)
    ]
    return int(rows["rows_left_out"].sum())


def test_transferred_persons_left_out(accounting: pd.DataFrame, small_register: Path) -> None:
    """Every AAP month of a person moved from the old schemes is left out of the AAP inflow, counted from the file."""
    path = small_register / "aap_months.parquet"
    expected = file_rows(
        small_register,
        "aap_months",
        f"person_id in (select person_id from read_parquet('{path}') where transferred_from_old_scheme)",
    )
    assert (
        left_out(accounting, "aap_months", "aap_inflow", "person moved to AAP from the old schemes")
        == expected
    )


def test_months_outside_the_countable_months_left_out_of_new_jobseekers(
    accounting: pd.DataFrame, small_register: Path
) -> None:
    """Job-seeker rows of the first two and the last three months of data cannot be counted as new."""
    path = small_register / "jobseeker_months.parquet"
    expected = file_rows(
        small_register,
        "jobseeker_months",
        f"month < (select min(month) + interval 2 month from read_parquet('{path}')) "
        f"or month > (select max(month) - interval 3 month from read_parquet('{path}'))",
    )
    assert left_out(
        accounting, "jobseeker_months", "new_jobseekers", "month outside the countable months"
    ) == (expected)


def test_counties_outside_the_study_left_out(
    small_register: Path, built_db: Path, tmp_path: Path
) -> None:
    """Job-seeker rows in counties outside every job-seeker study are left out of the stock, counted
    from the file. Every county is in a shipped job-seeker study, so the roll-out's Jun 2013 cohort
    (14, 15) is taken out of the study seeds and the models between them and row_accounting rebuilt."""
    project = copy_project(tmp_path / "project")
    units = project / "seeds" / "studies" / "study_units.csv"
    lines = units.read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = [
        line
        for line in lines
        if line.startswith(("rollout_2012_jobseekers,14,", "rollout_2012_jobseekers,15,"))
    ]
    assert len(dropped) == 2
    units.write_text("".join(line for line in lines if line not in dropped), encoding="utf-8")
    db_file = tmp_path / "regeval.duckdb"
    shutil.copyfile(built_db, db_file)
    settings = {
        "db_path": db_file,
        "data_dir": small_register,
        "quiet": True,
        "project_dir": project,
    }
    run_dbt(["seed", "--select", "study_units"], target_dir=tmp_path / "target", **settings)
    run_dbt(
        ["run", "--select", "study_units+,+row_accounting"],
        target_dir=tmp_path / "target",
        **settings,
    )
    with duckdb.connect(str(db_file), read_only=True) as con:
        rebuilt = con.execute("select * from row_accounting").df()
    expected = file_rows(small_register, "jobseeker_months", "county_code in ('14', '15')")
    assert expected > 0
    reason = "county outside every study"
    assert left_out(rebuilt, "jobseeker_months", "jobseeker_stock", reason) == expected
    # In the shipped configuration no job-seeker row is left out for that reason.
    with duckdb.connect(str(built_db), read_only=True) as con:
        shipped = con.execute("select * from row_accounting").df()
    assert left_out(shipped, "jobseeker_months", "jobseeker_stock", reason) == 0


def test_pending_applications_left_out_of_rejections(
    accounting: pd.DataFrame, small_register: Path
) -> None:
    """Pending applications (of persons not moved from the old schemes) are left out of the rejection percent."""
    months = small_register / "aap_months.parquet"
    expected = file_rows(
        small_register,
        "aap_applications",
        "decision = 'pending' and person_id not in "
        f"(select person_id from read_parquet('{months}') where transferred_from_old_scheme)",
    )
    assert left_out(accounting, "aap_applications", "aap_rejection_pct", "pending") == expected


@pytest.mark.parametrize(
    ("family", "study", "outcomes"),
    [
        (
            "jobseeker_stock",
            "hedmark_2014_jobseekers",
            ["jobseekers_dagpenger", "jobseekers_no_dagpenger"],
        ),
        (
            "new_jobseekers",
            "hedmark_2014_jobseekers",
            ["new_jobseekers_dagpenger", "new_jobseekers_no_dagpenger"],
        ),
        ("aap_inflow", "hedmark_2014_aap", ["aap_inflow_total"]),
    ],
)
def test_rows_used_reach_the_panels(
    db: duckdb.DuckDBPyConnection,
    accounting: pd.DataFrame,
    family: str,
    study: str,
    outcomes: list[str],
) -> None:
    """The rows a family uses are the events counted in the treated and control counties of county_panel,
    over every study with the outcomes (each county-period once: Study A and the roll-out study share
    the job-seeker outcomes)."""
    source = "aap_months" if family == "aap_inflow" else "jobseeker_months"
    used = accounting.loc[
        (accounting["source_table"] == source) & (accounting["outcome_family"] == family),
        "rows_used",
    ].max()
    placeholders = ", ".join("?" for _ in outcomes)
    counted = db.execute(
        "select sum(numerator) from (select distinct outcome_id, period_start, county_code, numerator "
        f"from county_panel where outcome_id in ({placeholders}) and role in ('treated', 'control') "
        "and study_id in (select study_id from study_config.studies where domain = "
        "(select domain from study_config.studies where study_id = ?)))",
        [*outcomes, study],
    ).fetchone()[0]
    assert used == counted
