"""Synthetic control and synthetic difference-in-differences for one treated unit on a balanced matrix.

Both estimators weigh the control units (non-negative weights summing to one)
so that their weighted path follows the treated unit's before the intervention:

- `sc` (Abadie, Diamond and Hainmueller 2010): unit weights omega minimise
  ||Y0_pre' omega - y1_pre||^2 (no intercept, a vanishing ridge 1e-6 x noise
  level as in Arkhangelsky et al.'s `sc_estimate`); the effect is the mean post
  gap y1_post - Y0_post' omega.
- `sdid` (Arkhangelsky, Athey, Hirshberg, Imbens and Wager 2021): unit weights
  with an intercept (levels may differ) and the ridge zeta_omega^2 T0 ||omega||^2,
  zeta_omega = (N1 T1)^(1/4) x noise level (the standard deviation of the
  controls' first differences before the intervention); time weights lambda on
  the pre periods with an intercept that make the controls' weighted pre path
  predict their post mean (ridge 1e-6 x noise level). The effect is the
  weighted double difference
  (y1_post - lambda'y1_pre) - omega'(Y0_post - Y0_pre lambda).
- `did` (uniform weights) is the same formula with omega = 1/N0, lambda = 1/T0.

Weights are the exact minimisers of these convex problems, found by
non-negative least squares (scipy's Lawson-Hanson active set) on the system
augmented with the ridge rows and a heavily weighted sum-to-one row, then
renormalised: deterministic, no seed, sum-to-one error below 1e-9 before the
renormalisation. The reference R package `synthdid` reaches (approximately) the
same minimisers by Frank-Wolfe steps; the tests compare both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize

ESTIMATORS = ("sc", "sdid")
SMALL_RIDGE = 1e-6
SUM_WEIGHT = 1e4


def simplex_least_squares(a: np.ndarray, b: np.ndarray, ridge: float = 0.0) -> np.ndarray:
    """argmin ||a w - b||^2 + ridge ||w||^2 over w >= 0, sum w = 1 (exact, by augmented NNLS)."""
    n = a.shape[1]
    if n == 1:
        return np.ones(1)
    scale = max(1.0, float(np.sqrt(np.mean(a**2))) if a.size else 1.0)
    big = SUM_WEIGHT * scale * max(1.0, np.sqrt(a.shape[0]))
    rows = [a, np.full((1, n), big)]
    rhs = [b, np.array([big])]
    if ridge > 0:
        rows.insert(1, np.sqrt(ridge) * np.eye(n))
        rhs.insert(1, np.zeros(n))
    w, _ = scipy.optimize.nnls(np.vstack(rows), np.concatenate(rhs), maxiter=50 * n)
    total = w.sum()
    return w / total if total > 0 else np.full(n, 1 / n)


def noise_level(y0_pre: np.ndarray) -> float:
    """Standard deviation of the controls' period-to-period changes before the intervention."""
    changes = np.diff(y0_pre, axis=1).ravel()
    return float(np.std(changes, ddof=1)) if changes.size > 1 else 0.0


def unit_weights(
    y0_pre: np.ndarray, y1_pre: np.ndarray, zeta: float, intercept: bool
) -> np.ndarray:
    """omega: the controls' weights that reproduce the treated pre path (rows of y0_pre are controls)."""
    a, b = y0_pre.T, y1_pre
    if intercept:
        a = a - a.mean(axis=0)
        b = b - b.mean()
    return simplex_least_squares(a, b, a.shape[0] * zeta**2)


def time_weights(y0_pre: np.ndarray, y0_post_mean: np.ndarray, zeta: float) -> np.ndarray:
    """lambda: pre-period weights whose weighted pre outcome predicts each control's post mean (with intercept)."""
    a = y0_pre - y0_pre.mean(axis=0)
    b = y0_post_mean - y0_post_mean.mean()
    return simplex_least_squares(a, b, a.shape[0] * zeta**2)


@dataclass(frozen=True)
class SyntheticFit:
    """One estimator's weights, effect and paths: treated and synthetic outcome in every period of the matrix."""

    estimator: str
    estimate: float
    omega: np.ndarray
    lam: np.ndarray
    treated_path: np.ndarray
    synthetic_path: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        """Treated minus synthetic outcome, by period."""
        return self.treated_path - self.synthetic_path


def fit(
    y: np.ndarray, treated: int, pre: np.ndarray, post: np.ndarray, estimator: str
) -> SyntheticFit:
    """The estimator on a balanced matrix y (units x periods) with one treated row and pre/post columns.

    The synthetic path is Y0' omega plus, for `sdid` and `did`, the intercept that
    makes its lambda-weighted pre mean equal the treated unit's, so the mean
    post gap is the estimate in every case.
    """
    controls = np.arange(y.shape[0]) != treated
    y0, y1 = y[controls], y[treated]
    y0_pre, y1_pre = y0[:, pre], y1[pre]
    y0_post_mean = y0[:, post].mean(axis=1)
    n_pre = int(pre.sum())
    if estimator == "did":
        omega = np.full(y0.shape[0], 1 / y0.shape[0])
        lam = np.full(n_pre, 1 / n_pre)
    else:
        noise = noise_level(y0_pre)
        if estimator == "sc":
            omega = unit_weights(y0_pre, y1_pre, SMALL_RIDGE * noise, intercept=False)
            lam = np.zeros(n_pre)
        elif estimator == "sdid":
            zeta = (1 * int(post.sum())) ** 0.25 * noise
            omega = unit_weights(y0_pre, y1_pre, zeta, intercept=True)
            lam = time_weights(y0_pre, y0_post_mean, SMALL_RIDGE * noise)
        else:
            raise ValueError(f"unknown estimator {estimator!r}; available: sc, sdid, did")
    synthetic = omega @ y0
    if lam.any():
        synthetic = synthetic + (y1_pre - synthetic[pre]) @ lam
    gap = y1 - synthetic
    return SyntheticFit(estimator, float(gap[post].mean()), omega, lam, y1.copy(), synthetic)


def gap_spread(fit_: SyntheticFit, pre: np.ndarray, post: np.ndarray) -> float:
    """Standard error proxy of the fit's own effect: sqrt(s^2 (lambda'lambda + 1/T1)).

    s^2 is the variance of the pre-period gap about its lambda-weighted mean
    (T0 - 1 degrees of freedom; lambda = 1/T0 where the estimator has no time
    weights), the variance of the effect if the gaps were independent with that
    variance. Each unit is thus studentized by its own fit's error, on the
    estimator's own weighting of the pre periods; the gap to an unweighted mean of
    the other units would misstate both for a unit the weights fit closely and
    for time weights that rest on a few pre periods.
    """
    gap = fit_.gap[pre]
    n_pre = gap.size
    if n_pre < 2 or not post.any():
        return float("nan")
    lam = fit_.lam if fit_.lam.any() else np.full(n_pre, 1 / n_pre)
    variance = float(np.sum((gap - lam @ gap) ** 2) / (n_pre - 1))
    return float(np.sqrt(variance * (lam @ lam + 1 / int(post.sum()))))


def rmspe_ratio(fit_: SyntheticFit, pre: np.ndarray, post: np.ndarray) -> float:
    """Root mean squared post gap over root mean squared pre gap (Abadie et al.'s placebo statistic)."""
    gap = fit_.gap
    before = float(np.sqrt(np.mean(gap[pre] ** 2)))
    after = float(np.sqrt(np.mean(gap[post] ** 2)))
    return after / before if before > 0 else float("inf")
