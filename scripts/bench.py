"""Benchmark: times of the main steps at a chosen scale, and the new-job-seeker rule as a window against a self anti-join.

Run with `make bench` (REGEVAL_BENCH_SCALE, default 1.0 = Norway's size). The figures are
printed, not asserted: this machine is noisy, so compare the ratios measured in one run.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

import regeval
from regeval.dbt import run_dbt
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
    print(f"{label:<55} {seconds:8.1f} s", flush=True)
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


def evaluate_panel_40x30() -> pd.DataFrame:
    """A random 40-unit x 30-period panel with weights."""
    rng = np.random.default_rng(40)
    units = [f"u{i:02d}" for i in range(40)]
    frame = pd.DataFrame({"unit": np.repeat(units, 30), "period": np.tile(np.arange(30), 40)})
    frame["y"] = rng.normal(3, 0.1, len(frame)) + np.repeat(rng.normal(0, 1, 40), 30)
    frame["w"] = np.repeat(rng.uniform(1e4, 1e5, 40), 30)
    return frame


def main() -> int:
    """Run the benchmark and print a table of timings and ratios."""
    scale = float(os.environ.get("REGEVAL_BENCH_SCALE", "1.0"))
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
        from regeval.estimate import run_estimation

        timed(
            "estimation (regressions, placebos, inference, calibration)",
            results,
            run_estimation,
            db,
            progress=lambda line: print(f"  {line}"),
        )
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
    seconds = dict(results)
    ratio = (
        seconds["new job seekers: self anti-join (the alternative)"]
        / seconds["new job seekers: window functions (the model)"]
    )
    print(
        f"anti-join / window time ratio: {ratio:.1f} (same count of new job seekers: {window[0]:,})"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {peak:,.0f} MiB, largest child (dbt) {children:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
