"""The monthly refresh: which months changed, when a full rebuild is forced, and that a refresh equals a full rebuild."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from regeval import refresh
from regeval.dbt import run_dbt
from regeval.generate.next_month import add_month
from regeval.pipeline import RunConfig, dbt_target, refresh_build

NEW_MONTH = dt.date(2016, 1, 1)


def months_frame(rows: dict[str, list[tuple[str, int, str]]]) -> pd.DataFrame:
    """A fingerprint's months from {table: [(YYYY-MM, n_rows, checksum)]}."""
    return pd.DataFrame(
        [
            {
                "table_name": table,
                "month": dt.date(int(m[:4]), int(m[5:7]), 1),
                "n_rows": n,
                "checksum": c,
            }
            for table, entries in rows.items()
            for m, n, c in entries
        ]
    )


def history(last: int = 12, revised: str | None = None) -> dict[str, list[tuple[str, int, str]]]:
    """Every monthly table with months 2014-01 .. 2014-<last>; `revised` (YYYY-MM) gets another checksum."""
    return {
        table: [
            (f"2014-{m:02d}", 100 + m, "x" if revised == f"2014-{m:02d}" else f"{table}{m}")
            for m in range(1, last + 1)
        ]
        for table in refresh.MONTHLY
    }


def fp(rows: dict, transferred: str = "3:99", code: str = "c1") -> refresh.Fingerprint:
    return refresh.Fingerprint(months_frame(rows), transferred, code)


def test_a_new_month_is_refreshed_from_that_month() -> None:
    decision = refresh.plan(fp(history(11)), fp(history(12)))
    assert decision.since == dt.date(2014, 12, 1)
    assert "refresh from 2014-12" in decision.reason


def test_a_revised_earlier_month_is_the_refresh_month() -> None:
    decision = refresh.plan(fp(history(12)), fp(history(12, revised="2014-08")))
    assert decision.since == dt.date(2014, 8, 1)


def test_an_unchanged_extract_refreshes_after_its_last_month() -> None:
    decision = refresh.plan(fp(history(12)), fp(history(12)))
    assert decision.since == dt.date(2015, 1, 1)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (None, fp(history(12)), "no fingerprint"),
        (fp(history(11)), fp(history(12), code="c2"), "code or seeds changed"),
        (fp(history(11)), fp(history(12), transferred="4:7"), "transferred"),
        (fp(history(12)), fp(history(12, revised="2014-03")), "within 6 months of the first"),
    ],
)
def test_full_rebuild_rules(old, new, says: str) -> None:
    decision = refresh.plan(old, new)
    assert decision.since is None
    assert says in decision.reason and "full rebuild" in decision.reason


def test_a_changed_first_month_forces_a_full_rebuild() -> None:
    later = {t: rows[1:] for t, rows in history(12).items()}
    decision = refresh.plan(fp(history(12)), fp(later))
    assert decision.since is None
    assert "first month of" in decision.reason


def test_an_unreadable_month_forces_a_full_rebuild() -> None:
    new = fp(history(12))
    months = new.months.copy()
    months.loc[0, "month"] = None
    decision = refresh.plan(fp(history(12)), refresh.Fingerprint(months, "3:99", "c1"))
    assert decision.since is None
    assert "not a date" in decision.reason


