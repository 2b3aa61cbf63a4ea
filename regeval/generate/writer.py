"""Parquet output exactly to the register data contract."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from regeval.generate import counties, persons
from regeval.generate.aap import DECISIONS
from regeval.generate.jobseekers import STATUSES

SCHEMAS: dict[str, pa.Schema] = {
    "jobseeker_months": pa.schema(
        [
            ("person_id", pa.int64()),
            ("month", pa.date32()),
            ("county_code", pa.string()),
            ("gender", pa.string()),
            ("birth_year", pa.int32()),
            ("education", pa.string()),
            ("jobseeker_status", pa.string()),
            ("has_dagpenger", pa.bool_()),
            ("spell_start", pa.date32()),
        ]
    ),
    "labour_force_months": pa.schema(
        [
            ("county_code", pa.string()),
            ("month", pa.date32()),
            ("labour_force", pa.int64()),
        ]
    ),
    "population_years": pa.schema(
        [
            ("county_code", pa.string()),
            ("year", pa.int32()),
            ("age_group", pa.string()),
            ("population", pa.int64()),
        ]
    ),
    "sickness_benefit_exhaustions": pa.schema(
        [
            ("person_id", pa.int64()),
            ("county_code", pa.string()),
            ("birth_year", pa.int32()),
            ("exhaustion_month", pa.date32()),
        ]
    ),
    "aap_months": pa.schema(
        [
            ("person_id", pa.int64()),
            ("month", pa.date32()),
            ("county_code", pa.string()),
            ("birth_year", pa.int32()),
            ("transferred_from_old_scheme", pa.bool_()),
        ]
    ),
    "aap_applications": pa.schema(
        [
            ("application_id", pa.int64()),
            ("person_id", pa.int64()),
            ("county_code", pa.string()),
            ("birth_year", pa.int32()),
            ("received_month", pa.date32()),
            ("decision", pa.string()),
            ("decision_month", pa.date32()),
        ]
    ),
    "sick_leave_quarters": pa.schema(
        [
            ("county_code", pa.string()),
            ("quarter_start", pa.date32()),
            ("sick_leave_pct", pa.float64()),
        ]
    ),
}

# Columns with (nearly) one value per row: no dictionary encoding.
UNIQUE_COLUMNS = ("person_id", "application_id")

# Columns held as small integer codes until written, and their labels.
LABELS: dict[str, tuple[str, ...]] = {
    "county_code": counties.CODES,
    "gender": persons.GENDERS,
    "education": persons.EDUCATIONS,
    "jobseeker_status": STATUSES,
    "decision": DECISIONS,
    "age_group": ("18-29", "30-66"),
}


def _column(name: str, values: np.ndarray, field: pa.Field) -> pa.Array:
    """One contract column from numpy values (codes for labelled strings, -1 for NULL dates)."""
    if name in LABELS:
        dictionary = pa.array(LABELS[name], type=pa.string())
        codes = pa.array(np.asarray(values, dtype=np.int32))
        return pa.DictionaryArray.from_arrays(codes, dictionary).cast(pa.string())
    if pa.types.is_date32(field.type):
        days = np.asarray(values, dtype=np.int32)
        return pa.array(days, type=pa.date32(), mask=days < 0 if name == "decision_month" else None)
    return pa.array(np.asarray(values, dtype=field.type.to_pandas_dtype()), type=field.type)


def partial_path(path: Path) -> Path:
    """The temporary name a file is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.partial")


def write(out_dir: Path, table: str, columns: dict[str, np.ndarray]) -> int:
    """Write one table as `<table>.parquet` (under a temporary name, renamed when complete); returns the number of rows."""
    schema = SCHEMAS[table]
    arrays = [_column(f.name, columns[f.name], f) for f in schema]
    dictionary = [f.name for f in schema if f.name not in UNIQUE_COLUMNS]
    final = out_dir / f"{table}.parquet"
    partial = partial_path(final)
    try:
        pq.write_table(
            pa.Table.from_arrays(arrays, schema=schema),
            partial,
            compression="zstd",
            compression_level=1,
            row_group_size=1 << 20,
            use_dictionary=dictionary,
        )
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return len(arrays[0])


def write_text(path: Path, text: str) -> None:
    """Write a text file under a temporary name and rename it into place when complete."""
    partial = partial_path(path)
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
