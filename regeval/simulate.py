"""`regeval simulate`: Monte Carlo coverage and size of every inference method, and calibration on the real NAV panel.

Scenarios are chosen to break the methods, not to pass: county sizes spread
10x (so the controls differ in volatility), a treated county 3x or 0.5x as
volatile as the controls' median, AR(1) errors, Student-t(3) tails, 11 and 19
controls. Each replication draws a panel, evaluates it exactly as
`regeval.evaluate` does (calibration on its own pre-intervention data picks the
recommended method), once with no effect and once with a planted effect, and
records whether each method's 95 % interval covers the truth and whether its
5 % test rejects a true zero.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.stats

from regeval.estimate.calibration import Plan, fake_studies, recommend, summarise
from regeval.estimate.evaluation import evaluate_panel
from regeval.estimate.event_study import event_coefficients
from regeval.estimate.sample import Panel
from regeval.estimate.sensitivity import EventStudy, bounds
from regeval.estimate.synthetic import ESTIMATORS as SYNTHETIC_ESTIMATORS
from regeval.estimate.threads import blas_threads

RECOMMENDED = "recommended"
# The recommended row counted only where the calibration holds: what regeval claims as calibrated.
RECOMMENDED_CALIBRATED = "recommended_calibrated"
PLANTED_EFFECT = 0.5
LEVEL = 0.95
# The seed of the default batch (regeval simulate --seed; docs/inference).
SEED = 2019
# The targets: coverage of the planted effect and size at 5 %.
COVERAGE_TARGET = (0.93, 0.97)
SIZE_TARGET = (0.03, 0.07)
# The own-trend scenario: the treated county drifts by TREND per period against the others
# (before and after the intervention), i.e. 0.48 over a 48-period panel, about the planted effect.
TREND = 0.01
ESTIMATORS = ("did", *SYNTHETIC_ESTIMATORS)
# Rambachan-Roth robust intervals recorded in the Monte Carlo: smoothness with M = 0 (the
# treated county's pre trend extrapolated) and relative magnitudes with Mbar = 1.
SENSITIVITY = (
    ("honestdid_sd_0", "smoothness", 0.0),
    ("honestdid_rm_1", "relative_magnitudes", 1.0),
)


@dataclass(frozen=True)
class Scenario:
    """A data-generating process for one treated county and N0 controls."""

    name: str
    n_controls: int = 11
    treated_volatility: float = 1.0
    rho: float = 0.0
    tails_df: float | None = None
    n_pre: int = 36
    n_post: int = 12
    size_spread: float = 10.0
    treated_trend: float = 0.0


def scenarios() -> list[Scenario]:
    """The shipped scenarios: each factor that breaks some method, with 11 and 19 controls."""
    base = [
        Scenario("unequal sizes"),
        Scenario("treated 3x volatile", treated_volatility=3.0),
        Scenario("treated 0.5x volatile", treated_volatility=0.5),
        Scenario("treated 3x, AR(1) 0.5", treated_volatility=3.0, rho=0.5),
        Scenario("treated 0.5x, AR(1) 0.5", treated_volatility=0.5, rho=0.5),
        Scenario("treated 3x, t(3) tails", treated_volatility=3.0, tails_df=3.0),
        Scenario("AR(1) 0.5, t(3) tails", rho=0.5, tails_df=3.0),
        Scenario("treated own linear trend", treated_trend=TREND),
    ]
    return [
        replace(s, n_controls=n, name=f"{s.name}, {n} controls") for n in (11, 19) for s in base
    ]


def draw(scenario: Scenario, rng: np.random.Generator) -> tuple[Panel, np.ndarray, np.ndarray]:
    """One panel: unit and period effects, errors scaled by size (treated: a multiple of the median), pre/post flags."""
    n, t = scenario.n_controls + 1, scenario.n_pre + scenario.n_post
    sizes = np.exp(rng.uniform(0, math.log(scenario.size_spread), n)) * 1e4
    sizes[0] = np.median(sizes[1:])
    sd = 0.1 * np.sqrt(np.median(sizes) / sizes)
    sd[0] = scenario.treated_volatility * np.median(sd[1:])
    if scenario.tails_df:
        shocks = rng.standard_t(scenario.tails_df, (n, t))
        shocks /= math.sqrt(scenario.tails_df / (scenario.tails_df - 2))
    else:
        shocks = rng.normal(size=(n, t))
    errors = np.zeros((n, t))
    scale = math.sqrt(1 - scenario.rho**2)
    errors[:, 0] = shocks[:, 0]
    for k in range(1, t):
        errors[:, k] = scenario.rho * errors[:, k - 1] + scale * shocks[:, k]
    level = 3 + rng.normal(0, 0.5, n)[:, None] + np.cumsum(rng.normal(0, 0.05, t))[None, :]
    level[0] += scenario.treated_trend * (np.arange(t) - t / 2)
    y = level + sd[:, None] * errors
    units = np.repeat([f"{i:02d}" for i in range(n)], t)
    periods = np.tile(np.arange(t), n).astype(float)
    weights = np.repeat(sizes, t)
    panel = Panel(units, periods, y.ravel(), weights, y.ravel(), weights, 1.0, "00")
    post = periods >= scenario.n_pre
    return panel, ~post, post


def plant(panel: Panel, post: np.ndarray, effect: float) -> Panel:
    """The panel with `effect` added to the treated unit's post rows."""
    rate = panel.rate + effect * (post & (panel.unit == panel.treated))
    return replace(panel, rate=rate)


