"""Writes the tables analysts may share, with small cells suppressed, as parquet and CSV.

Rules (threshold t, default 5, REGEVAL_MIN_CELL):

- Cells. A row of county_panel is a cell (outcome, period, county); a row of study_panel is a
  cell (study, outcome, period, group). A county cell is the same cell in every study that
  shows it, so it is suppressed everywhere or nowhere.
- Which counts are counts of persons is decided per outcome from the `outcomes` seed's unit:
  `percent of contracted work days` (sick_leave_pct): the numerator is a percent times the
  population 18-66, not a person count, and the denominator is a population, so neither is
  suppressed; `percent of the labour force` and `per 1000 ...`: the numerator counts persons
  (events of persons), the denominator is a population total; any other unit (the shares:
  `percent of those using up sickness benefit`, `percent of decided applications`) has
  persons in both numerator and denominator (rejected and decided applications count as
  persons). An unknown unit is treated as persons in both (the safe side).
- Primary suppression: a cell whose person-count numerator or denominator is between 1 and
  t-1. Zero is published. A suppressed cell publishes NULL for the numerator, the rate and,
  when it counts persons, the denominator, and suppressed = true.
- Secondary suppression: published totals must not give a suppressed cell back by
  subtraction. The additive relations are (a) a study_panel group cell = the sum of its
  counties' cells, and (b) an outcome = the sum of its sub-outcomes in the same county (or
  group) and period, for the outcomes of a total in `outcomes.summary_total_outcome`; the
  sub-outcome tree comes from the ids (`aap_inflow_sickness_benefit_18_29` is a part of
  `aap_inflow_sickness_benefit`; an outcome with no longer-id parent is a part of the total).
  Whenever exactly one cell of a relation is suppressed, the smallest published part (else the
  total) is suppressed too, until no relation has exactly one.
- Shared counts: an outcome whose denominator is another outcome's numerator in the same cell
  (`outcomes.denominator_counted_as`: the share on AAP two months after using up sickness
  benefit and the count of persons using it up) publishes that count twice; the two cells are
  a relation of their own, so hiding one hides the other, and a hidden denominator is never
  published as the other outcome's numerator.
- Effect tables hold window means of group rates, sums over windows and regression
  coefficients, all linear (or nearly so) in the period cells. Together with the published
  cells of the other periods such a number gives back a hidden cell (e.g. 12 x the pre mean
  minus the eleven published months), so they are a disclosure risk exactly when a cell they
  are computed from is hidden, primary or secondary (a secondary cell given back gives back its
  primary partner). A row is suppressed (every floating-point value NULL, suppressed = true)
  when a hidden cell it is computed from lies in its windows:
  effects_pre_post: a study_panel group cell of its study and outcome from pre start to post
  end (it is computed from the group rates only; hidden county cells inside a published group
  stay hidden); effects_summary: the same, plus a hidden county cell outside the study's groups
  in the pre window (count_national_pre sums every county), and its own window counts of 1 to
  t-1 (primary); regression_effects, placebo_effects, event_study and the roll-out tables
  (group_time_effects, event_time_effects, rollout_inference, rollout_cohort_effects): every
  row of a study and outcome, when a hidden group cell or a hidden cell of a treated or
  control county lies in the span of the study's windows for the outcome (the county-level
  models and their placebos, and the roll-out cohorts' mean changes, their aggregates and
  the fake cohorts' effects, are further linear equations in the county cells). The sub-outcome relations (b)
  hold for these rows too (sums of counts, means and coefficients over the same denominators),
  so the secondary rule runs on them as well, and share_of_total_pct is suppressed where its
  total row is.
- Public-data studies get the same rules. study_exclusions holds no counts and is published
  as it is.
- No person-level column (person_id, birth_year, spell_start, application_id) is ever written:
  publish refuses before writing anything.

suppression_summary (one row per published table) counts rows: primary_suppressions (own counts
of 1 to t-1), secondary_suppressions (hidden to protect other cells, or computed from hidden
cells) and rows_suppressed (their total).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Hashable, Iterable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from regeval import warehouse
from regeval.sql import identifier

# The roll-out studies' tables: group-time effects and what is aggregated or inferred from them.
ROLLOUT_TABLES = (
    "group_time_effects",
    "event_time_effects",
    "rollout_inference",
    "rollout_cohort_effects",
)
PUBLISHED_TABLES = (
    "county_panel",
    "study_panel",
    "effects_pre_post",
    "effects_summary",
    "regression_effects",
    "placebo_effects",
    "event_study",
    "study_exclusions",
    "inference_calibration",
    *ROLLOUT_TABLES,
)
ESTIMATE_TABLES = ("regression_effects", "placebo_effects", "event_study", *ROLLOUT_TABLES)
PERSON_LEVEL_COLUMNS = frozenset({"person_id", "birth_year", "spell_start", "application_id"})
NOT_PERSON_UNITS = frozenset({"percent of contracted work days"})
POPULATION_DENOMINATOR_UNITS = ("percent of the labour force", "per 1000")

Cell = tuple[Hashable, ...]
HiddenPeriods = dict[str, dict[tuple[str, str], list]]
Counts = tuple[int, int, int]


class DisclosureError(RuntimeError):
    """A table about to be published holds person-level columns."""


def min_cell_from_env() -> int:
    """The suppression threshold: REGEVAL_MIN_CELL, default 5."""
    return int(os.environ.get("REGEVAL_MIN_CELL", "5") or 5)


def counts_persons(unit: str) -> tuple[bool, bool]:
    """Whether an outcome's numerator and denominator count persons, from its unit."""
    if unit in NOT_PERSON_UNITS:
        return False, False
    if unit.startswith(POPULATION_DENOMINATOR_UNITS):
        return True, False
    return True, True


