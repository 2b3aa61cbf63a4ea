"""Checks a register extract against its contract: structure before dbt runs, values from dbt's failed source tests.

The contract has one home, models/staging/register/_register__sources.yml: its columns and
data_types give the structure checked here (missing file, missing or extra column, wrong type),
and its data tests on the `register` source hold every value rule. Those tests run first inside
`dbt build`; when any of them fails, `explain_failed_build` reads dbt's run_results.json and
manifest.json, runs each failed test's compiled SQL again on the building database (or reads
the failing rows stored by `--store-failures`, if they are there), locates the offending rows
of the register table and turns each failed test into one message.

Types: a parquet column passes when its type converts to the contract type without loss
(narrower integers for BIGINT/INTEGER, FLOAT/DECIMAL/integers for DOUBLE); DATE, VARCHAR and
BOOLEAN columns must be exactly that type (a county code read as a number has lost its
leading zero). CSV files are typed when read: their header must list the contract's columns
in the contract's order (the reader maps columns by position) and every value must cast.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import yaml

from regeval.paths import PROJECT_DIR
from regeval.sql import identifier, string_literal

SOURCES_YAML = PROJECT_DIR / "models" / "staging" / "register" / "_register__sources.yml"
SOURCE_NAME = "register"
MAX_EXAMPLES = 5

LOSSLESS_TYPES = {
    "BIGINT": {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UINTEGER", "USMALLINT", "UTINYINT"},
    "INTEGER": {"INTEGER", "SMALLINT", "TINYINT", "USMALLINT", "UTINYINT"},
    "DOUBLE": {
        "DOUBLE",
        "FLOAT",
        "DECIMAL",
        "BIGINT",
        "INTEGER",
        "SMALLINT",
        "TINYINT",
        "UBIGINT",
        "UINTEGER",
        "USMALLINT",
        "UTINYINT",
        "HUGEINT",
    },
    "DATE": {"DATE"},
    "VARCHAR": {"VARCHAR"},
    "BOOLEAN": {"BOOLEAN"},
}

DEFAULT_MESSAGES = {
    "not_null": "is NULL",
    "unique": "duplicate key",
    "unique_combination": "duplicate key",
    "relationships": "not a valid county code",
    "first_of_month": "not the first day of a month",
    "has_matching_row": "county-month without its labour_force_months row",
    "has_population_rows": "county-year without population_years rows",
}

# Tests whose failing rows are groups of register rows (keys, county-months, county-years):
# their examples show the group and its number of rows rather than single rows.
GROUP_TESTS = {
    "unique",
    "unique_combination",
    "has_matching_row",
    "has_population_rows",
    "no_isolated_months",
}

# Columns of a failing-rows relation that name the tested register column (or an expression
# of it) under another name; other columns that are not register columns only count.
RENAMED_COLUMNS = {
    "value_field": "{column}",
    "from_field": "{column}",
    "unique_field": "{column}",
    "year": "cast(extract(year from {column}) as integer)",
}


@dataclass(frozen=True)
class Problem:
    """One problem of the extract: table, column, what is wrong, how many rows and a few examples."""

    table: str
    column: str | None
    message: str
    n_rows: int | None = None
    examples: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        """The message line, e.g. `t.c after month: 4 rows, e.g. person_id=1 month=2013-04-01`."""
        where = self.table if self.column is None else f"{self.table}.{self.column}"
        text = f"{where} {self.message}"
        if self.n_rows is not None:
            text += f": {self.n_rows:,} row{'s' if self.n_rows != 1 else ''}"
        if self.examples:
            text += ", e.g. " + "; ".join(self.examples)
        return text


class BadInputError(ValueError):
    """The register extract breaks its contract; the text lists every problem, one per line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# The contract writes the portable SQL type names; the checks here compare DuckDB's names.
DUCKDB_TYPE_NAMES = {"STRING": "VARCHAR", "INT": "INTEGER"}


