"""twfe_pooled and twfe_county for one study outcome: the reported fits and their placebo distributions."""

from __future__ import annotations

import numpy as np

from regeval.estimate.design import StudyDesign, Window
from regeval.estimate.fe import TwoWayFE
from regeval.estimate.models import PeriodFlags, TermEstimate, fit_twfe, flag_matrix
from regeval.estimate.sample import Panel, pool


def pre_means(panel: Panel, units: list[str], pre: np.ndarray) -> np.ndarray:
    """Each unit's unweighted mean rate over the pre rows."""
    return np.array([panel.mean_rate(u, pre) for u in units])


def control_placebos(
    panel: Panel, controls: list[str], flags: PeriodFlags, k: int, joint: bool = True
) -> np.ndarray:
    """Coefficients (N0 x k) with each control as the treated unit against the other controls."""
    others = panel.controls_only()
    model = TwoWayFE(others)
    regressors = flag_matrix(flags, others.period, k)
    return np.array([model.coefficients(u, regressors, joint=joint) for u in controls]).reshape(
        len(controls), k
    )


def county_terms(panel: Panel, window: Window, design: StudyDesign) -> list[TermEstimate]:
    """twfe_county 'post' (alone) and 'placebo_window' (beside 'post'), county-clustered, with placebos."""
    sample = panel.select(window.sample(panel.period))
    controls = sample.controls()
    pre = window.pre(sample.period)
    pre_mean = sample.mean_rate(sample.treated, pre)
    control_pre = pre_means(sample, controls, pre)

    def post_and_placebo(periods: np.ndarray) -> np.ndarray:
        return np.column_stack([window.post(periods), design.placebo_window(periods)])

    fit = fit_twfe(sample, ("post",), window.post, "twfe_county", "cluster_county")
    placebos = control_placebos(sample, controls, window.post, 1)[:, 0]
    terms = [
        TermEstimate("twfe_county", "post", fit, pre_mean, placebos, control_pre, tuple(controls))
    ]
    if design.placebo_window(sample.period).any():
        both = fit_twfe(
            sample, ("post", "placebo_window"), post_and_placebo, "twfe_county", "cluster_county"
        )
        placebo_window = control_placebos(sample, controls, post_and_placebo, 2)[:, 1]
        terms.append(
            TermEstimate(
                "twfe_county",
                "placebo_window",
                both,
                pre_mean,
                placebo_window,
                control_pre,
                tuple(controls),
            )
        )
    return terms


def pooled_term(group: Panel, panel: Panel, window: Window) -> TermEstimate:
    """twfe_pooled 'post' on the two-group panel (HC1), with each control against the pooled others."""
    sample = group.select(window.sample(group.period))
    county = panel.select(window.sample(panel.period))
    controls = county.controls()
    fit = fit_twfe(sample, ("post",), window.post, "twfe_pooled", "hc1")
    pre_mean = sample.mean_rate(sample.treated, window.pre(sample.period))
    placebos, placebo_pre = [], []
    for unit in controls:
        pooled = pool(county, unit, [c for c in controls if c != unit])
        model = TwoWayFE(pooled)
        flags = flag_matrix(window.post, pooled.period, 1)
        placebos.append(model.coefficients(pooled.treated, flags)[0])
        placebo_pre.append(pooled.mean_rate(pooled.treated, window.pre(pooled.period)))
    return TermEstimate(
        "twfe_pooled",
        "post",
        fit,
        pre_mean,
        np.array(placebos),
        np.array(placebo_pre),
        tuple(controls),
    )
