"""A study added through the seed files alone appears in every mart."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from regeval.dbt import run_dbt
from regeval.paths import PROJECT_DIR

NEW_STUDY = "oppland_2013_test"


def _copy_project(destination: Path) -> Path:
    ignore = shutil.ignore_patterns(
        ".venv", "target", "logs", "data", "reports", "publish", "*.duckdb*", ".git"
    )
    shutil.copytree(PROJECT_DIR, destination, ignore=ignore)
    return destination


def test_study_added_in_seeds_reaches_every_mart(small_register, tmp_path):
    project = _copy_project(tmp_path / "project")
    studies = project / "seeds" / "studies"
    with open(studies / "studies.csv", "a") as f:
        f.write(
            f"{NEW_STUDY},Oppland against Trøndelag and Nordland (2013),jobseekers,register,"
            "2013-06-01,,2012-09-01,2013-05-01,exclude_county\n"
        )
    with open(studies / "study_units.csv", "a") as f:
        f.write(
            f"{NEW_STUDY},05,treated\n{NEW_STUDY},16,control\n{NEW_STUDY},17,control\n{NEW_STUDY},18,control\n"
        )
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
