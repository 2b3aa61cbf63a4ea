"""Ctrl-C: one line "interrupted", exit code 130, no traceback, from every kind of step."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


def interrupt(command: list[str], after: float) -> subprocess.CompletedProcess[str]:
    """Run `regeval COMMAND`, send it SIGINT (as Ctrl-C does) after some seconds, and collect its output."""
    # As from a terminal: a shell without job control starts background jobs with SIGINT
    # ignored, which a child inherits (and Python then never raises KeyboardInterrupt); a
    # handler in this process is reset to the default in the child.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "regeval.cli", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    time.sleep(after)
    assert process.poll() is None, "finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@pytest.mark.parametrize("step", ["generate", "validate"])
def test_ctrl_c_prints_one_line(step: str, small_register: Path, tmp_path: Path) -> None:
    """Interrupted while generating (Python) or while dbt runs (a child process): 'interrupted', 130, no traceback."""
    if step == "generate":
        result = interrupt(["generate", "--out", str(tmp_path / "out"), "--scale", "0.5"], 2.0)
    else:
        result = interrupt(["validate", "--data", str(small_register)], 4.0)
    output = result.stdout + result.stderr
    assert result.returncode == 130, output[-2000:]
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert result.stderr.splitlines()[-1] == "interrupted"
    assert output.count("interrupted") == 1