def rejects(p_value: float, low: float, high: float) -> bool | float:
    """A 5 % test rejects zero: p <= 0.05, or the 95 % interval (when there is one) excludes 0."""
    if not np.isfinite(p_value):
        return np.nan
    excluded = not (np.isnan(low) and np.isnan(high)) and not low <= 0 <= high
    return bool(p_value <= 0.05 or excluded)


def sensitivity_intervals(panel: Panel, pre: np.ndarray, post: np.ndarray) -> pd.DataFrame:
    """The Rambachan-Roth robust intervals of SENSITIVITY on the panel's event study (method, ci_low, ci_high)."""
    reference = np.unique(panel.period[pre]).max()
    others, treated, placebos = event_coefficients(panel, reference)
    position = {p: i for i, p in enumerate(np.unique(panel.period).tolist())}
    times = np.array([position[p] - position[reference] for p in others.tolist()])
    target = np.isin(others, panel.period[post]).astype(float)
    study = EventStudy(treated, placebos, times, target / target.sum())
    rows = []
    for key, restriction, m in SENSITIVITY:
        found = bounds(study, restriction, m)
        rows.append(
            {
                "inference": key,
                "estimate": study.theta,
                "ci_low": found.ci_low,
                "ci_high": found.ci_high,
                "p_value": 0.0 if not found.covers_zero else 1.0,
            }
        )
    return pd.DataFrame(rows)


def method_name(estimator: str, inference: str) -> str:
    """The Monte Carlo's method name: the inference for did, 'estimator:inference' for sc and sdid."""
    return inference if estimator in ("did", "") else f"{estimator}:{inference}"


