"""Inference with one treated county from the control counties' placebo estimates.

Two methods, each named in the `inference` column of every row it produces:

- `permutation`: every control county in turn takes the treated county's place
  (against the other controls, same model). The statistic is the absolute
  relative effect (coefficient / the unit's own pre-window mean for linear
  models, the log-point coefficient for the Poisson model), so that counties
  with different rate levels are comparable. p = (1 + #{|placebo| >= |estimate|})
  / (1 + N0): it takes only the values k / (N0 + 1).
- `conley_taber` (Conley & Taber 2011): the controls' placebo coefficients, in
  levels, estimate the distribution of the treated county's estimation error.
  That distribution is taken to be a mean-zero Student-t with N0 - 1 df and
  scale s fitted to the placebos (below). CI = b -+ t_{N0-1}(0.975) s and
  p = 2 t_{N0-1}.sf(|b| / s): interval and p-value come from the same reference
  distribution, so the 95 % interval excludes 0 exactly when p < 0.05.

Choices, written down:

- Permutation p-values use (1 + #) / (1 + N0) rather than the plain share #/N0.
  Under the null and exchangeable counties the treated estimate is one draw
  among N0 + 1, and (1 + #) / (1 + N0) is then an exact-size randomisation
  p-value (P(p <= k/(N0+1)) = k/(N0+1)); the plain share is Conley-Taber's
  large-N0 estimate, can be 0, and rejects too often with 11 or 19 controls
  (P(share <= a) is about a + 1/(N0 + 1)). With 11 controls it cannot go
  below 1/12 = 0.083, which is why it is kept as its own row beside
  `conley_taber`.
- The Conley-Taber reference distribution is a fitted mean-zero Student-t, not
  the empirical distribution of the placebos: with N0 placebos no interval
  between observed placebos covers more than (N0 - 1)/(N0 + 1) (83 % with 11
  controls), so a 95 % interval needs tails beyond the observed range. The
  scale s = sqrt((N0^2 - 1)/N0^3 * sum b_j^2) is exact in the benchmark case
  (balanced panel, OLS, errors iid normal across counties, any serial
  correlation within a county): there the placebos are b_j = N0/(N0-1)(D_j -
  mean D) for the controls' pre/post changes D, and b / s is Student-t with
  N0 - 1 df, so the interval has exact coverage and the p-value exact size.
  The interval is symmetric around the estimate.
  `conley_taber_empirical_ci` keeps the empirical-quantile version for
  comparison (it under-covers with few controls).
- Limitation: the placebos stand for the treated county's error only if the
  counties' errors have the same distribution. twfe_county is weighted by the
  denominator, and counties of different sizes have rates of different
  precision, so the interval's coverage depends on the treated county's size.
  Measured (tests/python/test_estimate_inference.py; denominators spread 10x,
  sampling noise sd ~ 1/sqrt(denominator), 12 / 20 counties): coverage of the
  95 % interval 0.97 / 0.97 (test size 0.03) for a median-sized treated county
  (Hedmark's position in both studies: conservative), 0.79 / 0.78 (size 0.21 /
  0.22) for the smallest, 1.00 for the largest. Ferman & Pinto (2019) correct
  for this; not implemented yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.stats

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
    return float(scipy.stats.t.ppf((1 + level) / 2, n0 - 1) * scale)


def placebo_t_p_value(estimate: float, placebos: np.ndarray) -> float:
    """2 P(|T| >= |b| / s) for T ~ t_{N0-1}: the p-value of the Conley-Taber interval's distribution.

    With s = 0 (all placebos exactly 0) the distribution is a point mass at 0:
    p = 0 for b != 0 and 1 for b = 0, matching the interval [b, b].
    """
    n0 = finite(placebos).size
    scale = placebo_scale(placebos)
    if not (np.isfinite(estimate) and np.isfinite(scale)):
        return float("nan")
    if scale == 0:
        return 1.0 if estimate == 0 else 0.0
    return float(2 * scipy.stats.t.sf(abs(estimate) / scale, n0 - 1))


@dataclass(frozen=True)
class ConleyTaber:
    """A Conley-Taber interval and p-value in the units of the estimate."""

    ci_low: float
    ci_high: float
    p_value: float
    n_placebos: int


def conley_taber(estimate: float, placebos: np.ndarray, level: float = LEVEL) -> ConleyTaber:
    """CI = b -+ q and p = 2 t_{N0-1}.sf(|b| / s) from the Student-t fitted to the placebos (q = its quantile).

    The interval at `level` excludes 0 exactly when p < 1 - level.
    """
    placebos = finite(placebos)
    quantile = placebo_quantile(placebos, level)
    if not np.isfinite(estimate) or not np.isfinite(quantile):
        return ConleyTaber(float("nan"), float("nan"), float("nan"), int(placebos.size))
    return ConleyTaber(
        ci_low=estimate - quantile,
        ci_high=estimate + quantile,
        p_value=placebo_t_p_value(estimate, placebos),
        n_placebos=int(placebos.size),
    )


def conley_taber_empirical_ci(
    estimate: float, placebos: np.ndarray, level: float = LEVEL
) -> tuple[float, float]:
    """The interval with empirical (linearly interpolated) placebo quantiles, for comparison."""
    placebos = finite(placebos)
    if placebos.size == 0:
        return float("nan"), float("nan")
    low, high = np.quantile(placebos, [(1 - level) / 2, (1 + level) / 2])
    return float(estimate - high), float(estimate - low)


def rank_p_values(statistics: np.ndarray) -> np.ndarray:
    """For each placebo, (1 + #{others with |s_k| >= |s_j|}) / N0: its rank among the remaining placebos."""
    statistics = np.asarray(statistics, dtype=float)
    out = np.full(statistics.shape, np.nan)
    for j, value in enumerate(statistics):
        if np.isfinite(value):
            out[j] = permutation_p_value(value, np.delete(statistics, j))
    return out
