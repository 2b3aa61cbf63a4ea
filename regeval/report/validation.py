"""The methods page: what each inference method assumes, its Monte Carlo coverage and size, its real-data calibration."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from regeval.estimate.calibration import recommend
from regeval.paths import PROJECT_DIR
from regeval.report import formatting as fmt
from regeval.report import methods
from regeval.report.calibration import rate, yes_no
from regeval.report.tables import Cell, Table, _h, _n
from regeval.simulate import (
    COVERAGE_TARGET,
    RECOMMENDED_CALIBRATED,
    SENSITIVITY,
    SIZE_TARGET,
    SYNTHETIC_ESTIMATORS,
)

# The Monte Carlo's rows after the inference methods: the rule's choice, then the
# Rambachan-Roth robust intervals.
SENSITIVITY_LABELS = {
    "smoothness": "Rambachan-Roth robust interval, smoothness M = {m:g}",
    "relative_magnitudes": "Rambachan-Roth robust interval, relative magnitudes Mbar = {m:g}",
}

NOT_RUN = "not yet run: `make validate-inference`"
COVERAGE_FILE = "simulation_coverage.csv"
CHOICES_FILE = "simulation_choices.csv"
POOLED_FILE = "simulation_pooled.csv"
REAL_FILE = "real_calibration.csv"
OUTSIDE_FILE = "real_calibration_outside.csv"
ALL_UNITS = "*"
SIMULATION = "Monte Carlo coverage and size"
REAL = "real NAV panel calibration"


def default_dir() -> Path:
    """Where `regeval simulate` writes its tables: docs/inference."""
    return PROJECT_DIR / "docs" / "inference"


@dataclass
class Validation:
    """The tables of the methods page, and the files that have not been written yet."""

    simulation: list[Table] = field(default_factory=list)
    real: list[Table] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    source: str = ""
    real_recommendation: str = ""

    @property
    def tables(self) -> list[Table]:
        """Every table of the page, in page order."""
        return self.simulation + self.real


def read_csv(path: Path) -> pd.DataFrame | None:
    """A CSV with county codes as text, or None when it is missing or empty."""
    if not path.is_file():
        return None
    try:
        frame = pd.read_csv(path, dtype={"unit": str})
    except pd.errors.EmptyDataError:
        return None
    return frame if not frame.empty else None


def method_label(key: str) -> str:
    """A method's label; the 'recommended' pseudo-method as the rule that picks one per replication."""
    if key == methods.RECOMMENDED:
        return "Recommended (the method chosen in each replication)"
    if key == RECOMMENDED_CALIBRATED:
        return "Recommended, only the replications where its calibration holds"
    for name, restriction, m in SENSITIVITY:
        if key == name:
            return SENSITIVITY_LABELS[restriction].format(m=m)
    estimator, _, inference = key.rpartition(":")
    label = methods.inference(inference).label
    return f"{methods.model_short(f'{estimator}_county')}: {label}" if estimator else label


def method_order() -> tuple[str, ...]:
    """The Monte Carlo's rows in page order: DID's methods, SC's, SDID's, the rule, the bounds."""
    synthetic = tuple(f"{e}:{k}" for e in SYNTHETIC_ESTIMATORS for k in methods.INFERENCE_ORDER)
    sensitivity = tuple(name for name, _, _ in SENSITIVITY)
    return (
        *methods.INFERENCE_ORDER,
        *synthetic,
        methods.RECOMMENDED,
        RECOMMENDED_CALIBRATED,
        *sensitivity,
    )


def _true(value: object) -> bool:
    """A boolean read from a CSV (True, 'True' or 'true')."""
    return str(value).strip().lower() == "true"


def _in_target(low: float, high: float, value: object) -> str:
    """The class of a value: 'fail' outside its target [low, high]."""
    if fmt.is_missing(value):
        return ""
    return "" if low <= float(value) <= high else "fail"


def _band(low: object, high: object) -> str:
    """A binomial band as "[0.930, 0.968]"."""
    if fmt.is_missing(low) or fmt.is_missing(high):
        return fmt.MISSING
    return f"[{float(low):.3f}, {float(high):.3f}]"


def _number(value: object) -> str:
    """A share with three decimals."""
    return fmt.MISSING if fmt.is_missing(value) else f"{float(value):.3f}"