def outcome_parents(outcomes: pd.DataFrame) -> dict[str, str]:
    """Each sub-outcome of a total mapped to the outcome it is a part of."""
    parents: dict[str, str] = {}
    members = outcomes.dropna(subset=["summary_total_outcome"])
    for total, group in members.groupby("summary_total_outcome"):
        ids = [o for o in group["outcome_id"] if o != total]
        for outcome in ids:
            longer = [m for m in ids if m != outcome and outcome.startswith(m + "_")]
            parents[outcome] = max(longer, key=len) if longer else str(total)
    return parents


def relations_by_outcome(
    cells: Iterable[Cell], parents: dict[str, str], outcome_at: int
) -> list[list[Cell]]:
    """The sub-outcome relations among cells that differ only in the outcome (position outcome_at): total first."""
    children: dict[str, list[str]] = defaultdict(list)
    for child, parent in parents.items():
        children[parent].append(child)
    present = set(cells)
    relations = []
    for cell in sorted(present, key=str):
        parent = cell[outcome_at]
        if parent not in children:
            continue
        parts = [(*cell[:outcome_at], child, *cell[outcome_at + 1 :]) for child in children[parent]]
        if all(part in present for part in parts):
            relations.append([cell, *parts])
    return relations


def secondary_suppression(
    sizes: dict[Cell, float], primary: set[Cell], relations: list[list[Cell]]
) -> set[Cell]:
    """Cells to hide besides the primary ones so that no relation (total first, then parts) has exactly one hidden cell."""
    hidden = set(primary)
    secondary: set[Cell] = set()
    ordered = sorted(relations, key=lambda r: str(r[0]))
    changed = True
    while changed:
        changed = False
        for relation in ordered:
            shown = [c for c in relation if c not in hidden]
            if len(relation) - len(shown) != 1 or not shown:
                continue
            parts = [c for c in shown if c != relation[0]] or shown
            pick = min(parts, key=lambda c: (abs(sizes.get(c, 0.0)), str(c)))
            hidden.add(pick)
            secondary.add(pick)
            changed = True
    return secondary


