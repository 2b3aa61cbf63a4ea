"""The HTML report: built from a small run, every page, link and figure present, checked in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import matplotlib.image as mpimg
import numpy as np
import pytest

from regeval.report import build_report
from regeval.report import catalogue as cat
from regeval.report.build import study_report, study_tables
from regeval.report.data import load
from regeval.report.figures import Context, draw_figure, exclusion_note, missing_reason, source_line
from regeval.report.headline import headlines
from regeval.report.plotting import Interventions

CHROMIUM = Path("/usr/bin/chromium")
LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
STUDY_A = "hedmark_2014_jobseekers"
STUDY_B = "hedmark_2014_aap"


@pytest.fixture(scope="module")
def estimated_db(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built database with the estimation tables written by run_estimation."""
    from regeval.estimate import run_estimation

    db = tmp_path_factory.mktemp("report_db") / "regeval.duckdb"
    shutil.copyfile(built_db, db)
    run_estimation(db)
    return db


@pytest.fixture(scope="module")
def report(estimated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The report of the small run and build_report's summary."""
    out = tmp_path_factory.mktemp("report")
    messages: list[str] = []
    summary = build_report(estimated_db, out, progress=messages.append)
    summary["messages"] = messages
    return out, summary


def study_ids(db_path: Path) -> list[str]:
    """The study ids of a database."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return [r[0] for r in connection.execute("select study_id from studies").fetchall()]


def links(page: Path) -> list[str]:
    """Every href and src of a page."""
    return LINK.findall(page.read_text(encoding="utf-8"))


def test_summary_and_progress(report: tuple[Path, dict], estimated_db: Path) -> None:
    _, summary = report
    ids = study_ids(estimated_db)
    assert summary["pages"] == ["index.html", *[f"{s}.html" for s in ids]]
    assert summary["figures"] == sum(summary["figures_by_study"].values()) > 0
    assert summary["seconds"] > 0
    assert any(STUDY_A in m and "figures" in m for m in summary["messages"])


def test_every_study_has_a_page_linked_from_the_index(
    report: tuple[Path, dict], estimated_db: Path
) -> None:
    out, _ = report
    index = out / "index.html"
    index_links = links(index)
    text = index.read_text(encoding="utf-8")
    for study_id in study_ids(estimated_db):
        page = out / f"{study_id}.html"
        assert page.exists() and page.stat().st_size > 0
        assert f"{study_id}.html" in index_links
        assert study_id in text
    assert "Synthetic register" in text
    assert "Real published figures (NAV, SSB)" in text


def test_every_link_resolves_and_nothing_is_fetched(report: tuple[Path, dict]) -> None:
    out, _ = report
    pages = sorted(out.glob("*.html"))
    assert len(pages) >= 2
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower()
        assert not re.search(r"""(?:href|src)\s*=\s*["'](?:https?:)?//""", text, re.IGNORECASE)
        anchors = set(re.findall(r'id="([^"]+)"', text))
        for link in links(page):
            path, _, fragment = link.partition("#")
            if path:
                assert (out / path).is_file(), f"{page.name}: {link} does not exist"
            elif fragment:
                assert fragment in anchors, f"{page.name}: no anchor #{fragment}"


def test_every_figure_exists_and_is_a_png(report: tuple[Path, dict]) -> None:
    out, summary = report
    images = {src for page in out.glob("*.html") for src in links(page) if src.endswith(".png")}
    assert len(images) == summary["figures"]
    for src in images:
        path = out / src
        assert path.is_file() and path.stat().st_size > 1000, src
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src


def test_study_a_has_every_figure_of_the_article(report: tuple[Path, dict]) -> None:
    out, _ = report
    figures = {p.name for p in (out / "figures" / STUDY_A).glob("*.png")}
    expected = {"county_change_county_change.png"}
    for group in ("stocks", "new", *(f"duration_{d}" for d in cat.DURATIONS)):
        expected |= {f"{group}_{kind}.png" for kind in (cat.SERIES, cat.DIFFERENCE)}
    for kind in (cat.EVENT_STUDY, cat.PLACEBO_TIME, cat.PLACEBO_SPACE):
        expected.add(f"stocks_{kind}.png")
    assert expected <= figures, sorted(expected - figures)


def test_study_b_has_every_figure_of_the_article(report: tuple[Path, dict]) -> None:
    out, _ = report
    figures = {p.name for p in (out / "figures" / STUDY_B).glob("*.png")}
    expected = {
        "sick_leave_series.png",
        "exhaustion_series.png",
        "exhaustion_difference.png",
        "aap_share_series.png",
        "aap_share_difference.png",
        "aap_inflow_series.png",
        "aap_inflow_difference.png",
        "aap_inflow_origin_difference.png",
        "applications_dual_difference.png",
        "aap_inflow_event_study.png",
        "aap_inflow_placebo_time.png",
        "aap_inflow_placebo_space.png",
    }
    assert expected <= figures, sorted(expected - figures)


def test_tables_are_formatted_as_the_articles(report: tuple[Path, dict]) -> None:
    out, _ = report
    page_a = (out / f"{STUDY_A}.html").read_text(encoding="utf-8")
    for n in range(1, 6):
        assert f"Table {n}." in page_a
    assert "article: Table 5" in page_a
    assert re.search(r"[+-]\d+\.\d %", page_a)
    assert re.search(r"\(-?\d+\.\d, -?\d+\.\d\)", page_a)
    for method in ("Permutation", "Conley-Taber", "Clustered by county †"):
        assert method in page_a
    assert "not valid with a single treated county" in page_a
    assert "Same calendar months" in page_a
    page_b = (out / f"{STUDY_B}.html").read_text(encoding="utf-8")
    assert "article: Table 1" in page_b and "article: Table 3" in page_b
    assert "[(B-A)-(D-C)]/A" in page_b


def test_pages_say_which_counties_were_left_out(
    report: tuple[Path, dict], estimated_db: Path
) -> None:
    out, _ = report
    with duckdb.connect(str(estimated_db), read_only=True) as connection:
        rows = connection.execute(
            "select study_id, county_name from study_exclusions where is_excluded"
        ).fetchall()
    for study_id, county_name in rows:
        page = (out / f"{study_id}.html").read_text(encoding="utf-8")
        assert "Counties with gaps" in page and county_name in page


def test_missing_estimation_tables_show_not_estimated(built_db: Path, tmp_path: Path) -> None:
    for data in load(built_db):
        report_plan = study_report(data)
        assert data.regression is None
        assert all(h.missing == "not estimated" for h in headlines(data, report_plan.headline))
        assert not any(t.key.startswith("regression") for t in study_tables(data, report_plan))
        for group in report_plan.figures:
            for kind in set(group.kinds) & set(cat.ESTIMATE_KINDS):
                assert missing_reason(data, group, kind).startswith("not estimated")


def test_county_figure_reads_the_published_panel(built_db: Path, tmp_path: Path) -> None:
    publish = tmp_path / "publish"
    publish.mkdir()
    with duckdb.connect(str(built_db), read_only=True) as connection:
        connection.execute(
            f"""
            copy (
                select * replace (
                    case when county_code = '20' then null else numerator end as numerator,
                    case when county_code = '20' then null else rate end as rate
                ), county_code = '20' as suppressed
                from county_panel
            ) to '{publish / "county_panel.parquet"}' (format parquet)
            """
        )
    data = next(d for d in load(built_db, publish) if d.study_id == STUDY_A)
    assert data.county_published
    group = next(g for g in study_report(data).figures if cat.COUNTY_CHANGE in g.kinds)
    from regeval.report.figures import county_change

    frame, _, _ = county_change(data, group.outcomes)
    finnmark = frame[frame["county_code"] == "20"].iloc[0]
    assert finnmark["suppressed"] and np.isnan(finnmark["change_pct"])
    assert frame.loc[frame["county_code"] != "20", "change_pct"].notna().any()
    ctx = Context(
        data,
        tmp_path / "out",
        source_line(data, True),
        Interventions.of(data.study),
        exclusion_note(data),
    )
    figure = draw_figure(ctx, group, cat.COUNTY_CHANGE)
    assert figure.path and (tmp_path / "out" / figure.path).stat().st_size > 1000


def screenshot(page: Path, png: Path, profile: Path) -> np.ndarray:
    """The page rendered by headless Chromium at 1280 x 2000, as an RGB array."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--screenshot={png}",
        "--window-size=1280,2000",
        page.resolve().as_uri(),
    ]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=180)
    assert png.exists(), (
        f"no screenshot from chromium (exit {result.returncode}): {result.stderr[-2000:]}"
    )
    return mpimg.imread(png)[..., :3]


def test_pages_render_in_a_browser(report: tuple[Path, dict], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"chromium not installed: browser test skipped ({CHROMIUM} is missing)")
    out, _ = report
    for name in ("index.html", f"{STUDY_A}.html"):
        image = screenshot(out / name, tmp_path / f"{name}.png", tmp_path / "profile")
        assert image.shape[:2] == (2000, 1280)
        non_white = np.any(image < 0.95, axis=-1).mean()
        colours = len(np.unique((image * 15).round().reshape(-1, 3), axis=0))
        assert non_white > 0.05, f"{name}: page looks blank ({non_white:.1%} non-white)"
        assert colours > 20, f"{name}: only {colours} distinct colours"


def test_study_b_shows_when_each_measure_was_expected_to_act(report: tuple[Path, dict]) -> None:
    """Study B's page has the article's Table 2 (seed study_measures) with its four measures; Study A's has none."""
    out, _ = report
    text = (out / f"{STUDY_B}.html").read_text(encoding="utf-8")
    assert "When each measure was expected to act" in text
    for words in (
        "Everyone on sick leave for more than 8 weeks on 1 April 2013",
        "i.e. February-March 2014",
        "Case-review workshop on the conditions for AAP",
        "From July 2014, when they may have used up their sickness benefit 13 weeks later",
    ):
        assert words in text, words
    assert "When each measure was expected to act" not in (out / f"{STUDY_A}.html").read_text(
        encoding="utf-8"
    )
