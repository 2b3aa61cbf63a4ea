"""Sick leave by quarter and people using up their sickness-benefit right."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regeval.generate import counties, months, persons, scenario

FIRST_EXHAUSTION = months.index("2010-01")
EXHAUSTION_RATE = 0.00118  # per inhabitant aged 18-66 and month, whole country
FIRST_QUARTER = months.index("2006-10")
N_QUARTERS = 37  # 2006 Q4 - 2015 Q4
# Sick leave relative to the 1st quarter, 2nd-4th quarter; the influenza autumn of 2009.
QUARTER_SEASON = (1.0, 0.93, 0.84, 0.98)
INFLUENZA_2009_Q4 = 1.07
SICK_LEAVE_Q1_AFTER_2014 = 5.6


@dataclass
class Exhaustions:
    """People using up the sickness-benefit right, one entry per person."""

    person_id: np.ndarray
    county: np.ndarray
    month: np.ndarray
    birth_year: np.ndarray


def population_by_month(pop_real: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Real population aged 18-66 (county, month) from the 1 January figures."""
    return pop_real[:, months.year(k) - counties.POPULATION_YEARS[0]]


def exhaustions(
    rng: np.random.Generator,
    scale: float,
    pop_real: np.ndarray,
    planted: scenario.Planted,
    ids: persons.PersonIds,
) -> Exhaustions:
    """Monthly exhaustions 2010-2015 by county, with the planted fall in Hedmark."""
    k = np.arange(FIRST_EXHAUSTION, months.N_MONTHS)
    pop = population_by_month(pop_real, k)
    level = counties.relative_level("sick_leave", 1.5, pop_real)
    noise = scenario.ar1(rng, (counties.N,), len(k), sd=0.02, rho=0.5)
    expected = (
        pop
        * scale
        * EXHAUSTION_RATE
        * level[:, None]
        * scenario.season(k, scenario.EXHAUSTION_SEASON)[None, :]
        * months.piecewise(k, scenario.EXHAUSTION_TREND)[None, :]
        * np.exp(noise)
    )
    fall = (1 - planted.b_exhaustion) * months.ramp(k, planted.b_sick_start, planted.b_sick_full)
    expected[counties.HEDMARK] *= 1 - fall
    counts = rng.poisson(expected)
    county = np.repeat(np.repeat(np.arange(counties.N), len(k)), counts.ravel()).astype(np.int16)
    month = np.repeat(np.tile(k, counties.N), counts.ravel()).astype(np.int16)
    order = np.lexsort((county, month))
    county, month = county[order], month[order]
    age = persons.draw_ages(rng, len(month), "exhaustion")
    return Exhaustions(
        person_id=ids.allocate(len(month)),
        county=county,
        month=month,
        birth_year=(months.year(month) - age).astype(np.int32),
    )


def sick_leave_quarters(
    rng: np.random.Generator, planted: scenario.Planted
) -> dict[str, np.ndarray]:
    """Sick leave percent by county and quarter, 2006 Q4 - 2015 Q4."""
    q_start = FIRST_QUARTER + 3 * np.arange(N_QUARTERS)
    years = np.array((*counties.SICK_LEAVE_Q1_YEARS, 2015, 2016), dtype=np.float64)
    q1 = np.array(counties.SICK_LEAVE_Q1_NATIONAL + (SICK_LEAVE_Q1_AFTER_2014,) * 2)
    position = months.year(q_start) + (months.month_of_year(q_start) - 1) / 12
    national = np.interp(position, years, q1)
    national *= np.asarray(QUARTER_SEASON)[(months.month_of_year(q_start) - 1) // 3]
    national[q_start == months.index("2009-10")] *= INFLUENZA_2009_Q4
    ratio = counties.factor("sick_leave")
    noise = np.exp(rng.normal(0.0, 0.015, size=(counties.N, N_QUARTERS)))
    pct = national[None, :] * ratio[:, None] * noise
    pct[counties.HEDMARK, q_start >= months.index(planted.b_sick_start)] *= planted.b_sick_leave
    county = np.repeat(np.arange(counties.N), N_QUARTERS).astype(np.int16)
    return {
        "county_code": county,
        "quarter_start": months.days(np.tile(q_start, counties.N)),
        "sick_leave_pct": np.round(pct.ravel(), 2),
    }
