"""The estimation entry point: every study and outcome of the inputs, as the estimate tables (the dbt model int_estimates_computed calls it)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from regeval.estimate.cells import ppml_term
from regeval.estimate.design import StudyDesign, Window, designs_from
from regeval.estimate.evaluation import Evaluation, evaluate_panel
from regeval.estimate.event_study import event_study
from regeval.estimate.linear import county_terms, pooled_term
from regeval.estimate.panels import Inputs
from regeval.estimate.placebos import leave_one_out_rows, space_rows, time_rows
from regeval.estimate.results import Outcome, calibration_rows, evaluation_rows, term_rows
from regeval.estimate.rollout import rollout_tables
from regeval.estimate.sample import Panel, cell_panel, county_panel, group_panel
from regeval.estimate.synthetic import ESTIMATORS as SYNTHETIC_ESTIMATORS
from regeval.estimate.synthetic_tables import synthetic_path_rows, synthetic_weight_rows
from regeval.estimate.tables import columns
from regeval.estimate.threads import blas_threads

STUDY_ESTIMATORS = ("did", *SYNTHETIC_ESTIMATORS)


@dataclass
class Rows:
    """Rows collected for the single-county estimate tables."""

    regression_effects: list[dict] = field(default_factory=list)
    placebo_effects: list[dict] = field(default_factory=list)
    event_study: list[dict] = field(default_factory=list)
    inference_calibration: list[dict] = field(default_factory=list)
    synthetic_weights: list[dict] = field(default_factory=list)
    synthetic_paths: list[dict] = field(default_factory=list)
    sensitivity: list[dict] = field(default_factory=list)

    def extend(self, other: Rows) -> None:
        """Append another collection's rows."""
        for name in self.tables():
            getattr(self, name).extend(getattr(other, name))

    @staticmethod
    def tables() -> list[str]:
        """The tables of single-county studies (roll-out studies have their own, regeval.estimate.rollout)."""
        return [f.name for f in fields(Rows)]

    def frames(self) -> dict[str, pd.DataFrame]:
        """The rows as DataFrames with the tables' columns; Holm-adjusted p-values across outcomes."""
        frames = {
            name: pd.DataFrame(getattr(self, name), columns=list(columns()[name]))
            for name in self.tables()
        }
        frames["regression_effects"] = with_holm(frames["regression_effects"])
        return frames


def holm(p_values: pd.Series) -> pd.Series:
    """Holm's step-down adjustment of the finite p-values (statsmodels), NaN elsewhere."""
    out = pd.Series(np.nan, index=p_values.index)
    finite = p_values.notna()
    if finite.any():
        out[finite] = multipletests(p_values[finite].to_numpy(dtype=float), method="holm")[1]
    return out


def with_holm(effects: pd.DataFrame) -> pd.DataFrame:
    """p_value_holm: each p-value adjusted over the outcomes of its study, model, term and inference."""
    if effects.empty:
        return effects
    keys = ["study_id", "model", "term", "inference"]
    effects = effects.copy()
    effects["p_value_holm"] = effects.groupby(keys, group_keys=False)["p_value"].apply(holm)
    return effects


def estimate_outcome(
    outcome: Outcome,
    design: StudyDesign,
    county: pd.DataFrame,
    groups: pd.DataFrame,
    cells: pd.DataFrame,
) -> Rows:
    """All models, inference, placebo loops and the event study of one study outcome."""
    rows = Rows()
    window = design.window(outcome.outcome_id)
    if window is None or county.empty:
        return rows
    panel = county_panel(county)
    sample = panel.select(window.sample(panel.period))
    if not sample.has(sample.treated) or len(sample.controls()) < 2:
        return rows
    county_fits = county_terms(panel, window, design)
    post = county_fits[0]
    terms = list(county_fits)
    evaluation = evaluate_study(panel, window, design)
    if not groups.empty:
        terms.insert(0, pooled_term(group_panel(groups), panel, window))
    if not cells.empty:
        cell_rows = cell_panel(cells, panel.treated, np.unique(sample.unit).tolist())
        ppml = ppml_term(cell_rows, window, post.pre_mean)
        if ppml is not None:
            terms.append(ppml)
    for term in terms:
        if term is post and evaluation is not None:
            rows.regression_effects += evaluation_rows(outcome, term, evaluation)
            rows.inference_calibration += calibration_rows(outcome, evaluation)
            rows.synthetic_weights += synthetic_weight_rows(outcome, evaluation)
            rows.synthetic_paths += synthetic_path_rows(outcome, evaluation)
        else:
            rows.regression_effects += term_rows(outcome, term)
    controls_obs = int(np.sum(sample.unit != sample.treated))
    rows.placebo_effects += time_rows(outcome, panel, window, design)
    rows.placebo_effects += space_rows(outcome, post, controls_obs)
    rows.placebo_effects += leave_one_out_rows(outcome, sample, window, post.pre_mean)
    event_rows, trend_rows, sensitivity = event_study(outcome, panel, window, design)
    rows.event_study += event_rows
    rows.sensitivity += sensitivity
    rows.regression_effects += trend_rows
    return rows


