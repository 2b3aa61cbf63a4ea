"""Tests of the synthetic register generator against DATA_CONTRACT.md and the planted effects."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from regeval.generate import generate_register

TABLES = {
    "jobseeker_months": [
        ("person_id", "BIGINT"),
        ("month", "DATE"),
        ("county_code", "VARCHAR"),
        ("gender", "VARCHAR"),
        ("birth_year", "INTEGER"),
        ("education", "VARCHAR"),
        ("jobseeker_status", "VARCHAR"),
        ("has_dagpenger", "BOOLEAN"),
        ("spell_start", "DATE"),
    ],
    "labour_force_months": [
        ("county_code", "VARCHAR"),
        ("month", "DATE"),
        ("labour_force", "BIGINT"),
    ],
    "population_years": [
        ("county_code", "VARCHAR"),
        ("year", "INTEGER"),
        ("age_group", "VARCHAR"),
        ("population", "BIGINT"),
    ],
    "sickness_benefit_exhaustions": [
        ("person_id", "BIGINT"),
        ("county_code", "VARCHAR"),
        ("birth_year", "INTEGER"),
        ("exhaustion_month", "DATE"),
    ],
    "aap_months": [
        ("person_id", "BIGINT"),
        ("month", "DATE"),
        ("county_code", "VARCHAR"),
        ("birth_year", "INTEGER"),
        ("transferred_from_old_scheme", "BOOLEAN"),
    ],
    "aap_applications": [
        ("application_id", "BIGINT"),
        ("person_id", "BIGINT"),
        ("county_code", "VARCHAR"),
        ("birth_year", "INTEGER"),
        ("received_month", "DATE"),
        ("decision", "VARCHAR"),
        ("decision_month", "DATE"),
    ],
    "sick_leave_quarters": [
        ("county_code", "VARCHAR"),
        ("quarter_start", "DATE"),
        ("sick_leave_pct", "DOUBLE"),
    ],
}
KEYS = {
    "jobseeker_months": "person_id, month",
    "labour_force_months": "county_code, month",
    "population_years": "county_code, year, age_group",
    "sickness_benefit_exhaustions": "person_id, exhaustion_month",
    "aap_months": "person_id, month",
    "aap_applications": "application_id",
    "sick_leave_quarters": "county_code, quarter_start",
}
MONTH_COLUMNS = {
    "jobseeker_months": ["month"],
    "labour_force_months": ["month"],
    "sickness_benefit_exhaustions": ["exhaustion_month"],
    "aap_months": ["month"],
    "aap_applications": ["received_month", "decision_month"],
    "sick_leave_quarters": ["quarter_start"],
}
COUNTIES = [f"{i:02d}" for i in [*range(1, 13), *range(14, 21)]]
CONTROLS_A = ("01", "03", "05", "06", "07", "08", "16", "17", "18", "19", "20")
PERSON_TABLES = {
    "jobseeker_months": "month",
    "sickness_benefit_exhaustions": "exhaustion_month",
    "aap_months": "month",
    "aap_applications": "received_month",
}
SMALL_SCALE, EFFECT_SCALE = 0.02, 0.3


def connect(directory: Path) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with one view per table of the extract."""
    con = duckdb.connect()
    for table in TABLES:
        con.execute(
            f"create view {table} as select * from read_parquet('{directory / table}.parquet')"
        )
    return con


def one(con: duckdb.DuckDBPyConnection, sql: str):
    """The single value of a query."""
    return con.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small extract."""
    out = tmp_path_factory.mktemp("small")
    generate_register(out, SMALL_SCALE, 7)
    return out


@pytest.fixture(scope="module")
def con(small: Path) -> duckdb.DuckDBPyConnection:
    """Connection to the small extract."""
    return connect(small)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A larger extract for levels and planted effects."""
    out = tmp_path_factory.mktemp("large")
    generate_register(out, EFFECT_SCALE, 2015)
    return connect(out)


def test_summary_and_files(tmp_path: Path) -> None:
    messages: list[str] = []
    summary = generate_register(tmp_path, 0.01, 3, messages.append)
    assert summary["scale"] == 0.01 and summary["seed"] == 3
    assert set(summary["rows"]) == set(TABLES)
    assert all(summary["rows"][t] > 0 for t in TABLES)
    assert summary["seconds"] >= 0
    assert len(messages) >= len(TABLES)
    assert any(m.startswith("jobseeker_months:") for m in messages)
    c = connect(tmp_path)
    for table, n in summary["rows"].items():
        assert one(c, f"select count(*) from {table}") == n
    assert (tmp_path / "truth.json").exists()


