"""Names of the models and inference methods, what each assumes, and which is valid with one treated county."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Inference:
    """An inference method as the report names it, with what it assumes."""

    key: str
    label: str
    valid_one_treated: bool | None
    note: str
    shows: str = "95 % CI, p"
    assumes: str = ""
    footnote: str = ""


SAME_AS_CONTROLS = "the treated county's error is distributed like the control counties' errors"

INFERENCE: dict[str, Inference] = {
    i.key: i
    for i in (
        Inference(
            "placebo_t",
            "Placebo t",
            True,
            "confidence interval and p-value from a Student-t fitted to the control counties' "
            "placebo estimates (the t-fit formerly named Conley-Taber in this report).",
            assumes=SAME_AS_CONTROLS + " (the same variance, whatever its size).",
        ),
        Inference(
            "conley_taber",
            "Conley-Taber",
            True,
            "Conley and Taber's (2011) own interval: the empirical 2.5 and 97.5 % quantiles of "
            "the control counties' placebo estimates, CI = [b - q97.5, b - q2.5]; with N0 "
            "placebos it cannot cover more than (N0 - 1) / (N0 + 1).",
            assumes=SAME_AS_CONTROLS + ", with enough controls for the empirical tails.",
        ),
        Inference(
            "permutation",
            "Permutation",
            True,
            "p-value from the rank of the treated county's relative effect among the control "
            "counties' placebo effects (placebo in space); with N0 controls it cannot go below "
            "1/(N0 + 1).",
            "p-value",
            assumes=SAME_AS_CONTROLS + " after dividing by the pre level (exchangeable counties).",
        ),
        Inference(
            "ferman_pinto",
            "Ferman-Pinto",
            True,
            "placebo estimates rescaled by a variance model A + B / size fitted to them "
            "(Ferman and Pinto 2019), so that a small county is compared on its own scale.",
            assumes="the errors' variance depends on a county only through its size "
            "(the denominator).",
        ),
        Inference(
            "studentized_t",
            "Studentized t",
            True,
            "each county's estimate divided by its own pre-period spread (the variance of its "
            "gap to the other counties; for SC and SDID, of its gap to its own synthetic path, "
            "with SDID's time weights), compared with a Student-t fitted to the controls' "
            "studentized placebos.",
            assumes="each county's estimate scaled by its own pre-period spread is distributed "
            "alike across counties (any volatility, a common serial correlation).",
        ),
        Inference(
            "studentized_permutation",
            "Studentized permutation",
            True,
            "rank of the treated county's studentized estimate among the controls' studentized "
            "placebos; with N0 controls it cannot go below 1/(N0 + 1).",
            "p-value",
            assumes="each county's estimate scaled by its own pre-period spread is exchangeable "
            "across counties.",
        ),
        Inference(
            "conformal",
            "Conformal",
            True,
            "the treated county's own residuals compared by moving-block permutations in time "
            "(Chernozhukov, Wüthrich and Zhu 2021); the interval is every effect the test does "
            "not reject and may be unbounded; the p-value cannot go below 1/T.",
            assumes="the treated county's own errors are stationary and weakly dependent over "
            "time; it uses only the treated county's history and assumes nothing about the "
            "controls' errors.",
        ),
        Inference(
            "rmspe_rank",
            "RMSPE rank",
            True,
            "synthetic estimators only: rank of the treated county's post/pre ratio of root mean "
            "squared gaps to its synthetic path among the control counties' placebo fits "
            "(Abadie, Diamond and Hainmueller 2010); p cannot go below 1/(N0 + 1).",
            "p-value",
            assumes="the counties' post/pre fit ratios are exchangeable.",
        ),
        Inference(
            "cluster_county",
            "Clustered by county",
            False,
            "county-clustered standard errors; not valid with a single treated county "
            "(one treated cluster), shown for comparison only.",
            assumes="many treated clusters; with one treated county there is one.",
            footnote="one treated cluster: the clustered variance cannot estimate the treated "
            "county's error",
        ),
        Inference(
            "cluster_unit",
            "Clustered by unit",
            False,
            "unit-clustered standard errors; not valid with a single treated unit "
            "(one treated cluster), shown for comparison only.",
            assumes="many treated clusters; with one treated unit there is one.",
            footnote="one treated cluster: the clustered variance cannot estimate the treated "
            "unit's error",
        ),
        Inference(
            "hc1",
            "HC1 robust",
            False,
            "heteroskedasticity-robust standard errors that treat every month as independent; "
            "not valid here because the monthly rates are serially correlated, shown for "
            "comparison only.",
            assumes="independent errors across months; the monthly rates are serially correlated.",
            footnote="ignores the serial correlation of the monthly rates, so its standard "
            "errors are too small",
        ),
    )
}

INFERENCE_ORDER = (
    "placebo_t",
    "conley_taber",
    "permutation",
    "ferman_pinto",
    "studentized_t",
    "studentized_permutation",
    "conformal",
    "rmspe_rank",
    "cluster_county",
    "cluster_unit",
    "hc1",
)
VALID_ORDER = tuple(k for k in INFERENCE_ORDER if INFERENCE[k].valid_one_treated)
RECOMMENDED = "recommended"

MODELS: dict[str, str] = {
    "ppml_cells": "Poisson by county, month and cell with a log-denominator offset "
    "(composition-adjusted: gender, age group, education)",
    "twfe_county": "Two-way fixed effects on the county panel, weighted by the denominator",
    "twfe_pooled": "Two-way fixed effects on the pooled two-group panel",
    "sc_county": "Synthetic control on the county panel (Abadie, Diamond and Hainmueller 2010)",
    "sdid_county": "Synthetic difference-in-differences on the county panel "
    "(Arkhangelsky et al. 2021)",
}
MODEL_SHORT: dict[str, str] = {
    "ppml_cells": "Poisson, composition-adjusted",
    "twfe_county": "Two-way FE, county panel",
    "twfe_pooled": "Two-way FE, pooled panel",
    "sc_county": "Synthetic control",
    "sdid_county": "Synthetic DiD",
}
# What each estimator of the comparison page needs for its effect to be the effect.
ESTIMATOR_ASSUMES: dict[str, str] = {
    "twfe_county": "parallel trends: without the intervention the treated county would have "
    "moved with the (denominator-weighted) control average, after removing fixed level "
    "differences.",
    "sc_county": "a convex combination of the controls reproduces the treated county's level "
    "and path before the intervention and would have gone on doing so (no level shift "
    "allowed; the treated county must lie inside the controls' range).",
    "sdid_county": "parallel trends between the treated county and a weighted control group "
    "(unit weights matching its pre path up to a constant level, time weights on the pre "
    "periods most like the post ones).",
}
MODEL_ORDER = ("ppml_cells", "twfe_county", "twfe_pooled", "sc_county", "sdid_county")
ESTIMATOR_MODELS = ("twfe_county", "sc_county", "sdid_county")
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