def test_fingerprint_counts_rows_and_changes_only_the_changed_month(tmp_path: Path) -> None:
    """Per-month counts equal a hand count; one changed row changes that month's checksum only (parquet and CSV)."""
    jobseekers = pd.DataFrame(
        {
            "person_id": [1, 2, 1, 3, 3],
            "month": pd.to_datetime(["2014-01-01"] * 2 + ["2014-02-01"] * 3).date,
            "has_dagpenger": [True, False, True, True, False],
        }
    )
    aap = pd.DataFrame(
        {
            "person_id": [5, 6, 6],
            "month": pd.to_datetime(["2014-01-01", "2014-01-01", "2014-02-01"]).date,
            "transferred_from_old_scheme": [True, False, False],
        }
    )
    exhaustions = pd.DataFrame(
        {"person_id": [7], "exhaustion_month": pd.to_datetime(["2014-02-01"]).date}
    )

    def write(directory: Path, frames: dict[str, pd.DataFrame], suffix: str) -> Path:
        directory.mkdir()
        for name, frame in frames.items():
            if suffix == ".csv":
                frame.to_csv(directory / f"{name}.csv", index=False)
            else:
                frame.to_parquet(directory / f"{name}.parquet", index=False)
        return directory

    for suffix in (".parquet", ".csv"):
        frames = {
            "jobseeker_months": jobseekers,
            "aap_months": aap,
            "sickness_benefit_exhaustions": exhaustions,
        }
        first = refresh.fingerprint(write(tmp_path / f"a{suffix}", frames, suffix))
        counts = first.months.set_index(["table_name", "month"])["n_rows"].to_dict()
        assert counts[("jobseeker_months", dt.date(2014, 1, 1))] == 2
        assert counts[("jobseeker_months", dt.date(2014, 2, 1))] == 3
        assert counts[("aap_months", dt.date(2014, 2, 1))] == 1
        assert counts[("sickness_benefit_exhaustions", dt.date(2014, 2, 1))] == 1
        assert first.transferred.startswith("1:")
        changed = jobseekers.copy()
        changed.loc[4, "has_dagpenger"] = True
        second = refresh.fingerprint(
            write(tmp_path / f"b{suffix}", {**frames, "jobseeker_months": changed}, suffix)
        )
        merged = first.months.merge(second.months, on=["table_name", "month"])
        differs = merged[merged["checksum_x"] != merged["checksum_y"]]
        assert list(zip(differs["table_name"], differs["month"], strict=True)) == [
            ("jobseeker_months", dt.date(2014, 2, 1))
        ]
        assert (merged["n_rows_x"] == merged["n_rows_y"]).all()
        assert second.transferred == first.transferred


def test_changed_tables_ignores_order_and_float_noise(tmp_path: Path) -> None:
    """Rows in another order and floats off by 1e-15 are unchanged; 1e-6, another count or another row are not."""
    base = pd.DataFrame({"k": [1, 2, 3], "n": [10, 20, 30], "x": [0.5, -2.0, np.nan]})
    variants = {
        "same": pd.DataFrame(
            {"k": [3, 2, 1], "n": [30, 20, 10], "x": [np.nan, -2.0 * (1 + 1e-15), 0.5]}
        ),
        "float": base.assign(x=[0.5, -2.0 * (1 + 1e-6), np.nan]),
        "count": base.assign(n=[10, 21, 30]),
        "rows": base.iloc[:2],
    }
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:
        con.register("base", base)
        for name in variants:
            con.execute(f"create table main.{name} as select * from base")
    new = tmp_path / "new.duckdb"
    with duckdb.connect(str(new)) as con:
        for name, frame in variants.items():
            con.register(f"frame_{name}", frame)
            con.execute(f"create table main.{name} as select * from frame_{name}")
    found = refresh.changed_tables(old, new, [("main", name) for name in variants])
    assert found == ["main.float", "main.count", "main.rows"]


def relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? and table_type = 'BASE TABLE' order by 1, 2",
        [catalog],
    ).fetchall()


