"""run_estimation end to end on a small simulated DuckDB file: tables, keys, invariants and planted effects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from regeval.estimate import run_estimation
from regeval.estimate.simulate import StudySpec, combine, simulate_study, write_inputs
from regeval.estimate.write import TABLES

PROJECT = Path(__file__).resolve().parents[2]
EFFECT = -0.1
SPECS = (
    StudySpec(
        study_id="exact",
        outcomes=("a", "b"),
        n_controls=6,
        n_periods=20,
        intervention=13,
        pre_end=11,
        placebo=(5, 11),
        effect=EFFECT,
        multiplicative=True,
        n_cells=3,
        seed=1,
    ),
    StudySpec(
        study_id="noisy",
        outcomes=("c",),
        n_controls=9,
        n_periods=24,
        intervention=16,
        pre_end=14,
        placebo=(8, 14),
        effect=0.3,
        noise=0.05,
        seed=2,
    ),
    StudySpec(
        study_id="two_periods",
        outcomes=("d",),
        n_controls=5,
        n_periods=3,
        intervention=2,
        pre_end=0,
        placebo=(0, 1),
        effect=0.2,
        noise=0.05,
        seed=3,
    ),
)


@pytest.fixture(scope="module")
def estimated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, list[str]]:
    """A simulated input database, estimated once; returns its path, the summary and progress lines."""
    db = tmp_path_factory.mktemp("estimate") / "sim.duckdb"
    write_inputs(db, combine([simulate_study(spec) for spec in SPECS]))
    messages: list[str] = []
    summary = run_estimation(db, progress=messages.append)
    return db, summary, messages


def read(db: Path, table: str) -> pd.DataFrame:
    """A whole table, through a read-only connection."""
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return connection.execute(f"select * from main.{table}").df()
    finally:
        connection.close()


def test_summary_and_progress(estimated) -> None:
    db, summary, messages = estimated
    assert set(summary["rows"]) == set(TABLES)
    assert all(summary["rows"][t] == len(read(db, t)) > 0 for t in TABLES)
    assert summary["studies"] == 3 and summary["outcomes"] == 4 and summary["seconds"] > 0
    assert sum(spec.study_id in m for spec in SPECS for m in messages) >= 3


def test_tables_have_the_declared_column_types(estimated) -> None:
    db, _, _ = estimated
    connection = duckdb.connect(str(db), read_only=True)
    try:
        for table, columns in TABLES.items():
            described = connection.execute(f"describe main.{table}").fetchall()
            assert [(name, kind.lower()) for name, kind, *_ in described] == list(columns.items())
    finally:
        connection.close()


def test_sources_yaml_declares_every_written_column() -> None:
    spec = yaml.safe_load((PROJECT / "models/marts/_estimates__sources.yml").read_text())
    (source,) = spec["sources"]
    assert source["name"] == "estimates" and source["schema"] == "main"
    # The YAML writes the portable name string; DuckDB names that type varchar.
    declared = {
        table["name"]: {
            c["name"]: "varchar" if c["data_type"] == "string" else c["data_type"]
            for c in table["columns"]
        }
        for table in source["tables"]
    }
    assert declared == TABLES
    for table in source["tables"]:
        assert all(c.get("description") for c in table["columns"])


KEYS = {
    "regression_effects": ["study_id", "outcome_id", "model", "term", "inference"],
    "placebo_effects": ["study_id", "outcome_id", "model", "kind", "placebo"],
    "event_study": ["study_id", "outcome_id", "model", "period_start", "inference"],
    "inference_calibration": ["study_id", "outcome_id", "model", "method", "unit"],
    "synthetic_weights": ["study_id", "outcome_id", "model", "kind", "county_code", "period_start"],
    "synthetic_paths": ["study_id", "outcome_id", "model", "county_code", "period_start"],
    "sensitivity": ["study_id", "outcome_id", "model", "restriction", "m"],
}
NULLABLE_KEYS = {"county_code", "period_start"}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_row_invariants(estimated, table: str) -> None:
    db, _, _ = estimated
    rows = read(db, table)
    assert not rows.duplicated(KEYS[table]).any()
    required = [k for k in KEYS[table] if table != "synthetic_weights" or k not in NULLABLE_KEYS]
    assert rows[required].notna().all().all()
    if "ci_low_pct" in rows:
        with_ci = rows[rows["ci_low_pct"].notna() & (rows["inference"] != "conley_taber")]
        assert (with_ci["ci_low_pct"] <= with_ci["estimate_pct"]).all()
        assert (with_ci["estimate_pct"] <= with_ci["ci_high_pct"]).all()
    if "p_value" in rows:
        assert rows["p_value"].dropna().between(0, 1).all()
    if "ci_low" in rows:
        placebo_t = rows[rows["inference"] == "placebo_t"]
        assert placebo_t[["ci_low", "ci_high"]].notna().all().all()


def test_permutation_p_values_are_multiples_of_one_over_n0_plus_1(estimated) -> None:
    db, _, _ = estimated
    rows = read(db, "regression_effects")
    permutation = rows[(rows["inference"] == "permutation") & (rows["term"] != "pre_trend")]
    k = permutation["p_value"] * (permutation["n_controls"] + 1)
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)


def test_every_model_and_inference_is_reported(estimated) -> None:
    db, _, _ = estimated
    rows = read(db, "regression_effects")
    exact = rows[rows["outcome_id"] == "a"].set_index(["model", "term", "inference"])
    expected = (
        {
            ("twfe_pooled", "post", "hc1"),
            ("twfe_pooled", "post", "permutation"),
            ("twfe_pooled", "post", "placebo_t"),
            ("ppml_cells", "post", "cluster_county"),
            ("ppml_cells", "post", "permutation"),
            ("ppml_cells", "post", "placebo_t"),
            ("twfe_county", "pre_trend", "permutation"),
        }
        | {
            ("twfe_county", "placebo_window", inference)
            for inference in ("cluster_county", "permutation", "placebo_t")
        }
        | {
            ("twfe_county", "post", inference)
            for inference in (
                "cluster_county",
                "permutation",
                "placebo_t",
                "conley_taber",
                "ferman_pinto",
                "studentized_t",
                "studentized_permutation",
                "conformal",
            )
        }
        | {
            (model, "post", inference)
            for model in ("sc_county", "sdid_county")
            for inference in (
                "permutation",
                "placebo_t",
                "conley_taber",
                "rmspe_rank",
                "ferman_pinto",
                "studentized_t",
                "studentized_permutation",
                "conformal",
            )
        }
    )
    assert set(exact.index) == expected
    single = exact[
        exact.index.get_level_values("model").isin(["twfe_county", "sc_county", "sdid_county"])
    ]
    assert int(single["recommended"].sum()) == 1
    county_post = exact.xs(("twfe_county", "post"), level=["model", "term"])
    assert county_post.loc["cluster_county", "recommended"] == False
    assert exact.loc[("ppml_cells", "post", "placebo_t"), "estimate_pct"] == pytest.approx(
        100 * EFFECT, abs=1e-7
    )


def test_pooled_identity_with_effects_pre_post(estimated) -> None:
    db, _, _ = estimated
    rows = read(db, "regression_effects")
    pooled = rows[(rows["model"] == "twfe_pooled") & (rows["term"] == "post")]
    effects = read(db, "effects_pre_post")
    merged = effects.merge(pooled, on=["study_id", "outcome_id"])
    assert set(merged["outcome_id"]) == set(effects["outcome_id"])
    np.testing.assert_allclose(merged["estimate_pct"], merged["effect_pct"], rtol=0, atol=1e-9)


def test_placebo_loops_have_one_row_per_placebo(estimated) -> None:
    db, _, _ = estimated
    rows = read(db, "placebo_effects")
    noisy = rows[rows["study_id"] == "noisy"]
    counts = noisy.groupby("kind").size().to_dict()
    assert counts == {"time": 7, "space": 9, "leave_one_out": 9}
    time = noisy[noisy["kind"] == "time"]
    assert list(time["placebo"]) == [
        str(d.date()) for d in pd.date_range("2012-09-01", periods=7, freq="MS")
    ]
    assert set(noisy.loc[noisy["kind"] == "time", "inference"]) == {"permutation"}
    assert set(noisy.loc[noisy["kind"] == "leave_one_out", "inference"]) == {"placebo_t"}
    assert noisy.loc[noisy["kind"] == "leave_one_out", "ci_low_pct"].notna().all()
    space_k = noisy.loc[noisy["kind"] == "space", "p_value"] * 9
    np.testing.assert_allclose(space_k, np.round(space_k), atol=1e-9)


def test_event_study_is_relative_to_the_last_pre_intervention_period(estimated) -> None:
    db, _, _ = estimated
    rows = read(db, "event_study")
    noisy = rows[rows["study_id"] == "noisy"].sort_values("period_start")
    assert len(noisy) == 24
    reference = noisy[noisy["event_time"] == 0].iloc[0]
    assert reference["period_start"] == pd.Timestamp("2013-04-01")
    assert reference[["estimate", "ci_low", "ci_high"]].tolist() == [0.0, 0.0, 0.0]
    assert list(noisy["event_time"]) == list(range(-15, 9))
    exact = rows[(rows["study_id"] == "exact") & (rows["event_time"] > 0)]
    assert (exact["estimate_pct"] < 0).all()


def test_a_two_period_study_gets_the_two_by_two_did(estimated) -> None:
    db, _, _ = estimated
    rows = read(db, "regression_effects")
    short = rows[(rows["study_id"] == "two_periods") & (rows["term"] == "post")]
    assert {"twfe_pooled", "twfe_county"} <= set(short["model"])
    assert not (rows["study_id"].eq("two_periods") & rows["term"].eq("placebo_window")).any()


def test_rerun_replaces_the_tables_with_the_same_rows(estimated) -> None:
    db, summary, _ = estimated
    before = {table: read(db, table) for table in TABLES}
    again = run_estimation(db)
    assert again["rows"] == summary["rows"]
    for table in TABLES:
        pd.testing.assert_frame_equal(read(db, table), before[table])


def test_missing_values_are_written_as_null_not_nan(estimated) -> None:
    db, _, _ = estimated
    connection = duckdb.connect(str(db), read_only=True)
    try:
        for table, columns in TABLES.items():
            doubles = [name for name, kind in columns.items() if kind == "double"]
            condition = " or ".join(f"isnan({name})" for name in doubles)
            (count,) = connection.execute(
                f"select count(*) from main.{table} where {condition}"
            ).fetchone()
            assert count == 0, table
        (nulls,) = connection.execute(
            "select count(*) from main.regression_effects where inference = 'permutation' and ci_low_pct is null"
        ).fetchone()
        assert nulls > 0
    finally:
        connection.close()


def test_synthetic_weights_sum_to_one_and_paths_give_the_estimate(estimated) -> None:
    db, _, _ = estimated
    weights = read(db, "synthetic_weights")
    sums = weights.groupby(["study_id", "outcome_id", "model", "kind"])["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-9)
    assert set(weights.loc[weights["kind"] == "period", "model"]) == {"sdid_county"}
    paths = read(db, "synthetic_paths")
    treated = paths[(paths["role"] == "treated") & paths["post"]]
    mean_gap = treated.groupby(["study_id", "outcome_id", "model"])["gap"].mean()
    effects = read(db, "regression_effects")
    placebo_t = effects[effects["inference"] == "placebo_t"].set_index(
        ["study_id", "outcome_id", "model"]
    )["estimate"]
    np.testing.assert_allclose(mean_gap, placebo_t.loc[mean_gap.index], atol=1e-9)


def test_sensitivity_rows_nest_and_break_down(estimated) -> None:
    db, _, _ = estimated
    rows = read(db, "sensitivity")
    assert set(rows["restriction"]) == {"relative_magnitudes", "smoothness"}
    assert (rows["ci_low"] <= rows["lower"] + 1e-12).all()
    assert (rows["upper"] <= rows["ci_high"] + 1e-12).all()
    for _, group in rows.groupby(["study_id", "outcome_id", "restriction"]):
        group = group.sort_values("m")
        # Larger M: wider identified set (nested), and covering zero once M passes the breakdown.
        assert (np.diff(group["upper"] - group["lower"]) >= -1e-12).all()
        beyond = group[group["m"] >= group["breakdown"] * (1 + 1e-9)]
        assert beyond["covers_zero"].all()
