"""Quoting for the few names that must be pasted into SQL text; values and file names go in as bound parameters."""

from __future__ import annotations


def string_literal(text: str) -> str:
    """A SQL string literal ('it''s'), for the places DuckDB takes no parameter (e.g. table functions in a view)."""
    return "'" + str(text).replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier: double quotes, inner double quotes doubled."""
    return '"' + str(name).replace('"', '""') + '"'
