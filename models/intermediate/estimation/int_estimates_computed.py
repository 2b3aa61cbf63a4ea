"""Every study's regressions, placebo loops, event studies, inference calibration and roll-out inference (regeval.estimate), one JSON row per row of the estimate tables (models/marts/estimates/ types them)."""

from regeval.estimate.panels import inputs_from
from regeval.estimate.run import estimate_tables
from regeval.estimate.tables import as_rows
from regeval.progress import say


def model(dbt, session):
    dbt.config(materialized="table")
    relations = {
        "studies": dbt.ref("studies"),
        "study_periods": dbt.ref("study_periods"),
        "county_panel": dbt.ref("county_panel"),
        "study_panel": dbt.ref("study_panel"),
        "cell_panel": dbt.ref("cell_panel"),
        "study_units": dbt.ref("study_units"),
        "study_outcome_windows": dbt.ref("study_outcome_windows"),
        "event_time_effects": dbt.ref("event_time_effects"),
    }
    return as_rows(estimate_tables(inputs_from(relations), progress=say))
