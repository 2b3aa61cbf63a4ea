"""Inference for roll-out studies (several treated counties, staggered first treated months).

The effects themselves are dbt's (group_time_effects, event_time_effects); this module only
adds their uncertainty, and beside them the naive staggered two-way fixed-effects estimate:

- `ri_placebo_controls`: randomisation inference over units. Fake cohorts of the actual
  sizes and first months are drawn among the never-treated counties (every assignment when
  there are at most MAX_ASSIGNMENTS, else a random sample), the rest of them compare, and
  each aggregated effect is recomputed. Interval [b - q97.5, b - q2.5] of the fake effects
  (Conley and Taber 2011); p = share of fake effects at least as large in absolute value.
  Assumes the treated counties' errors are like the never-treated counties' (exchangeable);
  with few never-treated counties the interval cannot cover more than the number of
  assignments allows (min_p_value).
- `ri_sharp_null`: randomisation inference over adoption dates and units. Every county of
  the study (treated or not) may get any of the actual first months (the cohort sizes are
  kept). Exact p-value for the sharp null of no effect in any county and month when
  adoption was as good as randomly assigned across the study's counties; no interval.
- `rollout_cohort_effects`: each cohort (its counties pooled) against the never-treated
  counties through `regeval.evaluate`'s single-county methods, calibrated on that panel's
  own pre-adoption data; valid per cohort as the single-county methods are (README).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from regeval.estimate.evaluation import evaluate_panel
from regeval.estimate.sample import Panel
from regeval.estimate.tables import columns
from regeval.estimate.threads import blas_threads

MAX_ASSIGNMENTS = 5000
# Assignment codes besides a cohort's number: never treated, and left out (a county actually
# treated, when fake cohorts are drawn among the never-treated ones only).
NEVER, OUTSIDE = -1, -2
SEED = 16
LEVEL = 0.95
WEIGHTINGS = ("unweighted", "denominator")
SCALES = ("level", "log")

# The relations the roll-out estimation reads (dbt refs of the estimation model).
RELATIONS = (
    "studies",
    "study_units",
    "study_outcome_windows",
    "county_panel",
    "event_time_effects",
)


def empty_inputs() -> dict[str, pd.DataFrame]:
    """The roll-out inputs of a database without roll-out studies."""
    return {
        name: pd.DataFrame(columns=["study_id"])
        for name in ("studies", "units", "windows", "panel", "effects")
    }


def rollout_inputs(relations: Mapping[str, duckdb.DuckDBPyRelation]) -> dict[str, pd.DataFrame]:
    """The roll-out studies' configuration, county panel and dbt effects from their relations."""
    studies = (
        relations["studies"]
        .filter("design = 'rollout'")
        .project("study_id, comparison")
        .order("study_id")
        .df()
    )
    ids = set(studies["study_id"])

    def of_rollout(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["study_id"].isin(ids)].reset_index(drop=True)

    frames = {
        "studies": studies,
        "units": of_rollout(
            relations["study_units"]
            .project("study_id, county_code, role, first_treated_month")
            .df()
        ),
        "windows": of_rollout(
            relations["study_outcome_windows"]
            .filter("variant = 'all_months'")
            .project("study_id, outcome_id, pre_start, post_end")
            .df()
        ),
        "panel": of_rollout(
            relations["county_panel"]
            .filter("role in ('treated', 'control')")
            .project(
                "study_id, outcome_id, county_code, period_start, numerator, denominator, rate"
            )
            .df()
        ),
        "effects": relations["event_time_effects"]
        .project(
            "study_id, outcome_id, weighting, scale, aggregation, event_time, cohort, "
            "estimate, treated_base"
        )
        .df(),
    }
    for frame in frames.values():
        for column in ("first_treated_month", "pre_start", "post_end", "period_start", "cohort"):
            if column in frame.columns:
                frame[column] = pd.to_datetime(frame[column])
    return frames


@dataclass(frozen=True)
class Series:
    """One outcome of one roll-out study: rates and denominators by county and period."""

    counties: list[str]
    periods: list[pd.Timestamp]
    rate: np.ndarray  # (county, period), NaN where missing
    denominator: np.ndarray
    first: list[pd.Timestamp | None]  # first treated month by county (None: never treated)
    comparison: str


@dataclass(frozen=True)
class Cells:
    """The (cohort, period) cells of a series: base period index and event time of each."""

    cohorts: list[pd.Timestamp]
    base: list[int]  # base period index by cohort
    sizes: list[int]  # number of counties by cohort


