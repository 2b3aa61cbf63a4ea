"""The calibration section of a study page: how often each method rejects a true zero on the study's own data."""

from __future__ import annotations

import pandas as pd

from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report import significance as sig
from regeval.report.data import StudyData
from regeval.report.tables import Cell, Table, _h, _n

CALIBRATION_NOTE = (
    "Calibration on the study's own data before the intervention: every county of the study "
    "(treated and controls) plays the treated one at fake start dates, where no effect "
    "exists. A valid 5 % test rejects a true zero in about 5 % of these fake studies. "
    "Band: the highest rejection rate within binomial noise of 5 % for that many fake "
    "studies (per county, Bonferroni-corrected over the counties). A method holds when its "
    "overall rate and every county's rate are within their bands (and there are at least 20 "
    "fake studies); the recommended method is the one that holds with the fewest false "
    "alarms, then the shortest median interval. Fake studies overlap in time, so the bands "
    "are a guide, not an exact test."
)

METHOD_NOTE = (
    "Rates over every fake study (all counties); the band and the rule are explained under the "
    "summary table above. Interval covers 0: share of the fake studies whose 95 % interval "
    "contains zero (none for the permutation methods, which give only a p-value); median "
    "width in percent of the fake treated county's pre level. Bold red: outside the band."
)


def rate(value: object) -> str:
    """A share as a percentage with one decimal ("5.3 %")."""
    return fmt.MISSING if fmt.is_missing(value) else fmt.pct(100 * float(value))


def yes_no(value: object) -> str:
    """'yes' or 'NO' for a boolean cell."""
    return "yes" if sig.flag(value) else "NO"


def _method_rows(overall: pd.DataFrame) -> list[dict]:
    """The '*' calibration rows in report order."""
    keys = methods.ordered(list(overall["method"]), methods.INFERENCE_ORDER)
    return [overall[overall["method"] == k].iloc[0].to_dict() for k in keys]


def method_table(data: StudyData, outcome_id: str, number: int) -> Table | None:
    """Every method's calibration over all counties for one outcome."""
    overall = sig.overall(data, outcome_id)
    if overall.empty:
        return None
    label = data.outcome(outcome_id).get("label", outcome_id)
    head = [
        [
            _h("Method"),
            _h("Fake studies"),
            _h("Rejections at 5 %"),
            _h("Rejection rate at 5 %"),
            _h("Rejection rate at 10 %"),
            _h("Interval covers 0"),
            _h("Median width (% of pre level)"),
            _h("Band at 5 % (≤)"),
            _h("Holds"),
            _h("Recommended"),
        ]
    ]
    body = []
    for r in _method_rows(overall):
        chosen = sig.flag(r.get("recommended"))
        cls = " recommended" if chosen else ""
        body.append(
            [
                Cell(methods.inference(r["method"]).label, "inference valid" + cls),
                _n(str(int(r["n_fake_studies"])), cls),
                _n(str(int(r["rejections_05"])), cls),
                _n(rate(r["rejection_rate_05"]), cls + ("" if sig.flag(r["holds"]) else " fail")),
                _n(rate(r["rejection_rate_10"]), cls),
                _n(rate(r["coverage_zero"]), cls),
                _n(fmt.pct(r["median_width_pct"]), cls),
                _n(rate(r["band_high_05"]), cls),
                Cell(yes_no(r["holds"]), ("" if sig.flag(r["holds"]) else "fail") + cls),
                Cell("✓" if chosen else "", cls.strip()),
            ]
        )
    return Table(
        f"calibration_{number}",
        f"Calibration of every method on this study: {label}",
        head,
        body,
        notes=[METHOD_NOTE],
    )


def _worst_county(data: StudyData, outcome_id: str, method: str, model: str = "twfe_county") -> str:
    """The county with the highest rejection rate at 5 % for a method, e.g. "Oppland 12.5 %"."""
    rows = sig.calibration(data, outcome_id, model)
    rows = rows[(rows["method"] == method) & (rows["unit"].astype(str) != sig.ALL_UNITS)]
    if rows.empty:
        return fmt.MISSING
    worst = rows.sort_values(["rejection_rate_05", "unit"], ascending=[False, True]).iloc[0]
    name = data.county_names.get(str(worst["unit"]), str(worst["unit"]))
    return f"{name} {rate(worst['rejection_rate_05'])}"


