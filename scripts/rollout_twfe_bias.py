"""Which way the naive staggered TWFE misses the planted roll-out effect, averaged over placebo roll-outs.

On one data set the naive TWFE's own noise (its baseline is the whole pre-period) can be
larger than its bias. This script measures the bias on the shipped roll-out's national
county panel with the noise averaged away:

1. The planted effect is taken out of the seven adopting counties (each rate divided by
   1 - d(e) from the generator's plan: exact in expectation, the removal draws stay as noise),
   so all 18 counties are without effect.
2. Each replication gives the actual cohorts (sizes and first months) to randomly drawn
   counties, plants the generator's effect d(e) in them (rate x (1 - d(e))), and estimates
   the overall effect with the group-time estimator (unweighted, log) and with the naive
   staggered TWFE; the other counties compare, as in the shipped study.
3. Printed: the mean error of each against the planted overall effect (the cohort-size
   weighted mean of the cohorts' planted post-period effects, in percent) with a 95 % band,
   the mean error theory predicts for the TWFE (its own weights on the planted effects), and
   the share of replications where the TWFE is nearer zero than the group-time estimate,
   with its binomial band.

Usage: python scripts/rollout_twfe_bias.py [database] [replications]  (make validate-rollout)
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from regeval import warehouse
from regeval.estimate.rollout import (
    _actual,
    aggregated_effects,
    rollout_inputs,
    series_of,
    staggered_twfe,
)
from regeval.generate.rollout import STUDY_ID, RollOut
from regeval.paths import PROJECT_DIR, db_path
from regeval.sql import identifier

OUTCOMES = ("jobseekers_dagpenger", "jobseekers_no_dagpenger")
WEIGHTING, SCALE = "unweighted", "log"
SEED = 2021
OUTPUT = PROJECT_DIR / "docs" / "inference" / "rollout_twfe_bias.txt"


def months_since(first: pd.Timestamp | None, periods: list[pd.Timestamp]) -> np.ndarray:
    """Months from first to each period (NaN when never treated)."""
    if first is None:
        return np.full(len(periods), np.nan)
    return np.array([(p.year - first.year) * 12 + p.month - first.month for p in periods], float)


def kept_share(plan: RollOut, first: list, periods: list[pd.Timestamp]) -> np.ndarray:
    """1 - d(e) by (county, period) for the given first treated months."""
    out = np.ones((len(first), len(periods)))
    for i, f in enumerate(first):
        if f is not None:
            out[i] = 1 - plan.reduction(months_since(f, periods))
    return out


def planted_overall(plan: RollOut, first: list, periods: list[pd.Timestamp]) -> float:
    """The planted overall effect in log points: cohort means over post periods, weighted by cohort size."""
    cohorts = sorted({f for f in first if f is not None})
    effects, sizes = [], []
    for g in cohorts:
        e = months_since(g, periods)
        effects.append(np.log(1 - plan.reduction(e[e >= 0])).mean())
        sizes.append(sum(f == g for f in first))
    return float(np.average(effects, weights=sizes))


def pct(log_effect: float) -> float:
    """A log effect in percent."""
    return 100 * (np.exp(log_effect) - 1)


def replicate(series, plan: RollOut, replications: int, rng: np.random.Generator) -> pd.DataFrame:
    """Errors of the group-time and naive TWFE overall effects over random placebo roll-outs (percent points)."""
    clean = series.rate / kept_share(plan, series.first, series.periods)
    firsts = [f for f in series.first if f is not None] + [None] * sum(
        f is None for f in series.first
    )
    rows = []
    for _ in range(replications):
        first = list(rng.permutation(np.array(firsts, dtype=object)))
        first = [None if f is None else pd.Timestamp(f) for f in first]
        fake = replace(series, rate=clean * kept_share(plan, first, series.periods), first=first)
        truth = planted_overall(plan, first, series.periods)
        cs = float(aggregated_effects(fake, _actual(fake), WEIGHTING, SCALE)[("overall",)][0])
        twfe, weights = staggered_twfe(fake, WEIGHTING, SCALE)
        predicted = float(np.nansum(weights * np.log(kept_share(plan, first, series.periods))))
        rows.append(
            {
                "planted": pct(truth),
                "cs_error": pct(cs) - pct(truth),
                "twfe_error": pct(twfe) - pct(truth),
                "twfe_predicted_error": pct(predicted) - pct(truth),
                "twfe_nearer_zero": abs(twfe) < abs(cs),
            }
        )
    return pd.DataFrame(rows)


def band(values: pd.Series) -> str:
    mean, se = values.mean(), values.std(ddof=1) / np.sqrt(len(values))
    return f"{mean:+.2f} (95 % band {mean - 1.96 * se:+.2f} to {mean + 1.96 * se:+.2f})"


def binomial_band(successes: int, n: int) -> str:
    low, high = stats.binomtest(successes, n).proportion_ci(0.95, method="exact")
    return f"{successes / n:.3f} ({successes} of {n}; exact 95 % band {low:.3f}-{high:.3f})"


def main(argv: list[str]) -> int:
    database = argv[1] if len(argv) > 1 else str(db_path())
    replications = int(argv[2]) if len(argv) > 2 else 2000
    plan = RollOut()
    config = identifier(warehouse.study_config_schema())
    with duckdb.connect(database, read_only=True) as connection:
        relations = {
            "studies": connection.sql(f"select * from {config}.studies"),
            "study_units": connection.sql(f"select * from {config}.study_units"),
            **{
                name: connection.table(name)
                for name in ("study_outcome_windows", "county_panel", "event_time_effects")
            },
        }
        frames = rollout_inputs(relations)
    lines = [
        (
            f"Naive staggered TWFE against the group-time estimator ({WEIGHTING}, {SCALE}) over "
            f"{replications} placebo roll-outs of {STUDY_ID} (database {Path(database).name}, seed {SEED})."
        ),
        (
            "Errors are estimate - planted overall effect, in percent points; positive = "
            "nearer zero for this negative effect."
        ),
    ]
    rng = np.random.default_rng(SEED)
    for outcome in OUTCOMES:
        series = series_of(frames, STUDY_ID, outcome)
        result = replicate(series, plan, replications, rng)
        lines += [
            "",
            f"{outcome}: planted overall effect {result['planted'].mean():.2f} % on average",
            f"  group-time estimator error:        {band(result['cs_error'])}",
            f"  naive TWFE error:                  {band(result['twfe_error'])}",
            f"  naive TWFE error theory predicts:  {band(result['twfe_predicted_error'])}",
            "  TWFE nearer zero than group-time:  "
            + binomial_band(int(result["twfe_nearer_zero"].sum()), len(result)),
        ]
        print("\n".join(lines[-6:]), flush=True)
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {OUTPUT.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
