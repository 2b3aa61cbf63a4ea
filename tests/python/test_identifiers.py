"""One identifier rule for names that become paths or relations; the report never writes outside its directory."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from regeval.dbt import DbtError, run_dbt
from regeval.identifiers import (
    BadIdentifierError,
    check_identifiers,
    check_seed_identifiers,
    inside,
    is_identifier,
)
from regeval.paths import PROJECT_DIR
from regeval.report import build_report

ESCAPE = "../../../../escape"
LONG = "a" * 300


def copy_project(destination: Path) -> Path:
    """The dbt project without its build outputs."""
    ignore = shutil.ignore_patterns(
        ".venv", "target", "logs", "data", "reports", "publish", "*.duckdb*", ".git"
    )
    shutil.copytree(PROJECT_DIR, destination, ignore=ignore)
    return destination


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("hedmark_2014_aap", True),
        ("a", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        (ESCAPE, False),
        ("Hedmark", False),
        ("x'; drop table studies; --", False),
        ("a/b", False),
        ("a.b", False),
        (None, False),
    ],
)
def test_identifier_rule(name: object, valid: bool) -> None:
    """1-64 lowercase letters, digits and _ and nothing else."""
    assert is_identifier(name) is valid


def test_message_names_the_bad_values() -> None:
    """The error names where the ids come from and every bad one, long ones cut."""
    with pytest.raises(BadIdentifierError) as raised:
        check_identifiers("study_id", ["ok_1", ESCAPE, LONG], "seeds/studies/studies.csv")
    text = str(raised.value)
    assert text.startswith("seeds/studies/studies.csv: study_id ")
    assert repr(ESCAPE) in text and repr("a" * 77 + "...") in text and "ok_1" not in text


def test_inside_refuses_traversal(tmp_path: Path) -> None:
    """A relative path that resolves outside the base directory is refused."""
    assert inside(tmp_path, "figures/s/x.png") == tmp_path.resolve() / "figures/s/x.png"
    for relative in (f"{ESCAPE}.html", "figures/../../x.png", "/etc/passwd"):
        with pytest.raises(BadIdentifierError, match="outside"):
            inside(tmp_path, relative)


def test_seed_ids_checked_before_dbt(tmp_path: Path) -> None:
    """A study id in the seed files that is a path or too long stops the run before dbt, naming it."""
    check_seed_identifiers()
    for bad in (ESCAPE, LONG):
        project = copy_project(tmp_path / f"project_{len(bad)}")
        with open(project / "seeds" / "studies" / "studies.csv", "a", encoding="utf-8") as f:
            f.write(
                f"{bad},Escape,jobseekers,register,2014-11-01,,2013-03-01,2014-10-01,"
                "exclude_county,single_county,\n"
            )
        with pytest.raises(BadIdentifierError, match=re.escape("seeds/studies/studies.csv: study_id '")):
            check_seed_identifiers(project)


def test_report_refuses_a_study_id_that_is_a_path(built_db: Path, tmp_path: Path) -> None:
    """A database whose study id is a path makes the report stop before it writes any file."""
    database = tmp_path / "escape.duckdb"
    shutil.copyfile(built_db, database)
    with duckdb.connect(str(database)) as connection:
        for table in (
            "study_config.studies",
            "study_config.study_units",
            "study_config.study_windows",
            "study_outcome_windows",
            "county_panel",
            "study_panel",
            "effects_pre_post",
        ):
            connection.execute(
                f"update {table} set study_id = ? where study_id = 'hedmark_2014_aap'", [ESCAPE]
            )
    report_dir = tmp_path / "a" / "b" / "c" / "d" / "report"
    with pytest.raises(BadIdentifierError, match=re.escape("study_id '../../../../escape'")):
        build_report(database, report_dir)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["escape.duckdb"]
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".png", ".html")]


def test_in_place_build_stops_before_any_model(
    built_db: Path, small_register: Path, tmp_path: Path
) -> None:
    """An in-place dbt build with a bad study row fails on the study tests and builds no model: no mixed database."""
    project = copy_project(tmp_path / "project")
    with open(project / "seeds" / "studies" / "studies.csv", "a", encoding="utf-8") as f:
        f.write(
            f"{ESCAPE},Escape,jobseekers,register,2014-11-01,,2013-03-01,2014-10-01,"
            "exclude_county,single_county,\n"
        )
    database = tmp_path / "inplace.duckdb"
    shutil.copyfile(built_db, database)
    query = "select * from study_outcome_windows order by all"
    with duckdb.connect(str(database), read_only=True) as connection:
        windows_before = connection.execute(query).fetchall()
    target = tmp_path / "target"
    with pytest.raises(DbtError):
        run_dbt(
            ["build"],
            db_path=database,
            data_dir=small_register,
            target_dir=target,
            quiet=True,
            project_dir=project,
        )
    results = json.loads((target / "run_results.json").read_text())["results"]
    models = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("model.")}
    assert models and set(models.values()) == {"skipped"}
    failed = [r for r in results if r["status"] in ("error", "fail")]
    assert any(
        "valid_identifier_studies_study_id" in r["unique_id"] and ESCAPE in (r["message"] or "")
        for r in failed
    )
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute(query).fetchall() == windows_before
