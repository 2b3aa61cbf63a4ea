"""Headline effects of a study: the pre/post effect and the regression effect with its valid inference."""

from __future__ import annotations

from dataclasses import dataclass, field

from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report.data import StudyData
from regeval.report.tables import regression_models

VARIANT_SHORT = {"all_months": "all months", "same_months": "same months"}


@dataclass(frozen=True)
class Headline:
    """One headline outcome: pre/post effects, the regression estimate and its valid inference by method."""

    label: str
    pre_post: list[tuple[str, str]] = field(default_factory=list)
    model: str = ""
    estimate: str = ""
    valid: dict[str, str] = field(default_factory=dict)
    missing: str = ""


def _inference_text(row: dict) -> str:
    """An interval and p-value, e.g. "(-16.2, -6.2), p = 0.004"."""
    interval = fmt.ci(row.get("ci_low_pct"), row.get("ci_high_pct"))
    p = fmt.p_value(row.get("p_value"))
    p_text = "" if p == fmt.MISSING else ("p < 0.001" if p.startswith("<") else f"p = {p}")
    return ", ".join(part for part in (interval, p_text) if part) or fmt.MISSING


def headline(data: StudyData, outcome_id: str) -> Headline:
    """The headline of one outcome."""
    label = data.outcome(outcome_id).get("label", outcome_id)
    effects = data.effects[data.effects["outcome_id"] == outcome_id]
    pre_post = [
        (
            VARIANT_SHORT.get(v, v),
            fmt.pct(effects.loc[effects["variant"] == v, "effect_pct"].iloc[0], plus=True),
        )
        for v in methods.ordered(list(effects["variant"].unique()), tuple(VARIANT_SHORT))
    ]
    reg = data.regression
    if reg is None:
        return Headline(label, pre_post, missing="not estimated")
    rows = reg[(reg["outcome_id"] == outcome_id) & (reg["term"] == "post")]
    if rows.empty:
        return Headline(label, pre_post, missing="not estimated for this outcome")
    model = regression_models(reg[reg["model"].isin(rows["model"])])[0]
    rows = rows[rows["model"] == model]
    valid = {
        key: _inference_text(rows[rows["inference"] == key].iloc[0].to_dict())
        for key in methods.valid_methods()
        if (rows["inference"] == key).any()
    }
    estimate = fmt.pct(rows["estimate_pct"].iloc[0], plus=True)
    return Headline(
        label,
        pre_post,
        methods.model_short(model),
        estimate,
        valid,
        "" if valid else "no valid inference estimated",
    )


def headlines(data: StudyData, outcome_ids: tuple[str, ...]) -> list[Headline]:
    """The headlines of the given outcomes."""
    return [headline(data, o) for o in outcome_ids]
