"""scripts/undocumented_columns.py: every built column of every model and seed has a yml description."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import duckdb
import pytest

from regeval.dbt import run_dbt
from regeval.paths import PROJECT_DIR


def load_checker():
    """scripts/undocumented_columns.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "undocumented_columns", PROJECT_DIR / "scripts" / "undocumented_columns.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["undocumented_columns"] = module
    spec.loader.exec_module(module)
    return module


checker = load_checker()


def node(kind: str, name: str, columns: dict[str, str], **extra) -> dict:
    """A manifest node as dbt writes it (only the fields the checker reads)."""
    return {
        "resource_type": kind,
        "name": name,
        "alias": extra.get("alias", name),
        "package_name": extra.get("package", "regeval"),
        "patch_path": extra.get("patch_path", f"regeval://models/_{name}.yml"),
        "config": {"materialized": extra.get("materialized", "table")},
        "columns": {c: {"name": c, "description": d} for c, d in columns.items()},
    }


@pytest.fixture()
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """A database with relations in two schemas and a manifest with planted problems."""
    db = tmp_path / "tiny.duckdb"
    with duckdb.connect(str(db)) as connection:
        connection.execute("create schema internal")
        connection.execute("create table main.effects (study_id string, did double, extra int)")
        connection.execute("create view internal.stg_people as select 1 as person_id")
        connection.execute("create table main.countries (code string)")
        connection.execute("create table main.foreign_model (a int)")
    nodes = [
        # did documented, extra undocumented, study_id described with spaces only, ghost absent
        node("model", "effects", {"study_id": "  ", "did": "The DiD.", "ghost": "Not built."}),
        # built in another schema and matched by its alias
        node("model", "people_stg", {"person_id": "Person."}, alias="stg_people"),
        node("seed", "countries", {"code": "Code."}),
        node("model", "not_built", {"a": "A."}),
        node("model", "inline", {}, materialized="ephemeral"),
        node("model", "foreign_model", {}, package="other_package"),
        node("test", "some_test", {}),
    ]
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "metadata": {"project_name": "regeval"},
                "nodes": {f"{n['resource_type']}.x.{n['name']}": n for n in nodes},
            }
        )
    )
    return db, manifest


def test_planted_problems_are_each_found_once(
    tiny: tuple[Path, Path], capsys: pytest.CaptureFixture
) -> None:
    db, manifest = tiny
    assert checker.main([str(db), "--manifest", str(manifest)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:-1] == [
        "main.effects.study_id: no description (model, models/_effects.yml)",
        "main.effects.extra: no description (model, models/_effects.yml)",
        "main.effects.ghost: described in models/_effects.yml but not a column of the model",
        "model not_built: not in the database (build it first)",
    ]
    # effects (3), stg_people (1), countries (1): 5 columns of 4 project models and seeds
    assert lines[-1].startswith("4 problem(s); 5 columns of 4 models and seeds checked")


def test_fully_documented_database_passes(tmp_path: Path) -> None:
    db = tmp_path / "ok.duckdb"
    with duckdb.connect(str(db)) as connection:
        connection.execute("create table main.t (a int, b int)")
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps({"nodes": {"model.x.t": node("model", "t", {"a": "A.", "B": "B."})}})
    )
    assert checker.main([str(db), "--manifest", str(manifest)]) == 0


def test_missing_inputs_exit_2(tmp_path: Path) -> None:
    assert checker.main([str(tmp_path / "none.duckdb"), "--manifest", str(tmp_path / "m")]) == 2


def test_every_column_of_the_project_is_described(
    built_db: Path, small_register: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """The project's manifest against the database dbt builds from the small register: zero."""
    target = tmp_path / "target"
    run_dbt(["parse"], db_path=built_db, data_dir=small_register, target_dir=target, quiet=True)
    status = checker.main([str(built_db), "--manifest", str(target / "manifest.json")])
    out = capsys.readouterr().out
    assert status == 0, out
    checked = int(out.split("; ")[1].split(" columns")[0])
    assert checked > 250, out
