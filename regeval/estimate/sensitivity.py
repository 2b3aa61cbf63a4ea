"""Sensitivity of the event-study effect to violations of parallel trends (Rambachan and Roth 2023).

The event-study coefficients are beta = tau + delta: the effect plus the bias
from a difference in trends, delta = 0 at the reference period (the last before
the intervention). Before the intervention tau = 0 (no anticipation), so the
pre coefficients reveal delta there. The target is theta = the mean effect over
the post-window periods (weights l_t on their event times t >= 1). Two
restrictions on how far delta after the intervention may depart from what the
pre periods show:

- relative magnitudes, Delta^RM(Mbar): every post period-to-period change of
  delta is at most Mbar times the largest pre change, S = max_s |beta_{s+1} -
  beta_s|. Then delta_t lies in [-t Mbar S, t Mbar S] and the identified set of
  theta is l'beta_post -+ Mbar S sum_t l_t t.
- smoothness, Delta^SD(M): the slope of delta changes by at most M per period.
  Extrapolating the last pre slope g0 = -beta_{-1}, delta_t lies in
  t g0 -+ M t (t + 1) / 2, so theta lies in l'beta_post - g0 sum l_t t -+ M sum
  l_t t (t + 1) / 2 (M = 0: a linear trend extrapolated from the last pre step).

Both sets are closed forms of the linear programs of Rambachan and Roth given
the pre coefficients. Sampling error: each endpoint is a linear combination a'beta
of the coefficients (at the active constraint); its standard error is the
placebo-t scale of a'b_j over the control counties' placebo event studies b_j
(the event-study covariance estimated from the controls' placebos, valid with
one treated county when the counties' errors are alike), and the robust
interval is [lower - t_{N0-1} s_lower, upper + t_{N0-1} s_upper]. This is the
identified set widened by each endpoint's own sampling error - a conservative
simplification of their conditional and fixed-length intervals, which the
report says. The breakdown value is the smallest Mbar (or M) at which the robust
interval contains zero: how large a violation would erase the effect.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import scipy.special

from regeval.estimate.inference import LEVEL, placebo_scale

RESTRICTIONS = ("relative_magnitudes", "smoothness")
RM_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)
SD_GRID_PCT = (0.0, 0.01, 0.05, 0.1, 0.5)  # M in percent of the treated pre mean per period^2
MAX_BREAKDOWN = 100.0


@dataclass(frozen=True)
class EventStudy:
    """Coefficients by event time (reference 0 excluded), the controls' placebo coefficients, the target weights."""

    coefficients: np.ndarray
    placebos: np.ndarray
    event_times: np.ndarray
    target: np.ndarray

    @property
    def theta(self) -> float:
        """The target: the weighted mean of the post coefficients."""
        return float(self.target @ self.coefficients)


@dataclass(frozen=True)
class Bounds:
    """One restriction at one M: the identified set and the robust interval."""

    restriction: str
    m: float
    lower: float
    upper: float
    ci_low: float
    ci_high: float

    @property
    def covers_zero(self) -> bool:
        """True when the robust interval contains zero."""
        return bool(self.ci_low <= 0 <= self.ci_high)


def _position(study: EventStudy, time: int) -> int | None:
    """Index of an event time among the coefficients, None if absent."""
    found = np.flatnonzero(study.event_times == time)
    return int(found[0]) if found.size else None


def _relative_magnitudes(study: EventStudy, m: float) -> tuple[np.ndarray, np.ndarray, float]:
    """(a_lower, a_upper, half width at the estimate) for Delta^RM(m)."""
    pre_times = np.sort(study.event_times[study.event_times < 0])
    path = {0: (None, 0.0)}
    for t in pre_times:
        index = _position(study, int(t))
        path[int(t)] = (index, float(study.coefficients[index]))
    times = sorted(path)
    best, best_combo = 0.0, np.zeros_like(study.coefficients)
    for earlier, later in itertools.pairwise(times):
        if later - earlier != 1:
            continue
        step = path[later][1] - path[earlier][1]
        if abs(step) > best:
            combo = np.zeros_like(study.coefficients)
            sign = np.sign(step)
            if path[later][0] is not None:
                combo[path[later][0]] += sign
            if path[earlier][0] is not None:
                combo[path[earlier][0]] -= sign
            best, best_combo = abs(step), combo
    c = float(study.target @ np.maximum(study.event_times, 0))
    half = m * best * c
    return study.target - m * c * best_combo, study.target + m * c * best_combo, half


