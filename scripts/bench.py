"""Benchmark: times of the main steps at a chosen scale, the new-job-seeker rule as a window against a self anti-join, and dbt build on DuckDB beside Spark.

The group-time models of roll-out studies are timed as a share of the rest of `dbt build`
(summed node times from one build's run_results.json, so the share does not depend on how
dbt's two threads overlapped).

Run with `make bench` (REGEVAL_BENCH_SCALE, default 1.0 = Norway's size). The figures are
printed, not asserted: this machine is noisy, so compare the ratios measured in one run.
The monthly refresh (`regeval run --refresh`) is timed against the full build: one new
month added to the extract, then the same extract again.
It starts with the performance targets (scripts/bench_floor.py): the dbt models against the
hand-written floor (scripts/floor.py), peak memory of `dbt build` and of `make run`, and
the growth from 1x to 2x the scale.
The engine section (REGEVAL_BENCH_ENGINE_SCALES, default 0.1,0.5; empty to skip) builds a
register of each scale with `dbt build` on DuckDB and on local Spark and prints both times,
their ratio, and how each grows from the first scale to the last. The one-pass outcome
unpivot (what the portable SQL changed in DuckDB's plans) is timed against the union of one
select per outcome it replaced, on DuckDB, so that DuckDB's own speed is seen as a ratio.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import bench_floor
import duckdb
import numpy as np
import pandas as pd

import regeval
from regeval import engine
from regeval.dbt import DbtError, run_dbt
from regeval.generate import generate_register
from regeval.validate import validate

ANTI_JOIN = """
select count(*) filter (where is_new)
from (
    select
        t.person_id,
        t.month,
        t.month >= (select min(month) from read_parquet($path)) + interval 2 month
            and not exists (
                select 1 from read_parquet($path) as p
                where p.person_id = t.person_id
                    and p.month between t.month - interval 2 month and t.month - interval 1 month
            ) as is_new
    from read_parquet($path) as t
)
"""


def timed(label: str, results: list[tuple[str, float]], function, *args, **kwargs):
    """Run a function, record and print its wall time."""
    started = time.perf_counter()
    value = function(*args, **kwargs)
    seconds = time.perf_counter() - started
    results.append((label, seconds))
    print(f"{label:<55} {seconds:8.{3 if seconds < 10 else 1}f} s", flush=True)
    return value


def print_model_times(run_results: Path) -> None:
    """Seconds spent in the models of each intermediate family and in the marts, from dbt's run results."""
    totals: dict[str, float] = {}
    for result in json.loads(run_results.read_text())["results"]:
        parts = result["unique_id"].split(".")
        if parts[0] != "model":
            continue
        name = parts[-1]
        family = (
            "Study A models (job seekers)"
            if "jobseeker" in name
            else "Study B models (AAP, sickness benefit)"
            if ("aap" in name or "sickness" in name or "population" in name)
            else "marts and other models"
        )
        totals[family] = totals.get(family, 0.0) + result["execution_time"]
    for family, seconds in sorted(totals.items()):
        print(f"  {family:<53} {seconds:8.1f} s (summed model times)")


ROLLOUT_MODELS = ("int_rollout__county_changes", "group_time_effects", "event_time_effects")


def rollout_share(run_results: Path) -> tuple[float, float]:
    """Seconds of the group-time models (with their data and unit tests) and of every other node, summed."""
    rollout = other = 0.0
    for result in json.loads(run_results.read_text())["results"]:
        name = result["unique_id"]
        if any(model in name for model in ROLLOUT_MODELS):
            rollout += result["execution_time"]
        else:
            other += result["execution_time"]
    return rollout, other


def print_rollout_share(run_results: Path) -> None:
    """How much the group-time models add to dbt build (target: under 20 %), from one build."""
    rollout, other = rollout_share(run_results)
    print(
        f"  {'group-time models and their tests (roll-out studies)':<53} {rollout:8.1f} s "
        f"(summed node times): +{100 * rollout / other:.1f} % on the other {other:.1f} s"
    )


