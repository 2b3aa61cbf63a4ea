"""Atomic builds: a failed run leaves the earlier database untouched; a reader is not broken by a successful run."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from regeval import pipeline
from regeval.pipeline import RunConfig, building_path
from regeval.validate import BadInputError

READER_QUERY = "select count(*), sum(numerator) from county_panel"


def rewrite(data_dir: Path, table: str, select: str) -> None:
    """Replace a register parquet file with a SELECT over its rows (table t)."""
    path = data_dir / f"{table}.parquet"
    connection = duckdb.connect()
    connection.execute(f"create table t as select * from read_parquet('{path}')")
    connection.execute(f"copy ({select}) to '{path}' (format parquet)")
    connection.close()


def digest(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def earlier_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An earlier database at the place a run writes to (a copy of the built small database)."""
    target = tmp_path_factory.mktemp("earlier") / "regeval.duckdb"
    shutil.copyfile(built_db, target)
    return target


def config(data_dir: Path, db_path: Path, work: Path) -> RunConfig:
    """A run on a chosen extract and database, writing its report and publish files under work."""
    return RunConfig(
        data_dir=data_dir,
        db_path=db_path,
        report_dir=work / "report",
        publish_dir=work / "publish",
        generate_if_missing=False,
    )


def test_bad_values_leave_earlier_database(
    earlier_db: Path, small_register: Path, tmp_path: Path
) -> None:
    """A run stopped by broken value rules names each problem and leaves the database byte-identical, no .building."""
    bad = tmp_path / "register"
    shutil.copytree(small_register, bad)
    rewrite(
        bad,
        "jobseeker_months",
        "select * replace (case when rowid < 3 then month + 10 else spell_start end as spell_start) from t",
    )
    for table in ("aap_months", "sickness_benefit_exhaustions", "aap_applications"):
        rewrite(
            bad,
            table,
            "select * replace (case when rowid = 0 then null else birth_year end as birth_year) from t",
        )
    before = digest(earlier_db)
    with pytest.raises(BadInputError) as raised:
        pipeline.run(config(bad, earlier_db, tmp_path))
    messages = str(raised.value).splitlines()
    assert any(
        m.startswith("jobseeker_months.spell_start after month: 3 rows, e.g. person_id=")
        for m in messages
    )
    for table in ("aap_months", "sickness_benefit_exhaustions", "aap_applications"):
        assert f"{table}.birth_year is NULL: 1 row, e.g. " in str(raised.value)
    assert digest(earlier_db) == before
    assert not building_path(earlier_db).exists()


def test_bad_structure_stops_before_dbt(
    earlier_db: Path, small_register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing column stops the run before dbt reads anything; the database is untouched."""
    bad = tmp_path / "register"
    shutil.copytree(small_register, bad)
    rewrite(bad, "aap_months", "select * exclude (birth_year) from t")

    def no_dbt(*_: object, **__: object) -> None:
        raise AssertionError("dbt ran on an extract with a structure problem")

    monkeypatch.setattr(pipeline, "run_dbt", no_dbt)
    before = digest(earlier_db)
    with pytest.raises(BadInputError, match=r"aap_months\.birth_year missing column"):
        pipeline.run(config(bad, earlier_db, tmp_path))
    assert digest(earlier_db) == before
    assert not building_path(earlier_db).exists()


def test_reader_survives_successful_run(
    earlier_db: Path, small_register: Path, tmp_path: Path
) -> None:
    """An analyst's read-only connection answers during and after a run; the new database is in place after."""
    reader = duckdb.connect(str(earlier_db), read_only=True)
    answer = reader.execute(READER_QUERY).fetchone()
    before = (earlier_db.stat().st_ino, digest(earlier_db))
    env = {
        **os.environ,
        "REGEVAL_DATA": str(small_register),
        "REGEVAL_DB": str(earlier_db),
        "REGEVAL_REPORT_DIR": str(tmp_path / "report"),
        "REGEVAL_PUBLISH_DIR": str(tmp_path / "publish"),
    }
    log = tmp_path / "run.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "regeval.cli", "run"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        answered_during = 0
        while process.poll() is None:
            assert reader.execute(READER_QUERY).fetchone() == answer
            answered_during += 1
            time.sleep(0.5)
    assert process.returncode == 0, log.read_text()[-3000:]
    assert answered_during > 0
    assert reader.execute(READER_QUERY).fetchone() == answer
    reader.close()
    assert (earlier_db.stat().st_ino, digest(earlier_db)) != before
    assert not building_path(earlier_db).exists()
    assert (tmp_path / "publish" / "county_panel.parquet").exists()
    for page in (tmp_path / "report").glob("*.html"):
        footer = page.read_text(encoding="utf-8")
        assert earlier_db.name in footer and ".building" not in footer, page.name
    check = "import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); " + (
        "print(c.execute(\"select count(*) from information_schema.tables where table_name = 'regression_effects'\")"
        ".fetchone()[0])"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", check, str(earlier_db)], capture_output=True, text=True, check=True
    )
    assert fresh.stdout.strip() == "1"