def simulation_table(coverage: pd.DataFrame) -> Table:
    """Coverage of the planted effect and size under no effect, per scenario and method, with bands."""
    head = [
        [
            _h("Scenario"),
            _h("Method"),
            _h("Replications"),
            _h("Coverage of the 95 % interval"),
            _h("Band (exact 95 %)"),
            _h("Size at 5 %"),
            _h("Band (exact 5 %)"),
            _h("Median interval length"),
            _h("In target"),
        ]
    ]
    body = []
    for scenario, part in coverage.groupby("scenario", sort=False):
        keys = methods.ordered(list(part["method"]), method_order())
        for i, key in enumerate(keys):
            r = part[part["method"] == key].iloc[0].to_dict()
            chosen = " recommended" if key == methods.RECOMMENDED else ""
            line = [_h(str(scenario), rowspan=len(keys), cls="variant")] if i == 0 else []
            both = [
                _true(v)
                for v in (r.get("coverage_in_target"), r.get("size_in_target"))
                if not fmt.is_missing(v)
            ]
            line += [
                Cell(method_label(key), "inference valid wrap" + chosen),
                _n(str(int(r["replications"])), chosen),
                _n(_number(r["coverage"]), _in_target(*COVERAGE_TARGET, r["coverage"]) + chosen),
                _n(_band(r["coverage_band_low"], r["coverage_band_high"]), chosen),
                _n(_number(r["size"]), _in_target(*SIZE_TARGET, r["size"]) + chosen),
                _n(_band(r["size_band_low"], r["size_band_high"]), chosen),
                _n(_number(r.get("median_width")), chosen),
                Cell(_target_text(r), chosen.strip() if all(both) else "fail"),
            ]
            body.append(line)
    return Table(
        "simulation",
        "Monte Carlo: coverage and size of every method by scenario",
        head,
        body,
        notes=[
            (
                "Coverage: share of replications with a planted effect whose 95 % interval covers "
                "it; size: share of replications without an effect in which the method rejects at "
                "5 %. Band: the central 95 % binomial interval of a method with exact coverage "
                "(size) over that many replications. Target: coverage 0.93-0.97, size 0.03-0.07; "
                "values outside it are in bold red. 'Recommended' is the rule the report uses: in "
                "each replication, the method whose calibration on that panel holds. Median "
                "interval length: of the 95 % intervals with the planted effect (0.5), in the "
                "panel's units."
            )
        ],
    )


def pooled_table(pooled: pd.DataFrame) -> Table:
    """The recommended row's coverage pooled over independent batches (scripts/pool_simulations.py)."""
    batches = [c.removeprefix("coverage_") for c in pooled.columns if c.startswith("coverage_")]
    batches = [b for b in batches if b != "in_target"]
    head = [
        [
            _h("Scenario"),
            _h("Method"),
            *[_h(f"Coverage, {b}") for b in batches],
            _h("Replications pooled"),
            _h("Pooled coverage"),
            _h("Exact 95 % interval"),
            _h("In target"),
        ]
    ]
    body = []
    for scenario, part in pooled.groupby("scenario", sort=False):
        keys = methods.ordered(list(part["method"]), method_order())
        for i, key in enumerate(keys):
            r = part[part["method"] == key].iloc[0].to_dict()
            line = [_h(str(scenario), rowspan=len(keys), cls="variant")] if i == 0 else []
            in_target = _true(r["coverage_in_target"])
            line += [
                Cell(method_label(key), "inference valid wrap"),
                *[_n(_number(r[f"coverage_{b}"])) for b in batches],
                _n(str(int(r["replications"]))),
                _n(_number(r["coverage"]), _in_target(*COVERAGE_TARGET, r["coverage"])),
                _n(_band(r["ci_low"], r["ci_high"])),
                Cell(yes_no(in_target), "" if in_target else "fail"),
            ]
            body.append(line)
    return Table(
        "simulation_pooled",
        "Monte Carlo: the recommended row's coverage pooled over independent batches",
        head,
        body,
        notes=[
            (
                "One batch of 400 replications measures a coverage to about +-1.1 points, so a "
                "coverage near an end of the 0.93-0.97 target lands inside or outside it by "
                "chance. Batches run with different seeds (regeval simulate --seed) are "
                "independent and their replications add up; the interval is the exact "
                "(Clopper-Pearson) 95 % interval of the pooled coverage. The target applies "
                "where parallel trends hold (not the own-trend scenarios)."
            )
        ],
    )


def _target_text(row: dict) -> str:
    """Whether coverage and size are within the targets, in words."""
    parts = []
    for key, name in (("coverage_in_target", "coverage"), ("size_in_target", "size")):
        value = row.get(key)
        if fmt.is_missing(value):
            continue
        parts.append(f"{name} {'yes' if _true(value) else 'no'}")
    return ", ".join(parts) or fmt.MISSING


def choices_table(choices: pd.DataFrame) -> Table:
    """How often each method was the recommended one, per scenario."""
    keys = methods.ordered(list(choices["chosen"].dropna().unique()), methods.INFERENCE_ORDER)
    head = [[_h("Scenario")] + [_h(method_label(k)) for k in keys]]
    body = []
    for scenario, part in choices.groupby("scenario", sort=False):
        shares = dict(zip(part["chosen"], part["share"]))
        body.append([Cell(str(scenario), "label")] + [_n(rate(shares.get(k))) for k in keys])
    return Table(
        "simulation_choices",
        "Monte Carlo: which method was recommended (share of replications without an effect)",
        head,
        body,
    )


