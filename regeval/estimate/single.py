"""Inference for one treated unit: what one estimation sample tells, and every method computed from it.

The effect is the weighted two-way fixed-effects coefficient of treated x post
(`did`). With one treated unit its sampling error cannot be estimated from the
treated unit's cross-section, so every method borrows a reference distribution
from somewhere, and each says from where (`METHODS`):

- from the control units' placebo estimates, as they are: `placebo_t` (a
  Student-t fitted to them), `conley_taber` (their empirical quantiles, Conley
  and Taber 2011), `permutation` (the rank of the relative effect);
- from the placebos after scaling each by a model of its own variance, so that a
  treated unit more or less volatile than the controls is compared on its own
  scale: `ferman_pinto` (variance A + B / size fitted to the placebos, Ferman and
  Pinto 2019), `studentized_t` and `studentized_permutation` (each unit's own
  pre-period variability: the variance of its gap to the other units' weighted
  mean over the pre periods);
- from the treated unit's own history only: `conformal` (Chernozhukov, Wuthrich
  and Zhu 2021: residuals of the no-effect model with the hypothesised effect
  removed, compared by moving-block (cyclic) permutations in time; the interval
  is every effect the test does not reject).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
import scipy.special

from regeval.estimate.fe import TwoWayFE
from regeval.estimate.inference import (
    LEVEL,
    finite,
    permutation_p_value,
    placebo_scale,
    placebo_t_interval,
    relative_to,
)
from regeval.estimate.sample import Panel


@dataclass(frozen=True)
class Evidence:
    """Everything the methods use from one sample: the estimate, placebos, sizes, spreads, residual paths."""

    estimate: float
    pre_mean: float
    placebos: np.ndarray
    placebo_pre_means: np.ndarray
    size: float
    placebo_sizes: np.ndarray
    spread: float
    placebo_spreads: np.ndarray
    residuals: np.ndarray
    post_design: np.ndarray
    post_periods: np.ndarray
    n_pre: int
    n_post: int
    rmspe_ratio: float = float("nan")
    placebo_rmspe_ratios: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n_controls(self) -> int:
        """Number of control units (placebos)."""
        return int(self.placebos.size)


@dataclass(frozen=True)
class Interval:
    """A method's answer: interval, p-value, and the smallest p-value it can produce."""

    ci_low: float
    ci_high: float
    p_value: float
    min_p_value: float

    @property
    def has_interval(self) -> bool:
        """True when the method gave an interval."""
        return not (np.isnan(self.ci_low) and np.isnan(self.ci_high))


NO_ANSWER = Interval(np.nan, np.nan, np.nan, np.nan)


