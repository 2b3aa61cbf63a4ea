"""The evidence of one sample for the synthetic estimators: the fit, every control's placebo fit, residual paths.

The single-unit inference methods (`single`) then apply unchanged: the placebos
are each control fitted by the same estimator against the other controls
(synthdid's placebo variance, made deterministic: every control once instead of
random draws), the conformal residuals are the treated unit's gap to its
synthetic path, and `rmspe_rank` is Abadie et al.'s post/pre RMSPE ratio rank.

Fake studies (calibration) fit every unit once against all the others; a unit's
placebos there are the other units' fits, whose donors include the fake treated
unit (it is untreated before the intervention, so nothing leaks). Each unit's
spread (the studentized methods' denominator) is its own fit's pre-period gap
with the estimator's time weights (`synthetic.gap_spread`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regeval.estimate.sample import Panel
from regeval.estimate.single import Evidence
from regeval.estimate.synthetic import SyntheticFit, fit, gap_spread, rmspe_ratio

SYNTHETIC_METHODS = (
    "placebo_t",
    "conley_taber",
    "permutation",
    "rmspe_rank",
    "ferman_pinto",
    "studentized_t",
    "studentized_permutation",
    "conformal",
)


@dataclass(frozen=True)
class Matrix:
    """A balanced block of the sample: units (rows) x periods, pre and post period flags, mean weights."""

    units: np.ndarray
    periods: np.ndarray
    y: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    size: np.ndarray
    treated: str = ""

    @property
    def index_of_treated(self) -> int:
        """Row of the treated unit."""
        return self.index(self.treated)

    def index(self, unit: str) -> int:
        """Row of a unit."""
        return int(np.flatnonzero(self.units == unit)[0])


def matrix(sample: Panel, pre: np.ndarray, post: np.ndarray) -> Matrix | None:
    """The units observed in every period the treated unit has (rows flagged pre or post); None if too small.

    Controls missing any of those periods are left out (the estimators need a
    balanced block).
    """
    keep = pre | post
    units, unit_code = np.unique(sample.unit[keep], return_inverse=True)
    periods, period_code = np.unique(sample.period[keep], return_inverse=True)
    y = np.full((units.size, periods.size), np.nan)
    w = np.zeros((units.size, periods.size))
    y[unit_code, period_code] = sample.rate[keep]
    w[unit_code, period_code] = sample.weight[keep]
    if sample.treated not in units:
        return None
    row = int(np.flatnonzero(units == sample.treated)[0])
    columns = np.isfinite(y[row])
    rows = np.isfinite(y[:, columns]).all(axis=1)
    pre_period = np.isin(periods, sample.period[pre])
    post_period = np.isin(periods, sample.period[post])
    columns &= pre_period | post_period
    if rows.sum() < 3 or (columns & pre_period).sum() < 2 or not (columns & post_period).any():
        return None
    return Matrix(
        units=units[rows],
        periods=periods[columns],
        y=y[np.ix_(rows, columns)],
        pre=pre_period[columns],
        post=post_period[columns],
        size=w[np.ix_(rows, columns)].mean(axis=1),
        treated=sample.treated,
    )


@dataclass(frozen=True)
class UnitFacts:
    """Per-unit quantities shared by every fake treated unit of a window: pre mean, size, spread, fit ratio."""

    pre_mean: dict[str, float]
    size: dict[str, float]
    spread: dict[str, float]
    rmspe: dict[str, float]


def _facts(block: Matrix, fits: dict[str, SyntheticFit]) -> UnitFacts:
    """The per-unit quantities of a block and its fits."""
    names = [str(u) for u in block.units]
    spreads = {u: gap_spread(f, block.pre, block.post) for u, f in fits.items()}
    pre_means = block.y[:, block.pre].mean(axis=1)
    return UnitFacts(
        pre_mean=dict(zip(names, pre_means.tolist(), strict=True)),
        size=dict(zip(names, block.size.tolist(), strict=True)),
        spread=spreads,
        rmspe={u: rmspe_ratio(f, block.pre, block.post) for u, f in fits.items()},
    )


def _evidence(
    block: Matrix,
    treated_name: str,
    treated: SyntheticFit,
    placebos: dict[str, SyntheticFit],
    facts: UnitFacts,
) -> Evidence:
    """Evidence from the treated fit and the controls' placebo fits (keys: control names)."""
    controls = sorted(placebos)
    return Evidence(
        estimate=treated.estimate,
        pre_mean=facts.pre_mean[treated_name],
        placebos=np.array([placebos[u].estimate for u in controls]),
        placebo_pre_means=np.array([facts.pre_mean[u] for u in controls]),
        size=facts.size[treated_name],
        placebo_sizes=np.array([facts.size[u] for u in controls]),
        spread=facts.spread[treated_name],
        placebo_spreads=np.array([facts.spread[u] for u in controls]),
        residuals=treated.gap,
        post_design=block.post.astype(float),
        post_periods=block.post.copy(),
        n_pre=int(block.pre.sum()),
        n_post=int(block.post.sum()),
        rmspe_ratio=rmspe_ratio(treated, block.pre, block.post),
        placebo_rmspe_ratios=np.array([facts.rmspe[u] for u in controls]),
    )


@dataclass(frozen=True)
class SyntheticResult:
    """One estimator on one sample: the evidence for inference, the treated fit, the placebo fits, the block."""

    evidence: Evidence
    fit: SyntheticFit
    placebos: dict[str, SyntheticFit]
    block: Matrix


def synthetic_evidence(
    panel: Panel, pre: np.ndarray, post: np.ndarray, estimator: str
) -> SyntheticResult | None:
    """The estimator on the sample (rows flagged pre or post) and each control's placebo fit without the treated unit."""
    block = matrix(panel, pre, post)
    if block is None:
        return None
    row = block.index(panel.treated)
    treated = fit(block.y, row, block.pre, block.post, estimator)
    controls_only = np.arange(block.units.size) != row
    y0 = block.y[controls_only]
    names = block.units[controls_only]
    placebos = {
        str(name): fit(y0, k, block.pre, block.post, estimator) for k, name in enumerate(names)
    }
    facts = _facts(block, {str(panel.treated): treated, **placebos})
    evidence = _evidence(block, panel.treated, treated, placebos, facts)
    return SyntheticResult(evidence, treated, placebos, block)


def window_evidence(
    window: Panel, pre: np.ndarray, post: np.ndarray, estimator: str, units: list[str]
) -> dict[str, Evidence]:
    """Evidence for each listed unit as the fake treated one, from one fit of every unit against all the others."""
    block = matrix(window, pre, post)
    if block is None:
        return {}
    fits = {
        str(name): fit(block.y, k, block.pre, block.post, estimator)
        for k, name in enumerate(block.units)
    }
    facts = _facts(block, fits)
    out = {}
    for unit in units:
        if unit not in fits:
            continue
        others = {name: f for name, f in fits.items() if name != unit}
        out[unit] = _evidence(block, unit, fits[unit], others, facts)
    return out