def _cells(series: Series) -> Cells:
    cohorts = sorted({f for f in series.first if f is not None})
    bases = []
    for g in cohorts:
        before = [i for i, p in enumerate(series.periods) if p < g]
        bases.append(before[-1] if before else -1)
    sizes = [sum(f == g for f in series.first) for g in cohorts]
    return Cells(cohorts, bases, sizes)


def aggregated_effects(
    series: Series,
    assignment: np.ndarray,
    weighting: str,
    scale: str,
    cells_out: dict[tuple[int, int], np.ndarray] | None = None,
) -> dict[tuple, np.ndarray]:
    """Event-time, cohort and overall effects for each row of `assignment` (R x county: cohort number or -1).

    The same estimator as group_time_effects/event_time_effects (dbt), vectorised over
    assignments: {('event_time', e) | ('cohort', g) | ('overall',): values (R,)}.
    """
    cells = _cells(series)
    y = series.rate.astype(float)
    if scale == "log":
        y = np.log(np.where(y > 0, y, np.nan))
    present = np.isfinite(y)
    n_periods = len(series.periods)
    cohort_dates = np.array(
        [np.datetime64(g) for g in cells.cohorts] or [np.datetime64("NaT")], dtype="datetime64[D]"
    )
    period_dates = np.array([np.datetime64(p) for p in series.periods], dtype="datetime64[D]")
    never = assignment == NEVER  # OUTSIDE: not in this assignment's study at all
    first_of = np.where(
        assignment >= 0, cohort_dates[np.maximum(assignment, 0)], np.datetime64("NaT")
    )
    by_event: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    by_cohort: dict[int, list[np.ndarray]] = {}
    cohort_size: dict[int, np.ndarray] = {}
    for g, base in enumerate(cells.base):
        if base < 0:
            continue
        ok = present & present[:, [base]]
        change = np.where(ok, y - np.where(present[:, [base]], y[:, [base]], 0.0), 0.0)
        w = series.denominator[:, base] if weighting == "denominator" else np.ones(len(ok))
        w = np.nan_to_num(w)
        treated = (assignment == g) * w
        t_sum, t_num = treated @ ok, treated @ change
        if series.comparison == "not_yet_treated":
            c_sum, c_num = np.empty_like(t_sum), np.empty_like(t_num)
            for t in range(n_periods):
                later = first_of > max(period_dates[t], period_dates[base])
                compare = ((never | later) & (assignment != g)) * w
                c_sum[:, t], c_num[:, t] = compare @ ok[:, t], compare @ change[:, t]
        else:
            compare = never * w
            c_sum, c_num = compare @ ok, compare @ change
        with np.errstate(invalid="ignore", divide="ignore"):
            att = np.where((t_sum > 0) & (c_sum > 0), t_num / t_sum - c_num / c_sum, np.nan)
        for t in range(n_periods):
            if t == base:
                continue
            e = t - base - 1
            by_event.setdefault(e, []).append((att[:, t], t_sum[:, t]))
            if e >= 0:
                by_cohort.setdefault(g, []).append(att[:, t])
                cohort_size.setdefault(g, t_sum[:, t])
            if cells_out is not None:
                cells_out[(g, t)] = att[:, t]
    out: dict[tuple, np.ndarray] = {}
    for e, parts in sorted(by_event.items()):
        atts = np.column_stack([a for a, _ in parts])
        sizes = np.column_stack([np.where(np.isfinite(a), s, 0.0) for a, s in parts])
        with np.errstate(invalid="ignore", divide="ignore"):
            out[("event_time", e)] = np.nansum(atts * sizes, axis=1) / sizes.sum(axis=1)
    totals = []
    for g, atts in sorted(by_cohort.items()):
        stacked = np.column_stack(atts)
        counted = np.isfinite(stacked).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            effect = np.where(counted > 0, np.nansum(stacked, axis=1) / counted, np.nan)
        out[("cohort", cells.cohorts[g])] = effect
        totals.append((effect, cohort_size[g]))
    if totals:
        effects = np.column_stack([e for e, _ in totals])
        sizes = np.column_stack([s for _, s in totals])
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN when no cohort has data
            out[("overall",)] = (effects * sizes).sum(axis=1) / sizes.sum(axis=1)
    return out


def _partitions(pool: list[int], sizes: list[int]):
    """Every way to give cohort g (g = 0, 1, ...) sizes[g] distinct units of pool."""
    if not sizes:
        yield []
        return
    for chosen in itertools.combinations(pool, sizes[0]):
        rest = [u for u in pool if u not in chosen]
        for tail in _partitions(rest, sizes[1:]):
            yield [chosen, *tail]


