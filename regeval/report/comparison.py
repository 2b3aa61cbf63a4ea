"""The comparison page of a study: DID, synthetic control and synthetic DiD side by side, weights, paths, sensitivity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from regeval.estimate.calibration import recommend
from regeval.estimate.single import INTERVAL_METHODS
from regeval.identifiers import inside
from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report import plotting as plot
from regeval.report import significance as sig
from regeval.report.data import StudyData
from regeval.report.figures import FIGURE_DIR
from regeval.report.tables import Cell, Table, _h, _n

ESTIMATORS = methods.ESTIMATOR_MODELS
SYNTHETIC = ("sc_county", "sdid_county")
RESTRICTION_LABEL = {
    "relative_magnitudes": "Relative magnitudes (Mbar)",
    "smoothness": "Smoothness (M, % of pre level per period²)",
}
SENSITIVITY_NOTE = (
    "Rambachan and Roth (2023) on the twfe_county event study: the target is the mean "
    "event-study effect over the post window. Relative magnitudes: after the intervention the "
    "trend difference may change per period by up to Mbar times the largest change seen "
    "before. Smoothness: its slope may change by up to M per period (M = 0 extrapolates the "
    "last pre slope). Robust interval: the identified set widened by the placebo-t scale of "
    "each end (the event-study covariance from the control counties' placebo event studies; a "
    "conservative simplification of the authors' conditional intervals). Breakdown: the "
    "smallest Mbar or M at which the robust interval contains 0 (0: not significant even "
    "under parallel trends)."
)


def best_row(data: StudyData, outcome_id: str, model: str) -> dict | None:
    """The estimator's own best row: the method `recommend` picks among its own, else placebo_t."""
    reg = data.regression
    rows = reg[
        (reg["outcome_id"] == outcome_id) & (reg["model"] == model) & (reg["term"] == "post")
    ]
    if rows.empty:
        return None
    overall = sig.overall(data, outcome_id, model)
    overall = overall.assign(holds=overall["holds"].map(sig.flag).astype(bool))
    candidates = tuple(m for m in INTERVAL_METHODS if m in set(rows["inference"]))
    ratios = dict(zip(rows["inference"], rows["variance_ratio"].astype(float), strict=True))
    chosen = recommend(overall, ratios, candidates) if candidates else None
    if chosen is not None and chosen.holds:
        row = rows[rows["inference"] == chosen.method].iloc[0].to_dict()
        row["_holds"] = True
        return row
    fallback = rows[rows["inference"] == "placebo_t"]
    row = (fallback if len(fallback) else rows).iloc[0].to_dict()
    row["_holds"] = False
    return row


def side_by_side(data: StudyData) -> Table | None:
    """One row per outcome and estimator: estimate, its best calibrated method's interval and p."""
    reg = data.regression
    if reg is None or reg.empty or not reg["model"].isin(SYNTHETIC).any():
        return None
    head = [
        [
            _h("Outcome"),
            _h("Estimator"),
            _h("Effect"),
            _h("Method (calibrated, fewest false alarms)"),
            _h("95 % interval"),
            _h("p"),
            _h("Recommended"),
        ]
    ]
    body = []
    for outcome_id in data.outcome_ids:
        chosen = sig.recommended_row(data, outcome_id) or {}
        label = data.outcome(outcome_id).get("label", outcome_id)
        lines = [(m, best_row(data, outcome_id, m)) for m in ESTIMATORS]
        lines = [(m, r) for m, r in lines if r is not None]
        for i, (model, row) in enumerate(lines):
            holds = row["_holds"]
            method = methods.inference(str(row["inference"])).label
            is_chosen = chosen.get("model") == model
            line = [Cell(label, "label", rowspan=len(lines))] if i == 0 else []
            line += [
                Cell(methods.model_short(model)),
                _n(fmt.pct(row.get("estimate_pct"), plus=True)),
                Cell(
                    method if holds else f"{method} (no method's calibration holds)",
                    "" if holds else "fail",
                ),
                _n(sig.interval(row) or fmt.MISSING, "" if holds else "invalid"),
                _n(fmt.p_value(row.get("p_value")), "" if holds else "invalid"),
                Cell(
                    ("✓ " + methods.inference(str(chosen.get("inference"))).label)
                    if is_chosen
                    else ""
                ),
            ]
            body.append(line)
    return Table(
        "comparison",
        "DID, synthetic control and synthetic DiD side by side",
        head,
        body,
        notes=[
            (
                "Each estimator's row shows its own inference method whose calibration on this "
                "study holds with the fewest false alarms, then the shortest median interval "
                "(every county as a fake treated one before the intervention); ✓ marks the "
                "study's recommended row over all three estimators (the same rule). Effects in "
                "percent of the treated county's pre mean."
            ),
            *[
                f"{methods.model_short(m)} assumes {methods.ESTIMATOR_ASSUMES[m]}"
                for m in ESTIMATORS
            ],
        ],
    )


