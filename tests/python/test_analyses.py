"""The articles' tables as dbt analyses (analysis/): each compiled analysis, run on a built and
estimated database, has the rows, columns and numbers of the report's table for the same
article table (regeval.report, on the same database)."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from regeval.dbt import run_dbt
from regeval.paths import PROJECT_DIR
from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report.build import study_report, study_tables
from regeval.report.data import StudyData, load
from regeval.report.tables import VARIANTS, Table

STUDY_A = "hedmark_2014_jobseekers"
STUDY_B = "hedmark_2014_aap"
# analysis name -> (study, the article table it reproduces)
ANALYSES = {
    "study_a_table1_jobseekers": (STUDY_A, "Table 1"),
    "study_a_table2_new_jobseekers": (STUDY_A, "Table 2"),
    "study_a_table3_duration_dagpenger": (STUDY_A, "Table 3"),
    "study_a_table4_duration_no_dagpenger": (STUDY_A, "Table 4"),
    "study_a_table5_regression": (STUDY_A, "Table 5"),
    "study_b_table1_effects": (STUDY_B, "Table 1"),
    "study_b_table3_effects_in_persons": (STUDY_B, "Table 3"),
}
LINES = ("pre", "post", "change", "effect_pct")
NUMBER = re.compile(r"[-+]?\d+(?:\.(\d+))?")


@pytest.fixture(scope="module")
def estimated_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built database (dbt build estimates inside the DAG)."""
    db = tmp_path_factory.mktemp("analyses") / "regeval.duckdb"
    shutil.copyfile(built_db, db)
    return db