def evaluate_panel_40x30() -> pd.DataFrame:
    """A random 40-unit x 30-period panel with weights."""
    rng = np.random.default_rng(40)
    units = [f"u{i:02d}" for i in range(40)]
    frame = pd.DataFrame({"unit": np.repeat(units, 30), "period": np.tile(np.arange(30), 40)})
    frame["y"] = rng.normal(3, 0.1, len(frame)) + np.repeat(rng.normal(0, 1, 40), 30)
    frame["w"] = np.repeat(rng.uniform(1e4, 1e5, 40), 30)
    return frame


def synthetic_panel_40x60() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 40-unit x 60-period matrix (factor model: two common factors with unit loadings), 45 pre periods."""
    rng = np.random.default_rng(60)
    factors = rng.normal(0, 0.1, (2, 60)).cumsum(axis=1)
    loadings = rng.uniform(0.5, 1.5, (40, 2))
    y = 3 + rng.normal(0, 0.5, (40, 1)) + loadings @ factors + rng.normal(0, 0.05, (40, 60))
    pre = np.arange(60) < 45
    return y, pre, ~pre


def time_synthetic_estimators(results: list[tuple[str, float]]) -> None:
    """SC and SDID on a 40 x 60 panel: one fit, and the fit with every control's placebo fit."""
    from regeval.estimate.synthetic import fit

    y, pre, post = synthetic_panel_40x60()
    for estimator in ("sc", "sdid"):
        timed(
            f"{estimator}: one fit, 40 units x 60 periods", results, fit, y, 0, pre, post, estimator
        )
        timed(
            f"{estimator}: fit and 39 placebo fits, 40 units x 60 periods",
            results,
            lambda e=estimator: [
                fit(np.delete(y, 0, axis=0) if k else y, max(k - 1, 0), pre, post, e)
                for k in range(40)
            ],
        )


def time_synthetic_studies(db: Path, results: list[tuple[str, float]]) -> None:
    """SC and SDID of every study outcome with their placebos and calibration (the pipeline's share)."""
    from regeval.estimate.design import designs_from
    from regeval.estimate.evaluation import evaluate_panel
    from regeval.estimate.panels import read_inputs
    from regeval.estimate.sample import county_panel
    from regeval.estimate.threads import blas_threads

    inputs = read_inputs(db)
    designs = designs_from(inputs.studies, inputs.study_periods)

    def every_outcome() -> int:
        count = 0
        with blas_threads(1):
            for study_id, design in designs.items():
                rows = inputs.county_panel[inputs.county_panel["study_id"] == study_id]
                for outcome_id, frame in rows.groupby("outcome_id"):
                    window = design.window(str(outcome_id))
                    if window is None:
                        continue
                    panel = county_panel(frame)
                    inside = window.sample(panel.period)
                    pre = window.pre(panel.period) & inside
                    post = window.post(panel.period) & inside
                    before = panel.select(design.before_first_intervention(panel.period))
                    found = evaluate_panel(
                        panel, pre, post, before, estimators=("sc", "sdid"), conventional=False
                    )
                    count += found is not None
        return count

    count = timed(
        "sc + sdid of every study outcome with placebos and calibration", results, every_outcome
    )
    print(f"  ({count} outcomes)")


def union_per_outcome(compiled: str, outcome_ids: list[str]) -> str:
    """The compiled job-seeker county model with its one-pass unpivot replaced by one select per outcome."""
    head = compiled[: compiled.rindex("select * from long")].rstrip()
    branches = "\n    union all\n".join(
        f"""
    select '{outcome_id}' as outcome_id, grid.month as period_start, grid.county_code,
        cast(grid.{
            outcome_id
        } as double) as numerator, cast(grid.labour_force as double) as denominator
    from grid
    {
            "cross join countable where grid.month between countable.first_countable_month"
            " and countable.last_countable_month"
            if outcome_id.startswith("new_")
            else ""
        }"""
        for outcome_id in outcome_ids
    )
    return f"{head},\nunioned as ({branches}\n)\nselect * from unioned"


