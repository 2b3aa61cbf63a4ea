"""`regeval.evaluate`: one treated unit's effect on any long panel (unit, period, outcome, optional weight)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from regeval.estimate.evaluation import ESTIMATOR, Evaluation, evaluate_panel
from regeval.estimate.sample import Panel
from regeval.estimate.synthetic import ESTIMATORS as SYNTHETIC_ESTIMATORS
from regeval.estimate.threads import blas_threads

ESTIMATORS = (ESTIMATOR, *SYNTHETIC_ESTIMATORS)
MIN_PRE_PERIODS = 2


class PanelInputError(ValueError):
    """A panel that cannot be evaluated; the message names the column and rows."""


def _rows(index: Iterable[object], limit: int = 5) -> str:
    """'rows 3, 8, 12 (and 4 more)' for row labels."""
    labels = [str(i) for i in index]
    shown = ", ".join(labels[:limit])
    more = f" (and {len(labels) - limit} more)" if len(labels) > limit else ""
    return f"row{'s' if len(labels) > 1 else ''} {shown}{more}"


def _periods(values: pd.Series, column: str) -> pd.Series:
    """Periods as numbers (years, integers) or as dates (months like 2014-11, quarters like 2014Q3, days)."""
    if pd.api.types.is_bool_dtype(values):
        raise PanelInputError(f"column '{column}': periods must be numbers or dates, not booleans")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[s]")
    text = values.astype(str).str.strip()
    numeric = pd.to_numeric(text, errors="coerce")
    if numeric.notna().all():
        return numeric.astype(float)
    quarters = text.str.fullmatch(r"\d{4}-?Q[1-4]", case=False)
    if quarters.all():
        labels = text.str.upper().str.replace("-", "", regex=False)
        return pd.Series(pd.PeriodIndex(labels, freq="Q").to_timestamp(), index=text.index).astype(
            "datetime64[s]"
        )
    parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        raise PanelInputError(
            f"column '{column}': {int(bad.sum())} value(s) are not a year, an integer or a date "
            f"(e.g. '{text[bad].iloc[0]}') at {_rows(text.index[bad])}"
        )
    return parsed.astype("datetime64[s]")


def _intervention(value: object, periods: pd.Series, column: str) -> object:
    """The intervention period in the same form as the period column."""
    converted = _periods(pd.Series([value]), "intervention")
    if pd.api.types.is_numeric_dtype(periods) != pd.api.types.is_numeric_dtype(converted):
        kind = "a number" if pd.api.types.is_numeric_dtype(periods) else "a date"
        raise PanelInputError(
            f"intervention {value!r} is not {kind} like the values of column '{column}'"
        )
    return converted.iloc[0]


def _require_columns(frame: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Every named column exists."""
    for role, name in columns.items():
        if name is not None and name not in frame.columns:
            raise PanelInputError(
                f"column '{name}' ({role}) is not in the panel; its columns are "
                + ", ".join(map(str, frame.columns))
            )


def _require_numeric(frame: pd.DataFrame, column: str, positive: bool = False) -> pd.Series:
    """A column as floats; non-numeric, missing (or, for weights, non-positive) values are refused."""
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() | ~np.isfinite(values.astype(float))
    if positive:
        bad |= values <= 0
    if bad.any():
        what = "a positive number" if positive else "a number"
        raise PanelInputError(
            f"column '{column}': {int(bad.sum())} value(s) are not {what} "
            f"(e.g. {frame.loc[bad, column].iloc[0]!r}) at {_rows(frame.index[bad])}"
        )
    return values.astype(float)


