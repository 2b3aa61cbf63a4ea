"""The roll-out page: event-time effects with intervals, the cohorts, and the naive staggered TWFE beside them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from jinja2 import Environment

from regeval import warehouse
from regeval.identifiers import inside
from regeval.report import formatting as fmt
from regeval.report.figures import FIGURE_DIR
from regeval.report.plotting import finish, new_figure, save, zero_line
from regeval.sql import identifier

# The variant the page headlines: parallel trends in percent, each county weighted equally
# within its cohort (Callaway and Sant'Anna's default; cohorts are still weighted by size).
WEIGHTING, SCALE = "unweighted", "log"
WEIGHTING_LABEL = {
    "unweighted": "counties weighted equally",
    "denominator": "counties weighted by size",
}
INTERVAL = "ri_placebo_controls"
SHARP = "ri_sharp_null"
FIGURES_PER_PAGE = 4


@dataclass
class RolloutData:
    """One roll-out study's rows from the database."""

    study: dict
    units: pd.DataFrame
    outcomes: pd.DataFrame
    effects: pd.DataFrame
    inference: pd.DataFrame
    cohorts: pd.DataFrame
    county_names: dict[str, str]

    @property
    def study_id(self) -> str:
        return str(self.study["study_id"])


# The estimate tables of roll-out studies the page reads (besides event_time_effects).
ESTIMATE_TABLES = ("rollout_inference", "rollout_cohort_effects")


def load_rollouts(db_path: Path) -> list[RolloutData]:
    """Every roll-out study with its effect tables (an empty list when the database has none)."""
    config = identifier(warehouse.study_config_schema())
    with duckdb.connect(str(db_path), read_only=True) as connection:
        tables = warehouse.table_names(connection)
        if "event_time_effects" not in tables:
            return []

        def read(query: str, *params: object) -> pd.DataFrame:
            return connection.execute(query, list(params)).df()

        studies = read(f"select * from {config}.studies where design = 'rollout' order by study_id")
        names = dict(read("select county_code, county_name from counties").to_numpy())
        outcomes = read("select * from outcomes")
        out = []
        for study in studies.to_dict("records"):
            sid = study["study_id"]
            optional = {
                t: read(f"select * from {identifier(t)} where study_id = ?", sid)
                if t in tables
                else pd.DataFrame(columns=["study_id", "outcome_id"])
                for t in ESTIMATE_TABLES
            }
            out.append(
                RolloutData(
                    study=study,
                    units=read(f"select * from {config}.study_units where study_id = ?", sid),
                    outcomes=outcomes,
                    effects=read("select * from event_time_effects where study_id = ?", sid),
                    inference=optional["rollout_inference"],
                    cohorts=optional["rollout_cohort_effects"],
                    county_names=names,
                )
            )
    return out


def _outcome_ids(data: RolloutData) -> list[str]:
    present = set(data.effects["outcome_id"])
    return [o for o in data.outcomes["outcome_id"] if o in present]


def _label(data: RolloutData, outcome_id: str) -> str:
    row = data.outcomes[data.outcomes["outcome_id"] == outcome_id]
    return str(row["label"].iloc[0]) if len(row) else outcome_id


