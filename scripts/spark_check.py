"""The Spark check behind `make spark-check`: at a small scale the seeds and marts built on Spark equal DuckDB's.

One synthetic register (REGEVAL_CHECK_SCALE, default 0.02) is built twice with `dbt build`
(models, data tests and unit tests): on DuckDB, and on the profile's spark target (local
Spark, a fresh warehouse in a temporary directory). The Spark tables are read into a second
DuckDB file by the reader `make run` uses, and every seed and mart is compared with DuckDB's:
the same columns and types, every key equal, every number to 1e-9.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from regeval import engine
from regeval.dbt import DbtError, run_dbt
from regeval.generate import generate_register
from regeval.parity import TOLERANCE, compare_databases
from regeval.pipeline import ESTIMATION_TAG


def timed(label: str, function, *args, **kwargs):
    """Run a function and print how long it took."""
    started = time.perf_counter()
    value = function(*args, **kwargs)
    print(f"{label:<50} {time.perf_counter() - started:7.1f} s", flush=True)
    return value


def main() -> int:
    """Build on both engines, compare, print the findings; 1 when the marts differ or a build fails."""
    scale = float(os.environ.get("REGEVAL_CHECK_SCALE", "0.02"))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="regeval-spark-check-") as tmp:
        work = Path(tmp)
        data = work / "register"
        timed(f"generate register (scale {scale})", generate_register, data, scale, 2015)
        duckdb_file, spark_file = work / "duckdb.duckdb", work / "spark.duckdb"
        environment = dict(os.environ)
        environment[engine.WAREHOUSE_VARIABLE] = str(work / "spark-warehouse")
        environment = engine.spark_environment(environment)
        try:
            timed(
                "dbt build on DuckDB",
                run_dbt,
                ["build"],
                db_path=duckdb_file,
                data_dir=data,
                target_dir=work / "target-duckdb",
                quiet=True,
            )
            timed(
                "dbt build on Spark (local, all but the DuckDB-only estimation models), seeds and marts read",
                run_dbt,
                ["build", "--exclude", f"tag:{ESTIMATION_TAG}"],
                db_path=spark_file,
                data_dir=data,
                target_dir=work / "target-spark",
                quiet=True,
                target="spark",
                environment=environment,
                copy_into=spark_file,
            )
        except DbtError as error:
            print(error)
            return 1
        spark_schema = engine.spark_profile(environment)["schema"]
        tables = [
            (engine.duckdb_schema(schema, spark_schema), name)
            for schema, name in engine.analyst_tables(work / "target-spark" / "manifest.json")
        ]
        problems = timed(
            "compare with DuckDB's", compare_databases, duckdb_file, spark_file, tables
        )
    for problem in problems:
        print(problem)
    verdict = "differ" if problems else f"are equal (keys exactly, numbers to {TOLERANCE})"
    print(f"{len(tables)} seeds and marts built on Spark and on DuckDB {verdict}")
    print(f"spark check: {time.perf_counter() - started:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
