"""Study configuration checks in the analyst's words: the two study tests of the dbt project, run by `regeval run` and `regeval check-studies`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from regeval.dbt import DbtError, run_dbt
from regeval.paths import PROJECT_DIR

# The singular dbt tests that check the study seeds (tests/): on their own, and against the
# months the outcomes have data for. Each stops with one error listing every problem.
CONFIGURATION_TEST = "assert_study_configuration_is_valid"
DATA_RANGE_TEST = "assert_study_windows_within_the_data"
STUDY_SEEDS = ("studies", "study_units", "study_windows", "study_measures")
ERROR_PREFIX = re.compile(r"^.*?(Invalid Input Error|Error): ", re.DOTALL)


class StudyConfigurationError(ValueError):
    """The study seeds are inconsistent; the text has one line per problem ('study <id>: ...')."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("the study configuration has problems:\n" + "\n".join(self.problems))


def _problems_of(message: str) -> list[str]:
    """The problem lines of a failed study test's message (the error text the test raised)."""
    text = ERROR_PREFIX.sub("", message or "", count=1)
    lines = [line.strip() for line in text.splitlines()]
    return [line for line in lines if line.startswith("study ")]


def problems_from_run(target_dir: Path) -> list[str]:
    """The study problems found by the last dbt command of target_dir (an empty list when the study tests passed or did not run)."""
    results_file = Path(target_dir) / "run_results.json"
    if not results_file.exists():
        return []
    problems = []
    for result in json.loads(results_file.read_text())["results"]:
        name = result["unique_id"].split(".")[-1]
        if name not in (CONFIGURATION_TEST, DATA_RANGE_TEST):
            continue
        if result["status"] in ("error", "fail"):
            problems += _problems_of(result.get("message") or "") or [
                f"study configuration: {name} failed ({result.get('message')})"
            ]
    return problems


def raise_for_study_problems(target_dir: Path) -> None:
    """Raise StudyConfigurationError when the last dbt command of target_dir found study problems."""
    problems = problems_from_run(target_dir)
    if problems:
        raise StudyConfigurationError(problems)


def check_studies(
    db_path: Path, data_dir: Path, work_dir: Path, project_dir: Path = PROJECT_DIR
) -> tuple[list[str], bool]:
    """The study seeds checked on their own and, when db_path holds a built database, against its months of data.

    Works on a copy under work_dir (the database is never written). Returns (problems, whether
    the months of data were checked).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    scratch = work_dir / "check_studies.duckdb"
    scratch.unlink(missing_ok=True)
    with_data = Path(db_path).exists()
    seeds, tests = list(STUDY_SEEDS), [CONFIGURATION_TEST]
    if with_data:
        shutil.copyfile(db_path, scratch)
        tests.append(DATA_RANGE_TEST)
    else:
        seeds += ["counties", "outcomes"]
    target_dir = work_dir / "target"
    try:
        # Seeds, then both tests in one `dbt test`, so that each runs whatever the other finds.
        for command in (["seed", "--select", *seeds], ["test", "--select", *tests]):
            run_dbt(
                command,
                db_path=scratch,
                data_dir=data_dir,
                target_dir=target_dir,
                quiet=True,
                project_dir=project_dir,
            )
    except DbtError as error:
        problems = problems_from_run(target_dir)
        if not problems:
            raise StudyConfigurationError([f"study configuration: {error}"]) from None
        return problems, with_data
    finally:
        scratch.unlink(missing_ok=True)
    return [], with_data
