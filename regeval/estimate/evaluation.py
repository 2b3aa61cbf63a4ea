"""One treated unit's difference-in-differences with every inference method, calibrated, and the recommended row.

The studies (`regeval estimate`) and the public entry point (`regeval.evaluate`)
both come through `evaluate_panel`, so a study's rows and a user's panel get the
same estimator, methods, calibration and recommendation rule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from regeval.estimate.calibration import Calibration, Recommendation, calibrate, recommend
from regeval.estimate.inference import LEVEL, relative_to
from regeval.estimate.models import fit_twfe
from regeval.estimate.sample import Panel
from regeval.estimate.single import (
    DEFAULT_METHODS,
    INTERVAL_METHODS,
    METHODS,
    answer,
    collect,
    variance_ratio,
)

ESTIMATOR = "did"
TIDY_COLUMNS = [
    "estimator",
    "inference",
    "term",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "min_p_value",
    "variance_ratio",
    "recommended",
    "estimate_pct",
    "ci_low_pct",
    "ci_high_pct",
    "pre_mean",
    "n_controls",
    "n_pre",
    "n_post",
]
CONVENTIONAL = ("cluster_unit",)


@dataclass(frozen=True)
class Evaluation:
    """The tidy rows of one evaluation, its calibration and why the recommended row was chosen."""

    rows: pd.DataFrame
    calibration: Calibration
    recommendation: Recommendation

    def tidy(self) -> pd.DataFrame:
        """estimator, inference, term, estimate, ci_low, ci_high, p_value, recommended, estimate_pct, ...: one row per method."""
        return self.rows.copy()

    @property
    def recommended(self) -> pd.Series:
        """The row a report headlines."""
        return self.rows[self.rows["recommended"]].iloc[0]

    @property
    def reason(self) -> str:
        """Why the recommended method was chosen (or that no method's calibration holds)."""
        return self.recommendation.reason

    @property
    def calibration_holds(self) -> bool:
        """True when the recommended method's calibration holds on this panel."""
        return self.recommendation.holds

    def __str__(self) -> str:
        """A readable table of the rows, the recommendation and the calibration."""
        shown = self.rows[["inference", "estimate", "ci_low", "ci_high", "p_value", "recommended"]]
        if self.rows["estimate_pct"].notna().any():
            shown = shown.assign(estimate_pct=self.rows["estimate_pct"])
        summary = self.calibration.summary
        overall = summary[summary["unit"] == "*"][
            ["method", "n_fake_studies", "rejection_rate_05", "rejection_rate_10", "holds"]
        ]
        return "\n".join(
            [
                shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
                "",
                f"recommended: {self.reason}",
                "",
                "calibration (every unit as a fake treated one before the intervention):",
                overall.to_string(index=False, float_format=lambda v: f"{v:.3f}")
                if len(overall)
                else "  no fake study could be estimated",
            ]
        )


def _pick(rows: list[dict], preferred: str | None) -> int | None:
    """Index of the row to recommend: the preferred method's, else the first interval method's with an interval."""
    for key in (preferred, *INTERVAL_METHODS):
        for i, row in enumerate(rows):
            if row["inference"] == key and np.isfinite(row["p_value"]):
                return i
    return None


def evaluate_panel(
    panel: Panel,
    pre: np.ndarray,
    post: np.ndarray,
    before: Panel,
    *,
    methods: tuple[str, ...] = DEFAULT_METHODS,
    conventional: bool = True,
    level: float = LEVEL,
    calibration: Calibration | None = None,
) -> Evaluation | None:
    """Every method on the sample (rows flagged pre or post) and the calibration on `before`; None if not estimable.

    `before` holds the data before the intervention (every unit) on which the
    methods are calibrated; pass `calibration` to reuse one already computed.
    """
    evidence = collect(panel, pre, post)
    if evidence is None:
        return None
    if calibration is None:
        calibration = calibrate(before, evidence.n_pre, evidence.n_post, methods)
    found = answer(evidence, methods, level)
    ratios = {key: variance_ratio(evidence, key) for key in methods}
    recommendation = recommend(calibration.summary, ratios)
    rows = []
    for key in methods:
        got = found[key]
        low, high = (got.ci_low, got.ci_high) if got.has_interval else (np.nan, np.nan)
        rows.append(
            {
                "inference": key,
                "estimate": evidence.estimate,
                "ci_low": low,
                "ci_high": high,
                "p_value": got.p_value,
                "min_p_value": got.min_p_value,
                "variance_ratio": ratios[key],
            }
        )
    if conventional:
        keep = pre | post
        sample = panel.select(keep)
        fit = fit_twfe(sample, ("post",), lambda p: post[keep], ESTIMATOR, "cluster_unit")
        tidy = fit.tidy().iloc[0]
        if np.isfinite(tidy["std_error"]):
            rows.append(
                {
                    "inference": "cluster_unit",
                    "estimate": evidence.estimate,
                    "ci_low": tidy["ci_low"],
                    "ci_high": tidy["ci_high"],
                    "p_value": tidy["p_value"],
                    "min_p_value": 0.0,
                    "variance_ratio": np.nan,
                }
            )
    chosen = _pick(rows, recommendation.method)
    for i, row in enumerate(rows):
        pct = 100 * relative_to(
            np.array([row["estimate"], row["ci_low"], row["ci_high"]]), evidence.pre_mean
        )
        row.update(
            estimator=ESTIMATOR,
            term="post",
            recommended=i == chosen,
            estimate_pct=float(pct[0]),
            ci_low_pct=float(pct[1]),
            ci_high_pct=float(pct[2]),
            pre_mean=evidence.pre_mean,
            n_controls=evidence.n_controls,
            n_pre=evidence.n_pre,
            n_post=evidence.n_post,
        )
    if chosen is not None and rows[chosen]["inference"] != recommendation.method:
        note = (
            f" ({recommendation.method} gave no answer on the actual sample: "
            if recommendation.method
            else " ("
        ) + f"{rows[chosen]['inference']} is shown, not calibrated)"
        recommendation = replace(
            recommendation,
            method=rows[chosen]["inference"],
            reason=recommendation.reason + note,
        )
    return Evaluation(pd.DataFrame(rows, columns=TIDY_COLUMNS), calibration, recommendation)


def method_notes() -> pd.DataFrame:
    """Each method with the reference it borrows and what it assumes."""
    return pd.DataFrame(
        [(m.key, m.reference, m.assumes) for m in METHODS.values()],
        columns=["inference", "reference", "assumes"],
    )
