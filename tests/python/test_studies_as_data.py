"""A study added through the seed files alone appears in every mart; a county added to a roll-out study becomes a cohort."""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import copy_project

from regeval.dbt import run_dbt

NEW_STUDY = "oppland_2013_test"
ROLLOUT = "rollout_2012_jobseekers"
LATER_COHORT = "2014-03-01"


def test_study_added_in_seeds_reaches_every_mart(small_register, built_db, tmp_path):
    project = copy_project(tmp_path / "project")
    studies = project / "seeds" / "studies"
    with open(studies / "studies.csv", "a") as f:
        f.write(
            f"{NEW_STUDY},Oppland against Trøndelag and Nordland (2013),jobseekers,register,"
            "2013-06-01,,2012-09-01,2013-05-01,exclude_county,single_county,\n"
        )
    with open(studies / "study_units.csv", "a") as f:
        f.write(
            f"{NEW_STUDY},05,treated,\n{NEW_STUDY},16,control,\n"
            f"{NEW_STUDY},17,control,\n{NEW_STUDY},18,control,\n"
        )
    with open(studies / "study_units.csv", "a") as f:
        f.write(f"{ROLLOUT},04,treated,{LATER_COHORT}\n")
    with open(studies / "study_windows.csv", "a") as f:
        f.write(f"{NEW_STUDY},*,all_months,2011-06-01,2013-05-01,2013-06-01,2014-05-01,\n")
    db_file = tmp_path / "added.duckdb"
    run_dbt(
        ["build"],
        db_path=db_file,
        data_dir=small_register,
        target_dir=tmp_path / "target",
        quiet=True,
        project_dir=project,
    )
    with duckdb.connect(str(db_file), read_only=True) as con:
        for mart in [
            "study_outcome_windows",
            "county_panel",
            "study_panel",
            "effects_pre_post",
            "cell_panel",
        ]:
            n_outcomes = con.execute(
                f"select count(distinct outcome_id) from {mart} where study_id = ?", [NEW_STUDY]
            ).fetchone()[0]
            assert n_outcomes == 12, mart
        roles = dict(
            con.execute(
                "select role, count(distinct county_code) from county_panel where study_id = ? group by role",
                [NEW_STUDY],
            ).fetchall()
        )
        assert roles == {"treated": 1, "control": 3, "other": 15}
        n_periods = con.execute(
            "select n_periods_pre, n_periods_post from effects_pre_post where study_id = ? "
            "and outcome_id = 'jobseekers_dagpenger'",
            [NEW_STUDY],
        ).fetchone()
        assert n_periods == (24, 12)
    _assert_later_cohort_added(built_db, db_file)


def _assert_later_cohort_added(before_db: Path, after_db: Path) -> None:
    """Hedmark (04) added to the roll-out study with a later first month: a fourth cohort everywhere."""
    query = (
        "select count(distinct cohort), max(n_cohorts) filter (where aggregation = 'event_time' "
        "and event_time = 0), any_value(estimate) filter (where aggregation = 'event_time' "
        "and event_time = 0) from event_time_effects where study_id = ? "
        "and outcome_id = 'jobseekers_dagpenger' and weighting = 'unweighted' and scale = 'log'"
    )
    with duckdb.connect(str(before_db), read_only=True) as con:
        cohorts_before, at_zero_before, effect_before = con.execute(query, [ROLLOUT]).fetchone()
    with duckdb.connect(str(after_db), read_only=True) as con:
        cohorts_after, at_zero_after, effect_after = con.execute(query, [ROLLOUT]).fetchone()
        added = con.execute(
            "select count(*), min(n_treated), max(n_treated) from group_time_effects "
            "where study_id = ? and cohort = ?",
            [ROLLOUT, LATER_COHORT],
        ).fetchone()
    assert (cohorts_before, at_zero_before) == (3, 3)
    assert (cohorts_after, at_zero_after) == (4, 4)
    assert effect_after != effect_before
    assert added[0] > 0 and added[1:] == (1, 1)
