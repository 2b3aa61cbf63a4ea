"""The offline HTML report: every table and figure of every study."""

from regeval.report.build import build_report

__all__ = ["build_report"]
