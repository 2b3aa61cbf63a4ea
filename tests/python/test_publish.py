"""Disclosure control: small cells suppressed, secondary suppression, no person-level column published."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from regeval.publish import (
    PERSON_LEVEL_COLUMNS,
    PUBLISHED_TABLES,
    DisclosureError,
    counts_persons,
    outcome_parents,
    publish,
    suppress,
)

P1, P2 = "2014-01-01", "2014-02-01"
PER_1000 = "per 1000 aged 18-66"

OUTCOMES = [
    ("jobs", "percent of the labour force", 100, None),
    ("aap_inflow_total", PER_1000, 1000, "aap_inflow_total"),
    ("aap_inflow_sickness_benefit", PER_1000, 1000, "aap_inflow_total"),
    ("aap_inflow_other", PER_1000, 1000, "aap_inflow_total"),
    ("sick_leave_pct", "percent of contracted work days", 1, None),
    (
        "aap_share_two_months_after_exhaustion",
        "percent of those using up sickness benefit",
        100,
        None,
    ),
]

# (study, outcome, period, county, role, numerator, denominator)
COUNTY_ROWS = [
    ("s", "jobs", P1, "A", "treated", 20, 1000),
    ("s", "jobs", P1, "B", "control", 3, 1000),
    ("s", "jobs", P1, "C", "control", 7, 1000),
    ("s", "jobs", P1, "D", "control", 12, 1000),
    ("s", "jobs", P1, "E", "other", 1, 1000),
    ("s", "jobs", P2, "A", "treated", 2, 1000),
    ("s", "jobs", P2, "B", "control", 10, 1000),
    ("s", "jobs", P2, "C", "control", 8, 1000),
    ("s", "jobs", P2, "D", "control", 9, 1000),
    ("b", "aap_inflow_total", P1, "A", "treated", 10, 5000),
    ("b", "aap_inflow_total", P1, "B", "control", 30, 5000),
    ("b", "aap_inflow_total", P1, "C", "control", 40, 5000),
    ("b", "aap_inflow_sickness_benefit", P1, "A", "treated", 3, 5000),
    ("b", "aap_inflow_sickness_benefit", P1, "B", "control", 12, 5000),
    ("b", "aap_inflow_sickness_benefit", P1, "C", "control", 15, 5000),
    ("b", "aap_inflow_other", P1, "A", "treated", 7, 5000),
    ("b", "aap_inflow_other", P1, "B", "control", 18, 5000),
    ("b", "aap_inflow_other", P1, "C", "control", 25, 5000),
    ("b", "sick_leave_pct", P1, "A", "treated", 2.5, 5000),
    ("b", "sick_leave_pct", P1, "B", "control", 30000, 5000),
    ("b", "sick_leave_pct", P1, "C", "control", 31000, 5000),
    ("b", "aap_share_two_months_after_exhaustion", P1, "A", "treated", 1, 3),
    ("b", "aap_share_two_months_after_exhaustion", P1, "B", "control", 0, 8),
    ("b", "aap_share_two_months_after_exhaustion", P1, "C", "control", 5, 9),
]

EFFECT_OUTCOMES = [
    ("s", "jobs"),
    ("b", "sick_leave_pct"),
    ("b", "aap_inflow_total"),
    ("b", "aap_inflow_sickness_benefit"),
    ("b", "aap_inflow_other"),
]

# Cells that must be hidden: primary (1-4 persons) and secondary (to stop recovery by subtraction).
HIDDEN_COUNTY = {
    ("s", "jobs", P1, "B"),  # primary: 3
    ("s", "jobs", P1, "C"),  # secondary: control total 22 minus D would give B
    ("s", "jobs", P1, "E"),  # primary: 1 (role other)
    ("s", "jobs", P2, "A"),  # primary: 2
    ("b", "aap_inflow_sickness_benefit", P1, "A"),  # primary: 3
    ("b", "aap_inflow_other", P1, "A"),  # secondary: total 10 minus other would give it
    ("b", "aap_share_two_months_after_exhaustion", P1, "A"),  # primary: denominator 3
}
HIDDEN_GROUP = {
    ("s", "jobs", P2, "treated"),  # primary: 2
    ("b", "aap_inflow_sickness_benefit", P1, "treated"),  # primary: 3
    ("b", "aap_inflow_other", P1, "treated"),  # secondary: treated total 10 minus other
    ("b", "aap_share_two_months_after_exhaustion", P1, "treated"),  # primary: denominator 3
}
PRIMARY_COUNTY = 5
PRIMARY_GROUP = 3


def _create_database(path: Path, extra_column: str | None = None) -> Path:
    """A tiny database with the published tables, where the cells to suppress are known by hand."""
    county = pd.DataFrame(
        COUNTY_ROWS,
        columns=[
            "study_id",
            "outcome_id",
            "period_start",
            "county_code",
            "role",
            "numerator",
            "denominator",
        ],
    )
    county["period_start"] = pd.to_datetime(county["period_start"])
    scales = {o: s for o, _, s, _ in OUTCOMES}
    county["rate"] = county["outcome_id"].map(scales) * county["numerator"] / county["denominator"]
    members = county[county["role"] != "other"]
    study = (
        members.groupby(["study_id", "outcome_id", "period_start", "role"], as_index=False)
        .agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            n_counties=("county_code", "size"),
        )
        .rename(columns={"role": "grp"})
    )
    study["rate"] = study["outcome_id"].map(scales) * study["numerator"] / study["denominator"]
    outcomes = pd.DataFrame(
        OUTCOMES, columns=["outcome_id", "unit", "rate_scale", "summary_total_outcome"]
    )
    windows = pd.DataFrame(
        [(s, o, "all_months", P1, P1, P2, P2) for s, o in EFFECT_OUTCOMES]
        + [("b", "aap_share_two_months_after_exhaustion", "all_months", P1, P1, P2, P2)],
        columns=[
            "study_id",
            "outcome_id",
            "variant",
            "pre_start",
            "pre_end",
            "post_start",
            "post_end",
        ],
    )
    effects = windows[windows["outcome_id"].isin([o for _, o in EFFECT_OUTCOMES])].assign(
        treated_pre=1.0, control_pre=1.0, did=0.1, effect_pct=10.0, n_periods_pre=1
    )
    summary = pd.DataFrame(
        [
            ("b", "aap_inflow_total", "aap_inflow_total", -38.0, 10.0, 80.0, -3.8, -30.4, 100.0),
            (
                "b",
                "aap_inflow_sickness_benefit",
                "aap_inflow_total",
                -41.0,
                3.0,
                30.0,
                -1.2,
                -12.3,
                32.0,
            ),
            ("b", "aap_inflow_other", "aap_inflow_total", -28.0, 7.0, 50.0, -2.0, -14.0, 52.0),
        ],
        columns=[
            "study_id",
            "outcome_id",
            "summary_total_outcome",
            "effect_pct",
            "count_treated_pre",
            "count_national_pre",
            "persons_treated",
            "persons_national",
            "share_of_total_pct",
        ],
    )
    regression = pd.DataFrame(
        [
            ("s", "jobs", "twfe_county", "treated_post", -5.0, 40),
            ("b", "sick_leave_pct", "twfe_county", "treated_post", -7.0, 9),
        ],
        columns=["study_id", "outcome_id", "model", "term", "estimate_pct", "n_obs"],
    )
    # A roll-out table: a study and outcome with a hidden member county cell in its window
    # ("s", "jobs": B, C and A) and one without ("b", "sick_leave_pct": never suppressed).
    group_time = pd.DataFrame(
        [
            ("s", "jobs", "unweighted", "level", P2, 1, 2, -0.5, -25.0, 1.0),
            ("b", "sick_leave_pct", "unweighted", "level", P2, 1, 2, 0.1, 2.0, 1.0),
        ],
        columns=[
            "study_id",
            "outcome_id",
            "weighting",
            "scale",
            "period_start",
            "n_treated",
            "n_comparison",
            "att",
            "att_pct",
            "cohort_size",
        ],
    )
    exclusions = pd.DataFrame(
        [("s", "E", "other", "no figure for 1 period(s)")],
        columns=["study_id", "county_code", "role", "reason"],
    )
    if extra_column:
        exclusions[extra_column] = 1
    connection = duckdb.connect(str(path))
    for name, frame in {
        "county_panel": county,
        "study_panel": study,
        "outcomes": outcomes,
        "study_outcome_windows": windows,
        "effects_pre_post": effects,
        "effects_summary": summary,
        "regression_effects": regression,
        "group_time_effects": group_time,
        "study_exclusions": exclusions,
    }.items():
        connection.register("frame", frame)
        connection.execute(f"create table {name} as select * from frame")
        connection.unregister("frame")
    for name in ("study_outcome_windows", "effects_pre_post"):
        for column in ("pre_start", "pre_end", "post_start", "post_end"):
            connection.execute(f"alter table {name} alter {column} type date")
    connection.close()
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """The hand-made database published with threshold 5."""
    work = tmp_path_factory.mktemp("publish")
    summary = publish(_create_database(work / "tiny.duckdb"), work / "out", threshold=5)
    return summary, work / "out"


def read(out_dir: Path, name: str, suffix: str = ".parquet") -> pd.DataFrame:
    """A published file."""
    reader = "read_parquet" if suffix == ".parquet" else "read_csv_auto"
    return duckdb.connect().execute(f"select * from {reader}('{out_dir / (name + suffix)}')").df()


def hidden(frame: pd.DataFrame, columns: list[str]) -> set[tuple]:
    """The key of every suppressed row, periods as ISO dates."""
    rows = frame[frame["suppressed"]]
    return {
        tuple(v.date().isoformat() if isinstance(v, pd.Timestamp) else v for v in row)
        for row in rows[columns].itertuples(index=False, name=None)
    }


def test_county_panel_primary_and_secondary(published: tuple[dict, Path]) -> None:
    """Exactly the hand-checked county cells are hidden: counts of 1-4 and the next-smallest in their group."""
    _, out = published
    county = read(out, "county_panel")
    assert (
        hidden(county, ["study_id", "outcome_id", "period_start", "county_code"]) == HIDDEN_COUNTY
    )
    assert county.loc[county["suppressed"], ["numerator", "rate"]].isna().all().all()
    assert county.loc[~county["suppressed"], "numerator"].notna().all()


def test_study_panel_group_totals(published: tuple[dict, Path]) -> None:
    """Group totals of 1-4 are hidden, and a sub-outcome total is not left to give back a hidden part."""
    _, out = published
    study = read(out, "study_panel")
    assert hidden(study, ["study_id", "outcome_id", "period_start", "grp"]) == HIDDEN_GROUP


def test_share_denominator_hidden(published: tuple[dict, Path]) -> None:
    """A share whose denominator counts 1-4 persons hides the denominator too; a population denominator stays."""
    _, out = published
    county = read(out, "county_panel")
    share = county[
        (county["outcome_id"] == "aap_share_two_months_after_exhaustion")
        & (county["county_code"] == "A")
    ]
    assert share["denominator"].isna().all()
    jobs = county[(county["outcome_id"] == "jobs") & county["suppressed"]]
    assert (jobs["denominator"] == 1000).all()


def test_sick_leave_not_a_person_count(published: tuple[dict, Path]) -> None:
    """Sick leave (percent times population) is not a count of persons and is never suppressed."""
    _, out = published
    county = read(out, "county_panel")
    assert not county.loc[county["outcome_id"] == "sick_leave_pct", "suppressed"].any()


def test_effect_rows_follow_their_cells(published: tuple[dict, Path]) -> None:
    """Effect rows over a window with a hidden group cell are hidden; the total whose parts are both hidden stays."""
    _, out = published
    effects = read(out, "effects_pre_post")
    assert hidden(effects, ["study_id", "outcome_id"]) == {
        ("s", "jobs"),
        ("b", "aap_inflow_sickness_benefit"),
        ("b", "aap_inflow_other"),
    }
    assert (
        effects.loc[effects["suppressed"], ["treated_pre", "did", "effect_pct"]].isna().all().all()
    )
    assert (effects.loc[effects["suppressed"], "n_periods_pre"] == 1).all()
    summary = read(out, "effects_summary")
    assert hidden(summary, ["outcome_id"]) == {
        ("aap_inflow_sickness_benefit",),
        ("aap_inflow_other",),
    }
    total = summary[summary["outcome_id"] == "aap_inflow_total"].iloc[0]
    assert total["count_treated_pre"] == 10 and total["share_of_total_pct"] == 100
    regression = read(out, "regression_effects")
    assert hidden(regression, ["study_id", "outcome_id"]) == {("s", "jobs")}
    group_time = read(out, "group_time_effects")
    assert hidden(group_time, ["study_id", "outcome_id"]) == {("s", "jobs")}
    gone = group_time[group_time["suppressed"]]
    assert gone[["att", "att_pct", "cohort_size"]].isna().all().all()
    assert (gone["n_treated"] == 1).all()  # counts of counties are not counts of persons
    kept = group_time[~group_time["suppressed"]].iloc[0]
    assert (kept["att"], kept["att_pct"]) == (0.1, 2.0)


def test_summary_counts(published: tuple[dict, Path]) -> None:
    """The returned summary and the suppression_summary file count primary and secondary suppressions."""
    summary, out = published
    by_table = {row["table_name"]: row for row in summary["by_table"]}
    assert by_table["county_panel"]["primary_suppressions"] == PRIMARY_COUNTY
    assert by_table["county_panel"]["secondary_suppressions"] == len(HIDDEN_COUNTY) - PRIMARY_COUNTY
    assert by_table["study_panel"]["primary_suppressions"] == PRIMARY_GROUP
    assert by_table["study_panel"]["secondary_suppressions"] == len(HIDDEN_GROUP) - PRIMARY_GROUP
    assert by_table["effects_summary"]["primary_suppressions"] == 1
    file = read(out, "suppression_summary", ".csv")
    assert file["primary_suppressions"].sum() == summary["primary_suppressions"]
    assert file["secondary_suppressions"].sum() == summary["secondary_suppressions"]
    assert set(summary["not_in_database"]) == {
        "placebo_effects",
        "event_study",
        "inference_calibration",
        "event_time_effects",
        "rollout_inference",
        "rollout_cohort_effects",
    }


def test_parquet_and_csv_written(published: tuple[dict, Path]) -> None:
    """Every published table is written once as parquet and once as CSV, with the same rows."""
    summary, out = published
    for name in summary["tables"]:
        parquet, csv = read(out, name), read(out, name, ".csv")
        assert len(parquet) == len(csv)
    assert read(out, "county_panel")["period_start"].dtype.kind == "M"


def test_refuses_person_level_columns(tmp_path: Path) -> None:
    """A table holding a person-level column stops publishing before any file is written."""
    for column in sorted(PERSON_LEVEL_COLUMNS):
        database = _create_database(tmp_path / f"{column}.duckdb", extra_column=column)
        out = tmp_path / f"out_{column}"
        with pytest.raises(DisclosureError, match=column):
            publish(database, out)
        assert not out.exists() or not any(out.iterdir())


def test_units_decide_what_counts_persons() -> None:
    """Numerator and denominator person counts follow the outcome's unit."""
    assert counts_persons("percent of contracted work days") == (False, False)
    assert counts_persons("percent of the labour force") == (True, False)
    assert counts_persons("per 1000 aged 18-29") == (True, False)
    assert counts_persons("percent of decided applications") == (True, True)