def contract(sources_yaml: Path = SOURCES_YAML) -> dict[str, list[tuple[str, str]]]:
    """The register tables with their (column, DuckDB data type) pairs in contract order, from the source YAML."""
    document = yaml.safe_load(sources_yaml.read_text())
    source = next(s for s in document["sources"] if s["name"] == SOURCE_NAME)
    return {
        table["name"]: [(c["name"], _duckdb_type(c["data_type"])) for c in table["columns"]]
        for table in source["tables"]
    }


def _duckdb_type(data_type: object) -> str:
    """DuckDB's name of a contract data type (string is VARCHAR)."""
    name = str(data_type).upper()
    return DUCKDB_TYPE_NAMES.get(name, name)


def key_columns(sources_yaml: Path = SOURCES_YAML) -> dict[str, list[str]]:
    """The key of every register table, from its unique / unique_combination test in the source YAML."""
    document = yaml.safe_load(sources_yaml.read_text())
    source = next(s for s in document["sources"] if s["name"] == SOURCE_NAME)
    keys: dict[str, list[str]] = {}
    for table in source["tables"]:
        for test in table.get("data_tests") or []:
            if isinstance(test, dict) and "unique_combination" in test:
                keys[table["name"]] = list(
                    test["unique_combination"]["arguments"]["combination_of_columns"]
                )
        for column in table["columns"]:
            if "unique" in (column.get("data_tests") or []):
                keys.setdefault(table["name"], [column["name"]])
    return keys


def table_file(data_dir: Path, table: str) -> Path | None:
    """The file of a register table: parquet wins over CSV; None when neither exists."""
    for suffix in (".parquet", ".csv"):
        path = data_dir / f"{table}{suffix}"
        if path.exists():
            return path
    return None


def validate_structure(data_dir: Path) -> list[Problem]:
    """Missing files, missing, extra or misordered columns and wrong types of every register table."""
    if not Path(data_dir).is_dir():
        return [Problem("register extract", None, f"not found: {data_dir} is not a directory")]
    keys = key_columns()
    problems: list[Problem] = []
    connection = duckdb.connect()
    try:
        for table, columns in contract().items():
            path = table_file(data_dir, table)
            if path is None:
                problems.append(
                    Problem(
                        table,
                        None,
                        f"missing: no file {table}.parquet or {table}.csv in {data_dir}",
                    )
                )
            elif path.suffix == ".parquet":
                problems += _parquet_problems(connection, table, path, columns)
            elif (not_utf8 := _not_utf8(path)) is not None:
                problems.append(Problem(table, None, not_utf8))
            else:
                problems += _csv_problems(connection, table, path, columns, keys.get(table, []))
    finally:
        connection.close()
    return problems


def _not_utf8(path: Path) -> str | None:
    """What is wrong when a text file is not valid UTF-8 (where the first bad byte is), else None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(1 << 22)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                start = max(0, min(error.start, len(chunk)))
                line += chunk[:start].count(b"\n")
                bad = chunk[start : start + 1].hex() or "end of file"
                return (
                    f"is not UTF-8 ({path.name}: byte 0x{bad} at byte {offset + start:,}, "
                    f"line {line:,}); save the file as UTF-8"
                )
            if not chunk:
                return None
            line += chunk.count(b"\n")
            offset += len(chunk)


def _one_line(error: Exception) -> str:
    """The first line of an error message (DuckDB adds the query and a caret below it)."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _empty(table: str, path: Path) -> Problem:
    """The problem of a register file without rows."""
    return Problem(table, None, f"has no rows ({path.name}): every register table needs rows")


def _column_set_problems(
    table: str, found: list[str], columns: list[tuple[str, str]]
) -> list[Problem]:
    """Contract columns missing from a file and file columns the contract does not have."""
    expected = [name for name, _ in columns]
    problems = [Problem(table, name, "missing column") for name in expected if name not in found]
    problems += [
        Problem(table, name, "is not a column of the contract (extra column)")
        for name in found
        if name not in expected
    ]
    return problems


