"""ppml_cells for one study outcome: the composition-adjusted Poisson model (county x cell and cell x
period fixed effects, `models.poisson_model`) and its placebo distribution."""

from __future__ import annotations

import numpy as np

from regeval.estimate.design import Window
from regeval.estimate.models import TermEstimate, fit_ppml, poisson_model
from regeval.estimate.sample import CellPanel


def ppml_term(cells: CellPanel, window: Window, pre_mean: float) -> TermEstimate | None:
    """ppml_cells 'post' (effect 100 (exp(b) - 1)), county-clustered, with each control as the treated county."""
    sample = cells.select(window.sample(cells.period)).without_empty_groups()
    if sample.n_obs == 0 or not np.any(sample.unit == sample.treated):
        return None
    treated_post = window.post(sample.period) & (sample.unit == sample.treated)
    if not treated_post.any():
        return None
    fit, _ = fit_ppml(sample, window.post)
    controls = sample.controls()
    others = sample.controls_only().without_empty_groups()
    placebos = np.full(len(controls), np.nan)
    if others.n_obs:
        model = poisson_model(others)
        after = window.post(others.period)
        base = model.fit(np.zeros((others.n_obs, 0))).fixed
        for j, unit in enumerate(controls):
            z = (after & (others.unit == unit)).astype(float)[:, None]
            if z.any():
                placebos[j] = model.fit(z, start=base).coef[0]
    return TermEstimate(
        "ppml_cells",
        "post",
        fit,
        pre_mean,
        placebos,
        np.full(len(controls), np.nan),
        tuple(controls),
        log_scale=True,
    )
