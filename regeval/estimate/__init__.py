"""Regressions, placebo loops and inference on the materialised panels, written back as tables."""

from regeval.estimate.run import run_estimation

__all__ = ["run_estimation"]
