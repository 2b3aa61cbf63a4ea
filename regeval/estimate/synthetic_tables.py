"""Rows of the synthetic estimators' tables: unit and time weights, and treated, synthetic and placebo paths."""

from __future__ import annotations

import numpy as np

from regeval.estimate.evaluation import Evaluation
from regeval.estimate.results import MODEL_OF, Outcome


def synthetic_weight_rows(outcome: Outcome, evaluation: Evaluation) -> list[dict]:
    """synthetic_weights: each control's unit weight and (sdid) each pre period's time weight, per estimator."""
    rows = []
    for estimator, result in evaluation.fits.items():
        block, fit = result.block, result.fit
        controls = block.units[block.units != block.units[block.index_of_treated]]
        base = {"study_id": outcome.study_id, "outcome_id": outcome.outcome_id}
        for unit, weight in zip(controls, fit.omega, strict=True):
            rows.append(
                base
                | {
                    "model": MODEL_OF[estimator],
                    "kind": "unit",
                    "county_code": str(unit),
                    "period_start": None,
                    "weight": float(weight),
                }
            )
        time_weights = fit.lam if fit.lam.any() else np.zeros(0)  # sc: no time weights
        for period, weight in zip(
            block.periods[block.pre][: time_weights.size], time_weights, strict=True
        ):
            rows.append(
                base
                | {
                    "model": MODEL_OF[estimator],
                    "kind": "period",
                    "county_code": None,
                    "period_start": period,
                    "weight": float(weight),
                }
            )
    return rows


def synthetic_path_rows(outcome: Outcome, evaluation: Evaluation) -> list[dict]:
    """synthetic_paths: the treated county's and every control's (placebo) outcome, synthetic outcome and gap."""
    rows = []
    for estimator, result in evaluation.fits.items():
        block = result.block
        fits = [(str(block.units[block.index_of_treated]), "treated", result.fit)]
        fits += [(unit, "placebo", placebo) for unit, placebo in result.placebos.items()]
        for unit, role, fit in fits:
            for i, period in enumerate(block.periods):
                rows.append(
                    {
                        "study_id": outcome.study_id,
                        "outcome_id": outcome.outcome_id,
                        "model": MODEL_OF[estimator],
                        "county_code": unit,
                        "role": role,
                        "period_start": period,
                        "post": bool(block.post[i]),
                        "outcome": float(fit.treated_path[i]),
                        "synthetic": float(fit.synthetic_path[i]),
                        "gap": float(fit.gap[i]),
                        "estimate": fit.estimate if role == "treated" else np.nan,
                    }
                )
    return rows
