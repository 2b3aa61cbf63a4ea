"""Regressions, placebo loops and inference on the materialised panels (run inside dbt by the model int_estimates_computed)."""

from regeval.estimate.run import estimate_tables

__all__ = ["estimate_tables"]
