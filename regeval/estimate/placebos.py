"""Placebo loops of twfe_county: in time, in space and leaving out one control county at a time."""

from __future__ import annotations

import numpy as np

from regeval.estimate.design import StudyDesign, Window
from regeval.estimate.fe import TwoWayFE
from regeval.estimate.inference import (
    permutation_p_value,
    placebo_t_interval,
    rank_p_values,
    relative_to,
)
from regeval.estimate.linear import control_placebos
from regeval.estimate.models import TermEstimate
from regeval.estimate.results import Outcome, interval_percent, percent
from regeval.estimate.sample import Panel

MODEL = "twfe_county"


def placebo_row(
    outcome: Outcome,
    kind: str,
    placebo: str,
    inference: str,
    *,
    estimate: float,
    pre_mean: float,
    p_value: float,
    n_obs: int,
    n_controls: int,
    ci: tuple[float, float] = (np.nan, np.nan),
) -> dict:
    """One placebo_effects row (percent of the pre mean of the unit playing the treated one)."""
    low, high = interval_percent(ci[0], ci[1], pre_mean, False)
    return {
        "study_id": outcome.study_id,
        "outcome_id": outcome.outcome_id,
        "model": MODEL,
        "kind": kind,
        "placebo": placebo,
        "inference": inference,
        "estimate_pct": float(percent(estimate, pre_mean, False)),
        "ci_low_pct": low,
        "ci_high_pct": high,
        "p_value": p_value,
        "estimate": estimate,
        "pre_mean": pre_mean,
        "n_obs": n_obs,
        "n_controls": n_controls,
    }


def space_rows(outcome: Outcome, post: TermEstimate, n_obs: int) -> list[dict]:
    """Each control as the treated county against the other controls; p from its rank among the other placebos."""
    p_values = rank_p_values(post.placebo_relative)
    rows = []
    for unit, estimate, pre_mean, p_value in zip(
        post.placebo_units, post.placebos, post.placebo_pre_means, p_values, strict=True
    ):
        if np.isfinite(estimate):
            rows.append(
                placebo_row(
                    outcome,
                    "space",
                    unit,
                    "permutation",
                    estimate=float(estimate),
                    pre_mean=float(pre_mean),
                    p_value=float(p_value),
                    n_obs=n_obs,
                    n_controls=post.n_controls - 1,
                )
            )
    return rows


def leave_one_out_rows(
    outcome: Outcome, sample: Panel, window: Window, pre_mean: float
) -> list[dict]:
    """Drop each control in turn: the treated estimate with its placebo-t interval and p-value."""
    rows = []
    controls = sample.controls()
    if len(controls) < 3:
        return rows
    for dropped in controls:
        reduced = sample.without([dropped])
        remaining = [c for c in controls if c != dropped]
        post = window.post(reduced.period)[:, None].astype(float)
        estimate = TwoWayFE(reduced).coefficients(reduced.treated, post)[0]
        placebos = control_placebos(reduced, remaining, window.post, 1)[:, 0]
        ct = placebo_t_interval(estimate, placebos)
        if np.isfinite(estimate) and np.isfinite(ct.ci_low):
            rows.append(
                placebo_row(
                    outcome,
                    "leave_one_out",
                    dropped,
                    "placebo_t",
                    estimate=float(estimate),
                    pre_mean=pre_mean,
                    p_value=ct.p_value,
                    n_obs=reduced.n_obs,
                    n_controls=len(remaining),
                    ci=(ct.ci_low, ct.ci_high),
                )
            )
    return rows


def time_rows(outcome: Outcome, panel: Panel, window: Window, design: StudyDesign) -> list[dict]:
    """A hypothetical start in each period of the placebo window, on pre-intervention data only."""
    sample = panel.select(design.pre_intervention(window, panel.period))
    later = np.unique(sample.period)[1:]
    starts = later[design.placebo_window(later)]
    if starts.size == 0:
        return []

    def flags(rows: np.ndarray) -> np.ndarray:
        return (rows[:, None] >= starts[None, :]).astype(float)

    treated = TwoWayFE(sample).coefficients(sample.treated, flags(sample.period), joint=False)
    controls = sample.controls()
    placebos = control_placebos(sample, controls, flags, starts.size, joint=False)
    rows = []
    for s, start in enumerate(starts):
        before = sample.period < start
        pre_mean = sample.mean_rate(sample.treated, before)
        control_pre = np.array([sample.mean_rate(u, before) for u in controls])
        relative = relative_to(placebos[:, s], control_pre)
        p_value = permutation_p_value(float(relative_to(treated[s], pre_mean)), relative)
        if np.isfinite(treated[s]):
            rows.append(
                placebo_row(
                    outcome,
                    "time",
                    str(start),
                    "permutation",
                    estimate=float(treated[s]),
                    pre_mean=pre_mean,
                    p_value=p_value,
                    n_obs=sample.n_obs,
                    n_controls=len(controls),
                )
            )
    return rows