def _small(values: pd.Series, threshold: int) -> pd.Series:
    """True where a count is between 1 and threshold - 1."""
    numbers = pd.to_numeric(values, errors="coerce")
    return (numbers > 0) & (numbers < threshold)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Rows of some columns as plain Python tuples."""
    return list(zip(*(frame[c].tolist() for c in columns), strict=True)) if len(frame) else []


def _county_cells(frame: pd.DataFrame) -> list[Cell]:
    """The cell of every county_panel row."""
    return [("county", *r) for r in _records(frame, ["outcome_id", "period_start", "county_code"])]


def _group_cells(frame: pd.DataFrame) -> list[Cell]:
    """The cell of every study_panel row."""
    return [
        ("group", *r) for r in _records(frame, ["study_id", "outcome_id", "period_start", "grp"])
    ]


def shared_counts(outcomes: pd.DataFrame) -> dict[str, str]:
    """Each outcome whose denominator is another outcome's numerator in every cell, mapped to that outcome (outcomes.denominator_counted_as)."""
    if "denominator_counted_as" not in outcomes.columns:
        return {}
    pairs = outcomes.dropna(subset=["denominator_counted_as"])
    return {
        str(o): str(n)
        for o, n in _records(pairs, ["outcome_id", "denominator_counted_as"])
        if str(n).strip()
    }


def shared_count_links(
    cells: Iterable[Cell], shared: dict[str, str], outcome_at: int
) -> list[list[Cell]]:
    """Pairs of cells (the share, the count) that publish the same count: one hidden means both hidden."""
    present = set(cells)
    links = []
    for cell in sorted(present, key=str):
        partner_outcome = shared.get(cell[outcome_at])
        if partner_outcome is None:
            continue
        partner = (*cell[:outcome_at], partner_outcome, *cell[outcome_at + 1 :])
        if partner in present:
            links.append([cell, partner])
    return links


def _panel_cells(
    county: pd.DataFrame, study: pd.DataFrame, units: dict[str, tuple[bool, bool]], threshold: int
) -> tuple[dict[Cell, float], set[Cell], list[list[Cell]]]:
    """Sizes, primary cells and group relations of the county and study panels."""
    sizes: dict[Cell, float] = {}
    primary: set[Cell] = set()
    for frame, cells in ((county, _county_cells(county)), (study, _group_cells(study))):
        records = _records(frame, ["outcome_id", "numerator", "denominator"])
        for cell, (outcome_id, numerator, denominator) in zip(cells, records, strict=True):
            num_persons, den_persons = units.get(outcome_id, (True, True))
            if not (num_persons or den_persons):
                continue
            sizes[cell] = 0.0 if pd.isna(numerator) else float(numerator)
            if (num_persons and 0 < numerator < threshold) or (
                den_persons and 0 < denominator < threshold
            ):
                primary.add(cell)
    groups: dict[Cell, list[Cell]] = defaultdict(list)
    for study_id, outcome_id, period, role, county_code in _records(
        county, ["study_id", "outcome_id", "period_start", "role", "county_code"]
    ):
        if role in ("treated", "control"):
            groups[("group", study_id, outcome_id, period, role)].append(
                ("county", outcome_id, period, county_code)
            )
    relations = [[total, *sorted(parts)] for total, parts in groups.items() if total in sizes]
    return sizes, primary, relations


def _blank(frame: pd.DataFrame, mask: pd.Series, columns: list[str]) -> pd.DataFrame:
    """NULL the given columns on masked rows and add the suppressed flag."""
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].astype(float).where(~mask.to_numpy(), np.nan)
    frame["suppressed"] = mask.to_numpy(dtype=bool)
    return frame


def _float_columns(frame: pd.DataFrame) -> list[str]:
    """The floating-point columns of a frame (the values an effect row publishes)."""
    return [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]


def _hidden_periods(hidden: set[Cell], county: pd.DataFrame) -> HiddenPeriods:
    """Periods of hidden cells per (study, outcome): of its groups, of its treated and control counties, of its other counties."""
    periods: HiddenPeriods = {
        "group": defaultdict(list),
        "member": defaultdict(list),
        "other": defaultdict(list),
    }
    for cell in hidden:
        if cell[0] == "group":
            periods["group"][(cell[1], cell[2])].append(cell[3])
    for study_id, outcome_id, period, role, county_code in _records(
        county, ["study_id", "outcome_id", "period_start", "role", "county_code"]
    ):
        if ("county", outcome_id, period, county_code) in hidden:
            kind = "member" if role in ("treated", "control") else "other"
            periods[kind][(study_id, outcome_id)].append(period)
    return periods