def evaluate_study(panel: Panel, window: Window, design: StudyDesign) -> Evaluation | None:
    """The single-unit methods on the study's window, calibrated on every county before the first intervention."""
    in_window = window.sample(panel.period)
    pre = window.pre(panel.period) & in_window
    post = window.post(panel.period) & in_window
    before = panel.select(design.before_first_intervention(panel.period))
    return evaluate_panel(panel, pre, post, before, estimators=STUDY_ESTIMATORS, conventional=False)


def recommended_summary(rows: Rows) -> str:
    """'recommended: studentized_t 10, conformal 2; calibration holds for 12 of 12 outcomes'."""
    chosen = [r for r in rows.regression_effects if r.get("recommended")]
    if not chosen:
        return "no outcome with single-county inference"
    methods = pd.Series(
        [
            r["inference"] if r["model"] == "twfe_county" else f"{r['model']}:{r['inference']}"
            for r in chosen
        ]
    ).value_counts()
    holding = sum(
        1
        for r in rows.inference_calibration
        if r["recommended"] and r["unit"] == "*" and r["holds"]
    )
    listed = ", ".join(f"{method} {count}" for method, count in methods.items())
    return f"recommended: {listed}; calibration holds for {holding} of {len(chosen)} outcome(s)"


def _split(frame: pd.DataFrame, study_id: str) -> dict[str, pd.DataFrame]:
    """One study's rows of a panel, by outcome."""
    part = frame[frame["study_id"] == study_id]
    return {str(k): v for k, v in part.groupby("outcome_id", sort=True)}


def estimate_study(design: StudyDesign, inputs: Inputs) -> Rows:
    """Every outcome of one study."""
    rows = Rows()
    county = _split(inputs.county_panel, design.study_id)
    groups = _split(inputs.study_panel, design.study_id)
    cells = _split(inputs.cell_panel, design.study_id)
    empty_groups = inputs.study_panel.iloc[0:0]
    empty_cells = inputs.cell_panel.iloc[0:0]
    for outcome_id, panel in county.items():
        outcome = Outcome(design.study_id, outcome_id)
        try:
            rows.extend(
                estimate_outcome(
                    outcome,
                    design,
                    panel,
                    groups.get(outcome_id, empty_groups),
                    cells.get(outcome_id, empty_cells),
                )
            )
        except Exception as error:
            error.add_note(f"while estimating {design.study_id} / {outcome_id}")
            raise
    return rows


def estimate_tables(
    inputs: Inputs, progress: Callable[[str], None] | None = None
) -> dict[str, pd.DataFrame]:
    """Estimate every study and outcome of the inputs; {table: rows} for every estimate table (models/marts/estimates/)."""
    started = time.perf_counter()
    say = progress or (lambda message: None)
    designs = designs_from(inputs.studies, inputs.study_periods)
    rows = Rows()
    with blas_threads(1):
        for study_id, design in designs.items():
            study_started = time.perf_counter()
            outcomes = inputs.county_panel.loc[
                inputs.county_panel["study_id"] == study_id, "outcome_id"
            ]
            study_rows = estimate_study(design, inputs)
            rows.extend(study_rows)
            say(
                f"estimate {study_id}: {int(outcomes.nunique())} outcome(s) in "
                f"{time.perf_counter() - study_started:.1f} s; {recommended_summary(study_rows)}"
            )
    frames = rows.frames()
    rollout_started = time.perf_counter()
    rollout = rollout_tables(inputs.rollout)
    say(
        f"estimate roll-out studies: {rollout['rollout_inference']['study_id'].nunique()} "
        f"study(ies) in {time.perf_counter() - rollout_started:.1f} s"
    )
    frames.update(rollout)
    say(
        "estimate: "
        + ", ".join(f"{table} {len(frame)} rows" for table, frame in frames.items())
        + f" in {time.perf_counter() - started:.1f} s"
    )
    return frames
