"""Simulated estimation inputs (the tables dbt builds) with a planted effect, for the estimation tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from regeval import warehouse
from regeval.estimate.design import StudyDesign, designs_from
from regeval.sql import identifier

Schemas = dict[str, dict[str, str]]

INPUT_TABLES: Schemas = {
    "studies": {
        "study_id": "varchar",
        "title": "varchar",
        "domain": "varchar",
        "source": "varchar",
        "intervention_month": "date",
        "earlier_intervention_month": "date",
        "placebo_start": "date",
        "placebo_end": "date",
        "gap_policy": "varchar",
        "design": "varchar",
        "comparison": "varchar",
    },
    "study_windows": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "variant": "varchar",
        "pre_start": "date",
        "pre_end": "date",
        "post_start": "date",
        "post_end": "date",
        "calendar_months": "varchar",
    },
    "study_units": {
        "study_id": "varchar",
        "county_code": "varchar",
        "role": "varchar",
        "first_treated_month": "date",
    },
    "county_panel": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "period_start": "date",
        "county_code": "varchar",
        "role": "varchar",
        "numerator": "double",
        "denominator": "double",
        "rate": "double",
        "rate_scale": "double",
        "period_type": "varchar",
    },
    "study_panel": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "period_start": "date",
        "grp": "varchar",
        "numerator": "double",
        "denominator": "double",
        "rate": "double",
        "n_counties": "integer",
    },
    "study_periods": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "period_start": "date",
        "in_pre": "boolean",
        "in_post": "boolean",
        "in_span": "boolean",
        "in_pre_intervention": "boolean",
        "before_intervention": "boolean",
        "before_first_intervention": "boolean",
        "in_placebo_window": "boolean",
    },
    # Read by the estimation model for roll-out studies: the simulation has none.
    "study_outcome_windows": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "variant": "varchar",
        "pre_start": "date",
        "post_end": "date",
    },
    "event_time_effects": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "weighting": "varchar",
        "scale": "varchar",
        "aggregation": "varchar",
        "event_time": "integer",
        "cohort": "date",
        "estimate": "double",
        "treated_base": "double",
    },
    "effects_pre_post": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "variant": "varchar",
        "treated_pre": "double",
        "treated_post": "double",
        "control_pre": "double",
        "control_post": "double",
        "did": "double",
        "effect_pct": "double",
    },
    "cell_panel": {
        "study_id": "varchar",
        "outcome_id": "varchar",
        "period_start": "date",
        "county_code": "varchar",
        "role": "varchar",
        "cell": "varchar",
        "numerator": "double",
        "denominator": "double",
    },
}


@dataclass(frozen=True)
class StudySpec:
    """One simulated study: its counties, months, windows and the planted effect."""

    study_id: str = "sim_study"
    outcomes: tuple[str, ...] = ("outcome_a",)
    n_controls: int = 11
    first_month: str = "2012-01-01"
    n_periods: int = 24
    intervention: int = 16
    pre_end: int = 14
    placebo: tuple[int, int] = (8, 14)
    effect: float = -0.1
    multiplicative: bool = False
    noise: float = 0.0
    rho: float = 0.5
    n_cells: int = 0
    n_others: int = 1
    rate_scale: float = 100.0
    seed: int = 1


def _months(spec: StudySpec) -> pd.DatetimeIndex:
    """The simulated months."""
    return pd.date_range(spec.first_month, periods=spec.n_periods, freq="MS")


def _study_rows(spec: StudySpec) -> dict[str, pd.DataFrame]:
    """The configuration rows: studies, study_windows, study_units."""
    months = _months(spec)
    counties = [f"{i:02d}" for i in range(1, spec.n_controls + 2)]
    studies = pd.DataFrame(
        {
            "study_id": [spec.study_id],
            "title": ["simulated"],
            "domain": ["sim"],
            "source": ["register"],
            "intervention_month": [months[spec.intervention]],
            "earlier_intervention_month": [pd.NaT],
            "placebo_start": [months[spec.placebo[0]]],
            "placebo_end": [months[spec.placebo[1]]],
            "gap_policy": ["exclude_county"],
            "design": ["single_county"],
            "comparison": [None],
        }
    )
    windows = pd.DataFrame(
        {
            "study_id": [spec.study_id],
            "outcome_id": ["*"],
            "variant": ["all_months"],
            "pre_start": [months[0]],
            "pre_end": [months[spec.pre_end]],
            "post_start": [months[spec.intervention]],
            "post_end": [months[-1]],
            "calendar_months": [""],
        }
    )
    units = pd.DataFrame(
        {
            "study_id": spec.study_id,
            "county_code": counties,
            "role": ["treated"] + ["control"] * spec.n_controls,
            "first_treated_month": pd.NaT,
        }
    )
    return {"studies": studies, "study_windows": windows, "study_units": units}


def _log_rates(spec: StudySpec, rng: np.random.Generator, n_counties: int) -> np.ndarray:
    """County x period rates (or log rates when multiplicative) with county and period effects and AR(1) noise."""
    county = rng.normal(0, 0.3 if spec.multiplicative else 0.5, n_counties)
    period = np.cumsum(rng.normal(0, 0.03 if spec.multiplicative else 0.05, spec.n_periods))
    noise = np.zeros((n_counties, spec.n_periods))
    shocks = rng.normal(0, spec.noise, (n_counties, spec.n_periods))
    for t in range(spec.n_periods):
        noise[:, t] = shocks[:, t] + (spec.rho * noise[:, t - 1] if t else 0.0)
    base = np.log(3.0) if spec.multiplicative else 3.0
    values = base + county[:, None] + period[None, :] + noise
    post = np.arange(spec.n_periods) >= spec.intervention
    if spec.multiplicative:
        values[0, post] += np.log1p(spec.effect)
    else:
        values[0, post] += spec.effect
    return values


def simulate_study(spec: StudySpec) -> dict[str, pd.DataFrame]:
    """Every input table for one simulated study (county 01 treated; 'other' counties after the controls)."""
    rng = np.random.default_rng(spec.seed)
    tables = _study_rows(spec)
    months = _months(spec)
    n_counties = spec.n_controls + 1 + spec.n_others
    codes = [f"{i:02d}" for i in range(1, n_counties + 1)]
    roles = ["treated"] + ["control"] * spec.n_controls + ["other"] * spec.n_others
    panels, cells = [], []
    for outcome in spec.outcomes:
        values = _log_rates(spec, rng, n_counties)
        rates = np.exp(values) if spec.multiplicative else values
        exposure = rng.uniform(2e4, 3e5, n_counties)
        grid = pd.DataFrame(
            {
                "county_code": np.repeat(codes, spec.n_periods),
                "role": np.repeat(roles, spec.n_periods),
                "period_start": np.tile(months, n_counties),
                "rate": rates.ravel(),
                "denominator": np.repeat(exposure, spec.n_periods),
            }
        )
        grid["numerator"] = grid["rate"] * grid["denominator"] / spec.rate_scale
        grid["study_id"] = spec.study_id
        grid["outcome_id"] = outcome
        grid["rate_scale"] = spec.rate_scale
        grid["period_type"] = "month"
        panels.append(grid)
        if spec.n_cells:
            cells.append(_cells(spec, grid, rng))
    county = pd.concat(panels, ignore_index=True)
    tables["county_panel"] = county
    tables["study_periods"] = study_periods(tables["studies"], tables["study_windows"], county)
    for name in ("study_outcome_windows", "event_time_effects"):
        tables[name] = pd.DataFrame(columns=list(INPUT_TABLES[name]))
    tables["study_panel"] = pool_groups(county)
    tables["effects_pre_post"] = pre_post_effects(tables["study_panel"], tables["study_windows"])
    tables["cell_panel"] = (
        pd.concat(cells, ignore_index=True)
        if cells
        else pd.DataFrame(columns=list(INPUT_TABLES["cell_panel"]))
    )
    return tables


def _cells(spec: StudySpec, grid: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Split every county-period into cells with fixed exposure shares and cell rate ratios."""
    share = rng.dirichlet(np.ones(spec.n_cells) * 5)
    ratio = np.exp(rng.normal(0, 0.4, spec.n_cells))
    rows = grid.loc[grid.index.repeat(spec.n_cells)].reset_index(drop=True)
    k = np.tile(np.arange(spec.n_cells), len(grid))
    rows["cell"] = [f"c{i}" for i in k]
    rows["denominator"] = rows["denominator"] * share[k]
    rows["numerator"] = rows["rate"] / spec.rate_scale * ratio[k] * rows["denominator"]
    keep = [
        "study_id",
        "outcome_id",
        "period_start",
        "county_code",
        "role",
        "cell",
        "numerator",
        "denominator",
    ]
    return rows[keep]


