"""Run the loaded OpenBLAS libraries on one thread while estimating (thousands of small solves)."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SYMBOLS = (
    ("openblas_get_num_threads", "openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
)


def _loaded_openblas() -> list[str]:
    """Paths of the OpenBLAS shared libraries mapped into this process (Linux; empty elsewhere)."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return []
    paths = {
        line.split()[-1]
        for line in maps.read_text().splitlines()
        if len(line.split()) >= 6 and "openblas" in line.split()[-1].lower()
    }
    return sorted(paths)


def _controls() -> list[tuple[ctypes._CFuncPtr, ctypes._CFuncPtr]]:
    """(get, set) thread-count functions of every loaded OpenBLAS."""
    found = []
    for path in _loaded_openblas():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for get_name, set_name in SYMBOLS:
            if hasattr(library, get_name) and hasattr(library, set_name):
                found.append((getattr(library, get_name), getattr(library, set_name)))
                break
    return found


@contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Set every loaded OpenBLAS to n threads inside the block, then restore the previous counts."""
    controls = _controls()
    previous = [get() for get, _ in controls]
    try:
        for _, set_threads in controls:
            set_threads(n)
        yield
    finally:
        for (_, set_threads), count in zip(controls, previous, strict=True):
            set_threads(count)
