"""Inference for one treated unit: the estimator against hand computations, each method's arithmetic, calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from regeval.estimate.calibration import (
    ALL_UNITS,
    Plan,
    band_high,
    fake_starts,
    plan_for,
    recommend,
    summarise,
)
from regeval.estimate.fe import TwoWayFE
from regeval.estimate.models import twfe_design
from regeval.estimate.sample import Panel
from regeval.estimate.single import (
    METHODS,
    Evidence,
    collect,
    conformal,
    conformal_p_values,
    conley_taber_empirical,
    ferman_pinto,
    gap_spreads,
    size_variance_model,
    studentized_t,
    variance_ratio,
)


def panel_of(y: np.ndarray, weights: np.ndarray | None = None, treated: int = 0) -> Panel:
    """A balanced panel from a (unit x period) matrix; units '00', '01', ..."""
    n, t = y.shape
    w = np.ones((n, t)) if weights is None else np.broadcast_to(weights, (n, t))
    units = np.repeat([f"{i:02d}" for i in range(n)], t)
    periods = np.tile(np.arange(t), n).astype(float)
    return Panel(units, periods, y.ravel(), w.ravel(), y.ravel(), w.ravel(), 1.0, f"{treated:02d}")


def random_panel(seed: int, n: int = 8, t: int = 12, unbalanced: bool = False) -> Panel:
    """Random rates and weights; optionally with rows missing."""
    rng = np.random.default_rng(seed)
    panel = panel_of(rng.normal(3, 1, (n, t)), rng.uniform(1, 5, (n, t)))
    if unbalanced:
        keep = rng.uniform(size=panel.n_obs) > 0.15
        keep[panel.unit == panel.treated] = True
        panel = panel.select(keep)
    return panel


@pytest.mark.parametrize("unbalanced", [False, True])
def test_unit_coefficients_equal_one_regression_per_unit(unbalanced: bool) -> None:
    panel = random_panel(3, unbalanced=unbalanced)
    flags = (panel.period >= 8).astype(float)
    model = TwoWayFE(panel)
    batched = model.unit_coefficients(flags)
    one_by_one = [model.coefficients(u, flags[:, None])[0] for u in model.units.tolist()]
    np.testing.assert_allclose(batched, one_by_one, rtol=1e-10, atol=1e-12)


def test_residuals_equal_statsmodels_wls_on_the_dummies() -> None:
    panel = random_panel(5, unbalanced=True)
    x = twfe_design(panel, np.zeros((panel.n_obs, 0)))
    fit = sm.WLS(panel.rate, x, weights=panel.weight).fit()
    np.testing.assert_allclose(TwoWayFE(panel).residuals(), fit.resid, atol=1e-10)
    z = (panel.period >= 6) * (panel.unit == panel.treated).astype(float)
    z_fit = sm.WLS(z, x, weights=panel.weight).fit()
    np.testing.assert_allclose(TwoWayFE(panel).residuals(z), z_fit.resid, atol=1e-10)


def test_gap_spreads_by_hand() -> None:
    # Unit 00 against 01 and 02 (weights 1 and 3): control mean = (y1 + 3 y2) / 4.
    y = np.array([[1.0, 2.0, 4.0, 5.0], [0.0, 1.0, 1.0, 2.0], [2.0, 2.0, 3.0, 3.0]])
    weights = np.array([[1.0], [1.0], [3.0]])
    panel = panel_of(y, weights)
    pre, post = panel.period < 3, panel.period >= 3
    spreads = gap_spreads(panel, pre, post, ["00", "01"], ["01", "02"])
    gap0 = y[0, :3] - (y[1, :3] + 3 * y[2, :3]) / 4  # 1 - 1.5, 2 - 1.75, 4 - 2.5
    gap1 = y[1, :3] - y[2, :3]  # unit 01 against 02 alone
    expected = [np.sqrt(np.var(g, ddof=1) * (1 / 3 + 1 / 1)) for g in (gap0, gap1)]
    np.testing.assert_allclose(spreads, expected, rtol=1e-12)


def test_noise_free_panel_recovers_a_planted_effect_exactly() -> None:
    rng = np.random.default_rng(11)
    unit, time = rng.normal(0, 1, 6), np.cumsum(rng.normal(0, 0.2, 20))
    y = 5 + unit[:, None] + time[None, :]
    y[0, 14:] += -0.7
    panel = panel_of(y, rng.uniform(1, 9, (6, 1)))
    evidence = collect(panel, panel.period < 14, panel.period >= 14)
    assert evidence.estimate == pytest.approx(-0.7, abs=1e-10)
    np.testing.assert_allclose(evidence.placebos, 0, atol=1e-10)


def evidence_with(estimate: float, placebos: list[float], **changes: object) -> Evidence:
    """Evidence for the placebo-based methods (no residual path)."""
    placebos = np.asarray(placebos, dtype=float)
    base = {
        "estimate": estimate,
        "pre_mean": 1.0,
        "placebos": placebos,
        "placebo_pre_means": np.ones(placebos.size),
        "size": 1.0,
        "placebo_sizes": np.ones(placebos.size),
        "spread": np.nan,
        "placebo_spreads": np.full(placebos.size, np.nan),
        "residuals": np.zeros(0),
        "post_design": np.zeros(0),
        "post_periods": np.zeros(0, dtype=bool),
        "n_pre": 0,
        "n_post": 0,
    }
    return Evidence(**{**base, **changes})


def test_conley_taber_empirical_interval_by_hand() -> None:
    # Placebos -2..2: linear-interpolated 2.5 % and 97.5 % quantiles are -1.9 and 1.9.
    found = conley_taber_empirical(evidence_with(3.0, [-2, -1, 0, 1, 2]))
    assert (found.ci_low, found.ci_high) == pytest.approx((3.0 - 1.9, 3.0 + 1.9))
    assert found.p_value == 0.0
    assert conley_taber_empirical(evidence_with(1.0, [-2, -1, 0, 1, 2])).p_value == pytest.approx(
        4 / 5
    )
    skewed = conley_taber_empirical(evidence_with(0.0, [1, 2, 3, 4, 5]))
    assert skewed.ci_high == pytest.approx(-1.1)  # need not contain the estimate


def test_size_variance_model_recovers_an_exact_model() -> None:
    sizes = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    placebos = np.sqrt(0.5 + 3.0 / sizes) * np.array([1, -1, 1, -1, 1])
    assert size_variance_model(placebos, sizes) == pytest.approx((0.5, 3.0), abs=1e-9)


def test_ferman_pinto_scales_the_treated_unit_by_its_size() -> None:
    sizes = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    placebos = np.sqrt(3.0 / sizes) * np.array([1, -1, 1, -1, 1, -1])
    small = ferman_pinto(evidence_with(1.0, placebos, size=1.0, placebo_sizes=sizes))
    large = ferman_pinto(evidence_with(1.0, placebos, size=16.0, placebo_sizes=sizes))
    # Half-widths scale with sqrt(variance): sqrt(3 / 1) / sqrt(3 / 16) = 4.
    assert (small.ci_high - small.ci_low) / (large.ci_high - large.ci_low) == pytest.approx(4.0)


def test_studentized_t_is_invariant_to_the_treated_units_volatility() -> None:
    placebos = np.array([0.3, -0.5, 0.2, 0.4, -0.1, -0.6])
    spreads = np.array([0.3, 0.5, 0.2, 0.4, 0.3, 0.4])
    calm = studentized_t(evidence_with(0.5, placebos, spread=0.25, placebo_spreads=spreads))
    wild = studentized_t(evidence_with(1.5, placebos, spread=0.75, placebo_spreads=spreads))
    assert wild.p_value == pytest.approx(calm.p_value, rel=1e-12)
    assert (wild.ci_high - wild.ci_low) == pytest.approx(3 * (calm.ci_high - calm.ci_low))


def test_variance_ratio_flags_only_methods_that_compare_units() -> None:
    evidence = evidence_with(
        0.0, [0.1, -0.1, 0.2], spread=0.6, placebo_spreads=np.array([0.2, 0.2, 0.2])
    )
    assert variance_ratio(evidence, "placebo_t") == pytest.approx(9.0)
    assert np.isnan(variance_ratio(evidence, "studentized_t"))
    assert np.isnan(variance_ratio(evidence, "conformal"))


def brute_force_conformal(r: np.ndarray, d: np.ndarray, flags: np.ndarray, grid: np.ndarray):
    """p(a) by explicit cyclic shifts of the residual path r - a d, on a grid."""
    n = r.size
    post = np.flatnonzero(flags)
    out = []
    for a in grid:
        u = r - a * d
        stats = [abs(u[(post + k) % n].sum()) for k in range(n)]
        out.append(np.mean(np.array(stats) >= stats[0] * (1 - 1e-10)))
    return np.array(out)


def test_conformal_interval_is_the_exact_acceptance_region() -> None:
    rng = np.random.default_rng(2)
    y = rng.normal(0, 0.3, (7, 40)) + np.arange(40) * 0.01
    y[0, 30:] += 1.0
    panel = panel_of(y)
    evidence = collect(panel, panel.period < 30, panel.period >= 30)
    found = conformal(evidence)
    r, d, flags = evidence.residuals, evidence.post_design, evidence.post_periods
    grid = np.linspace(found.ci_low - 1, found.ci_high + 1, 801)
    p = brute_force_conformal(r, d, flags, grid)
    accepted = grid[p > 0.05]
    assert accepted.min() >= found.ci_low - 1e-9 and accepted.max() <= found.ci_high + 1e-9
    assert accepted.min() - found.ci_low < grid[1] - grid[0]
    assert found.ci_high - accepted.max() < grid[1] - grid[0]
    assert found.ci_low < 1.0 < found.ci_high
    assert found.min_p_value == pytest.approx(1 / 40)
    a = np.array([0.0, 0.5])
    k_r, k_d = np.zeros(40), np.zeros(40)
    for k in range(40):
        k_r[k] = r[(np.flatnonzero(flags) + k) % 40].sum()
        k_d[k] = d[(np.flatnonzero(flags) + k) % 40].sum()
    np.testing.assert_allclose(
        conformal_p_values(k_r, k_d, a), brute_force_conformal(r, d, flags, a)
    )


def test_every_method_is_described() -> None:
    for key, info in METHODS.items():
        assert info.key == key and info.reference and info.assumes


def test_plan_and_fake_starts() -> None:
    # 46 months before the intervention, study windows 46 pre and 13 post months.
    plan = plan_for(46, 46, 13)
    assert plan == Plan(min_pre=23, post_length=13)
    starts = fake_starts(np.arange(46), plan)
    assert starts[0] == 23 and starts[-1] == 46 - 13 and len(starts) == 8
    assert plan_for(2, 1, 1) is None  # one period before: nothing to calibrate on
    assert plan_for(12, 12, 12) == Plan(min_pre=6, post_length=4)  # half of 12 pre, a third of 12


def test_band_high_is_the_binomial_quantile() -> None:
    # Binomial(100, 0.05): P(X <= 9) = 0.9718, P(X <= 10) = 0.9885, so the 97.5 % quantile is 10.
    assert band_high(100) == pytest.approx(0.10)


def fakes_frame(rates: dict[str, dict[str, int]], n: int = 10, widths: dict | None = None):
    """Fake-study rows: per method and unit, n studies of which `rates[m][u]` reject."""
    rows = []
    for method, by_unit in rates.items():
        for unit, rejected in by_unit.items():
            for k in range(n):
                rows.append(
                    {
                        "unit": unit,
                        "start": k,
                        "method": method,
                        "estimate": 0.0,
                        "p_value": 0.01 if k < rejected else 0.5,
                        "ci_low": -1.0,
                        "ci_high": 1.0,
                        "reject_05": k < rejected,
                        "reject_10": k < rejected,
                        "covers_zero": k >= rejected,
                        "width_pct": (widths or {}).get(method, 10.0),
                    }
                )
    return pd.DataFrame(rows)


def test_recommend_prefers_fewer_false_alarms_then_the_shortest_interval() -> None:
    units = {f"{i:02d}": 0 for i in range(6)}
    # studentized_t rejects 2 of 60 fake studies (within the band), conformal none: conformal
    # is chosen although its interval is half as long again.
    two = units | {"00": 1, "01": 1}
    summary = summarise(
        fakes_frame(
            {"studentized_t": two, "conformal": units},
            widths={"studentized_t": 6.0, "conformal": 9.0},
        )
    )
    overall = summary[summary["unit"] == ALL_UNITS].set_index("method")
    assert overall["holds"].all()
    assert overall.loc["studentized_t", "rejection_rate_05"] == pytest.approx(2 / 60)
    chosen = recommend(summary)
    assert chosen.method == "conformal" and chosen.holds
    assert (
        "fewest false alarms" in chosen.reason and "others holding: studentized_t" in chosen.reason
    )
    # Equal false-alarm rates: the shorter interval wins.
    fakes = fakes_frame(
        {"placebo_t": units, "studentized_t": units, "conformal": units},
        widths={"placebo_t": 8.0, "studentized_t": 6.0, "conformal": 9.0},
    )
    summary = summarise(fakes)
    assert summary.loc[summary["unit"] == ALL_UNITS, "holds"].all()
    chosen = recommend(summary)
    assert chosen.method == "studentized_t" and chosen.holds
    # The treated unit twice as volatile as the controls: studentized_t is left out.
    chosen = recommend(summary, {"studentized_t": np.nan, "placebo_t": 2.0})
    assert chosen.method == "studentized_t"
    chosen = recommend(
        summarise(fakes_frame({"placebo_t": units, "conformal": units})), {"placebo_t": 2.0}
    )
    assert chosen.method == "conformal" and "placebo_t (2.0x" in chosen.reason


def test_recommend_says_when_no_method_holds() -> None:
    bad = {f"{i:02d}": 0 for i in range(6)} | {"05": 9}
    summary = summarise(fakes_frame({"placebo_t": bad, "conformal": bad | {"04": 8}}))
    per_unit = summary[summary["unit"] == "05"]
    assert not per_unit["holds"].any()
    chosen = recommend(summary)
    assert not chosen.holds and chosen.method == "placebo_t"
    assert "no method's calibration holds" in chosen.reason