def time_unpivot(db: Path, target: Path, results: list[tuple[str, float]]) -> None:
    """The job-seeker county model's one-pass unpivot against a union per outcome, on DuckDB."""
    compiled = (
        target / "compiled/regeval/models/intermediate/jobseekers/int_jobseekers__county_months.sql"
    ).read_text()
    with duckdb.connect(str(db), read_only=True) as con:
        outcome_ids = [
            row[0]
            for row in con.execute(
                "select distinct outcome_id from int_jobseekers__county_months order by 1"
            ).fetchall()
        ]
        check = "select count(*), sum(numerator), sum(denominator) from ({sql})"
        one_pass = timed(
            "job-seeker outcomes unpivoted in one pass (the model)",
            results,
            lambda: con.execute(check.format(sql=compiled)).fetchone(),
        )
        union = timed(
            "job-seeker outcomes as a union per outcome (before)",
            results,
            lambda: con.execute(
                check.format(sql=union_per_outcome(compiled, outcome_ids))
            ).fetchone(),
        )
    seconds = dict(results)
    ratio = (
        seconds["job-seeker outcomes unpivoted in one pass (the model)"]
        / seconds["job-seeker outcomes as a union per outcome (before)"]
    )
    same = "same rows" if one_pass == union else f"DIFFERENT rows: {one_pass} against {union}"
    print(f"one-pass / union-per-outcome time ratio on DuckDB: {ratio:.2f} ({same})")


def time_refresh(data: Path, db: Path, work: Path, results: list[tuple[str, float]]) -> None:
    """The monthly refresh against full builds: one new month (estimation re-run), and the same extract again (kept).

    The full builds are `dbt build` as timed above and the SQL layers alone (without the
    estimation models) into a scratch database.
    """
    from regeval import refresh
    from regeval.generate.next_month import add_month
    from regeval.pipeline import RunConfig, refresh_build

    timed(
        "dbt build without the estimation models (SQL layers, their tests)",
        results,
        run_dbt,
        ["build", "--exclude", "tag:estimation"],
        db_path=work / "sql_only.duckdb",
        data_dir=data,
        target_dir=work / "target_sql",
        quiet=True,
    )
    refresh.store(db, refresh.fingerprint(data))
    next_month = work / "register_next"
    new_month = timed("write the extract with one more month", results, add_month, data, next_month)
    current = RunConfig(next_month, db, work / "r", work / "p", generate_if_missing=False)
    timed(
        f"refresh: new month {new_month[:7]} (SQL layers from it, estimation re-run)",
        results,
        refresh_build,
        current,
        work / "refreshed.duckdb",
    )
    os.replace(work / "refreshed.duckdb", db)
    timed(
        "refresh: the same extract again (SQL layers, estimation kept)",
        results,
        refresh_build,
        current,
        work / "refreshed.duckdb",
    )
    seconds = dict(results)
    full = seconds["dbt build (seeds, models, tests)"]
    sql = seconds["dbt build without the estimation models (SQL layers, their tests)"]
    new = seconds[f"refresh: new month {new_month[:7]} (SQL layers from it, estimation re-run)"]
    same = seconds["refresh: the same extract again (SQL layers, estimation kept)"]
    print(
        f"refresh / full dbt build: new month {new / full:.2f}, unchanged extract {same / full:.2f}"
        f" (target < 0.10); unchanged extract / SQL layers alone {same / sql:.2f}"
    )


def engine_builds(scales: list[float], work: Path) -> None:
    """dbt build on DuckDB and on local Spark at each scale: times, ratio and growth."""
    rows = []
    for scale in scales:
        data = work / f"register-{scale}"
        generate_register(data, scale, 2015)
        times = {}
        for name in ("duckdb", "spark"):
            environment = dict(os.environ)
            environment[engine.WAREHOUSE_VARIABLE] = str(work / f"warehouse-{scale}")
            started = time.perf_counter()
            try:
                run_dbt(
                    ["build"],
                    db_path=work / f"engines-{scale}.duckdb",
                    data_dir=data,
                    target_dir=work / f"target-{name}-{scale}",
                    quiet=True,
                    target=engine.DBT_TARGETS[name],
                    environment=engine.spark_environment(environment),
                )
            except DbtError as error:
                print(f"dbt build on {name} at scale {scale} failed: {error}", file=sys.stderr)
                times[name] = float("nan")
                continue
            times[name] = time.perf_counter() - started
        rows.append((scale, times["duckdb"], times["spark"]))
        print(
            f"dbt build at scale {scale:<5}  DuckDB {times['duckdb']:7.1f} s   "
            f"Spark (local) {times['spark']:7.1f} s   Spark / DuckDB {times['spark'] / times['duckdb']:5.1f}",
            flush=True,
        )
    if len(rows) > 1:
        (first, duck_first, spark_first), (last, duck_last, spark_last) = rows[0], rows[-1]
        print(
            f"growth from scale {first} to {last} (x{last / first:g} data): "
            f"DuckDB x{duck_last / duck_first:.2f}, Spark x{spark_last / spark_first:.2f}"
        )