def _headline(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[(frame["weighting"] == WEIGHTING) & (frame["scale"] == SCALE)]


def event_figure(data: RolloutData, outcome_id: str, out_dir: Path) -> str:
    """The event-time plot of one outcome: effects with randomisation intervals; returns its path."""
    rows = _headline(data.inference)
    rows = rows[
        (rows["outcome_id"] == outcome_id)
        & (rows["aggregation"] == "event_time")
        & (rows["inference"] == INTERVAL)
    ].sort_values("event_time")
    effects = _headline(data.effects)
    effects = effects[
        (effects["outcome_id"] == outcome_id) & (effects["aggregation"] == "event_time")
    ].sort_values("event_time")
    figure, (ax,) = new_figure(1, height=3.4)
    if len(rows):
        ax.fill_between(
            rows["event_time"],
            rows["ci_low_pct"],
            rows["ci_high_pct"],
            color="#b2182b",
            alpha=0.18,
            linewidth=0,
            label="95 % interval (randomisation over never-treated counties)",
        )
    ax.plot(
        effects["event_time"],
        effects["estimate_pct"],
        color="#b2182b",
        linewidth=1,
    )
    balanced = effects["balanced"].fillna(False).astype(bool)
    ax.plot(
        effects.loc[balanced, "event_time"],
        effects.loc[balanced, "estimate_pct"],
        linestyle="none",
        marker="o",
        markersize=3,
        color="#b2182b",
        label="effect at event time, every cohort observed (cohorts weighted by size)",
    )
    if (~balanced).any():
        ax.plot(
            effects.loc[~balanced, "event_time"],
            effects.loc[~balanced, "estimate_pct"],
            linestyle="none",
            marker="o",
            markersize=3,
            markerfacecolor="white",
            color="#b2182b",
            label="only the cohorts observed that far from adoption",
        )
    zero_line(ax)
    ax.axvline(-0.5, color="#555555", linestyle=":", linewidth=1, label="adoption")
    ax.set_xlabel("months since adoption")
    ax.set_ylabel("effect, % (log scale)")
    finish(
        figure,
        [ax],
        f"{_label(data, outcome_id)}: effect by months since adoption",
        source=f"regeval, {data.study_id}: event_time_effects and rollout_inference "
        f"({WEIGHTING_LABEL[WEIGHTING]}, log rates; base = the month before each cohort's adoption).",
    )
    relative = f"{FIGURE_DIR}/{data.study_id}__{outcome_id}__event_time.png"
    save(figure, inside(out_dir, relative))
    return relative


def cohort_table(data: RolloutData, outcome_id: str) -> list[dict]:
    """One row per cohort: counties, the group-time cohort effect with its RI p, the single-county row."""
    effects = _headline(data.effects)
    inference = _headline(data.inference)
    rows = []
    for cohort, group in data.units[data.units["first_treated_month"].notna()].groupby(
        "first_treated_month"
    ):
        cohort = pd.Timestamp(cohort)
        names = ", ".join(data.county_names.get(c, c) for c in sorted(group["county_code"]))
        mine = effects[
            (effects["outcome_id"] == outcome_id)
            & (effects["aggregation"] == "cohort")
            & (pd.to_datetime(effects["cohort"]) == cohort)
        ]
        ri = inference[
            (inference["outcome_id"] == outcome_id)
            & (inference["aggregation"] == "cohort")
            & (pd.to_datetime(inference["cohort"]) == cohort)
        ]
        single = data.cohorts[
            (data.cohorts["outcome_id"] == outcome_id)
            & (pd.to_datetime(data.cohorts["cohort"]) == cohort)
            & data.cohorts["recommended"].fillna(False).astype(bool)
        ]
        interval = ri[ri["inference"] == INTERVAL]
        sharp = ri[ri["inference"] == SHARP]
        rows.append(
            {
                "cohort": fmt.month(cohort),
                "counties": names,
                "effect": _pct(mine["estimate_pct"]),
                "interval": _interval(interval),
                "p_ri": _p(interval["p_value"]),
                "p_sharp": _p(sharp["p_value"]),
                "single": _pct(single["estimate_pct"]),
                "single_interval": _interval(single),
                "single_method": str(single["inference"].iloc[0]) if len(single) else "-",
                "single_calibrated": "yes"
                if len(single) and bool(single["calibrated"].iloc[0])
                else "no",
            }
        )
    return rows


def twfe_table(data: RolloutData, outcome_id: str) -> list[dict]:
    """Per variant: the group-time overall effect, the naive TWFE and their difference."""
    rows = []
    for (weighting, scale), group in data.inference[
        data.inference["outcome_id"] == outcome_id
    ].groupby(["weighting", "scale"]):
        overall = group[group["aggregation"] == "overall"]
        cs = overall[
            (overall["estimator"] == "callaway_santanna") & (overall["inference"] == INTERVAL)
        ]
        twfe = overall[overall["estimator"] == "twfe_staggered"]
        implied = overall[overall["estimator"] == "twfe_implied_by_att"]
        if not len(cs) or not len(twfe) or not len(implied):
            continue
        a, b = float(cs["estimate_pct"].iloc[0]), float(twfe["estimate_pct"].iloc[0])
        c = float(implied["estimate_pct"].iloc[0])
        rows.append(
            {
                "variant": f"{weighting}, {scale}",
                "cs": fmt.pct(a),
                "interval": _interval(cs),
                "implied": fmt.pct(c),
                "predicted": fmt.number(c - a, 2),
                "twfe": fmt.pct(b),
                "difference": fmt.number(b - a, 2),
                "toward_zero": _toward_zero(a, c),
                "twfe_toward_zero": _toward_zero(a, b),
            }
        )
    return rows


def _toward_zero(reference: float, value: float) -> str:
    """'yes' when value is nearer zero than reference on the same side."""
    return "yes" if abs(value) < abs(reference) and np.sign(value) == np.sign(reference) else "no"


def _pct(values: pd.Series) -> str:
    """The first value as a percentage ("-" when there is none)."""
    return fmt.pct(values.iloc[0]) if len(values) else fmt.MISSING


def _p(values: pd.Series) -> str:
    """The first value as a p-value."""
    return fmt.p_value(values.iloc[0]) if len(values) else fmt.MISSING


def _interval(rows: pd.DataFrame) -> str:
    """The first row's interval in percent, "(low, high)"."""
    return fmt.ci(rows["ci_low_pct"].iloc[0], rows["ci_high_pct"].iloc[0]) if len(rows) else ""


def write_rollout(env: Environment, out_dir: Path, data: RolloutData, common: dict) -> dict:
    """Write <study_id>.html for a roll-out study; returns its index card."""
    outcome_ids = _outcome_ids(data)
    shown = outcome_ids[:FIGURES_PER_PAGE]
    sections = [
        {
            "outcome_id": o,
            "label": _label(data, o),
            "figure": event_figure(data, o, out_dir),
            "cohorts": cohort_table(data, o),
            "twfe": twfe_table(data, o),
        }
        for o in shown
    ]
    treated = data.units[data.units["first_treated_month"].notna()]
    never = data.units[data.units["first_treated_month"].isna()]
    overall = _headline(data.inference)
    overall = overall[
        (overall["aggregation"] == "overall")
        & (overall["estimator"] == "callaway_santanna")
        & (overall["inference"] == INTERVAL)
    ]
    summary = [
        {
            "label": _label(data, o),
            "effect": _pct(overall.loc[overall["outcome_id"] == o, "estimate_pct"]),
            "interval": _interval(overall[overall["outcome_id"] == o]),
            "p": _p(overall.loc[overall["outcome_id"] == o, "p_value"]),
        }
        for o in outcome_ids
    ]
    card = {
        "study_id": data.study_id,
        "title": str(data.study["title"]),
        "href": f"{data.study_id}.html",
        "treated": ", ".join(
            f"{data.county_names.get(r.county_code, r.county_code)} "
            f"({fmt.month(r.first_treated_month)})"
            for r in treated.sort_values(["first_treated_month", "county_code"]).itertuples()
        ),
        "control": f"{len(never)} never-treated counties; cohorts compared with the "
        + str(data.study.get("comparison", "never_treated")).replace("_", " "),
        "n_figures": len(sections),
    }
    html = env.get_template("rollout.html").render(
        s=card,
        sections=sections,
        summary=summary,
        weighting=WEIGHTING_LABEL[WEIGHTING],
        scale=SCALE,
        **common,
    )
    path = inside(out_dir, f"{data.study_id}.html")
    path.write_text(html, encoding="utf-8")
    return card