def _wide(panel: Panel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Units, periods, rates and weights as (unit x period) matrices (NaN / 0 where a row is missing)."""
    units, unit_code = np.unique(panel.unit, return_inverse=True)
    periods, period_code = np.unique(panel.period, return_inverse=True)
    y = np.full((units.size, periods.size), np.nan)
    w = np.zeros((units.size, periods.size))
    y[unit_code, period_code] = panel.rate
    w[unit_code, period_code] = panel.weight
    return units, periods, y, w


def gap_spreads(
    panel: Panel, pre: np.ndarray, post: np.ndarray, units: list[str], comparison: list[str]
) -> np.ndarray:
    """Standard error proxies sqrt(var_pre(gap) (1/T_pre + 1/T_post)) of each unit against the others.

    A unit's gap in a period is its rate minus the weighted mean rate of the
    comparison units other than itself; the variance is over the pre periods.
    """
    names, periods, y, w = _wide(panel)
    index = {name: i for i, name in enumerate(names.tolist())}
    pre_period = np.isin(periods, np.unique(panel.period[pre]))
    post_period = np.isin(periods, np.unique(panel.period[post]))
    member = np.isin(names, comparison)
    wy = w * np.nan_to_num(y)
    wy_total = wy[member].sum(axis=0)
    w_total = w[member].sum(axis=0)
    rows = np.array([index[u] for u in units])
    own = member[rows][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (wy_total - own * wy[rows]) / (w_total - own * w[rows])
    gap = y[rows] - mean
    seen = np.isfinite(gap)
    n_pre = np.sum(seen & pre_period, axis=1)
    n_post = np.sum(seen & post_period, axis=1)
    before = np.where(seen & pre_period, gap, np.nan)
    out = np.full(len(units), np.nan)
    ok = (n_pre >= 2) & (n_post >= 1)
    if ok.any():
        variance = np.nanvar(before[ok], axis=1, ddof=1)
        out[ok] = np.sqrt(variance * (1 / n_pre[ok] + 1 / n_post[ok]))
    return out


def collect(
    panel: Panel, pre: np.ndarray, post: np.ndarray, model: TwoWayFE | None = None
) -> Evidence | None:
    """The evidence of one sample (rows flagged pre or post); None when there is too little to estimate.

    `model` may pass the two-way fit of exactly these rows, shared by every unit
    taking the treated unit's place in turn.
    """
    keep = pre | post
    sample = panel.select(keep) if not keep.all() else panel
    pre, post = pre[keep], post[keep]
    controls = sample.controls()
    treated_rows = sample.unit == sample.treated
    if len(controls) < 2 or not (treated_rows & pre).any() or not (treated_rows & post).any():
        return None
    z = (post & treated_rows).astype(float)
    model = model if model is not None else TwoWayFE(sample)
    estimate = float(model.coefficients(sample.treated, post[:, None].astype(float))[0])
    if not np.isfinite(estimate):
        return None
    others = sample.controls_only()
    other_model = TwoWayFE(others)
    placebos = other_model.unit_coefficients(post[~treated_rows].astype(float))
    pre_means = np.array([sample.mean_rate(u, pre) for u in controls])
    sizes = np.array([sample.weight[sample.unit == u].mean() for u in controls])
    spreads = gap_spreads(sample, pre, post, [sample.treated, *controls], controls)
    order = np.argsort(sample.period[treated_rows], kind="stable")
    residuals = model.residuals()[treated_rows][order]
    design = model.residuals(z)[treated_rows][order]
    post_periods = post[treated_rows][order]
    return Evidence(
        estimate=estimate,
        pre_mean=sample.mean_rate(sample.treated, pre),
        placebos=placebos,
        placebo_pre_means=pre_means,
        size=float(sample.weight[treated_rows].mean()),
        placebo_sizes=sizes,
        spread=float(spreads[0]),
        placebo_spreads=spreads[1:],
        residuals=residuals,
        post_design=design,
        post_periods=post_periods,
        n_pre=int(np.unique(sample.period[pre & treated_rows]).size),
        n_post=int(np.unique(sample.period[post & treated_rows]).size),
    )


def _scaled_t(estimate: float, scale: float, normalised: np.ndarray, level: float) -> Interval:
    """b -+ t_{N0-1} s_z scale and its p-value, s_z the Student-t scale fitted to normalised placebos."""
    normalised = finite(normalised)
    spread = placebo_scale(normalised) * scale
    n0 = normalised.size
    if not (np.isfinite(spread) and np.isfinite(estimate)) or n0 < 2 or spread <= 0:
        return NO_ANSWER
    half = scipy.special.stdtrit(n0 - 1, (1 + level) / 2) * spread
    p_value = float(2 * scipy.special.stdtr(n0 - 1, -abs(estimate) / spread))
    return Interval(estimate - half, estimate + half, p_value, 0.0)


def placebo_t(evidence: Evidence, level: float = LEVEL) -> Interval:
    """A mean-zero Student-t (N0 - 1 df) fitted to the raw placebo coefficients."""
    ct = placebo_t_interval(evidence.estimate, evidence.placebos, level)
    if not np.isfinite(ct.ci_low):
        return NO_ANSWER
    return Interval(ct.ci_low, ct.ci_high, ct.p_value, 0.0)


def conley_taber_empirical(evidence: Evidence, level: float = LEVEL) -> Interval:
    """Conley and Taber's interval [b - q_hi, b - q_lo] from the placebos' empirical quantiles.

    p = #{|b_j| >= |b|} / N0, their estimate of the null distribution's tail.
    """
    placebos = finite(evidence.placebos)
    if placebos.size < 2:
        return NO_ANSWER
    low, high = np.quantile(placebos, [(1 - level) / 2, (1 + level) / 2])
    tail = float(np.mean(np.abs(placebos) >= abs(evidence.estimate) * (1 - 1e-10)))
    return Interval(evidence.estimate - high, evidence.estimate - low, tail, 0.0)


def permutation(evidence: Evidence, level: float = LEVEL) -> Interval:
    """The rank of the relative effect among the controls' relative placebo effects (no interval)."""
    statistic = float(relative_to(evidence.estimate, evidence.pre_mean))
    placebos = relative_to(evidence.placebos, evidence.placebo_pre_means)
    p_value = permutation_p_value(statistic, placebos)
    n0 = finite(placebos).size
    return Interval(np.nan, np.nan, p_value, 1 / (n0 + 1) if n0 else np.nan)


def size_variance_model(placebos: np.ndarray, sizes: np.ndarray) -> tuple[float, float]:
    """Non-negative (A, B) of var(b_j) = A + B / size_j, least squares on the squared placebos."""
    ok = np.isfinite(placebos) & np.isfinite(sizes) & (sizes > 0)
    design = np.column_stack([np.ones(ok.sum()), 1 / sizes[ok]])
    coef, _ = scipy.optimize.nnls(design, placebos[ok] ** 2)
    return float(coef[0]), float(coef[1])


def ferman_pinto(evidence: Evidence, level: float = LEVEL) -> Interval:
    """Placebos scaled by a variance model in the units' sizes (Ferman and Pinto 2019), then a fitted t."""
    a, b = size_variance_model(evidence.placebos, evidence.placebo_sizes)
    with np.errstate(divide="ignore", invalid="ignore"):
        variances = a + b / evidence.placebo_sizes
        treated = a + b / evidence.size
    if not (np.all(variances > 0) and treated > 0):
        return NO_ANSWER
    return _scaled_t(
        evidence.estimate, float(np.sqrt(treated)), evidence.placebos / np.sqrt(variances), level
    )


def studentized_t(evidence: Evidence, level: float = LEVEL) -> Interval:
    """Each unit's estimate over its own pre-period spread; a Student-t fitted to the controls' ratios."""
    if not (np.isfinite(evidence.spread) and evidence.spread > 0):
        return NO_ANSWER
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = evidence.placebos / evidence.placebo_spreads
    return _scaled_t(evidence.estimate, evidence.spread, ratios, level)


def studentized_permutation(evidence: Evidence, level: float = LEVEL) -> Interval:
    """The rank of the treated unit's estimate / own spread among the controls' ratios (no interval)."""
    if not (np.isfinite(evidence.spread) and evidence.spread > 0):
        return NO_ANSWER
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = evidence.placebos / evidence.placebo_spreads
    n0 = finite(ratios).size
    p_value = permutation_p_value(evidence.estimate / evidence.spread, ratios)
    return Interval(np.nan, np.nan, p_value, 1 / (n0 + 1) if n0 else np.nan)


def rmspe_rank(evidence: Evidence, level: float = LEVEL) -> Interval:
    """Abadie et al.'s placebo test: rank of the post/pre RMSPE ratio among the controls' (no interval)."""
    ratios = finite(evidence.placebo_rmspe_ratios)
    if not np.isfinite(evidence.rmspe_ratio) or ratios.size == 0:
        return NO_ANSWER
    p_value = permutation_p_value(evidence.rmspe_ratio, ratios)
    return Interval(np.nan, np.nan, p_value, 1 / (ratios.size + 1))


def block_sums(values: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """For every cyclic shift k of time, the sum of values over the flagged positions moved by k."""
    n = values.size
    shifts = (np.arange(n)[:, None] + np.flatnonzero(flags)[None, :]) % n
    return values[shifts].sum(axis=1)


def conformal_p_values(a: np.ndarray, c: np.ndarray, effects: np.ndarray) -> np.ndarray:
    """For each effect, the share of cyclic shifts whose |a_k - effect c_k| is at least shift 0's."""
    statistic = np.abs(a[None, :] - effects[:, None] * c[None, :])
    return np.mean(statistic >= statistic[:, :1] * (1 - 1e-10), axis=1)


def conformal(evidence: Evidence, level: float = LEVEL) -> Interval:
    """Chernozhukov-Wuthrich-Zhu moving-block permutation test, inverted for the interval.

    Under an effect a, the treated unit's residuals are r_t - a d_t (r: residuals
    of the no-effect two-way model; d: the treated x post column residualised the
    same way). The statistic is |sum of the residuals over the post periods|;
    its reference is the same sum over every cyclic shift of time. The set of a
    not rejected at 1 - level is found exactly from the crossing points of the
    T linear functions; the interval is its hull.
    """
    r, d, flags = evidence.residuals, evidence.post_design, evidence.post_periods
    n = r.size
    if n < 3 or not flags.any() or flags.all():
        return NO_ANSWER
    a, c = block_sums(r, flags), block_sums(d, flags)
    alpha = 1 - level
    # (a_k - x c_k)^2 = (a_0 - x c_0)^2: the points where shift k's rank against shift 0 changes.
    roots = []
    for ak, ck in zip(a[1:], c[1:], strict=True):
        for sign in (1.0, -1.0):
            slope = ck - sign * c[0]
            if abs(slope) > 1e-12:
                roots.append((ak - sign * a[0]) / slope)
    roots = np.unique(np.array(roots)) if roots else np.array([evidence.estimate])
    width = max(1.0, float(np.ptp(roots)) if roots.size > 1 else 1.0)
    grid = np.concatenate(
        [[roots[0] - width], (roots[:-1] + roots[1:]) / 2, roots, [roots[-1] + width]]
    )
    accepted = conformal_p_values(a, c, grid) > alpha
    p_value = float(conformal_p_values(a, c, np.zeros(1))[0])
    if not accepted.any():
        return Interval(np.nan, np.nan, p_value, 1 / n)
    low, high = float(grid[accepted].min()), float(grid[accepted].max())
    if accepted[0]:
        low = -np.inf
    if accepted[-1]:
        high = np.inf
    return Interval(low, high, p_value, 1 / n)


Method = Callable[[Evidence, float], Interval]


@dataclass(frozen=True)
class MethodInfo:
    """An inference method: its function, the reference it borrows, what it assumes, how it compares units.

    `compares` says how the method takes the controls as a stand-in for the
    treated unit's error: 'level' (same variance), 'relative' (same variance
    after dividing by the pre level), 'size' (same variance after the size
    model), or '' (it does not: its own scale or own history).
    """

    key: str
    compute: Method
    reference: str
    assumes: str
    compares: str = ""


METHODS: dict[str, MethodInfo] = {
    m.key: m
    for m in (
        MethodInfo(
            "placebo_t",
            placebo_t,
            "controls' placebo coefficients",
            "the treated unit's error is distributed like the controls' (same variance)",
            "level",
        ),
        MethodInfo(
            "conley_taber",
            conley_taber_empirical,
            "controls' placebo coefficients (empirical quantiles)",
            "as placebo_t, and enough controls for the empirical tails (with N0 placebos the "
            "interval cannot cover more than (N0 - 1) / (N0 + 1))",
            "level",
        ),
        MethodInfo(
            "permutation",
            permutation,
            "rank among the controls' relative placebo effects",
            "units exchangeable after dividing by the pre level; p >= 1 / (N0 + 1)",
            "relative",
        ),
        MethodInfo(
            "ferman_pinto",
            ferman_pinto,
            "placebos scaled by var = A + B / size",
            "the errors' variance depends on the unit only through its size (denominator)",
            "size",
        ),
        MethodInfo(
            "studentized_t",
            studentized_t,
            "placebos divided by each unit's own pre-period spread",
            "the ratio estimate / own pre-period spread is distributed alike across units "
            "(any volatility, a common serial correlation)",
        ),
        MethodInfo(
            "studentized_permutation",
            studentized_permutation,
            "rank among the controls' studentized placebos",
            "as studentized_t, exchangeable ratios; p >= 1 / (N0 + 1)",
        ),
        MethodInfo(
            "rmspe_rank",
            rmspe_rank,
            "rank of the post/pre RMSPE ratio among the controls' placebo fits (synthetic "
            "estimators only)",
            "units exchangeable in their post/pre fit ratio; p >= 1 / (N0 + 1)",
        ),
        MethodInfo(
            "conformal",
            conformal,
            "the treated unit's own residuals, moving-block permutations in time",
            "the treated unit's errors are stationary and weakly dependent over time; nothing "
            "about the controls' errors; p >= 1 / T",
        ),
    )
}
DEFAULT_METHODS = tuple(k for k in METHODS if k != "rmspe_rank")
INTERVAL_METHODS = ("placebo_t", "conley_taber", "ferman_pinto", "studentized_t", "conformal")


MAX_VARIANCE_RATIO = 1.5


def variance_ratio(evidence: Evidence, key: str) -> float:
    """The treated unit's pre-period variance over the controls' mean, on the scale the method compares them.

    NaN for methods that do not take the controls as a stand-in for the treated
    unit's error. Above MAX_VARIANCE_RATIO the treated unit is too volatile for
    the method: its interval would be too short for this unit even if the
    calibration over all units holds.
    """
    compares = METHODS[key].compares
    treated, controls = evidence.spread**2, evidence.placebo_spreads**2
    if not compares or not np.isfinite(treated):
        return float("nan")
    if compares == "relative":
        treated = treated / evidence.pre_mean**2
        controls = controls / evidence.placebo_pre_means**2
    elif compares == "size":
        a, b = size_variance_model(evidence.placebos, evidence.placebo_sizes)
        with np.errstate(divide="ignore", invalid="ignore"):
            treated = treated / (a + b / evidence.size)
            controls = controls / (a + b / evidence.placebo_sizes)
    mean = np.nanmean(np.where(np.isfinite(controls), controls, np.nan))
    if not (np.isfinite(mean) and mean > 0):
        return float("nan")
    return float(treated / mean)


def answer(
    evidence: Evidence, methods: tuple[str, ...] = DEFAULT_METHODS, level: float = LEVEL
) -> dict[str, Interval]:
    """Every requested method's interval and p-value for one sample's evidence."""
    return {key: METHODS[key].compute(evidence, level) for key in methods}
