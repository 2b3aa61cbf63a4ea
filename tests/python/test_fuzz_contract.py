"""Fuzzing the contract checker: malformed extracts either pass or fail with a message naming table and column, and a run on them leaves the earlier database as it was."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from regeval import pipeline
from regeval.pipeline import RunConfig, building_path
from regeval.validate import BadInputError, contract, validate_structure

CONTRACT = contract()
TABLES = sorted(CONTRACT)
TINY_ROWS = 12

# Mutations that must always produce a problem, and those that may pass (a lossless retype,
# a valid CSV instead of parquet).
BREAKING = {
    "drop_column",
    "rename_column",
    "extra_column",
    "csv_bad_value",
    "csv_reorder",
    "not_utf8",
    "empty",
    "truncate",
    "garbage",
}
KINDS = sorted(BREAKING | {"retype", "csv"})
TYPES = ["VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "DOUBLE", "DATE", "BOOLEAN", "TIMESTAMP"]


@pytest.fixture(scope="module")
def tiny_register(small_register: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first rows of every table of the small register: a valid extract small enough to copy 200 times."""
    out = tmp_path_factory.mktemp("tiny") / "register"
    out.mkdir()
    with duckdb.connect() as connection:
        for table in TABLES:
            connection.execute(
                f"copy (select * from read_parquet(?) limit {TINY_ROWS}) to ? (format parquet)",
                [str(small_register / f"{table}.parquet"), str(out / f"{table}.parquet")],
            )
    assert validate_structure(out) == []
    return out


def _rewrite(path: Path, select: str, to_csv: bool = False) -> Path:
    """Replace a parquet table file by a SELECT over its rows (table t), as parquet or CSV."""
    target = path.with_suffix(".csv") if to_csv else path
    options = "(format csv, header true)" if to_csv else "(format parquet)"
    with duckdb.connect() as connection:
        connection.execute("create table t as select * from read_parquet(?)", [str(path)])
        connection.execute(f"copy ({select}) to ? {options}", [str(target)])
    if to_csv:
        path.unlink()
    return target


def mutate(
    data: Path, table: str, kind: str, column: str, new_type: str, cut: float, junk: bytes
) -> None:
    """Spoil one table file of the extract in one way."""
    path = data / f"{table}.parquet"
    names = [name for name, _ in CONTRACT[table]]
    others = ", ".join(f'"{n}"' for n in names if n != column)
    if kind == "drop_column":
        _rewrite(path, f"select {others} from t")
    elif kind == "rename_column":
        _rewrite(path, f'select * rename ("{column}" as "{column}_renamed") from t')
    elif kind == "extra_column":
        _rewrite(path, "select *, 1 as extra_column from t")
    elif kind == "retype":
        _rewrite(
            path, f'select * replace (try_cast("{column}" as {new_type}) as "{column}") from t'
        )
    elif kind == "csv":
        _rewrite(path, "select * from t", to_csv=True)
    elif kind == "csv_bad_value":
        if dict(CONTRACT[table])[column] == "VARCHAR":
            column = next(n for n, t in CONTRACT[table] if t != "VARCHAR")
        _rewrite(
            path,
            f'select * replace (case when rowid = 1 then \'not a value\' else cast("{column}" as varchar) end as "{column}") from t',
            to_csv=True,
        )
    elif kind == "csv_reorder":
        moved = f'"{column}", {others}' if column == names[-1] else f'{others}, "{column}"'
        _rewrite(path, f"select {moved} from t", to_csv=True)
    elif kind == "not_utf8":
        csv_path = _rewrite(path, "select * from t", to_csv=True)
        lines = csv_path.read_bytes().split(b"\n")
        lines[1] = b"\xff\xfe" + lines[1]
        csv_path.write_bytes(b"\n".join(lines))
    elif kind == "empty":
        _rewrite(path, "select * from t limit 0", to_csv=cut < 0.5)
    elif kind == "truncate":
        content = path.read_bytes()
        path.write_bytes(content[: int(len(content) * cut)])
    elif kind == "garbage":
        path.write_bytes(junk)
    elif kind == "huge":
        _rewrite(
            path,
            f'select * replace (case when rowid = 3 then 9223372036854775807 else "{column}" end as "{column}") from t',
        )


