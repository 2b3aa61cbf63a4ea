"""Headline effects of a study: the pre/post effect and the recommended regression row with its calibration."""

from __future__ import annotations

from dataclasses import dataclass, field

from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report import significance as sig
from regeval.report.comparison import sensitivity_summary
from regeval.report.data import StudyData

VARIANT_SHORT = {"all_months": "all months", "same_months": "same months"}


@dataclass(frozen=True)
class Headline:
    """One headline outcome: pre/post effects and the recommended row (method, interval, p, Holm p, why)."""

    label: str
    pre_post: list[tuple[str, str]] = field(default_factory=list)
    model: str = ""
    estimate: str = ""
    method_key: str = ""
    method: str = ""
    interval: str = ""
    p: str = ""
    p_holm: str = ""
    marker: str = ""
    calibrated: bool = False
    warning: str = ""
    floor: str = ""
    why: str = ""
    robust: str = ""
    missing: str = ""


def p_text(value: object) -> str:
    """A p-value for a sentence, e.g. "p = 0.004" or "p < 0.001"."""
    p = fmt.p_value(value)
    if p == fmt.MISSING:
        return fmt.MISSING
    return "p < 0.001" if p.startswith("<") else f"p = {p}"


def pre_post_effects(data: StudyData, outcome_id: str) -> list[tuple[str, str]]:
    """The pre/post effect of each variant, e.g. [("all months", "-11.6 %")]."""
    effects = data.effects[data.effects["outcome_id"] == outcome_id]
    return [
        (
            VARIANT_SHORT.get(v, v),
            fmt.pct(effects.loc[effects["variant"] == v, "effect_pct"].iloc[0], plus=True),
        )
        for v in methods.ordered(list(effects["variant"].unique()), tuple(VARIANT_SHORT))
    ]


def headline(data: StudyData, outcome_id: str) -> Headline:
    """The headline of one outcome: its recommended row, or why there is none."""
    label = data.outcome(outcome_id).get("label", outcome_id)
    pre_post = pre_post_effects(data, outcome_id)
    reg = data.regression
    if reg is None:
        return Headline(label, pre_post, missing="not estimated")
    if not ((reg["outcome_id"] == outcome_id) & (reg["term"] == "post")).any():
        return Headline(label, pre_post, missing="not estimated for this outcome")
    row = sig.recommended_row(data, outcome_id)
    if row is None:
        return Headline(label, pre_post, missing="no recommended inference row for this outcome")
    holds = sig.calibrated(data, outcome_id, row)
    marker = sig.marker(row, holds)
    return Headline(
        label,
        pre_post,
        model=methods.model_short(str(row.get("model", ""))),
        estimate=fmt.pct(row.get("estimate_pct"), plus=True) + marker,
        method_key=str(row["inference"]),
        method=methods.inference(str(row["inference"])).label,
        interval=sig.interval(row) or fmt.MISSING,
        p=p_text(row.get("p_value")),
        p_holm=fmt.p_value(row.get("p_value_holm")),
        marker=marker,
        calibrated=holds,
        warning="" if holds else sig.NOT_CALIBRATED,
        floor=sig.unreachable_text(row),
        why=str(row.get("recommendation") or ""),
        robust=sensitivity_summary(data, outcome_id),
    )


def headlines(data: StudyData, outcome_ids: tuple[str, ...]) -> list[Headline]:
    """The headlines of the given outcomes."""
    return [headline(data, o) for o in outcome_ids]
