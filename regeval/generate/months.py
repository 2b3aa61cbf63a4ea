"""Month index arithmetic: month 0 is December 2006, month 108 is December 2015."""

from __future__ import annotations

import numpy as np

FIRST_MONTH = np.datetime64("2006-12", "M")
N_MONTHS = 109
LAST = N_MONTHS - 1


def index(month: str) -> int:
    """Month index of a 'YYYY-MM' string."""
    return int((np.datetime64(month, "M") - FIRST_MONTH).astype(np.int64))


def days(k: np.ndarray | int) -> np.ndarray:
    """Days since 1970-01-01 of the first day of month index k (int32)."""
    k = np.asarray(k, dtype=np.int64)
    if k.size == 0:
        return np.empty(k.shape, dtype=np.int32)
    lo, hi = int(k.min()), int(k.max())
    table = (FIRST_MONTH + np.arange(lo, hi + 1)).astype("datetime64[D]").astype(np.int32)
    return table[k - lo]


def year(k: np.ndarray | int) -> np.ndarray:
    """Calendar year of month index k."""
    return (FIRST_MONTH + np.asarray(k, dtype=np.int64)).astype("datetime64[Y]").astype(
        np.int64
    ) + 1970


def month_of_year(k: np.ndarray | int) -> np.ndarray:
    """Calendar month 1-12 of month index k."""
    return (FIRST_MONTH + np.asarray(k, dtype=np.int64)).astype(np.int64) % 12 + 1


def ramp(k: np.ndarray, start: str, end: str) -> np.ndarray:
    """0 before `start`, 1 from `end`, linear in between."""
    a, b = index(start), index(end)
    return np.clip((np.asarray(k, dtype=np.float64) - a + 1) / (b - a + 1), 0.0, 1.0)


def piecewise(k: np.ndarray, knots: dict[str, float]) -> np.ndarray:
    """Linear interpolation through (month, value) knots, flat outside them."""
    xs = np.array([index(m) for m in knots], dtype=np.float64)
    return np.interp(np.asarray(k, dtype=np.float64), xs, np.array(list(knots.values())))
