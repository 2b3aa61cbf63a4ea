"""Rambachan-Roth bounds: closed forms against hand values and against linear programs (scipy linprog)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import scipy.special

from regeval.estimate.inference import placebo_scale
from regeval.estimate.sensitivity import EventStudy, bounds, breakdown

# Event times -2, -1 (pre), 1, 2 (post); the reference 0 is left out.
TIMES = np.array([-2, -1, 1, 2])
BETA = np.array([0.1, 0.3, 1.0, 1.2])
PLACEBOS = np.array(
    [
        [0.05, -0.1, 0.2, -0.1],
        [-0.1, 0.05, -0.15, 0.2],
        [0.0, 0.1, 0.1, 0.05],
        [0.1, -0.05, 0.0, -0.2],
    ]
)
TARGET = np.array([0, 0, 0.5, 0.5])


def study(beta: np.ndarray = BETA) -> EventStudy:
    return EventStudy(beta, PLACEBOS, TIMES, TARGET)


def test_relative_magnitudes_by_hand() -> None:
    # Pre steps: -2 -> -1 is 0.2, -1 -> 0 is -0.3: S = 0.3. sum l_t t = 1.5; Mbar = 1: half 0.45.
    found = bounds(study(), "relative_magnitudes", 1.0)
    assert (found.lower, found.upper) == pytest.approx((1.1 - 0.45, 1.1 + 0.45))
    # The lower end is theta - 1.5 x (-(beta_0 - beta_-1)) = a'beta with a = target + 1.5 e_-1 x (-1)...
    a_low = TARGET - 1.5 * np.array([0, 1.0, 0, 0])  # step -1 -> 0 is 0 - beta_-1: sign -1
    q = scipy.special.stdtrit(3, 0.975)
    assert found.ci_low == pytest.approx(found.lower - q * placebo_scale(PLACEBOS @ a_low))


def test_smoothness_by_hand() -> None:
    # Last pre slope g0 = 0 - 0.3 = -0.3 extrapolated: centre 1.1 + 0.3 x 1.5 = 1.55;
    # M = 0.1: half 0.1 x (1 + 3) / 2 = 0.2.
    found = bounds(study(), "smoothness", 0.1)
    assert (found.lower, found.upper) == pytest.approx((1.35, 1.75))


def lp_bounds(beta: np.ndarray, restriction: str, m: float) -> tuple[float, float]:
    """The identified set of theta by linear programming over delta on event times -K..T (reference 0)."""
    pre = {int(t): float(b) for t, b in zip(TIMES, beta, strict=True) if t < 0}
    pre[0] = 0.0
    post_times = [int(t) for t in TIMES if t > 0]
    n = len(post_times)
    weights = TARGET[TIMES > 0]
    theta = float(weights @ beta[TIMES > 0])

    def delta(t: int) -> tuple[np.ndarray, float]:
        """delta_t as (coefficients on the post variables, constant)."""
        row = np.zeros(n)
        if t in pre:
            return row, pre[t]
        row[post_times.index(t)] = 1.0
        return row, 0.0

    rows, rhs = [], []
    if restriction == "relative_magnitudes":
        steps = [abs(pre[t + 1] - pre[t]) for t in sorted(pre) if t + 1 in pre]
        bound = m * max(steps)
        for t in range(max(post_times)):
            (a1, c1), (a0, c0) = delta(t + 1), delta(t)
            rows += [a1 - a0, a0 - a1]
            rhs += [bound - (c1 - c0), bound + (c1 - c0)]
    else:
        for t in range(max(post_times)):
            (a2, c2), (a1, c1), (a0, c0) = delta(t + 1), delta(t), delta(t - 1)
            combo, const = a2 - 2 * a1 + a0, c2 - 2 * c1 + c0
            rows += [combo, -combo]
            rhs += [m - const, m + const]
    free = [(None, None)] * n
    low = scipy.optimize.linprog(weights, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=free)
    high = scipy.optimize.linprog(-weights, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=free)
    return theta + high.fun, theta - low.fun


@pytest.mark.parametrize(
    "restriction, m",
    [
        ("relative_magnitudes", 0.5),
        ("relative_magnitudes", 2.0),
        ("smoothness", 0.0),
        ("smoothness", 0.3),
    ],
)
@pytest.mark.parametrize("seed", range(3))
def test_closed_forms_match_linear_programs(restriction: str, m: float, seed: int) -> None:
    beta = np.random.default_rng(seed).normal(size=4)
    found = bounds(study(beta), restriction, m)
    assert (found.lower, found.upper) == pytest.approx(lp_bounds(beta, restriction, m), abs=1e-8)


def test_breakdown_is_where_the_interval_reaches_zero() -> None:
    s = study()
    for restriction in ("relative_magnitudes", "smoothness"):
        point = breakdown(s, restriction)
        assert 0 < point < np.inf
        assert bounds(s, restriction, point).covers_zero
        assert not bounds(s, restriction, point * 0.99).covers_zero
    no_effect = study(np.array([0.1, 0.3, 0.0, 0.05]))
    assert breakdown(no_effect, "relative_magnitudes") == 0.0