@pytest.fixture(scope="module")
def compiled(
    estimated_db: Path, small_register: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """`dbt compile` of the analyses: name -> compiled SQL."""
    target = tmp_path_factory.mktemp("analyses_target")
    run_dbt(
        ["compile", "--select", "path:analysis"],
        db_path=estimated_db,
        data_dir=small_register,
        target_dir=target,
        quiet=True,
    )
    folder = target / "compiled" / "regeval" / "analysis"
    return {path.stem: path.read_text() for path in sorted(folder.glob("*.sql"))}


@pytest.fixture(scope="module")
def studies(estimated_db: Path) -> dict[str, StudyData]:
    """The report's data of every study, read from the same database."""
    return {data.study_id: data for data in load(estimated_db)}


def run(db: Path, sql: str) -> pd.DataFrame:
    """The result of a compiled analysis on the database (read-only)."""
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.execute(sql).df()


def report_table(data: StudyData, article: str, regression: bool = False) -> Table:
    """The report's table of a study that reproduces an article table."""
    tables = [
        t
        for t in study_tables(data, study_report(data))
        if t.article == article and t.key.startswith("regression_") == regression
    ]
    assert len(tables) == 1, (data.study_id, article, [t.key for t in tables])
    return tables[0]


def missing(value: object) -> bool:
    """NULL, NaN or NaT."""
    return value is None or bool(pd.isna(value))


def agrees(text: str, value: object) -> bool:
    """True when a report cell's leading number is the value rounded as printed ("–" for NULL)."""
    text = text.replace("\u00a0", "").replace(" ", "")
    if text.startswith(fmt.MISSING):
        return missing(value)
    if missing(value):
        return False
    match = NUMBER.search(text)
    assert match, text
    decimals = len(match.group(1) or "")
    return abs(float(match.group(0)) - float(value)) <= 0.5 * 10**-decimals + 1e-9


def body_cells(line: list) -> tuple[list[str], list[str]]:
    """(header texts, other cell texts) of a report body line."""
    return [c.text for c in line if c.header], [c.text for c in line if not c.header]


def window_text(row: pd.Series) -> str:
    """The pre or post window of an analysis line as the report labels it."""
    return fmt.window(row["window_start"], row["window_end"], row["calendar_months"])


def test_one_analysis_per_article_table_and_each_compiles(compiled: dict[str, str]) -> None:
    on_disk = {path.stem for path in (PROJECT_DIR / "analysis").glob("*.sql")}
    assert on_disk == set(ANALYSES)
    assert set(compiled) == set(ANALYSES)
    for name, sql in compiled.items():
        assert "{{" not in sql and "{%" not in sql, name
        assert (
            '"effects_pre_post"' in sql
            or '"effects_summary"' in sql
            or ('"regression_effects"' in sql)
        ), name


@pytest.mark.parametrize("name", ["study_a_table1_jobseekers", "study_a_table2_new_jobseekers"])
def test_study_a_outcomes_side_by_side(
    name: str, compiled: dict[str, str], estimated_db: Path, studies: dict[str, StudyData]
) -> None:
    study_id, article = ANALYSES[name]
    table = report_table(studies[study_id], article)
    frame = run(estimated_db, compiled[name])
    # the outcomes are the column groups of the report's header, in its order
    outcomes = [
        next(
            o
            for o in studies[study_id].outcome_ids
            if studies[study_id].outcome(o)["label"] == c.text
        )
        for c in table.head[0]
        if c.colspan == 3
    ]
    assert len(outcomes) == 2
    trios = [f"{o}_{part}" for o in outcomes for part in ("treated", "control", "difference")]
    assert list(frame.columns) == [
        "variant",
        "line",
        "window_start",
        "window_end",
        "calendar_months",
        *trios,
    ]
    assert len(frame) == len(table.body) == 8
    variant = None
    for (_, row), line in zip(frame.iterrows(), table.body, strict=True):
        headers, cells = body_cells(line)
        if len(headers) == 2:
            variant = next(k for k, v in VARIANTS.items() if v == headers[0])
        assert row["variant"] == variant
        label = headers[-1]
        assert label.split(" (")[0].lower().replace("effect", "effect_pct") == row["line"]
        if row["line"] in ("pre", "post"):
            assert label == f"{row['line'].title()} ({window_text(row)})"
        else:
            assert missing(row["window_start"]) and missing(row["calendar_months"])
        if row["line"] == "effect_pct":
            assert len(cells) == 2
            for outcome, cell in zip(outcomes, cells, strict=True):
                assert agrees(cell, row[f"{outcome}_difference"]), (cell, row)
                assert missing(row[f"{outcome}_treated"]) and missing(row[f"{outcome}_control"])
        else:
            assert len(cells) == 6
            for column, cell in zip(trios, cells, strict=True):
                assert agrees(cell, row[column]), (column, cell, row[column])


@pytest.mark.parametrize(
    "name", ["study_a_table3_duration_dagpenger", "study_a_table4_duration_no_dagpenger"]
)
def test_study_a_duration_groups_one_under_the_other(
    name: str, compiled: dict[str, str], estimated_db: Path, studies: dict[str, StudyData]
) -> None:
    study_id, article = ANALYSES[name]
    data = studies[study_id]
    table = report_table(data, article)
    frame = run(estimated_db, compiled[name])
    assert list(frame.columns) == [
        "outcome_id",
        "outcome",
        "variant",
        "line",
        "window_start",
        "window_end",
        "calendar_months",
        "treated",
        "control",
        "difference",
    ]
    # 4 duration groups x 2 variants x 4 lines
    assert len(frame) == len(table.body) == 32
    outcome = variant = None
    for (_, row), line in zip(frame.iterrows(), table.body, strict=True):
        headers, cells = body_cells(line)
        if len(headers) == 3:
            outcome = headers.pop(0)
        if len(headers) == 2:
            text = headers.pop(0)
            variant = next(k for k, v in VARIANTS.items() if v == text)
        assert (row["outcome"], row["variant"]) == (outcome, variant)
        assert data.outcome(row["outcome_id"])["label"] == outcome
        if row["line"] in ("pre", "post"):
            assert headers[0] == f"{row['line'].title()} ({window_text(row)})"
        if row["line"] == "effect_pct":
            assert agrees(cells[0], row["difference"]), (cells[0], row["difference"])
            assert missing(row["treated"]) and missing(row["control"])
        else:
            assert headers[0].split(" (")[0].lower() == row["line"]
            for column, cell in zip(("treated", "control", "difference"), cells, strict=True):
                assert agrees(cell, row[column]), (column, cell, row[column])
    # the article's 26-51 weeks same-months windows end in April (before the lower inflow reaches it)
    short = frame[
        frame["outcome_id"].str.startswith("duration_26_51")
        & (frame["variant"] == "same_months")
        & (frame["line"] == "post")
    ]
    assert list(short["calendar_months"]) == ["1|2|3|4"]


def test_study_a_table5_regression(
    compiled: dict[str, str], estimated_db: Path, studies: dict[str, StudyData]
) -> None:
    data = studies[STUDY_A]
    table = report_table(data, "Table 5", regression=True)
    assert table.key == "regression_twfe_county"
    frame = run(estimated_db, compiled["study_a_table5_regression"])
    terms = [("effect", "post"), ("placebo", "placebo_window"), ("pre_trend", "pre_trend")]
    term_columns = [
        f"{prefix}_{column}"
        for prefix, _ in terms
        for column in ("estimate_pct", "ci_low_pct", "ci_high_pct", "p_value", "p_value_holm")
    ]
    assert list(frame.columns) == [
        "outcome_id",
        "outcome",
        "inference",
        "recommended",
        "calibrated",
        *term_columns,
        "n_obs",
    ]
    # the report's column groups are the same terms in the same order
    groups = [c.text for c in table.head[0] if c.colspan == 4]
    assert len(groups) == 3 and groups[0].startswith("Effect after") and groups[2] == "Pre-trend"
    assert len(frame) == len(table.body)
    assert frame["outcome_id"].nunique() == 12
    # One recommended row per outcome over all estimators: in this table (twfe_county) at most
    # one, when the recommended estimator is SC or SDID none (the comparison page shows it).
    assert frame.groupby("outcome_id")["recommended"].sum().le(1).all()
    outcome = None
    for (_, row), line in zip(frame.iterrows(), table.body, strict=True):
        cells = [c.text for c in line]
        if line[0].header:
            outcome = cells.pop(0)
            obs = cells.pop()
            assert int(obs.replace("\u00a0", "")) == row["n_obs"]
        assert row["outcome"] == outcome
        name = cells[0].split(" ✓")[0].removesuffix(" †")
        assert methods.inference(row["inference"]).label == name
        assert ("✓" in cells[0]) == bool(row["recommended"])
        for i, (prefix, _) in enumerate(terms):
            estimate, interval, p, holm = cells[1 + 4 * i : 5 + 4 * i]
            assert agrees(estimate, row[f"{prefix}_estimate_pct"]), (prefix, estimate, row)
            low, high = row[f"{prefix}_ci_low_pct"], row[f"{prefix}_ci_high_pct"]
            if missing(low):
                assert interval == "" or "∞" in interval, interval
            else:
                first, second = interval.strip("()").split(", ")
                assert agrees(first, low) and agrees(second, high), (interval, low, high)
            for text, value in (
                (p, row[f"{prefix}_p_value"]),
                (holm, row[f"{prefix}_p_value_holm"]),
            ):
                if text == "<0.001":
                    assert value < 0.001
                else:
                    assert agrees(text, value), (prefix, text, value)


def test_study_b_table1_every_outcome(
    compiled: dict[str, str], estimated_db: Path, studies: dict[str, StudyData]
) -> None:
    data = studies[STUDY_B]
    table = report_table(data, "Table 1")
    frame = run(estimated_db, compiled["study_b_table1_effects"])
    assert list(frame.columns) == [
        "outcome_id",
        "outcome",
        "unit",
        "pre_start",
        "pre_end",
        "post_start",
        "post_end",
        "a_treated_pre",
        "b_treated_post",
        "c_control_pre",
        "d_control_post",
        "did",
        "effect_pct",
    ]
    assert len(frame) == len(table.body) == 12
    for (_, row), line in zip(frame.iterrows(), table.body, strict=True):
        cells = [c.text for c in line]
        assert cells[0] == f"{row['outcome']} ({row['unit']})"
        period_type = data.outcome(row["outcome_id"])["period_type"]
        assert cells[1] == fmt.window(row["pre_start"], row["pre_end"], "", period_type)
        assert cells[2] == fmt.window(row["post_start"], row["post_end"], "", period_type)
        columns = ("a_treated_pre", "b_treated_post", "c_control_pre", "d_control_post", "did")
        for column, cell in zip((*columns, "effect_pct"), cells[3:], strict=True):
            assert agrees(cell, row[column]), (column, cell, row[column])
    # the article's identity, on the analysis's own columns
    identity = (frame["b_treated_post"] - frame["a_treated_pre"]) - (
        frame["d_control_post"] - frame["c_control_pre"]
    )
    assert (identity - frame["did"]).abs().max() < 1e-9
    assert ((100 * frame["did"] / frame["a_treated_pre"]) - frame["effect_pct"]).abs().max() < 1e-9


def test_study_b_table3_effects_in_persons(
    compiled: dict[str, str], estimated_db: Path, studies: dict[str, StudyData]
) -> None:
    data = studies[STUDY_B]
    table = report_table(data, "Table 3")
    frame = run(estimated_db, compiled["study_b_table3_effects_in_persons"])
    assert list(frame.columns) == [
        "outcome_id",
        "subgroup",
        "part_of",
        "effect_pct",
        "persons_treated",
        "persons_national",
        "share_of_total_pct",
    ]
    assert len(frame) == len(table.body) == 7
    for (_, row), line in zip(frame.iterrows(), table.body, strict=True):
        cells = [c.text for c in line]
        nested = cells[0].startswith("– ")
        assert cells[0].removeprefix("– ") == row["subgroup"]
        assert nested == (not missing(row["part_of"]))
        for column, cell in zip(
            ("effect_pct", "persons_treated", "persons_national", "share_of_total_pct"),
            cells[1:],
            strict=True,
        ):
            assert agrees(cell, row[column]), (column, cell, row[column])
    parts = dict(zip(frame["outcome_id"], frame["part_of"], strict=True))
    assert parts["aap_inflow_other_30_66"] == "aap_inflow_other"
    assert parts["aap_inflow_sickness_benefit_18_29"] == "aap_inflow_sickness_benefit"
    assert missing(parts["aap_inflow_sickness_benefit"]) and missing(parts["aap_inflow_total"])
    # shares are of the total's persons: the total's own share is 100 %
    shares = frame.set_index("outcome_id")["share_of_total_pct"]
    assert math.isclose(shares["aap_inflow_total"], 100.0)