def _parquet_problems(
    connection: duckdb.DuckDBPyConnection, table: str, path: Path, columns: list[tuple[str, str]]
) -> list[Problem]:
    """Structure problems of a parquet file, from its schema only."""
    try:
        described = connection.execute(
            "describe select * from read_parquet(?)", [str(path)]
        ).fetchall()
    except duckdb.Error as error:
        return [
            Problem(table, None, f"cannot be read as parquet ({path.name}): {_one_line(error)}")
        ]
    if pq.read_metadata(path).num_rows == 0:
        return [_empty(table, path)]
    found = {row[0]: str(row[1]).upper() for row in described}
    problems = _column_set_problems(table, list(found), columns)
    for name, expected in columns:
        actual = found.get(name)
        if actual is not None and re.sub(r"\(.*\)$", "", actual) not in LOSSLESS_TYPES[expected]:
            problems.append(Problem(table, name, f"has type {actual}, expected {expected}"))
    return problems


def _csv_problems(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    columns: list[tuple[str, str]],
    keys: list[str],
) -> list[Problem]:
    """Structure problems of a CSV file: header names and order, then values that do not cast."""
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), [])
    if not header:
        return [_empty(table, path)]
    problems = _column_set_problems(table, header, columns)
    if problems:
        return problems
    expected = [name for name, _ in columns]
    if header != expected:
        return [
            Problem(
                table,
                None,
                f"CSV columns in the order {', '.join(header)}; expected {', '.join(expected)}",
            )
        ]
    as_text = ", ".join(f"{string_literal(name)}: 'VARCHAR'" for name in expected)
    reader = f"read_csv(?, header = true, auto_detect = false, columns = {{{as_text}}})"
    failed = {
        name: f"{identifier(name)} is not null and try_cast({identifier(name)} as {data_type}) is null"
        for name, data_type in columns
        if data_type != "VARCHAR"
    }
    try:
        counts = connection.execute(
            "select count(*), "
            + ", ".join(f"count(*) filter (where {condition})" for condition in failed.values())
            + f" from {reader}",
            [str(path)],
        ).fetchone()
    except duckdb.Error as error:
        return [Problem(table, None, f"cannot be read as CSV ({path.name}): {_one_line(error)}")]
    n_total, *counts = counts
    if n_total == 0:
        return [_empty(table, path)]
    for (name, condition), n_rows in zip(failed.items(), counts, strict=True):
        if not n_rows:
            continue
        shown = [*[k for k in keys if k != name], name]
        rows = connection.execute(
            f"select {', '.join(identifier(c) for c in shown)} from {reader} where {condition} limit {MAX_EXAMPLES}",
            [str(path)],
        ).fetchall()
        data_type = dict(columns)[name]
        problems.append(
            Problem(
                table,
                name,
                f"does not read as {data_type}",
                n_rows,
                tuple(_example(shown, row) for row in rows),
            )
        )
    return problems


def _format_value(value: Any) -> str:
    """A value as shown in an example."""
    if value is None:
        return "NULL"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return repr(text) if text == "" or text != text.strip() else text


def _example(columns: list[str], row: tuple[Any, ...], n_rows: int | None = None) -> str:
    """One example: column=value pairs, with the rows it stands for when more than one."""
    text = " ".join(f"{c}={_format_value(v)}" for c, v in zip(columns, row, strict=True))
    return text + (f" ({n_rows} rows)" if n_rows and n_rows > 1 else "")


@dataclass(frozen=True)
class FailedTest:
    """A failed data test on a register table, as recorded by dbt."""

    table: str
    test_name: str
    column: str | None
    kwargs: dict[str, Any]
    message: str
    database: str
    compiled_code: str
    relation_name: str | None
    status: str
    dbt_message: str


