"""The HTML report: built from a small run, every page, link and figure present, checked in a browser."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import matplotlib.image as mpimg
import numpy as np
import pytest
from markupsafe import escape

from regeval.report import build_report
from regeval.report import catalogue as cat
from regeval.report import formatting as fmt
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
    """A copy of the built database (dbt build estimates inside the DAG)."""
    db = tmp_path_factory.mktemp("report_db") / "regeval.duckdb"
    shutil.copyfile(built_db, db)
    return db


@pytest.fixture(scope="module")
def report(estimated_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The report of the small run and build_report's summary."""
    out = tmp_path_factory.mktemp("report")
    messages: list[str] = []
    not_run = tmp_path_factory.mktemp("no_inference_tables")
    summary = build_report(
        estimated_db, out, progress=messages.append, inference_dir=not_run / "inference"
    )
    summary["messages"] = messages
    return out, summary


def study_ids(db_path: Path) -> list[str]:
    """The study ids of a database."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return [
            r[0] for r in connection.execute("select study_id from study_config.studies").fetchall()
        ]


def links(page: Path) -> list[str]:
    """Every href and src of a page."""
    return LINK.findall(page.read_text(encoding="utf-8"))


def test_summary_and_progress(report: tuple[Path, dict], estimated_db: Path) -> None:
    _, summary = report
    ids = study_ids(estimated_db)
    studies = [p for p in summary["pages"] if not p.endswith("_synthetic.html")]
    assert studies == ["index.html", *[f"{s}.html" for s in ids], "methods.html"]
    compared = [p for p in summary["pages"] if p.endswith("_synthetic.html")]
    assert f"{STUDY_A}_synthetic.html" in compared and f"{STUDY_B}_synthetic.html" in compared
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
    for method in ("Permutation", "Placebo t", "Conley-Taber", "Clustered by county †"):
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
    from regeval.estimate.tables import columns

    db = tmp_path / "without_estimates.duckdb"
    shutil.copyfile(built_db, db)
    with duckdb.connect(str(db)) as connection:
        connection.execute("drop view headline_effects")
        for table in columns():
            connection.execute(f"drop table {table}")
    for data in load(db):
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


# --- inference: the recommended row, its calibration, markers and the methods page ---

NOT_CALIBRATED = "no inference method is calibrated on this study: the interval is not a valid test"
NOT_RUN = "not yet run: `make validate-inference`"


def query(db_path: Path, sql: str) -> list[dict]:
    """Rows of a query on the database, as dicts."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        frame = connection.execute(sql).df()
    return frame.to_dict("records")


def recommended_rows(db_path: Path) -> dict[tuple[str, str], dict]:
    """The recommended regression row of every study and outcome, with its '*' calibration row."""
    rows = query(
        db_path,
        """
        select r.*, c.holds as calibration_holds, c.rejection_rate_05 as cal_rate_05
        from regression_effects r
        left join inference_calibration c
          on c.study_id = r.study_id and c.outcome_id = r.outcome_id
         and c.method = r.inference and c.unit = '*' and c.model = r.model
        where r.recommended
        """,
    )
    return {(r["study_id"], r["outcome_id"]): r for r in rows}


def expected_calibrated(row: dict) -> bool:
    """Whether a recommended row's calibration holds, from the tables alone."""
    holds = row["calibration_holds"] is True or row["calibration_holds"] == 1
    text = str(row["recommendation"] or "")
    ratio = row["variance_ratio"]
    volatile = ratio is not None and not np.isnan(ratio) and ratio > 1.5
    return holds and "no method's calibration holds" not in text and not volatile


def study_data(db_path: Path, study_id: str):
    """One study's report data."""
    return next(d for d in load(db_path) if d.study_id == study_id)


