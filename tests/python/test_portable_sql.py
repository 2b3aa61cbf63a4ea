"""Portable SQL: the lint of DuckDB-only constructs, and seeds whose empty cells load as NULL."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import duckdb
import pytest

from regeval import warehouse
from regeval.paths import PROJECT_DIR


def load_lint():
    """scripts/lint_sql.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "lint_sql", PROJECT_DIR / "scripts" / "lint_sql.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["lint_sql"] = module
    spec.loader.exec_module(module)
    return module


lint_sql = load_lint()


def write(root: Path, relative: str, text: str) -> None:
    """A file of a tiny project tree."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_project_sql_is_portable() -> None:
    """No DuckDB-only construct in models/, macros/ or tests/ outside the dispatch layer."""
    problems = [
        problem
        for path in lint_sql.checked_files()
        for problem in lint_sql.findings(path, (PROJECT_DIR / path).read_text())
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("select cast(a as varchar) as a from t", "varchar"),
        ("select * from read_parquet('x.parquet')", "read_parquet"),
        ("select strftime(d, '%Y-%m') as m from t", "strftime"),
        ("select * from generate_series(1, 3)", "generate_series"),
        ("select string_agg(a, ',') as a from t", "string_agg"),
        ("select a::date as a from t", ":: cast"),
        ("select\n    a,\n    b,\nfrom t", "trailing comma before from"),
        ("select (\n    select 1 as x,\n) as y", "trailing comma before )"),
        (
            "select\n    {% for c in cs %}\n    {{ c }},\n    {% endfor %}\nfrom t",
            "trailing comma before from (after a Jinja loop)",
        ),
    ],
)
def test_lint_finds_duckdb_constructs(tmp_path: Path, sql: str, construct: str) -> None:
    """Each forbidden construct in a model is reported with its file and line."""
    write(tmp_path, "models/m.sql", "{# a model #}\n" + sql + "\n")
    assert lint_sql.main(tmp_path) == 1
    found = lint_sql.findings(Path("models/m.sql"), (tmp_path / "models/m.sql").read_text())
    assert any(construct in problem for problem in found), found
    assert all(problem.startswith("models/m.sql:") for problem in found)


def test_lint_skips_dispatch_layer_and_comments(tmp_path: Path) -> None:
    """The dispatch layer may hold DuckDB SQL; comments may name it; YAML types and fixtures are checked."""
    write(tmp_path, "dbt_project.yml", "name: x\n")
    write(tmp_path, "macros/cross_database/m.sql", "select strftime(d, '%Y') as y from t\n")
    write(tmp_path, "models/ok.sql", "{# not strftime( #}\n-- nor varchar\nselect a from t\n")
    assert lint_sql.main(tmp_path) == 0
    write(tmp_path, "models/_m.yml", "columns:\n  - name: a\n    data_type: varchar\n")
    assert lint_sql.main(tmp_path) == 1
    write(
        tmp_path,
        "models/_m.yml",
        "unit_tests:\n  - given:\n      - rows: |\n          select 1::int as a\n",
    )
    assert lint_sql.main(tmp_path) == 1


def seed_files() -> list[Path]:
    """Every seed CSV of the project."""
    return sorted((PROJECT_DIR / "seeds").rglob("*.csv"))


def test_seed_empty_cells_are_null(built_db: Path) -> None:
    """Every empty cell of every seed CSV is a NULL in the built database, and every NULL an empty cell."""
    connection = duckdb.connect(str(built_db), read_only=True)
    config = warehouse.study_config_schema()
    try:
        checked = 0
        for path in seed_files():
            with path.open(newline="", encoding="utf-8") as handle:
                rows = list(csv.DictReader(handle))
            for column in rows[0]:
                empty = sum(1 for row in rows if row[column] == "")
                schema = config if path.parent.name == "studies" else "main"
                nulls, total = connection.execute(
                    f'select count(*) filter (where "{column}" is null), count(*) '
                    f'from "{schema}"."{path.stem}"'
                ).fetchone()
                assert (nulls, total) == (empty, len(rows)), f"{path.stem}.{column}"
                checked += empty
        assert checked > 0
    finally:
        connection.close()
