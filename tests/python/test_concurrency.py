"""One run per database: a second run is refused and touches nothing; stale locks and leftovers are taken over."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regeval import pipeline
from regeval.lock import LockedError, database_lock, lock_path, work_dir
from regeval.pipeline import RunConfig, building_path, dbt_target
from regeval.validate import BadInputError

HOLD = (
    "import sys, time; from pathlib import Path; from regeval.lock import database_lock\n"
    "with database_lock(Path(sys.argv[1])):\n"
    "    print('locked', flush=True); time.sleep(60)\n"
)


def snapshot(directory: Path) -> dict[str, str]:
    """Every file under a directory with its SHA-256 (the lock file left out)."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def config(data_dir: Path, db_path: Path) -> RunConfig:
    """A run whose outputs all lie beside db_path."""
    return RunConfig(
        data_dir=data_dir,
        db_path=db_path,
        report_dir=db_path.parent / "report",
        publish_dir=db_path.parent / "publish",
        generate_if_missing=False,
    )


def test_second_run_refused_and_touches_nothing(tmp_path: Path) -> None:
    """While a run holds the database, another says who and since when, exits non-zero and changes no file."""
    work = tmp_path / "work"
    work.mkdir()
    db = work / "regeval.duckdb"
    db.write_bytes(b"earlier database")
    building_path(db).write_bytes(b"the other run's database in the making")
    (work / "publish").mkdir()
    (work / "publish" / "county_panel.csv").write_text("a\n1\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = snapshot(work)
        with pytest.raises(LockedError) as raised:
            pipeline.run(config(tmp_path / "no-such-extract", db))
        message = str(raised.value)
        assert message.startswith(f"another run is building {db} since 20")
        assert message.endswith(f"(pid {holder.pid})")
        assert snapshot(work) == before
        env = {**os.environ, "REGEVAL_DB": str(db), "REGEVAL_DATA": str(tmp_path / "none")}
        cli = subprocess.run(
            [sys.executable, "-m", "regeval.cli", "run"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert cli.returncode == 1
        assert cli.stderr.strip() == f"regeval: error: {message}"
        assert snapshot(work) == before
    finally:
        holder.kill()
        holder.wait()


def test_stale_lock_of_a_dead_run_is_taken_over(tmp_path: Path) -> None:
    """A lock file whose process is gone does not block: the next run takes it and writes its own pid."""
    db = tmp_path / "regeval.duckdb"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    lock_path(db).write_text(f"{dead.stdout.strip()}\n2020-01-01 00:00:00 UTC\n")
    with database_lock(db) as path:
        pid, started = path.read_text().splitlines()
        assert pid == str(os.getpid()) and started.startswith(time.strftime("%Y"))
    assert not lock_path(db).exists()


def test_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    """A run killed with SIGKILL leaves its lock file, and the next run takes it over."""
    db = tmp_path / "regeval.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    assert lock_path(db).exists()
    with database_lock(db):
        assert lock_path(db).read_text().split()[0] == str(os.getpid())


def test_leftover_building_file_removed_at_start(tmp_path: Path) -> None:
    """A <db>.building left by a killed run is removed under the lock, even when the run then stops on bad input."""
    bad = tmp_path / "register"
    bad.mkdir()
    db = tmp_path / "out" / "regeval.duckdb"
    db.parent.mkdir()
    leftovers = [building_path(db), building_path(db.parent / "publish")]
    leftovers[0].write_bytes(b"person-level copy from a killed run")
    leftovers[1].mkdir()
    with pytest.raises(BadInputError):
        pipeline.run(config(bad, db))
    assert not any(p.exists() for p in leftovers)


def test_concurrent_validations_get_their_own_scratch(tmp_path: Path) -> None:
    """The shared validation directory is used by one validation at a time; another gets a private one."""
    shared = tmp_path / "validate"
    with work_dir(shared) as first:
        with work_dir(shared) as second:
            assert first == shared and second != shared and second.is_dir()
        assert not second.exists()
    with work_dir(shared) as again:
        assert again == shared


def test_runs_on_different_databases_use_different_dbt_targets(tmp_path: Path) -> None:
    """dbt's target directory is per database, never the shared target/."""
    one, two = (
        dbt_target(tmp_path / "a" / "regeval.duckdb"),
        dbt_target(tmp_path / "regeval.duckdb"),
    )
    assert one != two and one.parent.name == "runs"


def test_directory_swap_leaves_no_moment_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replacing publish/ exchanges the two directories at once: after every rename publish/ exists."""
    target = tmp_path / "publish"
    target.mkdir()
    (target / "county_panel.csv").write_text("old\n")
    built = building_path(target)
    built.mkdir()
    (built / "county_panel.csv").write_text("new\n")
    seen = []
    real_replace = os.replace

    def spy(source: object, destination: object) -> None:
        real_replace(source, destination)
        seen.append(target.exists())

    monkeypatch.setattr(os, "replace", spy)
    pipeline.move_into_place(built, target)
    assert all(seen)
    assert (target / "county_panel.csv").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["publish"]


def test_reader_always_finds_the_directory(tmp_path: Path) -> None:
    """A reader polling publish/ during 200 replacements never finds it missing."""
    import threading

    target = tmp_path / "publish"
    target.mkdir()
    (target / "f").write_text("0")
    missing, done = [], threading.Event()

    def read() -> None:
        while not done.is_set():
            if not (target / "f").exists():
                missing.append(1)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(200):
            built = building_path(target)
            built.mkdir()
            (built / "f").write_text(str(i))
            pipeline.move_into_place(built, target)
    finally:
        done.set()
        reader.join()
    assert missing == []
    assert (target / "f").read_text() == "199"