def _any_between(periods: list, start: object, end: object) -> bool:
    """True when any period lies in [start, end]."""
    return any(start <= p <= end for p in periods)


def _hide_units(
    keys: list[Cell],
    affected: list[bool],
    own: list[bool],
    sizes: list[float],
    parents: dict[str, str],
) -> tuple[set[Cell], int, int]:
    """Rows (keyed with the outcome second) to hide: own small counts, rows computed from hidden cells, and secondary ones over sub-outcomes."""
    primary = {k for k, flag in zip(keys, own, strict=True) if flag}
    caused = {k for k, flag in zip(keys, affected, strict=True) if flag} - primary
    relations = relations_by_outcome(keys, parents, 1)
    by_size = {k: 0.0 if pd.isna(v) else float(v) for k, v in zip(keys, sizes, strict=True)}
    secondary = secondary_suppression(by_size, primary | caused, relations)
    return primary | caused | secondary, len(primary), len(caused | secondary)


def _suppress_panels(
    county: pd.DataFrame,
    study: pd.DataFrame,
    units: dict[str, tuple[bool, bool]],
    threshold: int,
    parents: dict[str, str],
    shared: dict[str, str] | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Counts], set[Cell]]:
    """county_panel and study_panel with primary and secondary suppression, their counts, and the hidden cells."""
    sizes, primary, relations = _panel_cells(county, study, units, threshold)
    relations += relations_by_outcome([c for c in sizes if c[0] == "county"], parents, 1)
    relations += relations_by_outcome([c for c in sizes if c[0] == "group"], parents, 2)
    # A pair [share cell, count cell] with exactly one hidden gets the other hidden too.
    relations += shared_count_links([c for c in sizes if c[0] == "county"], shared or {}, 1)
    relations += shared_count_links([c for c in sizes if c[0] == "group"], shared or {}, 2)
    secondary = secondary_suppression(sizes, primary, relations)
    hidden = primary | secondary
    published, counts = {}, {}
    for name, frame, cells in (
        ("county_panel", county, _county_cells(county)),
        ("study_panel", study, _group_cells(study)),
    ):
        mask = pd.Series([c in hidden for c in cells], index=frame.index)
        den_persons = frame["outcome_id"].map(lambda o: units.get(o, (True, True))[1]).astype(bool)
        out = _blank(frame, mask, ["numerator", "rate"])
        hide_denominator = (mask & den_persons).to_numpy()
        out["denominator"] = out["denominator"].astype(float).where(~hide_denominator, np.nan)
        published[name] = out
        counts[name] = (
            sum(c in primary for c in cells),
            sum(c in secondary for c in cells),
            int(mask.sum()),
        )
    return published, counts, hidden


def _suppress_effects(
    effects: pd.DataFrame, periods: HiddenPeriods, parents: dict[str, str]
) -> tuple[pd.DataFrame, Counts]:
    """effects_pre_post with a row hidden when a hidden group cell of its study and outcome lies in its windows."""
    records = _records(effects, ["study_id", "outcome_id", "variant", "pre_start", "post_end"])
    keys = [(study_id, outcome_id, variant) for study_id, outcome_id, variant, _, _ in records]
    affected = [
        _any_between(periods["group"].get((study_id, outcome_id), []), start, end)
        for study_id, outcome_id, _, start, end in records
    ]
    hidden, n_primary, n_secondary = _hide_units(
        keys, affected, [False] * len(keys), effects["treated_pre"].tolist(), parents
    )
    mask = pd.Series([k in hidden for k in keys], index=effects.index)
    return _blank(effects, mask, _float_columns(effects)), (n_primary, n_secondary, int(mask.sum()))


