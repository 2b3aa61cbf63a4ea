"""Bad input: every case of DATA_CONTRACT.md's "What counts as bad input" is reported with table, column, rows and examples."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from regeval.validate import (
    BadInputError,
    Problem,
    contract,
    key_columns,
    validate_structure,
    validate_values,
)

TABLES = (
    "jobseeker_months",
    "labour_force_months",
    "population_years",
    "sickness_benefit_exhaustions",
    "aap_months",
    "aap_applications",
    "sick_leave_quarters",
)


def pick(condition: str, n: int, offset: int, order: str) -> str:
    """A condition selecting n rows of table t (in a fixed order) that meet a condition."""
    return f"rowid in (select rowid from t where {condition} order by {order} limit {n} offset {offset})"


JOBSEEKER_ORDER = "person_id, month"
APPLICATION_ORDER = "application_id"
GRANTED = "decision = 'granted'"
DECIDED = "decision <> 'pending'"
PENDING = "decision = 'pending'"

# Independent violations, each in rows of its own; (table, SQL on table t).
VALUE_CORRUPTIONS = [
    (
        "jobseeker_months",
        f"update t set education = null where {pick('true', 3, 100, JOBSEEKER_ORDER)}",
    ),
    (
        "jobseeker_months",
        f"update t set gender = 'X' where {pick('true', 2, 200, JOBSEEKER_ORDER)}",
    ),
    (
        "jobseeker_months",
        f"update t set education = 'phd' where {pick('true', 2, 300, JOBSEEKER_ORDER)}",
    ),
    (
        "jobseeker_months",
        f"update t set jobseeker_status = 'retired' where {pick('true', 2, 400, JOBSEEKER_ORDER)}",
    ),
    (
        "jobseeker_months",
        f"update t set birth_year = year(month) - 90 where {pick('true', 2, 500, JOBSEEKER_ORDER)}",
    ),
    (
        "jobseeker_months",
        f"update t set spell_start = month + 10 where {pick('true', 3, 600, JOBSEEKER_ORDER)}",
    ),
    (
        "jobseeker_months",
        f"insert into t select * from t where {pick('true', 2, 0, JOBSEEKER_ORDER)}",
    ),
    ("labour_force_months", "delete from t where county_code = '05' and month = date '2012-06-01'"),
    (
        "labour_force_months",
        (
            "update t set labour_force = case county_code when '06' then 0 else -5 end "
            "where county_code in ('06', '07') and month = date '2012-06-01'"
        ),
    ),
    (
        "population_years",
        "update t set population = 0 where county_code = '03' and year = 2011 and age_group = '18-29'",
    ),
    (
        "population_years",
        "update t set age_group = '67+' where county_code = '01' and year = 2010 and age_group = '18-29'",
    ),
    ("population_years", "delete from t where county_code = '20' and year = 2013"),
    ("aap_months", f"update t set person_id = null where {pick('true', 1, 100, JOBSEEKER_ORDER)}"),
    (
        "aap_months",
        f"update t set month = month + 14 where {pick('true', 1, 200, JOBSEEKER_ORDER)}",
    ),
    (
        "aap_applications",
        f"update t set decision = 'maybe' where {pick(GRANTED, 1, 10, APPLICATION_ORDER)}",
    ),
    (
        "aap_applications",
        (
            "update t set decision_month = cast(received_month - interval 2 month as date) "
            f"where {pick(DECIDED, 2, 100, APPLICATION_ORDER)}"
        ),
    ),
    (
        "aap_applications",
        f"update t set decision_month = received_month where {pick(PENDING, 2, 0, APPLICATION_ORDER)}",
    ),
    (
        "aap_applications",
        (
            "update t set application_id = (select min(application_id) from t) "
            f"where {pick('true', 1, 500, APPLICATION_ORDER)}"
        ),
    ),
    (
        "sick_leave_quarters",
        "update t set county_code = '13' where county_code = '01' and quarter_start = date '2012-01-01'",
    ),
    (
        "sick_leave_quarters",
        (
            "update t set sick_leave_pct = case county_code when '02' then 150 else -1 end "
            "where county_code in ('02', '03') and quarter_start = date '2012-04-01'"
        ),
    ),
]


# Implausible values the contract's bounds refuse (checked by test_bound_reported).
BOUND_CORRUPTIONS = [
    (
        "labour_force_months",
        (
            "update t set labour_force = 9223372036854775807 "
            "where county_code = '08' and month = date '2012-06-01'"
        ),
    ),
    (
        "population_years",
        (
            "update t set population = 20000000 where county_code = '09' and year = 2012 "
            "and age_group = '30-66'"
        ),
    ),
    (
        "labour_force_months",
        "insert into t values ('10', date '2030-01-01', 50000)",
    ),
    (
        "jobseeker_months",
        (
            "insert into t select * replace (date '2030-01-01' as month, 1980 as birth_year, "
            f"date '2030-01-01' as spell_start, '10' as county_code) from t where {pick('true', 1, 0, JOBSEEKER_ORDER)}"
        ),
    ),
    (
        "sick_leave_quarters",
        (
            "update t set quarter_start = date '1999-01-01' "
            "where county_code = '04' and quarter_start = date '2012-01-01'"
        ),
    ),
]


def corrupt(source: Path, target: Path, corruptions: list[tuple[str, str]]) -> Path:
    """A copy of a register extract with SQL statements applied to some of its tables (as parquet)."""
    shutil.copytree(source, target)
    connection = duckdb.connect()
    try:
        for table in dict.fromkeys(table for table, _ in corruptions):
            path = target / f"{table}.parquet"
            connection.execute(f"create or replace table t as select * from read_parquet('{path}')")
            for _, statement in (c for c in corruptions if c[0] == table):
                connection.execute(statement)
            connection.execute(f"copy t to '{path}' (format parquet)")
    finally:
        connection.close()
    return target


def count(data_dir: Path, table: str, condition: str) -> int:
    """Rows of a register file that meet a condition."""
    path = data_dir / f"{table}.parquet"
    return (
        duckdb.connect()
        .execute(f"select count(*) from read_parquet('{path}') where {condition}")
        .fetchone()[0]
    )


@pytest.fixture(scope="module")
def bad_values(small_register: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small register with one violation of every value rule."""
    return corrupt(
        small_register,
        tmp_path_factory.mktemp("bad") / "register",
        VALUE_CORRUPTIONS + BOUND_CORRUPTIONS,
    )


