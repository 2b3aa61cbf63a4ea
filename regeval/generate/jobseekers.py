"""Job-seeker periods simulated month by month and expanded to monthly register updates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from regeval.generate import counties, months, persons, scenario

BURN_IN = 96
# Monthly inflow in share of the labour force at the 2011-2014 level, by kind of period.
INFLOW = {"dagpenger": 0.00285, "no_dagpenger": 0.0035}
CYCLE_ELASTICITY = {"dagpenger": 1.0, "no_dagpenger": 0.6, "exit": -0.5}
OIL_EFFECT = {"dagpenger": 0.8, "no_dagpenger": 0.3, "exit": -0.15}
# Two kinds of job seekers: most leave within months, a minority stays for years.
LONG_SHARE = {"dagpenger": 0.075, "no_dagpenger": 0.065}
EXIT_SHORT = {"dagpenger": 0.12, "no_dagpenger": 0.22}
EXIT_LONG = {"dagpenger": 0.052, "no_dagpenger": 0.06}
EXIT_BY_EDUCATION = (0.85, 1.0, 1.2, 0.9)
EXIT_BY_AGE_BAND = (1.1, 1.05, 1.0, 1.0, 0.8, 0.65)
LONG_BY_AGE_BAND = (0.8, 0.9, 1.0, 1.0, 1.4, 1.6)
# Dagpenger registered 0, 1 or 2 updates after registration; the right lasts 52 or 104
# weeks (some longer after a new right); 40 % leave the register when it runs out.
DAGPENGER_DELAY = (0.55, 0.33, 0.12)
DAGPENGER_MONTHS = ((12, 0.2), (24, 0.7), (30, 0.1))
EXIT_AT_DAGPENGER_END = 0.4
ABSENCE = 0.025
RETURN_SHARE = 0.32
RETURN_GAP_MEAN = 10.0
PARTIAL_SHARE = 0.30
PROGRAMME_BY_DURATION = ((3, 0.04), (12, 0.13), (10_000, 0.22))
STATUSES = ("fully_unemployed", "partially_unemployed", "programme")


@dataclass
class Spells:
    """Job-seeker periods (one entry per period)."""

    county: np.ndarray
    dagpenger: np.ndarray
    delay: np.ndarray
    dp_end: np.ndarray
    start: np.ndarray
    end: np.ndarray
    censored: np.ndarray
    age: np.ndarray
    band: np.ndarray
    education: np.ndarray
    gender: np.ndarray
    partial: np.ndarray
    lead_days: np.ndarray


def _environment(
    rng: np.random.Generator, scale: float, lf_real: np.ndarray, planted: scenario.Planted
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected inflow (kind, county, month) and exit multipliers (county, month) incl. burn-in."""
    k = np.arange(-BURN_IN, months.N_MONTHS)
    lf = np.concatenate([np.repeat(lf_real[:, :1], BURN_IN, axis=1), lf_real], axis=1)
    ref = (k >= months.index("2011-01")) & (k <= months.index("2014-10"))
    level = counties.factor("unemployment") ** 0.7
    level /= np.sum(level * lf[:, ref].sum(axis=1)) / lf[:, ref].sum()
    cycle = months.piecewise(k, scenario.CYCLE)
    oil = scenario.oil(k)
    noise = scenario.ar1(rng, (3, counties.N), len(k), sd=0.012, rho=0.75)
    inflow = np.empty((2, counties.N, len(k)))
    for i, kind in enumerate(("dagpenger", "no_dagpenger")):
        inflow[i] = (
            lf
            * scale
            * INFLOW[kind]
            * level[:, None]
            * scenario.season(k, scenario.JOBSEEKER_INFLOW_SEASON[kind])[None, :]
            * cycle[None, :] ** CYCLE_ELASTICITY[kind]
            * (1 + OIL_EFFECT[kind] * oil)
            * np.exp(noise[i])
        )
    treated = scenario.hedmark_from(k, planted.a_start)
    inflow[0] *= np.where(treated, planted.a_dagpenger_inflow, 1.0)
    inflow[1] *= np.where(treated, planted.a_no_dagpenger_inflow, 1.0)
    exit_mult = (
        scenario.season(k, scenario.JOBSEEKER_EXIT_SEASON)[None, :]
        * cycle[None, :] ** CYCLE_ELASTICITY["exit"]
        * (1 + OIL_EFFECT["exit"] * oil)
        * np.exp(noise[2])
    )
    dp_exit = np.where(treated, planted.a_dagpenger_exit, 1.0)
    return inflow, exit_mult, dp_exit


