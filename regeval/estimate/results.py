"""Rows of the output tables from tidy frames: identifiers, the tidy columns, and the same in percent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from regeval.estimate.evaluation import Evaluation
from regeval.estimate.inference import relative_to
from regeval.estimate.models import TermEstimate


@dataclass(frozen=True)
class Outcome:
    """Which study and outcome rows belong to."""

    study_id: str
    outcome_id: str


def percent(values: np.ndarray | float, pre_mean: float, log_scale: bool) -> np.ndarray:
    """100 (exp(b) - 1) for log-point coefficients, else 100 b / pre mean (NaN when the pre mean is 0)."""
    values = np.asarray(values, dtype=float)
    if log_scale:
        return 100 * np.expm1(values)
    return 100 * relative_to(values, pre_mean)


def interval_percent(
    low: float, high: float, pre_mean: float, log_scale: bool
) -> tuple[float, float]:
    """A level interval in percent, ordered (NaN when either bound is missing)."""
    pair = percent(np.array([low, high]), pre_mean, log_scale)
    if not np.isfinite(pair).all():
        return np.nan, np.nan
    return float(pair.min()), float(pair.max())


@dataclass(frozen=True)
class Scale:
    """What a tidy frame's rows are about beyond the tidy columns: model, percent base, sizes."""

    model: str
    pre_mean: float
    log_scale: bool
    n_obs: int
    n_controls: int


def min_p_value(inference: str, n_controls: int) -> float:
    """The smallest p-value a method can give: 1 / (N0 + 1) for a permutation, else 0."""
    return 1 / (n_controls + 1) if inference == "permutation" else 0.0


def regression_rows(outcome: Outcome, scale: Scale, tidy: pd.DataFrame) -> list[dict]:
    """regression_effects rows from a tidy frame (term, estimate, std_error, statistic, p_value, ci, inference)."""
    rows = []
    for row in tidy.itertuples(index=False):
        low, high = interval_percent(row.ci_low, row.ci_high, scale.pre_mean, scale.log_scale)
        rows.append(
            {
                "study_id": outcome.study_id,
                "outcome_id": outcome.outcome_id,
                "model": scale.model,
                "term": row.term,
                "inference": row.inference,
                "estimate_pct": float(percent(row.estimate, scale.pre_mean, scale.log_scale)),
                "ci_low_pct": low,
                "ci_high_pct": high,
                "p_value": row.p_value,
                "estimate": row.estimate,
                "std_error": row.std_error,
                "statistic": row.statistic,
                "ci_low": row.ci_low,
                "ci_high": row.ci_high,
                "treated_pre_mean": scale.pre_mean,
                "n_obs": scale.n_obs,
                "n_controls": scale.n_controls,
                "min_p_value": getattr(
                    row, "min_p_value", min_p_value(row.inference, scale.n_controls)
                ),
                "variance_ratio": getattr(row, "variance_ratio", np.nan),
                "recommended": bool(getattr(row, "recommended", False)),
                "recommendation": getattr(row, "recommendation", None),
                "calibrated": bool(getattr(row, "calibrated", False)),
            }
        )
    return rows


# The model column of the study tables for each estimator of `regeval.evaluate` (county panel).
MODEL_OF = {"did": "twfe_county", "sc": "sc_county", "sdid": "sdid_county"}


def evaluation_rows(outcome: Outcome, term: TermEstimate, evaluation: Evaluation) -> list[dict]:
    """The reported fit's conventional row, then every estimator's and method's row with the recommended one flagged."""
    scale = Scale(term.model, term.pre_mean, term.log_scale, term.fit.n_obs, term.n_controls)
    conventional = term.fit.tidy()
    conventional = conventional[
        (conventional["term"] == term.term) & np.isfinite(conventional["std_error"])
    ]
    methods = evaluation.tidy().assign(std_error=np.nan, statistic=np.nan)
    methods["recommendation"] = np.where(methods["recommended"], evaluation.reason, None)
    methods["calibrated"] = methods["recommended"] & evaluation.calibration_holds
    rows = regression_rows(outcome, scale, conventional)
    for estimator, part in methods.groupby("estimator", sort=False):
        if estimator == "did":
            rows += regression_rows(outcome, scale, part)
            continue
        block = evaluation.fits[estimator].block
        own = Scale(
            MODEL_OF[estimator],
            float(part["pre_mean"].iloc[0]),
            False,
            int(block.y.size),
            int(part["n_controls"].iloc[0]),
        )
        rows += regression_rows(outcome, own, part)
    return rows


def calibration_rows(outcome: Outcome, evaluation: Evaluation) -> list[dict]:
    """inference_calibration rows: each estimator's methods over all units ('*') and by unit."""
    summary = evaluation.calibration.summary
    chosen = evaluation.recommendation
    rows = []
    for row in summary.to_dict("records"):
        estimator = row.pop("estimator", "did")
        rows.append(
            {
                "study_id": outcome.study_id,
                "outcome_id": outcome.outcome_id,
                "model": MODEL_OF[estimator],
                **row,
                "recommended": bool(
                    row["unit"] == "*"
                    and row["method"] == chosen.method
                    and estimator == chosen.estimator
                ),
            }
        )
    return rows


def term_rows(outcome: Outcome, term: TermEstimate) -> list[dict]:
    """The regression_effects rows of one term: its tidy() frame with identifiers and percents."""
    scale = Scale(term.model, term.pre_mean, term.log_scale, term.fit.n_obs, term.n_controls)
    return regression_rows(outcome, scale, term.tidy())
