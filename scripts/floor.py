"""The floor: the county-month register outcome tables written by hand in one Python+DuckDB script, without dbt.

`make bench` times it against the dbt models that build the same tables (CPU and peak memory
measured in one run), and tests/python/test_floor.py checks that its tables equal the dbt
ones row by row. It is a second, independent implementation of SPEC.md's definitions:

- job seekers (`jobseekers`, `jobseeker_cells`): one sorted pass per person (lag for the
  new-job-seeker rule, lead for dagpenger in t..t+3), aggregated once to county x month x
  cell; the county table sums the cells;
- AAP and sickness benefit (`aap`): exhaustions, the AAP share two months after, new AAP
  recipients by origin and age, applications and rejections, sick leave.

Run: `python scripts/floor.py DATA_DIR [OUT.duckdb]` prints its CPU time, peak memory and row
counts (and writes the three tables to OUT.duckdb when given).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import duckdb

# Outcome id -> (numerator condition on a person-month, counted only in the countable months).
DURATIONS = {"26_51": (26, 51), "52_77": (52, 77), "78_103": (78, 103), "104plus": (104, None)}


def jobseeker_conditions() -> dict[str, tuple[str, bool]]:
    """Each job-seeker outcome: its condition on a flagged person-month and whether only countable months have it."""
    conditions: dict[str, tuple[str, bool]] = {}
    for suffix, dagpenger, within in (
        ("dagpenger", "has_dagpenger", "dagpenger_within_3_months"),
        ("no_dagpenger", "not has_dagpenger", "not dagpenger_within_3_months"),
    ):
        conditions[f"jobseekers_{suffix}"] = (dagpenger, False)
        conditions[f"new_jobseekers_{suffix}"] = (f"is_new and {within}", True)
        for name, (low, high) in DURATIONS.items():
            weeks = f"weeks >= {low}" if high is None else f"weeks between {low} and {high}"
            conditions[f"duration_{name}_{suffix}"] = (f"{weeks} and {dagpenger}", False)
    return conditions


def _read(connection: duckdb.DuckDBPyConnection, data: Path, table: str) -> str:
    """A temp view over one register file (read through the relation API: the path never enters SQL text); returns its name."""
    view = f"register_{table}"
    connection.read_parquet(str(data / f"{table}.parquet")).create_view(view, replace=True)
    return view


def jobseeker_cells(connection: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Temp table jobseeker_counts: every job-seeker outcome counted by county, month and cell, in one pass."""
    conditions = jobseeker_conditions()
    counts = ",\n".join(
        f"count(*) filter (where {condition}) as {outcome}"
        for outcome, (condition, _) in conditions.items()
    )
    connection.execute(f"""
        create or replace temp table jobseeker_counts as
        with passed as (
            select
                county_code, month, gender, education,
                year(month) - birth_year as age,
                has_dagpenger,
                has_dagpenger or coalesce(least(
                    lead(if(has_dagpenger, month, null), 1) over w,
                    lead(if(has_dagpenger, month, null), 2) over w,
                    lead(if(has_dagpenger, month, null), 3) over w
                ) <= month + interval 3 month, false) as dagpenger_within_3_months,
                (lag(month) over w is null or lag(month) over w < month - interval 2 month) as gap_before,
                (month - spell_start) // 7 as weeks
            from {_read(connection, data, "jobseeker_months")}
            window w as (partition by person_id order by month)
        )
        select
            county_code, month, gender, education,
            case when age between 18 and 29 then '18-29' when age between 30 and 49 then '30-49'
                 when age between 50 and 66 then '50-66' end as age_group,
            count(*) as n_rows,
            {counts.replace("is_new", "gap_before")}
        from passed
        group by all
    """)


