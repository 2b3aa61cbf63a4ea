"""The report's figures, drawn generically from a study's figure groups (outcome lists by domain)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from regeval.identifiers import inside
from regeval.report import catalogue as cat
from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report import plotting as plot
from regeval.report import significance as sig
from regeval.report.data import StudyData

FIGURE_DIR = "figures"
KIND_TITLES = {
    cat.SERIES: "",
    cat.DIFFERENCE: "difference",
    cat.DUAL_DIFFERENCE: "differences",
    cat.COUNTY_CHANGE: "",
    cat.EVENT_STUDY: "event study",
    cat.PLACEBO_TIME: "placebo in time",
    cat.PLACEBO_SPACE: "placebo in space",
    cat.LEAVE_ONE_OUT: "leaving out one control county",
}
ESTIMATE_TABLES = {
    cat.EVENT_STUDY: "event_study",
    cat.PLACEBO_TIME: "placebo_effects",
    cat.PLACEBO_SPACE: "placebo_effects",
    cat.LEAVE_ONE_OUT: "placebo_effects",
}
PLACEBO_KINDS = {
    cat.PLACEBO_TIME: "time",
    cat.PLACEBO_SPACE: "space",
    cat.LEAVE_ONE_OUT: "leave_one_out",
}


@dataclass(frozen=True)
class FigureOut:
    """A figure written to disk, or the reason it was not drawn."""

    group: str
    kind: str
    title: str
    path: str | None
    caption: str = ""
    missing: str = ""


@dataclass(frozen=True)
class Context:
    """What every figure of one study needs."""

    data: StudyData
    out_dir: Path
    source: str
    interventions: plot.Interventions
    note: str

    def path(self, group: cat.FigureGroup, kind: str) -> tuple[Path, str]:
        """The file of a figure and its link relative to the report root."""
        relative = f"{FIGURE_DIR}/{self.data.study_id}/{group.key}_{kind}.png"
        return inside(self.out_dir, relative), relative


def exclusion_note(data: StudyData) -> str:
    """The note on figures saying which counties the gap policy left out."""
    codes = data.excluded_codes
    if not codes:
        return ""
    names = ", ".join(data.county_names.get(c, c) for c in codes)
    return f"Left out of the study for missing periods (gap policy): {names}."


def source_line(data: StudyData, register_is_synthetic: bool) -> str:
    """The figure source line by the study's data source."""
    if str(data.study.get("source")) == "public":
        return "Source: NAV, SSB; own calculations."
    if register_is_synthetic:
        return "Source: synthetic register (regeval), own calculations."
    return "Source: NAV register data; own calculations."


def _series(data: StudyData, outcome_id: str, grp: str) -> pd.DataFrame:
    """One group's rate series of an outcome, by period."""
    rows = data.panel[(data.panel["outcome_id"] == outcome_id) & (data.panel["grp"] == grp)]
    return rows.sort_values("period_start")[["period_start", "rate"]]


def _difference(data: StudyData, outcome_id: str) -> pd.DataFrame:
    """Treated minus control rate of an outcome, by period."""
    treated = _series(data, outcome_id, "treated").set_index("period_start")["rate"]
    control = _series(data, outcome_id, "control").set_index("period_start")["rate"]
    diff = (treated - control).dropna()
    return diff.rename("diff").reset_index()


def _window_row(data: StudyData, outcome_id: str) -> dict | None:
    """The all-months pre/post row of an outcome (the first variant when there is none)."""
    rows = data.effects[data.effects["outcome_id"] == outcome_id]
    if rows.empty:
        return None
    preferred = rows[rows["variant"] == "all_months"]
    return (preferred if len(preferred) else rows).iloc[0].to_dict()


def _marker(data: StudyData, outcome_id: str) -> str | None:
    """Markers for quarterly or sparse series."""
    return "o" if data.outcome(outcome_id).get("period_type") == "quarter" else None


