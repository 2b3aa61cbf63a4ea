"""Render the index and the study pages from the Jinja2 templates."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from regeval.identifiers import inside
from regeval.report import methods
from regeval.report import significance as sig
from regeval.report.validation import NOT_RUN, Validation

INFERENCE_NOTE = (
    "With a single treated county, county-clustered (cluster_county) and heteroskedasticity-robust "
    "(hc1) standard errors are not valid: clustering has one treated cluster, and HC1 ignores the "
    "serial correlation of the monthly rates. Each study is therefore estimated with several "
    "methods made for one treated county, each calibrated on the study's own data before the "
    "intervention (every county as a fake treated one); the headline shows the recommended one, "
    "the method whose calibration holds with the fewest false alarms (then the shortest interval), "
    "and says so when none holds."
)
METHODS_PAGE = "methods.html"


def environment() -> Environment:
    """The Jinja2 environment of the report templates (autoescaped, strict)."""
    return Environment(
        loader=PackageLoader("regeval.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def common(db_name: str) -> dict:
    """Values every page uses."""
    return {
        "db_name": db_name,
        "inference_note": INFERENCE_NOTE,
        "inference_methods": [methods.inference(k) for k in methods.INFERENCE_ORDER],
        "marker_note": sig.MARKER_NOTE,
        "methods_page": METHODS_PAGE,
    }


def write_index(
    env: Environment,
    out_dir: Path,
    studies: list[dict],
    register_text: str,
    db_name: str,
    rollouts: list[dict] | None = None,
) -> Path:
    """Write index.html: a card per single-county study, then one per roll-out study."""
    html = env.get_template("index.html").render(
        studies=studies, rollouts=rollouts or [], register_text=register_text, **common(db_name)
    )
    path = inside(out_dir, "index.html")
    path.write_text(html, encoding="utf-8")
    return path


def write_study(env: Environment, out_dir: Path, context: dict, db_name: str) -> Path:
    """Write <study_id>.html."""
    html = env.get_template("study.html").render(**context, **common(db_name))
    path = inside(out_dir, f"{context['s']['study_id']}.html")
    path.write_text(html, encoding="utf-8")
    return path


def write_comparison(env: Environment, out_dir: Path, context: dict, db_name: str) -> Path:
    """Write <study_id>_synthetic.html: DID, SC and SDID side by side, weights, paths, sensitivity."""
    html = env.get_template("comparison.html").render(**context, **common(db_name))
    path = inside(out_dir, f"{context['s']['study_id']}_synthetic.html")
    path.write_text(html, encoding="utf-8")
    return path


def write_methods(env: Environment, out_dir: Path, found: Validation, db_name: str) -> Path:
    """Write methods.html: what each method assumes, the Monte Carlo tables, the real-data calibration."""
    html = env.get_template("methods.html").render(
        validation=found, not_run=NOT_RUN, **common(db_name)
    )
    path = out_dir / METHODS_PAGE
    path.write_text(html, encoding="utf-8")
    return path
