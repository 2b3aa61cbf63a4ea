"""Calibration on a study's own data: every unit as a fake treated one at fake starts before the intervention.

On data before the intervention there is no effect, so a method that rejects a
true zero in more than about 5 % of these fake studies at the 5 % level does not
hold on this study. The recommended method is one whose rejection rate is
within binomial noise of the nominal level overall and for every unit (the
per-unit limits are Bonferroni-corrected over the units), and among those the
one that rejects least often in the fake studies, the shortest median interval
breaking ties. Ranking by width alone would favour, by selection, the method
whose interval happens to be too short on this study: a few overlapping fake
studies per unit cannot tell a 7-9 % rejection rate from 5 %. Fake studies
overlap in time, so they are not independent draws: the bands are a guide, not
an exact test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import scipy.stats

from regeval.estimate.fe import TwoWayFE
from regeval.estimate.inference import LEVEL, relative_to
from regeval.estimate.sample import Panel
from regeval.estimate.single import (
    DEFAULT_METHODS,
    INTERVAL_METHODS,
    MAX_VARIANCE_RATIO,
    Evidence,
    answer,
    collect,
)
from regeval.estimate.synthetic_evidence import window_evidence

NOMINAL = 0.05
MAX_STARTS = 8
MIN_FAKE_STUDIES = 20
ALL_UNITS = "*"
# How methods whose calibration holds are ranked: fewest false alarms in the fake
# studies, then the shortest median interval (missing widths last).
PREFERENCE = ["rejection_rate_05", "median_width_pct"]
FAKE_COLUMNS = [
    "unit",
    "start",
    "method",
    "estimate",
    "p_value",
    "ci_low",
    "ci_high",
    "reject_05",
    "reject_10",
    "covers_zero",
    "width_pct",
]
SUMMARY_COLUMNS = [
    "method",
    "unit",
    "n_fake_studies",
    "rejections_05",
    "rejection_rate_05",
    "rejection_rate_10",
    "coverage_zero",
    "median_width_pct",
    "band_high_05",
    "holds",
]


@dataclass(frozen=True)
class Plan:
    """Fake pre length (at least), post length and the number of starts per unit."""

    min_pre: int
    post_length: int
    max_starts: int = MAX_STARTS


def plan_for(n_before: int, n_pre: int, n_post: int, max_starts: int = MAX_STARTS) -> Plan | None:
    """Fake post as long as the study's (at most a third of the data before it), fake pre at least half the study's."""
    post_length = min(n_post, max(1, n_before // 3))
    min_pre = max(2, min(math.ceil(n_pre / 2), n_before - post_length))
    if n_before - post_length < min_pre:
        return None
    return Plan(min_pre, post_length, max_starts)


def fake_starts(periods: np.ndarray, plan: Plan) -> np.ndarray:
    """Start positions with at least min_pre periods before and post_length from the start, evenly spread."""
    first, last = plan.min_pre, periods.size - plan.post_length
    if last < first:
        return np.zeros(0, dtype=int)
    count = min(plan.max_starts, last - first + 1)
    return np.unique(np.round(np.linspace(first, last, count)).astype(int))


def fake_studies(
    panel: Panel,
    plan: Plan,
    units: list[str] | None = None,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    level: float = LEVEL,
    estimator: str = "did",
) -> pd.DataFrame:
    """One row per fake study and method, on the given panel (data before the intervention only)."""
    periods = np.unique(panel.period)
    units = units if units is not None else sorted(np.unique(panel.unit).tolist())
    rows = []
    for position in fake_starts(periods, plan):
        start, end = periods[position], periods[position + plan.post_length - 1]
        window = panel.select(panel.period <= end)
        pre, post = window.period < start, window.period >= start
        for unit, evidence in _fake_evidence(window, pre, post, units, estimator):
            for method, found in answer(evidence, methods, level).items():
                if not np.isfinite(found.p_value):
                    continue
                covers = bool(found.ci_low <= 0 <= found.ci_high) if found.has_interval else np.nan
                # An interval method rejects when its p-value or its interval does (they
                # differ for conley_taber, whose p-value is the plain share of placebos).
                rejects = bool(found.p_value <= 0.05 or covers is False)
                width = 100 * float(
                    relative_to(found.ci_high - found.ci_low, abs(evidence.pre_mean))
                )
                rows.append(
                    {
                        "unit": unit,
                        "start": start,
                        "method": method,
                        "estimate": evidence.estimate,
                        "p_value": found.p_value,
                        "ci_low": found.ci_low,
                        "ci_high": found.ci_high,
                        "reject_05": rejects,
                        "reject_10": found.p_value <= 0.10,
                        "covers_zero": covers,
                        "width_pct": width if found.has_interval else np.nan,
                    }
                )
    return pd.DataFrame(rows, columns=FAKE_COLUMNS)


def _fake_evidence(
    window: Panel, pre: np.ndarray, post: np.ndarray, units: list[str], estimator: str
) -> list[tuple[str, Evidence]]:
    """Each unit's evidence as the fake treated one in one fake window, for the estimator."""
    if estimator != "did":
        return list(window_evidence(window, pre, post, estimator, units).items())
    model = TwoWayFE(window)
    found = []
    for unit in units:
        evidence = collect(replace(window, treated=unit), pre, post, model)
        if evidence is not None:
            found.append((unit, evidence))
    return found


