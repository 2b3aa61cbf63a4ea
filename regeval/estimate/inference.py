"""Placebo-based building blocks: relative effects, permutation p-values and the placebo-t interval.

- `permutation`: every control county in turn takes the treated county's place
  (against the other controls, same model). The statistic is the absolute
  relative effect (coefficient / the unit's own pre-window mean for linear
  models, the log-point coefficient for the Poisson model), so that counties
  with different rate levels are comparable. p = (1 + #{|placebo| >= |estimate|})
  / (1 + N0): it takes only the values k / (N0 + 1), so with 11 controls it cannot
  go below 1/12 = 0.083. Under the null and exchangeable counties the treated
  estimate is one draw among N0 + 1, and this is an exact-size randomisation
  p-value; the plain share #/N0 can be 0 and rejects too often with few controls.
- `placebo_t`: the controls' placebo coefficients, in levels, are taken as draws
  of the treated county's estimation error, modelled as a mean-zero Student-t
  with N0 - 1 df and scale s = sqrt((N0^2 - 1)/N0^3 * sum b_j^2). CI = b -+
  t_{N0-1}(0.975) s and p = 2 t_{N0-1}.sf(|b| / s), so the 95 % interval excludes
  0 exactly when p < 0.05. The scale is exact in the benchmark case (balanced
  panel, OLS, errors iid normal across counties, any serial correlation within a
  county): there the placebos are b_j = N0/(N0-1)(D_j - mean D) for the controls'
  pre/post changes D, and b / s is Student-t with N0 - 1 df. This was called
  `conley_taber` before; Conley and Taber's own interval uses the placebos'
  empirical quantiles and is `single.conley_taber_empirical`.
- Limitation of both: the placebos stand for the treated county's error only if
  the counties' errors have the same distribution. A treated county more
  volatile than the controls (or smaller, with the denominator as weight) gets
  too short an interval. `single` has the methods that scale each unit by its
  own variability or use the treated county's own history, and `calibration`
  checks every method on the study's own data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.special

LEVEL = 0.95
TIE_TOLERANCE = 1e-10


def relative_to(values: np.ndarray | float, base: np.ndarray | float) -> np.ndarray:
    """values / base, NaN where the base is zero or missing (no relative effect without a pre level)."""
    values, base = np.broadcast_arrays(
        np.asarray(values, dtype=float), np.asarray(base, dtype=float)
    )
    usable = np.isfinite(base) & (base != 0)
    out = np.full(values.shape, np.nan)
    np.divide(values, base, out=out, where=usable)
    return out


def finite(values: np.ndarray) -> np.ndarray:
    """The finite values of an array, flattened."""
    values = np.asarray(values, dtype=float).ravel()
    return values[np.isfinite(values)]


def exceedances(statistic: float, placebos: np.ndarray) -> int:
    """Number of placebos at least as large in absolute value (numerical ties count)."""
    threshold = abs(statistic) * (1 - TIE_TOLERANCE)
    return int(np.sum(np.abs(finite(placebos)) >= threshold))


def permutation_p_value(statistic: float, placebos: np.ndarray) -> float:
    """(1 + #{|placebo| >= |statistic|}) / (1 + N0) over the finite placebos; NaN without any."""
    placebos = finite(placebos)
    if not np.isfinite(statistic) or placebos.size == 0:
        return float("nan")
    return (1 + exceedances(statistic, placebos)) / (1 + placebos.size)


def placebo_scale(placebos: np.ndarray) -> float:
    """Scale s = sqrt((N0^2 - 1)/N0^3 * sum b_j^2) of the mean-zero Student-t fitted to the placebo coefficients."""
    placebos = finite(placebos)
    n0 = placebos.size
    if n0 < 2:
        return float("nan")
    return float(np.sqrt((n0**2 - 1) / n0**3 * np.sum(placebos**2)))


def placebo_quantile(placebos: np.ndarray, level: float = LEVEL) -> float:
    """q((1+level)/2) = -q((1-level)/2) of the mean-zero Student-t fitted to the placebo coefficients."""
    n0 = finite(placebos).size
    scale = placebo_scale(placebos)
    if not np.isfinite(scale):
        return float("nan")
    return float(scipy.special.stdtrit(n0 - 1, (1 + level) / 2) * scale)


def placebo_t_p_value(estimate: float, placebos: np.ndarray) -> float:
    """2 P(|T| >= |b| / s) for T ~ t_{N0-1}: the p-value of the placebo-t interval's distribution.

    With s = 0 (all placebos exactly 0) the distribution is a point mass at 0:
    p = 0 for b != 0 and 1 for b = 0, matching the interval [b, b].
    """
    n0 = finite(placebos).size
    scale = placebo_scale(placebos)
    if not (np.isfinite(estimate) and np.isfinite(scale)):
        return float("nan")
    if scale == 0:
        return 1.0 if estimate == 0 else 0.0
    return float(2 * scipy.special.stdtr(n0 - 1, -abs(estimate) / scale))


@dataclass(frozen=True)
class PlaceboT:
    """A placebo-t interval and p-value in the units of the estimate."""

    ci_low: float
    ci_high: float
    p_value: float
    n_placebos: int


def placebo_t_interval(estimate: float, placebos: np.ndarray, level: float = LEVEL) -> PlaceboT:
    """CI = b -+ q and p = 2 t_{N0-1}.sf(|b| / s) from the Student-t fitted to the placebos (q = its quantile).

    The interval at `level` excludes 0 exactly when p < 1 - level.
    """
    placebos = finite(placebos)
    quantile = placebo_quantile(placebos, level)
    if not np.isfinite(estimate) or not np.isfinite(quantile):
        return PlaceboT(float("nan"), float("nan"), float("nan"), int(placebos.size))
    return PlaceboT(
        ci_low=estimate - quantile,
        ci_high=estimate + quantile,
        p_value=placebo_t_p_value(estimate, placebos),
        n_placebos=int(placebos.size),
    )


def rank_p_values(statistics: np.ndarray) -> np.ndarray:
    """For each placebo, (1 + #{others with |s_k| >= |s_j|}) / N0: its rank among the remaining placebos."""
    statistics = np.asarray(statistics, dtype=float)
    out = np.full(statistics.shape, np.nan)
    for j, value in enumerate(statistics):
        if np.isfinite(value):
            out[j] = permutation_p_value(value, np.delete(statistics, j))
    return out