mutation = st.tuples(
    st.sampled_from(TABLES),
    st.sampled_from(KINDS),
    st.integers(min_value=0, max_value=8),
    st.sampled_from(TYPES),
    st.floats(min_value=0.0, max_value=0.95),
    st.binary(min_size=0, max_size=64),
)


@settings(
    max_examples=200,
    deadline=None,
    # No shrinking: a failure is reported as found, within the suite's time.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(mutation, min_size=1, max_size=3, unique_by=lambda m: m[0]))
def test_malformed_extract_passes_or_names_table_and_column(
    tiny_register: Path, mutations: list[tuple]
) -> None:
    """Every problem names a contract table; every breaking change is caught in its table, and a column change names the column."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "register"
        shutil.copytree(tiny_register, data)
        spoiled = {}
        for table, kind, index, new_type, cut, junk in mutations:
            column = CONTRACT[table][index % len(CONTRACT[table])][0]
            mutate(data, table, kind, column, new_type, cut, junk)
            spoiled[table] = (kind, column)
        problems = validate_structure(data)
    lines = [str(p) for p in problems]
    event("refused" if problems else "passes the structure checks")
    for problem, line in zip(problems, lines, strict=True):
        assert problem.table in CONTRACT, line
        assert line.startswith(problem.table), line
        assert problem.table in spoiled, line
        assert "\n" not in line
    for table, (kind, column) in spoiled.items():
        own = [p for p in problems if p.table == table]
        if kind in BREAKING:
            assert own, f"{table}: {kind} of {column} passed"
        if kind in ("drop_column", "rename_column", "retype") and own:
            assert any(p.column == column for p in own), (kind, column, lines)
        if kind == "extra_column":
            assert any(p.column == "extra_column" for p in own), lines
        if kind == "csv_bad_value":
            assert all(p.column is not None for p in own), lines


def digest(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("table", "kind", "expected"),
    [
        ("sickness_benefit_exhaustions", "empty", "sickness_benefit_exhaustions has no rows"),
        ("aap_applications", "not_utf8", "aap_applications is not UTF-8"),
        ("aap_months", "truncate", "aap_months cannot be read as parquet"),
        ("labour_force_months", "csv_bad_value", "labour_force_months.month does not read as DATE"),
        ("jobseeker_months", "drop_column", "jobseeker_months.gender missing column"),
        (
            "labour_force_months",
            "huge",
            "labour_force_months.labour_force 10,000,000 or more (implausible for a county): 1 row",
        ),
    ],
)
def test_run_on_malformed_extract_keeps_earlier_database(
    built_db: Path, small_register: Path, tmp_path: Path, table: str, kind: str, expected: str
) -> None:
    """A run on a spoiled full extract stops with a message naming the table (and column), and the earlier database is byte-identical."""
    data = tmp_path / "register"
    shutil.copytree(small_register, data)
    column = {"drop_column": "gender", "huge": "labour_force"}.get(kind, "month")
    mutate(data, table, kind, column, "VARCHAR", 0.5, b"")
    earlier = tmp_path / "out" / "regeval.duckdb"
    earlier.parent.mkdir()
    shutil.copyfile(built_db, earlier)
    before = digest(earlier)
    config = RunConfig(
        data_dir=data,
        db_path=earlier,
        report_dir=tmp_path / "out" / "report",
        publish_dir=tmp_path / "out" / "publish",
        generate_if_missing=False,
    )
    with pytest.raises(BadInputError) as raised:
        pipeline.run(config)
    assert str(raised.value).startswith(expected), str(raised.value)
    assert digest(earlier) == before
    assert sorted(p.name for p in earlier.parent.iterdir()) == ["regeval.duckdb"]
    assert not building_path(earlier).exists()


def test_valid_extract_as_csv_passes_every_check(small_register: Path, tmp_path: Path) -> None:
    """The other side: the small register with every table as CSV passes the structure and every value rule."""
    from regeval.validate import validate

    data = tmp_path / "register"
    shutil.copytree(small_register, data)
    for table in TABLES:
        _rewrite(data / f"{table}.parquet", "select * from t", to_csv=True)
    assert validate(data, tmp_path / "work") == []