def weights_table(data: StudyData, outcome_id: str, number: int) -> Table | None:
    """Unit weights of SC and SDID for one outcome (controls with a positive weight in either)."""
    weights = data.synthetic_weights
    if weights is None or weights.empty:
        return None
    rows = weights[(weights["outcome_id"] == outcome_id) & (weights["kind"] == "unit")]
    if rows.empty:
        return None
    wide = rows.pivot_table(index="county_code", columns="model", values="weight", aggfunc="first")
    wide = wide.reindex(columns=[m for m in SYNTHETIC if m in wide.columns]).fillna(0.0)
    wide = wide.sort_values(list(wide.columns), ascending=False)
    label = data.outcome(outcome_id).get("label", outcome_id)
    head = [[_h("County")] + [_h(methods.model_short(m)) for m in wide.columns]]
    body = [
        [Cell(f"{code} {data.county_names.get(str(code), str(code))}", "label")]
        + [_n(fmt.number(v, 3)) for v in values]
        for code, values in zip(wide.index, wide.to_numpy(), strict=True)
    ]
    periods = weights[(weights["outcome_id"] == outcome_id) & (weights["kind"] == "period")]
    top = periods.sort_values("weight", ascending=False).head(4)
    note = (
        "Synthetic DiD time weights (largest): "
        + ", ".join(
            f"{fmt.month(p)} {w:.2f}"
            for p, w in zip(top["period_start"], top["weight"], strict=True)
        )
        if len(top)
        else ""
    )
    return Table(
        f"weights_{number}",
        f"Unit weights: {label}",
        head,
        body,
        notes=[
            n for n in ("Non-negative weights summing to 1 over the control counties.", note) if n
        ],
        collapsed=number > 1,
    )


def sensitivity_table(data: StudyData) -> Table | None:
    """Per outcome and restriction: the effect, robust intervals on the grid of M, the breakdown."""
    table = data.sensitivity
    if table is None or table.empty:
        return None
    head = [
        [
            _h("Outcome"),
            _h("Restriction"),
            _h("Effect (event study)"),
            _h("Robust 95 % interval at each M"),
            _h("Breakdown"),
        ]
    ]
    body = []
    for outcome_id in data.outcome_ids:
        rows = table[table["outcome_id"] == outcome_id]
        if rows.empty:
            continue
        label = data.outcome(outcome_id).get("label", outcome_id)
        for i, restriction in enumerate(("relative_magnitudes", "smoothness")):
            these = rows[rows["restriction"] == restriction].sort_values("m")
            if these.empty:
                continue
            smooth = restriction == "smoothness"
            grid = "; ".join(
                f"{fmt.number(r['m_pct'] if smooth else r['m'], 2)}: "
                f"{fmt.ci(r['ci_low_pct'], r['ci_high_pct'])}"
                for r in these.to_dict("records")
            )
            first = these.iloc[0]
            line = [Cell(label, "label", rowspan=2)] if i == 0 else []
            line += [
                Cell(RESTRICTION_LABEL[restriction]),
                _n(fmt.pct(first["estimate_pct"], plus=True)),
                Cell(grid, "small"),
                _n(breakdown_text(first, smooth)),
            ]
            body.append(line)
    if not body:
        return None
    return Table(
        "sensitivity",
        "Sensitivity to violations of parallel trends",
        head,
        body,
        notes=[SENSITIVITY_NOTE],
    )


def breakdown_text(row: dict, smooth: bool) -> str:
    """'0.42' (Mbar) or '0.031 %' (M), '∞' when no M up to the cap erases the effect."""
    value = row["breakdown_pct"] if smooth else row["breakdown"]
    if fmt.is_missing(value):
        return fmt.MISSING
    if not np.isfinite(float(value)):
        return "∞"
    if float(value) == 0:
        return "0"
    return f"{float(value):.3g} %" if smooth else f"{float(value):.2f}"