def p_text(value: float) -> str:
    """A p-value as the tables print it."""
    if value is None or np.isnan(value):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def test_every_outcome_has_one_recommended_row(estimated_db: Path) -> None:
    counts = query(
        estimated_db,
        """
        select r.study_id, r.outcome_id, count(*) filter (where recommended) as n
        from regression_effects r
        where model in ('twfe_county', 'sc_county', 'sdid_county') and term = 'post'
        group by 1, 2
        """,
    )
    assert counts and all(r["n"] == 1 for r in counts)


def test_headline_is_the_recommended_row(estimated_db: Path) -> None:
    expected = recommended_rows(estimated_db)
    seen = 0
    for data in load(estimated_db):
        for h, outcome_id in zip(
            headlines(data, study_report(data).headline), study_report(data).headline
        ):
            row = expected[(data.study_id, outcome_id)]
            seen += 1
            assert h.method_key == row["inference"]
            assert row["inference"] not in ("cluster_county", "hc1")
            assert h.estimate.rstrip("*") == fmt.pct(row["estimate_pct"], plus=True)
            if not np.isnan(row["ci_low_pct"]):
                assert h.interval == f"({row['ci_low_pct']:.1f}, {row['ci_high_pct']:.1f})"
            assert h.p_holm == p_text(row["p_value_holm"])
            assert h.why == row["recommendation"] and h.why
            calibrated = expected_calibrated(row)
            assert h.calibrated == calibrated
            assert (h.warning == NOT_CALIBRATED) == (not calibrated)
            starred = (
                calibrated
                and row["p_value"] <= 0.05
                and (row["min_p_value"] is None or row["min_p_value"] <= 0.05)
            )
            assert h.estimate.endswith("*") == starred
    assert seen >= 4


def test_pages_show_the_recommended_row_and_why(
    report: tuple[Path, dict], estimated_db: Path
) -> None:
    out, _ = report
    expected = recommended_rows(estimated_db)
    for data in load(estimated_db):
        page = (out / f"{data.study_id}.html").read_text(encoding="utf-8")
        headline_part = page.split('id="headline"')[1].split('id="tables"')[0]
        for outcome_id in study_report(data).headline:
            row = expected[(data.study_id, outcome_id)]
            assert f'data-method="{row["inference"]}"' in headline_part
            assert str(escape(row["recommendation"])) in headline_part
            if not expected_calibrated(row):
                assert NOT_CALIBRATED in headline_part
        if all(expected_calibrated(expected[(data.study_id, o)]) for o in data.outcome_ids):
            assert NOT_CALIBRATED not in headline_part


def test_uncalibrated_study_says_so_and_shows_no_marker(estimated_db: Path) -> None:
    from regeval.report import pages

    data = study_data(estimated_db, STUDY_A)
    outcome_id = study_report(data).headline[0]
    reg = data.regression.copy()
    chosen = reg["recommended"].astype(bool) & (reg["outcome_id"] == outcome_id)
    reg.loc[chosen, "p_value"] = 0.0001
    reg["calibrated"] = False
    data.regression = reg
    data.calibration = data.calibration.assign(holds=False)
    h = headlines(data, (outcome_id,))[0]
    assert h.warning == NOT_CALIBRATED and not h.calibrated
    assert h.marker == "" and not h.estimate.endswith("*")
    macros = pages.environment().get_template("_macros.html").module
    rendered = str(macros.render_headlines([h], "note"))
    assert NOT_CALIBRATED in rendered
    for table in study_tables(data, study_report(data)):
        for line in table.body:
            assert not any(c.text.endswith("*") for c in line), table.title


def _regression_lines(table) -> list[tuple[str, str, list[str]]]:
    """(outcome label, inference text, cells after it) of each row of a regression table."""
    lines, outcome = [], ""
    for line in table.body:
        cells = list(line)
        if cells[0].header:
            outcome = cells.pop(0).text
        lines.append((outcome, cells[0].text, [c.text for c in cells[1:]]))
    return lines