def _suppress_summary(
    summary: pd.DataFrame,
    windows: pd.DataFrame,
    periods: HiddenPeriods,
    parents: dict[str, str],
    threshold: int,
) -> tuple[pd.DataFrame, Counts]:
    """effects_summary with small window counts hidden, rows computed from hidden cells hidden, and shares of hidden totals."""
    records = _records(
        _with_windows(summary, windows),
        ["study_id", "outcome_id", "pre_start", "pre_end", "post_end"],
    )
    keys = [(study_id, outcome_id) for study_id, outcome_id, _, _, _ in records]
    affected = [
        _any_between(periods["group"].get(key, []), pre_start, post_end)
        or _any_between(periods["other"].get(key, []), pre_start, pre_end)
        for key, (_, _, pre_start, pre_end, post_end) in zip(keys, records, strict=True)
    ]
    own = _small(summary["count_treated_pre"], threshold) | _small(
        summary["count_national_pre"], threshold
    )
    hidden, n_primary, n_secondary = _hide_units(
        keys, affected, own.tolist(), summary["count_treated_pre"].tolist(), parents
    )
    mask = pd.Series([k in hidden for k in keys], index=summary.index)
    out = _blank(summary, mask, _float_columns(summary))
    totals = zip(out["study_id"], out["summary_total_outcome"], strict=True)
    out.loc[[t in hidden for t in totals], "share_of_total_pct"] = np.nan
    return out, (n_primary, n_secondary, int(mask.sum()))


def _suppress_estimates(
    frame: pd.DataFrame, periods: HiddenPeriods, spans: pd.DataFrame, parents: dict[str, str]
) -> tuple[pd.DataFrame, Counts]:
    """An estimation table with every row of a (study, outcome) hidden when a hidden group or member county cell lies in its windows."""
    keys = list(dict.fromkeys(_records(frame, ["study_id", "outcome_id"])))
    affected = []
    for key in keys:
        hidden_periods = periods["group"].get(key, []) + periods["member"].get(key, [])
        if key in spans.index:
            start, end = spans.loc[key, "start"], spans.loc[key, "end"]
            affected.append(_any_between(hidden_periods, start, end))
        else:
            affected.append(bool(hidden_periods))
    hidden, _, _ = _hide_units(keys, affected, [False] * len(keys), [0.0] * len(keys), parents)
    rows = _records(frame, ["study_id", "outcome_id"])
    mask = pd.Series([k in hidden for k in rows], index=frame.index)
    return _blank(frame, mask, _float_columns(frame)), (0, int(mask.sum()), int(mask.sum()))


