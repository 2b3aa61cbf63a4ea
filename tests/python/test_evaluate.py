"""`regeval.evaluate` and `regeval evaluate` on panels written by hand: values, periods, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import regeval
from regeval.anypanel import PanelInputError
from regeval.cli import main

# Four counties, 2001-2006, treated A from 2005; weights constant within a county.
HAND = """county,year,rate,pop
A,2001,10,100
A,2002,11,100
A,2003,10.5,100
A,2004,12,100
A,2005,9,100
A,2006,8.5,100
B,2001,20,300
B,2002,21.5,300
B,2003,20.2,300
B,2004,22,300
B,2005,22.4,300
B,2006,21.9,300
C,2001,15,200
C,2002,15.8,200
C,2003,15.1,200
C,2004,16.5,200
C,2005,16.9,200
C,2006,16.2,200
D,2001,12,150
D,2002,12.4,150
D,2003,12.9,150
D,2004,13.1,150
D,2005,13.8,150
D,2006,13.0,150
"""
# By hand: A's change is (9 + 8.5) / 2 - (10 + 11 + 10.5 + 12) / 4 = 8.75 - 10.875 = -2.125.
# Control changes: B 22.15 - 20.925 = 1.225, C 16.55 - 15.6 = 0.95, D 13.4 - 12.6 = 0.8,
# weighted by population: (300 * 1.225 + 200 * 0.95 + 150 * 0.8) / 650 = 677.5 / 650.
HAND_DID = -2.125 - 677.5 / 650
HAND_UNWEIGHTED_DID = -2.125 - (1.225 + 0.95 + 0.8) / 3
KEYS = {"unit": "county", "period": "year", "outcome": "rate", "treated": "A", "intervention": 2005}


@pytest.fixture()
def hand(tmp_path: Path) -> Path:
    path = tmp_path / "hand.csv"
    path.write_text(HAND, encoding="utf-8")
    return path


def test_weighted_and_unweighted_did_by_hand(hand: Path) -> None:
    frame = pd.read_csv(hand)
    tidy = regeval.evaluate(frame, weight="pop", **KEYS).tidy()
    weighted = tidy[tidy["estimator"] == "did"]
    assert weighted["estimate"].to_numpy() == pytest.approx(HAND_DID, abs=1e-12)
    assert weighted["estimate_pct"].iloc[0] == pytest.approx(100 * HAND_DID / 10.875)
    plain = regeval.evaluate(frame, **KEYS).tidy()
    assert plain["estimate"].iloc[0] == pytest.approx(HAND_UNWEIGHTED_DID, abs=1e-12)
    # A lies below every control before 2005, so its synthetic control is D alone:
    # 8.75 - (13.8 + 13.0) / 2 = -4.65.
    sc = tidy[tidy["estimator"] == "sc"]
    assert sc["estimate"].to_numpy() == pytest.approx(-4.65, abs=1e-9)


def test_tidy_has_the_promised_columns_and_one_recommended_row(hand: Path) -> None:
    result = regeval.evaluate(pd.read_csv(hand), weight="pop", **KEYS)
    tidy = result.tidy()
    for column in (
        "estimator",
        "inference",
        "term",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "recommended",
        "estimate_pct",
    ):
        assert column in tidy.columns
    assert int(tidy["recommended"].sum()) == 1
    assert set(tidy["estimator"]) == {"did", "sc", "sdid"}
    assert tidy.loc[tidy["recommended"], "inference"].iloc[0] == result.recommendation.method
    assert tidy.loc[tidy["recommended"], "estimator"].iloc[0] == result.recommendation.estimator
    # 3 units before the intervention, 4 years: too few fake studies, said so.
    assert not result.calibration_holds and "no method's calibration holds" in result.reason
    assert "cluster_unit" in set(tidy["inference"])
    assert not tidy.loc[tidy["inference"] == "cluster_unit", "recommended"].iloc[0]


@pytest.mark.parametrize(
    "periods, intervention",
    [
        (["2014-01", "2014-02", "2014-03", "2014-04", "2014-05", "2014-06"], "2014-05"),
        (["2013Q3", "2013Q4", "2014Q1", "2014Q2", "2014Q3", "2014Q4"], "2014Q3"),
        ([1, 2, 3, 4, 5, 6], 5),
    ],
)
def test_periods_as_months_quarters_or_integers(hand: Path, periods: list, intervention) -> None:
    frame = pd.read_csv(hand)
    frame["year"] = np.tile(periods, 4)
    keys = {**KEYS, "intervention": intervention}
    tidy = regeval.evaluate(frame, weight="pop", **keys).tidy()
    assert tidy["estimate"].iloc[0] == pytest.approx(HAND_DID, abs=1e-12)


def test_planted_effect_on_a_larger_panel_is_recovered_and_calibrated() -> None:
    rng = np.random.default_rng(4)
    n, t = 16, 48
    frame = pd.DataFrame(
        {"unit": np.repeat([f"u{i}" for i in range(n)], t), "month": np.tile(np.arange(t), n)}
    )
    noise = rng.normal(0, 0.05, n * t)
    level = np.repeat(rng.normal(3, 0.5, n), t) + np.tile(np.cumsum(rng.normal(0, 0.05, t)), n)
    effect = -0.4 * ((frame["unit"] == "u0") & (frame["month"] >= 36))
    frame["y"] = level + noise + effect
    result = regeval.evaluate(
        frame, unit="unit", period="month", outcome="y", treated="u0", intervention=36
    )
    tidy = result.tidy()
    assert tidy["estimate"].iloc[0] == pytest.approx(-0.4, abs=0.06)
    recommended = result.recommended
    assert recommended["ci_low"] <= -0.4 <= recommended["ci_high"]
    assert recommended["p_value"] < 0.05
    summary = result.calibration.summary
    assert summary.loc[summary["unit"] == "*", "n_fake_studies"].min() >= 100
    assert result.calibration_holds


BAD_INPUT = [
    (lambda f: f.drop(columns="rate"), "column 'rate' (outcome) is not in the panel"),
    (lambda f: pd.concat([f, f.iloc[[3]]]), "rows repeat a unit-period at rows 4, 25"),
    (lambda f: f.assign(county=f["county"].replace("A", "Z")), "treated unit 'A' is not"),
    (lambda f: f.assign(rate=f["rate"].astype(str).where(f.index != 7, "n/a")), "row 8"),
    (lambda f: f.assign(pop=f["pop"].where(f.index != 2, 0)), "column 'pop'"),
    (lambda f: f.assign(year=f["year"].astype(str).where(f.index != 5, "soon")), "'soon'"),
]


@pytest.mark.parametrize("change, message", BAD_INPUT)
def test_bad_input_names_the_column_and_rows(hand: Path, change, message: str) -> None:
    frame = change(pd.read_csv(hand))
    with pytest.raises(PanelInputError) as raised:
        regeval.evaluate(frame, weight="pop", **KEYS)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "intervention, message",
    [
        (2010, "outside the periods of column 'year'"),
        (2001, "outside the periods"),
        (2002, "1 period(s) before"),
    ],
)
def test_intervention_must_leave_two_pre_periods(hand: Path, intervention, message: str) -> None:
    with pytest.raises(PanelInputError, match=None) as raised:
        regeval.evaluate(pd.read_csv(hand), weight="pop", **{**KEYS, "intervention": intervention})
    assert message in str(raised.value)


def test_cli_prints_a_table_and_writes_the_tidy_csv(hand: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out" / "effects.csv"
    code = main(
        [
            "evaluate",
            str(hand),
            "--unit",
            "county",
            "--period",
            "year",
            "--outcome",
            "rate",
            "--weight",
            "pop",
            "--treated",
            "A",
            "--intervention",
            "2005",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "studentized_t" in printed and "recommended:" in printed
    written = pd.read_csv(out)
    assert written["estimate"].iloc[0] == pytest.approx(HAND_DID, abs=1e-12)
    assert int(written["recommended"].sum()) == 1


def test_cli_bad_input_is_one_line_and_writes_nothing(hand: Path, tmp_path: Path) -> None:
    out = tmp_path / "effects.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "regeval.cli",
            "evaluate",
            str(hand),
            "--unit",
            "county",
            "--period",
            "year",
            "--outcome",
            "missing",
            "--treated",
            "A",
            "--intervention",
            "2005",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "column 'missing' (outcome)" in lines[0]
    assert not out.exists()


def test_cli_refuses_other_file_types(tmp_path: Path) -> None:
    path = tmp_path / "panel.xlsx"
    path.write_text("x", encoding="utf-8")
    assert (
        main(
            [
                "evaluate",
                str(path),
                "--unit",
                "u",
                "--period",
                "p",
                "--outcome",
                "y",
                "--treated",
                "a",
                "--intervention",
                "1",
            ]
        )
        == 1
    )