def test_markers_only_on_the_recommended_calibrated_row(estimated_db: Path) -> None:
    from regeval.report import methods

    expected = recommended_rows(estimated_db)
    labels = {k: v.label for k, v in methods.INFERENCE.items()}
    checked = 0
    for data in load(estimated_db):
        reg = query(
            estimated_db,
            f"select * from regression_effects where study_id = '{data.study_id}'",
        )
        by_key = {(r["outcome_id"], r["model"], r["term"], r["inference"]): r for r in reg}
        label_to_outcome = {data.outcome(o)["label"]: o for o in data.outcome_ids}
        for table in study_tables(data, study_report(data)):
            if not table.key.startswith("regression_"):
                continue
            model = table.key.removeprefix("regression_")
            for label, inference_text, cells in _regression_lines(table):
                outcome_id = label_to_outcome[label]
                name = inference_text.split(" ✓")[0].removesuffix(" †")
                key = next(k for k, v in labels.items() if v == name)
                row = by_key[(outcome_id, model, "post", key)]
                p, holm = cells[2:4]
                assert p == p_text(row["p_value"])
                assert holm == p_text(row["p_value_holm"])
                rec = expected[(data.study_id, outcome_id)]
                should_star = (
                    bool(row["recommended"])
                    and expected_calibrated(rec)
                    and row["p_value"] <= 0.05
                    and row["min_p_value"] <= 0.05
                )
                starred = any(c.endswith("*") for c in cells)
                assert starred == should_star, (data.study_id, outcome_id, model, key)
                if key in ("cluster_county", "hc1"):
                    assert inference_text.endswith("†") and not starred
                assert ("✓" in inference_text) == bool(row["recommended"])
                checked += 1
    assert checked > 50


def test_no_marker_below_the_smallest_reachable_p(
    report: tuple[Path, dict], estimated_db: Path
) -> None:
    from regeval.report import significance
    from regeval.report.figures import (
        _permutation_row,
        floor_sentence,
        permutation_title,
        placebo_floor,
    )

    out, _ = report
    floors = query(
        estimated_db,
        """
        select study_id, outcome_id, model, n_controls, min_p_value, p_value
        from regression_effects
        where inference = 'permutation' and term = 'post' and min_p_value > 0.05
        """,
    )
    assert floors, "the small run's permutation p-values should not reach 5 %"
    for row in floors:
        n0 = round(1 / row["min_p_value"]) - 1
        assert n0 <= int(row["n_controls"])
        assert row["min_p_value"] == pytest.approx(1 / (n0 + 1))
        forced = {**row, "inference": "permutation", "recommended": True, "p_value": 0.01}
        assert significance.marker(forced, True) == ""
        data = study_data(estimated_db, row["study_id"])
        title = permutation_title("x", _permutation_row(data, row["outcome_id"], row["model"]))
        title = " ".join(title.split())
        floor = f"the permutation p-value cannot go below 1/({n0}+1) = {1 / (n0 + 1):.3f}"
        assert f"with {n0} controls" in title and floor in title
        assert "p < 0.05" not in title
        page = (out / f"{row['study_id']}.html").read_text(encoding="utf-8")
        assert f"with {n0} controls" in page and floor in page
    for page in out.glob("*.html"):
        assert "p < 0.05" not in page.read_text(encoding="utf-8")
    time_rows = query(
        estimated_db,
        f"""
        select outcome_id, n_controls, p_value from placebo_effects
        where study_id = '{STUDY_A}' and kind = 'time'
        """,
    )
    import pandas as pd

    frame = pd.DataFrame(time_rows)
    n0 = int(frame["n_controls"].max())
    assert placebo_floor(frame) == pytest.approx(1 / (n0 + 1))
    if 1 / (n0 + 1) > 0.05:
        assert f"1/({n0}+1)" in floor_sentence(frame, placebo_floor(frame))


def test_conventional_rows_have_correct_footnotes(report: tuple[Path, dict]) -> None:
    out, _ = report
    page_a = (out / f"{STUDY_A}.html").read_text(encoding="utf-8")
    assert "Clustered by county: one treated cluster" in page_a
    assert "HC1 robust: ignores the serial correlation of the monthly rates" in page_a