def band_high(n: int, nominal: float = NOMINAL, tail: float = 0.025) -> float:
    """Highest rejection rate within binomial noise of the nominal level for n fake studies."""
    if n <= 0:
        return float("nan")
    return float(scipy.stats.binom.ppf(1 - tail, n, nominal) / n)


def _summaries(fakes: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counts, rates, coverage of zero and median width per group of fake studies."""
    grouped = fakes.assign(
        reject_05=fakes["reject_05"].astype(float),
        reject_10=fakes["reject_10"].astype(float),
        covers_zero=fakes["covers_zero"].astype(float),
        width_pct=fakes["width_pct"].astype(float),
    ).groupby(keys, sort=True)
    return grouped.agg(
        n_fake_studies=("reject_05", "size"),
        rejections_05=("reject_05", "sum"),
        rejection_rate_05=("reject_05", "mean"),
        rejection_rate_10=("reject_10", "mean"),
        coverage_zero=("covers_zero", "mean"),
        median_width_pct=("width_pct", "median"),
    ).reset_index()


def summarise(fakes: pd.DataFrame) -> pd.DataFrame:
    """By method: one row over all fake studies (unit '*') and one per unit.

    A unit holds when its rejections are within the binomial band of its fake
    studies, Bonferroni-corrected over the units; a method holds (its '*' row)
    when the overall rate is within the band, there are at least
    MIN_FAKE_STUDIES fake studies and every unit holds.
    """
    if fakes.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    per_unit = _summaries(fakes, ["method", "unit"])
    n_units = per_unit.groupby("method")["unit"].transform("size")
    per_unit["band_high_05"] = [
        band_high(int(n), tail=0.025 / int(k))
        for n, k in zip(per_unit["n_fake_studies"], n_units, strict=True)
    ]
    per_unit["holds"] = per_unit["rejection_rate_05"] <= per_unit["band_high_05"]
    overall = _summaries(fakes, ["method"]).assign(unit=ALL_UNITS)
    overall["band_high_05"] = [band_high(int(n)) for n in overall["n_fake_studies"]]
    every_unit = per_unit.groupby("method")["holds"].all()
    overall["holds"] = (
        (overall["rejection_rate_05"] <= overall["band_high_05"])
        & (overall["n_fake_studies"] >= MIN_FAKE_STUDIES)
        & overall["method"].map(every_unit).astype(bool)
    )
    order = {m: i for i, m in enumerate(dict.fromkeys(fakes["method"]))}
    out = pd.concat([overall, per_unit], ignore_index=True)
    out = out.assign(
        _order=out["method"].map(order), _overall=out["unit"] != ALL_UNITS
    ).sort_values(["_order", "_overall", "unit"], kind="stable")
    out["holds"] = out["holds"].astype(bool)
    out["n_fake_studies"] = out["n_fake_studies"].astype(int)
    out["rejections_05"] = out["rejections_05"].astype(int)
    return out[SUMMARY_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class Recommendation:
    """The method a report headlines and why; `holds` is False when no method's calibration holds."""

    method: str | None
    holds: bool
    reason: str
    estimator: str = "did"


def _describe(row: pd.Series) -> str:
    """'rejects a true zero in 4.2 % of 96 fake studies (band <= 9.4 %)'."""
    return (
        f"rejects a true zero in {100 * row.rejection_rate_05:.1f} % of {row.n_fake_studies} "
        f"fake studies at the 5 % level (binomial band <= {100 * row.band_high_05:.1f} %)"
    )


def recommend(
    summary: pd.DataFrame,
    variance_ratios: dict[str, float] | None = None,
    candidates: tuple[str, ...] = INTERVAL_METHODS,
) -> Recommendation:
    """The least-rejecting method among those that hold (then the shortest); else the least over-rejecting, flagged.

    A method holds when its calibration holds (`summarise`) and, for a method
    that takes the controls as a stand-in for the treated unit's error, when the
    treated unit's pre-period variance is at most MAX_VARIANCE_RATIO times the
    controls' (`variance_ratios`, from `single.variance_ratio`).
    """
    ratios = variance_ratios or {}
    overall = summary[(summary["unit"] == ALL_UNITS) & summary["method"].isin(candidates)]
    if overall.empty:
        return Recommendation(None, False, "no fake study could be estimated: no calibration")
    order = {m: i for i, m in enumerate(candidates)}
    ratio = overall["method"].map(lambda m: ratios.get(m, np.nan)).astype(float)
    too_volatile = ratio > MAX_VARIANCE_RATIO
    overall = overall.assign(
        order=overall["method"].map(order),
        fits=overall["holds"] & ~too_volatile,
    )
    excluded = [
        f"{m} ({r:.1f}x the controls' variance)"
        for m, r, out in zip(overall["method"], ratio, too_volatile, strict=True)
        if out and bool(overall.loc[overall["method"] == m, "holds"].iloc[0])
    ]
    excluded_text = (
        f"; left out although calibrated, because the treated unit is more volatile than the "
        f"controls they compare it with: {', '.join(excluded)}"
        if excluded
        else ""
    )
    holding = overall[overall["fits"]].sort_values([*PREFERENCE, "order"])
    if not holding.empty:
        best = holding.iloc[0]
        others = ", ".join(holding["method"].iloc[1:]) or "none"
        return Recommendation(
            best.method,
            True,
            f"{best.method}: {_describe(best)}, and within the band for every unit; of the "
            f"methods that hold, the fewest false alarms in the fake studies, then the shortest "
            f"median interval ({best.median_width_pct:.1f} % of the pre level) (others holding: "
            f"{others}){excluded_text}.",
        )
    n_max = int(overall["n_fake_studies"].max())
    best = overall.sort_values([*PREFERENCE, "order"]).iloc[0]
    why = (
        f"only {n_max} fake studies (at least {MIN_FAKE_STUDIES} needed)"
        if n_max < MIN_FAKE_STUDIES
        else "every method rejects a true zero too often overall or for some unit"
    )
    return Recommendation(
        best.method,
        False,
        f"no method's calibration holds on this study ({why}{excluded_text}); {best.method} is "
        f"shown as the least over-rejecting: {_describe(best)}. Do not read its p-value as a "
        f"valid test.",
    )


@dataclass(frozen=True)
class Calibration:
    """Fake studies and their summary by method and unit."""

    fakes: pd.DataFrame
    summary: pd.DataFrame


def calibrate(
    before: Panel,
    n_pre: int,
    n_post: int,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    max_starts: int = MAX_STARTS,
    estimator: str = "did",
) -> Calibration:
    """Calibrate every method on the data before the intervention, fake windows shaped like the study's."""
    n_before = int(np.unique(before.period).size)
    plan = plan_for(n_before, n_pre, n_post, max_starts)
    if plan is None:
        fakes = pd.DataFrame(columns=FAKE_COLUMNS)
    else:
        fakes = fake_studies(before, plan, methods=methods, estimator=estimator)
    return Calibration(fakes, summarise(fakes))
