"""Exclusive use of a database or a work directory: a lock file holding the pid and start time of its holder.

The lock is an exclusive flock on the file, so the kernel releases it when the holding
process dies: a lock file left by a killed run is taken over by the next one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class LockedError(RuntimeError):
    """Another run holds the lock of the database."""


class _BusyError(Exception):
    """A lock file is held by another process (its pid and start time)."""

    def __init__(self, pid: str, started: str) -> None:
        super().__init__(pid, started)
        self.pid, self.started = pid, started


def lock_path(db_path: Path) -> Path:
    """The lock file of a database."""
    return db_path.with_name(db_path.name + ".lock")


def _holder(path: Path) -> tuple[str, str]:
    """The pid and start time written in a lock file ('?' when unreadable)."""
    try:
        pid, started = ([*path.read_text().split("\n"), "", ""])[:2]
    except OSError:
        return "?", "?"
    return pid.strip() or "?", started.strip() or "?"


@contextmanager
def _exclusive(path: Path) -> Iterator[Path]:
    """Hold an exclusive lock on the file at path for the block; raise _BusyError at once when another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            raise _BusyError(*_holder(path)) from None
        try:
            same = os.fstat(descriptor).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        # The holder removed the file between our open and our lock: lock the new one.
        os.close(descriptor)
    try:
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()}\n{started}\n".encode())
        yield path
    finally:
        path.unlink(missing_ok=True)
        os.close(descriptor)


@contextmanager
def database_lock(db_path: Path) -> Iterator[Path]:
    """Hold the lock of db_path (<db>.lock) for the block; raise LockedError at once when another run holds it."""
    try:
        with _exclusive(lock_path(db_path)) as path:
            yield path
    except _BusyError as busy:
        raise LockedError(
            f"another run is building {db_path} since {busy.started} (pid {busy.pid})"
        ) from None


@contextmanager
def work_dir(shared: Path) -> Iterator[Path]:
    """The shared work directory when no other process uses it (its dbt parse cache stays warm), else a private temporary one."""
    try:
        with _exclusive(shared / ".lock"):
            yield shared
        return
    except _BusyError:
        pass
    private = Path(tempfile.mkdtemp(prefix="regeval-work-"))
    try:
        yield private
    finally:
        shutil.rmtree(private, ignore_errors=True)
