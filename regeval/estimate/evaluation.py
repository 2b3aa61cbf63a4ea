"""One treated unit's difference-in-differences with every inference method, calibrated, and the recommended row.

The studies (`regeval estimate`) and the public entry point (`regeval.evaluate`)
both come through `evaluate_panel`, so a study's rows and a user's panel get the
same estimator, methods, calibration and recommendation rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    Evidence,
    answer,
    collect,
    variance_ratio,
)
from regeval.estimate.synthetic_evidence import (
    SYNTHETIC_METHODS,
    SyntheticResult,
    synthetic_evidence,
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
    fits: dict[str, SyntheticResult] = field(default_factory=dict)

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
        shown = self.rows[
            ["estimator", "inference", "estimate", "ci_low", "ci_high", "p_value", "recommended"]
        ]
        if self.rows["estimate_pct"].notna().any():
            shown = shown.assign(estimate_pct=self.rows["estimate_pct"])
        summary = self.calibration.summary
        overall = summary[summary["unit"] == "*"][
            [
                "estimator",
                "method",
                "n_fake_studies",
                "rejection_rate_05",
                "rejection_rate_10",
                "holds",
            ]
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


def _pick(rows: list[dict], preferred: str | None, estimator: str) -> int | None:
    """Index of the row to recommend: the preferred method's, else the first interval method's with an interval."""
    for key, est in ((preferred, estimator), *((m, ESTIMATOR) for m in INTERVAL_METHODS)):
        for i, row in enumerate(rows):
            if row["inference"] == key and row["estimator"] == est and np.isfinite(row["p_value"]):
                return i
    return None


def method_key(estimator: str, method: str) -> str:
    """The name the recommendation rule sees: the method for did, 'estimator:method' for the others."""
    return method if estimator == ESTIMATOR else f"{estimator}:{method}"


def split_key(key: str | None) -> tuple[str, str | None]:
    """(estimator, method) of a recommendation key."""
    if key is None or ":" not in key:
        return ESTIMATOR, key
    estimator, method = key.split(":", 1)
    return estimator, method


@dataclass(frozen=True)
class Part:
    """One estimator's evidence, methods and (for the synthetic ones) fits."""

    estimator: str
    evidence: Evidence
    methods: tuple[str, ...]
    synthetic: SyntheticResult | None = None


def _parts(
    panel: Panel,
    pre: np.ndarray,
    post: np.ndarray,
    estimators: tuple[str, ...],
    methods: tuple[str, ...],
) -> list[Part]:
    """The evidence of every estimator that can be computed on the sample (did first)."""
    parts = []
    for estimator in estimators:
        if estimator == ESTIMATOR:
            evidence = collect(panel, pre, post)
            if evidence is not None:
                parts.append(Part(estimator, evidence, methods))
        else:
            result = synthetic_evidence(panel, pre, post, estimator)
            if result is not None:
                parts.append(Part(estimator, result.evidence, SYNTHETIC_METHODS, result))
    return parts


def _combined(calibrations: dict[str, Calibration]) -> Calibration:
    """The estimators' calibrations in one, with an estimator column first."""
    fakes = [c.fakes.assign(estimator=e) for e, c in calibrations.items()]
    summaries = [c.summary.assign(estimator=e) for e, c in calibrations.items()]
    fake_frame = pd.concat(fakes, ignore_index=True) if fakes else pd.DataFrame()
    summary = pd.concat(summaries, ignore_index=True) if summaries else pd.DataFrame()
    order = ["estimator"]
    return Calibration(
        fake_frame[order + [c for c in fake_frame.columns if c not in order]],
        summary[order + [c for c in summary.columns if c not in order]],
    )