def _multiset_assignments(
    pool: list[int], sizes: list[int], rng: np.random.Generator, n_units: int
) -> np.ndarray:
    """Assignments (R x unit: cohort number or -1) of cohorts of `sizes` to units of `pool`.

    Every assignment when there are at most MAX_ASSIGNMENTS, else a random sample of that many.
    """
    n_pool = len(pool)
    count = math.factorial(n_pool) // (
        math.factorial(n_pool - sum(sizes)) * math.prod(math.factorial(s) for s in sizes)
    )
    if count <= MAX_ASSIGNMENTS:
        parts = list(_partitions(pool, sizes))
    else:
        labels = np.repeat(np.arange(-1, len(sizes)), [n_pool - sum(sizes), *sizes])
        parts = []
        for _ in range(MAX_ASSIGNMENTS):
            drawn = rng.permutation(labels)
            parts.append([[pool[i] for i in np.flatnonzero(drawn == g)] for g in range(len(sizes))])
    out = np.full((len(parts), n_units), OUTSIDE, dtype=int)
    out[:, pool] = NEVER
    for r, part in enumerate(parts):
        for g, members in enumerate(part):
            out[r, list(members)] = g
    return out


def _assignment_sets(series: Series) -> dict[str, np.ndarray]:
    """The fake assignments of each randomisation method (R x county)."""
    cells = _cells(series)
    rng = np.random.default_rng(SEED)
    n = len(series.counties)
    never = [i for i, f in enumerate(series.first) if f is None]
    sets = {"ri_sharp_null": _multiset_assignments(list(range(n)), cells.sizes, rng, n)}
    if len(never) >= sum(cells.sizes) + 1:
        sets["ri_placebo_controls"] = _multiset_assignments(never, cells.sizes, rng, n)
    return sets


def _actual(series: Series) -> np.ndarray:
    cells = _cells(series)
    return np.array(
        [[-1 if f is None else cells.cohorts.index(f) for f in series.first]], dtype=int
    )


def _percent(scale: str, value: float, base: float) -> float:
    if not np.isfinite(value):
        return np.nan
    if scale == "log":
        return 100 * (np.exp(value) - 1)
    return 100 * value / base if base else np.nan


def series_of(frames: dict[str, pd.DataFrame], study_id: str, outcome_id: str) -> Series:
    """One outcome's rates of one roll-out study, from the frames of `rollout_inputs`."""
    units = frames["units"][frames["units"]["study_id"] == study_id]
    window = frames["windows"][
        (frames["windows"]["study_id"] == study_id)
        & (frames["windows"]["outcome_id"] == outcome_id)
    ].iloc[0]
    panel = frames["panel"][
        (frames["panel"]["study_id"] == study_id)
        & (frames["panel"]["outcome_id"] == outcome_id)
        & (frames["panel"]["period_start"] >= window["pre_start"])
        & (frames["panel"]["period_start"] <= window["post_end"])
    ]
    panel = panel[panel["rate"].notna()]
    counties = sorted(set(panel["county_code"]) & set(units["county_code"]))
    periods = sorted(panel["period_start"].unique())
    rate = panel.pivot(index="county_code", columns="period_start", values="rate")
    denominator = panel.pivot(index="county_code", columns="period_start", values="denominator")
    first_by = dict(zip(units["county_code"], units["first_treated_month"]))
    comparison = frames["studies"].set_index("study_id").loc[study_id, "comparison"]
    return Series(
        counties=counties,
        periods=[pd.Timestamp(p) for p in periods],
        rate=rate.reindex(index=counties, columns=periods).to_numpy(dtype=float),
        denominator=denominator.reindex(index=counties, columns=periods).to_numpy(dtype=float),
        first=[None if pd.isna(first_by[c]) else pd.Timestamp(first_by[c]) for c in counties],
        comparison=comparison,
    )


