"""Event study of twfe_county (one treated x period coefficient per period) and the joint pre-trend test."""

from __future__ import annotations

import numpy as np

from regeval.estimate.design import StudyDesign, Window
from regeval.estimate.fe import TwoWayFE
from regeval.estimate.inference import permutation_p_value, placebo_quantile, relative_to
from regeval.estimate.linear import control_placebos, pre_means
from regeval.estimate.models import tidy_frame
from regeval.estimate.results import Outcome, Scale, interval_percent, percent, regression_rows
from regeval.estimate.sample import Panel
from regeval.estimate.sensitivity import EventStudy, sensitivity_rows

MODEL = "twfe_county"


def pre_trend_statistic(coefficients: np.ndarray, pre_mean: float) -> float:
    """Mean square of the pre-period coefficients in percent of the unit's pre mean (a Wald statistic with identity weight)."""
    relative = 100 * relative_to(coefficients, pre_mean)
    relative = relative[np.isfinite(relative)]
    return float(np.mean(relative**2)) if relative.size else float("nan")


def event_coefficients(
    sample: Panel, reference: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(periods other than the reference, the treated unit's coefficients, the controls' placebo coefficients N0 x K)."""
    periods = np.unique(sample.period)
    others = periods[periods != reference]

    def flags(rows: np.ndarray) -> np.ndarray:
        return (rows[:, None] == others[None, :]).astype(float)

    treated = TwoWayFE(sample).coefficients(sample.treated, flags(sample.period))
    placebos = control_placebos(sample, sample.controls(), flags, others.size)
    return others, treated, placebos


def event_study(
    outcome: Outcome, panel: Panel, window: Window, design: StudyDesign
) -> tuple[list[dict], list[dict], list[dict]]:
    """event_study rows (placebo-t intervals per period), the pre_trend row of regression_effects, sensitivity rows.

    The sample runs from the pre start to the post end, periods between the windows
    included; coefficients are relative to the last period before the intervention.
    """
    sample = panel.select(window.span(panel.period))
    periods = np.unique(sample.period)
    reference = design.reference_period(periods)
    controls = sample.controls()
    if reference is None or len(controls) < 2:
        return [], [], []
    others, treated, placebos = event_coefficients(sample, reference)
    pre = window.pre(panel.period)
    pre_mean = panel.mean_rate(panel.treated, pre)
    control_pre = pre_means(panel, controls, pre)
    position = {period: i for i, period in enumerate(periods.tolist())}
    reference_position = position[reference.item()]
    rows = []
    for period in periods:
        if period == reference:
            estimate, half = 0.0, 0.0
        else:
            column = int(np.searchsorted(others, period))
            estimate, half = treated[column], placebo_quantile(placebos[:, column])
        if not (np.isfinite(estimate) and np.isfinite(half)):
            continue
        low, high = interval_percent(estimate - half, estimate + half, pre_mean, False)
        rows.append(
            {
                "study_id": outcome.study_id,
                "outcome_id": outcome.outcome_id,
                "model": MODEL,
                "period_start": period,
                "event_time": position[period.item()] - reference_position,
                "inference": "placebo_t",
                "estimate_pct": float(percent(estimate, pre_mean, False)),
                "ci_low_pct": low,
                "ci_high_pct": high,
                "estimate": float(estimate),
                "ci_low": float(estimate - half),
                "ci_high": float(estimate + half),
                "treated_pre_mean": pre_mean,
                "n_obs": sample.n_obs,
                "n_controls": len(controls),
            }
        )
    before = design.before_intervention(others)
    if not before.any() or not np.isfinite(treated[before]).any():
        return rows, [], []
    event_times = np.array([position[p.item()] - reference_position for p in others])
    target = window.post(others).astype(float)
    robust = []
    usable = np.isfinite(treated) & np.all(np.isfinite(placebos), axis=0)
    if target.sum() > 0 and usable.all():
        study = EventStudy(treated, placebos, event_times, target / target.sum())
        robust = sensitivity_rows(outcome.study_id, outcome.outcome_id, MODEL, study, pre_mean)
    statistic = pre_trend_statistic(treated[before], pre_mean)
    placebo_statistics = np.array(
        [pre_trend_statistic(placebos[j, before], control_pre[j]) for j in range(len(controls))]
    )
    mean_pre = float(np.nanmean(treated[before]))
    tidy = tidy_frame(
        [
            {
                "term": "pre_trend",
                "estimate": mean_pre,
                "std_error": np.nan,
                "statistic": statistic,
                "p_value": permutation_p_value(statistic, placebo_statistics),
                "ci_low": np.nan,
                "ci_high": np.nan,
                "inference": "permutation",
            }
        ]
    )
    scale = Scale(MODEL, pre_mean, False, sample.n_obs, len(controls))
    return rows, regression_rows(outcome, scale, tidy), robust
