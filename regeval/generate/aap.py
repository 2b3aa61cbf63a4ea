"""Work assessment allowance (AAP): applications, decisions and monthly payments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regeval.generate import counties, months, persons, scenario
from regeval.generate.sickness import Exhaustions, population_by_month

AAP_START = months.index("2010-03")
OLD_SCHEME_MAX = months.index("2014-02")
# Applications from people using up sickness benefit, sent 0-3 months before the end.
APPLY_AFTER_EXHAUSTION = 0.79
APPLY_LEAD = (0.30, 0.35, 0.25, 0.10)
# Payment from the month after the right ran out (else from the same month), once decided.
PAID_FROM_NEXT_MONTH = 0.85
# Other applications per inhabitant aged 18-66 and month.
OTHER_APPLICATION_RATE = 0.00031
DECISION_LAG = (0.08, 0.40, 0.26, 0.14, 0.08, 0.04)
PAYMENT_LAG = (0.55, 0.45)
REAPPLY_AFTER_REJECTION = 0.25
REAPPLY_GAP = (2, 8)
# Payment months of a new recipient: a short and a long kind; four years as a rule.
SHORT_SHARE, SHORT_EXIT, LONG_EXIT = 0.25, 0.07, 0.02
MAX_MONTHS, EXTENDED_SHARE, EXTENDED_EXIT = 48, 0.3, 0.06
PAUSES = (0.90, 0.08, 0.02)
PAUSE_CONTINUE, PAUSE_MAX = 0.45, 4
# People moved from the old schemes in March 2010: most reached four years in February 2014.
TRANSFERRED_RATE = 0.042
TRANSFERRED_HEDMARK = 1.3
TRANSFERRED_EXIT, TRANSFERRED_CUT_AT_MAX = 0.02, 0.75
TRANSFERRED_PAUSE, TRANSFERRED_PAUSE_MAX = 0.10, 6
DECISIONS = ("granted", "rejected", "pending")


@dataclass
class Applications:
    """Applications for AAP (one entry per application)."""

    person_id: np.ndarray
    county: np.ndarray
    birth_year: np.ndarray
    received: np.ndarray
    decision: np.ndarray
    decided: np.ndarray


@dataclass
class Grants:
    """Granted applications that lead to payments: person and first payment month."""

    person_id: np.ndarray
    county: np.ndarray
    birth_year: np.ndarray
    start: np.ndarray


def _decide(
    rng: np.random.Generator,
    received: np.ndarray,
    county: np.ndarray,
    p_reject: np.ndarray,
    planted: scenario.Planted,
) -> tuple[np.ndarray, np.ndarray]:
    """Decision month and decision code (0 granted, 1 rejected, 2 pending)."""
    decided = received + rng.choice(
        len(DECISION_LAG), size=len(received), p=np.asarray(DECISION_LAG)
    )
    treated = (county == counties.HEDMARK) & (decided >= months.index(planted.b_aap_start))
    p = np.where(treated, planted.b_rejection_probability, p_reject[county])
    decision = (rng.random(len(received)) < p).astype(np.int8)
    decision[decided > months.LAST] = 2
    return decided, decision


def applications(
    rng: np.random.Generator,
    scale: float,
    pop_real: np.ndarray,
    ex: Exhaustions,
    planted: scenario.Planted,
    ids: persons.PersonIds,
) -> tuple[Applications, Grants]:
    """Applications from exhaustion and from elsewhere, one round of re-application."""
    z = rng.normal(0.0, 1.0, counties.N)
    p_reject = scenario.REJECTION_PROBABILITY * np.exp(0.12 * z)
    p_reject[counties.HEDMARK] = scenario.REJECTION_PROBABILITY

    applies = rng.random(len(ex.month)) < APPLY_AFTER_EXHAUSTION
    sb_pid, sb_county, sb_birth = ex.person_id[applies], ex.county[applies], ex.birth_year[applies]
    sb_month = ex.month[applies].astype(np.int64)
    lead = rng.choice(len(APPLY_LEAD), size=len(sb_month), p=np.asarray(APPLY_LEAD))
    sb_received = np.maximum(sb_month - lead, AAP_START)
    sb_decided, sb_decision = _decide(rng, sb_received, sb_county, p_reject, planted)
    paid_from = sb_month + (rng.random(len(sb_month)) < PAID_FROM_NEXT_MONTH)
    sb_start = np.maximum.reduce([sb_decided, paid_from, np.full(len(sb_month), AAP_START)])

    k = np.arange(AAP_START, months.N_MONTHS)
    pop = population_by_month(pop_real, k)
    level = counties.relative_level("new_aap", 0.7, pop_real)
    noise = scenario.ar1(rng, (counties.N,), len(k), sd=0.03, rho=0.5)
    expected = (
        pop
        * scale
        * OTHER_APPLICATION_RATE
        * level[:, None]
        * scenario.season(k, scenario.AAP_APPLICATION_SEASON)[None, :]
        * months.piecewise(k, scenario.AAP_OTHER_TREND)[None, :]
        * np.exp(noise)
    )
    expected[counties.HEDMARK, k >= months.index(planted.b_aap_start)] *= (
        planted.b_other_applications
    )
    counts = rng.poisson(expected)
    o_county = np.repeat(np.repeat(np.arange(counties.N), len(k)), counts.ravel()).astype(np.int16)
    o_received = np.repeat(np.tile(k, counties.N), counts.ravel()).astype(np.int64)
    o_birth = months.year(o_received) - persons.draw_ages(rng, len(o_received), "aap_other")
    o_pid = ids.allocate(len(o_received))
    o_decided, o_decision = _decide(rng, o_received, o_county, p_reject, planted)
    o_start = o_decided + rng.choice(
        len(PAYMENT_LAG), size=len(o_decided), p=np.asarray(PAYMENT_LAG)
    )

    pid = np.concatenate([sb_pid, o_pid])
    county = np.concatenate([sb_county, o_county])
    birth = np.concatenate([sb_birth, o_birth]).astype(np.int32)
    decided = np.concatenate([sb_decided, o_decided])
    decision = np.concatenate([sb_decision, o_decision])
    start = np.concatenate([sb_start, o_start])

    again = np.flatnonzero((decision == 1) & (rng.random(len(decision)) < REAPPLY_AFTER_REJECTION))
    re_received = decided[again] + rng.integers(REAPPLY_GAP[0], REAPPLY_GAP[1] + 1, len(again))
    again, re_received = again[re_received <= months.LAST], re_received[re_received <= months.LAST]
    re_decided, re_decision = _decide(rng, re_received, county[again], p_reject, planted)
    re_start = re_decided + rng.choice(len(PAYMENT_LAG), size=len(again), p=np.asarray(PAYMENT_LAG))

    received = np.concatenate([sb_received, o_received, re_received])
    apps = Applications(
        person_id=np.concatenate([pid, pid[again]]),
        county=np.concatenate([county, county[again]]),
        birth_year=np.concatenate([birth, birth[again]]),
        received=received,
        decision=np.concatenate([decision, re_decision]),
        decided=np.concatenate([decided, re_decided]),
    )
    granted = apps.decision == 0
    grants = Grants(
        person_id=apps.person_id[granted],
        county=apps.county[granted],
        birth_year=apps.birth_year[granted],
        start=np.concatenate([start, re_start])[granted],
    )
    return apps, grants


def _payment_months(
    rng: np.random.Generator,
    start: np.ndarray,
    length: np.ndarray,
    n_pauses: np.ndarray,
    pause_max: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Expand payment periods with up to two pauses; returns (period index, month) per row."""
    n = len(start)
    gaps = np.minimum(rng.geometric(1 - PAUSE_CONTINUE, size=(n, 2)), pause_max[:, None])
    at = 1 + np.floor(rng.random((n, 2)) * np.maximum(length - 1, 1)[:, None]).astype(np.int64)
    can_pause = length >= 2
    gaps[~((n_pauses >= 1) & can_pause), 0] = 0
    gaps[~((n_pauses >= 2) & can_pause), 1] = 0
    period = np.repeat(np.arange(n), length)
    first = np.cumsum(length) - length
    j = np.arange(len(period)) - first[period]
    month = (
        start[period]
        + j
        + gaps[period, 0] * (j >= at[period, 0])
        + gaps[period, 1] * (j >= at[period, 1])
    )
    keep = month <= months.LAST
    return period[keep], month[keep]


