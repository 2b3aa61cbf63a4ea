"""The key of jobseeker_months is checked from the sorted pass of the job-seeker models in `dbt build`, with the message of the full group-by."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from regeval.dbt import DbtError, run_dbt
from regeval.validate import explain_failed_build, validate_values

KEY_TEST = "source_unique_combination_register_jobseeker_months_person_id__month"


@pytest.fixture(scope="module")
def repeated(small_register: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small register with two person-months written twice (4 rows on 2 keys)."""
    target = tmp_path_factory.mktemp("repeated") / "register"
    shutil.copytree(small_register, target)
    path = target / "jobseeker_months.parquet"
    connection = duckdb.connect()
    connection.execute("create table t as select * from read_parquet(?)", [str(path)])
    connection.execute(
        "insert into t select * from t where rowid in "
        "(select rowid from t order by person_id, month limit 2 offset 500)"
    )
    connection.execute(f"copy t to '{path}' (format parquet)")
    connection.close()
    return target


def _key_test(target: Path) -> dict:
    """The run result of the jobseeker_months key test."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    (found,) = [r for r in results if KEY_TEST in r["unique_id"]]
    return found


def test_build_reports_repeated_keys_as_the_full_group_by(repeated: Path, tmp_path: Path) -> None:
    """dbt build fails on the repeated keys with the same one-line message as `regeval validate`."""
    db, target = tmp_path / "built.duckdb", tmp_path / "target"
    with pytest.raises(DbtError):
        run_dbt(["build"], db_path=db, data_dir=repeated, target_dir=target, quiet=True)
    assert _key_test(target)["status"] == "fail"
    from_build = [str(p) for p in explain_failed_build(target, db)]
    from_validate = [str(p) for p in validate_values(repeated, tmp_path / "validate")]
    key_messages = [m for m in from_build if m.startswith("jobseeker_months.(person_id, month)")]
    assert key_messages == [
        m for m in from_validate if m.startswith("jobseeker_months.(person_id, month)")
    ]
    assert key_messages[0].startswith(
        "jobseeker_months.(person_id, month) duplicate key: 4 rows, e.g. person_id="
    )
    assert "(2 rows)" in key_messages[0]


def test_build_reads_the_count_of_repeats(built_db: Path) -> None:
    """In a build the key test depends on the counted model and finds no repeats."""
    result = _key_test(built_db.parent / "target")
    assert result["status"] == "pass"
    assert "n_repeats" in result["compiled_code"]
    with duckdb.connect(str(built_db), read_only=True) as connection:
        (schema,) = connection.execute(
            "select table_schema from information_schema.tables "
            "where table_name = 'int_jobseeker_months_counted'"
        ).fetchone()
        repeats = connection.execute(
            f'select sum(n_repeated_keys), sum(n_rows) from "{schema}".int_jobseeker_months_counted'
        ).fetchone()
    assert repeats[0] == 0 and repeats[1] > 10000