def summary_table(data: StudyData) -> Table | None:
    """One row per outcome: the recommended method, its calibration and whether it holds."""
    if data.calibration is None or data.regression is None:
        return None
    head = [
        [
            _h("Outcome"),
            _h("Recommended method"),
            _h("Calibration holds"),
            _h("Fake studies"),
            _h("Rejection rate at 5 %"),
            _h("Band at 5 % (≤)"),
            _h("Worst county at 5 %"),
            _h("Median width (% of pre level)"),
        ]
    ]
    body = []
    for outcome_id in data.outcome_ids:
        row = sig.recommended_row(data, outcome_id)
        if row is None:
            continue
        label = data.outcome(outcome_id).get("label", outcome_id)
        method = str(row["inference"])
        model = str(row.get("model", "twfe_county"))
        holds = sig.calibrated(data, outcome_id, row)
        overall = sig.overall(data, outcome_id, model)
        cal = overall[overall["method"] == method]
        c = cal.iloc[0].to_dict() if len(cal) else {}
        estimator = "" if model == "twfe_county" else f" ({methods.model_short(model)})"
        body.append(
            [
                Cell(label, "label"),
                Cell(methods.inference(method).label + estimator, "inference valid"),
                Cell("yes" if holds else "NO: " + sig.NOT_CALIBRATED, "" if holds else "fail"),
                _n(str(int(c["n_fake_studies"])) if c else fmt.MISSING),
                _n(rate(c.get("rejection_rate_05"))),
                _n(rate(c.get("band_high_05"))),
                _n(_worst_county(data, outcome_id, method, model)),
                _n(fmt.pct(c.get("median_width_pct"))),
            ]
        )
    if not body:
        return None
    return Table(
        "calibration_summary",
        "Recommended inference and its calibration, every outcome",
        head,
        body,
        notes=[CALIBRATION_NOTE],
    )


def county_table(data: StudyData, outcome_id: str, number: int) -> Table | None:
    """Rejection rate at 5 % with each county as the fake treated one, by method (county x method)."""
    rows = sig.calibration(data, outcome_id)
    rows = rows[rows["unit"].astype(str) != sig.ALL_UNITS]
    if rows.empty:
        return None
    label = data.outcome(outcome_id).get("label", outcome_id)
    chosen = sig.recommended_row(data, outcome_id) or {}
    recommended = chosen.get("inference") if chosen.get("model") == "twfe_county" else None
    keys = methods.ordered(list(rows["method"].unique()), methods.INFERENCE_ORDER)
    head = [
        [_h("County"), _h("Role"), _h("Fake studies")]
        + [
            _h(methods.inference(k).label + (" ✓" if k == recommended else ""), cls="method")
            for k in keys
        ]
    ]
    roles = dict(zip(data.units["county_code"].astype(str), data.units["role"].astype(str)))
    body = []
    for unit in sorted(rows["unit"].astype(str).unique()):
        these = rows[rows["unit"].astype(str) == unit]
        by_method = {r["method"]: r for r in these.to_dict("records")}
        line = [
            Cell(f"{unit} {data.county_names.get(unit, unit)}", "label"),
            Cell(roles.get(unit, "")),
            _n(str(int(these["n_fake_studies"].max()))),
        ]
        for k in keys:
            r = by_method.get(k)
            if r is None:
                line.append(_n(fmt.MISSING))
                continue
            cls = ("" if sig.flag(r["holds"]) else "fail") + (
                " recommended" if k == recommended else ""
            )
            line.append(_n(rate(r["rejection_rate_05"]), cls))
        body.append(line)
    return Table(
        f"calibration_county_{number}",
        f"Rejection rate at 5 % by county as the fake treated one: {label}",
        head,
        body,
        notes=[
            (
                "Share of the fake studies with that county as the treated one in which the method "
                "rejects a true zero at 5 %. Bold red: above the county's band (Bonferroni-corrected "
                "over the counties). ✓: the recommended method."
            )
        ],
        collapsed=True,
    )


def calibration_tables(data: StudyData, headline: tuple[str, ...]) -> list[Table]:
    """The summary over every outcome, then every method and every county for the headline outcomes."""
    tables = [summary_table(data)]
    for number, outcome_id in enumerate(headline, start=1):
        tables.append(method_table(data, outcome_id, number))
        tables.append(county_table(data, outcome_id, number))
    return [t for t in tables if t is not None]
