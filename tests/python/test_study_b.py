"""Study B: the Table 1 effect of aap_inflow_total and the Table 3 rows recomputed from raw parquet with pandas."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas_reference import aap_inflow_counts, group_rates, pre_post

STUDY = "hedmark_2014_aap"
PRE = ("2012-04-01", "2013-03-01")
POST = ("2014-04-01", "2015-03-01")
OTHERS = [
    "01",
    "02",
    "03",
    "05",
    "06",
    "07",
    "08",
    "09",
    "10",
    "11",
    "12",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "20",
]


@pytest.fixture(scope="module")
def inflow(small_register):
    return aap_inflow_counts(small_register)


def _effect(inflow: pd.DataFrame, outcome: str) -> dict:
    return pre_post(group_rates(inflow, outcome, "04", OTHERS, 1000.0), PRE, POST, None)


def test_table_1_aap_inflow_total_matches_pandas(db, inflow):
    expected = _effect(inflow, "aap_inflow_total")
    got = db.execute(
        "select treated_pre, treated_post, control_pre, control_post, did, effect_pct from effects_pre_post "
        "where study_id = ? and outcome_id = 'aap_inflow_total' and variant = 'all_months'",
        [STUDY],
    ).fetchone()
    for key, value in zip(
        ["treated_pre", "treated_post", "control_pre", "control_post", "did", "effect_pct"], got
    ):
        assert value == pytest.approx(expected[key], abs=1e-9, rel=1e-9), key


def test_table_3_rows_match_pandas(db, inflow):
    in_pre = (pd.to_datetime(inflow["month"]) >= PRE[0]) & (
        pd.to_datetime(inflow["month"]) <= PRE[1]
    )
    pre_rows = inflow[in_pre]
    persons = {}
    for outcome in ["aap_inflow_total", "aap_inflow_sickness_benefit"]:
        fraction = _effect(inflow, outcome)["effect_pct"] / 100
        treated_count = pre_rows.loc[pre_rows["county_code"] == "04", outcome].sum()
        persons[outcome] = (fraction * treated_count, fraction * pre_rows[outcome].sum())
    for outcome, (treated, national) in persons.items():
        row = db.execute(
            "select persons_treated, persons_national, share_of_total_pct from effects_summary "
            "where study_id = ? and outcome_id = ?",
            [STUDY, outcome],
        ).fetchone()
        assert row[0] == pytest.approx(treated, abs=1e-9, rel=1e-9)
        assert row[1] == pytest.approx(national, abs=1e-9, rel=1e-9)
        assert row[2] == pytest.approx(100 * treated / persons["aap_inflow_total"][0], rel=1e-9)


def test_every_study_b_outcome_is_in_the_marts(db):
    outcomes = {
        "sick_leave_pct",
        "sickness_benefit_exhaustion",
        "aap_share_two_months_after_exhaustion",
        "aap_inflow_total",
        "aap_inflow_sickness_benefit",
        "aap_inflow_other",
        "aap_inflow_sickness_benefit_18_29",
        "aap_inflow_sickness_benefit_30_66",
        "aap_inflow_other_18_29",
        "aap_inflow_other_30_66",
        "aap_applications",
        "aap_rejection_pct",
    }
    for table in ["county_panel", "study_panel", "effects_pre_post"]:
        found = {
            r[0]
            for r in db.execute(
                f"select distinct outcome_id from {table} where study_id = ?", [STUDY]
            ).fetchall()
        }
        assert found == outcomes, table
    summary = {
        r[0]
        for r in db.execute(
            "select outcome_id from effects_summary where study_id = ?", [STUDY]
        ).fetchall()
    }
    assert summary == {o for o in outcomes if o.startswith("aap_inflow")}
    quarters = db.execute(
        "select count(*) from effects_pre_post where study_id = ? and outcome_id = 'sick_leave_pct' "
        "and n_periods_pre = 4 and n_periods_post = 4",
        [STUDY],
    ).fetchone()[0]
    assert quarters == 1
