"""The one rule for names that become file names or relations (study_id, outcome_id), and the check that a path stays in its directory.

The pattern lives in dbt_project.yml (vars.identifier_pattern), where the dbt test
`valid_identifier` on the study and outcome seeds reads it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from regeval.paths import PROJECT_DIR


class BadIdentifierError(ValueError):
    """A name that would become a file name or relation breaks the identifier rule."""


@cache
def pattern() -> str:
    """The identifier pattern, from dbt_project.yml's vars.identifier_pattern."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return str(project["vars"]["identifier_pattern"])


def is_identifier(name: object) -> bool:
    """True when name matches the identifier pattern (lowercase letters, digits, _; 1 to 64 characters)."""
    return isinstance(name, str) and re.fullmatch(pattern(), name) is not None


def check_identifiers(kind: str, names: Iterable[object], where: str) -> None:
    """Raise BadIdentifierError naming every value of `kind` in `where` that breaks the rule."""
    bad = sorted({_shown(n) for n in names if not is_identifier(n)})
    if bad:
        raise BadIdentifierError(
            f"{where}: {kind} {', '.join(bad)} must match {pattern()} "
            "(1-64 lowercase letters, digits or _)"
        )


def _shown(name: object) -> str:
    """A name as quoted in a message, long ones cut to 80 characters."""
    text = str(name)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def inside(base: Path, relative: str | Path) -> Path:
    """base / relative, refused unless the resolved path stays under the resolved base."""
    root = Path(base).resolve()
    path = (root / relative).resolve()
    if path != root and root not in path.parents:
        raise BadIdentifierError(f"refusing to write {path}: outside {root}")
    return path


# Seed files and their columns that become file names or relations.
SEED_IDENTIFIERS = (
    ("studies/studies.csv", "study_id"),
    ("studies/study_units.csv", "study_id"),
    ("studies/study_windows.csv", "study_id"),
    ("studies/study_measures.csv", "study_id"),
    ("reference/outcomes.csv", "outcome_id"),
)


def check_seed_identifiers(project_dir: Path = PROJECT_DIR) -> None:
    """Raise BadIdentifierError when a study or outcome id in the seed files breaks the rule (before dbt runs)."""
    import csv

    for relative, column in SEED_IDENTIFIERS:
        path = project_dir / "seeds" / relative
        with path.open(newline="", encoding="utf-8") as handle:
            names = [row.get(column) for row in csv.DictReader(handle)]
        check_identifiers(column, names, f"seeds/{relative}")