def randomisation_rows(
    series: Series, effects: pd.DataFrame, study_id: str, outcome_id: str
) -> list[dict]:
    """rollout_inference rows of one outcome: both randomisation methods, every variant and aggregate."""
    rows = []
    sets = _assignment_sets(series)
    actual = _actual(series)
    for weighting in WEIGHTINGS:
        for scale in SCALES:
            observed = aggregated_effects(series, actual, weighting, scale)
            fakes = {m: aggregated_effects(series, a, weighting, scale) for m, a in sets.items()}
            bases = _bases(
                effects[(effects["weighting"] == weighting) & (effects["scale"] == scale)]
            )
            for key, value in observed.items():
                estimate = float(value[0])
                base = bases.get(key, np.nan)
                for method, fake in fakes.items():
                    draws = fake[key][np.isfinite(fake[key])]
                    if not draws.size or not np.isfinite(estimate):
                        continue
                    p = (np.sum(np.abs(draws) >= abs(estimate) - 1e-12)) / draws.size
                    if method == "ri_placebo_controls":
                        q_low, q_high = np.quantile(draws, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
                        low, high = estimate - q_high, estimate - q_low
                    else:
                        low = high = np.nan
                    rows.append(
                        {
                            "study_id": study_id,
                            "outcome_id": outcome_id,
                            "estimator": "callaway_santanna",
                            "weighting": weighting,
                            "scale": scale,
                            "aggregation": key[0],
                            "event_time": key[1] if key[0] == "event_time" else None,
                            "cohort": key[1] if key[0] == "cohort" else None,
                            "inference": method,
                            "estimate": estimate,
                            "ci_low": low,
                            "ci_high": high,
                            "p_value": float(max(p, 1 / draws.size)),
                            "min_p_value": 1 / draws.size,
                            "n_assignments": int(draws.size),
                            "estimate_pct": _percent(scale, estimate, base),
                            "ci_low_pct": _percent(scale, low, base),
                            "ci_high_pct": _percent(scale, high, base),
                        }
                    )
            rows.extend(twfe_rows(series, weighting, scale, study_id, outcome_id, bases))
    return rows


def _bases(effects: pd.DataFrame) -> dict[tuple, float]:
    """treated_base of each aggregate in event_time_effects (the level scale's percent base)."""
    out: dict[tuple, float] = {}
    for row in effects.itertuples(index=False):
        if row.aggregation == "event_time":
            key = (row.aggregation, int(row.event_time))
        elif row.aggregation == "cohort":
            key = (row.aggregation, pd.Timestamp(row.cohort))
        else:
            key = (row.aggregation,)
        out[key] = float(row.treated_base)
    return out


def staggered_twfe(series: Series, weighting: str, scale: str) -> tuple[float, np.ndarray]:
    """The naive static two-way fixed-effects estimate: y ~ county + period + treated-since-adoption.

    Returns the coefficient and the weight the regression puts on each (county, period):
    with y = fixed effects + the treated cells' effects, the coefficient is the sum of
    those weights times the effects (de Chaisemartin and D'Haultfoeuille 2020, Theorem 1),
    weights = regression weight x the treatment indicator's residual on the fixed effects,
    normalised to sum to 1 over the treated cells.
    """
    y = series.rate.astype(float)
    if scale == "log":
        y = np.log(np.where(y > 0, y, np.nan))
    n, t = y.shape
    unit, period = np.meshgrid(np.arange(n), np.arange(t), indexing="ij")
    first = np.array(
        [np.datetime64(f) if f is not None else np.datetime64("NaT") for f in series.first],
        dtype="datetime64[D]",
    )
    dates = np.array([np.datetime64(p) for p in series.periods], dtype="datetime64[D]")
    treated = (first[:, None] <= dates[None, :]) & ~np.isnat(first)[:, None]
    w = series.denominator if weighting == "denominator" else np.ones_like(y)
    keep = np.isfinite(y) & np.isfinite(w)
    effects = np.column_stack([np.eye(n)[unit[keep]], np.eye(t)[period[keep]][:, 1:]])
    root_w = np.sqrt(w[keep])
    d = treated[keep].astype(float)
    design = np.column_stack([d, effects])
    coef, *_ = np.linalg.lstsq(design * root_w[:, None], y[keep] * root_w, rcond=None)
    fitted, *_ = np.linalg.lstsq(effects * root_w[:, None], d * root_w, rcond=None)
    residual = d - effects @ fitted
    cell_weight = np.zeros_like(y)
    cell_weight[keep] = w[keep] * residual * d
    return float(coef[0]), cell_weight / cell_weight.sum()


def twfe_rows(
    series: Series,
    weighting: str,
    scale: str,
    study_id: str,
    outcome_id: str,
    bases: dict[tuple, float],
) -> list[dict]:
    """The naive staggered TWFE and what the group-time effects imply for it (no inference: shown for its bias).

    'twfe_implied_by_att' = sum over treated cells of the TWFE weight x ATT(g, t): the
    coefficient the regression would give if the group-time effects were the truth and
    parallel trends held, so its difference from the overall group-time effect is the bias
    theory predicts for this design.
    """
    estimate, cell_weight = staggered_twfe(series, weighting, scale)
    cells: dict[tuple[int, int], np.ndarray] = {}
    aggregated_effects(series, _actual(series), weighting, scale, cells)
    cohort_of = _actual(series)[0]
    implied = 0.0
    for (g, t), att in cells.items():
        members = cohort_of == g
        if np.isfinite(att[0]):
            implied += float(cell_weight[members, t].sum() * att[0])
    base = bases.get(("overall",), np.nan)
    return [
        {
            "study_id": study_id,
            "outcome_id": outcome_id,
            "estimator": estimator,
            "weighting": weighting,
            "scale": scale,
            "aggregation": "overall",
            "inference": "none",
            "estimate": value,
            "estimate_pct": _percent(scale, value, base),
        }
        for estimator, value in (("twfe_staggered", estimate), ("twfe_implied_by_att", implied))
    ]


def cohort_rows(series: Series, study_id: str, outcome_id: str) -> list[dict]:
    """rollout_cohort_effects rows: each cohort (pooled) against the never treated, single-county methods."""
    cells = _cells(series)
    never = [i for i, f in enumerate(series.first) if f is None]
    rows = []
    for g, cohort in enumerate(cells.cohorts):
        members = [i for i, f in enumerate(series.first) if f == cohort]
        num = series.rate * series.denominator
        pooled_den = np.nansum(series.denominator[members], axis=0)
        pooled_rate = np.nansum(num[members], axis=0) / pooled_den
        rates = np.vstack([pooled_rate[None, :], series.rate[never]])
        dens = np.vstack([pooled_den[None, :], series.denominator[never]])
        names = ["cohort", *[series.counties[i] for i in never]]
        n_units, n_periods = rates.shape
        unit = np.repeat(np.array(names, dtype=object), n_periods)
        period = np.tile(np.arange(n_periods), n_units)
        rate, den = rates.ravel(), dens.ravel()
        ok = np.isfinite(rate) & np.isfinite(den)
        panel = Panel(
            unit=unit[ok],
            period=period[ok],
            rate=rate[ok],
            weight=den[ok],
            numerator=rate[ok] * den[ok],
            denominator=den[ok],
            scale=1.0,
            treated="cohort",
        )
        start = next(i for i, p in enumerate(series.periods) if p >= cohort)
        post = panel.period >= start
        pre = ~post
        result = evaluate_panel(panel, pre, post, panel.select(pre))
        if result is None:
            continue
        tidy = result.tidy()
        for row in tidy.to_dict("records"):
            rows.append(
                {
                    "study_id": study_id,
                    "outcome_id": outcome_id,
                    "cohort": cohort,
                    "counties": "|".join(series.counties[i] for i in members),
                    **{
                        k: row[k]
                        for k in (
                            "inference",
                            "estimate",
                            "ci_low",
                            "ci_high",
                            "p_value",
                            "min_p_value",
                            "recommended",
                            "estimate_pct",
                            "ci_low_pct",
                            "ci_high_pct",
                            "n_controls",
                            "n_pre",
                            "n_post",
                        )
                    },
                    "calibrated": bool(row["recommended"]) and result.calibration_holds,
                    "recommendation": result.reason if row["recommended"] else None,
                }
            )
    return rows


def rollout_tables(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """rollout_inference and rollout_cohort_effects for every roll-out study and outcome (frames: rollout_inputs)."""
    inference, cohorts = [], []
    with blas_threads(1):  # many tiny solves: threads only add overhead
        for study_id in frames["studies"]["study_id"]:
            windows = frames["windows"]
            for outcome_id in sorted(windows.loc[windows["study_id"] == study_id, "outcome_id"]):
                series = series_of(frames, study_id, outcome_id)
                if not series.periods:
                    continue
                effects = frames["effects"][
                    (frames["effects"]["study_id"] == study_id)
                    & (frames["effects"]["outcome_id"] == outcome_id)
                ]
                inference.extend(randomisation_rows(series, effects, study_id, outcome_id))
                cohorts.extend(cohort_rows(series, study_id, outcome_id))
    return {
        "rollout_inference": pd.DataFrame(inference, columns=list(columns()["rollout_inference"])),
        "rollout_cohort_effects": pd.DataFrame(
            cohorts, columns=list(columns()["rollout_cohort_effects"])
        ),
    }
