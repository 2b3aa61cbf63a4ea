"""The generated register passes the pipeline's own contract checks (the dbt tests on source:register)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from regeval.paths import PROJECT_DIR


def _run_results(built_db: Path) -> list[dict]:
    return json.loads((built_db.parent / "target" / "run_results.json").read_text())["results"]


def test_every_contract_test_ran_and_passed(built_db):
    sources = yaml.safe_load(
        (PROJECT_DIR / "models/staging/register/_register__sources.yml").read_text()
    )
    declared = sum(
        len(column.get("data_tests", []))
        for table in sources["sources"][0]["tables"]
        for column in table["columns"]
    ) + sum(len(table.get("data_tests", [])) for table in sources["sources"][0]["tables"])
    contract = [
        r for r in _run_results(built_db) if r["unique_id"].startswith("test.regeval.source_")
    ]
    assert len(contract) == declared
    assert {r["status"] for r in contract} == {"pass"}


def test_every_table_of_the_contract_is_checked(built_db):
    tables = {
        "jobseeker_months",
        "labour_force_months",
        "population_years",
        "sickness_benefit_exhaustions",
        "aap_months",
        "aap_applications",
        "sick_leave_quarters",
    }
    checked = {
        t for t in tables for r in _run_results(built_db) if f"_register_{t}_" in r["unique_id"]
    }
    assert checked == tables