def test_sub_outcome_tree_from_ids() -> None:
    """Age splits are parts of their origin outcome; origins are parts of the total."""
    outcomes = pd.DataFrame(
        {
            "outcome_id": [
                "aap_inflow_total",
                "aap_inflow_sickness_benefit",
                "aap_inflow_sickness_benefit_18_29",
                "other",
            ],
            "summary_total_outcome": [
                "aap_inflow_total",
                "aap_inflow_total",
                "aap_inflow_total",
                None,
            ],
        }
    )
    assert outcome_parents(outcomes) == {
        "aap_inflow_sickness_benefit": "aap_inflow_total",
        "aap_inflow_sickness_benefit_18_29": "aap_inflow_sickness_benefit",
    }


@pytest.fixture(scope="module")
def published_small(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """The database built on the small register, published with threshold 5."""
    out = tmp_path_factory.mktemp("publish_small")
    return publish(built_db, out, threshold=5), out


def test_no_person_level_column_in_publish_dir(published_small: tuple[dict, Path]) -> None:
    """No file in the publish directory has a person-level column."""
    _, out = published_small
    files = list(out.glob("*.parquet")) + list(out.glob("*.csv"))
    assert {f.stem for f in files} >= {
        "county_panel",
        "study_panel",
        "effects_pre_post",
        "suppression_summary",
    }
    for file in files:
        reader = "read_parquet" if file.suffix == ".parquet" else "read_csv_auto"
        columns = {
            r[0]
            for r in duckdb.connect()
            .execute(f"describe select * from {reader}('{file}')")
            .fetchall()
        }
        assert not columns & PERSON_LEVEL_COLUMNS, file.name


def test_no_small_count_published(published_small: tuple[dict, Path]) -> None:
    """No published person count is between 1 and 4, and no group relation has exactly one hidden cell."""
    _, out = published_small
    county, study = read(out, "county_panel"), read(out, "study_panel")
    persons = ~county["outcome_id"].eq("sick_leave_pct")
    assert not (persons & county["numerator"].between(1, 4)).any()
    assert not (~study["outcome_id"].eq("sick_leave_pct") & study["numerator"].between(1, 4)).any()
    members = county[county["role"].isin(["treated", "control"]) & persons]
    hidden_counties = members.groupby(["study_id", "outcome_id", "period_start", "role"])[
        "suppressed"
    ].sum()
    groups = study.set_index(["study_id", "outcome_id", "period_start", "grp"])["suppressed"]
    groups.index = groups.index.set_names(hidden_counties.index.names)
    joined = pd.concat([hidden_counties, groups.astype(int).rename("group")], axis=1, join="inner")
    assert not ((joined["suppressed"] + joined["group"]) == 1).any()


def test_share_and_its_count_hidden_together(published_small: tuple[dict, Path]) -> None:
    """On the built register, the AAP share and the exhaustion count it is a share of are hidden in exactly the same cells."""
    _, out = published_small
    county = read(out, "county_panel").drop_duplicates(
        ["outcome_id", "period_start", "county_code"]
    )
    flags = county.pivot(
        index=["period_start", "county_code"], columns="outcome_id", values="suppressed"
    )
    pairs = flags[["aap_share_two_months_after_exhaustion", "sickness_benefit_exhaustion"]].dropna()
    assert len(pairs) > 100
    assert pairs["aap_share_two_months_after_exhaustion"].sum() > 0
    assert (
        pairs["aap_share_two_months_after_exhaustion"] == pairs["sickness_benefit_exhaustion"]
    ).all()


def test_every_published_table_is_known(published_small: tuple[dict, Path]) -> None:
    """Only the shareable tables and the suppression summary are written."""
    summary, out = published_small
    assert {f.stem for f in out.glob("*.parquet")} <= {*PUBLISHED_TABLES, "suppression_summary"}
    assert summary["primary_suppressions"] > 0


@pytest.mark.parametrize(
    "name",
    [
        "it's here",
        "x' (format csv); copy (select 42 as injected) to 'injected.csv' (format csv); --",
    ],
)
def test_publish_dir_with_quotes_stays_a_path(tmp_path: Path, name: str) -> None:
    """A publish directory whose name holds quotes or SQL is written as named, and nothing else is written."""
    database = _create_database(tmp_path / "tiny.duckdb")
    parent = tmp_path / "parent"
    parent.mkdir()
    out_dir = parent / name
    summary = publish(database, out_dir, threshold=5)
    assert sorted(p.name for p in parent.iterdir()) == [name]
    written = sorted(p.name for p in out_dir.iterdir())
    assert written == sorted(
        f"{t}{s}" for t in [*summary["tables"], "suppression_summary"] for s in (".csv", ".parquet")
    )
    assert not list(tmp_path.rglob("injected*"))
    assert not list(Path.cwd().glob("injected*"))


def test_row_order_does_not_depend_on_the_database(tmp_path: Path) -> None:
    """The same rows stored in another order publish byte-identical files, sorted on their keys."""
    first = _create_database(tmp_path / "first.duckdb")
    second = _create_database(tmp_path / "second.duckdb")
    with duckdb.connect(str(second)) as connection:
        for table in ("county_panel", "study_panel", "effects_summary", "study_outcome_windows"):
            connection.execute(
                f"create table shuffled as select * from {table} order by rowid desc"
            )
            connection.execute(f"drop table {table}")
            connection.execute(f"alter table shuffled rename to {table}")
    publish(first, tmp_path / "one", threshold=5)
    publish(second, tmp_path / "two", threshold=5)
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )
    county = read(tmp_path / "one", "county_panel")
    keys = list(zip(county["study_id"], county["outcome_id"], county["period_start"], strict=True))
    assert keys == sorted(keys)