def test_calibration_section_shows_the_tables_values(
    report: tuple[Path, dict], estimated_db: Path
) -> None:
    from regeval.report import calibration as cal
    from regeval.report import methods

    out, _ = report
    expected = recommended_rows(estimated_db)
    for data in load(estimated_db):
        page = (out / f"{data.study_id}.html").read_text(encoding="utf-8")
        assert 'id="calibration"' in page
        headline = study_report(data).headline
        tables = {t.key: t for t in cal.calibration_tables(data, headline)}
        summary = tables["calibration_summary"]
        assert str(escape(summary.title)) in page
        for number, outcome_id in enumerate(headline, start=1):
            overall = query(
                estimated_db,
                f"""
                select * from inference_calibration
                where study_id = '{data.study_id}' and outcome_id = '{outcome_id}'
                  and unit = '*' and model = 'twfe_county'
                """,
            )
            if not overall:
                assert f"calibration_{number}" not in tables
                continue
            table = tables[f"calibration_{number}"]
            shown = {line[0].text: line for line in table.body}
            assert len(shown) == len(overall)
            for r in overall:
                line = shown[methods.inference(r["method"]).label]
                assert line[1].text == str(r["n_fake_studies"])
                assert line[2].text == str(r["rejections_05"])
                assert line[3].text == f"{100 * r['rejection_rate_05']:.1f} %"
                assert line[4].text == f"{100 * r['rejection_rate_10']:.1f} %"
                assert line[7].text == f"{100 * r['band_high_05']:.1f} %"
                assert line[8].text == ("yes" if r["holds"] else "NO")
                assert (line[9].text == "✓") == bool(r["recommended"])
            county = tables[f"calibration_county_{number}"]
            units = query(
                estimated_db,
                f"""
                select unit, method, rejection_rate_05 from inference_calibration
                where study_id = '{data.study_id}' and outcome_id = '{outcome_id}'
                  and unit <> '*' and model = 'twfe_county'
                """,
            )
            assert len(county.body) == len({u["unit"] for u in units})
            if expected[(data.study_id, outcome_id)]["model"] != "twfe_county":
                continue  # the county table shows the DID methods; the ✓ is on another page
            method = expected[(data.study_id, outcome_id)]["inference"]
            headers = [c.text for c in county.head[0]]
            assert methods.inference(method).label + " ✓" in headers
            column = headers.index(methods.inference(method).label + " ✓")
            rates = {u["unit"]: u["rejection_rate_05"] for u in units if u["method"] == method}
            for line in county.body:
                unit = line[0].text.split(" ")[0]
                assert line[column].text == f"{100 * rates[unit]:.1f} %"
            assert str(escape(table.title)) in page


def test_methods_page_says_not_yet_run(report: tuple[Path, dict]) -> None:
    out, _ = report
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "methods.html" in links(out / "index.html")
    page = (out / "methods.html").read_text(encoding="utf-8")
    assert page.count(html.escape(NOT_RUN)) == 2
    for key in (
        "placebo_t",
        "conley_taber",
        "permutation",
        "ferman_pinto",
        "studentized_t",
        "studentized_permutation",
        "conformal",
        "cluster_county",
        "hc1",
    ):
        assert f"<code>{key}</code>" in page
    assert "empirical 2.5 and 97.5 % quantiles" in page
    assert "serial correlation" in page and "one treated cluster" in page
    assert index


