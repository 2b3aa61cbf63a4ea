"""The monthly refresh: what changed in the register extract since the last build, and whether a refresh may replace a full rebuild.

Every build stores, in the database it builds (schema `refresh_state`, internal), a
fingerprint of the extract it read: per month of each monthly table that an
incremental model reads, the row count and a checksum (the sum of the rows'
hashes), the checksum of the persons flagged as transferred from the old schemes,
and a hash of the project's code and seeds. `regeval run --refresh` compares the
current extract with it; the refresh month is the first month whose rows differ
(or are new). The incremental models then recompute only the months that month
can change (each model says how far back its definition reaches) and the rest of
the DAG is rebuilt from them. The result equals a full rebuild (a test builds both):
keys and integers exactly, floats to their last bits, as two full builds do. A full
rebuild is done instead, with the reason printed, when:

- there is no database or no fingerprint of the extract it was built from;
- the project's code or seeds changed (the models themselves may differ);
- a table's first month changed (every month's "countable" flag depends on it);
- the set of persons flagged as transferred changed (they leave every AAP month);
- the refresh month is within six months of the first month (no cheaper than a rebuild);
- a month value cannot be read as a date (the build then says which rows).

The estimation models are a deterministic function of the tables they read:
they are rebuilt only when one of those tables changed (compared with the last
build's, floats to RTOL), otherwise the database keeps their tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from regeval.paths import PROJECT_DIR
from regeval.sql import identifier
from regeval.validate import table_file

STATE_SCHEMA = "refresh_state"
# Estimation inputs count as unchanged when every float is within RTOL of its column's
# largest magnitude in the last build (the estimates then differ by float noise only).
RTOL = 1e-9
# The monthly tables the incremental models read, with their month column.
MONTHLY = {
    "jobseeker_months": "month",
    "aap_months": "month",
    "sickness_benefit_exhaustions": "exhaustion_month",
}
# A refresh month this close to the first month rebuilds in full (the job-seeker models
# reach five months back from it).
MIN_MONTHS_AFTER_FIRST = 6
# What the code hash covers: the dbt project and the Python package that builds it.
CODE_PATHS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "regeval")
CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".md"}


@dataclass(frozen=True)
class Fingerprint:
    """The extract a build read: per-month rows and checksums, the transferred persons' checksum, the code's hash."""

    months: pd.DataFrame
    transferred: str
    code: str


@dataclass(frozen=True)
class Plan:
    """A refresh from `since` (the first changed month), or a full rebuild (`since` None); `reason` says why."""

    since: dt.date | None
    reason: str


def _dated(months: pd.DataFrame) -> pd.DataFrame:
    """Months as datetime.date (None where a month could not be read), whatever DuckDB returned."""
    found = pd.to_datetime(months["month"])
    return months.assign(month=[d.date() if pd.notna(d) else None for d in found])


def _reader(path: Path) -> str:
    """The DuckDB table function for a register file, its path a bound parameter."""
    if path.suffix == ".parquet":
        return "read_parquet(?)"
    return "read_csv(?, header = true, all_varchar = true)"


def code_hash(project_dir: Path = PROJECT_DIR) -> str:
    """sha256 over the project's models, macros, seeds, dbt tests (not tests/python), configuration and Python package."""
    digest = hashlib.sha256()
    for name in CODE_PATHS:
        root = project_dir / name
        files = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in files:
            skipped = {"__pycache__", "python"} & set(path.relative_to(project_dir).parts)
            if path.is_file() and path.suffix in CODE_SUFFIXES and not skipped:
                digest.update(str(path.relative_to(project_dir)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(data_dir: Path, project_dir: Path = PROJECT_DIR) -> Fingerprint:
    """The fingerprint of the extract in data_dir (files as `validate.table_file` finds them)."""
    frames = []
    transferred = ""
    with duckdb.connect() as con:
        for table, column in MONTHLY.items():
            path = table_file(data_dir, table)
            if path is None:
                raise FileNotFoundError(f"register table {table}: no file in {data_dir}")
            rows = con.execute(
                f"select try_cast({column} as date) as month, count(*) as n_rows, "
                f"cast(sum(hash(t)) as varchar) as checksum "
                f"from {_reader(path)} as t group by 1",
                [str(path)],
            ).df()
            frames.append(rows.assign(table_name=table))
            if table == "aap_months":
                found = con.execute(
                    "select count(*), cast(coalesce(sum(hash(person_id)), 0) as varchar) from ("
                    f"select distinct person_id from {_reader(path)} "
                    "where cast(transferred_from_old_scheme as boolean))",
                    [str(path)],
                ).fetchone()
                transferred = f"{found[0]}:{found[1]}"
    months = pd.concat(frames, ignore_index=True)[["table_name", "month", "n_rows", "checksum"]]
    return Fingerprint(_dated(months), transferred, code_hash(project_dir))


def store(db_file: Path, found: Fingerprint) -> None:
    """Write the fingerprint into db_file's STATE_SCHEMA (replacing the one there)."""
    with duckdb.connect(str(db_file)) as con:
        con.execute(f"create schema if not exists {STATE_SCHEMA}")
        months = found.months  # noqa: F841 (read by DuckDB's replacement scan)
        con.execute(f"create or replace table {STATE_SCHEMA}.months as select * from months")
        con.execute(
            f"create or replace table {STATE_SCHEMA}.facts as select ? as transferred, ? as code",
            [found.transferred, found.code],
        )


def stored(db_file: Path) -> Fingerprint | None:
    """The fingerprint stored in db_file by its last build; None if it has none (or there is no file)."""
    if not db_file.exists():
        return None
    with duckdb.connect(str(db_file), read_only=True) as con:
        present = con.execute(
            "select count(*) from information_schema.tables where table_schema = ?",
            [STATE_SCHEMA],
        ).fetchone()[0]
        if present < 2:
            return None
        months = _dated(con.execute(f"select * from {STATE_SCHEMA}.months").df())
        transferred, code = con.execute(f"select * from {STATE_SCHEMA}.facts").fetchone()
    return Fingerprint(months, transferred, code)


def _first_months(months: pd.DataFrame) -> dict[str, object]:
    return months.groupby("table_name")["month"].min().to_dict()


def plan(old: Fingerprint | None, new: Fingerprint) -> Plan:
    """Refresh from the first changed month, or rebuild in full, by the rules in the module's docstring."""
    if old is None:
        return Plan(None, "no fingerprint of the extract the database was built from: full rebuild")
    if new.months["month"].isna().any():
        return Plan(None, "a month value of the extract is not a date: full rebuild")
    if old.code != new.code:
        return Plan(None, "the project's code or seeds changed since the last build: full rebuild")
    before, now = _first_months(old.months), _first_months(new.months)
    changed_first = [t for t in MONTHLY if before.get(t) != now.get(t)]
    if changed_first:
        return Plan(
            None,
            f"the first month of {', '.join(changed_first)} changed since the last build: "
            "full rebuild",
        )
    if old.transferred != new.transferred:
        return Plan(
            None,
            "the persons flagged as transferred from the old schemes changed (their earlier AAP "
            "months leave the outcomes): full rebuild",
        )
    keys = ["table_name", "month"]
    both = old.months.merge(new.months, on=keys, how="outer", suffixes=("_old", "_new"))
    differs = (both["n_rows_old"] != both["n_rows_new"]) | (
        both["checksum_old"] != both["checksum_new"]
    )
    changed = both[differs]
    last = pd.Timestamp(new.months["month"].max())
    if changed.empty:
        since = (last + pd.DateOffset(months=1)).date()
        return Plan(since, f"no month of {', '.join(MONTHLY)} changed: refresh from {since:%Y-%m}")
    since = pd.Timestamp(changed["month"].min()).date()
    first = pd.Timestamp(min(now.values()))
    if since < (first + pd.DateOffset(months=MIN_MONTHS_AFTER_FIRST)).date():
        return Plan(
            None,
            f"changes reach back to {since:%Y-%m}, within {MIN_MONTHS_AFTER_FIRST} months of the "
            "first month: full rebuild",
        )
    tables = sorted(changed.loc[changed["month"] == changed["month"].min(), "table_name"])
    return Plan(
        since,
        f"months before {since:%Y-%m} unchanged ({', '.join(tables)} changed from {since:%Y-%m}): "
        f"refresh from {since:%Y-%m}",
    )


def estimation_inputs(manifest: Path, tag: str) -> list[tuple[str, str]]:
    """The relations (schema, name) the models tagged `tag` read, from dbt's manifest; [] if there is none."""
    if not manifest.exists():
        return []
    nodes = json.loads(manifest.read_text())["nodes"]
    tagged = {key for key, node in nodes.items() if tag in node.get("tags", [])}
    parents = {
        parent
        for key in tagged
        for parent in nodes[key]["depends_on"]["nodes"]
        if parent not in tagged and parent in nodes
    }
    return sorted((nodes[p]["schema"], nodes[p]["alias"] or nodes[p]["name"]) for p in parents)


def changed_tables(
    old_db: Path, new_db: Path, relations: list[tuple[str, str]], rtol: float = RTOL
) -> list[str]:
    """The relations whose rows differ between two databases (in any order; floats within rtol).

    Two builds of the same data differ in the last bits of floating-point sums (DuckDB
    adds in parallel, in no fixed order), so a float differs only when it is further
    than rtol times its column's largest magnitude from the other build's.
    """
    changed = []
    with duckdb.connect() as con:
        con.execute("attach ? as old (read_only)", [str(old_db)])
        con.execute("attach ? as new (read_only)", [str(new_db)])
        for schema, name in relations:
            frames = [
                con.execute(f"select * from {db}.{identifier(schema)}.{identifier(name)}").df()
                for db in ("old", "new")
            ]
            if not _same_rows(*frames, rtol):
                changed.append(f"{schema}.{name}")
    return changed


def _same_rows(a: pd.DataFrame, b: pd.DataFrame, rtol: float) -> bool:
    """Same columns and rows, in any order; floating-point columns within rtol of their largest magnitude."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    floats = [c for c in a.columns if a[c].dtype.kind == "f"]
    others = [c for c in a.columns if c not in floats]
    order = others + floats
    a = a.sort_values(order, ignore_index=True, na_position="first")
    b = b.sort_values(order, ignore_index=True, na_position="first")
    if not a[others].equals(b[others]):
        return False
    for column in floats:
        x, y = a[column].to_numpy(float), b[column].to_numpy(float)
        if not np.array_equal(np.isnan(x), np.isnan(y)):
            return False
        finite = np.isfinite(x) & np.isfinite(y)
        if not np.array_equal(x[~finite & ~np.isnan(x)], y[~finite & ~np.isnan(y)]):
            return False
        scale = float(np.max(np.abs(x[finite]), initial=0.0))
        if np.any(np.abs(x[finite] - y[finite]) > rtol * scale):
            return False
    return True