def main() -> int:
    """Run the benchmark and print a table of timings and ratios."""
    scale = float(os.environ.get("REGEVAL_BENCH_SCALE", "1.0"))
    with tempfile.TemporaryDirectory(prefix="regeval-bench-floor-") as tmp:
        bench_floor.main(scale, Path(tmp))
    results: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="regeval-bench-") as tmp:
        work = Path(tmp)
        data, db = work / "register", work / "bench.duckdb"
        summary = timed(
            f"generate register (scale {scale})", results, generate_register, data, scale, 2015
        )
        print(f"  rows: {summary.get('rows', summary)}")
        for parse in ("dbt parses the project", "dbt's parse cache warm"):
            problems = timed(
                f"validate the extract ({parse})", results, validate, data, work / "validate"
            )
            if problems:
                print("\n".join(map(str, problems)), file=sys.stderr)
                return 1
        timed(
            "dbt build (seeds, models, tests)",
            results,
            run_dbt,
            ["build"],
            db_path=db,
            data_dir=data,
            target_dir=work / "target",
            quiet=True,
        )
        print_model_times(work / "target" / "run_results.json")
        print_rollout_share(work / "target" / "run_results.json")
        time_unpivot(db, work / "target", results)
        from regeval.estimate import estimate_tables
        from regeval.estimate.panels import read_inputs

        timed(
            "estimation (regressions, placebos, inference, calibration; inside dbt build above)",
            results,
            lambda: estimate_tables(read_inputs(db), progress=lambda line: print(f"  {line}")),
        )
        time_synthetic_studies(db, results)
        time_synthetic_estimators(results)
        panel = evaluate_panel_40x30()
        timed(
            "regeval.evaluate: 40 units x 30 periods, every method and its calibration",
            results,
            lambda: regeval.evaluate(
                panel,
                unit="unit",
                period="period",
                outcome="y",
                weight="w",
                treated="u00",
                intervention=20,
            ),
        )
        with duckdb.connect(str(db), read_only=True) as con:
            window_sql = (
                work
                / "target"
                / "compiled"
                / "regeval"
                / "models"
                / "intermediate"
                / "jobseekers"
                / "int_jobseeker_months_flagged.sql"
            ).read_text()
            window = timed(
                "new job seekers: window functions (the model)",
                results,
                lambda: con.execute(
                    f"select count(*) filter (where is_new) from ({window_sql})"
                ).fetchone(),
            )
            anti = timed(
                "new job seekers: self anti-join (the alternative)",
                results,
                lambda: con.execute(
                    ANTI_JOIN, {"path": str(data / "jobseeker_months.parquet")}
                ).fetchone(),
            )
        if window != anti:
            print(f"the two rules disagree: {window} against {anti}", file=sys.stderr)
            return 1
        time_refresh(data, db, work, results)
    seconds = dict(results)
    ratio = (
        seconds["new job seekers: self anti-join (the alternative)"]
        / seconds["new job seekers: window functions (the model)"]
    )
    print(
        f"anti-join / window time ratio: {ratio:.1f} (same count of new job seekers: {window[0]:,})"
    )
    engine_scales = os.environ.get("REGEVAL_BENCH_ENGINE_SCALES", "0.1,0.5")
    scales = [float(value) for value in engine_scales.split(",") if value.strip()]
    if scales:
        with tempfile.TemporaryDirectory(prefix="regeval-bench-engines-") as tmp:
            engine_builds(scales, Path(tmp))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {peak:,.0f} MiB, largest child (dbt) {children:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