def evaluate_panel(
    panel: Panel,
    pre: np.ndarray,
    post: np.ndarray,
    before: Panel,
    *,
    estimators: tuple[str, ...] = (ESTIMATOR,),
    methods: tuple[str, ...] = DEFAULT_METHODS,
    conventional: bool = True,
    level: float = LEVEL,
    calibration: Calibration | None = None,
) -> Evaluation | None:
    """Every estimator and method on the sample (rows flagged pre or post), calibrated on `before`; None if not estimable.

    `before` holds the data before the intervention (every unit) on which the
    methods are calibrated; pass `calibration` (with every estimator's rows) to
    reuse one already computed. The recommended row is chosen over all
    estimators and methods by the one calibration rule (`recommend`).
    """
    parts = _parts(panel, pre, post, estimators, methods)
    if not parts or parts[0].estimator != estimators[0]:
        return None
    if calibration is None:
        calibration = _combined(
            {
                part.estimator: calibrate(
                    before,
                    part.evidence.n_pre,
                    part.evidence.n_post,
                    part.methods,
                    estimator=part.estimator,
                )
                for part in parts
            }
        )
    rows = []
    ratios = {}
    candidates = []
    for part in parts:
        evidence = part.evidence
        found = answer(evidence, part.methods, level)
        for key in part.methods:
            got = found[key]
            ratio = variance_ratio(evidence, key)
            ratios[method_key(part.estimator, key)] = ratio
            if key in INTERVAL_METHODS:
                candidates.append(method_key(part.estimator, key))
            low, high = (got.ci_low, got.ci_high) if got.has_interval else (np.nan, np.nan)
            rows.append(
                {
                    "estimator": part.estimator,
                    "inference": key,
                    "estimate": evidence.estimate,
                    "ci_low": low,
                    "ci_high": high,
                    "p_value": got.p_value,
                    "min_p_value": got.min_p_value,
                    "variance_ratio": ratio,
                    "_evidence": evidence,
                }
            )
        if conventional and part.estimator == ESTIMATOR:
            keep = pre | post
            sample = panel.select(keep)
            flags = post[keep]
            fit = fit_twfe(sample, ("post",), lambda p, f=flags: f, ESTIMATOR, "cluster_unit")
            tidy = fit.tidy().iloc[0]
            if np.isfinite(tidy["std_error"]):
                rows.append(
                    {
                        "estimator": ESTIMATOR,
                        "inference": "cluster_unit",
                        "estimate": evidence.estimate,
                        "ci_low": tidy["ci_low"],
                        "ci_high": tidy["ci_high"],
                        "p_value": tidy["p_value"],
                        "min_p_value": 0.0,
                        "variance_ratio": np.nan,
                        "_evidence": evidence,
                    }
                )
    summary = calibration.summary
    if "estimator" in summary.columns and len(summary):
        keyed = summary.assign(
            method=[
                method_key(e, m)
                for e, m in zip(summary["estimator"], summary["method"], strict=True)
            ]
        )
    else:
        keyed = summary
    recommendation = recommend(keyed, ratios, tuple(candidates))
    estimator, method = split_key(recommendation.method)
    recommendation = replace(recommendation, method=method, estimator=estimator)
    chosen = _pick(rows, method, estimator)
    for i, row in enumerate(rows):
        evidence = row.pop("_evidence")
        pct = 100 * relative_to(
            np.array([row["estimate"], row["ci_low"], row["ci_high"]]), evidence.pre_mean
        )
        row.update(
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
    if chosen is not None and (
        rows[chosen]["inference"] != method or rows[chosen]["estimator"] != estimator
    ):
        shown = method_key(rows[chosen]["estimator"], rows[chosen]["inference"])
        note = (
            f" ({method_key(estimator, method)} gave no answer on the actual sample: "
            if method
            else " ("
        ) + f"{shown} is shown, not calibrated)"
        recommendation = replace(
            recommendation,
            method=rows[chosen]["inference"],
            estimator=rows[chosen]["estimator"],
            reason=recommendation.reason + note,
        )
    fits = {part.estimator: part.synthetic for part in parts if part.synthetic is not None}
    return Evaluation(pd.DataFrame(rows, columns=TIDY_COLUMNS), calibration, recommendation, fits)


def method_notes() -> pd.DataFrame:
    """Each method with the reference it borrows and what it assumes."""
    return pd.DataFrame(
        [(m.key, m.reference, m.assumes) for m in METHODS.values()],
        columns=["inference", "reference", "assumes"],
    )