def _window_means(ax, row: dict | None, values: tuple[str, str], colour: str, label: str) -> None:
    """Dashed segments at the pre and post window means."""
    if row is None:
        return
    for (start, end), value in zip(
        ((row["pre_start"], row["pre_end"]), (row["post_start"], row["post_end"])),
        (row[values[0]], row[values[1]]),
    ):
        if fmt.is_missing(value) or fmt.is_missing(start):
            continue
        if start == end:
            ax.plot([start], [value], color=colour, marker="_", markersize=16, mew=2, label=label)
            continue
        ax.hlines(
            value, start, end, colors=colour, linestyles=(0, (4, 2)), linewidth=1.6, label=label
        )


def draw_series(ctx: Context, group: cat.FigureGroup) -> str:
    """Treated and control rates over the whole series, one panel per outcome."""
    data = ctx.data
    figure, axes = plot.new_figure(len(group.outcomes))
    for ax, outcome_id in zip(axes, group.outcomes):
        outcome = data.outcome(outcome_id)
        marker = _marker(data, outcome_id)
        treated, control = (
            _series(data, outcome_id, "treated"),
            _series(data, outcome_id, "control"),
        )
        ax.plot(
            treated["period_start"],
            treated["rate"],
            color=plot.TREATED,
            marker=marker,
            markersize=3,
            linewidth=1.4,
            label=data.treated_label,
        )
        ax.plot(
            control["period_start"],
            control["rate"],
            color=plot.CONTROL,
            marker=marker,
            markersize=3,
            linewidth=1.4,
            label=data.control_label,
        )
        row = _window_row(data, outcome_id)
        _window_means(
            ax,
            row,
            ("treated_pre", "treated_post"),
            "#6d0d16",
            f"{data.treated_label}: pre/post window mean",
        )
        _window_means(
            ax, row, ("control_pre", "control_post"), "#0b3760", "Control: pre/post window mean"
        )
        plot.mark_interventions(ax, ctx.interventions)
        plot.date_axis(ax)
        ax.set_title(outcome.get("label", outcome_id))
        ax.set_ylabel(textwrap.fill(str(outcome.get("unit", "")), 28))
    control = data.control_label[0].lower() + data.control_label[1:]
    title = f"{group.title}: {data.treated_label} and {control}"
    plot.finish(figure, axes, title, ctx.source, ctx.note)
    return _save(ctx, group, cat.SERIES, figure)


def draw_difference(ctx: Context, group: cat.FigureGroup) -> str:
    """Treated minus control, one line per outcome, with the pre/post window means of the difference."""
    data = ctx.data
    figure, (ax,) = plot.new_figure(1)
    for colour, outcome_id in zip(plot.LINE_COLOURS, group.outcomes):
        diff = _difference(data, outcome_id)
        label = data.outcome(outcome_id).get("label", outcome_id)
        ax.plot(
            diff["period_start"],
            diff["diff"],
            color=colour,
            marker=_marker(data, outcome_id),
            markersize=3,
            linewidth=1.3,
            label=label,
        )
        _window_means(
            ax,
            _window_row(data, outcome_id),
            ("diff_pre", "diff_post"),
            colour,
            f"{label}: pre/post window mean",
        )
    plot.zero_line(ax)
    plot.mark_interventions(ax, ctx.interventions)
    plot.date_axis(ax)
    unit = data.outcome(group.outcomes[0]).get("unit", "")
    ax.set_ylabel(f"{data.treated_label} minus control\n({fmt.difference_unit(unit)})")
    plot.finish(
        figure,
        [ax],
        f"{group.title}: difference {data.treated_label} minus control",
        ctx.source,
        ctx.note,
        left=1.1,
    )
    return _save(ctx, group, cat.DIFFERENCE, figure)


