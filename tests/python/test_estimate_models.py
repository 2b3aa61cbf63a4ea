"""Estimators: the fast fixed-effects solvers against statsmodels, and planted shifts recovered exactly."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from simulated_inputs import StudySpec, simple_design, simulate_study

from regeval.estimate.cells import ppml_term
from regeval.estimate.design import Window, designs_from
from regeval.estimate.fe import TwoWayFE
from regeval.estimate.linear import county_terms, pooled_term
from regeval.estimate.models import fit_twfe, twfe_design
from regeval.estimate.poisson import StratifiedPoissonFE
from regeval.estimate.sample import CellPanel, Panel, cell_panel, county_panel, group_panel


def random_panel(seed: int, n_units: int = 7, n_periods: int = 15, drop: float = 0.1) -> Panel:
    """An unbalanced weighted panel with random rates."""
    rng = np.random.default_rng(seed)
    unit = np.repeat([f"{i:02d}" for i in range(n_units)], n_periods).astype(object)
    period = np.tile(np.arange(n_periods), n_units).astype("datetime64[D]")
    keep = rng.random(unit.size) > drop
    keep[:n_periods] = True
    rate = rng.normal(3, 1, unit.size)
    weight = rng.uniform(1, 1e5, unit.size)
    return Panel(
        unit[keep], period[keep], rate[keep], weight[keep], rate[keep], weight[keep], 1.0, "00"
    )


def period_flags(periods: np.ndarray) -> np.ndarray:
    """post (days 10 on) and a placebo window before it (days 5-9)."""
    day = periods.astype(int)
    return np.column_stack([day >= 10, (day >= 5) & (day < 10)]).astype(float)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_way_fe_matches_statsmodels_wls(seed: int) -> None:
    panel = random_panel(seed)
    regressors = period_flags(panel.period)
    model = TwoWayFE(panel)
    for unit in ("00", "04"):
        shifted = Panel(
            panel.unit, panel.period, panel.rate, panel.weight, panel.rate, panel.weight, 1.0, unit
        )
        x = twfe_design(shifted, regressors)
        reference = sm.WLS(panel.rate, x, weights=panel.weight).fit().params
        np.testing.assert_allclose(model.coefficients(unit, regressors), reference[:2], rtol=1e-9)
        alone = sm.WLS(panel.rate, np.delete(x, 1, axis=1), weights=panel.weight).fit().params
        separate = model.coefficients(unit, regressors, joint=False)
        np.testing.assert_allclose(separate[0], alone[0], rtol=1e-9)


def test_two_way_fe_flags_unidentified_terms() -> None:
    panel = random_panel(4, drop=0.0)
    day = panel.period.astype(int)
    everywhere = np.ones((panel.n_obs, 1))
    assert np.isnan(TwoWayFE(panel).coefficients("00", everywhere)).all()
    collinear = np.column_stack([day >= 10, day < 10]).astype(float)
    assert np.isnan(TwoWayFE(panel).coefficients("00", collinear)).all()
    assert np.isnan(TwoWayFE(panel).coefficients("not a unit", everywhere)).all()


def test_fit_twfe_tidy_has_the_columns_and_contains_the_estimate() -> None:
    panel = random_panel(5)
    fit = fit_twfe(panel, ("post", "placebo_window"), period_flags, "twfe_county", "cluster_county")
    tidy = fit.tidy()
    assert list(tidy.columns) == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "ci_low",
        "ci_high",
        "inference",
    ]
    assert (tidy["ci_low"] <= tidy["estimate"]).all()
    assert (tidy["estimate"] <= tidy["ci_high"]).all()
    assert (tidy["inference"] == "cluster_county").all()
    np.testing.assert_allclose(
        tidy["estimate"], TwoWayFE(panel).coefficients("00", period_flags(panel.period))
    )


def poisson_data(seed: int) -> tuple[np.ndarray, ...]:
    """Poisson counts by county, period and cell (county x cell and cell x period effects) with a treated x post shift."""
    rng = np.random.default_rng(seed)
    n_units, n_periods, n_cells = 6, 10, 4
    unit = np.repeat(np.arange(n_units), n_periods * n_cells)
    period = np.tile(np.repeat(np.arange(n_periods), n_cells), n_units)
    cell = np.tile(np.arange(n_cells), n_units * n_periods)
    exposure = rng.uniform(100, 1000, unit.size)
    z = ((unit == 0) & (period >= 6)).astype(float)[:, None]
    eta = (
        np.log(exposure)
        - 3
        + rng.normal(0, 0.3, (n_units, n_cells))[unit, cell]
        + rng.normal(0, 0.2, (n_cells, n_periods))[cell, period]
        - 0.2 * z[:, 0]
    )
    keep = rng.random(unit.size) > 0.05
    count = rng.poisson(np.exp(eta)).astype(float)
    return tuple(a[keep] for a in (count, exposure, unit, period, cell, z))


def dummies(labels: list[str], drop_first_of: np.ndarray | None = None) -> np.ndarray:
    """0/1 columns of the distinct labels; with drop_first_of, each group's first label (in sort order) left out."""
    levels = sorted(set(labels))
    if drop_first_of is not None:
        first = {}
        for label, group in sorted(zip(labels, drop_first_of.tolist(), strict=True)):
            first.setdefault(group, label)
        levels = [level for level in levels if level not in set(first.values())]
    index = {level: j for j, level in enumerate(levels)}
    x = np.zeros((len(labels), len(levels)))
    for i, label in enumerate(labels):
        if label in index:
            x[i, index[label]] = 1.0
    return x


