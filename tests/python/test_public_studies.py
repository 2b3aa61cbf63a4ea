"""The public-data studies: gap detection, quarterly Q2 periods, and the unemployment pre/post rows recomputed from the seed CSV."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas_reference import CONTROL_LOW_OIL, group_rates, pre_post

from regeval.paths import PROJECT_DIR

UNEMPLOYMENT = "hedmark_2014_public_unemployment"
AAP = "hedmark_2014_public_aap"
SEED = PROJECT_DIR / "seeds" / "public" / "nav_fully_unemployed_county_month.csv"
WINDOWS = {
    "all_months": (("2011-01-01", "2014-10-01"), ("2014-12-01", "2015-12-01"), None),
    "same_months": (
        ("2010-12-01", "2014-10-01"),
        ("2014-12-01", "2015-10-01"),
        [12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ),
}


def test_ostfold_is_excluded_with_its_gaps(db):
    rows = db.execute(
        "select county_code, is_excluded, missing_periods, reason from study_exclusions where study_id = ?",
        [UNEMPLOYMENT],
    ).fetchall()
    assert len(rows) == 1
    code, excluded, missing, reason = rows[0]
    assert code == "01" and excluded
    assert missing == "2010-12, 2011-01, 2011-02, 2011-03, 2012-07"
    assert "5 period(s)" in reason
    assert (
        db.execute(
            "select count(*) from county_panel where study_id = ? and county_code = '01'",
            [UNEMPLOYMENT],
        ).fetchone()[0]
        == 0
    )


def test_control_count_drops_by_one_in_every_period(db):
    counts = db.execute(
        "select distinct n_counties from study_panel where study_id = ? and grp = 'control' "
        "and period_start between date '2010-12-01' and date '2015-12-01'",
        [UNEMPLOYMENT],
    ).fetchall()
    assert counts == [(len(CONTROL_LOW_OIL) - 1,)]


def test_aap_q2_periods_are_second_quarters(db):
    periods = db.execute(
        "select distinct period_start, period_type from study_panel where study_id = ? order by 1",
        [AAP],
    ).fetchall()
    assert [p[0].isoformat() for p in periods] == [f"{y}-04-01" for y in range(2011, 2019)]
    assert {p[1] for p in periods} == {"quarter"}
    assert db.execute(
        "select n_periods_pre, n_periods_post from effects_pre_post where study_id = ?", [AAP]
    ).fetchone() == (1, 1)
    n_control = db.execute(
        "select distinct n_counties from study_panel where study_id = ? and grp = 'control' "
        "and period_start <= date '2017-04-01'",
        [AAP],
    ).fetchall()
    assert n_control == [(18,)]


@pytest.mark.parametrize("variant", ["all_months", "same_months"])
def test_unemployment_pre_post_matches_pandas(db, variant):
    seed = pd.read_csv(SEED, dtype={"county_code": str})
    seed["month"] = pd.to_datetime(seed["month"])
    seed = seed.rename(columns={"labour_force": "denominator"})
    pre, post, months = WINDOWS[variant]
    in_windows = (seed["month"] >= pre[0]) & (seed["month"] <= post[1])
    expected_months = seed.loc[in_windows, "month"].nunique()
    complete = [
        c
        for c in CONTROL_LOW_OIL
        if seed.loc[in_windows & (seed["county_code"] == c), "month"].nunique() == expected_months
    ]
    assert "01" not in complete and len(complete) == 10
    rates = group_rates(seed, "fully_unemployed", "04", complete, 100.0)
    expected = pre_post(rates, pre, post, months)
    got = db.execute(
        "select treated_pre, treated_post, control_pre, control_post, did, effect_pct from effects_pre_post "
        "where study_id = ? and outcome_id = 'fully_unemployed' and variant = ?",
        [UNEMPLOYMENT, variant],
    ).fetchone()
    for key, value in zip(
        ["treated_pre", "treated_post", "control_pre", "control_post", "did", "effect_pct"], got
    ):
        assert value == pytest.approx(expected[key], abs=1e-9, rel=1e-9), key