def pool_groups(county: pd.DataFrame) -> pd.DataFrame:
    """study_panel: pooled treated and control rates by period."""
    rows = county[county["role"].isin(["treated", "control"])]
    pooled = (
        rows.groupby(["study_id", "outcome_id", "period_start", "role"], as_index=False)
        .agg(
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            rate_scale=("rate_scale", "first"),
            n_counties=("county_code", "count"),
        )
        .rename(columns={"role": "grp"})
    )
    pooled["rate"] = pooled["rate_scale"] * pooled["numerator"] / pooled["denominator"]
    return pooled.drop(columns="rate_scale")


def pre_post_effects(groups: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """effects_pre_post (all_months): window means of the group rates, did and effect_pct."""
    rows = []
    for window in windows[windows["variant"] == "all_months"].itertuples(index=False):
        study = groups[groups["study_id"] == window.study_id]
        for outcome_id, part in study.groupby("outcome_id"):
            wide = part.pivot(index="period_start", columns="grp", values="rate").dropna()
            pre = (wide.index >= window.pre_start) & (wide.index <= window.pre_end)
            post = (wide.index >= window.post_start) & (wide.index <= window.post_end)
            means = {
                f"{g}_{w}": wide.loc[m, g].mean()
                for g in ("treated", "control")
                for w, m in (("pre", pre), ("post", post))
            }
            did = (means["treated_post"] - means["treated_pre"]) - (
                means["control_post"] - means["control_pre"]
            )
            rows.append(
                {
                    "study_id": window.study_id,
                    "outcome_id": outcome_id,
                    "variant": "all_months",
                    **means,
                    "did": did,
                    "effect_pct": 100 * did / means["treated_pre"],
                }
            )
    return pd.DataFrame(rows, columns=list(INPUT_TABLES["effects_pre_post"]))


def combine(studies: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Several simulated studies' tables stacked table by table."""
    return {
        name: pd.concat(
            [s[name] for s in studies if not s[name].empty] or [studies[0][name]], ignore_index=True
        )
        for name in INPUT_TABLES
    }


def write_inputs(db_path: Path, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Write simulated input tables into a DuckDB file, each in the schema dbt gives it; rows per table."""
    config = {"studies", "study_windows", "study_units"}
    written = {}
    with duckdb.connect(str(db_path)) as connection:
        for name, frame in tables.items():
            schema = identifier(warehouse.study_config_schema() if name in config else "main")
            columns = INPUT_TABLES[name]
            data = frame.reindex(columns=list(columns))
            for column, kind in columns.items():
                if kind == "date":
                    data[column] = pd.to_datetime(data[column])
                elif kind == "varchar":
                    data[column] = data[column].astype(object)
            casts = ", ".join(
                f"cast({identifier(c)} as {kind}) as {identifier(c)}" for c, kind in columns.items()
            )
            connection.execute(f"create schema if not exists {schema}")
            connection.register("frame", data)
            connection.execute(
                f"create or replace table {schema}.{identifier(name)} as select {casts} from frame"
            )
            connection.unregister("frame")
            written[name] = len(data)
    return written


def period_flags(
    periods: pd.Series,
    pre: tuple[object, object],
    post: tuple[object, object],
    intervention: object,
    placebo: tuple[object, object] | None = None,
    earlier_intervention: object = None,
) -> pd.DataFrame:
    """The study_periods flags of some periods, computed here from the window dates (windows without calendar months): the tests' own reading of the design."""
    p = pd.to_datetime(pd.Series(periods)).reset_index(drop=True)
    pre_start, pre_end = (pd.Timestamp(d) for d in pre)
    post_start, post_end = (pd.Timestamp(d) for d in post)
    intervention = pd.Timestamp(intervention)
    first = (
        intervention
        if pd.isna(earlier_intervention)
        else min(intervention, pd.Timestamp(earlier_intervention))
    )
    in_placebo = (
        (p >= pd.Timestamp(placebo[0])) & (p <= pd.Timestamp(placebo[1]))
        if placebo is not None and not pd.isna(placebo[0])
        else pd.Series(False, index=p.index)
    )
    return pd.DataFrame(
        {
            "period_start": p,
            "in_pre": (p >= pre_start) & (p <= pre_end),
            "in_post": (p >= post_start) & (p <= post_end),
            "in_span": (p >= pre_start) & (p <= post_end),
            "in_pre_intervention": (p >= pre_start) & (p < intervention),
            "before_intervention": p < intervention,
            "before_first_intervention": p < first,
            "in_placebo_window": in_placebo,
        }
    )


def study_periods(
    studies: pd.DataFrame, windows: pd.DataFrame, county: pd.DataFrame
) -> pd.DataFrame:
    """The study_periods table of simulated studies (their all_months '*' windows)."""
    parts = []
    for study in studies.itertuples(index=False):
        window = windows[
            (windows["study_id"] == study.study_id) & (windows["variant"] == "all_months")
        ].iloc[0]
        keys = county.loc[
            county["study_id"] == study.study_id, ["study_id", "outcome_id", "period_start"]
        ]
        keys = keys.drop_duplicates().reset_index(drop=True)
        flags = period_flags(
            keys["period_start"],
            (window.pre_start, window.pre_end),
            (window.post_start, window.post_end),
            study.intervention_month,
            (study.placebo_start, study.placebo_end),
            study.earlier_intervention_month,
        )
        parts.append(pd.concat([keys[["study_id", "outcome_id"]], flags], axis=1))
    return pd.concat(parts, ignore_index=True)


def simple_design(
    periods: np.ndarray,
    pre: tuple[object, object],
    post: tuple[object, object],
    intervention: object,
    placebo: tuple[object, object] | None = None,
    study_id: str = "sim",
    outcome_id: str = "outcome_a",
) -> StudyDesign:
    """A one-outcome StudyDesign over the given periods from window dates."""
    flags = period_flags(pd.Series(periods), pre, post, intervention, placebo)
    flags["study_id"], flags["outcome_id"] = study_id, outcome_id
    return designs_from(pd.DataFrame({"study_id": [study_id]}), flags)[study_id]
