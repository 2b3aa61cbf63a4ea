"""An extract one month longer than another: the shape of a monthly delivery, for the refresh's test and benchmark.

The monthly tables get the month after their last: the last month's rows carried
forward, every tenth person (person_id divisible by 10) gone; population_years gets
the new month's year when it is missing (the last year's rows); the other tables are
copied unchanged. The rows of every earlier month are the source's, byte for byte
in value.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq

# The monthly tables and their month column.
CARRIED = {
    "jobseeker_months": "month",
    "aap_months": "month",
    "sickness_benefit_exhaustions": "exhaustion_month",
    "labour_force_months": "month",
}


def add_month(source: Path, out: Path) -> str:
    """Write source's parquet extract with one more month into out; returns the new month (YYYY-MM-01)."""
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        last = con.execute(
            "select max(month) from read_parquet(?)", [str(source / "jobseeker_months.parquet")]
        ).fetchall()[0][0]
        new_month = con.execute("select cast(? + interval 1 month as date)", [last]).fetchall()[0][
            0
        ]
        for path in sorted(source.glob("*.parquet")):
            con.register("t", con.read_parquet(str(path)))
            columns = [row[0] for row in con.execute("describe t").fetchall()]
            params: list[object] = []
            select = "select * from t"
            if path.stem in CARRIED:
                month = CARRIED[path.stem]
                shifted = ", ".join(
                    f"cast({c} + interval 1 month as date) as {c}" if c == month else c
                    for c in columns
                )
                keep = "person_id % 10 <> 0" if "person_id" in columns else "true"
                select += f" union all select {shifted} from t where {month} = ? and {keep}"
                params = [last]
            elif path.stem == "population_years":
                select += (
                    " union all select county_code, year + 1 as year, age_group, population from t "
                    "where year = ? and not exists (select 1 from t where year = ?)"
                )
                params = [new_month.year - 1, new_month.year]
            pq.write_table(con.sql(select, params=params).to_arrow_table(), out / path.name)
            con.unregister("t")
    return new_month.isoformat()
