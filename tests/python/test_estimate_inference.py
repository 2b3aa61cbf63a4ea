"""Inference from placebo estimates: p-value conventions, intervals, and a Monte Carlo of their size and coverage."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from regeval.estimate.fe import TwoWayFE
from regeval.estimate.inference import (
    conley_taber,
    conley_taber_empirical_ci,
    permutation_p_value,
    placebo_quantile,
    rank_p_values,
)
from regeval.estimate.models import twfe_design
from regeval.estimate.sample import Panel

values = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(estimate=values, placebos=st.lists(values, min_size=1, max_size=30))
def test_permutation_p_value_takes_only_values_k_over_n0_plus_1(
    estimate: float, placebos: list[float]
) -> None:
    n0 = len(placebos)
    p = permutation_p_value(estimate, np.array(placebos))
    k = p * (n0 + 1)
    assert k == pytest.approx(round(k), abs=1e-9)
    assert 1 <= round(k) <= n0 + 1


def test_permutation_p_value_counts_the_treated_unit_and_ignores_missing_placebos() -> None:
    assert permutation_p_value(5.0, np.array([1.0, -2.0, 6.0, np.nan])) == pytest.approx(2 / 4)
    assert permutation_p_value(-10.0, np.array([1.0, 2.0])) == pytest.approx(1 / 3)
    assert permutation_p_value(0.0, np.array([1.0, 2.0])) == pytest.approx(1.0)
    assert np.isnan(permutation_p_value(1.0, np.array([np.nan])))


@settings(max_examples=200, deadline=None)
@given(estimate=values, placebos=st.lists(values, min_size=2, max_size=30))
def test_conley_taber_interval_contains_the_estimate_and_uses_the_plus_one_convention(
    estimate: float, placebos: list[float]
) -> None:
    placebos = np.array(placebos)
    ct = conley_taber(estimate, placebos)
    assert ct.ci_low <= estimate <= ct.ci_high
    n0 = placebos.size
    exceed = np.sum(np.abs(placebos) >= abs(estimate) * (1 - 1e-10))
    assert ct.p_value == pytest.approx((1 + exceed) / (1 + n0))
    assert 0 < ct.p_value <= 1


def test_conley_taber_needs_two_placebos() -> None:
    assert np.isnan(conley_taber(1.0, np.array([0.5])).ci_low)
    assert np.isnan(placebo_quantile(np.array([np.nan, 0.5])))


def test_rank_p_values_use_the_other_placebos() -> None:
    p = rank_p_values(np.array([1.0, -3.0, 2.0, 0.5]))
    np.testing.assert_allclose(p, [3 / 4, 1 / 4, 2 / 4, 4 / 4])


def simulate_changes(rng: np.random.Generator, reps: int, n_counties: int) -> tuple:
    """Per replication and county: pre mean and post-minus-pre change of y = 3 + county + period + AR(1) noise."""
    n_periods, n_pre, rho = 20, 12, 0.5
    shocks = rng.normal(0, 0.1, (reps, n_counties, n_periods))
    noise = np.empty_like(shocks)
    noise[..., 0] = shocks[..., 0] / np.sqrt(1 - rho**2)
    for t in range(1, n_periods):
        noise[..., t] = rho * noise[..., t - 1] + shocks[..., t]
    county = rng.normal(0, 0.5, (reps, n_counties, 1))
    period = np.cumsum(rng.normal(0, 0.05, (reps, 1, n_periods)), axis=2)
    y = 3 + county + period + noise
    pre_mean = y[..., :n_pre].mean(axis=2)
    change = y[..., n_pre:].mean(axis=2) - pre_mean
    return y, pre_mean, change


def closed_form(change: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Balanced-panel DiD with unit and period FE: unit 0 against the rest, and each control against the other controls."""
    treated = change[:, 0] - change[:, 1:].mean(axis=1)
    controls = change[:, 1:]
    n0 = controls.shape[1]
    placebos = controls - (controls.sum(axis=1, keepdims=True) - controls) / (n0 - 1)
    return treated, placebos


def test_closed_form_did_matches_the_solvers() -> None:
    rng = np.random.default_rng(11)
    y, _, change = simulate_changes(rng, 1, 8)
    treated, placebos = closed_form(change)
    units = np.repeat([f"{i:02d}" for i in range(8)], 20).astype(object)
    period = np.tile(np.arange(20), 8).astype("datetime64[D]")
    rate = y[0].ravel()
    panel = Panel(units, period, rate, np.ones(rate.size), rate, np.ones(rate.size), 1.0, "00")
    post = (period.astype(int) >= 12).astype(float)[:, None]
    x = twfe_design(panel, post)
    assert sm.OLS(rate, x).fit().params[0] == pytest.approx(treated[0], abs=1e-12)
    assert TwoWayFE(panel).coefficients("00", post)[0] == pytest.approx(treated[0], abs=1e-12)
    controls = panel.controls_only()
    engine = TwoWayFE(controls)
    placebo_post = (controls.period.astype(int) >= 12).astype(float)[:, None]
    found = [engine.coefficients(u, placebo_post)[0] for u in controls.controls()]
    np.testing.assert_allclose(found, placebos[0], atol=1e-12)


def binomial_band(p: float, reps: int) -> float:
    """Four binomial standard errors."""
    return 4 * np.sqrt(p * (1 - p) / reps)


@pytest.mark.parametrize("n_counties", [12, 20])
def test_monte_carlo_size_and_coverage_with_no_effect(n_counties: int) -> None:
    reps = 2000
    rng = np.random.default_rng(2015 + n_counties)
    _, pre_mean, change = simulate_changes(rng, reps, n_counties)
    treated, placebos = closed_form(change)
    n0 = n_counties - 1
    relative = treated / pre_mean[:, 0]
    placebo_relative = placebos / pre_mean[:, 1:]
    p_permutation = np.array(
        [permutation_p_value(relative[r], placebo_relative[r]) for r in range(reps)]
    )
    cts = [conley_taber(treated[r], placebos[r]) for r in range(reps)]
    covered = np.mean([ct.ci_low <= 0 <= ct.ci_high for ct in cts])
    p_ct = np.array([ct.p_value for ct in cts])

    assert abs(covered - 0.95) < binomial_band(0.95, reps)
    for level in (0.05, 0.10, 0.25):
        attainable = np.floor(level * (n0 + 1) + 1e-9) / (n0 + 1)
        for p in (p_permutation, p_ct):
            assert abs(np.mean(p <= level + 1e-12) - attainable) < binomial_band(
                max(attainable, 0.01), reps
            )
    if n0 == 19:
        assert abs(np.mean(p_permutation <= 0.05) - 0.05) < binomial_band(0.05, reps)
    else:
        assert np.mean(p_permutation <= 0.05) == 0.0

    empirical = [conley_taber_empirical_ci(treated[r], placebos[r]) for r in range(reps)]
    covered_empirical = np.mean([low <= 0 <= high for low, high in empirical])
    assert covered_empirical < 0.92