def _smoothness(study: EventStudy, m: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(a_lower, a_upper, centre shift at the estimate, half width) for Delta^SD(m)."""
    t = np.maximum(study.event_times, 0).astype(float)
    c1 = float(study.target @ t)
    c2 = float(study.target @ (t * (t + 1) / 2))
    combo = study.target.copy()
    last = _position(study, -1)
    if last is not None:
        combo[last] += c1  # theta - sum l_t t g0 with g0 = -beta_{-1}
    return combo, combo, 0.0, m * c2


def bounds(study: EventStudy, restriction: str, m: float, level: float = LEVEL) -> Bounds:
    """The identified set and robust interval of theta under a restriction at M (see the module docstring)."""
    n0 = study.placebos.shape[0]
    quantile = float(scipy.special.stdtrit(max(n0 - 1, 1), (1 + level) / 2))
    if restriction == "relative_magnitudes":
        a_low, a_high, half = _relative_magnitudes(study, m)
        centre = study.theta
    elif restriction == "smoothness":
        a_low, a_high, _, half = _smoothness(study, m)
        centre = float(a_low @ study.coefficients)
    else:
        raise ValueError(
            f"unknown restriction {restriction!r}; available: {', '.join(RESTRICTIONS)}"
        )
    lower, upper = centre - half, centre + half
    s_low = placebo_scale(study.placebos @ a_low)
    s_high = placebo_scale(study.placebos @ a_high)
    return Bounds(restriction, m, lower, upper, lower - quantile * s_low, upper + quantile * s_high)


def breakdown(study: EventStudy, restriction: str, level: float = LEVEL) -> float:
    """The smallest M whose robust interval contains zero (0 if it already does at M = 0; inf if none up to the cap)."""
    if bounds(study, restriction, 0.0, level).covers_zero:
        return 0.0
    unit = 1.0 if restriction == "relative_magnitudes" else max(abs(study.theta), 1e-12)
    high = unit
    while not bounds(study, restriction, high, level).covers_zero:
        high *= 2
        if high > MAX_BREAKDOWN * unit:
            return float("inf")
    low = 0.0
    for _ in range(60):
        middle = (low + high) / 2
        if bounds(study, restriction, middle, level).covers_zero:
            high = middle
        else:
            low = middle
    return high


def sensitivity_rows(
    study_id: str, outcome_id: str, model: str, study: EventStudy, pre_mean: float
) -> list[dict]:
    """sensitivity rows: each restriction on its grid of M, with the breakdown value on every row."""
    rows = []
    scale = 100 / pre_mean if np.isfinite(pre_mean) and pre_mean != 0 else float("nan")
    for restriction in RESTRICTIONS:
        if restriction == "relative_magnitudes":
            grid = list(RM_GRID)
        else:
            grid = [m / scale if np.isfinite(scale) else np.nan for m in SD_GRID_PCT]
        point = breakdown(study, restriction)
        for m in grid:
            if not np.isfinite(m):
                continue
            found = bounds(study, restriction, m)
            smooth = restriction == "smoothness"
            rows.append(
                {
                    "study_id": study_id,
                    "outcome_id": outcome_id,
                    "model": model,
                    "restriction": restriction,
                    "inference": "placebo_t",
                    "m": m,
                    "m_pct": m * scale if smooth else np.nan,
                    "estimate": study.theta,
                    "lower": found.lower,
                    "upper": found.upper,
                    "ci_low": found.ci_low,
                    "ci_high": found.ci_high,
                    "estimate_pct": study.theta * scale,
                    "lower_pct": found.lower * scale,
                    "upper_pct": found.upper * scale,
                    "ci_low_pct": found.ci_low * scale,
                    "ci_high_pct": found.ci_high * scale,
                    "covers_zero": found.covers_zero,
                    "breakdown": point,
                    "breakdown_pct": point * scale if smooth else np.nan,
                    "n_controls": int(study.placebos.shape[0]),
                }
            )
    return rows
