"""The warehouse an analyst opens: schemas by layer, column comments, the headline view, one dbt build that keeps the estimates current, and the commands for each step."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from regeval import pipeline, studies, warehouse
from regeval.dbt import run_dbt
from regeval.paths import PROJECT_DIR
from regeval.pipeline import RunConfig

PERSON_LEVEL = {"person_id", "birth_year", "spell_start", "application_id"}


def frame(connection: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """A query as a DataFrame."""
    return connection.execute(sql).df()


def test_schemas_by_layer(db: duckdb.DuckDBPyConnection) -> None:
    """Staging and intermediate relations are internal, the study seeds in their own schema, the rest in main."""
    relations = frame(
        db,
        "select schema_name, table_name from duckdb_tables() union all "
        "select schema_name, view_name from duckdb_views() where not internal",
    )
    by_schema = relations.groupby("schema_name")["table_name"].apply(set).to_dict()
    internal, config = warehouse.internal_schema(), warehouse.study_config_schema()
    assert (internal, config) == ("internal", "study_config")
    assert all(name.startswith(("stg_", "int_")) for name in by_schema[internal]), by_schema[
        internal
    ]
    assert {"stg_register__jobseeker_months", "int_estimates_computed"} <= by_schema[internal]
    assert by_schema[config] == {"studies", "study_units", "study_windows", "study_measures"}
    main = by_schema["main"]
    assert not any(name.startswith(("stg_", "int_")) for name in main)
    assert {"county_panel", "regression_effects", "headline_effects", "counties"} <= main


def test_no_person_level_column_in_the_analyst_schema(db: duckdb.DuckDBPyConnection) -> None:
    columns = frame(
        db, "select table_name, column_name from duckdb_columns() where schema_name = 'main'"
    )
    assert not set(columns["column_name"]) & PERSON_LEVEL
    internal = frame(db, "select column_name from duckdb_columns() where schema_name = 'internal'")
    assert set(internal["column_name"]) & PERSON_LEVEL, "the person-level relations are internal"


def test_every_analyst_column_has_a_comment(db: duckdb.DuckDBPyConnection) -> None:
    """persist_docs: every column of every table and view in main carries its yml description."""
    columns = frame(
        db,
        "select table_name, column_name, comment from duckdb_columns() "
        "where schema_name = 'main' and database_name = current_database()",
    )
    missing = columns[columns["comment"].fillna("").str.strip() == ""]
    assert len(columns) > 150
    assert missing.empty, missing[["table_name", "column_name"]].to_string()


def test_headline_is_the_recommended_row_of_every_study_outcome(
    db: duckdb.DuckDBPyConnection,
) -> None:
    headline = frame(db, "select * from headline_effects order by study_id, outcome_id")
    outcomes = frame(
        db,
        "select distinct study_id, outcome_id from study_outcome_windows order by 1, 2",
    )
    assert headline[["study_id", "outcome_id"]].reset_index(drop=True).equals(outcomes)
    chosen = frame(
        db,
        "select study_id, outcome_id, inference as method, estimate_pct, ci_low_pct, "
        "ci_high_pct, p_value from regression_effects where recommended order by 1, 2",
    )
    joined = headline.merge(chosen, on=["study_id", "outcome_id"], suffixes=("", "_row"))
    assert len(joined) == len(chosen) > 0
    for column in ("method", "estimate_pct", "ci_low_pct", "ci_high_pct", "p_value"):
        assert (
            (joined[column] == joined[f"{column}_row"])
            | (joined[column].isna() & joined[f"{column}_row"].isna())
        ).all(), column
    assert headline["recommendation"].notna().all()


def _project_copy(work: Path) -> Path:
    """The dbt project's files (not its target or data) copied under work."""
    project = work / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    for name in ("models", "macros", "seeds", "tests", "analysis"):
        if (PROJECT_DIR / name).exists():
            shutil.copytree(
                PROJECT_DIR / name, project / name, ignore=shutil.ignore_patterns("python")
            )
    return project


def test_dbt_build_alone_recreates_the_estimates(
    built_db: Path, small_register: Path, tmp_path: Path
) -> None:
    """Changing a study seed and running `dbt build` changes the estimate tables: no estimate is stale."""
    db = tmp_path / "regeval.duckdb"
    shutil.copyfile(built_db, db)
    project = _project_copy(tmp_path)
    windows = project / "seeds" / "studies" / "study_windows.csv"
    table = pd.read_csv(windows, dtype=str, keep_default_na=False)
    study = "hedmark_2014_jobseekers"
    rows = (table["study_id"] == study) & (table["variant"] == "all_months")
    assert rows.any()
    # The post window ends six months earlier.
    table.loc[rows, "post_end"] = (
        pd.to_datetime(table.loc[rows, "post_end"]) - pd.DateOffset(months=6)
    ).dt.strftime("%Y-%m-%d")
    table.to_csv(windows, index=False)
    query = (
        "select outcome_id, estimate_pct from regression_effects where study_id = ? "
        "and model = 'twfe_county' and term = 'post' and inference = 'cluster_county' order by 1"
    )
    with duckdb.connect(str(db), read_only=True) as connection:
        before = connection.execute(query, [study]).df()
    run_dbt(
        ["build"],
        db_path=db,
        data_dir=small_register,
        target_dir=tmp_path / "target",
        project_dir=project,
        quiet=True,
    )
    with duckdb.connect(str(db), read_only=True) as connection:
        after = connection.execute(query, [study]).df()
        other = connection.execute(query, ["hedmark_2014_aap"]).df()
    with duckdb.connect(str(built_db), read_only=True) as connection:
        other_before = connection.execute(query, ["hedmark_2014_aap"]).df()
    assert len(before) == len(after) > 0
    assert (before["estimate_pct"] - after["estimate_pct"]).abs().max() > 1e-6
    pd.testing.assert_frame_equal(other, other_before)