@pytest.mark.parametrize("table", list(TABLES))
def test_columns_and_types(small: Path, table: str) -> None:
    rows = duckdb.sql(f"describe select * from read_parquet('{small / table}.parquet')").fetchall()
    assert [(r[0], r[1]) for r in rows] == TABLES[table]


def test_same_seed_same_bytes_other_seed_other_data(small: Path, tmp_path: Path) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    generate_register(again, SMALL_SCALE, 7)
    generate_register(other, SMALL_SCALE, 8)
    for table in TABLES:
        name = f"{table}.parquet"
        assert (small / name).read_bytes() == (again / name).read_bytes(), table
    assert (small / "truth.json").read_bytes() == (again / "truth.json").read_bytes()
    for table in (
        "jobseeker_months",
        "aap_months",
        "aap_applications",
        "sickness_benefit_exhaustions",
        "sick_leave_quarters",
    ):
        assert (small / f"{table}.parquet").read_bytes() != (
            other / f"{table}.parquet"
        ).read_bytes()


@pytest.mark.parametrize("table", list(TABLES))
def test_keys_unique_and_no_nulls(con: duckdb.DuckDBPyConnection, table: str) -> None:
    key = KEYS[table]
    assert one(con, f"select count(*) from {table}") == one(
        con, f"select count(*) from (select distinct {key} from {table})"
    )
    for column, _ in TABLES[table]:
        if (table, column) == ("aap_applications", "decision_month"):
            continue
        assert one(con, f"select count(*) from {table} where {column} is null") == 0, column


@pytest.mark.parametrize("table", list(TABLES))
def test_county_codes(con: duckdb.DuckDBPyConnection, table: str) -> None:
    codes = {r[0] for r in con.execute(f"select distinct county_code from {table}").fetchall()}
    assert codes == set(COUNTIES)


@pytest.mark.parametrize("table", list(MONTH_COLUMNS))
def test_months_are_first_of_month(con: duckdb.DuckDBPyConnection, table: str) -> None:
    for column in MONTH_COLUMNS[table]:
        assert one(con, f"select count(*) from {table} where day({column}) <> 1") == 0
    if table == "sick_leave_quarters":
        assert (
            one(
                con,
                "select count(*) from sick_leave_quarters "
                "where month(quarter_start) not in (1, 4, 7, 10)",
            )
            == 0
        )


def test_domains_and_ages(con: duckdb.DuckDBPyConnection) -> None:
    def values(sql: str) -> set:
        return {r[0] for r in con.execute(sql).fetchall()}

    assert values("select distinct gender from jobseeker_months") == {"F", "M"}
    assert values("select distinct education from jobseeker_months") == {
        "primary",
        "secondary",
        "tertiary",
        "unknown",
    }
    assert values("select distinct jobseeker_status from jobseeker_months") == {
        "fully_unemployed",
        "partially_unemployed",
        "programme",
    }
    assert values("select distinct decision from aap_applications") == {
        "granted",
        "rejected",
        "pending",
    }
    assert values("select distinct age_group from population_years") == {"18-29", "30-66"}
    assert one(con, "select min(year(month) - birth_year) from jobseeker_months") >= 18
    assert one(con, "select max(year(month) - birth_year) from jobseeker_months") <= 66
    for table, column in PERSON_TABLES.items():
        lo, hi = con.execute(
            f"select min(year({column}) - birth_year), max(year({column}) - birth_year) "
            f"from {table}"
        ).fetchone()
        assert lo >= 15 and hi <= 80, table
    assert one(con, "select min(labour_force) from labour_force_months") > 0
    assert one(con, "select min(population) from population_years") > 0
    assert (
        one(
            con,
            "select count(*) from sick_leave_quarters "
            "where sick_leave_pct <= 0 or sick_leave_pct >= 100",
        )
        == 0
    )


def test_periods_and_coverage(con: duckdb.DuckDBPyConnection) -> None:
    def span(sql: str) -> tuple:
        return tuple(str(v) for v in con.execute(sql).fetchone())

    assert span("select min(month), max(month), count(distinct month) from jobseeker_months") == (
        "2006-12-01",
        "2015-12-01",
        "109",
    )
    assert (
        one(con, "select count(*) from (select distinct county_code, month from jobseeker_months)")
        == 19 * 109
    )
    assert span("select min(month), max(month), count(*) from labour_force_months") == (
        "2006-12-01",
        "2015-12-01",
        str(19 * 109),
    )
    assert span("select min(month), max(month), count(distinct month) from aap_months") == (
        "2010-03-01",
        "2015-12-01",
        "70",
    )
    assert span(
        "select min(exhaustion_month), max(exhaustion_month), "
        "count(distinct exhaustion_month) from sickness_benefit_exhaustions"
    ) == ("2010-01-01", "2015-12-01", "72")
    assert span(
        "select min(received_month), max(received_month), "
        "count(distinct received_month) from aap_applications"
    ) == ("2010-03-01", "2015-12-01", "70")
    first, last, n, quarters = (
        con.execute("""select min(quarter_start), max(quarter_start), count(*),
        count(distinct quarter_start) from sick_leave_quarters""").fetchone()
    )
    assert first <= date(2007, 1, 1) and last == date(2015, 10, 1) and n == 19 * quarters
    assert span("select min(year), max(year), count(*) from population_years") == (
        "2006",
        "2015",
        str(19 * 10 * 2),
    )