def failed_source_tests(target_dir: Path) -> list[FailedTest]:
    """The data tests on the register source that failed or errored in the last dbt command of target_dir."""
    results_file = target_dir / "run_results.json"
    manifest_file = target_dir / "manifest.json"
    if not results_file.exists() or not manifest_file.exists():
        return []
    results = json.loads(results_file.read_text())["results"]
    nodes = json.loads(manifest_file.read_text())["nodes"]
    failed = []
    for result in results:
        node = nodes.get(result["unique_id"])
        if (
            node is None
            or node["resource_type"] != "test"
            or result["status"] not in ("fail", "error")
        ):
            continue
        metadata = node.get("test_metadata") or {}
        table = _tested_source_table(metadata.get("kwargs", {}).get("model", ""))
        if table is None:
            continue
        failed.append(
            FailedTest(
                table=table,
                test_name=metadata.get("name", node["name"]),
                column=node.get("column_name"),
                kwargs=metadata.get("kwargs", {}),
                message=_test_message(metadata.get("name", ""), metadata.get("kwargs", {}), node),
                database=node["database"],
                compiled_code=result.get("compiled_code") or node.get("compiled_code") or "",
                relation_name=result.get("relation_name"),
                status=result["status"],
                dbt_message=result.get("message") or "",
            )
        )
    return failed


def _tested_source_table(model: str) -> str | None:
    """The register table a test is defined on, from its `model` argument."""
    match = re.search(
        r"source\(\s*['\"]" + SOURCE_NAME + r"['\"]\s*,\s*['\"](\w+)['\"]\s*\)", model
    )
    return match.group(1) if match else None


def _test_message(test_name: str, kwargs: dict[str, Any], node: dict[str, Any]) -> str:
    """What is wrong with the rows a test returns: the test's meta.message, else a default for its kind."""
    meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
    if meta.get("message"):
        return str(meta["message"])
    if test_name == "accepted_values":
        return "outside {" + ", ".join(str(v) for v in kwargs.get("values", [])) + "}"
    if test_name == "in_date_range":
        return f"outside the register period {kwargs.get('first')} to {kwargs.get('last')}"
    if test_name == "no_isolated_months":
        gap = kwargs.get("max_gap_months")
        return f"beside a gap of more than {gap} months (an isolated period)"
    if test_name == "expression_is_true":
        return f"breaks the rule {kwargs.get('expression', '')}"
    return DEFAULT_MESSAGES.get(test_name, f"fails test {test_name}")


def explain_failed_build(target_dir: Path, db_path: Path) -> list[Problem]:
    """One problem per failed register source test of the last dbt command, with offending row counts and examples."""
    failed = failed_source_tests(target_dir)
    if not failed:
        return []
    if not db_path.exists():
        return [
            Problem(test.table, test.column, f"{test.message} ({test.dbt_message})")
            for test in failed
        ]
    columns = {table: [name for name, _ in cols] for table, cols in contract().items()}
    keys = key_columns()
    connection = duckdb.connect()
    try:
        connection.execute(
            f"attach ? as {identifier(failed[0].database)} (read_only)", [str(db_path)]
        )
        connection.execute(f"use {identifier(failed[0].database)}")
        return [
            _explain(connection, test, columns[test.table], keys.get(test.table, []))
            for test in failed
        ]
    finally:
        connection.close()


def _test_columns(test: FailedTest, table_columns: list[str]) -> list[str]:
    """The register columns a test looks at: its column and the columns named in its arguments."""
    named = [test.column] if test.column else []
    text = json.dumps({k: v for k, v in test.kwargs.items() if k != "model"})
    words = dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return named + [w for w in words if w in table_columns and w not in named]


def _match(name: str, test: FailedTest, table_columns: list[str]) -> str | None:
    """The condition tying a column of the failing rows (f) to register rows (r), if it names one."""
    if name in table_columns:
        return f"r.{identifier(name)} is not distinct from f.{identifier(name)}"
    if name in RENAMED_COLUMNS and test.column:
        expression = RENAMED_COLUMNS[name].format(column="r." + identifier(test.column))
        return f"{expression} is not distinct from f.{identifier(name)}"
    return None


