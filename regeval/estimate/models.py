"""The reported regressions: two-way fixed-effects OLS/WLS (statsmodels) and the Poisson cell model.

Standard errors here are the conventional ones (heteroskedasticity-robust HC1 for
the two-group pooled panel, county-clustered for the county and cell models).
With one treated county, county-clustered errors are NOT valid: the variance of
the treatment coefficient rests on the scores of that single cluster, whose
residuals the fit has partly absorbed, so it is biased down and the t-tests
over-reject (Conley & Taber 2011; MacKinnon & Webb 2017). They are kept for
comparison only; the inference for one treated county is in `single` (methods) and
`evaluation` (calibration and the recommended row)
(`TermEstimate.tidy`, `inference`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats
import statsmodels.api as sm

from regeval.estimate.fe import TwoWayFE, encode
from regeval.estimate.inference import permutation_p_value, placebo_t_interval, relative_to
from regeval.estimate.poisson import StratifiedPoissonFE
from regeval.estimate.sample import CellPanel, Panel

LEVEL = 0.95
TIDY_COLUMNS = [
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
    "inference",
]
PeriodFlags = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Fit:
    """One regression's terms of interest: estimates, errors, tests and intervals under one inference."""

    model: str
    inference: str
    terms: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    df: float | None
    n_obs: int
    n_clusters: int
    level: float = LEVEL

    def tidy(self) -> pd.DataFrame:
        """term, estimate, std_error, statistic, p_value, ci_low, ci_high, inference."""
        with np.errstate(divide="ignore", invalid="ignore"):
            statistic = self.estimate / self.std_error
        tail = (1 + self.level) / 2
        if self.df is None:
            p_value = 2 * scipy.stats.norm.sf(np.abs(statistic))
            quantile = scipy.stats.norm.ppf(tail)
        else:
            p_value = 2 * scipy.stats.t.sf(np.abs(statistic), self.df)
            quantile = scipy.stats.t.ppf(tail, self.df)
        return pd.DataFrame(
            {
                "term": list(self.terms),
                "estimate": self.estimate,
                "std_error": self.std_error,
                "statistic": statistic,
                "p_value": p_value,
                "ci_low": self.estimate - quantile * self.std_error,
                "ci_high": self.estimate + quantile * self.std_error,
                "inference": self.inference,
            },
            columns=TIDY_COLUMNS,
        )

    def coef(self, term: str) -> float:
        """The estimate of one term."""
        return float(self.estimate[self.terms.index(term)])


def tidy_frame(rows: list[dict]) -> pd.DataFrame:
    """Tidy rows as a DataFrame with the tidy columns, also when empty."""
    return pd.DataFrame(rows, columns=TIDY_COLUMNS)


@dataclass(frozen=True)
class TermEstimate:
    """A term of a reported fit with the controls' placebo coefficients that give its valid inference."""

    model: str
    term: str
    fit: Fit
    pre_mean: float
    placebos: np.ndarray
    placebo_pre_means: np.ndarray
    placebo_units: tuple[str, ...]
    log_scale: bool = False

    @property
    def estimate(self) -> float:
        """The coefficient (level, or log points for the Poisson model)."""
        return self.fit.coef(self.term)

    @property
    def relative(self) -> float:
        """The permutation statistic: coefficient / pre mean (linear) or the log-point coefficient."""
        if self.log_scale:
            return self.estimate
        return float(relative_to(self.estimate, self.pre_mean))

    @property
    def placebo_relative(self) -> np.ndarray:
        """The controls' permutation statistics, on the same scale as `relative`."""
        if self.log_scale:
            return self.placebos
        return relative_to(self.placebos, self.placebo_pre_means)

    @property
    def n_controls(self) -> int:
        """Number of control counties in the reported fit."""
        return len(self.placebo_units)

    def tidy(self) -> pd.DataFrame:
        """The fit's conventional row, then the permutation and placebo-t rows (those that can be computed)."""
        if not np.isfinite(self.estimate):
            return tidy_frame([])
        conventional = self.fit.tidy()
        conventional = conventional[
            (conventional["term"] == self.term) & np.isfinite(conventional["std_error"])
        ]
        rows = conventional.to_dict("records")
        blank = {"std_error": np.nan, "statistic": np.nan, "ci_low": np.nan, "ci_high": np.nan}
        p_value = permutation_p_value(self.relative, self.placebo_relative)
        if np.isfinite(p_value):
            rows.append(
                {
                    **blank,
                    "term": self.term,
                    "estimate": self.estimate,
                    "p_value": p_value,
                    "inference": "permutation",
                }
            )
        ct = placebo_t_interval(self.estimate, self.placebos)
        if np.isfinite(ct.ci_low):
            rows.append(
                {
                    **blank,
                    "term": self.term,
                    "estimate": self.estimate,
                    "p_value": ct.p_value,
                    "ci_low": ct.ci_low,
                    "ci_high": ct.ci_high,
                    "inference": "placebo_t",
                }
            )
        return tidy_frame(rows)