def test_redo_publish_replaces_only_the_publish_directory(
    built_db: Path, small_register: Path, tmp_path: Path
) -> None:
    db = tmp_path / "regeval.duckdb"
    shutil.copyfile(built_db, db)
    config = RunConfig(
        data_dir=small_register,
        db_path=db,
        report_dir=tmp_path / "report",
        publish_dir=tmp_path / "publish",
        generate_if_missing=False,
    )
    (tmp_path / "publish").mkdir()
    (tmp_path / "publish" / "old.csv").write_text("x\n")
    pipeline.redo(config, "publish")
    published = {p.name for p in (tmp_path / "publish").iterdir()}
    assert "county_panel.parquet" in published and "old.csv" not in published
    assert not (tmp_path / "report").exists()
    assert not pipeline.building_path(tmp_path / "publish").exists()
    with pytest.raises(ValueError, match="publish or report"):
        pipeline.redo(config, "estimate")


def test_redo_without_a_database_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "regeval.cli", "report"],
        env={"REGEVAL_DB": str(tmp_path / "none.duckdb"), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "no database at" in result.stderr and "regeval run" in result.stderr


def test_run_help_lists_every_environment_variable() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "regeval.cli", "run", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    used = set()
    for path in [
        *PROJECT_DIR.joinpath("regeval").rglob("*.py"),
        PROJECT_DIR / "profiles.yml",
        PROJECT_DIR / "dbt_project.yml",
    ]:
        used |= set(re.findall(r"REGEVAL_[A-Z_]+", path.read_text(encoding="utf-8")))
    assert len(used) > 10
    assert sorted(name for name in used if name not in result.stdout) == []


def test_study_problems_in_the_analysts_words(
    built_db: Path, small_register: Path, tmp_path: Path
) -> None:
    """A county code that is no county and a post window past the data: both named, study by study, at once."""
    project = _project_copy(tmp_path)
    units = project / "seeds" / "studies" / "study_units.csv"
    table = pd.read_csv(units, dtype=str, keep_default_na=False)
    row = table.index[(table["study_id"] == "hedmark_2014_aap") & (table["role"] == "control")][0]
    table.loc[row, "county_code"] = "5"
    table.to_csv(units, index=False)
    windows = project / "seeds" / "studies" / "study_windows.csv"
    table = pd.read_csv(windows, dtype=str, keep_default_na=False)
    rows = (table["study_id"] == "hedmark_2014_jobseekers") & (table["variant"] == "all_months")
    table.loc[rows, "post_end"] = "2016-12-01"
    table.to_csv(windows, index=False)
    with duckdb.connect(str(built_db), read_only=True) as connection:
        (last,) = connection.execute(
            "select max(period_start) from internal.int_outcomes__county_periods "
            "where domain = 'jobseekers' and source = 'register'"
        ).fetchone()
    problems, with_data = studies.check_studies(
        built_db, small_register, tmp_path / "work", project_dir=project
    )
    assert with_data
    assert sorted(problems) == [
        "study hedmark_2014_aap: county code '5' is not a county (counties.csv)",
        (
            "study hedmark_2014_jobseekers: post window 2014-12..2016-12 (all_months) is past "
            f"the last month of data ({last:%Y-%m})"
        ),
    ]
    # Without a database only the seeds are checked.
    problems, with_data = studies.check_studies(
        tmp_path / "none.duckdb", small_register, tmp_path / "work2", project_dir=project
    )
    assert not with_data
    assert problems == ["study hedmark_2014_aap: county code '5' is not a county (counties.csv)"]


def test_shipped_studies_pass_the_study_checks(
    built_db: Path, small_register: Path, tmp_path: Path
) -> None:
    assert studies.check_studies(built_db, small_register, tmp_path) == ([], True)


def test_exposures_declare_what_publish_and_the_report_read(tmp_path: Path) -> None:
    from regeval import publish
    from regeval.report import data as report_data
    from regeval.report import rollout as report_rollout

    run_dbt(
        ["parse"],
        db_path=tmp_path / "x.duckdb",
        data_dir=tmp_path,
        target_dir=tmp_path / "t",
        quiet=True,
    )
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    declared = {
        exposure["name"]: {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}
        for exposure in manifest["exposures"].values()
    }
    assert (
        set(publish.PUBLISHED_TABLES) | {"outcomes", "study_outcome_windows"} == declared["publish"]
    )
    read = set(report_data.REQUIRED_TABLES) | set(report_data.OPTIONAL_TABLES)
    read |= {"event_time_effects", "counties", "outcomes", *report_rollout.ESTIMATE_TABLES}
    assert read == declared["report"]