def draw_paths(data: StudyData, outcome_id: str, out_dir: Path) -> str | None:
    """Treated vs synthetic path and the gap with the placebo gaps, for SC and SDID; the relative PNG path."""
    paths = data.synthetic_paths
    if paths is None or paths.empty:
        return None
    rows = paths[paths["outcome_id"] == outcome_id]
    if rows.empty:
        return None
    label = data.outcome(outcome_id).get("label", outcome_id)
    interventions = plot.Interventions.of(data.study)
    figure, axes = plot.new_figure(4, height=2.8)
    for r, model in enumerate(SYNTHETIC):
        part = rows[rows["model"] == model]
        if part.empty:
            axes[2 * r].set_visible(False)
            axes[2 * r + 1].set_visible(False)
            continue
        treated = part[part["role"] == "treated"].sort_values("period_start")
        ax = axes[2 * r]
        ax.plot(
            treated["period_start"],
            treated["outcome"],
            color=plot.TREATED,
            marker=".",
            markersize=3,
            linewidth=1.2,
            label=data.treated_label,
        )
        ax.plot(
            treated["period_start"],
            treated["synthetic"],
            color=plot.CONTROL,
            marker=".",
            markersize=3,
            linewidth=1.2,
            linestyle="--",
            label="Synthetic",
        )
        ax.set_title(f"{methods.model_short(model)}: {data.treated_label} and its synthetic path")
        plot.mark_interventions(ax, interventions, with_text=False)
        plot.date_axis(ax)
        ax = axes[2 * r + 1]
        for _, placebo in part[part["role"] == "placebo"].groupby("county_code"):
            placebo = placebo.sort_values("period_start")
            ax.plot(
                placebo["period_start"],
                placebo["gap"],
                color=plot.OTHER,
                linewidth=0.7,
                alpha=0.8,
                label="Control counties' placebo gaps",
            )
        ax.plot(
            treated["period_start"],
            treated["gap"],
            color=plot.TREATED,
            marker=".",
            markersize=3,
            linewidth=1.4,
            label=f"{data.treated_label}: gap",
        )
        plot.zero_line(ax)
        ax.set_title(f"{methods.model_short(model)}: gap (county - synthetic) and placebo gaps")
        plot.mark_interventions(ax, interventions, with_text=False)
        plot.date_axis(ax)
    unit = data.outcome(outcome_id).get("unit", "")
    plot.finish(
        figure,
        axes,
        f"{label}: synthetic control and synthetic DiD",
        f"Rates in {unit}; estimation sample (pre and post windows)."
        if unit
        else "Estimation sample (pre and post windows).",
    )
    relative = f"{FIGURE_DIR}/{data.study_id}_synthetic_{outcome_id}.png"
    plot.save(figure, inside(out_dir, relative))
    return relative


def page_context(data: StudyData, out_dir: Path, headline: tuple[str, ...]) -> dict:
    """Everything the comparison page shows for one study."""
    tables = [t for t in (side_by_side(data), sensitivity_table(data)) if t is not None]
    outcomes = []
    for number, outcome_id in enumerate(data.outcome_ids, start=1):
        figure = draw_paths(data, outcome_id, out_dir)
        weights = weights_table(data, outcome_id, number)
        if figure is None and weights is None:
            continue
        outcomes.append(
            {
                "key": outcome_id,
                "label": data.outcome(outcome_id).get("label", outcome_id),
                "figure": figure,
                "weights": weights,
                "headline": outcome_id in headline,
            }
        )
    return {"tables": tables, "outcomes": outcomes}


def has_comparison(data: StudyData) -> bool:
    """True when the study has synthetic estimator rows."""
    reg = data.regression
    return reg is not None and not reg.empty and bool(reg["model"].isin(SYNTHETIC).any())


def missing_comparison(data: StudyData) -> str:
    """Why a study with regressions has no SC/SDID rows: the fewest pre periods of its outcomes."""
    if data.regression is None or data.regression.empty or data.windows.empty:
        return ""
    panel = data.panel[data.panel["grp"] == "treated"]
    counts = []
    for window in data.windows.itertuples(index=False):
        rows = panel[panel["outcome_id"] == window.outcome_id]
        inside_pre = (rows["period_start"] >= window.pre_start) & (
            rows["period_start"] <= window.pre_end
        )
        counts.append(int(rows.loc[inside_pre, "period_start"].nunique()))
    most = max(counts, default=0)
    return (
        "Synthetic control and synthetic DiD are not estimated for this study: they fit "
        "weights to the treated county's path before the intervention and need at least 2 "
        f"pre periods, and this study's pre window holds {most} "
        f"{'period' if most == 1 else 'periods'}. The DID rows below are its only estimates."
    )


def sensitivity_summary(data: StudyData, outcome_id: str) -> str:
    """The headline sentence: robust interval under parallel trends and the breakdown values."""
    table = data.sensitivity
    if table is None or table.empty:
        return ""
    rows = table[table["outcome_id"] == outcome_id]
    if rows.empty:
        return ""
    parts = []
    for restriction, smooth in (("relative_magnitudes", False), ("smoothness", True)):
        these = rows[rows["restriction"] == restriction]
        if these.empty:
            continue
        first = these.iloc[0].to_dict()
        name = "M" if smooth else "Mbar"
        what = "smoothness, per period²" if smooth else "relative magnitudes"
        parts.append(f"{name} = {breakdown_text(first, smooth)} ({what})")
    if not parts:
        return ""
    base = rows[(rows["restriction"] == "relative_magnitudes") & (rows["m"] == 0)]
    effect = fmt.pct(base.iloc[0]["estimate_pct"], plus=True) if len(base) else fmt.MISSING
    if len(base) and sig.flag(base.iloc[0]["covers_zero"]):
        return (
            f"Sensitivity to parallel trends (Rambachan-Roth): the event-study effect {effect} "
            "is not distinguishable from 0 even under parallel trends (breakdown 0)"
        )
    return (
        f"Sensitivity to parallel trends (Rambachan-Roth): the event-study effect {effect} "
        f"stays away from 0 until {' and '.join(parts)}"
    )


def frame_or_empty(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The frame, or an empty one."""
    return frame if frame is not None else pd.DataFrame()