@pytest.mark.parametrize("seed", [1, 2])
def test_cell_poisson_matches_statsmodels_glm_with_explicit_dummies(seed: int) -> None:
    count, exposure, unit, period, cell, z = poisson_data(seed)
    model = StratifiedPoissonFE(count, np.log(exposure), cell, unit, period)
    fit = model.fit(z)
    assert fit.converged
    county_cell = dummies([f"{u}_{c}" for u, c in zip(unit, cell, strict=True)])
    cell_period = dummies(
        [f"{c}_{t:02d}" for c, t in zip(cell, period, strict=True)], drop_first_of=cell
    )
    x = np.column_stack([z, county_cell, cell_period])
    assert np.linalg.matrix_rank(x) == x.shape[1]
    reference = sm.GLM(count, x, family=sm.families.Poisson(), offset=np.log(exposure)).fit(
        cov_type="cluster", cov_kwds={"groups": unit}, use_t=True, tol=1e-12
    )
    np.testing.assert_allclose(fit.coef, reference.params[:1], rtol=1e-6, atol=1e-9)
    mu = exposure * np.exp(fit.fixed + z @ fit.coef)
    np.testing.assert_allclose(mu, reference.fittedvalues, rtol=1e-6)
    se = np.sqrt(np.diag(model.cluster_vcov(fit, z, unit)))
    np.testing.assert_allclose(se, reference.bse[:1], rtol=1e-6)


def test_cell_poisson_leaves_out_groups_without_counts() -> None:
    count, exposure, unit, period, cell, z = poisson_data(3)
    empty = (unit == 2) & (cell == 1)
    zeroed = np.where(empty, 0.0, count)
    with_empty = StratifiedPoissonFE(zeroed, np.log(exposure), cell, unit, period)
    without = StratifiedPoissonFE(
        count[~empty], np.log(exposure[~empty]), cell[~empty], unit[~empty], period[~empty]
    )
    assert with_empty.n_obs == without.n_obs == int((~empty).sum())
    np.testing.assert_allclose(with_empty.fit(z).coef, without.fit(z[~empty]).coef, rtol=1e-9)


def test_cell_poisson_flags_a_regressor_absorbed_by_the_fixed_effects() -> None:
    count, exposure, unit, period, cell, _ = poisson_data(4)
    model = StratifiedPoissonFE(count, np.log(exposure), cell, unit, period)
    assert np.isnan(model.fit((unit == 0).astype(float)).coef).all()


