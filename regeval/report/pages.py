"""Render the index and the study pages from the Jinja2 templates."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from regeval.identifiers import inside
from regeval.report import methods

INFERENCE_NOTE = (
    "With a single treated county, county-clustered (cluster_county) and heteroskedasticity-robust "
    "(hc1) standard errors are not valid: they rest on many treated clusters. Valid inference comes "
    "from the control counties' placebo estimates: the permutation p-value (placebo in space) and "
    "the Conley-Taber (2011) interval. Headline effects show only these."
)


def environment() -> Environment:
    """The Jinja2 environment of the report templates (autoescaped, strict)."""
    return Environment(
        loader=PackageLoader("regeval.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _common(db_name: str) -> dict:
    """Values every page uses."""
    return {
        "db_name": db_name,
        "inference_note": INFERENCE_NOTE,
        "inference_methods": [methods.inference(k) for k in methods.INFERENCE_ORDER],
        "valid_methods": [methods.inference(k) for k in methods.valid_methods()],
    }


def write_index(
    env: Environment, out_dir: Path, studies: list[dict], register_text: str, db_name: str
) -> Path:
    """Write index.html."""
    html = env.get_template("index.html").render(
        studies=studies, register_text=register_text, **_common(db_name)
    )
    path = inside(out_dir, "index.html")
    path.write_text(html, encoding="utf-8")
    return path


def write_study(env: Environment, out_dir: Path, context: dict, db_name: str) -> Path:
    """Write <study_id>.html."""
    html = env.get_template("study.html").render(**context, **_common(db_name))
    path = inside(out_dir, f"{context['s']['study_id']}.html")
    path.write_text(html, encoding="utf-8")
    return path