def jobseeker_tables(connection: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Temp tables floor_jobseekers (county x month) and floor_jobseeker_cells (county x month x cell), long."""
    jobseeker_cells(connection, data)
    conditions = jobseeker_conditions()
    outcomes = list(conditions)
    new_only = [o for o, (_, only) in conditions.items() if only]
    connection.execute("""
        create or replace temp table jobseeker_months_present as
        select
            min(month) + interval 2 month as first_countable_from,
            max(month) - interval 3 month as last_countable_to
        from jobseeker_counts
    """)
    # The countable months are months present in the data (min/max over the rows), from the
    # third month of data to three months before the last.
    connection.execute("""
        create or replace temp table countable as
        select
            (select min(month) from jobseeker_counts, jobseeker_months_present
             where month >= first_countable_from) as first_countable,
            (select max(month) from jobseeker_counts, jobseeker_months_present
             where month <= last_countable_to) as last_countable
    """)
    # New job seekers: the gap rule holds only from the third month of data (is_new is false before).
    new_columns = {
        o: f"case when month >= (select first_countable_from from jobseeker_months_present) "
        f"then {o} else 0 end"
        for o in new_only
    }
    unpivot = ", ".join(outcomes)
    for name, keys, where, cell in (
        ("floor_jobseekers", "county_code, month", "true", ""),
        (
            "floor_jobseeker_cells",
            "county_code, month, gender, age_group, education",
            "age_group is not null",
            ", gender || '|' || age_group || '|' || education as cell",
        ),
    ):
        sums = ", ".join(f"sum({new_columns.get(o, o)}) as {o}" for o in outcomes)
        cells_grid = (
            "cross join (select distinct gender, age_group, education from jobseeker_counts "
            "where age_group is not null) as cells"
            if cell
            else ""
        )
        join_cells = (
            " and c.gender = cells.gender and c.age_group = cells.age_group "
            "and c.education = cells.education"
            if cell
            else ""
        )
        cell_select = (
            ", cells.gender || '|' || cells.age_group || '|' || cells.education as cell"
            if cell
            else ""
        )
        connection.execute(f"""
            create or replace temp table {name} as
            with summed as (
                select {keys}, {sums} from jobseeker_counts where {where} group by {keys}
            ),
            grid as (
                select lf.county_code, lf.month, lf.labour_force{cell_select},
                    {", ".join(f"coalesce(c.{o}, 0) as {o}" for o in outcomes)}
                from {_read(connection, data, "labour_force_months")} as lf
                {cells_grid}
                left join summed as c on c.county_code = lf.county_code and c.month = lf.month{join_cells}
            ),
            long as (
                unpivot grid on {unpivot} into name outcome_id value numerator
            )
            select
                outcome_id, month as period_start, county_code{", cell" if cell else ""},
                cast(numerator as double) as numerator, cast(labour_force as double) as denominator
            from long, countable
            where outcome_id not in ({", ".join(f"'{o}'" for o in new_only)})
                or month between countable.first_countable and countable.last_countable
        """)


AAP_SQL = """
create or replace temp table floor_aap as
with transferred as (
    select distinct person_id from {aap} where transferred_from_old_scheme
),
population as (
    select county_code, year,
        sum(population) filter (where age_group = '18-29') as pop_18_29,
        sum(population) filter (where age_group = '30-66') as pop_30_66,
        sum(population) as pop_18_66
    from {population} group by all
),
aap_kept as (
    select a.* from {aap} as a anti join transferred using (person_id)
),
aap_bounds as (select min(month) as first_aap, max(month) as last_aap from {aap}),
new_recipients as (
    select person_id, month, county_code, year(month) - birth_year as age
    from (
        select *, lag(month) over (partition by person_id order by month) as previous
        from aap_kept
    ), aap_bounds
    where month >= first_aap + interval 1 month
        and (previous is null or previous < month - interval 1 month)
),
exhaustion_windows as (
    select distinct person_id, cast(exhaustion_month + to_months(k) as date) as month
    from {exhaustions}, range(4) as r(k)
),
inflow as (
    select
        n.county_code, n.month,
        e.person_id is not null as from_sb,
        case when age between 18 and 29 then '18-29' when age between 30 and 66 then '30-66' end
            as age_group
    from new_recipients as n
    left join exhaustion_windows as e using (person_id, month)
),
inflow_counts as (
    select county_code, month,
        count(*) as aap_inflow_total,
        count(*) filter (where from_sb) as aap_inflow_sickness_benefit,
        count(*) filter (where not from_sb) as aap_inflow_other,
        count(*) filter (where from_sb and age_group = '18-29') as aap_inflow_sickness_benefit_18_29,
        count(*) filter (where from_sb and age_group = '30-66') as aap_inflow_sickness_benefit_30_66,
        count(*) filter (where not from_sb and age_group = '18-29') as aap_inflow_other_18_29,
        count(*) filter (where not from_sb and age_group = '30-66') as aap_inflow_other_30_66
    from inflow group by all
),
exhaustion_counts as (
    select e.county_code, e.exhaustion_month as month,
        count(*) as exhausted,
        count(*) filter (where t.person_id is null) as exhausted_kept,
        count(*) filter (where t.person_id is null and a.person_id is not null) as on_aap_two_months_after
    from {exhaustions} as e
    left join transferred as t using (person_id)
    left join (select distinct person_id, month from {aap}) as a
        on a.person_id = e.person_id and a.month = e.exhaustion_month + interval 2 month
    group by all
),
applications as (
    select p.* from {applications} as p anti join transferred using (person_id)
),
application_counts as (
    select county_code, month, sum(received) as received, sum(rejected) as rejected,
        sum(decided) as decided
    from (
        select county_code, received_month as month, 1 as received, 0 as rejected, 0 as decided
        from applications
        union all
        select county_code, decision_month, 0, (decision = 'rejected')::int,
            (decision in ('granted', 'rejected'))::int
        from applications where decision_month is not null
    ) group by all
),
bounds as (
    select *,
        (select min(exhaustion_month) from {exhaustions}) as first_exh,
        (select max(exhaustion_month) from {exhaustions}) as last_exh,
        (select min(month) from application_counts where received > 0) as first_rec,
        (select max(month) from application_counts where received > 0) as last_rec,
        (select min(month) from application_counts where decided > 0) as first_dec,
        (select max(month) from application_counts where decided > 0) as last_dec
    from aap_bounds
),
grid as (
    select
        p.county_code, m.month, p.pop_18_29, p.pop_30_66, p.pop_18_66,
        coalesce(x.exhausted, 0) as exhausted,
        coalesce(x.exhausted_kept, 0) as exhausted_kept,
        coalesce(x.on_aap_two_months_after, 0) as on_aap_two_months_after,
        coalesce(i.aap_inflow_total, 0) as aap_inflow_total,
        coalesce(i.aap_inflow_sickness_benefit, 0) as aap_inflow_sickness_benefit,
        coalesce(i.aap_inflow_other, 0) as aap_inflow_other,
        coalesce(i.aap_inflow_sickness_benefit_18_29, 0) as aap_inflow_sickness_benefit_18_29,
        coalesce(i.aap_inflow_sickness_benefit_30_66, 0) as aap_inflow_sickness_benefit_30_66,
        coalesce(i.aap_inflow_other_18_29, 0) as aap_inflow_other_18_29,
        coalesce(i.aap_inflow_other_30_66, 0) as aap_inflow_other_30_66,
        coalesce(c.received, 0) as received,
        coalesce(c.rejected, 0) as rejected,
        coalesce(c.decided, 0) as decided,
        m.month between b.first_exh and b.last_exh as in_exh,
        m.month between greatest(b.first_exh, b.first_aap - interval 2 month)
            and least(b.last_exh, b.last_aap - interval 2 month) as in_share,
        m.month between b.first_aap + interval 1 month and b.last_aap as in_inflow,
        m.month between b.first_rec and b.last_rec as in_rec,
        m.month between b.first_dec and b.last_dec as in_dec
    from bounds as b
    cross join (
        select cast(unnest(generate_series(
            least(first_exh, first_aap, first_rec),
            greatest(last_exh, last_aap, last_rec, last_dec),
            interval 1 month)) as date) as month
        from bounds
    ) as m
    inner join population as p on p.year = year(m.month)
    left join exhaustion_counts as x on x.county_code = p.county_code and x.month = m.month
    left join inflow_counts as i on i.county_code = p.county_code and i.month = m.month
    left join application_counts as c on c.county_code = p.county_code and c.month = m.month
),
long as (
    {long}
)
select * from long
union all
select 'sick_leave_pct', s.quarter_start, s.county_code,
    s.sick_leave_pct * p.pop_18_66, cast(p.pop_18_66 as double)
from {sick_leave} as s
inner join population as p on p.county_code = s.county_code and p.year = year(s.quarter_start)
"""

# (outcome_id, numerator column, denominator column, range flag) of the AAP grid.
AAP_GRID = [
    ("sickness_benefit_exhaustion", "exhausted", "pop_18_66", "in_exh"),
    (
        "aap_share_two_months_after_exhaustion",
        "on_aap_two_months_after",
        "exhausted_kept",
        "in_share",
    ),
    *[
        (outcome, outcome, denominator, "in_inflow")
        for outcome, denominator in (
            ("aap_inflow_total", "pop_18_66"),
            ("aap_inflow_sickness_benefit", "pop_18_66"),
            ("aap_inflow_other", "pop_18_66"),
            ("aap_inflow_sickness_benefit_18_29", "pop_18_29"),
            ("aap_inflow_sickness_benefit_30_66", "pop_30_66"),
            ("aap_inflow_other_18_29", "pop_18_29"),
            ("aap_inflow_other_30_66", "pop_30_66"),
        )
    ],
    ("aap_applications", "received", "pop_18_66", "in_rec"),
    ("aap_rejection_pct", "rejected", "decided", "in_dec"),
]


def aap_table(connection: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Temp table floor_aap: every Study B outcome by county and period, long."""
    long = "\n    union all\n    ".join(
        f"select '{outcome}' as outcome_id, month as period_start, county_code, "
        f"cast({numerator} as double) as numerator, cast({denominator} as double) as denominator "
        f"from grid where {flag}"
        for outcome, numerator, denominator, flag in AAP_GRID
    )
    connection.execute(
        AAP_SQL.format(
            aap=_read(connection, data, "aap_months"),
            population=_read(connection, data, "population_years"),
            exhaustions=_read(connection, data, "sickness_benefit_exhaustions"),
            applications=_read(connection, data, "aap_applications"),
            sick_leave=_read(connection, data, "sick_leave_quarters"),
            long=long,
        )
    )


TABLES = ("floor_jobseekers", "floor_jobseeker_cells", "floor_aap")


def build(connection: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Build the floor's three tables (temp tables floor_jobseekers, floor_jobseeker_cells, floor_aap)."""
    jobseeker_tables(connection, data)
    aap_table(connection, data)


def main() -> int:
    """Build the floor on DATA_DIR, print CPU seconds, peak memory and row counts; copy the tables to OUT if given."""
    data = Path(sys.argv[1])
    connection = duckdb.connect()
    connection.execute("set preserve_insertion_order = false")
    started, cpu = time.perf_counter(), time.process_time()
    build(connection, data)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = {t: connection.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    print(f"floor: cpu {cpu:.2f} s, wall {wall:.2f} s, peak {peak:,.0f} MiB, rows {rows}")
    if len(sys.argv) > 2:
        connection.execute("attach ? as out", [sys.argv[2]])
        for table in TABLES:
            connection.execute(f"create or replace table out.{table} as select * from {table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
