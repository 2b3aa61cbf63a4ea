"""regeval: difference-in-differences evaluation of a change made in one region."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["evaluate"]


def __getattr__(name: str) -> Any:
    """`regeval.evaluate`, imported on first use (it loads the numerical stack)."""
    if name == "evaluate":
        from regeval.anypanel import evaluate

        return evaluate
    raise AttributeError(f"module 'regeval' has no attribute {name!r}")