MONTHS = np.datetime64("2012-01", "M") + np.arange(14)
INTERVENTION = 8


def composition_shift(effect: float, common_exposure: bool) -> tuple[CellPanel, Window]:
    """Noiseless cell counts in which the treated county's cell mix moves against the county totals.

    mu = exposure x exp(county x cell + cell x period + log(1 + effect) treated x post):
    nationally cell c0 rises and c1 falls from the intervention on, and the treated
    county ('01') has far more c0 than the controls. With cell exposures, the treated
    county's exposure share of c0 also doubles after the intervention.
    """
    rng = np.random.default_rng(5)
    n_units, n_cells, n_periods = 6, 4, MONTHS.size
    post = np.arange(n_periods) >= INTERVENTION
    level = rng.normal(0, 0.3, (n_units, n_cells))
    level[0, 0] += 1.5
    pattern = np.cumsum(rng.normal(0, 0.03, (n_cells, n_periods)), axis=1)
    pattern[0] += 0.5 * post
    pattern[1] -= 0.4 * post
    county_exposure = rng.uniform(5e4, 2e5, n_units)[:, None] * (1 + 0.01 * np.arange(n_periods))
    share = np.broadcast_to(rng.dirichlet(np.ones(n_cells) * 5), (n_units, n_periods, n_cells))
    share = share.copy()
    if not common_exposure:
        share[0, post, 0] *= 2
        share[0] /= share[0].sum(axis=1, keepdims=True)
    u, t, c = np.meshgrid(
        np.arange(n_units), np.arange(n_periods), np.arange(n_cells), indexing="ij"
    )
    exposure = county_exposure[u, t] * (1.0 if common_exposure else share[u, t, c])
    treated_post = (u == 0) & post[t]
    count = exposure * np.exp(-6 + level[u, c] + pattern[c, t] + np.log1p(effect) * treated_post)
    cells = CellPanel(
        unit=np.array([f"{i + 1:02d}" for i in range(n_units)])[u.ravel()],
        period=MONTHS.astype("datetime64[D]")[t.ravel()],
        cell=np.array([f"c{k}" for k in range(n_cells)])[c.ravel()],
        count=count.ravel(),
        exposure=exposure.ravel(),
        treated="01",
    )
    days = MONTHS.astype("datetime64[D]")
    design = simple_design(
        days, (days[0], days[INTERVENTION - 1]), (days[INTERVENTION], days[-1]), days[INTERVENTION]
    )
    return cells, design.window("outcome_a")


def county_total_poisson(cells: CellPanel, window: Window) -> float:
    """Poisson of the county totals on county and period effects (one stratum), treated x post."""
    keys = np.char.add(cells.unit.astype(str), cells.period.astype(str))
    _, first, index = np.unique(keys, return_index=True, return_inverse=True)
    count = np.bincount(index, cells.count)
    exposure = np.bincount(index, cells.exposure)
    unit, period = cells.unit[first], cells.period[first]
    model = StratifiedPoissonFE(count, np.log(exposure), np.zeros(unit.size), unit, period)
    z = (window.post(period) & (unit == cells.treated)).astype(float)
    return float(model.fit(z).coef[0])


@pytest.mark.parametrize("common_exposure", [True, False])
@pytest.mark.parametrize("effect", [-0.12, 0.0, 0.3])
def test_ppml_recovers_a_planted_effect_under_a_composition_shift(
    effect: float, common_exposure: bool
) -> None:
    cells, window = composition_shift(effect, common_exposure)
    total = county_total_poisson(cells, window)
    assert abs(100 * np.expm1(total) - 100 * effect) > 5

    z = (window.post(cells.period) & (cells.unit == cells.treated)).astype(float)
    additive = np.column_stack(
        [
            z,
            dummies(cells.unit.tolist()),
            dummies(cells.period.astype(str).tolist())[:, 1:],
            dummies(cells.cell.tolist())[:, 1:],
        ]
    )
    collapsed = sm.GLM(
        cells.count, additive, family=sm.families.Poisson(), offset=np.log(cells.exposure)
    ).fit(tol=1e-12)
    if common_exposure:
        # the old model (county, period and cell effects) is the county-total Poisson
        assert collapsed.params[0] == pytest.approx(total, abs=1e-6)
    assert abs(100 * np.expm1(collapsed.params[0]) - 100 * effect) > 5

    term = ppml_term(cells, window, pre_mean=1.0)
    assert term is not None
    assert 100 * np.expm1(term.estimate) == pytest.approx(100 * effect, abs=1e-7)
    assert np.nanmax(np.abs(term.placebos)) < 1e-7
    assert np.isfinite(term.placebos).all()


