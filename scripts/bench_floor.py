"""The performance targets of `make bench`: dbt models against the hand-written floor, peak memory, scale 1x against 2x.

Every figure is measured on child processes started here, one at a time, with os.wait4 (CPU
seconds user + system and peak resident memory of the process and the processes it waited
for), so the ratios compare runs made minutes apart on the same machine:

- the floor (scripts/floor.py) and `dbt run` of the models that build the same county-month
  outcome tables (and of all models), on a copy of the built database; dbt's own fixed cost
  (start-up, parse, the run-start hook) is measured on one tiny model and shown beside;
- the peak memory of `dbt build` and of `regeval run` (what `make run` runs), with the time of
  its SQL steps (structure check, dbt build, the tests of the estimation tables);
- the same at twice the scale.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from regeval.paths import PROJECT_DIR

BIN = Path(sys.executable).parent
GIB = 1024**3
# The models that build the floor's tables (scripts/floor.py) and what they read.
OUTCOME_MODELS = [
    "+int_jobseekers__county_months",
    "+int_jobseeker_cells__county_months",
    "+int_aap__county_months",
]
DBT_FIXED_COST_MODEL = "int_population__county_years"
GENERATE = (
    "import sys; from pathlib import Path; from regeval.generate import generate_register; "
    "generate_register(Path(sys.argv[1]), float(sys.argv[2]), 2015)"
)
SQL_STEPS = ("check the structure", "dbt build", "dbt tests of the estimation tables")


@dataclass(frozen=True)
class Measured:
    """CPU seconds, wall seconds and peak memory (bytes) of one child process, with its stderr."""

    cpu: float
    wall: float
    peak: int
    stderr: str


def measure(command: list[str], work: Path, environment: dict[str, str]) -> Measured:
    """Run a command to completion and return its CPU time, wall time and peak memory; raise if it fails."""
    out, err = work / "stdout.log", work / "stderr.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=environment, stdout=stdout, stderr=stderr
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({process.returncode}):\n"
            + out.read_text()[-2000:]
            + err.read_text()[-2000:]
        )
    return Measured(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss * 1024, err.read_text())


def environment(db: Path, data: Path, work: Path) -> dict[str, str]:
    """The environment of a run on one database and register, its outputs inside work."""
    env = dict(os.environ)
    env.update(
        REGEVAL_DB=str(db),
        REGEVAL_DATA=str(data),
        REGEVAL_REPORT_DIR=str(work / "reports"),
        REGEVAL_PUBLISH_DIR=str(work / "publish"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def dbt(args: list[str], db: Path, data: Path, work: Path) -> Measured:
    """A dbt command on db and data, with its own target directory."""
    command = [str(BIN / "dbt"), *args, "--target-path", str(work / "target"), "-q"]
    return measure(command, work, environment(db, data, work))


def sql_seconds(stderr: str) -> float:
    """Seconds of the SQL steps of a `regeval run`, from its `<== step: N s` lines."""
    total = 0.0
    for name, seconds in re.findall(r"^<== (.*): ([0-9.]+) s$", stderr, flags=re.MULTILINE):
        if name.startswith(SQL_STEPS):
            total += float(seconds)
    return total


def one_scale(scale: float, work: Path) -> dict[str, Measured | float]:
    """Every measurement at one scale."""
    work.mkdir(parents=True, exist_ok=True)
    data, db = work / "register", work / "bench.duckdb"
    # In a child process: a child's peak memory counts this process's memory at the fork,
    # so this process must stay small.
    measure(
        [sys.executable, "-c", GENERATE, str(data), str(scale)], work, environment(db, data, work)
    )
    found: dict[str, Measured | float] = {}
    found["dbt build"] = dbt(["build"], db, data, work)
    models_db = work / "models.duckdb"
    shutil.copyfile(db, models_db)
    found["floor"] = measure(
        [sys.executable, str(PROJECT_DIR / "scripts" / "floor.py"), str(data)],
        work,
        environment(db, data, work),
    )
    dbt(["parse"], models_db, data, work)  # the parse cache for this database, not measured
    found["dbt fixed cost"] = dbt(["run", "--select", DBT_FIXED_COST_MODEL], models_db, data, work)
    found["outcome models"] = dbt(["run", "--select", *OUTCOME_MODELS], models_db, data, work)
    found["all models"] = dbt(["run"], models_db, data, work)
    models_db.unlink()
    run = measure([str(BIN / "regeval"), "run"], work, environment(db, data, work))
    found["make run"] = run
    found["make run SQL"] = sql_seconds(run.stderr)
    return found


def report(scale: float, found: dict[str, Measured | float]) -> None:
    """Print one scale's figures and the ratios against the targets."""
    floor, fixed = found["floor"], found["dbt fixed cost"]
    print(f"--- scale {scale:g}")
    for name in (
        "floor",
        "dbt fixed cost",
        "outcome models",
        "all models",
        "dbt build",
        "make run",
    ):
        m = found[name]
        print(
            f"  {name:<16} cpu {m.cpu:7.1f} s  wall {m.wall:7.1f} s  peak {m.peak / GIB:5.2f} GiB"
        )
    for name in ("outcome models", "all models"):
        m = found[name]
        print(
            f"  {name} / floor CPU: {m.cpu / floor.cpu:.2f} "
            f"(without dbt's fixed cost of {fixed.cpu:.1f} s: {(m.cpu - fixed.cpu) / floor.cpu:.2f}; "
            f"target 1.3 for the outcome models); memory {m.peak / floor.peak:.2f}x the floor's"
        )
    print(
        f"  SQL part of make run: {found['make run SQL']:.1f} s wall (target 25 s on a quiet machine)"
    )


def main(scale: float, work: Path) -> None:
    """Both scales, then the growth from 1x to 2x."""
    print("dbt models against the floor, peak memory, scale 1x against 2x", flush=True)
    results = {}
    for factor, target in ((1, 1.5), (2, 2.0)):
        found = one_scale(scale * factor, work / f"x{factor}")
        results[factor] = found
        report(scale * factor, found)
        peak = found["make run"].peak / GIB
        print(
            f"  peak memory of make run {peak:.2f} GiB: "
            f"{'under' if peak < target else 'OVER'} the {target} GiB target",
            flush=True,
        )
    print("--- growth from 1x to 2x")
    for name in ("floor", "outcome models", "dbt build", "make run"):
        one, two = results[1][name], results[2][name]
        print(f"  {name:<16} cpu x{two.cpu / one.cpu:.2f}  peak memory x{two.peak / one.peak:.2f}")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="regeval-bench-floor-") as tmp:
        main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0, Path(tmp))