def draw_dual_difference(ctx: Context, group: cat.FigureGroup) -> str:
    """Two outcomes' differences on two y axes (left: the first, right: the second)."""
    data = ctx.data
    figure, (ax,) = plot.new_figure(1)
    axes = [ax, ax.twinx()] if len(group.outcomes) > 1 else [ax]
    for side, colour, axis, outcome_id in zip(
        ("left", "right"), plot.LINE_COLOURS, axes, group.outcomes
    ):
        diff = _difference(data, outcome_id)
        outcome = data.outcome(outcome_id)
        axis.plot(
            diff["period_start"],
            diff["diff"],
            color=colour,
            linewidth=1.4,
            label=f"{outcome.get('label', outcome_id)} ({side} axis)",
        )
        axis.set_ylabel(f"Difference, {fmt.difference_unit(outcome.get('unit', ''))}", color=colour)
        axis.tick_params(axis="y", colors=colour)
    if len(axes) > 1:
        axes[1].grid(False)
        axes[1].spines["right"].set_visible(True)
    plot.zero_line(ax)
    plot.mark_interventions(ax, ctx.interventions)
    plot.date_axis(ax)
    plot.finish(
        figure,
        axes,
        f"{group.title}: difference {data.treated_label} minus control",
        ctx.source,
        ctx.note,
        right=0.95,
    )
    return _save(ctx, group, cat.DUAL_DIFFERENCE, figure)


