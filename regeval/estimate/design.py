"""Study designs as the study_periods mart flags them: which periods are pre, post, span, placebo window and calibration data (the windows themselves are read in SQL only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# The study_periods flags an outcome's Window reads, and those that belong to the study.
WINDOW_FLAGS = ("in_pre", "in_post", "in_span", "in_pre_intervention")
STUDY_FLAGS = ("before_intervention", "before_first_intervention", "in_placebo_window")


def _days(values: object) -> np.ndarray:
    """Dates as a sorted array of unique datetime64[D]."""
    return np.unique(pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]"))


@dataclass(frozen=True)
class Window:
    """The periods of one study outcome by their place in its all_months windows."""

    pre_periods: np.ndarray
    post_periods: np.ndarray
    span_periods: np.ndarray
    pre_intervention_periods: np.ndarray

    def pre(self, periods: np.ndarray) -> np.ndarray:
        """Periods in the pre window."""
        return np.isin(periods, self.pre_periods)

    def post(self, periods: np.ndarray) -> np.ndarray:
        """Periods in the post window."""
        return np.isin(periods, self.post_periods)

    def sample(self, periods: np.ndarray) -> np.ndarray:
        """Periods in the pre or post window (periods between them are left out)."""
        return self.pre(periods) | self.post(periods)

    def span(self, periods: np.ndarray) -> np.ndarray:
        """Periods from the pre start to the post end, those between the windows included."""
        return np.isin(periods, self.span_periods)

    def pre_intervention(self, periods: np.ndarray) -> np.ndarray:
        """Periods from the pre start up to the last period before the intervention."""
        return np.isin(periods, self.pre_intervention_periods)


@dataclass(frozen=True)
class StudyDesign:
    """One study's windows by outcome and the periods before its interventions and in its placebo window."""

    study_id: str
    windows: dict[str, Window]
    before_intervention_periods: np.ndarray
    before_first_intervention_periods: np.ndarray
    placebo_periods: np.ndarray

    def window(self, outcome_id: str) -> Window | None:
        """The outcome's window, or None when the study has none for it."""
        return self.windows.get(outcome_id)

    def before_intervention(self, periods: np.ndarray) -> np.ndarray:
        """Periods before the intervention month."""
        return np.isin(periods, self.before_intervention_periods)

    def before_first_intervention(self, periods: np.ndarray) -> np.ndarray:
        """Periods before the earliest intervention: data free of every measure (calibration data)."""
        return np.isin(periods, self.before_first_intervention_periods)

    def reference_period(self, periods: np.ndarray) -> np.datetime64 | None:
        """The last of the given periods before the intervention."""
        before = periods[self.before_intervention(periods)]
        return before.max() if before.size else None

    def pre_intervention(self, window: Window, periods: np.ndarray) -> np.ndarray:
        """Periods from the pre start up to the last period before the intervention."""
        return window.pre_intervention(periods)

    def placebo_window(self, periods: np.ndarray) -> np.ndarray:
        """Periods inside [placebo_start, placebo_end] (none when the study has no placebo window)."""
        return np.isin(periods, self.placebo_periods)


def _flagged(rows: pd.DataFrame, flag: str) -> np.ndarray:
    """The periods of rows where a flag is true."""
    return _days(rows.loc[rows[flag].fillna(False).astype(bool), "period_start"])


def designs_from(studies: pd.DataFrame, study_periods: pd.DataFrame) -> dict[str, StudyDesign]:
    """A design per study from the studies table and the study_periods flags."""
    designs = {}
    for study_id in studies["study_id"]:
        rows = study_periods[study_periods["study_id"] == study_id]
        windows = {
            str(outcome_id): Window(*(_flagged(part, flag) for flag in WINDOW_FLAGS))
            for outcome_id, part in rows.groupby("outcome_id", sort=True)
        }
        designs[study_id] = StudyDesign(
            study_id,
            windows,
            *(_flagged(rows, flag) for flag in STUDY_FLAGS),
        )
    return designs
