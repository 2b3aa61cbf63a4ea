"""Roll-out inference: the randomisation sets, the TWFE decomposition, and agreement with the dbt effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regeval.estimate.panels import read_inputs
from regeval.estimate.rollout import (
    NEVER,
    OUTSIDE,
    Series,
    _actual,
    _assignment_sets,
    aggregated_effects,
    series_of,
    staggered_twfe,
    twfe_rows,
)
from regeval.generate.rollout import RollOut

PERIODS = list(pd.date_range("2011-01-01", "2014-08-01", freq="MS"))
FIRST = [
    pd.Timestamp("2012-09-01"),
    pd.Timestamp("2013-01-01"),
    pd.Timestamp("2013-01-01"),
    pd.Timestamp("2013-06-01"),
    *[None] * 11,
]


def _planted() -> Series:
    """A four-county roll-out (the 2012-2013 months, three cohorts), noise-free: county and month effects (logs) and the planted growing effect."""
    rng = np.random.default_rng(1)
    log_y = rng.normal(0, 0.3, 15)[:, None] + np.linspace(0, 0.2, len(PERIODS))[None, :]
    plan = RollOut()
    for i, f in enumerate(FIRST):
        if f is not None:
            e = np.array([(p.year - f.year) * 12 + p.month - f.month for p in PERIODS])
            log_y[i] += np.log(1 - plan.reduction(e))
    return Series(
        counties=[f"{i:02d}" for i in range(15)],
        periods=PERIODS,
        rate=np.exp(log_y),
        denominator=100.0 * (1 + np.arange(15))[:, None] * np.ones((1, len(PERIODS))),
        first=FIRST,
        comparison="never_treated",
    )


def test_noise_free_panel_recovers_planted_effects_exactly():
    """Without noise every event-time effect (log scale) is log(1 - d(e)): the estimator is unbiased."""
    series = _planted()
    effects = aggregated_effects(series, _actual(series), "unweighted", "log")
    plan = RollOut()
    for e in range(24):
        assert effects[("event_time", e)][0] == pytest.approx(np.log(1 - plan.reduction(e)))
    for e in range(-29, -1):
        assert effects[("event_time", e)][0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("weighting", ["unweighted", "denominator"])
def test_twfe_decomposition_and_its_bias(weighting):
    """The TWFE weights times the group-time effects give the TWFE coefficient exactly on a noise-free
    panel (de Chaisemartin and D'Haultfoeuille 2020), and with growing effects it lies nearer zero
    than the overall group-time effect."""
    series = _planted()
    twfe, weights = staggered_twfe(series, weighting, "log")
    rows = {
        r["estimator"]: r["estimate"] for r in twfe_rows(series, weighting, "log", "s", "o", {})
    }
    assert rows["twfe_implied_by_att"] == pytest.approx(twfe, abs=1e-12)
    assert weights.sum() == pytest.approx(1.0)
    overall = aggregated_effects(series, _actual(series), weighting, "log")[("overall",)][0]
    assert overall < twfe < 0
    # The first cohort's weights fall with months since adoption.
    first_cohort = weights[0, PERIODS.index(pd.Timestamp("2012-09-01")) :]
    assert first_cohort[0] > first_cohort[-1]


def test_assignment_sets():
    """Placebo cohorts are drawn among the never-treated counties only (the treated ones left out of
    every comparison); the sharp-null set uses every county; cohort sizes are kept; all distinct."""
    series = _planted()
    sets = _assignment_sets(series)
    placebo, sharp = sets["ri_placebo_controls"], sets["ri_sharp_null"]
    assert placebo.shape == (11 * 10 * 9 * 8 // 2, 15)  # 11! / (7! 1! 2! 1!) = 3960
    assert len({tuple(row) for row in placebo}) == len(placebo)
    assert (placebo[:, :4] == OUTSIDE).all()
    assert (placebo[:, 4:] >= NEVER).all()
    for assignment in (placebo, sharp):
        for cohort, size in enumerate([1, 2, 1]):
            assert ((assignment == cohort).sum(axis=1) == size).all()
    assert sharp.shape == (5000, 15) and (sharp != OUTSIDE).all()


def test_randomisation_interval_covers_under_no_effect():
    """With no effect and exchangeable noisy counties the placebo interval of the overall effect
    covers 0 in about 95 % of panels (binomial band over 60 panels: at least 51)."""
    covered = 0
    design = _planted()
    for seed in range(60):
        noise = np.random.default_rng(seed).normal(0, 0.02, design.rate.shape)
        series = Series(
            design.counties,
            design.periods,
            np.exp(noise),
            design.denominator,
            design.first,
            design.comparison,
        )
        fake = aggregated_effects(
            series, _assignment_sets(series)["ri_placebo_controls"], "unweighted", "log"
        )[("overall",)]
        estimate = aggregated_effects(series, _actual(series), "unweighted", "log")[("overall",)][0]
        low, high = estimate - np.quantile(fake, 0.975), estimate - np.quantile(fake, 0.025)
        covered += low <= 0 <= high
    assert covered >= 51


def test_python_effects_equal_the_dbt_tables(built_db):
    """The randomisation code's effects for the actual assignment equal event_time_effects (1e-9)."""
    frames = read_inputs(built_db).rollout
    for outcome_id in ("jobseekers_dagpenger", "new_jobseekers_no_dagpenger"):
        series = series_of(frames, "rollout_2012_jobseekers", outcome_id)
        sql = frames["effects"][frames["effects"]["outcome_id"] == outcome_id]
        for weighting in ("unweighted", "denominator"):
            for scale in ("level", "log"):
                mine = aggregated_effects(series, _actual(series), weighting, scale)
                theirs = sql[(sql["weighting"] == weighting) & (sql["scale"] == scale)]
                assert len(mine) == len(theirs)
                for row in theirs.itertuples():
                    key = {
                        "event_time": ("event_time", row.event_time),
                        "cohort": ("cohort", pd.Timestamp(row.cohort)),
                        "overall": ("overall",),
                    }[row.aggregation]
                    assert mine[key][0] == pytest.approx(row.estimate, rel=1e-9, abs=1e-12)


def test_placebo_rollouts_measure_the_twfe_bias_exactly_without_noise():
    """scripts/rollout_twfe_bias.py on a noise-free panel: taking the planted effect out and planting
    it in random counties leaves the group-time estimator exact (error 0) and the naive TWFE off by
    exactly what its own weights predict, towards zero, in every replication."""
    import importlib.util

    from regeval.paths import PROJECT_DIR

    spec = importlib.util.spec_from_file_location(
        "rollout_twfe_bias", PROJECT_DIR / "scripts" / "rollout_twfe_bias.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    plan = RollOut()
    result = script.replicate(_planted(), plan, 20, np.random.default_rng(0))
    # By hand: the cohorts' planted post means of log(1 - d(e)), weighted 1:2:1.
    cohort_means = [
        np.log(1 - plan.reduction(np.arange(n))).mean() for n in (24, 20, 15)
    ]  # Sep 2012, Jan 2013, Jun 2013 to Aug 2014
    planted = 100 * (np.exp(np.average(cohort_means, weights=[1, 2, 1])) - 1)
    np.testing.assert_allclose(result["planted"], planted, rtol=1e-12)
    np.testing.assert_allclose(result["cs_error"], 0.0, atol=1e-9)
    np.testing.assert_allclose(result["twfe_error"], result["twfe_predicted_error"], atol=1e-9)
    assert (result["twfe_error"] > 0.1).all()
    assert result["twfe_nearer_zero"].all()
