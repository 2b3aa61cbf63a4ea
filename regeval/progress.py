"""Progress lines for long steps: what starts, what it reports, and how long it took."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager


def say(message: str) -> None:
    """Print one progress line at once."""
    print(message, file=sys.stderr, flush=True)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Announce a step, then its duration when it ends (or that it failed)."""
    say(f"==> {name}")
    started = time.perf_counter()
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException:
        say(f"<== {name}: failed after {time.perf_counter() - started:.1f} s")
        raise
    say(f"<== {name}: {time.perf_counter() - started:.1f} s")