def to_panel(
    frame: pd.DataFrame,
    *,
    unit: str,
    period: str,
    outcome: str,
    treated: object,
    intervention: object,
    weight: str | None = None,
) -> tuple[Panel, np.ndarray, np.ndarray]:
    """The validated panel with the treated unit named, and its pre and post row flags."""
    if not isinstance(frame, pd.DataFrame):
        raise PanelInputError("the panel must be a pandas DataFrame in long form")
    if frame.empty:
        raise PanelInputError("the panel has no rows")
    _require_columns(frame, {"unit": unit, "period": period, "outcome": outcome, "weight": weight})
    frame = frame.reset_index(drop=True)
    frame.index = frame.index + 1
    missing_unit = frame[unit].isna()
    if missing_unit.any():
        raise PanelInputError(
            f"column '{unit}': missing unit at {_rows(frame.index[missing_unit])}"
        )
    periods = _periods(frame[period], period)
    rates = _require_numeric(frame, outcome)
    weights = (
        _require_numeric(frame, weight, positive=True) if weight else pd.Series(1.0, frame.index)
    )
    units = frame[unit].astype(str)
    duplicated = pd.DataFrame({"u": units, "p": periods}).duplicated(keep=False)
    if duplicated.any():
        raise PanelInputError(
            f"columns '{unit}', '{period}': {int(duplicated.sum())} rows repeat a unit-period "
            f"at {_rows(frame.index[duplicated])}"
        )
    treated_name = str(treated)
    if not (units == treated_name).any():
        raise PanelInputError(
            f"column '{unit}': the treated unit {treated_name!r} is not in the panel"
        )
    if units.nunique() < 3:
        raise PanelInputError(f"column '{unit}': need the treated unit and at least 2 others")
    start = _intervention(intervention, periods, period)
    distinct = np.sort(periods.unique())
    if not (distinct[0] < start <= distinct[-1]):
        raise PanelInputError(
            f"intervention {intervention!r} is outside the periods of column '{period}' "
            f"({distinct[0]} .. {distinct[-1]}): it must be after the first and at most the last"
        )
    treated_periods = periods[units == treated_name]
    n_pre = int((treated_periods < start).sum())
    if n_pre < MIN_PRE_PERIODS:
        raise PanelInputError(
            f"column '{period}': the treated unit has {n_pre} period(s) before the intervention "
            f"{intervention!r}; at least {MIN_PRE_PERIODS} are needed"
        )
    order = np.lexsort((periods.to_numpy(), units.to_numpy()))
    period_values = periods.to_numpy()[order]
    panel = Panel(
        unit=np.asarray(units.to_numpy()[order], dtype=str),
        period=period_values,
        rate=rates.to_numpy()[order],
        weight=weights.to_numpy()[order],
        numerator=np.full(order.size, np.nan),
        denominator=weights.to_numpy()[order],
        scale=1.0,
        treated=treated_name,
    )
    post = period_values >= start
    return panel, ~post, post


def evaluate(
    panel: pd.DataFrame,
    *,
    unit: str,
    period: str,
    outcome: str,
    treated: object,
    intervention: object,
    weight: str | None = None,
    estimators: Iterable[str] | None = None,
) -> Evaluation:
    """The effect on the treated unit from the intervention period on, with every inference method.

    `panel` is long (one row per unit and period); periods are years, integers, or
    dates (months such as '2014-11', quarters such as '2014Q3'). `weight` (e.g. a
    denominator) weights the regression and the control mean (the synthetic
    estimators use the unweighted rates). `estimators`: 'did' (two-way fixed
    effects), 'sc' (synthetic control), 'sdid' (synthetic difference-in-
    differences); all three by default. The result's `.tidy()` has one row per
    estimator and inference method and exactly one `recommended` row: the
    estimator and method whose calibration on this panel's own pre-intervention
    data holds (every unit as a fake treated one), with the fewest false alarms
    there and then the shortest interval.
    """
    chosen = tuple(estimators) if estimators is not None else ESTIMATORS
    unknown = [e for e in chosen if e not in ESTIMATORS]
    if unknown or not chosen or chosen[0] != ESTIMATOR:
        raise PanelInputError(
            f"unknown estimator(s) {unknown or chosen}; available: {', '.join(ESTIMATORS)} "
            f"(did first: the others sit beside it)"
        )
    data, pre, post = to_panel(
        panel,
        unit=unit,
        period=period,
        outcome=outcome,
        treated=treated,
        intervention=intervention,
        weight=weight,
    )
    before = data.select(pre)
    with blas_threads(1):  # thousands of tiny solves: threads only add overhead
        result = evaluate_panel(data, pre, post, before, estimators=chosen)
    if result is None:
        raise PanelInputError(
            "the effect cannot be estimated: the treated unit needs periods before and after the "
            "intervention and at least 2 other units with data in both"
        )
    return result


def read_panel(path: Path) -> pd.DataFrame:
    """A panel from a .csv or .parquet file."""
    path = Path(path)
    if not path.is_file():
        raise PanelInputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            return pd.read_csv(path)
        except UnicodeDecodeError as error:
            raise PanelInputError(f"{path}: not UTF-8 text ({error.reason})") from error
        except pd.errors.ParserError as error:
            raise PanelInputError(f"{path}: not a readable CSV ({error})") from error
    if suffix == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as error:
            raise PanelInputError(f"{path}: cannot be read as parquet ({error})") from error
    raise PanelInputError(f"{path}: expected a .csv or .parquet file")
