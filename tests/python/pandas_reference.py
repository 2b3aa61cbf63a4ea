"""A second, independent implementation of the study definitions in pandas, read from the raw parquet files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CONTROL_LOW_OIL = ["01", "03", "05", "06", "07", "08", "16", "17", "18", "19", "20"]


def month_index(dates: pd.Series) -> pd.Series:
    """Months since year 0 (consecutive integers for consecutive months)."""
    dates = pd.to_datetime(dates)
    return dates.dt.year * 12 + dates.dt.month - 1


def jobseeker_counts(data_dir: Path) -> pd.DataFrame:
    """Study A counts by county and month (stocks and new job seekers, with and without dagpenger)."""
    js = pd.read_parquet(data_dir / "jobseeker_months.parquet")
    js["mi"] = month_index(js["month"])
    js = js.sort_values(["person_id", "mi"]).reset_index(drop=True)
    previous = js.groupby("person_id")["mi"].shift(1)
    first = js["mi"].min()
    js["is_new"] = (js["mi"] >= first + 2) & (previous.isna() | (js["mi"] - previous >= 3))
    dagpenger_months = set(
        zip(js.loc[js["has_dagpenger"], "person_id"], js.loc[js["has_dagpenger"], "mi"])
    )
    new = js[js["is_new"]]
    with_dp = np.zeros(len(new), dtype=bool)
    for k in range(4):
        with_dp |= np.array(
            [(p, m + k) in dagpenger_months for p, m in zip(new["person_id"], new["mi"])]
        )
    js["new_dp"] = False
    js.loc[new.index, "new_dp"] = with_dp
    js["new_no_dp"] = js["is_new"] & ~js["new_dp"]
    counts = (
        js.assign(
            jobseekers_dagpenger=js["has_dagpenger"],
            jobseekers_no_dagpenger=~js["has_dagpenger"],
            new_jobseekers_dagpenger=js["new_dp"],
            new_jobseekers_no_dagpenger=js["new_no_dp"],
        )
        .groupby(["county_code", "month"])[
            [
                "jobseekers_dagpenger",
                "jobseekers_no_dagpenger",
                "new_jobseekers_dagpenger",
                "new_jobseekers_no_dagpenger",
            ]
        ]
        .sum()
    )
    labour = pd.read_parquet(data_dir / "labour_force_months.parquet").set_index(
        ["county_code", "month"]
    )
    out = labour.join(counts, how="left").fillna(0).reset_index()
    out["mi"] = month_index(out["month"])
    last_countable = js["mi"].max() - 3
    for column in ["new_jobseekers_dagpenger", "new_jobseekers_no_dagpenger"]:
        out.loc[(out["mi"] < first + 2) | (out["mi"] > last_countable), column] = np.nan
    return out.rename(columns={"labour_force": "denominator"})


def group_rates(
    counts: pd.DataFrame, outcome: str, treated: str, controls: list[str], scale: float
) -> pd.DataFrame:
    """Pooled monthly rates of the treated county and the control group: scale x sum(count) / sum(denominator)."""
    rows = counts.dropna(subset=[outcome])
    result = {}
    for name, codes in [("treated", [treated]), ("control", controls)]:
        group = rows[rows["county_code"].isin(codes)].groupby("month")
        result[name] = scale * group[outcome].sum() / group["denominator"].sum()
    return pd.DataFrame(result)


def pre_post(
    rates: pd.DataFrame, pre: tuple[str, str], post: tuple[str, str], months: list[int] | None
) -> dict:
    """Window means and the relative effect, 100 x did / treated pre mean."""
    index = pd.to_datetime(rates.index)

    def mean(window: tuple[str, str]) -> pd.Series:
        keep = (index >= pd.Timestamp(window[0])) & (index <= pd.Timestamp(window[1]))
        if months:
            keep &= index.month.isin(months)
        return rates[keep].mean()

    before, after = mean(pre), mean(post)
    did = (after["treated"] - before["treated"]) - (after["control"] - before["control"])
    return {
        "treated_pre": before["treated"],
        "treated_post": after["treated"],
        "control_pre": before["control"],
        "control_post": after["control"],
        "did": did,
        "effect_pct": 100 * did / before["treated"],
    }


def aap_inflow_counts(data_dir: Path) -> pd.DataFrame:
    """New AAP recipients by county and month, total and from sickness benefit, transferred persons left out."""
    aap = pd.read_parquet(data_dir / "aap_months.parquet")
    transferred = set(aap.loc[aap["transferred_from_old_scheme"], "person_id"])
    aap = aap[~aap["person_id"].isin(transferred)].copy()
    aap["mi"] = month_index(aap["month"])
    first = month_index(pd.read_parquet(data_dir / "aap_months.parquet")["month"]).min()
    aap = aap.sort_values(["person_id", "mi"])
    previous = aap.groupby("person_id")["mi"].shift(1)
    new = aap[(aap["mi"] >= first + 1) & (previous.isna() | (aap["mi"] - previous >= 2))].copy()
    exhaustions = pd.read_parquet(data_dir / "sickness_benefit_exhaustions.parquet")
    exhausted = set(zip(exhaustions["person_id"], month_index(exhaustions["exhaustion_month"])))
    new["from_sb"] = [
        any((p, m - k) in exhausted for k in range(4)) for p, m in zip(new["person_id"], new["mi"])
    ]
    counts = new.groupby(["county_code", "month"]).agg(
        aap_inflow_total=("person_id", "size"), aap_inflow_sickness_benefit=("from_sb", "sum")
    )
    population = pd.read_parquet(data_dir / "population_years.parquet")
    pop = (
        population.groupby(["county_code", "year"])["population"]
        .sum()
        .rename("denominator")
        .reset_index()
    )
    months = pd.DataFrame(
        {
            "month": pd.date_range(
                pd.Timestamp(aap["month"].min()) + pd.DateOffset(months=1),
                aap["month"].max(),
                freq="MS",
            )
        }
    )
    months["month"] = months["month"].dt.date
    months["year"] = pd.to_datetime(months["month"]).dt.year
    grid = months.merge(pop, on="year")
    grid = grid.set_index(["county_code", "month"]).join(counts, how="left").fillna(0).reset_index()
    return grid
