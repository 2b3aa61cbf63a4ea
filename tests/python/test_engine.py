"""The engine choice, the spark target's settings as the reader sees them, and the table comparison."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from regeval import engine, pipeline
from regeval.parity import compare_databases


def test_engine_defaults_to_duckdb(monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB unless REGEVAL_ENGINE says spark; anything else is refused."""
    monkeypatch.delenv("REGEVAL_ENGINE", raising=False)
    assert engine.engine() == "duckdb"
    monkeypatch.setenv("REGEVAL_ENGINE", "Spark")
    assert engine.engine() == "spark"
    monkeypatch.setenv("REGEVAL_ENGINE", "postgres")
    with pytest.raises(ValueError, match="REGEVAL_ENGINE"):
        engine.engine()


def test_spark_profile_defaults_and_environment() -> None:
    """The reader's Spark settings are the profile's: local[*] and the warehouse from the environment."""
    default = engine.spark_profile({})
    assert default["schema"] == "regeval"
    assert default["conf"]["spark.master"] == "local[*]"
    assert default["conf"]["spark.sql.warehouse.dir"] == "spark-warehouse"
    chosen = engine.spark_profile(
        {
            "REGEVAL_SPARK_MASTER": "spark://head:7077",
            "REGEVAL_SPARK_WAREHOUSE": "/data/wh",
            "REGEVAL_SPARK_SCHEMA": "eval",
        }
    )
    assert chosen["schema"] == "eval"
    assert chosen["conf"]["spark.master"] == "spark://head:7077"
    assert chosen["conf"]["spark.sql.warehouse.dir"] == "/data/wh"
    assert (
        "databaseName=/data/wh/metastore_db"
        in chosen["conf"]["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )


def test_spark_environment_makes_the_warehouse_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """dbt and the reader get the same absolute warehouse; a URL is kept as it is."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(engine.WAREHOUSE_VARIABLE, "wh")
    assert engine.spark_environment()[engine.WAREHOUSE_VARIABLE] == str(tmp_path / "wh")
    monkeypatch.setenv(engine.WAREHOUSE_VARIABLE, "s3a://bucket/wh")
    assert engine.spark_environment()[engine.WAREHOUSE_VARIABLE] == "s3a://bucket/wh"
    monkeypatch.delenv(engine.WAREHOUSE_VARIABLE)
    assert engine.spark_environment()[engine.WAREHOUSE_VARIABLE].endswith("spark-warehouse")
    chosen = {engine.WAREHOUSE_VARIABLE: str(tmp_path / "check")}
    assert engine.spark_environment(chosen)[engine.WAREHOUSE_VARIABLE] == str(tmp_path / "check")


def test_analyst_tables_are_seeds_and_marts(tmp_path: Path) -> None:
    """The reader copies the seeds and the SQL marts, not staging, intermediate, tests or the estimation models (built afterwards on DuckDB)."""
    nodes = {
        "seed.regeval.studies": {
            "resource_type": "seed",
            "alias": "studies",
            "schema": "study_config",
            "fqn": ["regeval", "studies", "studies"],
        },
        "model.regeval.county_panel": {
            "resource_type": "model",
            "alias": "county_panel",
            "schema": "main",
            "fqn": ["regeval", "marts", "county_panel"],
        },
        "model.regeval.stg_x": {
            "resource_type": "model",
            "alias": "stg_x",
            "fqn": ["regeval", "staging", "register", "stg_x"],
        },
        "model.regeval.regression_effects": {
            "resource_type": "model",
            "alias": "regression_effects",
            "schema": "main",
            "fqn": ["regeval", "marts", "estimates", "regression_effects"],
            "tags": ["estimation"],
        },
        "test.regeval.t": {"resource_type": "test", "alias": "t", "fqn": ["regeval", "t"]},
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"nodes": nodes}))
    assert engine.analyst_tables(manifest) == [
        ("main", "county_panel"),
        ("study_config", "studies"),
    ]


def test_spark_run_builds_on_spark_then_reads_into_duckdb(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With the spark engine, dbt builds all but the estimation on the spark target and copies the seeds and marts into the run's file; the estimation models are then built there on DuckDB."""
    calls = []
    monkeypatch.setattr(
        pipeline,
        "run_dbt",
        lambda args, **kwargs: calls.append(
            (args, kwargs.get("target"), kwargs.get("copy_into"), kwargs["db_path"])
        ),
    )
    config = pipeline.RunConfig(
        data_dir=tmp_path,
        db_path=tmp_path / "x.duckdb",
        report_dir=tmp_path / "r",
        publish_dir=tmp_path / "p",
        generate_if_missing=False,
        engine="spark",
    )
    pipeline.build(config, tmp_path / "x.duckdb.building")
    building = tmp_path / "x.duckdb.building"
    assert calls == [
        (["build", "--exclude", "tag:estimation"], "spark", building, building),
        (["build", "--select", "tag:estimation"], None, None, building),
    ]


def test_spark_copy_reads_the_target_path() -> None:
    """The copy after dbt finds the manifest where dbt was told to write it."""
    assert engine._target_path(["build", "--target-path", "/tmp/t"]) == Path("/tmp/t")
    assert engine._target_path(["build"]).name == "target"


def database(path: Path, rows: str) -> Path:
    """A DuckDB file with one table t(key, n, x) from a VALUES list."""
    connection = duckdb.connect(str(path))
    connection.execute(
        f"create table t as select key, n, cast(x as double) as x from (values {rows}) as v(key, n, x)"
    )
    connection.close()
    return path


@pytest.mark.parametrize(
    ("right", "problem"),
    [
        ("('a', 1, 0.5), ('b', 2, 1e9 + 1e-3)", None),
        ("('b', 2, 1e9), ('a', 1, 0.5 + 1e-12)", None),
        ("('a', 1, 0.5 + 1e-6), ('b', 2, 1e9)", "t.x: 1 values differ"),
        ("('a', 1, 0.5), ('c', 2, 1e9)", "t.key: 1 rows differ"),
        ("('a', 1, null), ('b', 2, 1e9)", "t.x: 1 values differ"),
        ("('a', 1, 0.5)", "t: 2 rows against 1"),
    ],
)
def test_compare_databases(tmp_path: Path, right: str, problem: str | None) -> None:
    """Keys must match exactly and in number; numbers to 1e-9 (relative for large ones); NULL only against NULL."""
    left = database(tmp_path / "left.duckdb", "('a', 1, 0.5), ('b', 2, 1e9)")
    other = database(tmp_path / "right.duckdb", right)
    problems = compare_databases(left, other, [("main", "t")])
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problems[0].startswith(problem), problems
