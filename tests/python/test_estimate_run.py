"""The estimation models in dbt on a small simulated DuckDB file: tables, contracts, keys, invariants and planted effects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from simulated_inputs import StudySpec, combine, simulate_study, write_inputs

from regeval.dbt import run_dbt
from regeval.estimate import estimate_tables
from regeval.estimate import tables as estimate_contracts
from regeval.estimate.panels import read_inputs
from regeval.estimate.run import Rows

TABLES = estimate_contracts.columns()

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
def estimated(
    tmp_path_factory: pytest.TempPathFactory, small_register: Path
) -> tuple[Path, dict, list[str]]:
    """A simulated input database estimated by dbt's estimation models (tag estimation) and their tests.

    Returns its path, the estimate frames computed directly by estimate_tables and dbt's output lines.
    """
    work = tmp_path_factory.mktemp("estimate")
    db = work / "sim.duckdb"
    write_inputs(db, combine([simulate_study(spec) for spec in SPECS]))
    frames = estimate_tables(read_inputs(db))
    result = run_dbt(
        # headline_effects also reads marts the simulation does not make.
        ["build", "--select", "tag:estimation", "--exclude", "headline_effects"],
        db_path=db,
        data_dir=small_register,
        target_dir=work / "target",
        quiet=True,
    )
    return db, frames, (result.stdout + result.stderr).splitlines()


def read(db: Path, table: str) -> pd.DataFrame:
    """A whole table, through a read-only connection."""
    connection = duckdb.connect(str(db), read_only=True)
    try:
        return connection.execute(f"select * from main.{table}").df()
    finally:
        connection.close()


def test_dbt_builds_and_tests_the_estimate_tables(estimated) -> None:
    db, frames, lines = estimated
    assert set(frames) == set(TABLES)
    assert all(len(read(db, t)) == len(frames[t]) > 0 for t in Rows.tables())
    # The simulated inputs have no roll-out study: its tables are built, empty.
    assert all(len(read(db, t)) == len(frames[t]) == 0 for t in set(TABLES) - set(Rows.tables()))
    assert sum(spec.study_id in line for spec in SPECS for line in lines) >= 3
    assert any("Completed successfully" in line for line in lines)


def test_tables_have_their_contract_types(estimated) -> None:
    db, _, _ = estimated
    connection = duckdb.connect(str(db), read_only=True)
    duckdb_names = {"string": "varchar"}
    try:
        for table, columns in TABLES.items():
            described = connection.execute(f"describe main.{table}").fetchall()
            assert [(name, kind.lower()) for name, kind, *_ in described] == [
                (name, duckdb_names.get(kind, kind)) for name, kind in columns.items()
            ]
    finally:
        connection.close()


def test_values_pass_through_dbt_bit_for_bit(estimated) -> None:
    """The JSON hand-over to dbt loses nothing: every value equals what estimate_tables returned."""
    db, frames, _ = estimated
    for table, columns in TABLES.items():
        built = read(db, table)
        expected = frames[table].reset_index(drop=True)
        for name, kind in columns.items():
            if kind == "double":
                a = pd.to_numeric(expected[name], errors="coerce").to_numpy(dtype=float)
                b = built[name].to_numpy(dtype=float, na_value=np.nan)
                assert np.array_equal(a, b, equal_nan=True), (table, name)
            elif kind == "date":
                a, b = pd.to_datetime(expected[name]), pd.to_datetime(built[name])
                assert ((a == b) | (a.isna() & b.isna())).all(), (table, name)
            else:
                same = expected[name].astype(object).where(expected[name].notna(), None).tolist()
                assert (
                    same == built[name].astype(object).where(built[name].notna(), None).tolist()
                ), (
                    table,
                    name,
                )


def test_the_estimation_model_accepts_exactly_the_contracted_tables() -> None:
    spec = yaml.safe_load((PROJECT / "models/intermediate/_intermediate__models.yml").read_text())
    (model,) = [m for m in spec["models"] if m["name"] == "int_estimates_computed"]
    (column,) = [c for c in model["columns"] if c["name"] == "estimate_table"]
    (accepted,) = [t["accepted_values"] for t in column["data_tests"] if isinstance(t, dict)]
    assert sorted(accepted["arguments"]["values"]) == sorted(TABLES)


def test_every_contract_column_is_described() -> None:
    spec = yaml.safe_load(estimate_contracts.CONTRACTS.read_text())
    for model in spec["models"]:
        assert model["config"]["contract"]["enforced"] is True
        assert all(c.get("description") for c in model["columns"]), model["name"]


KEYS = {
    "regression_effects": ["study_id", "outcome_id", "model", "term", "inference"],
    "placebo_effects": ["study_id", "outcome_id", "model", "kind", "placebo"],
    "event_study": ["study_id", "outcome_id", "model", "period_start", "inference"],
    "inference_calibration": ["study_id", "outcome_id", "model", "method", "unit"],
    "rollout_inference": [
        "study_id",
        "outcome_id",
        "estimator",
        "weighting",
        "scale",
        "aggregation",
        "event_time",
        "cohort",
        "inference",
    ],
    "rollout_cohort_effects": ["study_id", "outcome_id", "cohort", "inference"],
    "synthetic_weights": ["study_id", "outcome_id", "model", "kind", "county_code", "period_start"],
    "synthetic_paths": ["study_id", "outcome_id", "model", "county_code", "period_start"],
    "sensitivity": ["study_id", "outcome_id", "model", "restriction", "m"],
}
# Keys set only on the rows they belong to (an aggregation, a kind of weight).
NULLABLE_KEYS = {
    "rollout_inference": {"event_time", "cohort"},
    "synthetic_weights": {"county_code", "period_start"},
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_row_invariants(estimated, table: str) -> None:
    db, _, _ = estimated
    rows = read(db, table)
    assert not rows.duplicated(KEYS[table]).any()
    required = [k for k in KEYS[table] if k not in NULLABLE_KEYS.get(table, set())]
    assert rows[required].notna().all().all()
    if "ci_low_pct" in rows:
        # Conley-Taber intervals (and the roll-out's, built the same way) need not contain it.
        inverted = rows["inference"].isin(["conley_taber", "ri_placebo_controls"])
        with_ci = rows[rows["ci_low_pct"].notna() & ~inverted]
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


def test_estimation_is_deterministic(estimated) -> None:
    db, frames, _ = estimated
    again = estimate_tables(read_inputs(db))
    for table in TABLES:
        pd.testing.assert_frame_equal(again[table], frames[table])


def test_missing_values_are_written_as_null_not_nan(estimated) -> None:
    db, _, _ = estimated
    connection = duckdb.connect(str(db), read_only=True)
    try:
        for table, table_columns in TABLES.items():
            doubles = [name for name, kind in table_columns.items() if kind == "double"]
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


def test_recommended_row_follows_the_rule_written_in_the_tables(estimated) -> None:
    # The rule, recomputed from the published tables alone: among the interval methods of
    # DID, SC and SDID whose overall calibration holds (and, for the methods that borrow
    # the controls' error, with the treated county at most 1.5x as variable), the fewest
    # false alarms in the fake studies, then the shortest median interval; when none
    # holds, the fewest false alarms of all.
    db, _, _ = estimated
    models = ["twfe_county", "sc_county", "sdid_county"]
    methods = ["placebo_t", "conley_taber", "ferman_pinto", "studentized_t", "conformal"]
    reg = read(db, "regression_effects")
    reg = reg[reg["model"].isin(models) & (reg["term"] == "post") & reg["inference"].isin(methods)]
    cal = read(db, "inference_calibration")
    cal = cal[cal["unit"] == "*"].rename(columns={"method": "inference"})
    rows = reg.merge(
        cal[
            [
                "study_id",
                "outcome_id",
                "model",
                "inference",
                "holds",
                "rejection_rate_05",
                "median_width_pct",
            ]
        ],
        on=["study_id", "outcome_id", "model", "inference"],
    ).assign(
        order=lambda f: f["model"].map(models.index) * 10 + f["inference"].map(methods.index),
        fits=lambda f: f["holds"].astype(bool) & ~(f["variance_ratio"] > 1.5),
    )
    checked = 0
    for (study_id, outcome_id), part in rows.groupby(["study_id", "outcome_id"]):
        pool = part[part["fits"]] if part["fits"].any() else part
        ranked = pool.sort_values(["rejection_rate_05", "median_width_pct", "order"])
        best = ranked.iloc[0]
        chosen = part[part["recommended"].astype(bool)]
        assert len(chosen) == 1, (study_id, outcome_id)
        assert (chosen["model"].iloc[0], chosen["inference"].iloc[0]) == (
            best["model"],
            best["inference"],
        ), (study_id, outcome_id, ranked.head(3).to_dict("records"))
        checked += 1
    assert checked == rows[["study_id", "outcome_id"]].drop_duplicates().shape[0] >= 3