def payments(
    rng: np.random.Generator,
    scale: float,
    pop_real: np.ndarray,
    grants: Grants,
    ids: persons.PersonIds,
) -> dict[str, np.ndarray]:
    """aap_months: new recipients from grants and the cohort moved from the old schemes."""
    g = grants.start <= months.LAST
    n = int(g.sum())
    short = rng.random(n) < SHORT_SHARE
    length = rng.geometric(np.where(short, SHORT_EXIT, LONG_EXIT))
    capped = (length > MAX_MONTHS) & (rng.random(n) >= EXTENDED_SHARE)
    new_length = np.where(capped, MAX_MONTHS, length)
    new_pauses = rng.choice(len(PAUSES), size=n, p=np.asarray(PAUSES))

    level = counties.factor("new_aap") ** 0.7
    level[counties.HEDMARK] *= TRANSFERRED_HEDMARK
    n_t = rng.poisson(
        pop_real[:, 2010 - counties.POPULATION_YEARS[0]] * scale * TRANSFERRED_RATE * level
    )
    t_county = np.repeat(np.arange(counties.N), n_t).astype(np.int16)
    m = len(t_county)
    t_pid = ids.allocate(m)
    t_birth = (2010 - persons.draw_ages(rng, m, "transferred")).astype(np.int32)
    length = rng.geometric(TRANSFERRED_EXIT, size=m)
    to_max = OLD_SCHEME_MAX - AAP_START + 1
    past_max = length > to_max
    cut = past_max & (rng.random(m) < TRANSFERRED_CUT_AT_MAX)
    t_length = np.where(
        cut, to_max, np.where(past_max, to_max + rng.geometric(EXTENDED_EXIT, m), length)
    )
    t_pauses = (rng.random(m) < TRANSFERRED_PAUSE).astype(np.int64)

    pid = np.concatenate([grants.person_id[g], t_pid])
    order = np.argsort(pid)
    county = np.concatenate([grants.county[g], t_county])[order]
    birth = np.concatenate([grants.birth_year[g], t_birth]).astype(np.int32)[order]
    transferred = np.concatenate([np.zeros(n, dtype=bool), np.ones(m, dtype=bool)])[order]
    start = np.concatenate([grants.start[g], np.full(m, AAP_START)])[order]
    length = np.concatenate([new_length, t_length])[order]
    pauses = np.concatenate([new_pauses, t_pauses])[order]
    pause_max = np.where(transferred, TRANSFERRED_PAUSE_MAX, PAUSE_MAX)
    period, month = _payment_months(rng, start, length, pauses, pause_max)
    keep = months.year(month) - birth[period] <= 66
    period, month = period[keep], month[keep]
    return {
        "person_id": pid[order][period],
        "month": months.days(month),
        "county_code": county[period],
        "birth_year": birth[period],
        "transferred_from_old_scheme": transferred[period],
    }


def application_table(apps: Applications) -> dict[str, np.ndarray]:
    """aap_applications ordered by received month and person; ids 1..n in that order."""
    order = np.lexsort((apps.person_id, apps.received))
    decided = np.where(apps.decision == 2, -1, months.days(apps.decided))[order]
    return {
        "application_id": np.arange(1, len(order) + 1, dtype=np.int64),
        "person_id": apps.person_id[order],
        "county_code": apps.county[order],
        "birth_year": apps.birth_year[order].astype(np.int32),
        "received_month": months.days(apps.received[order]),
        "decision": apps.decision[order],
        "decision_month": decided,
    }