def test_methods_page_shows_the_simulation_and_real_calibration(
    estimated_db: Path, tmp_path: Path
) -> None:
    import pandas as pd

    from regeval.report import pages
    from regeval.report.validation import validation

    inference = tmp_path / "inference"
    inference.mkdir()
    pd.DataFrame(
        [
            ("treated 3x volatile, 11 controls", m, 400, cov, 0.928, 0.97, size, 0.03, 0.0725, w)
            for m, cov, size, w in (
                ("placebo_t", 0.512, 0.488, 0.2011),
                ("studentized_t", 0.947, 0.052, 0.4866),
                ("conformal", 0.955, 0.045, 0.6103),
                ("recommended", 0.945, 0.055, 0.4866),
            )
        ],
        columns=[
            "scenario",
            "method",
            "replications",
            "coverage",
            "coverage_band_low",
            "coverage_band_high",
            "size",
            "size_band_low",
            "size_band_high",
            "median_width",
        ],
    ).assign(
        coverage_in_target=lambda f: f["coverage"].between(0.93, 0.97),
        size_in_target=lambda f: f["size"].between(0.03, 0.07),
    ).to_csv(inference / "simulation_coverage.csv", index=False)
    pd.DataFrame(
        [("treated 3x volatile, 11 controls", "studentized_t", 0.625)],
        columns=["scenario", "chosen", "share"],
    ).to_csv(inference / "simulation_choices.csv", index=False)
    columns = [
        "method",
        "unit",
        "n_fake_studies",
        "rejections_05",
        "rejection_rate_05",
        "rejection_rate_10",
        "coverage_zero",
        "median_width_pct",
        "band_high_05",
        "holds",
    ]
    pd.DataFrame(
        [
            ("placebo_t", "*", 880, 123, 123 / 880, 0.2, 0.86, 20.0, 0.064, False),
            ("placebo_t", "16", 80, 41, 41 / 80, 0.6, 0.49, 18.0, 0.16, False),
            ("placebo_t", "04", 80, 2, 2 / 80, 0.05, 0.975, 18.0, 0.16, True),
            ("studentized_t", "*", 880, 44, 0.05, 0.1, 0.95, 25.0, 0.064, True),
            ("studentized_t", "16", 80, 6, 6 / 80, 0.12, 0.925, 25.0, 0.16, True),
        ],
        columns=columns,
    ).to_csv(inference / "real_calibration.csv", index=False)
    names = load(estimated_db)[0].county_names
    found = validation(inference, names)
    assert not found.missing
    path = pages.write_methods(pages.environment(), tmp_path, found, "db")
    page = path.read_text(encoding="utf-8")
    assert NOT_RUN not in html.unescape(page)
    for text in ("0.512", "0.947", "0.955", "0.945", "0.488", "[0.928, 0.970]", "62.5 %", "0.610"):
        assert text in page
    assert "Recommended (the method chosen in each replication)" in page
    assert f"{names['16']} 51.2 %" in page
    assert f"{names['16']} 7.5 %" in page
    assert "14.0 %" in page and "5.0 %" in page
    assert "recommends Studentized t (its calibration holds)" in page
    # The median interval lengths, 3 decimals.
    assert "0.201" in page and "0.487" in page


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