def replicate(
    scenario: Scenario, seed: int, estimators: tuple[str, ...] = ESTIMATORS
) -> list[dict]:
    """One replication: every estimator's and method's coverage (planted effect) and rejection (no effect).

    With the synthetic estimators, the Rambachan-Roth robust intervals of SENSITIVITY
    are recorded too.
    """
    rng = np.random.default_rng(seed)
    panel, pre, post = draw(scenario, rng)
    before = panel.select(pre)
    null = evaluate_panel(panel, pre, post, before, estimators=estimators, conventional=False)
    planted_panel = plant(panel, post, PLANTED_EFFECT)
    planted = evaluate_panel(
        planted_panel,
        pre,
        post,
        before,
        estimators=estimators,
        conventional=False,
        calibration=null.calibration,
    )
    rows = []
    for effect, result, data in ((0.0, null, panel), (PLANTED_EFFECT, planted, planted_panel)):
        tidy = result.tidy()
        recommended = tidy[tidy["recommended"]].assign(estimator="")
        parts = [tidy, recommended.assign(inference=RECOMMENDED)]
        if result.recommendation.holds:
            parts.append(recommended.assign(inference=RECOMMENDED_CALIBRATED))
        if len(estimators) > 1:
            parts.append(sensitivity_intervals(data, pre, post).assign(estimator=""))
        tidy = pd.concat(parts, ignore_index=True)
        chosen = method_name(result.recommendation.estimator, str(result.recommendation.method))
        for row in tidy.itertuples(index=False):
            rows.append(
                {
                    "scenario": scenario.name,
                    "seed": seed,
                    "effect": effect,
                    "method": method_name(row.estimator, row.inference),
                    "chosen": chosen,
                    "covers": bool(row.ci_low <= effect <= row.ci_high)
                    if not (np.isnan(row.ci_low) and np.isnan(row.ci_high))
                    else np.nan,
                    "rejects": rejects(row.p_value, row.ci_low, row.ci_high),
                    "width": float(row.ci_high - row.ci_low),
                }
            )
    return rows


def _replicate_many(args: tuple[Scenario, list[int], tuple[str, ...]]) -> list[dict]:
    """Several replications of one scenario (one worker's share)."""
    scenario, seeds, estimators = args
    with blas_threads(1):
        return [row for seed in seeds for row in replicate(scenario, seed, estimators)]


def in_target(rate: float, target: tuple[float, float]) -> bool:
    """True when a coverage or size lies in its target range (ends included)."""
    return target[0] <= rate <= target[1]


