"""Every column of every built model and seed without a yml description, from the database and dbt's manifest.

Usage: scripts/undocumented_columns.py [DATABASE] [--manifest target/manifest.json]

DATABASE (default $REGEVAL_DB or regeval.duckdb) is a built DuckDB file; the manifest is
written by `dbt parse` (or any dbt command). The columns are those of the built relations
(duckdb_columns()), matched to the project's models and seeds by relation name (the node's
alias), in whatever schema they were built. Prints one line per problem and exits 1 when
there is any: a column without a description (or with an empty one), a column described in
yml that the relation does not have, and a model or seed that is not in the database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

KINDS = ("model", "seed")


@dataclass(frozen=True)
class Node:
    """A model or seed of the project: its relation name, yml file and described columns."""

    kind: str
    name: str
    relation: str
    yml: str
    descriptions: dict[str, str]


def project_nodes(manifest: dict) -> list[Node]:
    """The project's models and seeds (not those of installed packages), ephemeral models left out."""
    project = manifest.get("metadata", {}).get("project_name") or "regeval"
    nodes = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in KINDS or node["package_name"] != project:
            continue
        if node.get("config", {}).get("materialized") == "ephemeral":
            continue
        patch = node.get("patch_path") or ""
        nodes.append(
            Node(
                kind=node["resource_type"],
                name=node["name"],
                relation=(node.get("alias") or node["name"]).lower(),
                yml=patch.split("://", 1)[-1] if patch else "",
                descriptions={
                    name.lower(): (column.get("description") or "").strip()
                    for name, column in node.get("columns", {}).items()
                },
            )
        )
    return sorted(nodes, key=lambda n: (n.kind, n.name))


def built_columns(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list[str]]]:
    """Columns of every table and view of the database, by relation name and then schema, in order."""
    rows = connection.execute(
        """
        select schema_name, table_name, column_name
        from duckdb_columns()
        where database_name = current_database()
        order by schema_name, table_name, column_index
        """
    ).fetchall()
    relations: dict[str, dict[str, list[str]]] = {}
    for schema, table, column in rows:
        relations.setdefault(table.lower(), {}).setdefault(schema, []).append(column.lower())
    return relations


def problems(nodes: list[Node], relations: dict[str, dict[str, list[str]]]) -> list[str]:
    """One line per undocumented column, column documented but absent, and node not built."""
    found = []
    for node in nodes:
        where = node.yml or "no yml entry"
        schemas = relations.get(node.relation)
        if not schemas:
            found.append(f"{node.kind} {node.name}: not in the database (build it first)")
            continue
        for schema, columns in sorted(schemas.items()):
            for column in columns:
                if not node.descriptions.get(column):
                    found.append(
                        f"{schema}.{node.relation}.{column}: no description ({node.kind}, {where})"
                    )
            for column in sorted(set(node.descriptions) - set(columns)):
                found.append(
                    f"{schema}.{node.relation}.{column}: described in {where} "
                    f"but not a column of the {node.kind}"
                )
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the problems and a count; 1 when there is any, 2 when an input is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "database", nargs="?", default=os.environ.get("REGEVAL_DB", "regeval.duckdb")
    )
    parser.add_argument("--manifest", default="target/manifest.json")
    args = parser.parse_args(argv)
    for path, hint in ((args.database, "build it first"), (args.manifest, "run dbt parse")):
        if not Path(path).is_file():
            print(f"{path}: no such file ({hint})", file=sys.stderr)
            return 2
    nodes = project_nodes(json.loads(Path(args.manifest).read_text()))
    with duckdb.connect(args.database, read_only=True) as connection:
        relations = built_columns(connection)
    found = problems(nodes, relations)
    for line in found:
        print(line)
    checked = sum(len(c) for n in nodes for c in relations.get(n.relation, {}).values())
    print(
        f"{len(found)} problem(s); {checked} columns of {len(nodes)} models and seeds checked "
        f"in {args.database}"
    )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