def test_comparison_page_shows_did_sc_sdid_weights_paths_and_sensitivity(
    report: tuple[Path, dict], estimated_db: Path
) -> None:
    out, summary = report
    with duckdb.connect(str(estimated_db), read_only=True) as connection:
        weights = connection.execute(
            "select outcome_id, county_code, weight from synthetic_weights "
            "where study_id = ? and model = 'sc_county' and kind = 'unit' order by weight desc",
            [STUDY_A],
        ).fetchdf()
        breakdown = connection.execute(
            "select outcome_id, breakdown from sensitivity where study_id = ? "
            "and restriction = 'relative_magnitudes' and m = 0",
            [STUDY_A],
        ).fetchdf()
    for study_id in (STUDY_A, STUDY_B):
        page = out / f"{study_id}_synthetic.html"
        assert page.name in summary["pages"]
        assert page.name in links(out / f"{study_id}.html")
    text = (out / f"{STUDY_A}_synthetic.html").read_text(encoding="utf-8")
    for words in (
        "Two-way FE, county panel",
        "Synthetic control",
        "Synthetic DiD",
        "Sensitivity to violations of parallel trends",
        "Unit weights",
    ):
        assert words in text
    # Each estimator's row uses the study's rule on its own methods, so where the study's
    # recommended row holds, its estimator's row shows the same method.
    from regeval.report import comparison
    from regeval.report import significance as sig

    data = study_data(estimated_db, STUDY_A)
    checked = 0
    for outcome_id in data.outcome_ids:
        chosen = sig.recommended_row(data, outcome_id)
        if chosen and sig.calibrated(data, outcome_id, chosen):
            best = comparison.best_row(data, outcome_id, chosen["model"])
            assert (best["inference"], best["_holds"]) == (chosen["inference"], True), outcome_id
            checked += 1
    assert checked > 0
    # The largest SC weight of the first outcome, as the table prints it (3 decimals).
    top = weights.iloc[0]
    assert fmt.number(top["weight"], 3) in text
    for src in links(out / f"{STUDY_A}_synthetic.html"):
        if src.endswith(".png"):
            assert (out / src).exists()
    # The headline states the breakdown value of every outcome that has one.
    study_page = (out / f"{STUDY_A}.html").read_text(encoding="utf-8")
    assert "Sensitivity to parallel trends (Rambachan-Roth)" in study_page
    assert len(breakdown) > 0


def test_study_without_synthetic_rows_says_why(report: tuple[Path, dict]) -> None:
    # The public AAP study compares one pre quarter (2012 Q2, its seed window) with one post.
    out, summary = report
    study_id = "hedmark_2014_public_aap"
    assert f"{study_id}_synthetic.html" not in summary["pages"]
    text = (out / f"{study_id}.html").read_text(encoding="utf-8")
    assert "Synthetic control and synthetic DiD are not estimated for this study" in text
    assert "pre window holds 1 period." in text
    assert "holds 1 period" not in (out / f"{STUDY_A}.html").read_text(encoding="utf-8")


def test_methods_page_shows_the_pooled_batches(tmp_path: Path) -> None:
    """simulation_pooled.csv (scripts/pool_simulations.py) adds a table: each batch's coverage, the
    pooled one with its exact interval, and the target check (a pooled 0.9283 is out of it)."""
    import pandas as pd

    from regeval.report import pages
    from regeval.report.validation import validation

    inference = tmp_path / "inference"
    inference.mkdir()
    coverage = pd.DataFrame(
        [("s", "recommended", 400, 0.9275, 0.9275, 0.97, 0.07, 0.03, 0.0725, 0.5, False, True)],
        columns=[
            "scenario",
            "method",
            "replications",
            "coverage",
            "coverage_band_low",
            "coverage_band_high",
            "size",
            "size_band_low",
            "size_band_high",
            "median_width",
            "coverage_in_target",
            "size_in_target",
        ],
    )
    coverage.to_csv(inference / "simulation_coverage.csv", index=False)
    pd.DataFrame(
        [
            ("s", "recommended", 0.9275, 0.9650, 800, 757, 0.94625, 0.9285, 0.9616, True, True),
            ("t", "recommended", 0.9350, 0.9216, 800, 743, 0.92875, 0.9101, 0.9443, False, True),
        ],
        columns=[
            "scenario",
            "method",
            "coverage_seed2019",
            "coverage_seed47",
            "replications",
            "covered",
            "coverage",
            "ci_low",
            "ci_high",
            "coverage_in_target",
            "parallel_trends",
        ],
    ).to_csv(inference / "simulation_pooled.csv", index=False)
    found = validation(inference, {})
    titles = [t.title for t in found.simulation]
    assert "Monte Carlo: the recommended row's coverage pooled over independent batches" in titles
    page = pages.write_methods(pages.environment(), tmp_path, found, "db").read_text("utf-8")
    for text in ("Coverage, seed2019", "Coverage, seed47", "0.946", "[0.928, 0.962]", "0.929"):
        assert text in page
    assert "[0.910, 0.944]" in page