def _explain(
    connection: duckdb.DuckDBPyConnection,
    test: FailedTest,
    table_columns: list[str],
    keys: list[str],
) -> Problem:
    """Count and show the register rows behind one failed test."""
    tested = _test_columns(test, table_columns)
    label = tested[0] if test.column else "(" + ", ".join(tested) + ")"
    if test.status == "error":
        message = f"{test.message}: the check could not run ({test.dbt_message})"
        return Problem(test.table, label, message)
    failing = _failing_relation(connection, test)
    described = connection.execute(f"select * from {failing} limit 0").description
    failing_columns = [d[0] for d in described]
    conditions = {c: m for c in failing_columns if (m := _match(c, test, table_columns))}
    raw = f"raw.{identifier(test.table)}"
    if set(table_columns) <= set(failing_columns):
        matched = f"select * from {failing} as f"
    else:
        on = " and ".join(conditions.values()) or "true"
        matched = f"select r.* from {raw} as r semi join {failing} as f on {on}"
    n_rows = connection.execute(f"select count(*) from ({matched})").fetchone()[0]
    if test.test_name in GROUP_TESTS:
        shown = [c for c in failing_columns if c in conditions]
        order = ", ".join(f"f.{identifier(c)}" for c in shown)
        group = " and ".join(conditions[c] for c in shown)
        rows = connection.execute(
            f"select {order}, (select count(*) from {raw} as r where {group}) "
            f"from {failing} as f order by {order} limit {MAX_EXAMPLES}"
        ).fetchall()
        names = [test.column if RENAMED_COLUMNS.get(c) == "{column}" else c for c in shown]
        examples = tuple(_example(names, row[:-1], row[-1]) for row in rows)
    else:
        shown = [*keys, *[c for c in tested if c not in keys]]
        order = ", ".join(identifier(c) for c in shown)
        rows = connection.execute(
            f"select {order} from ({matched}) order by {order} limit {MAX_EXAMPLES}"
        ).fetchall()
        examples = tuple(_example(shown, row) for row in rows)
    return Problem(test.table, label, test.message, int(n_rows), examples)


def _failing_relation(connection: duckdb.DuckDBPyConnection, test: FailedTest) -> str:
    """The rows a failed test returned: its stored failures when present, else its compiled SQL run again."""
    if test.relation_name:
        parts = [p.strip('"') for p in re.findall(r'"(?:[^"]|"")*"|[^.]+', test.relation_name)]
        if len(parts) == 3:
            exists = connection.execute(
                "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                [parts[1], parts[2]],
            ).fetchone()[0]
            if exists:
                return f"{identifier(parts[1])}.{identifier(parts[2])}"
    return f"({test.compiled_code.strip().rstrip(';')})"


def raise_for_failed_build(target_dir: Path, db_path: Path) -> None:
    """Raise BadInputError when the last dbt command in target_dir failed on register source tests."""
    problems = explain_failed_build(target_dir, db_path)
    if problems:
        raise BadInputError(problems)


def validate_values(data_dir: Path, work_dir: Path) -> list[Problem]:
    """Run only the register source tests (with the counties seed they need) in a scratch database under work_dir."""
    from regeval.dbt import DbtError, run_dbt

    work_dir.mkdir(parents=True, exist_ok=True)
    db_path = work_dir / "validate.duckdb"
    db_path.unlink(missing_ok=True)
    target_dir = work_dir / "target"
    try:
        run_dbt(
            [
                "build",
                "--select",
                "counties",
                f"source:{SOURCE_NAME}",
                "--indirect-selection",
                "cautious",
                # The key test of jobseeker_months groups every row here: the model whose
                # sorted pass counts repeated keys in a build is not built by validation.
                "--vars",
                "{duplicate_keys_from_counts: false}",
            ],
            db_path=db_path,
            data_dir=data_dir,
            target_dir=target_dir,
            quiet=True,
        )
    except DbtError:
        problems = explain_failed_build(target_dir, db_path)
        if not problems:
            raise
        return problems
    finally:
        db_path.unlink(missing_ok=True)
    return []


def validate(data_dir: Path, work_dir: Path) -> list[Problem]:
    """Every problem of an extract: structure first; the value rules only when the structure holds."""
    return validate_structure(data_dir) or validate_values(data_dir, work_dir)