def suppress(
    tables: dict[str, pd.DataFrame],
    outcomes: pd.DataFrame,
    windows: pd.DataFrame,
    threshold: int = 5,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The published versions of the tables and a summary of primary and secondary suppressions per table."""
    units = {o: counts_persons(str(u)) for o, u in _records(outcomes, ["outcome_id", "unit"])}
    parents = outcome_parents(outcomes)
    county = tables["county_panel"]
    published, counts, hidden = _suppress_panels(
        county, tables["study_panel"], units, threshold, parents, shared_counts(outcomes)
    )
    periods = _hidden_periods(hidden, county)
    spans = windows.groupby(["study_id", "outcome_id"]).agg(
        start=("pre_start", "min"), end=("post_end", "max")
    )
    if "effects_pre_post" in tables:
        published["effects_pre_post"], counts["effects_pre_post"] = _suppress_effects(
            tables["effects_pre_post"], periods, parents
        )
    if "effects_summary" in tables:
        published["effects_summary"], counts["effects_summary"] = _suppress_summary(
            tables["effects_summary"], windows, periods, parents, threshold
        )
    for name in ESTIMATE_TABLES:
        if name in tables:
            published[name], counts[name] = _suppress_estimates(
                tables[name], periods, spans, parents
            )
    for name in ("study_exclusions", "inference_calibration"):
        if name in tables:
            # No counts: exclusion reasons, and rejection rates of fake studies.
            published[name] = tables[name].copy()
            counts[name] = (0, 0, 0)
    summary = pd.DataFrame(
        [(name, len(tables[name]), *counts[name]) for name in published],
        columns=[
            "table_name",
            "n_rows",
            "primary_suppressions",
            "secondary_suppressions",
            "rows_suppressed",
        ],
    )
    summary["threshold"] = threshold
    return published, summary


def _with_windows(frame: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """effects_summary rows with the all_months windows of their study and outcome."""
    all_months = windows[windows["variant"] == "all_months"][
        ["study_id", "outcome_id", "pre_start", "pre_end", "post_start", "post_end"]
    ]
    merged = frame[["study_id", "outcome_id"]].merge(
        all_months, on=["study_id", "outcome_id"], how="left"
    )
    return merged.set_index(frame.index)


def check_no_person_columns(tables: dict[str, pd.DataFrame]) -> None:
    """Raise DisclosureError when any table holds a person-level column."""
    found = {
        name: sorted(PERSON_LEVEL_COLUMNS & {c.lower() for c in frame.columns})
        for name, frame in tables.items()
    }
    found = {name: cols for name, cols in found.items() if cols}
    if found:
        listed = "; ".join(f"{name}: {', '.join(cols)}" for name, cols in found.items())
        raise DisclosureError(f"refusing to publish person-level column(s): {listed}")


def _write(
    connection: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    out_dir: Path,
    name: str,
    types: dict[str, str] | None = None,
) -> None:
    """Write one table as <name>.parquet and <name>.csv (columns cast back to their database types), each moved into place when complete."""
    connection.register("published_frame", frame)
    types = types or {}
    columns = ", ".join(
        f"cast({identifier(c)} as {types[c]}) as {identifier(c)}" if c in types else identifier(c)
        for c in frame.columns
    )
    try:
        for suffix, options in (
            (".parquet", "(format parquet)"),
            (".csv", "(format csv, header true)"),
        ):
            final = out_dir / f"{name}{suffix}"
            partial = out_dir / f".{name}{suffix}.partial"
            # The file name is a bound parameter: any path, quotes included, stays a path.
            connection.execute(
                f"copy (select {columns} from published_frame) to ? {options}", [str(partial)]
            )
            os.replace(partial, final)
    finally:
        connection.unregister("published_frame")


def in_key_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted on the key columns (every column that is not floating point, in column order), then the rest: the same rows give the same file."""
    floats = _float_columns(frame)
    keys = [c for c in frame.columns if c not in floats] + floats
    if not keys or frame.empty:
        return frame.reset_index(drop=True)
    return frame.sort_values(keys, kind="mergesort", na_position="last", ignore_index=True)


def publish(db_path: Path, out_dir: Path, threshold: int = 5) -> dict:
    """Write the shareable tables of db_path with small cells suppressed into out_dir; returns the suppression summary."""
    if threshold < 1:
        raise ValueError(f"suppression threshold must be at least 1, got {threshold}")
    connection = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = {
            name: frame
            for name in PUBLISHED_TABLES
            if (frame := warehouse.read_table(connection, name)) is not None
        }
        types = {name: warehouse.column_types(connection, name) for name in tables}
        outcomes = warehouse.read_table(connection, "outcomes")
        windows = warehouse.read_table(connection, "study_outcome_windows")
    finally:
        connection.close()
    missing = [name for name in ("county_panel", "study_panel") if name not in tables]
    if missing or outcomes is None or windows is None:
        raise FileNotFoundError(
            f"{db_path}: no {', '.join(missing) or 'outcomes / study_outcome_windows'} table"
        )
    check_no_person_columns(tables)
    published, summary = suppress(tables, outcomes, windows, threshold)
    check_no_person_columns(published)
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = duckdb.connect()
    try:
        for name, frame in published.items():
            _write(writer, in_key_order(frame), out_dir, name, types.get(name))
        _write(writer, in_key_order(summary), out_dir, "suppression_summary")
    finally:
        writer.close()
    return {
        "out_dir": str(out_dir),
        "threshold": threshold,
        "tables": sorted(published),
        "not_in_database": [name for name in PUBLISHED_TABLES if name not in tables],
        "primary_suppressions": int(summary["primary_suppressions"].sum()),
        "secondary_suppressions": int(summary["secondary_suppressions"].sum()),
        "by_table": summary.to_dict(orient="records"),
    }
