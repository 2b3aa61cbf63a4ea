"""Panels of one study outcome as aligned arrays, and the pooled two-group panel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

TREATED_GROUP = "treated"
CONTROL_GROUP = "control"


def _days(values: pd.Series) -> np.ndarray:
    """A date column as datetime64[D]."""
    return values.to_numpy().astype("datetime64[D]")


def _labels(values: pd.Series) -> np.ndarray:
    """A label column as a fixed-width unicode array (fast to sort and compare)."""
    return np.asarray(values.astype(str).tolist(), dtype=str)


@dataclass(frozen=True)
class Panel:
    """Rows (unit, period) of one outcome: rate, regression weight and counts; `treated` names the treated unit."""

    unit: np.ndarray
    period: np.ndarray
    rate: np.ndarray
    weight: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    scale: float
    treated: str

    @property
    def n_obs(self) -> int:
        """Number of rows."""
        return int(self.rate.size)

    def select(self, rows: np.ndarray) -> Panel:
        """The rows selected by a boolean mask."""
        return replace(
            self,
            unit=self.unit[rows],
            period=self.period[rows],
            rate=self.rate[rows],
            weight=self.weight[rows],
            numerator=self.numerator[rows],
            denominator=self.denominator[rows],
        )

    def without(self, units: Iterable[str]) -> Panel:
        """The panel without some units."""
        return self.select(~np.isin(self.unit, list(units)))

    def controls(self) -> list[str]:
        """The units other than the treated one, sorted."""
        return sorted(u for u in np.unique(self.unit).tolist() if u != self.treated)

    def controls_only(self) -> Panel:
        """The control units alone (no treated unit), for placebo regressions."""
        return replace(self.without([self.treated]), treated="")

    def has(self, unit: str) -> bool:
        """True when the unit has at least one row."""
        return bool(np.any(self.unit == unit))

    def mean_rate(self, unit: str, rows: np.ndarray) -> float:
        """Unweighted mean rate of a unit over the flagged rows (NaN when none)."""
        keep = rows & (self.unit == unit)
        return float(self.rate[keep].mean()) if keep.any() else float("nan")


def county_panel(frame: pd.DataFrame) -> Panel:
    """The treated and control counties of one study outcome; rows without a rate are dropped."""
    keep = frame["rate"].notna() & (frame["denominator"] > 0)
    rows = frame[keep].sort_values(["county_code", "period_start"])
    treated = frame.loc[frame["role"] == "treated", "county_code"].unique().tolist()
    if len(treated) != 1:
        raise ValueError(f"expected exactly one treated county, found {treated}")
    scale = frame["rate_scale"].dropna()
    return Panel(
        unit=_labels(rows["county_code"]),
        period=_days(rows["period_start"]),
        rate=rows["rate"].to_numpy(dtype=float),
        weight=rows["denominator"].to_numpy(dtype=float),
        numerator=rows["numerator"].to_numpy(dtype=float),
        denominator=rows["denominator"].to_numpy(dtype=float),
        scale=float(scale.iloc[0]) if len(scale) else 1.0,
        treated=treated[0],
    )


def group_panel(frame: pd.DataFrame) -> Panel:
    """The pooled two-group panel of study_panel (units 'treated' and 'control', equal weights)."""
    rows = frame[frame["rate"].notna()].sort_values(["grp", "period_start"])
    n = len(rows)
    return Panel(
        unit=_labels(rows["grp"]),
        period=_days(rows["period_start"]),
        rate=rows["rate"].to_numpy(dtype=float),
        weight=np.ones(n),
        numerator=np.full(n, np.nan),
        denominator=np.full(n, np.nan),
        scale=1.0,
        treated=TREATED_GROUP,
    )


def pool(panel: Panel, treated: str, controls: Iterable[str]) -> Panel:
    """A two-group panel: `treated` as the treated group, the pooled rate of `controls` as the control group."""
    controls = list(controls)
    parts = []
    for group, members in ((TREATED_GROUP, [treated]), (CONTROL_GROUP, controls)):
        rows = np.isin(panel.unit, members)
        periods, index = np.unique(panel.period[rows], return_inverse=True)
        numerator = np.bincount(index, panel.numerator[rows], periods.size)
        denominator = np.bincount(index, panel.denominator[rows], periods.size)
        ok = denominator > 0
        parts.append((group, periods[ok], panel.scale * numerator[ok] / denominator[ok]))
    unit = np.concatenate([np.full(p.size, g) for g, p, _ in parts])
    period = np.concatenate([p for _, p, _ in parts])
    rate = np.concatenate([r for _, _, r in parts])
    n = rate.size
    return Panel(
        unit=unit,
        period=period,
        rate=rate,
        weight=np.ones(n),
        numerator=np.full(n, np.nan),
        denominator=np.full(n, np.nan),
        scale=1.0,
        treated=TREATED_GROUP,
    )


@dataclass(frozen=True)
class CellPanel:
    """Counts by county, period and composition cell with their exposure, for the Poisson model."""

    unit: np.ndarray
    period: np.ndarray
    cell: np.ndarray
    count: np.ndarray
    exposure: np.ndarray
    treated: str

    @property
    def n_obs(self) -> int:
        """Number of rows."""
        return int(self.count.size)

    def select(self, rows: np.ndarray) -> CellPanel:
        """The rows selected by a boolean mask."""
        return replace(
            self,
            unit=self.unit[rows],
            period=self.period[rows],
            cell=self.cell[rows],
            count=self.count[rows],
            exposure=self.exposure[rows],
        )

    def controls(self) -> list[str]:
        """The units other than the treated one, sorted."""
        return sorted(u for u in np.unique(self.unit).tolist() if u != self.treated)

    def controls_only(self) -> CellPanel:
        """The control units alone, for placebo regressions."""
        return replace(self.select(self.unit != self.treated), treated="")

    def without_empty_groups(self) -> CellPanel:
        """Drop cells, counties and periods whose counts are all zero (their effects are not finite)."""
        current = self
        while True:
            keep = np.ones(current.n_obs, dtype=bool)
            for labels in (current.cell, current.unit, current.period):
                _, index = np.unique(labels, return_inverse=True)
                totals = np.bincount(index, current.count)
                keep &= totals[index] > 0
            if keep.all():
                return current
            current = current.select(keep)


def cell_panel(frame: pd.DataFrame, treated: str, counties: Iterable[str]) -> CellPanel:
    """The cell rows of one study outcome for the given counties (positive exposure only)."""
    rows = frame[
        frame["county_code"].astype(str).isin(list(counties)) & (frame["denominator"] > 0)
    ].sort_values(["county_code", "period_start", "cell"])
    return CellPanel(
        unit=_labels(rows["county_code"]),
        period=_days(rows["period_start"]),
        cell=_labels(rows["cell"]),
        count=rows["numerator"].to_numpy(dtype=float),
        exposure=rows["denominator"].to_numpy(dtype=float),
        treated=treated,
    )