def test_refresh_with_a_new_month_equals_a_full_rebuild(
    built_db: Path, small_register: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Full build on the extract, one month added, refresh: every table equals a full build on the new extract.

    Keys and integer columns exactly; floating-point columns to 1e-12 (sums over the same
    rows in another order: two full builds differ in the last bits too); the job-seeker
    months before the refreshed ones are kept as they were.
    """
    longer = tmp_path / "longer"
    assert add_month(small_register, longer) == NEW_MONTH.isoformat()
    current = tmp_path / "regeval.duckdb"
    shutil.copyfile(built_db, current)
    refresh.store(current, refresh.fingerprint(small_register))
    config = RunConfig(longer, current, tmp_path / "r", tmp_path / "p", generate_if_missing=False)
    # The manifest the refresh reads the estimation's inputs from (dbt's, of this database).
    run_dbt(["parse"], db_path=current, data_dir=longer, target_dir=dbt_target(current))
    refreshed = tmp_path / "refreshed.duckdb"
    refresh_build(config, refreshed)
    said = capsys.readouterr().err
    assert "refresh from 2016-01" in said
    # The county panel carries every month: the estimation reads a changed table and reruns.
    assert "main.county_panel" in said and "dbt build of the estimation models" in said

    full = tmp_path / "full.duckdb"
    run_dbt(["build"], db_path=full, data_dir=longer, target_dir=tmp_path / "t", quiet=True)
    refresh.store(full, refresh.fingerprint(longer))

    with duckdb.connect() as con:
        con.execute("attach ? as a (read_only)", [str(refreshed)])
        con.execute("attach ? as b (read_only)", [str(full)])
        con.execute("attach ? as old (read_only)", [str(current)])
        assert relations(con, "a") == relations(con, "b")
        for schema, name in relations(con, "a"):
            if (schema, name) == ("internal", "int_estimates_computed"):
                # Rows as JSON text: its values are compared in the typed estimate marts.
                continue
            a = con.execute(f'select * from a."{schema}"."{name}"').df()
            b = con.execute(f'select * from b."{schema}"."{name}"').df()
            assert len(a) == len(b), f"{schema}.{name}"
            floats = [c for c in a.columns if a[c].dtype.kind == "f"]
            others = [c for c in a.columns if c not in floats]
            order = others + floats
            a = a.sort_values(order, ignore_index=True, na_position="first")
            b = b.sort_values(order, ignore_index=True, na_position="first")
            pd.testing.assert_frame_equal(a[others], b[others], obj=f"{schema}.{name}")
            for column in floats:
                np.testing.assert_allclose(
                    a[column].to_numpy(float),
                    b[column].to_numpy(float),
                    rtol=1e-12,
                    atol=1e-12,
                    err_msg=f"{schema}.{name}.{column}",
                )
        # The new month is in the refreshed database, and months before the refreshed ones are untouched.
        assert (
            con.execute(
                "select count(*) from a.internal.int_jobseeker_months_counted where month = ?",
                [NEW_MONTH],
            ).fetchone()[0]
            > 0
        )
        kept = (
            "select count(*) from (select * from {db}.internal.int_jobseeker_months_counted "
            "where month < ? except all "
            "select * from {other}.internal.int_jobseeker_months_counted where month < ?)"
        )
        cut = dt.date(2015, 10, 1)
        for db, other in (("a", "old"), ("old", "a")):
            assert con.execute(kept.format(db=db, other=other), [cut, cut]).fetchone()[0] == 0


def test_refresh_of_an_unchanged_extract_keeps_the_estimates(
    built_db: Path, small_register: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The same extract again: the SQL layers are refreshed, the estimation's inputs are unchanged, its tables kept."""
    current = tmp_path / "regeval.duckdb"
    shutil.copyfile(built_db, current)
    refresh.store(current, refresh.fingerprint(small_register))
    config = RunConfig(
        small_register, current, tmp_path / "r", tmp_path / "p", generate_if_missing=False
    )
    # The manifest the refresh reads the estimation's inputs from (dbt's, of this database).
    run_dbt(["parse"], db_path=current, data_dir=small_register, target_dir=dbt_target(current))
    refreshed = tmp_path / "refreshed.duckdb"
    refresh_build(config, refreshed)
    said = capsys.readouterr().err
    assert "no month of" in said and "refresh from 2016-01" in said
    assert "its tables are kept" in said
    assert "dbt build of the estimation models" not in said
    with duckdb.connect() as con:
        con.execute("attach ? as a (read_only)", [str(refreshed)])
        con.execute("attach ? as old (read_only)", [str(current)])
        for table in ("regression_effects", "inference_calibration", "rollout_inference"):
            assert con.execute(f"select count(*) from a.main.{table}").fetchone()[0] > 0
            for first, second in (("a", "old"), ("old", "a")):
                assert (
                    con.execute(
                        f"select count(*) from (select * from {first}.main.{table} "
                        f"except all select * from {second}.main.{table})"
                    ).fetchone()[0]
                    == 0
                )
