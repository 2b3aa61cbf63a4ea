"""A small version of `regeval simulate`: coverage and size with binomial bands, and the real NAV calibration."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from regeval.paths import PROJECT_DIR
from regeval.simulate import (
    OUTSIDE,
    POOL,
    RECOMMENDED,
    RECOMMENDED_CALIBRATED,
    chosen_shares,
    real_calibration,
    run_simulation,
    scenarios,
    summarise_runs,
)

REPLICATIONS = 100


def band(p: float, n: int) -> float:
    """Half-width of the 95 % normal-approximation binomial band of a rate p over n replications."""
    return 1.96 * math.sqrt(p * (1 - p) / n)


def simulated(name: str):
    """Coverage and size by method for one shipped scenario (one worker, fixed seeds)."""
    (scenario,) = [s for s in scenarios() if s.name == name]
    runs = run_simulation(REPLICATIONS, [scenario], workers=1, seed=7, estimators=("did",))
    return summarise_runs(runs).set_index("method")


@pytest.fixture(scope="module")
def volatile():
    return simulated("treated 3x volatile, 11 controls")


@pytest.fixture(scope="module")
def calm_ar():
    return simulated("treated 0.5x, AR(1) 0.5, 11 controls")


def test_placebo_methods_fail_for_a_volatile_treated_county(volatile) -> None:
    # The controls' placebos are a third as dispersed as the treated county's error.
    for method in ("placebo_t", "conley_taber", "ferman_pinto"):
        assert volatile.loc[method, "coverage"] < 0.80
        assert volatile.loc[method, "size"] > 0.20


@pytest.mark.parametrize("method", ["studentized_t", "conformal", RECOMMENDED])
def test_own_scale_methods_and_the_recommended_row_hold(volatile, calm_ar, method: str) -> None:
    for table in (volatile, calm_ar):
        row = table.loc[method]
        assert row["replications"] == REPLICATIONS
        assert row["coverage"] >= 0.95 - band(0.95, REPLICATIONS)
        assert row["size"] <= 0.05 + band(0.05, REPLICATIONS)


def test_coverage_and_size_are_complements_for_translation_equivariant_intervals(volatile) -> None:
    # A planted effect moves the estimate and the interval together: coverage of the truth
    # with the effect equals 1 - rejection of zero without it (same draws, same calibration).
    for method in ("placebo_t", "studentized_t", "conformal"):
        row = volatile.loc[method]
        assert row["coverage"] == pytest.approx(1 - row["size"], abs=1e-12)


def test_real_nav_panel_calibration() -> None:
    seed = PROJECT_DIR / "seeds" / "public" / "nav_fully_unemployed_county_month.csv"
    check = real_calibration(seed, POOL, OUTSIDE)
    summary = check.summary
    overall = summary[summary["unit"] == "*"].set_index("method")
    counties = summary[summary["unit"] != "*"]
    # 11 pool counties x 11 starts (2012-01 .. 2012-11: 24+ months before, 12 after, before 2014).
    assert set(overall["n_fake_studies"]) == {121}
    worst = counties.groupby("method")["rejection_rate_05"].max()
    assert check.holds
    assert overall.loc[check.recommendation, "rejection_rate_05"] <= 0.07
    assert worst[check.recommendation] <= 0.15
    # The placebo-t interval of the old default fails for at least one county of the pool.
    assert worst["placebo_t"] >= 0.5
    assert set(check.outside["unit"]) >= set(OUTSIDE)


TREND_REPLICATIONS = 30


@pytest.fixture(scope="module")
def own_trend():
    (scenario,) = [s for s in scenarios() if s.name == "treated own linear trend, 11 controls"]
    runs = run_simulation(TREND_REPLICATIONS, [scenario], workers=1, seed=11)
    return summarise_runs(runs).set_index("method")


def test_own_linear_trend_breaks_did_and_not_the_extrapolating_sensitivity_bound(own_trend) -> None:
    # The treated county drifts 0.01 per period: DID's post-minus-pre comparison is off by
    # about 0.24 against an error sd near 0.03, so its placebo intervals miss the truth.
    n = TREND_REPLICATIONS
    for method in ("placebo_t", "studentized_t", "sdid:placebo_t"):
        assert own_trend.loc[method, "coverage"] < 0.5
    # Rambachan-Roth smoothness with M = 0 extrapolates the treated county's own pre trend.
    row = own_trend.loc["honestdid_sd_0"]
    assert row["replications"] == n
    assert row["coverage"] >= 0.95 - band(0.95, n)
    assert row["size"] <= 0.05 + band(0.05, n)


def test_recommended_calibrated_is_the_recommended_row_where_calibration_holds() -> None:
    # With a 3x volatile AR(1) treated county some replications have no calibrated method:
    # those drop out of recommended_calibrated, the others repeat the recommended row.
    (scenario,) = [s for s in scenarios() if s.name == "treated 3x, AR(1) 0.5, 11 controls"]
    runs = run_simulation(12, [scenario], workers=1, seed=7, estimators=("did",))
    key = ["seed", "effect"]
    recommended = runs[runs["method"] == RECOMMENDED].set_index(key)
    calibrated = runs[runs["method"] == RECOMMENDED_CALIBRATED].set_index(key)
    assert len(recommended) == 24
    assert 0 < len(calibrated) < len(recommended)
    # calibration is one per replication: both effects of a seed are in or out together
    assert calibrated.reset_index().groupby("seed").size().eq(2).all()
    shared = recommended.loc[calibrated.index]
    assert shared[["chosen", "covers", "rejects"]].equals(
        calibrated[["chosen", "covers", "rejects"]]
    )
    summary = summarise_runs(runs).set_index("method")
    assert summary.loc[RECOMMENDED_CALIBRATED, "replications"] == len(calibrated) // 2


def test_power_width_and_coverage_when_chosen_by_hand() -> None:
    # Four replications of one scenario: the recommended row chose 'a' twice and 'b' twice.
    rows = []
    for seed, chosen, covers, rejects, low, high in (
        (1, "a", True, True, 0.1, 0.9),
        (2, "a", False, True, 0.6, 1.0),
        (3, "b", True, False, -0.2, 0.8),
        (4, "b", True, True, 0.2, 0.6),
    ):
        for effect, row_covers, row_rejects in ((0.0, True, False), (0.5, covers, rejects)):
            rows.append(
                {
                    "scenario": "s",
                    "seed": seed,
                    "effect": effect,
                    "method": "recommended",
                    "chosen": chosen,
                    "covers": row_covers,
                    "rejects": row_rejects,
                    "width": high - low,
                }
            )
    runs = pd.DataFrame(rows)
    summary = summarise_runs(runs).set_index("method").loc["recommended"]
    assert summary["power"] == pytest.approx(3 / 4)
    # Widths 0.8, 0.4, 1.0, 0.4: median 0.6.
    assert summary["median_width"] == pytest.approx(0.6)
    shares = chosen_shares(runs).set_index("chosen")
    assert shares.loc["a", "share"] == shares.loc["b", "share"] == pytest.approx(0.5)
    assert shares.loc["a", "coverage_when_chosen"] == pytest.approx(0.5)
    assert shares.loc["b", "coverage_when_chosen"] == pytest.approx(1.0)


def _pool_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "pool_simulations", PROJECT_DIR / "scripts" / "pool_simulations.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_batches_pool_by_hand() -> None:
    """Two batches of one scenario: 371 of 400 and 386 of 400 cover, so the pool covers 757 of 800
    (0.94625, in the target though the first batch alone is not); its exact 95 % interval is the
    Clopper-Pearson one (scipy's beta quantiles at 757 and 44)."""
    pool = _pool_script().pool
    first = pd.DataFrame(
        [("s", RECOMMENDED, 400, 371 / 400), ("s", "other", 400, 0.5)],
        columns=["scenario", "method", "replications", "coverage"],
    )
    second = pd.DataFrame(
        [("s", RECOMMENDED, 400, 386 / 400), ("t", RECOMMENDED, 400, 0.9)],
        columns=["scenario", "method", "replications", "coverage"],
    )
    out = pool({"a": first, "b": second}, [RECOMMENDED]).set_index(["scenario", "method"])
    assert list(out.index) == [("s", RECOMMENDED)]  # only what every batch has
    row = out.loc[("s", RECOMMENDED)]
    assert (row["covered"], row["replications"]) == (757, 800)
    assert row["coverage"] == pytest.approx(0.94625)
    assert row["coverage_a"] == pytest.approx(0.9275) and row["coverage_b"] == pytest.approx(0.965)
    from scipy.stats import beta

    assert row["ci_low"] == pytest.approx(beta.ppf(0.025, 757, 44))
    assert row["ci_high"] == pytest.approx(beta.ppf(0.975, 758, 43))
    assert row["coverage_in_target"]


def test_pooling_refuses_a_coverage_that_is_not_a_count() -> None:
    pool = _pool_script().pool
    table = pd.DataFrame(
        [("s", RECOMMENDED, 400, 0.9301)],
        columns=["scenario", "method", "replications", "coverage"],
    )
    with pytest.raises(ValueError, match="not a whole number"):
        pool({"a": table}, [RECOMMENDED])


def test_seed_sets_the_replications_seeds() -> None:
    """Replication r of the i-th scenario of a run uses seed x 100000 + i x 10000 + r."""
    chosen = [s for s in scenarios() if s.name == "unequal sizes, 11 controls"]
    runs = run_simulation(2, chosen, workers=1, seed=47, estimators=("did",))
    assert sorted(runs["seed"].unique()) == [4_700_000, 4_700_001]


def test_cli_seed_reaches_the_simulation(monkeypatch, tmp_path) -> None:
    """`regeval simulate --seed 47` runs the scenarios with seed 47 (2019 without it)."""
    import regeval.simulate
    from regeval import cli

    seen = []

    def fake_run(replications, chosen, workers=None, seed=2019, progress=None, **kwargs):
        seen.append(seed)
        return run_simulation(1, chosen[:1], workers=1, seed=seed, estimators=("did",))

    monkeypatch.setattr(regeval.simulate, "run_simulation", fake_run)
    scenario = "unequal sizes, 11 controls"
    for extra in (["--seed", "47"], []):
        args = ["simulate", "--replications", "1", "--scenario", scenario, "--no-real"]
        cli.main([*args, "--out", str(tmp_path), *extra])
    assert seen == [47, 2019]
