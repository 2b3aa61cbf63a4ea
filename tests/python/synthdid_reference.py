"""A second implementation of the synthetic estimators for the tests: the Frank-Wolfe procedure of the synthdid paper.

Written from the description in Arkhangelsky et al. (2021, Algorithm 1 and the
reference R package's documented defaults): Frank-Wolfe steps with exact line
search on the simplex, stopped when the objective falls by less than
(1e-5 noise)^2, with 100 steps, a sparsification (weights at most a quarter of
the largest set to zero) and a second run from the sparsified weights. It shares
no code with regeval.estimate.synthetic.
"""

from __future__ import annotations

import numpy as np


def _fw_step(a: np.ndarray, x: np.ndarray, b: np.ndarray, eta: float) -> np.ndarray:
    ax = a @ x
    half_gradient = (ax - b) @ a + eta * x
    i = int(np.argmin(half_gradient))
    dx = -x.copy()
    dx[i] = 1 - x[i]
    if np.all(dx == 0):
        return x
    d_err = a[:, i] - ax
    step = -((ax - b) @ d_err + eta * x @ dx) / (d_err @ d_err + eta * dx @ dx)
    return x + min(1.0, max(0.0, step)) * dx


def _frank_wolfe(
    y: np.ndarray,
    zeta: float,
    intercept: bool,
    x: np.ndarray | None,
    min_decrease: float,
    max_iter: int,
) -> np.ndarray:
    """Weights on the columns of y[:, :-1] that reproduce y[:, -1] (rows are observations)."""
    rows, cols = y.shape[0], y.shape[1] - 1
    x = np.full(cols, 1 / cols) if x is None else x
    if intercept:
        y = y - y.mean(axis=0)
    a, b = y[:, :cols], y[:, cols]
    eta = rows * zeta**2
    values = []
    for _ in range(max_iter):
        x = _fw_step(a, x, b, eta)
        err = a @ x - b
        values.append(zeta**2 * x @ x + err @ err / rows)
        if len(values) >= 2 and values[-2] - values[-1] <= min_decrease**2:
            break
    return x


def _sparsify(x: np.ndarray) -> np.ndarray:
    x = np.where(x <= x.max() / 4, 0.0, x)
    return x / x.sum()


def _weights(y: np.ndarray, zeta: float, intercept: bool, min_decrease: float) -> np.ndarray:
    first = _frank_wolfe(y, zeta, intercept, None, min_decrease, 100)
    return _frank_wolfe(y, zeta, intercept, _sparsify(first), min_decrease, 10_000)


def estimate(y: np.ndarray, n0: int, t0: int, estimator: str) -> float:
    """The estimate for the last N - n0 units treated from column t0 on (y: units x periods)."""
    n1, t1 = y.shape[0] - n0, y.shape[1] - t0
    noise = float(np.std(np.diff(y[:n0, :t0], axis=1), ddof=1))
    if estimator == "did":
        omega, lam = np.full(n0, 1 / n0), np.full(t0, 1 / t0)
    else:
        collapsed = np.vstack([y[:n0], y[n0:].mean(axis=0)])
        collapsed = np.column_stack([collapsed[:, :t0], collapsed[:, t0:].mean(axis=1)])
        min_decrease = 1e-5 * noise
        if estimator == "sc":
            lam = np.zeros(t0)
            omega = _weights(collapsed[:, :t0].T, 1e-6 * noise, False, min_decrease)
        else:
            lam = _weights(collapsed[:n0, :], 1e-6 * noise, True, min_decrease)
            zeta = (n1 * t1) ** 0.25 * noise
            omega = _weights(collapsed[:, :t0].T, zeta, True, min_decrease)
    unit = np.concatenate([-omega, np.full(n1, 1 / n1)])
    time = np.concatenate([-lam, np.full(t1, 1 / t1)])
    return float(unit @ y @ time)
