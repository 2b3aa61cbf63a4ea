"""The roll-out study's group-time and event-time tables against a pandas implementation from the raw files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas_reference import jobseeker_counts
from rollout_reference import aggregate, att_gt, balanced_event_times

from regeval.paths import PROJECT_DIR

STUDY = "rollout_2012_jobseekers"
OUTCOMES = ["jobseekers_dagpenger", "jobseekers_no_dagpenger", "new_jobseekers_dagpenger"]
VARIANTS = [(w, s) for w in ("unweighted", "denominator") for s in ("level", "log")]


@pytest.fixture(scope="module")
def counts(small_register):
    return jobseeker_counts(small_register)


@pytest.fixture(scope="module")
def design() -> dict:
    """The roll-out study read from the seed files themselves."""
    seeds = PROJECT_DIR / "seeds" / "studies"
    studies = pd.read_csv(seeds / "studies.csv", dtype=str).set_index("study_id")
    units = pd.read_csv(seeds / "study_units.csv", dtype=str)
    units = units[units["study_id"] == STUDY]
    windows = pd.read_csv(seeds / "study_windows.csv", dtype=str)
    window = windows[(windows["study_id"] == STUDY) & (windows["variant"] == "all_months")]
    first = {
        row.county_code: (
            None if pd.isna(row.first_treated_month) else pd.Timestamp(row.first_treated_month)
        )
        for row in units.itertuples()
    }
    return {
        "comparison": studies.loc[STUDY, "comparison"],
        "first_treated": first,
        "start": pd.Timestamp(window["pre_start"].iloc[0]),
        "end": pd.Timestamp(window["post_end"].iloc[0]),
    }


def _panel(counts: pd.DataFrame, design: dict, outcome: str) -> pd.DataFrame:
    rows = counts[counts["county_code"].isin(list(design["first_treated"]))].copy()
    rows["month"] = pd.to_datetime(rows["month"])
    rows = rows[(rows["month"] >= design["start"]) & (rows["month"] <= design["end"])]
    rows = rows.dropna(subset=[outcome])
    return pd.DataFrame(
        {
            "county": rows["county_code"],
            "month": rows["month"],
            "rate": 100 * rows[outcome] / rows["denominator"],
            "denominator": rows["denominator"],
        }
    )


def test_study_has_staggered_cohorts(design):
    """The shipped study: at least three treated counties in at least three cohorts, and never-treated counties."""
    first = design["first_treated"]
    assert sum(f is not None for f in first.values()) >= 3
    assert len({f for f in first.values() if f is not None}) >= 3
    assert sum(f is None for f in first.values()) >= 2


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("weighting,scale", VARIANTS)
def test_group_time_effects_match_pandas(db, counts, design, outcome, weighting, scale):
    """Every ATT(g, t) of the SQL table equals the pandas computation (same cells, 1e-9)."""
    expected = att_gt(
        _panel(counts, design, outcome),
        design["first_treated"],
        design["comparison"],
        scale,
        weighting,
    )
    got = db.execute(
        "select cohort, period_start, event_time, att, treated_base, cohort_size "
        "from group_time_effects where study_id = ? and outcome_id = ? and weighting = ? "
        "and scale = ? order by cohort, period_start",
        [STUDY, outcome, weighting, scale],
    ).df()
    assert len(got) == len(expected) > 0
    expected = expected.sort_values(["cohort", "period_start"]).reset_index(drop=True)
    assert (pd.to_datetime(got["cohort"]) == expected["cohort"]).all()
    assert (pd.to_datetime(got["period_start"]) == expected["period_start"]).all()
    assert (got["event_time"] == expected["event_time"]).all()
    for column in ("att", "treated_base", "cohort_size"):
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("weighting,scale", VARIANTS)
def test_event_time_effects_match_pandas(db, counts, design, outcome, weighting, scale):
    """Event-time, cohort and overall effects equal the pandas aggregation of the pandas ATT(g, t)."""
    expected = aggregate(
        att_gt(
            _panel(counts, design, outcome),
            design["first_treated"],
            design["comparison"],
            scale,
            weighting,
        )
    )
    rows = db.execute(
        "select aggregation, event_time, cohort, estimate from event_time_effects "
        "where study_id = ? and outcome_id = ? and weighting = ? and scale = ?",
        [STUDY, outcome, weighting, scale],
    ).fetchall()
    got = {}
    for aggregation, event_time, cohort, estimate in rows:
        key = {
            "event_time": (aggregation, event_time),
            "cohort": (aggregation, pd.Timestamp(cohort)),
            "overall": (aggregation,),
        }[aggregation]
        got[key] = estimate
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_balanced_event_times_match_pandas_and_the_study_dates(db, counts, design, outcome):
    """balanced marks the event times every cohort is observed at, in pandas and from the seed dates.

    By hand: the first cohort's first pre period and the last cohort's last post period bound
    the balanced window, so it runs from (pre_start - earliest cohort) to (post_end - latest
    cohort) in months, without -1 (the base period is not a row).
    """
    att = att_gt(
        _panel(counts, design, outcome),
        design["first_treated"],
        design["comparison"],
        "log",
        "unweighted",
    )
    rows = db.execute(
        "select event_time, balanced from event_time_effects where study_id = ? "
        "and outcome_id = ? and weighting = 'unweighted' and scale = 'log' "
        "and aggregation = 'event_time'",
        [STUDY, outcome],
    ).fetchall()
    got = {int(e) for e, balanced in rows if balanced}
    assert got == balanced_event_times(att)
    assert {int(e) for e, _ in rows} > got  # the late event times hold only the early cohorts

    def months(a: pd.Timestamp, b: pd.Timestamp) -> int:
        return (b.year - a.year) * 12 + b.month - a.month

    cohorts = sorted({f for f in design["first_treated"].values() if f is not None})
    by_hand = set(
        range(months(cohorts[0], design["start"]), months(cohorts[-1], design["end"]) + 1)
    )
    assert got == by_hand - {-1}
    others = db.execute(
        "select count(*) from event_time_effects where study_id = ? and outcome_id = ? "
        "and aggregation <> 'event_time' and balanced is not null",
        [STUDY, outcome],
    ).fetchone()[0]
    assert others == 0
