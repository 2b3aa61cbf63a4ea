"""Read the tables the report shows from the DuckDB file (read-only) and the published county panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from regeval import warehouse

REQUIRED_TABLES = (
    "studies",
    "study_units",
    "counties",
    "outcomes",
    "study_outcome_windows",
    "county_panel",
    "study_panel",
    "effects_pre_post",
)
OPTIONAL_TABLES = (
    "effects_summary",
    "study_exclusions",
    "regression_effects",
    "placebo_effects",
    "event_study",
    "inference_calibration",
    "study_measures",
    "synthetic_weights",
    "synthetic_paths",
    "sensitivity",
)
# The study configuration seeds, in their own schema; every other table is an analyst table.
STUDY_CONFIG_TABLES = frozenset({"studies", "study_units", "study_measures"})
DATE_COLUMNS = (
    "intervention_month",
    "earlier_intervention_month",
    "placebo_start",
    "placebo_end",
    "period_start",
    "pre_start",
    "pre_end",
    "post_start",
    "post_end",
)


@dataclass
class StudyData:
    """Everything the report shows about one study."""

    study: dict
    outcomes: pd.DataFrame
    units: pd.DataFrame
    county_names: dict[str, str]
    panel: pd.DataFrame
    county: pd.DataFrame
    county_published: bool
    effects: pd.DataFrame
    windows: pd.DataFrame
    summary: pd.DataFrame
    exclusions: pd.DataFrame
    regression: pd.DataFrame | None
    placebo: pd.DataFrame | None
    event: pd.DataFrame | None
    all_county_codes: set[str] = field(default_factory=set)
    calibration: pd.DataFrame | None = None
    measures: pd.DataFrame = field(default_factory=pd.DataFrame)
    synthetic_weights: pd.DataFrame | None = None
    synthetic_paths: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None

    @property
    def study_id(self) -> str:
        """The study's id."""
        return str(self.study["study_id"])

    @property
    def outcome_ids(self) -> list[str]:
        """The study's outcomes in the order of the outcomes seed."""
        return list(self.outcomes["outcome_id"])

    def outcome(self, outcome_id: str) -> dict:
        """One outcome's seed row."""
        rows = self.outcomes[self.outcomes["outcome_id"] == outcome_id]
        return (
            rows.iloc[0].to_dict()
            if len(rows)
            else {"outcome_id": outcome_id, "label": outcome_id, "unit": ""}
        )

    def codes(self, role: str) -> list[str]:
        """County codes of the study's units with the given role."""
        return sorted(self.units.loc[self.units["role"] == role, "county_code"].astype(str))

    @property
    def treated_label(self) -> str:
        """The treated unit(s) by name, e.g. "Hedmark"."""
        names = [self.county_names.get(c, c) for c in self.codes("treated")]
        return " + ".join(names) if names else "Treated"

    @property
    def excluded_codes(self) -> list[str]:
        """County codes left out of the study by the gap policy."""
        if self.exclusions.empty:
            return []
        rows = self.exclusions[self.exclusions["is_excluded"].fillna(False).astype(bool)]
        return sorted(rows["county_code"].astype(str).unique())

    @property
    def control_label(self) -> str:
        """The control group, e.g. "Control counties (11)" or "Rest of the country (18 counties)"."""
        listed = set(self.codes("control"))
        used = sorted(listed - set(self.excluded_codes))
        if listed | set(self.codes("treated")) == self.all_county_codes:
            return f"Rest of the country ({len(used)} counties)"
        return f"Control counties ({len(used)})"


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Date-like columns as pandas timestamps."""
    for column in DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    for column in ("county_code", "study_id", "outcome_id"):
        if column in frame.columns:
            frame[column] = frame[column].astype("string").astype(object)
    return frame


def _schema(table: str) -> str:
    """The schema a table the report reads lives in."""
    return warehouse.study_config_schema() if table in STUDY_CONFIG_TABLES else warehouse.ANALYST


def _read(connection: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame | None:
    """A whole table as a DataFrame (None when it is not there)."""
    frame = warehouse.read_table(connection, table, _schema(table))
    return None if frame is None else _dates(frame)


def read_published_county_panel(publish_dir: Path | None) -> pd.DataFrame | None:
    """The published county panel (with its suppressed flag), or None when it has not been written."""
    if publish_dir is None:
        return None
    path = Path(publish_dir) / "county_panel.parquet"
    if not path.exists():
        return None
    with duckdb.connect() as connection:
        frame = connection.execute("select * from read_parquet(?)", [str(path)]).df()
    frame = _dates(frame)
    if "suppressed" not in frame.columns:
        frame["suppressed"] = False
    frame["suppressed"] = frame["suppressed"].fillna(False).astype(bool)
    return frame


def _for_study(frame: pd.DataFrame | None, study_id: str) -> pd.DataFrame | None:
    """Rows of one study (None stays None)."""
    if frame is None:
        return None
    return frame[frame["study_id"] == study_id].reset_index(drop=True)


def load(db_path: Path, publish_dir: Path | None = None) -> list[StudyData]:
    """Every study's data, read from the database opened read-only."""
    with duckdb.connect(str(db_path), read_only=True) as connection:
        frames = {t: _read(connection, t) for t in REQUIRED_TABLES}
        missing = [f"{_schema(t)}.{t}" for t, frame in frames.items() if frame is None]
        if missing:
            raise RuntimeError(
                f"{db_path}: missing table(s) {', '.join(missing)}; run dbt build first"
            )
        optional = {t: _read(connection, t) for t in OPTIONAL_TABLES}
    published = read_published_county_panel(publish_dir)

    counties = frames["counties"]
    county_names = dict(
        zip(counties["county_code"].astype(str), counties["county_name"].astype(str))
    )
    outcomes = frames["outcomes"].reset_index(drop=True)
    outcomes["seed_order"] = range(len(outcomes))
    studies = frames["studies"]
    result = []
    for study in studies.to_dict("records"):
        if study.get("design", "single_county") != "single_county":
            continue  # roll-out studies have their own page (regeval.report.rollout)
        study_id = study["study_id"]
        panel = _for_study(frames["study_panel"], study_id)
        present_outcomes = set(panel["outcome_id"]) | set(
            _for_study(frames["effects_pre_post"], study_id)["outcome_id"]
        )
        study_outcomes = outcomes[outcomes["outcome_id"].isin(present_outcomes)].sort_values(
            "seed_order"
        )
        county = _for_study(frames["county_panel"], study_id)
        county["suppressed"] = False
        from_published = _for_study(published, study_id)
        use_published = from_published is not None and len(from_published) > 0
        empty = pd.DataFrame(columns=["study_id", "outcome_id"])
        result.append(
            StudyData(
                study=study,
                outcomes=study_outcomes.reset_index(drop=True),
                units=_for_study(frames["study_units"], study_id),
                county_names=county_names,
                panel=panel,
                county=from_published if use_published else county,
                county_published=use_published,
                effects=_for_study(frames["effects_pre_post"], study_id),
                windows=_for_study(frames["study_outcome_windows"], study_id),
                summary=_for_study(optional["effects_summary"], study_id)
                if optional["effects_summary"] is not None
                else empty,
                exclusions=_for_study(optional["study_exclusions"], study_id)
                if optional["study_exclusions"] is not None
                else empty.assign(
                    is_excluded=pd.Series(dtype=bool), county_code=pd.Series(dtype=object)
                ),
                regression=_for_study(optional["regression_effects"], study_id),
                placebo=_for_study(optional["placebo_effects"], study_id),
                event=_for_study(optional["event_study"], study_id),
                all_county_codes=set(county_names),
                calibration=_for_study(optional["inference_calibration"], study_id),
                measures=_for_study(optional["study_measures"], study_id)
                if optional["study_measures"] is not None
                else pd.DataFrame(),
                synthetic_weights=_for_study(optional["synthetic_weights"], study_id),
                synthetic_paths=_for_study(optional["synthetic_paths"], study_id),
                sensitivity=_for_study(optional["sensitivity"], study_id),
            )
        )
    return result
