"""The planted roll-out: it leaves every other row of the register as it was, and removes rows at the planted rate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regeval.generate import counties, generate_register, months
from regeval.generate.rollout import STUDY_ID, RollOut

SCALE, SEED = 0.05, 11
TABLES = (
    "labour_force_months",
    "population_years",
    "sickness_benefit_exhaustions",
    "aap_applications",
    "aap_months",
    "sick_leave_quarters",
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same register generated with the shipped roll-out and with none."""
    with_rollout = tmp_path_factory.mktemp("with")
    without = tmp_path_factory.mktemp("without")
    generate_register(with_rollout, SCALE, SEED)
    generate_register(without, SCALE, SEED, roll_out=RollOut(adoption=()))
    return with_rollout, without


def test_other_tables_and_counties_unchanged(pair):
    """Every table but jobseeker_months is identical, and so are its rows outside the adopting counties."""
    with_rollout, without = pair
    for table in TABLES:
        a = pd.read_parquet(with_rollout / f"{table}.parquet")
        b = pd.read_parquet(without / f"{table}.parquet")
        pd.testing.assert_frame_equal(a, b, obj=table)
    a = pd.read_parquet(with_rollout / "jobseeker_months.parquet")
    b = pd.read_parquet(without / "jobseeker_months.parquet")
    adopters = [code for code, _ in RollOut().adoption]
    keep_a = ~a["county_code"].isin(adopters)
    keep_b = ~b["county_code"].isin(adopters)
    pd.testing.assert_frame_equal(
        a[keep_a].reset_index(drop=True), b[keep_b].reset_index(drop=True)
    )
    # In the adopting counties nothing is added and nothing changes before adoption.
    key = ["person_id", "month"]
    joined = a[~keep_a].merge(b[~keep_b], on=key, how="left", indicator=True)
    assert (joined["_merge"] == "both").all()


def test_rows_removed_at_the_planted_rate(pair):
    """In each adopting county and month the share of rows kept is 1 - d(e) within a binomial band."""
    with_rollout, without = pair
    plan = RollOut()
    a = pd.read_parquet(with_rollout / "jobseeker_months.parquet")
    b = pd.read_parquet(without / "jobseeker_months.parquet")
    kept = a.groupby(["county_code", "month"]).size()
    total = b.groupby(["county_code", "month"]).size()
    checked = 0
    for code, start in plan.adoption:
        for month in total.loc[code].index:
            e = months.index(str(pd.Timestamp(month))[:7]) - months.index(start)
            n = int(total.loc[(code, month)])
            k = int(kept.get((code, month), 0))
            p = 1 - float(plan.reduction(e))
            if e < 0:
                assert k == n
                continue
            # Rows of one period are dependent across months but not within one: binomial per month.
            assert abs(k - n * p) <= 5 * np.sqrt(n * p * (1 - p)) + 1, (code, month, k, n, p)
            checked += 1
    assert checked > 50


def test_truth_lists_the_planted_effects(pair):
    """truth.json names the adoption months and the effect by event time: -100 d(e)."""
    truth = json.loads((pair[0] / "truth.json").read_text())[STUDY_ID]
    plan = RollOut()
    assert truth["adoption"] == {code: f"{start}-01" for code, start in plan.adoption}
    by_event = truth["expected_effect_pct_by_event_time"]
    assert by_event["0"] == pytest.approx(-100 * plan.first_reduction)
    assert by_event["3"] == pytest.approx(-100 * (plan.first_reduction + 3 * plan.monthly_growth))
    assert by_event["20"] == pytest.approx(-100 * plan.full_reduction)
    assert len(by_event) == months.LAST - months.index("2012-09") + 1
    assert set(truth["adoption"]) <= set(counties.CODES)