def tables_for(spec: StudySpec) -> tuple:
    """Simulated tables, the study's design and its window."""
    tables = simulate_study(spec)
    design = designs_from(tables["studies"], tables["study_periods"])[spec.study_id]
    return tables, design, design.window(spec.outcomes[0])


shifts = st.floats(min_value=-0.8, max_value=0.8).filter(lambda x: abs(x) > 1e-3)


@settings(max_examples=20, deadline=None)
@given(
    effect=shifts,
    n_controls=st.integers(min_value=2, max_value=8),
    n_periods=st.integers(min_value=6, max_value=18),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_linear_models_return_a_planted_shift_exactly(
    effect: float, n_controls: int, n_periods: int, seed: int
) -> None:
    intervention = n_periods // 2 + 1
    spec = StudySpec(
        n_controls=n_controls,
        n_periods=n_periods,
        intervention=intervention,
        pre_end=intervention - 2,
        placebo=(1, intervention - 2),
        effect=effect,
        seed=seed,
    )
    tables, design, window = tables_for(spec)
    panel = county_panel(tables["county_panel"][tables["county_panel"]["role"] != "other"])
    county = county_terms(panel, window, design)[0]
    pooled = pooled_term(group_panel(tables["study_panel"]), panel, window)
    for term in (county, pooled):
        assert term.estimate == pytest.approx(effect, abs=1e-9)
        assert 100 * term.estimate / term.pre_mean == pytest.approx(
            100 * effect / term.pre_mean, abs=1e-9
        )


@settings(max_examples=10, deadline=None)
@given(
    effect=st.floats(min_value=-0.5, max_value=0.5).filter(lambda x: abs(x) > 1e-3),
    n_cells=st.integers(min_value=1, max_value=6),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_ppml_returns_a_planted_multiplicative_shift_exactly(
    effect: float, n_cells: int, seed: int
) -> None:
    spec = StudySpec(
        n_controls=5,
        n_periods=12,
        intervention=8,
        pre_end=6,
        placebo=(2, 6),
        effect=effect,
        multiplicative=True,
        n_cells=n_cells,
        seed=seed,
    )
    tables, _, window = tables_for(spec)
    panel = county_panel(tables["county_panel"][tables["county_panel"]["role"] != "other"])
    cells = cell_panel(tables["cell_panel"], panel.treated, np.unique(panel.unit).tolist())
    term = ppml_term(cells, window, pre_mean=1.0)
    assert term is not None
    assert 100 * np.expm1(term.estimate) == pytest.approx(100 * effect, abs=1e-7)
    assert np.nanmax(np.abs(term.placebos)) < 1e-7


def test_pooled_regression_reproduces_the_pre_post_did_with_noise() -> None:
    spec = StudySpec(
        n_controls=6,
        n_periods=20,
        intervention=13,
        pre_end=11,
        placebo=(4, 11),
        effect=0.2,
        noise=0.1,
        seed=3,
    )
    tables, _, window = tables_for(spec)
    panel = county_panel(tables["county_panel"][tables["county_panel"]["role"] != "other"])
    pooled = pooled_term(group_panel(tables["study_panel"]), panel, window)
    expected = tables["effects_pre_post"].iloc[0]
    assert 100 * pooled.estimate / pooled.pre_mean == pytest.approx(
        expected["effect_pct"], abs=1e-9
    )
    assert pooled.pre_mean == pytest.approx(expected["treated_pre"], abs=1e-12)