def _new_spells(rng: np.random.Generator, counts: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Attributes of the periods starting in month k; counts has shape (kind, county)."""
    n = int(counts.sum())
    kind = np.repeat(np.repeat([0, 1], counties.N), counts.ravel())
    county = np.repeat(np.tile(np.arange(counties.N), 2), counts.ravel()).astype(np.int16)
    dagpenger = kind == 0
    band, age = persons.draw_bands_and_ages(rng, n, "jobseeker")
    education = persons.draw_education(rng, n)
    long_p = np.where(dagpenger, LONG_SHARE["dagpenger"], LONG_SHARE["no_dagpenger"])
    long = rng.random(n) < long_p * np.asarray(LONG_BY_AGE_BAND)[band]
    base = np.where(
        dagpenger,
        np.where(long, EXIT_LONG["dagpenger"], EXIT_SHORT["dagpenger"]),
        np.where(long, EXIT_LONG["no_dagpenger"], EXIT_SHORT["no_dagpenger"]),
    )
    hazard = base * np.asarray(EXIT_BY_EDUCATION)[education] * np.asarray(EXIT_BY_AGE_BAND)[band]
    delay = np.where(dagpenger, rng.choice(3, size=n, p=np.asarray(DAGPENGER_DELAY)), 0)
    lengths = np.array([m for m, _ in DAGPENGER_MONTHS])
    shares = np.array([s for _, s in DAGPENGER_MONTHS])
    dp_end = delay + lengths[rng.choice(len(lengths), size=n, p=shares)]
    return {
        "county": county,
        "dagpenger": dagpenger,
        "delay": delay.astype(np.int16),
        "dp_end": dp_end.astype(np.int16),
        "start": np.full(n, k, dtype=np.int16),
        "hazard": hazard.astype(np.float32),
        "age": age.astype(np.int16),
        "band": band,
        "education": education,
        "gender": persons.draw_gender(rng, n),
        "partial": rng.random(n) < PARTIAL_SHARE,
        "lead_days": rng.integers(0, 30, size=n).astype(np.int16),
    }


def simulate(
    rng: np.random.Generator, scale: float, lf_real: np.ndarray, planted: scenario.Planted
) -> tuple[Spells, np.ndarray, np.ndarray]:
    """Simulate periods; returns them and the (period, month) pairs of single-update absences."""
    inflow, exit_mult, dp_exit = _environment(rng, scale, lf_real, planted)
    static: list[dict[str, np.ndarray]] = []
    ends: list[tuple[np.ndarray, int]] = []
    absent_spell: list[np.ndarray] = []
    absent_month: list[np.ndarray] = []
    loop_keys = ("county", "dagpenger", "delay", "dp_end", "start", "hazard")
    active = {
        "id": np.empty(0, dtype=np.int32),
        "county": np.empty(0, dtype=np.int16),
        "dagpenger": np.empty(0, dtype=bool),
        "delay": np.empty(0, dtype=np.int16),
        "dp_end": np.empty(0, dtype=np.int16),
        "start": np.empty(0, dtype=np.int16),
        "hazard": np.empty(0, dtype=np.float32),
        "absent": np.empty(0, dtype=bool),
    }
    n_spells = 0
    for i, k in enumerate(range(-BURN_IN, months.N_MONTHS)):
        new = _new_spells(rng, rng.poisson(inflow[:, :, i]), k)
        n_new = len(new["county"])
        static.append(new)
        ids = np.arange(n_spells, n_spells + n_new, dtype=np.int32)
        n_spells += n_new
        active = {
            "id": np.concatenate([active["id"], ids]),
            **{key: np.concatenate([active[key], new[key]]) for key in loop_keys},
            "absent": np.concatenate([active["absent"], np.zeros(n_new, dtype=bool)]),
        }
        duration = k - active["start"]
        on_dp = active["dagpenger"] & (duration >= active["delay"]) & (duration < active["dp_end"])
        c = active["county"]
        hazard = active["hazard"] * exit_mult[c, i] * np.where(on_dp, dp_exit[c, i], 1.0)
        dp_ran_out = active["dagpenger"] & (duration == active["dp_end"])
        hazard = np.where(dp_ran_out, 1 - (1 - hazard) * (1 - EXIT_AT_DAGPENGER_END), hazard)
        leaves = rng.random(len(hazard)) < hazard
        absent = (
            ~leaves
            & (duration >= 1)
            & ~active["absent"]
            & (rng.random(len(hazard)) < ABSENCE)
            & (0 < k < months.LAST)
        )
        absent_spell.append(active["id"][absent])
        absent_month.append(np.full(int(absent.sum()), k, dtype=np.int16))
        ends.append((active["id"][leaves], k))
        active["absent"] = absent
        active = {key: value[~leaves] for key, value in active.items()}
    spells = _collect(static, ends, active["id"])
    return spells, np.concatenate(absent_spell), np.concatenate(absent_month)


def _collect(
    static: list[dict[str, np.ndarray]],
    ends: list[tuple[np.ndarray, int]],
    still_active: np.ndarray,
) -> Spells:
    """Concatenate the per-month attribute blocks into one Spells table."""
    cols = {key: np.concatenate([block[key] for block in static]) for key in static[0]}
    n = len(cols["county"])
    end = np.full(n, months.LAST, dtype=np.int16)
    for ids, k in ends:
        end[ids] = k
    censored = np.zeros(n, dtype=bool)
    censored[still_active] = True
    return Spells(
        county=cols["county"],
        dagpenger=cols["dagpenger"],
        delay=cols["delay"],
        dp_end=cols["dp_end"],
        start=cols["start"],
        end=end,
        censored=censored,
        age=cols["age"],
        band=cols["band"],
        education=cols["education"],
        gender=cols["gender"],
        partial=cols["partial"],
        lead_days=cols["lead_days"],
    )


def link_returns(rng: np.random.Generator, s: Spells) -> np.ndarray:
    """Root period of each period: some people register again after a gap of 2+ updates."""
    n = len(s.county)
    group = ((s.county.astype(np.int64) * 2 + s.gender) * 4 + s.education) * 8 + s.band
    gap = 3 + rng.geometric(1 / (RETURN_GAP_MEAN - 2), size=n) - 1
    target = s.end.astype(np.int64) + gap
    pred = np.flatnonzero(
        ~s.censored & (s.end >= 0) & (target <= months.LAST) & (rng.random(n) < RETURN_SHARE)
    )
    cand = np.flatnonzero(s.start >= 3)
    n_groups = int(group.max()) + 1
    want = np.bincount(group[pred], minlength=n_groups)
    have = np.bincount(group[cand], minlength=n_groups)
    take = np.minimum(want, have)
    pred = pred[np.lexsort((rng.random(len(pred)), group[pred]))]
    pred = pred[_rank_in_group(group[pred]) < take[group[pred]]]
    cand = cand[np.lexsort((rng.random(len(cand)), group[cand]))]
    succ = cand[_rank_in_group(group[cand]) < take[group[cand]]]
    pred = pred[np.lexsort((target[pred], group[pred]))]
    succ = succ[np.lexsort((s.start[succ], group[succ]))]
    ok = s.start[succ].astype(np.int64) - s.end[pred] >= 3
    parent = np.arange(n)
    parent[succ[ok]] = pred[ok]
    while True:
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            return parent
        parent = nxt


def _rank_in_group(sorted_group: np.ndarray) -> np.ndarray:
    """Position of each element inside its run of equal values (input sorted by group)."""
    idx = np.arange(len(sorted_group))
    first = np.r_[True, sorted_group[1:] != sorted_group[:-1]]
    return idx - np.maximum.accumulate(np.where(first, idx, 0))


def build_table(
    rng: np.random.Generator,
    s: Spells,
    root: np.ndarray,
    absent_spell: np.ndarray,
    absent_month: np.ndarray,
    ids: persons.PersonIds,
    stays: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Columns of jobseeker_months (codes for strings), sorted by person and month.

    stays(spell, county, month), if given, says which rows remain (the planted roll-out).
    """
    n_spells = len(root)
    first = np.maximum(s.start, 0).astype(np.int64)
    n_rows = np.where(s.end >= 0, s.end - first + 1, 0)
    has_rows = n_rows > 0
    is_root = has_rows & (root == np.arange(n_spells))
    pid = np.zeros(n_spells, dtype=np.int64)
    pid[is_root] = ids.allocate(int(is_root.sum()))
    birth = months.year(s.start) - s.age
    last_year = np.zeros(n_spells, dtype=np.int64)
    np.maximum.at(last_year, root[has_rows], months.year(s.end[has_rows]))
    birth = np.maximum(birth, last_year - 66).astype(np.int32)
    with_rows = np.flatnonzero(has_rows)
    spell_order = with_rows[np.lexsort((s.start[with_rows], pid[root[with_rows]]))]
    offset = np.zeros(n_spells, dtype=np.int64)
    offset[spell_order] = np.cumsum(n_rows[spell_order]) - n_rows[spell_order]
    spell = np.repeat(spell_order, n_rows[spell_order])
    month = first[spell] + np.arange(len(spell)) - offset[spell]
    keep = np.ones(len(spell), dtype=bool)
    keep[offset[absent_spell] + absent_month - first[absent_spell]] = False
    spell, month = spell[keep], month[keep]
    r = root[spell]
    duration = month - s.start[spell]
    on_dp = s.dagpenger[spell] & (duration >= s.delay[spell]) & (duration < s.dp_end[spell])
    cuts = np.array([d for d, _ in PROGRAMME_BY_DURATION])
    p_prog = np.array([p for _, p in PROGRAMME_BY_DURATION])[
        np.searchsorted(cuts, duration, "right")
    ]
    p_prog = np.minimum(p_prog * np.where(s.dagpenger[spell], 1.0, 1.3), 1.0)
    status = np.where(rng.random(len(spell)) < p_prog, 2, np.where(s.partial[spell], 1, 0))
    columns = {
        "person_id": pid[r],
        "month": months.days(month),
        "county_code": s.county[spell],
        "gender": s.gender[r],
        "birth_year": birth[r],
        "education": s.education[r],
        "jobseeker_status": status.astype(np.int8),
        "has_dagpenger": on_dp,
        "spell_start": (months.days(s.start)[spell] - s.lead_days[spell]).astype(np.int32),
    }
    if stays is None:
        return columns
    # Applied after every draw above, so that the main random stream (and every later table)
    # is the same with and without the roll-out.
    remain = stays(spell, s.county[spell].astype(np.int64), month)
    return {name: values[remain] for name, values in columns.items()}
