"""Portable SQL: DuckDB-only constructs are forbidden in models/, macros/, tests/ and analysis/ outside macros/cross_database/.

Run by `make lint`. The dispatch layer (macros/cross_database/) holds each engine's own SQL;
everywhere else the SQL must run on DuckDB and Spark alike. Jinja and SQL comments are skipped.
Exit status 1 and one line per finding (file:line: construct) when any is found.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
CHECKED = ("models", "macros", "tests", "analysis")
DISPATCH_LAYER = Path("macros") / "cross_database"
SKIPPED = (Path("tests") / "python",)

RULES = (
    (r"\bvarchar\b", "varchar (use string)"),
    (r"\bread_parquet\s*\(", "read_parquet (register relations live in the dispatch layer)"),
    (r"\bread_csv(_auto)?\s*\(", "read_csv (register relations live in the dispatch layer)"),
    (r"\bglob\s*\(", "glob( (DuckDB's file listing)"),
    (r"\bstrftime\s*\(", "strftime (use month_label)"),
    (r"\bstrptime\s*\(", "strptime (DuckDB's date parsing)"),
    (r"\bgenerate_series\s*\(", "generate_series (use month_series)"),
    (r"\bstring_agg\s*\(", "string_agg (use string_agg_distinct)"),
    (r"\blist_agg\s*\(|\barray_agg\s*\(", "list/array aggregation (engine-specific)"),
    (r"::\s*[a-z]", ":: cast (use cast(... as ...))"),
    (r"\binterval\s+'", "quoted interval literal (use dbt.dateadd)"),
    (r",\s*\n\s*from\b", "trailing comma before from"),
    (r",\s*\n\s*\)", "trailing comma before )"),
    (
        r",\s*\n\s*\{%-?\s*end(for|if)\s*-?%\}\s*\n\s*from\b",
        "trailing comma before from (after a Jinja loop)",
    ),
)
COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.DOTALL)


def _blank_comments(text: str) -> str:
    """The text with Jinja and SQL comments replaced by spaces (newlines kept, so lines still count)."""
    return COMMENTS.sub(lambda match: re.sub(r"[^\n]", " ", match.group(0)), text)


def sql_of(path: Path, text: str) -> str:
    """The SQL of a file to check: a .sql file whole; of a YAML file, its SQL unit-test fixtures and types."""
    if path.suffix == ".sql":
        return _blank_comments(text)
    lines = text.splitlines(keepends=True)
    kept, in_fixture, indent = [], False, 0
    for line in lines:
        stripped = line.lstrip()
        if in_fixture and stripped and len(line) - len(stripped) <= indent:
            in_fixture = False
        is_type = re.search(r":\s*varchar\b", line, re.IGNORECASE)
        kept.append(line if in_fixture or is_type else "\n")
        if re.search(r"\brows:\s*\|", stripped):
            in_fixture, indent = True, len(line) - len(stripped)
    return _blank_comments("".join(kept))


def findings(path: Path, text: str) -> list[str]:
    """One line per DuckDB-only construct in the file's SQL."""
    sql = sql_of(path, text).lower()
    found = []
    for pattern, construct in RULES:
        for match in re.finditer(pattern, sql):
            line = sql.count("\n", 0, match.start()) + 1
            found.append(f"{path}:{line}: {construct}")
    return found


def checked_files(root: Path = PROJECT_DIR) -> list[Path]:
    """dbt_project.yml and the .sql and .yml files of models/, macros/, tests/ and analysis/ outside the dispatch layer."""
    files = [Path("dbt_project.yml")] if (root / "dbt_project.yml").is_file() else []
    for folder in CHECKED:
        for path in sorted((root / folder).rglob("*")):
            relative = path.relative_to(root)
            if path.suffix not in (".sql", ".yml") or not path.is_file():
                continue
            if relative.is_relative_to(DISPATCH_LAYER) or any(
                relative.is_relative_to(skipped) for skipped in SKIPPED
            ):
                continue
            files.append(relative)
    return files


def main(root: Path = PROJECT_DIR) -> int:
    """Print every finding; 1 if there is any."""
    problems = [
        problem
        for path in checked_files(root)
        for problem in findings(path, (root / path).read_text())
    ]
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} DuckDB-only construct(s) outside {DISPATCH_LAYER}/: "
            "write portable SQL or add a dispatched macro there"
        )
        return 1
    print(f"portable SQL: {len(checked_files(root))} files checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else PROJECT_DIR))