def flag_matrix(flags: PeriodFlags, periods: np.ndarray, k: int) -> np.ndarray:
    """Per-row period flags as an (n_obs x k) float matrix."""
    return np.asarray(flags(periods), dtype=float).reshape(periods.size, k)


def twfe_design(panel: Panel, regressors: np.ndarray) -> np.ndarray:
    """Regressors on the treated unit's rows, then unit dummies and period dummies (first period left out)."""
    units, unit_code = encode(panel.unit)
    periods, period_code = encode(panel.period)
    n = panel.n_obs
    x = np.zeros((n, regressors.shape[1] + units.size + periods.size - 1))
    k = regressors.shape[1]
    x[:, :k] = regressors * (panel.unit == panel.treated)[:, None]
    rows = np.arange(n)
    x[rows, k + unit_code] = 1.0
    later = period_code > 0
    x[rows[later], k + units.size + period_code[later] - 1] = 1.0
    return x


def fit_twfe(
    panel: Panel, terms: tuple[str, ...], flags: PeriodFlags, model: str, inference: str
) -> Fit:
    """Unit FE + period FE + treated x flags by WLS (weights = panel.weight), with HC1 or county-clustered errors."""
    k = len(terms)
    regressors = flag_matrix(flags, panel.period, k)
    check = TwoWayFE(panel).coefficients(panel.treated, regressors)
    n_clusters = int(np.unique(panel.unit).size)
    if not np.all(np.isfinite(check)):
        nan = np.full(k, np.nan)
        return Fit(model, inference, terms, check, nan, None, panel.n_obs, n_clusters)
    x = twfe_design(panel, regressors)
    if inference == "hc1":
        cov = {"cov_type": "HC1"}
    else:
        cov = {"cov_type": "cluster", "cov_kwds": {"groups": encode(panel.unit)[1]}}
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        result = sm.WLS(panel.rate, x, weights=panel.weight, hasconst=True).fit(use_t=True, **cov)
        std_error = np.asarray(result.bse[:k], dtype=float)
        df = float(getattr(result, "df_resid_inference", None) or result.df_resid)
    if not np.isfinite(df) or df <= 0:
        std_error, df = np.full(k, np.nan), None
    return Fit(
        model,
        inference,
        terms,
        np.asarray(result.params[:k]),
        std_error,
        df,
        panel.n_obs,
        n_clusters,
    )


def poisson_model(cells: CellPanel) -> StratifiedPoissonFE:
    """The Poisson model of cell counts: log exposure offset, county x cell and cell x period fixed effects.

    Each cell has its own time pattern (national changes in the composition of the
    counts by gender, age and education are absorbed) and each county its own cell
    mix, so the treatment coefficient is a within-cell comparison. With county,
    period and cell effects only, the model would collapse: with an exposure common
    to a county's cells its coefficient equals the Poisson on county totals.
    """
    return StratifiedPoissonFE(
        cells.count, np.log(cells.exposure), cells.cell, cells.unit, cells.period
    )


def fit_ppml(
    cells: CellPanel, flags: PeriodFlags, model: str = "ppml_cells"
) -> tuple[Fit, StratifiedPoissonFE]:
    """The Poisson cell model with treated x post, county-clustered errors (t with G-1 df)."""
    poisson = poisson_model(cells)
    z = flag_matrix(flags, cells.period, 1) * (cells.unit == cells.treated)[:, None]
    fit = poisson.fit(z)
    n_clusters = int(np.unique(cells.unit).size)
    std_error = np.full(1, np.nan)
    if np.all(np.isfinite(fit.coef)) and n_clusters > 1:
        std_error = np.sqrt(np.diag(poisson.cluster_vcov(fit, z, cells.unit)))
    result = Fit(
        model=model,
        inference="cluster_county",
        terms=("post",),
        estimate=fit.coef,
        std_error=std_error,
        df=float(n_clusters - 1),
        n_obs=cells.n_obs,
        n_clusters=n_clusters,
    )
    return result, poisson
