"""Study designs (windows, intervention and placebo dates) and the period sets they select."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_OUTCOME = "*"


def month_of(periods: np.ndarray) -> np.ndarray:
    """Calendar month (1-12) of datetime64[D] periods."""
    return periods.astype("datetime64[M]").astype(int) % 12 + 1


def _day(value: object) -> np.datetime64 | None:
    """A date-like value as datetime64[D], or None when missing."""
    if value is None or pd.isna(value):
        return None
    return np.datetime64(pd.Timestamp(value).date(), "D")


@dataclass(frozen=True)
class Window:
    """The all_months pre and post windows of one study outcome."""

    pre_start: np.datetime64
    pre_end: np.datetime64
    post_start: np.datetime64
    post_end: np.datetime64
    calendar_months: frozenset[int] = frozenset()

    def in_calendar(self, periods: np.ndarray) -> np.ndarray:
        """Periods whose calendar month is selected (all when no months are listed)."""
        if not self.calendar_months:
            return np.ones(periods.shape, dtype=bool)
        return np.isin(month_of(periods), sorted(self.calendar_months))

    def pre(self, periods: np.ndarray) -> np.ndarray:
        """Periods in the pre window."""
        return (periods >= self.pre_start) & (periods <= self.pre_end) & self.in_calendar(periods)

    def post(self, periods: np.ndarray) -> np.ndarray:
        """Periods in the post window."""
        return (periods >= self.post_start) & (periods <= self.post_end) & self.in_calendar(periods)

    def sample(self, periods: np.ndarray) -> np.ndarray:
        """Periods in the pre or post window (periods between them are left out)."""
        return self.pre(periods) | self.post(periods)

    def span(self, periods: np.ndarray) -> np.ndarray:
        """Periods from the pre start to the post end, those between the windows included."""
        inside = (periods >= self.pre_start) & (periods <= self.post_end)
        return inside & self.in_calendar(periods)


def parse_calendar_months(text: object) -> frozenset[int]:
    """'12|1|2' as {12, 1, 2}; empty or missing as the empty set (all months)."""
    if text is None or pd.isna(text) or not str(text).strip():
        return frozenset()
    return frozenset(int(part) for part in str(text).split("|") if part.strip())


@dataclass(frozen=True)
class StudyDesign:
    """One study's dates and its all_months windows by outcome ('*' = the default)."""

    study_id: str
    intervention_month: np.datetime64
    placebo_start: np.datetime64 | None
    placebo_end: np.datetime64 | None
    windows: dict[str, Window]
    earlier_intervention_month: np.datetime64 | None = None

    @property
    def first_intervention(self) -> np.datetime64:
        """The earliest intervention month: data before it are free of every measure (calibration data)."""
        if self.earlier_intervention_month is None:
            return self.intervention_month
        return min(self.intervention_month, self.earlier_intervention_month)

    def window(self, outcome_id: str) -> Window | None:
        """The outcome's own all_months window, else the study default, else None."""
        return self.windows.get(outcome_id, self.windows.get(DEFAULT_OUTCOME))

    def reference_period(self, periods: np.ndarray) -> np.datetime64 | None:
        """The last of the given periods before the intervention month."""
        before = periods[periods < self.intervention_month]
        return before.max() if before.size else None

    def pre_intervention(self, window: Window, periods: np.ndarray) -> np.ndarray:
        """Periods from the pre start up to the last period before the intervention."""
        keep = (periods >= window.pre_start) & (periods < self.intervention_month)
        return keep & window.in_calendar(periods)

    def placebo_window(self, periods: np.ndarray) -> np.ndarray:
        """Periods inside [placebo_start, placebo_end] (none when the study has no placebo window)."""
        if self.placebo_start is None or self.placebo_end is None:
            return np.zeros(periods.shape, dtype=bool)
        return (periods >= self.placebo_start) & (periods <= self.placebo_end)


def designs_from(studies: pd.DataFrame, windows: pd.DataFrame) -> dict[str, StudyDesign]:
    """A design per study from the studies and study_windows tables (all_months rows)."""
    designs = {}
    for study in studies.itertuples(index=False):
        rows = windows[
            (windows["study_id"] == study.study_id) & (windows["variant"] == "all_months")
        ]
        by_outcome = {
            row.outcome_id: Window(
                pre_start=_day(row.pre_start),
                pre_end=_day(row.pre_end),
                post_start=_day(row.post_start),
                post_end=_day(row.post_end),
                calendar_months=parse_calendar_months(row.calendar_months),
            )
            for row in rows.itertuples(index=False)
        }
        designs[study.study_id] = StudyDesign(
            study_id=study.study_id,
            intervention_month=_day(study.intervention_month),
            placebo_start=_day(study.placebo_start),
            placebo_end=_day(study.placebo_end),
            windows=by_outcome,
            earlier_intervention_month=_day(study.earlier_intervention_month),
        )
    return designs
