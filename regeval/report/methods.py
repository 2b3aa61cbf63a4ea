"""Names of the models and inference methods, and which inference is valid with one treated county."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Inference:
    """An inference method as the report names it."""

    key: str
    label: str
    valid_one_treated: bool | None
    note: str
    shows: str = "95 % CI, p"


INFERENCE: dict[str, Inference] = {
    i.key: i
    for i in (
        Inference(
            "permutation",
            "Permutation",
            True,
            "p-value from the rank of the treated county's estimate among the placebo estimates "
            "of the control counties (placebo in space); with N0 controls it cannot go below "
            "1/(N0 + 1).",
            "p-value",
        ),
        Inference(
            "conley_taber",
            "Conley-Taber",
            True,
            "confidence interval and p-value from a Student-t fitted to the control counties' "
            "placebo estimates (Conley and Taber 2011); conservative for a median-sized treated "
            "county, too short for a small one when county sizes differ.",
        ),
        Inference(
            "cluster_county",
            "Clustered by county",
            False,
            "county-clustered standard errors; not valid with a single treated county "
            "(one treated cluster), shown for comparison only.",
        ),
        Inference(
            "hc1",
            "HC1 robust",
            False,
            "heteroskedasticity-robust standard errors that ignore dependence within counties; "
            "not valid with a single treated county, shown for comparison only.",
        ),
    )
}

INFERENCE_ORDER = ("permutation", "conley_taber", "cluster_county", "hc1")
VALID_ORDER = ("conley_taber", "permutation")

MODELS: dict[str, str] = {
    "ppml_cells": "Poisson by county, month and cell with a log-denominator offset "
    "(composition-adjusted: gender, age group, education)",
    "twfe_county": "Two-way fixed effects on the county panel, weighted by the denominator",
    "twfe_pooled": "Two-way fixed effects on the pooled two-group panel",
}
MODEL_SHORT: dict[str, str] = {
    "ppml_cells": "Poisson, composition-adjusted",
    "twfe_county": "Two-way FE, county panel",
    "twfe_pooled": "Two-way FE, pooled panel",
}
MODEL_ORDER = ("ppml_cells", "twfe_county", "twfe_pooled")
FIGURE_MODEL_ORDER = ("twfe_county", "twfe_pooled", "ppml_cells")

TERMS: dict[str, str] = {
    "post": "Effect after the intervention",
    "placebo_window": "Placebo effect of a hypothetical intervention",
    "pre_trend": "Pre-trend",
}


def inference(key: str) -> Inference:
    """The description of an inference method (unknown methods are named as they are)."""
    return INFERENCE.get(key) or Inference(key, key, None, "")


def ordered(keys: list[str], order: tuple[str, ...]) -> list[str]:
    """Keys in the given order first, any others after them alphabetically."""
    known = [k for k in order if k in keys]
    return known + sorted(k for k in set(keys) if k not in order)


def model_label(key: str) -> str:
    """A model's description (unknown models are named as they are)."""
    return MODELS.get(key, key)


def model_short(key: str) -> str:
    """A model's short name."""
    return MODEL_SHORT.get(key, key)


def valid_methods() -> list[str]:
    """The inference methods valid with a single treated county, in report order."""
    return [k for k in VALID_ORDER if is_valid(k)]


def is_valid(key: str) -> bool:
    """True when the inference method is valid with a single treated county."""
    return bool(inference(key).valid_one_treated)
