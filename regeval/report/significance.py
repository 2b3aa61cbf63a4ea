"""Which row a study headlines, whether its calibration holds, and when a significance marker may be shown."""

from __future__ import annotations

import math

import pandas as pd

from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report.data import StudyData

LEVEL = 0.05
ALL_UNITS = "*"
NOT_CALIBRATED = "no inference method is calibrated on this study: the interval is not a valid test"
PERMUTATION_METHODS = ("permutation", "studentized_permutation")
MARKER = "*"
MARKER_NOTE = (
    "* p ≤ 0.05: shown only on the recommended row (✓), only when its calibration on this "
    "study holds, and never for a level below the smallest p-value the method can reach."
)


def flag(value: object) -> bool:
    """A boolean column value (NULL is False)."""
    return False if fmt.is_missing(value) else bool(value)


def recommended_row(data: StudyData, outcome_id: str) -> dict | None:
    """The regression_effects row recommended for an outcome (twfe_county, post), if any."""
    reg = data.regression
    if reg is None or reg.empty or "recommended" not in reg.columns:
        return None
    rows = reg[(reg["outcome_id"] == outcome_id) & reg["recommended"].map(flag)]
    return rows.iloc[0].to_dict() if len(rows) else None


def calibration(data: StudyData, outcome_id: str, model: str = "twfe_county") -> pd.DataFrame:
    """The inference_calibration rows of an outcome and estimator model (empty when there are none)."""
    table = data.calibration
    if table is None or table.empty:
        return pd.DataFrame(columns=["method", "unit", "holds", "recommended"])
    keep = table["outcome_id"] == outcome_id
    if "model" in table.columns:
        keep &= table["model"] == model
    return table[keep].reset_index(drop=True)


def overall(data: StudyData, outcome_id: str, model: str = "twfe_county") -> pd.DataFrame:
    """The calibration rows over all counties ('*'), one per method."""
    rows = calibration(data, outcome_id, model)
    return rows[rows["unit"].astype(str) == ALL_UNITS].reset_index(drop=True)


def calibrated(data: StudyData, outcome_id: str, row: dict | None = None) -> bool:
    """True when the recommended row's method holds on this study (regression_effects.calibrated)."""
    row = row if row is not None else recommended_row(data, outcome_id)
    return row is not None and flag(row.get("calibrated"))


def reachable(min_p: object, level: float = LEVEL) -> bool:
    """True when a method can give a p-value at or below the level."""
    return fmt.is_missing(min_p) or float(min_p) <= level


def marker(row: dict, holds: bool, level: float = LEVEL) -> str:
    """The significance marker of a regression row: only the recommended, calibrated row, at a reachable level."""
    p = row.get("p_value")
    if not (flag(row.get("recommended")) and holds and methods.is_valid(row.get("inference", ""))):
        return ""
    if fmt.is_missing(p) or not reachable(row.get("min_p_value"), level):
        return ""
    return MARKER if float(p) <= level else ""


def floor_text(inference: str, min_p: object, n_controls: object = None) -> str:
    """Why a method's p-value cannot go lower, e.g. "with 11 controls ... 1/(11+1) = 0.083".

    N0 is read from the smallest p-value itself (controls with a placebo estimate),
    which can be fewer than the regression's controls.
    """
    if fmt.is_missing(min_p) or float(min_p) <= 0:
        return ""
    value = fmt.p_value(min_p)
    label = methods.inference(inference).label.lower()
    count = round(1 / float(min_p))
    if inference in PERMUTATION_METHODS:
        n0 = count - 1
        listed = "" if fmt.is_missing(n_controls) or int(n_controls) == n0 else " with a placebo"
        return (
            f"with {n0} controls{listed} the {label} p-value cannot go below 1/({n0}+1) = {value}"
        )
    if inference == "conformal":
        return f"with {count} periods the {label} p-value cannot go below 1/{count} = {value}"
    return f"the {label} p-value cannot go below {value}"


def unreachable_text(row: dict, level: float = LEVEL) -> str:
    """The floor of a row's p-value when it lies above the level ("" when the level can be reached)."""
    if reachable(row.get("min_p_value"), level):
        return ""
    return floor_text(row.get("inference", ""), row.get("min_p_value"), row.get("n_controls"))


def interval(row: dict) -> str:
    """The 95 % interval in percent, with an unbounded side written as ∞ (conformal)."""
    low_pct, high_pct = row.get("ci_low_pct"), row.get("ci_high_pct")
    if not (fmt.is_missing(low_pct) or fmt.is_missing(high_pct)):
        return fmt.ci(low_pct, high_pct)
    low, high = row.get("ci_low"), row.get("ci_high")
    if fmt.is_missing(low) or fmt.is_missing(high):
        return ""
    if math.isfinite(float(low)) and math.isfinite(float(high)):
        return ""
    return f"({_bound(row, float(low))}, {_bound(row, float(high))})"


def _bound(row: dict, value: float) -> str:
    """One interval bound in percent of the treated pre mean, or ±∞."""
    if math.isinf(value):
        return "-∞" if value < 0 else "+∞"
    base = row.get("treated_pre_mean")
    if row.get("model") == "ppml_cells":
        return fmt.number(100 * math.expm1(value), 1)
    if fmt.is_missing(base) or float(base) == 0:
        return fmt.MISSING
    return fmt.number(100 * value / float(base), 1)
