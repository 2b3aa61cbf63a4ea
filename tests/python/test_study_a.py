"""Study A: the Table 1 and Table 2 rows recomputed from the raw parquet with pandas match effects_pre_post."""

from __future__ import annotations

import pytest
from pandas_reference import CONTROL_LOW_OIL, group_rates, jobseeker_counts, pre_post

STUDY = "hedmark_2014_jobseekers"
ALL_MONTHS = (("2011-01-01", "2014-10-01"), ("2014-12-01", "2015-12-01"), None)
TABLE_1_SAME = (
    ("2010-12-01", "2014-10-01"),
    ("2014-12-01", "2015-10-01"),
    [12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
)
TABLE_2_SAME = (("2011-01-01", "2014-10-01"), ("2015-01-01", "2015-10-01"), list(range(1, 11)))

CASES = [
    ("jobseekers_dagpenger", "all_months", ALL_MONTHS),
    ("jobseekers_no_dagpenger", "all_months", ALL_MONTHS),
    ("jobseekers_dagpenger", "same_months", TABLE_1_SAME),
    ("jobseekers_no_dagpenger", "same_months", TABLE_1_SAME),
    ("new_jobseekers_dagpenger", "all_months", ALL_MONTHS),
    ("new_jobseekers_no_dagpenger", "all_months", ALL_MONTHS),
    ("new_jobseekers_dagpenger", "same_months", TABLE_2_SAME),
    ("new_jobseekers_no_dagpenger", "same_months", TABLE_2_SAME),
]


@pytest.fixture(scope="module")
def counts(small_register):
    return jobseeker_counts(small_register)


@pytest.mark.parametrize(("outcome", "variant", "windows"), CASES)
def test_tables_1_and_2_match_pandas(db, counts, outcome, variant, windows):
    pre, post, months = windows
    expected = pre_post(
        group_rates(counts, outcome, "04", CONTROL_LOW_OIL, 100.0), pre, post, months
    )
    row = db.execute(
        "select treated_pre, treated_post, control_pre, control_post, did, effect_pct "
        "from effects_pre_post where study_id = ? and outcome_id = ? and variant = ?",
        [STUDY, outcome, variant],
    ).fetchone()
    assert row is not None
    got = dict(
        zip(
            ["treated_pre", "treated_post", "control_pre", "control_post", "did", "effect_pct"], row
        )
    )
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9, rel=1e-9), key


def test_every_outcome_and_variant_of_tables_1_to_4(db):
    rows = dict(
        db.execute(
            "select outcome_id || ':' || variant, n_periods_pre from effects_pre_post where study_id = ?",
            [STUDY],
        ).fetchall()
    )
    outcomes = [
        f"{kind}_{dp}"
        for kind in [
            "jobseekers",
            "new_jobseekers",
            "duration_26_51",
            "duration_52_77",
            "duration_78_103",
            "duration_104plus",
        ]
        for dp in ["dagpenger", "no_dagpenger"]
    ]
    for outcome in outcomes:
        assert rows[f"{outcome}:all_months"] == 46
        assert f"{outcome}:same_months" in rows
    assert rows["duration_26_51_dagpenger:same_months"] == 16
    assert rows["duration_52_77_dagpenger:same_months"] == 40
    assert rows["jobseekers_dagpenger:same_months"] == 44


def test_planted_effect_shows_in_effects_pre_post(db):
    effect = db.execute(
        "select effect_pct from effects_pre_post where study_id = ? and outcome_id = 'jobseekers_dagpenger' "
        "and variant = 'all_months'",
        [STUDY],
    ).fetchone()[0]
    assert -25 < effect < -3