def band(p: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """The central binomial interval of a rate p over n replications."""
    low, high = scipy.stats.binom.interval(level, n, p)
    return low / n, high / n


def summarise_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and method: coverage of the planted effect, size at 5 % under no effect, with bands.

    `power`: the share of replications with the planted effect in which the method
    rejects zero at 5 %. `median_width`: the median length of the 95 % interval with the planted effect
    (in the panel's units, the planted effect being PLANTED_EFFECT; infinite for an
    unbounded interval, missing for a method without one).
    """
    rows = []
    for (scenario, method), part in runs.groupby(["scenario", "method"], sort=False):
        planted = part[part["effect"] == PLANTED_EFFECT]
        null = part[part["effect"] == 0.0]
        covers = planted["covers"].dropna().astype(float)
        rejects = null["rejects"].dropna().astype(float)
        n = len(covers)
        size_n = len(rejects)
        widths = planted["width"].dropna() if "width" in planted else pd.Series(dtype=float)
        cov_low, cov_high = band(LEVEL, n) if n else (np.nan, np.nan)
        size_low, size_high = band(1 - LEVEL, size_n) if size_n else (np.nan, np.nan)
        rows.append(
            {
                "scenario": scenario,
                "method": method,
                "replications": max(n, size_n),
                "coverage": float(covers.mean()) if n else np.nan,
                "coverage_band_low": cov_low,
                "coverage_band_high": cov_high,
                "size": float(rejects.mean()) if size_n else np.nan,
                "size_band_low": size_low,
                "size_band_high": size_high,
                "coverage_in_target": bool(n and in_target(covers.mean(), COVERAGE_TARGET)),
                "size_in_target": bool(size_n and in_target(rejects.mean(), SIZE_TARGET)),
                "median_width": float(widths.median()) if len(widths) else np.nan,
                "power": float(planted["rejects"].dropna().astype(float).mean())
                if planted["rejects"].notna().any()
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def chosen_shares(runs: pd.DataFrame) -> pd.DataFrame:
    """How often each method was the recommended one, per scenario, and its coverage when chosen.

    The choice depends on the calibration and the pre period only, so it is the same with
    and without the planted effect; `coverage_when_chosen` is over the planted replications.
    """
    picks = runs[(runs["method"] == RECOMMENDED) & (runs["effect"] == 0.0)]
    planted = runs[(runs["method"] == RECOMMENDED) & (runs["effect"] == PLANTED_EFFECT)]
    shares = (
        picks.groupby(["scenario", "chosen"])
        .size()
        .div(picks.groupby("scenario").size())
        .rename("share")
    ).reset_index()
    covered = (
        planted.assign(covers=planted["covers"].astype(float))
        .groupby(["scenario", "chosen"])["covers"]
        .mean()
        .rename("coverage_when_chosen")
        .reset_index()
    )
    return shares.merge(covered, on=["scenario", "chosen"], how="left")


def run_simulation(
    replications: int,
    chosen: list[Scenario] | None = None,
    workers: int | None = None,
    seed: int = SEED,
    progress: Callable[[str], None] = lambda message: None,
    estimators: tuple[str, ...] = ESTIMATORS,
) -> pd.DataFrame:
    """Every scenario's replications (in worker processes), as one row per replication, effect and method."""
    chosen = chosen or scenarios()
    workers = workers or min(2, os.cpu_count() or 1)
    runs = []
    for index, scenario in enumerate(chosen):
        started = time.perf_counter()
        seeds = [seed * 100_000 + index * 10_000 + r for r in range(replications)]
        shares = [(scenario, seeds[k::workers], estimators) for k in range(workers)]
        if workers > 1:
            with ProcessPoolExecutor(workers) as pool:
                parts = list(pool.map(_replicate_many, shares))
        else:
            parts = [_replicate_many(share) for share in shares]
        runs += [row for part in parts for row in part]
        progress(
            f"simulate: {scenario.name}: {replications} replications in "
            f"{time.perf_counter() - started:.1f} s"
        )
    return pd.DataFrame(runs)


def real_panel(seed_csv: Path, counties: list[str], before: str) -> Panel:
    """Registered fully unemployed in percent of the labour force, by county and month, before a date."""
    frame = pd.read_csv(seed_csv, dtype={"county_code": str}, parse_dates=["month"])
    frame = frame[frame["county_code"].isin(counties) & (frame["month"] < pd.Timestamp(before))]
    frame = frame.sort_values(["county_code", "month"])
    rate = 100 * frame["fully_unemployed"] / frame["labour_force"]
    return Panel(
        unit=np.asarray(frame["county_code"].tolist(), dtype=str),
        period=frame["month"].to_numpy().astype("datetime64[D]"),
        rate=rate.to_numpy(dtype=float),
        weight=frame["labour_force"].to_numpy(dtype=float),
        numerator=frame["fully_unemployed"].to_numpy(dtype=float),
        denominator=frame["labour_force"].to_numpy(dtype=float),
        scale=100.0,
        treated=counties[0],
    )


REAL_PLAN = Plan(min_pre=24, post_length=12, max_starts=1000)


@dataclass(frozen=True)
class RealCheck:
    """The real-panel calibration: the pool's summary, the recommendation, and outside counties against the pool."""

    summary: pd.DataFrame
    recommendation: str
    holds: bool
    outside: pd.DataFrame


def real_calibration(
    seed_csv: Path,
    pool: list[str],
    outside: list[str],
    before: str = "2014-01-01",
    plan: Plan = REAL_PLAN,
) -> RealCheck:
    """Every pool county as a fake treated one at every start leaving 24 pre and 12 post months; outside counties too."""
    panel = real_panel(seed_csv, pool, before)
    fakes = fake_studies(panel, plan)
    summary = summarise(fakes)
    chosen = recommend(summary)
    rows = []
    for county in outside:
        extra = real_panel(seed_csv, [county, *pool], before)
        part = fake_studies(extra, plan, units=[county])
        rows.append(summarise(part))
    outside_summary = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return RealCheck(summary, chosen.method or "", chosen.holds, outside_summary)


POOL = ["04", "03", "05", "06", "07", "08", "16", "17", "18", "19", "20"]
OUTSIDE = ["02", "09", "10", "11", "12", "14", "15"]


def _table(frame: pd.DataFrame) -> str:
    """A frame as aligned text with 3 decimals."""
    return frame.to_string(index=False, float_format=lambda v: f"{v:.3f}")


def report_text(summary: pd.DataFrame, shares: pd.DataFrame, real: RealCheck | None) -> str:
    """The printed tables: coverage and size per scenario and method, choices, the real panel."""
    lines = []
    for scenario, part in summary.groupby("scenario", sort=False):
        shown = part.assign(
            coverage_band=[
                f"[{lo:.3f}, {hi:.3f}]"
                for lo, hi in zip(
                    part["coverage_band_low"], part["coverage_band_high"], strict=True
                )
            ],
            size_band=[
                f"[{lo:.3f}, {hi:.3f}]"
                for lo, hi in zip(part["size_band_low"], part["size_band_high"], strict=True)
            ],
        )[
            [
                "method",
                "replications",
                "coverage",
                "coverage_band",
                "size",
                "size_band",
                "median_width",
                "power",
                "coverage_in_target",
                "size_in_target",
            ]
        ]
        lines += [f"== {scenario}", _table(shown), ""]
    lines += [
        "recommended method chosen (share of replications):",
        _table(shares),
        "",
        (
            "bands: the central 95 % binomial interval of a method with exact 95 % coverage "
            "(5 % size) over that many replications; target: coverage 0.93-0.97, size 0.03-0.07."
        ),
    ]
    if real is not None:
        overall = real.summary[real.summary["unit"] == "*"]
        worst = (
            real.summary[real.summary["unit"] != "*"]
            .groupby("method")["rejection_rate_05"]
            .max()
            .rename("worst_county_rate_05")
        )
        lines += [
            "",
            (
                "real NAV unemployment panel before 2014, every pool county as fake treated "
                "(24+ pre, 12 post months):"
            ),
            _table(
                overall[
                    ["method", "n_fake_studies", "rejection_rate_05", "rejection_rate_10", "holds"]
                ].merge(worst.reset_index(), on="method")
            ),
            (
                f"recommended on this panel: {real.recommendation} "
                f"({'calibration holds' if real.holds else 'no method holds'})"
            ),
            "",
            "counties outside the pool as fake treated against the pool (rejection rate at 5 %):",
            _table(
                real.outside[real.outside["unit"] != "*"]
                .pivot(index="unit", columns="method", values="rejection_rate_05")
                .reset_index()
            ),
        ]
    return "\n".join(lines)


def simulate_command(
    replications: int,
    out_dir: Path | None,
    names: list[str] | None = None,
    workers: int | None = None,
    seed_csv: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
    seed: int = SEED,
) -> str:
    """Run the scenarios (and the real-panel calibration when the seed CSV is given); write CSVs; return the text."""
    chosen = scenarios()
    if names:
        unknown = [n for n in names if n not in {s.name for s in chosen}]
        if unknown:
            raise ValueError(
                f"unknown scenario(s) {unknown}; choose from: " + "; ".join(s.name for s in chosen)
            )
        chosen = [s for s in chosen if s.name in names]
    runs = run_simulation(replications, chosen, workers, seed=seed, progress=progress)
    summary = summarise_runs(runs)
    shares = chosen_shares(runs)
    real = None
    if seed_csv is not None:
        progress("simulate: calibration on the real NAV unemployment panel")
        real = real_calibration(seed_csv, POOL, OUTSIDE)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        summary.to_csv(out_dir / "simulation_coverage.csv", index=False)
        shares.to_csv(out_dir / "simulation_choices.csv", index=False)
        pd.DataFrame([asdict(s) for s in chosen]).to_csv(
            out_dir / "simulation_scenarios.csv", index=False
        )
        if real is not None:
            real.summary.to_csv(out_dir / "real_calibration.csv", index=False)
            real.outside.to_csv(out_dir / "real_calibration_outside.csv", index=False)
    return report_text(summary, shares, real)
