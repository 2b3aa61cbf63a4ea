"""The estimate tables of the database dbt builds from the small generated register (fixture `built_db`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def estimated_db(built_db: Path) -> Path:
    """The built database: dbt build estimates inside the DAG."""
    return built_db


def query(db: Path, sql: str) -> pd.DataFrame:
    """A query through a read-only connection."""
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return connection.execute(sql).df()
    finally:
        connection.close()


def test_pooled_regression_equals_effects_pre_post_for_every_study_and_outcome(
    estimated_db: Path,
) -> None:
    effects = query(
        estimated_db,
        "select study_id, outcome_id, effect_pct from main.effects_pre_post "
        "where variant = 'all_months' and effect_pct is not null",
    )
    pooled = query(
        estimated_db,
        "select study_id, outcome_id, estimate_pct from main.regression_effects "
        "where model = 'twfe_pooled' and term = 'post' and inference = 'permutation'",
    )
    merged = effects.merge(pooled, on=["study_id", "outcome_id"], how="left")
    assert not effects.empty
    missing = merged[merged["estimate_pct"].isna()]
    assert missing.empty, (
        f"no twfe_pooled estimate for {missing[['study_id', 'outcome_id']].values.tolist()}"
    )
    np.testing.assert_allclose(merged["estimate_pct"], merged["effect_pct"], rtol=0, atol=1e-9)


def test_every_study_outcome_has_the_county_model_with_valid_inference(estimated_db: Path) -> None:
    outcomes = query(
        estimated_db,
        "select distinct study_id, outcome_id from main.county_panel where role = 'treated' "
        "and study_id in (select study_id from study_config.studies where design = 'single_county')",
    )
    county = query(
        estimated_db,
        "select study_id, outcome_id, inference from main.regression_effects "
        "where model = 'twfe_county' and term = 'post'",
    )
    found = county.groupby(["study_id", "outcome_id"])["inference"].apply(set)
    for row in outcomes.itertuples(index=False):
        assert found.get((row.study_id, row.outcome_id), set()) >= {
            "permutation",
            "placebo_t",
            "conley_taber",
            "studentized_t",
            "conformal",
        }, row


def test_register_studies_have_the_composition_adjusted_model(estimated_db: Path) -> None:
    with_cells = query(estimated_db, "select distinct study_id, outcome_id from main.cell_panel")
    ppml = query(
        estimated_db,
        "select distinct study_id, outcome_id from main.regression_effects where model = 'ppml_cells'",
    )
    assert not with_cells.empty
    assert len(with_cells.merge(ppml)) == len(with_cells)


def test_estimates_lie_inside_their_intervals(estimated_db: Path) -> None:
    for table in ("regression_effects", "placebo_effects", "event_study"):
        bad = query(
            estimated_db,
            f"select * from main.{table} where ci_low_pct is not null "
            "and not (ci_low_pct <= estimate_pct and estimate_pct <= ci_high_pct)",
        )
        assert bad.empty, table