def real_table(real: pd.DataFrame, county_names: dict[str, str]) -> Table:
    """The real NAV panel's calibration: every method over all counties and its worst county."""
    overall = real[real["unit"].astype(str) == ALL_UNITS]
    counties = real[real["unit"].astype(str) != ALL_UNITS]
    head = [
        [
            _h("Method"),
            _h("Fake studies"),
            _h("Rejection rate at 5 %"),
            _h("Rejection rate at 10 %"),
            _h("Interval covers 0"),
            _h("Median width (% of pre level)"),
            _h("Band at 5 % (≤)"),
            _h("Holds"),
            _h("Worst county at 5 %"),
        ]
    ]
    body = []
    for key in methods.ordered(list(overall["method"]), methods.INFERENCE_ORDER):
        r = overall[overall["method"] == key].iloc[0].to_dict()
        mine = counties[counties["method"] == key]
        worst = fmt.MISSING
        if len(mine):
            w = mine.sort_values(["rejection_rate_05", "unit"], ascending=[False, True]).iloc[0]
            unit = str(w["unit"]).zfill(2)
            worst = f"{county_names.get(unit, unit)} {rate(w['rejection_rate_05'])}"
        holds = _true(r["holds"])
        body.append(
            [
                Cell(method_label(key), "inference valid"),
                _n(str(int(r["n_fake_studies"]))),
                _n(rate(r["rejection_rate_05"]), "" if holds else "fail"),
                _n(rate(r["rejection_rate_10"])),
                _n(rate(r["coverage_zero"])),
                _n(fmt.pct(r["median_width_pct"])),
                _n(rate(r["band_high_05"])),
                Cell(yes_no(holds), "" if holds else "fail"),
                _n(worst),
            ]
        )
    return Table(
        "real_calibration",
        "Real NAV unemployment panel before 2014: every pool county as a fake treated one",
        head,
        body,
        notes=[
            (
                "Registered fully unemployed in percent of the labour force, Hedmark and its "
                "low-oil control counties, data before 2014; each county as the treated one at every "
                "start that leaves at least 24 pre and 12 post months. Target for the recommended "
                "method: at most 7 % overall and 15 % for any single county."
            )
        ],
    )


def outside_table(outside: pd.DataFrame, county_names: dict[str, str]) -> Table:
    """Counties outside the pool as fake treated against the pool: rejection rate at 5 % by method."""
    rows = outside[outside["unit"].astype(str) != ALL_UNITS]
    keys = methods.ordered(list(rows["method"].unique()), methods.INFERENCE_ORDER)
    head = [[_h("County")] + [_h(method_label(k)) for k in keys]]
    body = []
    for unit in sorted(rows["unit"].astype(str).unique()):
        these = rows[rows["unit"].astype(str) == unit]
        rates = dict(zip(these["method"], these["rejection_rate_05"]))
        code = unit.zfill(2)
        body.append(
            [Cell(f"{code} {county_names.get(code, code)}", "label")]
            + [_n(rate(rates.get(k))) for k in keys]
        )
    return Table(
        "real_calibration_outside",
        "Counties outside the pool as fake treated ones: rejection rate at 5 %",
        head,
        body,
        notes=[
            (
                "Oil counties outside the pool had a boom-time trend of their own before 2014: a "
                "real divergence from the pool, not a failure of the methods; the table shows it "
                "rather than hides it."
            )
        ],
    )


def real_recommendation(real: pd.DataFrame) -> str:
    """What the recommendation rule picks on the real panel, in words."""
    summary = real.assign(
        unit=real["unit"].astype(str), holds=real["holds"].map(_true).astype(bool)
    )
    chosen = recommend(summary)
    if chosen.method is None:
        return ""
    holds = "its calibration holds" if chosen.holds else "no method's calibration holds"
    return f"On this panel the rule recommends {method_label(chosen.method)} ({holds})."


def validation(directory: Path | None, county_names: dict[str, str]) -> Validation:
    """The methods page's tables read from docs/inference, and the ones not yet written."""
    directory = Path(directory) if directory is not None else default_dir()
    result = Validation(source=str(directory))
    coverage = read_csv(directory / COVERAGE_FILE)
    choices = read_csv(directory / CHOICES_FILE)
    real = read_csv(directory / REAL_FILE)
    outside = read_csv(directory / OUTSIDE_FILE)
    if coverage is None:
        result.missing.append(SIMULATION)
    else:
        result.simulation.append(simulation_table(coverage))
        if choices is not None:
            result.simulation.append(choices_table(choices))
        pooled = read_csv(directory / POOLED_FILE)
        if pooled is not None:
            result.simulation.append(pooled_table(pooled))
    if real is None:
        result.missing.append(REAL)
    else:
        result.real.append(real_table(real, county_names))
        result.real_recommendation = real_recommendation(real)
        if outside is not None:
            result.real.append(outside_table(outside, county_names))
    return result


def method_notes() -> list[methods.Inference]:
    """Every inference method the report shows, valid ones first."""
    return [methods.inference(k) for k in methods.INFERENCE_ORDER]
