"""A second implementation of the group-time effects (Callaway and Sant'Anna 2021) in pandas, written from the formula."""

from __future__ import annotations

import numpy as np
import pandas as pd


def att_gt(
    panel: pd.DataFrame,
    first_treated: dict[str, pd.Timestamp | None],
    comparison: str,
    scale: str,
    weighting: str,
) -> pd.DataFrame:
    """ATT(g, t) for every cohort g and period t of a long panel (county, month, rate, denominator).

    The base period of cohort g is the last month before g; the comparison counties are the
    never treated, or also those first treated after both t and the base ('not_yet_treated').
    """
    values = panel.pivot(index="month", columns="county", values="rate").sort_index()
    if scale == "log":
        values = np.log(values.where(values > 0))
    weights = panel.pivot(index="month", columns="county", values="denominator")
    periods = list(values.index)

    def mean_change(counties: list[str], t: pd.Timestamp, base: pd.Timestamp) -> tuple:
        change = (values.loc[t, counties] - values.loc[base, counties]).dropna()
        level = values.loc[base, change.index]
        if weighting == "unweighted":
            w = pd.Series(1.0, index=change.index)
        else:
            w = weights.loc[base, change.index].astype(float)
        return (change * w).sum() / w.sum(), (level * w).sum() / w.sum(), w.sum(), len(change)

    rows = []
    for g in sorted({f for f in first_treated.values() if f is not None}):
        base = max(p for p in periods if p < g)
        cohort = [c for c, f in first_treated.items() if f == g and c in values.columns]
        for t in periods:
            if t == base:
                continue
            comparison_counties = [
                c
                for c, f in first_treated.items()
                if c in values.columns
                and (f is None or (comparison == "not_yet_treated" and f > max(t, base)))
            ]
            treated_change, treated_base, size, n_treated = mean_change(cohort, t, base)
            comparison_change, _, _, n_comparison = mean_change(comparison_counties, t, base)
            if n_treated == 0 or n_comparison == 0:
                continue
            rows.append(
                {
                    "cohort": g,
                    "period_start": t,
                    "event_time": periods.index(t) - periods.index(base) - 1,
                    "att": treated_change - comparison_change,
                    "treated_base": treated_base,
                    "cohort_size": size,
                }
            )
    return pd.DataFrame(rows)


def aggregate(att: pd.DataFrame) -> dict[tuple, float]:
    """Event-time, cohort and overall effects: {('event_time', e) | ('cohort', g) | ('overall',): value}."""
    out: dict[tuple, float] = {}
    for e, cells in att.groupby("event_time"):
        out[("event_time", int(e))] = float(
            (cells["att"] * cells["cohort_size"]).sum() / cells["cohort_size"].sum()
        )
    post = att[att["event_time"] >= 0]
    cohort_effects = post.groupby("cohort")["att"].mean()
    sizes = post.groupby("cohort")["cohort_size"].first()
    for g, value in cohort_effects.items():
        out[("cohort", g)] = float(value)
    out[("overall",)] = float((cohort_effects * sizes).sum() / sizes.sum())
    return out


def balanced_event_times(att: pd.DataFrame) -> set[int]:
    """The event times at which every cohort has a group-time effect."""
    n_cohorts = att["cohort"].nunique()
    per_event = att.groupby("event_time")["cohort"].nunique()
    return {int(e) for e, n in per_event.items() if n == n_cohorts}