@pytest.fixture(scope="module")
def value_messages(bad_values: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The messages of the register source tests on the corrupted register (one dbt run)."""
    assert validate_structure(bad_values) == []
    return [str(p) for p in validate_values(bad_values, tmp_path_factory.mktemp("validate"))]


def matching(messages: list[str], prefix: str) -> str:
    """The one message that starts with a prefix."""
    found = [m for m in messages if m.startswith(prefix)]
    assert len(found) == 1, f"{prefix!r} not reported once in:\n" + "\n".join(messages)
    return found[0]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "duplicate key",
            "jobseeker_months.(person_id, month) duplicate key: 4 rows, e.g. person_id=",
        ),
        (
            "duplicate application",
            "aap_applications.application_id duplicate key: 2 rows, e.g. application_id=",
        ),
        ("NULL", "jobseeker_months.education is NULL: 3 rows, e.g. person_id="),
        ("NULL key", "aap_months.person_id is NULL: 1 row, e.g. person_id=NULL month="),
        (
            "county code",
            "sick_leave_quarters.county_code not a valid county code: 1 row, e.g. county_code=13",
        ),
        ("gender", "jobseeker_months.gender outside {F, M}: 2 rows, e.g. person_id="),
        (
            "education",
            "jobseeker_months.education outside {primary, secondary, tertiary, unknown}: 2 rows",
        ),
        (
            "jobseeker_status",
            "jobseeker_months.jobseeker_status outside {fully_unemployed, partially_unemployed, programme}: 2 rows",
        ),
        (
            "decision",
            "aap_applications.decision outside {granted, rejected, pending}: 1 row, e.g. application_id=",
        ),
        (
            "age_group",
            "population_years.age_group outside {18-29, 30-66}: 1 row, e.g. county_code=01 year=2010",
        ),
        ("birth_year", "jobseeker_months.birth_year gives an age outside 15-80: 2 rows"),
        (
            "labour force",
            "labour_force_months.labour_force not positive: 2 rows, e.g. county_code=06",
        ),
        (
            "population",
            "population_years.population not positive: 1 row, e.g. county_code=03 year=2011",
        ),
        (
            "sick_leave_pct",
            "sick_leave_quarters.sick_leave_pct outside 0-100: 2 rows, e.g. county_code=02",
        ),
        ("spell_start", "jobseeker_months.spell_start after month: 3 rows, e.g. person_id="),
        ("decision_month", "aap_applications.decision_month before received_month: 2 rows"),
        (
            "pending",
            "aap_applications.decision_month set while pending, or missing for a decided application: 2 rows",
        ),
        ("first of month", "aap_months.month not the first day of a month: 1 row"),
    ],
)
def test_value_rule_reported(value_messages: list[str], case: str, expected: str) -> None:
    """Each broken value rule gives one message with table, column, row count and examples."""
    prefix = expected.split(":")[0]
    message = matching(value_messages, prefix)
    assert message.startswith(expected), case
    assert ", e.g. " in message


@pytest.mark.parametrize(
    "expected",
    [
        (
            "labour_force_months.labour_force 10,000,000 or more (implausible for a county): 1 row, "
            "e.g. county_code=08 month=2012-06-01 labour_force=9223372036854775807"
        ),
        (
            "population_years.population 10,000,000 or more (implausible for a county): 1 row, "
            "e.g. county_code=09 year=2012 age_group=30-66 population=20000000"
        ),
        "labour_force_months.month beside a gap of more than 12 months (an isolated period): ",
        "jobseeker_months.month beside a gap of more than 12 months (an isolated period): ",
        (
            "sick_leave_quarters.quarter_start outside the register period 2000-01-01 to 2030-12-31: "
            "1 row, e.g. county_code=04 quarter_start=1999-01-01"
        ),
    ],
)
def test_bound_reported(value_messages: list[str], expected: str) -> None:
    """Implausible counts and months outside the register period or after a long gap are refused, with the rows."""
    message = matching(value_messages, expected.split(":")[0])
    assert message.startswith(expected)
    if "isolated" in expected:
        # Both sides of the gap: the last month of the generated data (2015-12) and the stray one.
        assert ", e.g. month=2015-12-01 (" in message
        assert message.endswith("; month=2030-01-01")


def test_missing_labour_force_row_reported(value_messages: list[str], bad_values: Path) -> None:
    """A county-month of jobseeker_months without its labour_force_months row names the rows and the county-month."""
    n_rows = count(
        bad_values, "jobseeker_months", "county_code = '05' and month = date '2012-06-01'"
    )
    message = matching(value_messages, "jobseeker_months.(county_code, month) county-month without")
    assert f"row: {n_rows:,} rows, e.g. county_code=05 month=2012-06-01 ({n_rows} rows)" in message


def test_missing_population_rows_reported(value_messages: list[str], bad_values: Path) -> None:
    """County-years without population_years rows are reported for every table that needs them."""
    n_rows = count(
        bad_values,
        "sickness_benefit_exhaustions",
        "county_code = '20' and year(exhaustion_month) = 2013",
    )
    message = matching(
        value_messages, "sickness_benefit_exhaustions.exhaustion_month county-year without"
    )
    assert message.endswith(f": {n_rows:,} rows, e.g. county_code=20 year=2013 ({n_rows} rows)")
    matching(value_messages, "aap_months.month county-year without population_years rows")
    matching(
        value_messages, "aap_applications.received_month county-year without population_years rows"
    )


def test_examples_show_key_and_offending_columns(value_messages: list[str]) -> None:
    """Examples show the table's key and the columns of the rule, at most five."""
    message = matching(value_messages, "jobseeker_months.spell_start after month")
    examples = message.split(", e.g. ")[1].split("; ")
    assert len(examples) == 3
    assert all(
        e.split()[0].startswith("person_id=") and " month=" in e and " spell_start=" in e
        for e in examples
    )
    pending = matching(value_messages, "aap_applications.decision_month set while pending")
    assert "decision=pending" in pending


def test_clean_register_passes(small_register: Path) -> None:
    """The generated register breaks no structure rule."""
    assert validate_structure(small_register) == []


def to_csv(path: Path, select: str) -> None:
    """Write a parquet file's rows (through a SELECT over table t) as CSV beside it and drop the parquet."""
    connection = duckdb.connect()
    connection.execute("create table t as select * from read_parquet(?)", [str(path)])
    connection.execute(
        f"copy ({select}) to ? (format csv, header true)", [str(path.with_suffix(".csv"))]
    )
    connection.close()
    path.unlink()


@pytest.fixture(scope="module")
def bad_structure(small_register: Path, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Messages of the structure check on a register with a missing table, missing, extra and mistyped columns, bad CSVs."""
    target = tmp_path_factory.mktemp("structure") / "register"
    shutil.copytree(small_register, target)
    (target / "population_years.parquet").unlink()
    connection = duckdb.connect()
    rewrites = {
        "jobseeker_months": "select * exclude (spell_start) from t",
        "labour_force_months": "select cast(county_code as integer) as county_code, month, labour_force from t",
        "aap_months": "select * replace (cast(month as varchar) as month) from t",
        "sick_leave_quarters": "select *, 'x' as note from t",
    }
    for table, select in rewrites.items():
        path = target / f"{table}.parquet"
        connection.execute(f"create or replace table t as select * from read_parquet('{path}')")
        connection.execute(f"copy ({select}) to '{path}' (format parquet)")
    connection.close()
    to_csv(
        target / "aap_applications.parquet",
        "select * replace (case when application_id in (select application_id from t order by 1 limit 2) "
        "then 'soon' else cast(received_month as varchar) end as received_month) from t",
    )
    to_csv(
        target / "sickness_benefit_exhaustions.parquet",
        "select exhaustion_month, person_id, county_code, birth_year from t",
    )
    return [str(p) for p in validate_structure(target)]


@pytest.mark.parametrize(
    "expected",
    [
        "population_years missing: no file population_years.parquet or population_years.csv in ",
        "jobseeker_months.spell_start missing column",
        "labour_force_months.county_code has type INTEGER, expected VARCHAR",
        "aap_months.month has type VARCHAR, expected DATE",
        "sick_leave_quarters.note is not a column of the contract (extra column)",
        "aap_applications.received_month does not read as DATE: 2 rows, e.g. application_id=",
        "sickness_benefit_exhaustions CSV columns in the order exhaustion_month, person_id, county_code, birth_year;",
    ],
)
def test_structure_problem_reported(bad_structure: list[str], expected: str) -> None:
    """Missing files, missing, extra or mistyped columns and unreadable CSV values are caught before dbt runs."""
    matching(bad_structure, expected)


def test_csv_register_passes(small_register: Path, tmp_path: Path) -> None:
    """A table given as CSV with the contract's header passes the structure check (parquet wins over CSV)."""
    target = tmp_path / "register"
    shutil.copytree(small_register, target)
    to_csv(target / "aap_applications.parquet", "select * from t")
    assert validate_structure(target) == []


def test_contract_read_from_source_yaml() -> None:
    """The structure contract and the keys come from the register source YAML."""
    tables = contract()
    assert set(tables) == set(TABLES)
    assert ("spell_start", "DATE") in tables["jobseeker_months"]
    assert key_columns()["jobseeker_months"] == ["person_id", "month"]
    assert key_columns()["aap_applications"] == ["application_id"]


def test_problem_text() -> None:
    """A problem prints as one line; the error lists every problem, one per line."""
    problem = Problem(
        "jobseeker_months",
        "spell_start",
        "after month",
        4,
        ("person_id=123 month=2013-04-01 spell_start=2013-05-11",),
    )
    assert str(problem) == (
        "jobseeker_months.spell_start after month: 4 rows, e.g. person_id=123 month=2013-04-01 spell_start=2013-05-11"
    )
    error = BadInputError([problem, Problem("population_years", None, "missing: no file")])
    assert str(error).splitlines() == [str(problem), "population_years missing: no file"]


def test_non_utf8_csv_named(small_register: Path, tmp_path: Path) -> None:
    """A CSV that is not UTF-8 gives one message naming the table, the file and where the bad byte is."""
    target = tmp_path / "register"
    shutil.copytree(small_register, target)
    to_csv(target / "aap_applications.parquet", "select * from t order by application_id")
    path = target / "aap_applications.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"granted", b"gr\xe6nted").replace(b"rejected", b"rej\xe6cted")
    lines[2] = lines[2].replace(b"pending", b"p\xe6nding")
    path.write_bytes(b"\n".join(lines))
    offset = len(lines[0]) + len(lines[1]) + 2 + lines[2].index(b"\xe6")
    problems = [str(p) for p in validate_structure(target)]
    assert problems == [
        (
            f"aap_applications is not UTF-8 (aap_applications.csv: byte 0xe6 at byte {offset:,}, "
            "line 3); save the file as UTF-8"
        )
    ]


@pytest.mark.parametrize("kind", ["parquet", "csv header only", "csv empty file"])
def test_table_without_rows_refused(small_register: Path, tmp_path: Path, kind: str) -> None:
    """A register file with no rows is refused by the structure check, naming the table."""
    target = tmp_path / "register"
    shutil.copytree(small_register, target)
    path = target / "sickness_benefit_exhaustions.parquet"
    if kind == "parquet":
        connection = duckdb.connect()
        connection.execute("create table t as select * from read_parquet(?)", [str(path)])
        connection.execute("copy (select * from t limit 0) to ? (format parquet)", [str(path)])
        connection.close()
        name = path.name
    else:
        to_csv(path, "select * from t limit 0")
        name = "sickness_benefit_exhaustions.csv"
        if kind == "csv empty file":
            (target / name).write_bytes(b"")
    assert [str(p) for p in validate_structure(target)] == [
        f"sickness_benefit_exhaustions has no rows ({name}): every register table needs rows"
    ]


def test_missing_directory_is_one_line(tmp_path: Path) -> None:
    """validate on a directory that does not exist says so once, not once per table."""
    assert [str(p) for p in validate_structure(tmp_path / "nowhere")] == [
        f"register extract not found: {tmp_path / 'nowhere'} is not a directory"
    ]


def test_extract_directory_with_quotes(small_register: Path, tmp_path: Path) -> None:
    """A register directory whose name holds a quote is read as a path, parquet and CSV alike."""
    target = tmp_path / "it's the extract"
    shutil.copytree(small_register, target)
    to_csv(target / "aap_applications.parquet", "select * from t")
    assert validate_structure(target) == []


def test_validate_command_on_missing_directory(tmp_path: Path) -> None:
    """`regeval validate` on a directory that does not exist prints one line and exits with 1."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "regeval.cli", "validate", "--data", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"regeval: error: register extract not found: {tmp_path / 'nowhere'} is not a directory"
    ]