def county_change(
    data: StudyData, outcome_ids: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """Percent change of the summed counts by county from the first to the last post month."""
    row = _window_row(data, outcome_ids[0])
    start, end = pd.Timestamp(row["post_start"]), pd.Timestamp(row["post_end"])
    county = data.county[data.county["outcome_id"].isin(outcome_ids)]
    value = (
        "numerator" if county["numerator"].notna().any() or county["suppressed"].any() else "rate"
    )
    picked = county[county["period_start"].isin([start, end])]
    grouped = picked.groupby(["county_code", "period_start"]).agg(
        value=(value, lambda s: s.sum(min_count=len(s))),
        suppressed=("suppressed", "any"),
        parts=(value, "size"),
        role=("role", "first"),
    )
    grouped.loc[grouped["parts"] < len(outcome_ids), "value"] = np.nan
    wide = grouped.reset_index().pivot(index="county_code", columns="period_start")
    frame = pd.DataFrame(index=wide.index)
    frame["role"] = wide["role"].bfill(axis=1).iloc[:, 0]
    frame["suppressed"] = wide["suppressed"].fillna(False).astype(bool).any(axis=1)
    first = wide["value"].get(start, pd.Series(np.nan, index=wide.index)).astype(float)
    last = wide["value"].get(end, pd.Series(np.nan, index=wide.index)).astype(float)
    frame["change_pct"] = 100.0 * (last / first.where(first != 0) - 1.0)
    frame.loc[frame["suppressed"], "change_pct"] = np.nan
    for code in data.excluded_codes:
        if code not in frame.index:
            frame.loc[code, ["role", "suppressed", "change_pct"]] = ["excluded", False, np.nan]
    frame["suppressed"] = frame["suppressed"].astype(bool)
    frame["county_name"] = [data.county_names.get(c, c) for c in frame.index]
    return frame.reset_index().sort_values("change_pct", na_position="first"), start, end


def draw_county_change(ctx: Context, group: cat.FigureGroup) -> str:
    """Horizontal bars of the percent change by county, the treated county highlighted."""
    data = ctx.data
    frame, start, end = county_change(data, group.outcomes)
    colours = {"treated": plot.TREATED, "control": plot.CONTROL, "other": plot.OTHER}
    figure, (ax,) = plot.new_figure(1, height=0.24 * len(frame) + 0.3)
    y = np.arange(len(frame))
    values = frame["change_pct"].fillna(0.0)
    bar_colours = [colours.get(r, plot.OTHER) for r in frame["role"]]
    ax.barh(y, values, color=bar_colours, height=0.7)
    for i, row in enumerate(frame.itertuples()):
        if row.suppressed:
            ax.text(
                0,
                i,
                " suppressed",
                va="center",
                ha="left",
                fontsize=8,
                color="#444444",
                style="italic",
            )
        elif fmt.is_missing(row.change_pct):
            ax.text(
                0,
                i,
                " left out (gaps)" if row.role == "excluded" else " no data",
                va="center",
                ha="left",
                fontsize=8,
                color="#444444",
                style="italic",
            )
        else:
            ax.text(
                row.change_pct,
                i,
                f" {fmt.pct(row.change_pct)} ",
                va="center",
                ha="left" if row.change_pct >= 0 else "right",
                fontsize=7.5,
            )
    ax.set_yticks(y, frame["county_name"])
    for tick, role in zip(ax.get_yticklabels(), frame["role"]):
        if role == "treated":
            tick.set_fontweight("bold")
            tick.set_color(plot.TREATED)
    ax.grid(axis="y", visible=False)
    plot.zero_line(ax, vertical=True)
    low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    pad = max(high - low, 1.0) * 0.18
    ax.set_xlim(low - (pad if low < 0 else pad / 3), high + (pad if high > 0 else pad / 3))
    ax.set_xlabel(f"Percent change {fmt.month(start)} - {fmt.month(end)} (count of persons)")
    handles = [
        Patch(color=plot.TREATED, label=f"{data.treated_label} (treated)"),
        Patch(color=plot.CONTROL, label="Control county"),
        Patch(color=plot.OTHER, label="Not in the study"),
    ]
    note = ctx.note
    if frame["suppressed"].any():
        note = (
            note + " " if note else ""
        ) + "Suppressed: counts withheld in the published county panel."
    source = ctx.source + (" County data: published county panel." if data.county_published else "")
    title = f"{group.title}, {fmt.month(start)} - {fmt.month(end)} ({ctx.interventions.text()})"
    plot.finish(
        figure, [ax], title, source, note, ([*handles], [h.get_label() for h in handles]), left=1.35
    )
    return _save(ctx, group, cat.COUNTY_CHANGE, figure)


def _pick_model(frame: pd.DataFrame) -> str | None:
    """The model shown in figures: the first of the preferred order that has rows."""
    if "model" not in frame.columns or frame.empty:
        return None
    return methods.ordered(list(frame["model"].dropna().unique()), methods.FIGURE_MODEL_ORDER)[0]


def _pick_inference(frame: pd.DataFrame) -> str | None:
    """The inference shown in figures: a valid one when there is one."""
    if "inference" not in frame.columns or frame.empty:
        return None
    order = (*methods.VALID_ORDER, *methods.INFERENCE_ORDER)
    return methods.ordered(list(frame["inference"].dropna().unique()), order)[0]


def treated_estimate(data: StudyData, outcome_id: str, model: str | None) -> dict | None:
    """The post-term regression row of an outcome for a model (a valid inference row when there is one)."""
    reg = data.regression
    if reg is None or reg.empty:
        return None
    rows = reg[(reg["outcome_id"] == outcome_id) & (reg["term"] == "post")]
    if model is not None and "model" in rows.columns and (rows["model"] == model).any():
        rows = rows[rows["model"] == model]
    if rows.empty:
        return None
    by_inference = {r["inference"]: r for r in rows.to_dict("records")}
    for key in methods.ordered(list(by_inference), ("permutation", *methods.VALID_ORDER)):
        return by_inference[key]
    return None


def estimate_rows(data: StudyData, kind: str, outcome_id: str) -> tuple[pd.DataFrame, str | None]:
    """The rows of an estimation figure for one outcome, of one model and inference."""
    table = data.event if kind == cat.EVENT_STUDY else data.placebo
    if table is None or table.empty:
        return pd.DataFrame(), None
    rows = table[table["outcome_id"] == outcome_id]
    if kind in PLACEBO_KINDS and "kind" in rows.columns:
        rows = rows[rows["kind"] == PLACEBO_KINDS[kind]]
    model = _pick_model(rows)
    if model is not None:
        rows = rows[rows["model"] == model]
    inference = _pick_inference(rows)
    if inference is not None:
        rows = rows[rows["inference"] == inference]
    return rows.reset_index(drop=True), model


def draw_event_study(ctx: Context, group: cat.FigureGroup) -> str:
    """Event-study estimates with their interval, one panel per outcome."""
    data = ctx.data
    figure, axes = plot.new_figure(len(group.outcomes))
    models: set[str] = set()
    for ax, outcome_id in zip(axes, group.outcomes):
        rows, model = estimate_rows(data, cat.EVENT_STUDY, outcome_id)
        models.update([model] if model else [])
        rows = rows.sort_values("period_start")
        inference = rows["inference"].iloc[0] if "inference" in rows.columns and len(rows) else ""
        if {"ci_low_pct", "ci_high_pct"} <= set(rows.columns) and rows["ci_low_pct"].notna().any():
            ax.fill_between(
                rows["period_start"],
                rows["ci_low_pct"].astype(float),
                rows["ci_high_pct"].astype(float),
                color=plot.TREATED,
                alpha=0.15,
                linewidth=0,
                label=f"95 % interval ({methods.inference(inference).label})",
            )
        ax.plot(
            rows["period_start"],
            rows["estimate_pct"],
            color=plot.TREATED,
            marker="o",
            markersize=2.5,
            linewidth=1.2,
            label="Estimate",
        )
        plot.zero_line(ax)
        plot.mark_interventions(ax, ctx.interventions)
        plot.date_axis(ax)
        ax.set_title(data.outcome(outcome_id).get("label", outcome_id))
        ax.set_ylabel("Effect relative to the\nlast pre period (percent)")
    model_text = ", ".join(methods.model_label(m) for m in sorted(models))
    plot.finish(
        figure,
        axes,
        f"{group.title}: event study",
        ctx.source,
        _join(ctx.note, f"Model: {model_text}." if model_text else ""),
        left=1.05,
        between=1.1,
    )
    return _save(ctx, group, cat.EVENT_STUDY, figure)


def draw_placebo_time(ctx: Context, group: cat.FigureGroup) -> str:
    """Placebo estimates by hypothetical start month; filled markers have p ≤ 0.05 where that level can be reached."""
    data = ctx.data
    figure, (ax,) = plot.new_figure(1)
    models: set[str] = set()
    floors: list[str] = []
    for colour, outcome_id in zip(plot.LINE_COLOURS, group.outcomes):
        rows, model = estimate_rows(data, cat.PLACEBO_TIME, outcome_id)
        models.update([model] if model else [])
        if rows.empty:
            continue
        rows = rows.assign(month=pd.to_datetime(rows["placebo"].astype(str), errors="coerce"))
        rows = rows.dropna(subset=["month"]).sort_values("month")
        label = data.outcome(outcome_id).get("label", outcome_id)
        floor = placebo_floor(rows)
        reachable = sig.reachable(floor)
        significant = (
            rows["p_value"].astype(float) <= sig.LEVEL
            if "p_value" in rows.columns and reachable
            else pd.Series(False, index=rows.index)
        )
        if not reachable:
            floors.append(floor_sentence(rows, floor))
        ax.plot(rows["month"], rows["estimate_pct"], color=colour, linewidth=0.8, alpha=0.6)
        ax.scatter(
            rows["month"],
            rows["estimate_pct"],
            s=22,
            facecolors="none",
            edgecolors=colour,
            label=f"{label}: placebo, p > 0.05" if reachable else f"{label}: placebo",
        )
        if reachable:
            ax.scatter(
                rows.loc[significant, "month"],
                rows.loc[significant, "estimate_pct"],
                s=22,
                color=colour,
                label=f"{label}: placebo, permutation p ≤ 0.05",
            )
        actual = treated_estimate(data, outcome_id, model)
        if actual is not None:
            ax.axhline(
                actual["estimate_pct"],
                color=colour,
                linestyle=(0, (5, 3)),
                linewidth=1,
                label=f"{label}: estimated effect",
            )
    plot.zero_line(ax)
    plot.mark_interventions(ax, ctx.interventions)
    plot.date_axis(ax)
    ax.set_xlabel("Hypothetical intervention month (pre-intervention data only)")
    ax.set_ylabel("Placebo effect (percent)")
    model_text = ", ".join(methods.model_label(m) for m in sorted(models))
    plot.finish(
        figure,
        [ax],
        f"{group.title}: placebo in time",
        ctx.source,
        _join(ctx.note, f"Model: {model_text}." if model_text else "", *dict.fromkeys(floors)),
    )
    return _save(ctx, group, cat.PLACEBO_TIME, figure)


def _county_bars(ctx: Context, group: cat.FigureGroup, kind: str) -> str:
    """Estimates by county (placebo in space or leave one out), the treated estimate marked."""
    data = ctx.data
    figure, axes = plot.new_figure(
        len(group.outcomes), height=0.2 * len(data.codes("control")) + 0.8
    )
    models: set[str] = set()
    for ax, outcome_id in zip(axes, group.outcomes):
        rows, model = estimate_rows(data, kind, outcome_id)
        models.update([model] if model else [])
        actual = treated_estimate(data, outcome_id, model)
        inference = rows["inference"].iloc[0] if "inference" in rows and len(rows) else ""
        bars = pd.DataFrame(
            {
                "name": [data.county_names.get(str(c), str(c)) for c in rows["placebo"]],
                "estimate": rows["estimate_pct"].astype(float),
                "ci_low": rows.get("ci_low_pct", pd.Series(np.nan, index=rows.index)).astype(float),
                "ci_high": rows.get("ci_high_pct", pd.Series(np.nan, index=rows.index)).astype(
                    float
                ),
                "treated": False,
            }
        )
        if kind == cat.PLACEBO_SPACE and actual is not None:
            treated_row = [data.treated_label, float(actual["estimate_pct"]), np.nan, np.nan, True]
            bars.loc[len(bars)] = treated_row
        bars = bars.sort_values("estimate").reset_index(drop=True)
        colour = [
            plot.TREATED if t else (plot.CONTROL if kind == cat.PLACEBO_SPACE else plot.OTHER)
            for t in bars["treated"]
        ]
        y = np.arange(len(bars))
        if kind == cat.LEAVE_ONE_OUT:
            if {"ci_low", "ci_high"} <= set(bars.columns) and bars["ci_low"].notna().any():
                ax.errorbar(
                    bars["estimate"],
                    y,
                    xerr=[bars["estimate"] - bars["ci_low"], bars["ci_high"] - bars["estimate"]],
                    fmt="none",
                    ecolor="#9bb7d4",
                    elinewidth=1.2,
                    label=f"95 % interval ({methods.inference(inference).label})",
                )
            ax.scatter(bars["estimate"], y, color=plot.CONTROL, s=24, zorder=3)
        else:
            ax.barh(y, bars["estimate"], color=colour, height=0.7)
        ax.set_yticks(
            y,
            [f"left out: {n}" if kind == cat.LEAVE_ONE_OUT else n for n in bars["name"]],
            fontsize=7.5,
        )
        for tick, is_treated in zip(ax.get_yticklabels(), bars["treated"]):
            if is_treated:
                tick.set_fontweight("bold")
                tick.set_color(plot.TREATED)
        ax.grid(axis="y", visible=kind == cat.LEAVE_ONE_OUT)
        if kind == cat.PLACEBO_SPACE:
            plot.zero_line(ax, vertical=True)
        if actual is not None:
            ax.axvline(
                actual["estimate_pct"],
                color=plot.TREATED,
                linestyle="--",
                linewidth=1,
                label=f"{data.treated_label}: estimated effect",
            )
        label = data.outcome(outcome_id).get("label", outcome_id)
        ax.set_title(permutation_title(label, _permutation_row(data, outcome_id, model)))
        ax.set_xlabel("Estimated effect (percent)")
    if kind == cat.PLACEBO_SPACE:
        handles = [
            Patch(color=plot.CONTROL, label="Control county as if treated (placebo)"),
            Patch(color=plot.TREATED, label=f"{data.treated_label} (treated)"),
        ]
    else:
        handles = [
            Line2D(
                [],
                [],
                color=plot.CONTROL,
                marker="o",
                linestyle="",
                label="Estimate without that control county",
            )
        ]
    found, labels = plot.unique_handles(axes)
    model_text = ", ".join(methods.model_label(m) for m in sorted(models))
    title = f"{group.title}: {KIND_TITLES[kind]} ({ctx.interventions.text()})"
    plot.finish(
        figure,
        axes,
        title,
        ctx.source,
        _join(ctx.note, f"Model: {model_text}." if model_text else ""),
        (handles + found, [h.get_label() for h in handles] + labels),
        left=1.75 if kind == cat.LEAVE_ONE_OUT else 1.2,
        between=1.85 if kind == cat.LEAVE_ONE_OUT else 1.3,
    )
    return _save(ctx, group, kind, figure)


def _permutation_row(data: StudyData, outcome_id: str, model: str | None) -> dict | None:
    """The permutation row of the post effect, when estimated."""
    reg = data.regression
    if reg is None or reg.empty:
        return None
    rows = reg[
        (reg["outcome_id"] == outcome_id)
        & (reg["term"] == "post")
        & (reg["inference"] == "permutation")
    ]
    if model is not None and (rows["model"] == model).any():
        rows = rows[rows["model"] == model]
    if rows.empty or fmt.is_missing(rows["p_value"].iloc[0]):
        return None
    return rows.iloc[0].to_dict()


def permutation_title(label: str, row: dict | None) -> str:
    """A panel title with the permutation p-value, and the smallest p it can reach when that is above 5 %."""
    if row is None:
        return label
    text = f"permutation p = {fmt.p_value(row['p_value'])}"
    floor = sig.unreachable_text(row)
    if floor:
        return f"{label}\n({text};\n" + textwrap.fill(floor + ")", 46)
    return f"{label}\n({text})"


def placebo_floor(rows: pd.DataFrame) -> float | None:
    """The smallest permutation p-value of placebo rows: 1 / (N0 + 1) with their N0 controls."""
    if "n_controls" not in rows.columns or rows["n_controls"].dropna().empty:
        return None
    return 1 / (float(rows["n_controls"].dropna().max()) + 1)


def floor_sentence(rows: pd.DataFrame, floor: float | None) -> str:
    """Why no placebo is marked significant: the permutation cannot go below 1 / (N0 + 1)."""
    n0 = int(rows["n_controls"].dropna().max())
    return (
        f"With {n0} controls the permutation p-value cannot go below 1/({n0}+1) = "
        f"{fmt.p_value(floor)}, so no placebo can be marked significant at 5 %."
    )


def _join(*parts: str) -> str:
    """Non-empty parts joined by a space."""
    return " ".join(p for p in parts if p)


def _save(ctx: Context, group: cat.FigureGroup, kind: str, figure) -> str:
    """Write a figure and return its link."""
    path, relative = ctx.path(group, kind)
    plot.save(figure, path)
    return relative


DRAW: dict[str, Callable[[Context, cat.FigureGroup], str]] = {
    cat.SERIES: draw_series,
    cat.DIFFERENCE: draw_difference,
    cat.DUAL_DIFFERENCE: draw_dual_difference,
    cat.COUNTY_CHANGE: draw_county_change,
    cat.EVENT_STUDY: draw_event_study,
    cat.PLACEBO_TIME: draw_placebo_time,
    cat.PLACEBO_SPACE: lambda ctx, group: _county_bars(ctx, group, cat.PLACEBO_SPACE),
    cat.LEAVE_ONE_OUT: lambda ctx, group: _county_bars(ctx, group, cat.LEAVE_ONE_OUT),
}


def missing_reason(data: StudyData, group: cat.FigureGroup, kind: str) -> str:
    """Why a figure cannot be drawn ("" when it can)."""
    if kind in ESTIMATE_TABLES:
        table = data.event if kind == cat.EVENT_STUDY else data.placebo
        if table is None:
            return f"not estimated (no {ESTIMATE_TABLES[kind]} table in the database)"
        if all(estimate_rows(data, kind, o)[0].empty for o in group.outcomes):
            return "not estimated for these outcomes"
        return ""
    if kind == cat.COUNTY_CHANGE:
        return "" if _window_row(data, group.outcomes[0]) is not None else "no pre/post window"
    has_panel = data.panel["outcome_id"].isin(group.outcomes).any()
    return "" if has_panel else "no data in study_panel"


def figure_title(group: cat.FigureGroup, kind: str) -> str:
    """The heading of a figure on the page."""
    suffix = KIND_TITLES.get(kind, kind)
    return f"{group.title}: {suffix}" if suffix else group.title


def draw_figure(ctx: Context, group: cat.FigureGroup, kind: str) -> FigureOut:
    """One figure of a group, or a placeholder with the reason it cannot be drawn."""
    title = figure_title(group, kind)
    reason = missing_reason(ctx.data, group, kind)
    if reason:
        return FigureOut(group.key, kind, title, None, missing=reason)
    with matplotlib.rc_context(plot.STYLE):
        relative = DRAW[kind](ctx, group)
    return FigureOut(group.key, kind, title, relative, caption=group.article)
