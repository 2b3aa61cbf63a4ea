"""Generate the whole synthetic register extract into one directory."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from regeval.generate import aap, counties, jobseekers, months, rollout, sickness, writer
from regeval.generate.persons import PersonIds
from regeval.generate.scenario import Planted, truth

TRUTH_FILE = "truth.json"


def _denominators(scale: float) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """labour_force_months and population_years at `scale`."""
    lf = counties.scaled(counties.labour_force_real(), scale)
    k = np.arange(months.N_MONTHS)
    labour = {
        "county_code": np.repeat(np.arange(counties.N), months.N_MONTHS),
        "month": np.tile(months.days(k), counties.N),
        "labour_force": lf.ravel(),
    }
    pop = counties.scaled(counties.population_by_age_group(), scale)
    n_years = len(counties.POPULATION_YEARS)
    population = {
        "county_code": np.repeat(np.arange(counties.N), n_years * 2),
        "year": np.tile(np.repeat(np.array(counties.POPULATION_YEARS), 2), counties.N),
        "age_group": np.tile([0, 1], counties.N * n_years),
        "population": pop.ravel(),
    }
    return labour, population


def generate_register(
    out_dir: Path,
    scale: float = 1.0,
    seed: int = 2015,
    progress: Callable[[str], None] | None = None,
    roll_out: rollout.RollOut | None = None,
) -> dict:
    """Write the seven register tables and truth.json into out_dir; returns a summary.

    roll_out is the planted roll-out (default rollout.RollOut(); one without adoptions plants none).
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # truth.json labels a complete extract: it goes first and comes back last, so tables
    # half replaced by an interrupted generation are never taken for a finished one.
    (out_dir / TRUTH_FILE).unlink(missing_ok=True)
    say = progress or (lambda _message: None)
    began = time.perf_counter()
    rng = np.random.default_rng(seed)
    ids = PersonIds(rng)
    planted = Planted()
    rows: dict[str, int] = {}

    def done(table: str, columns: dict[str, np.ndarray], step_began: float) -> None:
        rows[table] = writer.write(out_dir, table, columns)
        say(f"{table}: {rows[table]:,} rows ({time.perf_counter() - step_began:.1f} s)")

    t = time.perf_counter()
    labour, population = _denominators(scale)
    done("labour_force_months", labour, t)
    done("population_years", population, time.perf_counter())

    t = time.perf_counter()
    lf_real = counties.labour_force_real()
    spells, absent_spell, absent_month = jobseekers.simulate(rng, scale, lf_real, planted)
    root = jobseekers.link_returns(rng, spells)
    plan = roll_out if roll_out is not None else rollout.RollOut()
    n_spells = len(root)

    def stays(spell: np.ndarray, county: np.ndarray, month: np.ndarray) -> np.ndarray:
        return rollout.kept(plan, seed, n_spells, spell, county, month)

    table = jobseekers.build_table(rng, spells, root, absent_spell, absent_month, ids, stays=stays)
    del spells, root, absent_spell, absent_month
    done("jobseeker_months", table, t)
    del table

    t = time.perf_counter()
    pop_real = counties.population_18_66()
    ex = sickness.exhaustions(rng, scale, pop_real, planted, ids)
    order = np.argsort(ex.person_id)
    done(
        "sickness_benefit_exhaustions",
        {
            "person_id": ex.person_id[order],
            "county_code": ex.county[order],
            "birth_year": ex.birth_year[order],
            "exhaustion_month": months.days(ex.month[order]),
        },
        t,
    )

    t = time.perf_counter()
    apps, grants = aap.applications(rng, scale, pop_real, ex, planted, ids)
    done("aap_applications", aap.application_table(apps), t)
    t = time.perf_counter()
    done("aap_months", aap.payments(rng, scale, pop_real, grants, ids), t)

    t = time.perf_counter()
    done("sick_leave_quarters", sickness.sick_leave_quarters(rng, planted), t)

    writer.write_text(
        out_dir / TRUTH_FILE,
        json.dumps(
            {**truth(planted, scale, seed), rollout.STUDY_ID: plan.truth()},
            indent=2,
            ensure_ascii=False,
        )
        + "\n",
    )
    seconds = round(time.perf_counter() - began, 1)
    say(f"done in {seconds} s")
    return {
        "out_dir": str(out_dir),
        "scale": scale,
        "seed": seed,
        "rows": rows,
        "persons": ids.count,
        "seconds": seconds,
    }