def test_hidden_denominator_not_published_as_another_numerator() -> None:
    """A share hidden in a cell hides the count of persons its denominator is published as, and the other way round."""
    share, count = "aap_share_two_months_after_exhaustion", "sickness_benefit_exhaustion"
    outcomes = pd.DataFrame(
        [
            (share, "percent of those using up sickness benefit", 100, None, count),
            (count, PER_1000, 1000, None, None),
        ],
        columns=[
            "outcome_id",
            "unit",
            "rate_scale",
            "summary_total_outcome",
            "denominator_counted_as",
        ],
    )
    # (outcome, period, county, role, numerator, denominator): in P1 the share of county A has 2
    # persons on AAP (hidden), its denominator 20 is county A's count of persons using up
    # sickness benefit; in P2 county C's count 4 is hidden, so B's count 35 is hidden to protect it
    # in the control group total, and with it B's share (its denominator is that 35).
    rows = [
        (share, P1, "A", "treated", 2, 20),
        (share, P1, "B", "control", 10, 30),
        (share, P1, "C", "control", 12, 40),
        (count, P1, "A", "treated", 20, 50000),
        (count, P1, "B", "control", 30, 60000),
        (count, P1, "C", "control", 40, 70000),
        (share, P2, "A", "treated", 6, 25),
        (share, P2, "B", "control", 7, 35),
        (share, P2, "C", "control", 1, 4),
        (count, P2, "A", "treated", 25, 50000),
        (count, P2, "B", "control", 35, 60000),
        (count, P2, "C", "control", 4, 70000),
    ]
    county = pd.DataFrame(
        [("b", *r) for r in rows],
        columns=[
            "study_id",
            "outcome_id",
            "period_start",
            "county_code",
            "role",
            "numerator",
            "denominator",
        ],
    )
    county["rate"] = county["numerator"] / county["denominator"]
    study = (
        county.groupby(["study_id", "outcome_id", "period_start", "role"], as_index=False)
        .agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"))
        .rename(columns={"role": "grp"})
    )
    study["rate"] = study["numerator"] / study["denominator"]
    windows = pd.DataFrame(
        columns=[
            "study_id",
            "outcome_id",
            "variant",
            "pre_start",
            "pre_end",
            "post_start",
            "post_end",
        ]
    )
    published, _ = suppress(
        {"county_panel": county, "study_panel": study}, outcomes, windows, threshold=5
    )
    out = published["county_panel"]
    hidden_cells = {
        (o, p, c)
        for o, p, c, h in zip(
            out["outcome_id"],
            out["period_start"],
            out["county_code"],
            out["suppressed"],
            strict=True,
        )
        if h
    }
    # P1: the share of A (numerator 2) and, with it, A's count 20; P2: B's count and B's share.
    assert {(share, P1, "A"), (count, P1, "A"), (count, P2, "B"), (share, P2, "B")} <= hidden_cells
    for outcome_id, period, county_code in [(share, P1, "A"), (share, P2, "B")]:
        row = out[
            (out["outcome_id"] == outcome_id)
            & (out["period_start"] == period)
            & (out["county_code"] == county_code)
        ]
        assert row["denominator"].isna().all()
    # No published share denominator equals a hidden count in the same cell, or the other way round.
    shares = out[out["outcome_id"] == share].set_index(["period_start", "county_code"])
    counts = out[out["outcome_id"] == count].set_index(["period_start", "county_code"])
    assert (shares["suppressed"] == counts.loc[shares.index, "suppressed"]).all()