def test_denominators_cover_every_person_row(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            con,
            """
        select count(*) from (select distinct county_code, month from jobseeker_months) j
        anti join labour_force_months l using (county_code, month)""",
        )
        == 0
    )
    for table, column in PERSON_TABLES.items():
        missing = one(
            con,
            f"""
            select count(*)
            from (select distinct county_code, year({column}) as year from {table}) u
            where (select count(*) from population_years p
                   where p.county_code = u.county_code and p.year = u.year) <> 2""",
        )
        assert missing == 0, table


def test_jobseeker_periods(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select count(*) from jobseeker_months where spell_start > month") == 0
    gaps = con.execute("""
        with r as (
            select person_id, month, spell_start,
                   lag(month) over w as prev_month, lag(spell_start) over w as prev_start
            from jobseeker_months window w as (partition by person_id order by month))
        select
            count(*) filter (where spell_start = prev_start
                             and date_diff('month', prev_month, month) > 2) as long_absence,
            count(*) filter (where spell_start = prev_start
                             and date_diff('month', prev_month, month) = 2) as absence,
            count(*) filter (where spell_start <> prev_start
                             and date_diff('month', prev_month, month) < 3) as short_gap,
            count(*) filter (where spell_start <> prev_start) as returns,
            count(*) filter (where spell_start < prev_start) as start_moves_back
        from r where prev_month is not null""").fetchone()
    long_absence, absence, short_gap, returns, start_moves_back = gaps
    assert long_absence == 0 and short_gap == 0 and start_moves_back == 0
    assert absence > 0 and returns > 0
    delayed = one(
        con,
        """
        with p as (
            select person_id, spell_start, list(has_dagpenger order by month) as dp
            from jobseeker_months group by all)
        select count(*) from p where not dp[1] and list_contains(dp, true)""",
    )
    assert delayed > 0


def test_aap_tables(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        one(
            con,
            """select count(*) from aap_applications
        where (decision = 'pending') <> (decision_month is null)""",
        )
        == 0
    )
    assert (
        one(con, "select count(*) from aap_applications where decision_month < received_month") == 0
    )
    assert one(
        con, "select min(received_month) from aap_applications where decision = 'pending'"
    ) >= date(2015, 6, 1)
    assert (
        one(
            con,
            """select count(*) from (
        select person_id from aap_months group by person_id
        having bool_or(transferred_from_old_scheme) <> bool_and(transferred_from_old_scheme))""",
        )
        == 0
    )
    restarts = con.execute("""
        with r as (select person_id, transferred_from_old_scheme as t, month,
                          lag(month) over (partition by person_id order by month) as prev
                   from aap_months)
        select count(*) filter (where t), count(*) filter (where not t)
        from r where date_diff('month', prev, month) > 1""").fetchone()
    assert restarts[0] > 0 and restarts[1] > 0
    linked = one(
        con,
        """select count(distinct e.person_id) from sickness_benefit_exhaustions e
        join aap_months a using (person_id) join aap_applications p using (person_id)""",
    )
    assert linked > 0


def test_truth_json(small: Path) -> None:
    truth = json.loads((small / "truth.json").read_text())
    a, b = truth["hedmark_2014_jobseekers"], truth["hedmark_2014_aap"]
    assert a["jobseekers_dagpenger"]["start"] == "2014-12-01"
    assert a["jobseekers_dagpenger"]["expected_effect_pct"] < 0
    assert b["sickness_benefit_exhaustion"]["start"] == "2013-04-01"
    assert b["aap_inflow_other"]["start"] == "2014-04-01"
    assert b["aap_rejection_pct"]["expected_effect_pct"] > 0


def stock_did_pct(con: duckdb.DuckDBPyConnection, dagpenger: bool) -> float:
    """Study A: pooled stock rate DiD, Hedmark vs controls, relative to Hedmark pre, percent."""
    return one(
        con,
        f"""
        with m as (
            select county_code, month, count(*) filter (where has_dagpenger = {dagpenger}) as n
            from jobseeker_months where county_code = '04' or county_code in {CONTROLS_A}
            group by all),
        r as (
            select month, county_code = '04' as treated, 100.0 * sum(n) / sum(labour_force) as rate
            from m join labour_force_months using (county_code, month)
            group by all),
        w as (
            select treated,
                   avg(rate) filter (where month between '2011-01-01' and '2014-10-01') as pre,
                   avg(rate) filter (where month between '2014-12-01' and '2015-12-01') as post
            from r group by treated)
        select 100 * ((t.post - t.pre) - (c.post - c.pre)) / t.pre
        from w t, w c where t.treated and not c.treated""",
    )


def exhaustion_did_pct(con: duckdb.DuckDBPyConnection) -> float:
    """Study B: exhaustions per 1000 aged 18-66, Hedmark vs the rest, relative DiD, percent."""
    return one(
        con,
        """
        with e as (
            select county_code, exhaustion_month as month, count(*) as n
            from sickness_benefit_exhaustions group by all),
        p as (select county_code, year, sum(population) as pop from population_years group by all),
        r as (
            select month, e.county_code = '04' as treated, 1000.0 * sum(n) / sum(pop) as rate
            from e join p on p.county_code = e.county_code and p.year = year(e.month)
            group by all),
        w as (
            select treated,
                   avg(rate) filter (where month between '2012-04-01' and '2013-03-01') as pre,
                   avg(rate) filter (where month between '2014-04-01' and '2015-03-01') as post
            from r group by treated)
        select 100 * ((t.post - t.pre) - (c.post - c.pre)) / t.pre
        from w t, w c where t.treated and not c.treated""",
    )


def rejection_pct(
    con: duckdb.DuckDBPyConnection, county_filter: str, first: str, last: str
) -> float:
    """Rejected in percent of decided applications, by decision month, in a window."""
    return one(
        con,
        f"""
        select 100.0 * count(*) filter (where decision = 'rejected') / count(*)
        from aap_applications
        where decision <> 'pending' and {county_filter}
          and decision_month between '{first}' and '{last}'""",
    )


def test_planted_jobseeker_effect(large: duckdb.DuckDBPyConnection) -> None:
    assert -20 < stock_did_pct(large, True) < -4


def test_planted_exhaustion_effect(large: duckdb.DuckDBPyConnection) -> None:
    assert -40 < exhaustion_did_pct(large) < -10


def test_planted_rejection_effect(large: duckdb.DuckDBPyConnection) -> None:
    hedmark_before = rejection_pct(large, "county_code = '04'", "2012-04-01", "2014-03-01")
    hedmark_after = rejection_pct(large, "county_code = '04'", "2014-04-01", "2015-12-01")
    rest_after = rejection_pct(large, "county_code <> '04'", "2014-04-01", "2015-12-01")
    assert hedmark_after > hedmark_before + 7
    assert hedmark_after > rest_after + 7
    assert 10 < hedmark_before < 20


def test_national_levels(large: duckdb.DuckDBPyConnection) -> None:
    dp, no_dp = large.execute("""
        with m as (select county_code, month,
                          count(*) filter (where has_dagpenger) as dp,
                          count(*) filter (where not has_dagpenger) as no_dp
                   from jobseeker_months group by all)
        select 100.0 * sum(dp) / sum(labour_force), 100.0 * sum(no_dp) / sum(labour_force)
        from m join labour_force_months using (county_code, month)
        where month between '2011-01-01' and '2014-10-01'""").fetchone()
    assert 2.2 * 0.7 < dp < 2.2 * 1.3
    assert 2.45 * 0.7 < no_dp < 2.45 * 1.3
    exhaustion = one(
        large,
        """
        with p as (select year, sum(population) as pop from population_years group by year),
             e as (select exhaustion_month as month, count(*) as n
                   from sickness_benefit_exhaustions group by all)
        select avg(1000.0 * n / pop) from e join p on p.year = year(e.month)""",
    )
    assert 1.2 * 0.7 < exhaustion < 1.2 * 1.3
    share = one(
        large,
        """
        select 100.0 * count(a.person_id) / count(*)
        from sickness_benefit_exhaustions e
        left join aap_months a on a.person_id = e.person_id
            and a.month = e.exhaustion_month + interval 2 month
            and not a.transferred_from_old_scheme
        where e.exhaustion_month <= '2015-10-01'""",
    )
    assert 55 * 0.7 < share < 55 * 1.3
    status = dict(
        large.execute("""
        select jobseeker_status, count(*) / sum(count(*)) over () from jobseeker_months
        group by all""").fetchall()
    )
    assert 0.5 < status["fully_unemployed"] < 0.7
    assert 0.15 < status["partially_unemployed"] < 0.35
    assert 0.08 < status["programme"] < 0.22
