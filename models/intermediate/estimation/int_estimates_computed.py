"""Every study's regressions, placebo loops, event studies and inference calibration (regeval.estimate), one JSON row per row of the four estimate tables (models/marts/estimates/ types them)."""

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
    }
    return as_rows(estimate_tables(inputs_from(relations), progress=say))
