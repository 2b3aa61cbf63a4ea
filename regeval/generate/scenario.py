"""The economic setting shared by all counties and the effects planted in Hedmark."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regeval.generate import counties, months

# Business cycle: 1 = the 2011-2014 level. Low 2007-2008, the crisis of 2009, slow recovery.
CYCLE = {
    "2000-01": 1.15,
    "2005-06": 1.12,
    "2006-12": 1.0,
    "2007-10": 0.80,
    "2008-07": 0.76,
    "2008-11": 0.86,
    "2009-04": 1.22,
    "2009-12": 1.22,
    "2010-08": 1.10,
    "2011-06": 1.0,
    "2012-06": 0.97,
    "2013-06": 1.0,
    "2014-06": 1.01,
    "2015-06": 1.04,
    "2015-12": 1.05,
}
# Calendar-month factors (January first).
JOBSEEKER_INFLOW_SEASON = {
    "dagpenger": (1.35, 0.95, 0.90, 0.88, 0.82, 0.90, 0.95, 1.05, 0.95, 1.00, 1.05, 1.20),
    "no_dagpenger": (1.15, 0.95, 0.92, 0.90, 0.90, 1.30, 1.10, 1.05, 0.92, 0.92, 0.92, 0.87),
}
JOBSEEKER_EXIT_SEASON = (0.85, 0.95, 1.10, 1.10, 1.15, 1.05, 0.80, 1.05, 1.05, 1.00, 0.95, 0.95)
EXHAUSTION_SEASON = (1.10, 1.12, 1.12, 1.00, 0.95, 0.97, 0.82, 0.92, 0.95, 1.00, 1.02, 1.03)
AAP_APPLICATION_SEASON = (1.10, 1.00, 1.05, 0.98, 1.00, 0.95, 0.72, 0.95, 1.08, 1.10, 1.12, 0.95)
# Sickness-benefit exhaustions follow sick leave a year earlier (the 2009 influenza peak).
EXHAUSTION_TREND = {
    "2010-01": 1.08,
    "2010-12": 1.08,
    "2011-06": 1.02,
    "2012-06": 1.0,
    "2015-12": 0.99,
}
# New AAP applications outside sickness benefit: high when the scheme was new, a rise at the
# end of 2014.
AAP_OTHER_TREND = {
    "2010-03": 1.25,
    "2011-12": 1.02,
    "2013-06": 0.97,
    "2014-06": 1.0,
    "2014-11": 1.18,
    "2015-03": 1.08,
    "2015-12": 1.08,
}
OIL_START, OIL_FULL = "2014-09", "2015-12"


@dataclass(frozen=True)
class Planted:
    """Effects planted in Hedmark (county 04): start months, multipliers, rejection probability."""

    a_start: str = "2014-12"
    a_dagpenger_exit: float = 1.18
    a_dagpenger_inflow: float = 0.92
    a_no_dagpenger_inflow: float = 0.91
    b_sick_start: str = "2013-04"
    b_sick_full: str = "2013-12"
    b_sick_leave: float = 0.92
    b_exhaustion: float = 0.76
    b_aap_start: str = "2014-04"
    b_rejection_probability: float = 0.29
    b_other_applications: float = 0.70


REJECTION_PROBABILITY = 0.15


def ar1(
    rng: np.random.Generator, shape: tuple[int, ...], n: int, sd: float, rho: float
) -> np.ndarray:
    """Stationary AR(1) series along a last axis of length n, innovations sd `sd`."""
    eps = rng.normal(0.0, sd, size=(*shape, n))
    out = np.empty_like(eps)
    out[..., 0] = eps[..., 0] / np.sqrt(1 - rho**2)
    for t in range(1, n):
        out[..., t] = rho * out[..., t - 1] + eps[..., t]
    return out


def season(k: np.ndarray, factors: tuple[float, ...]) -> np.ndarray:
    """Calendar-month factors for month indices k, normalised to mean 1."""
    f = np.asarray(factors) / np.mean(factors)
    return f[months.month_of_year(k) - 1]


def oil(k: np.ndarray) -> np.ndarray:
    """Oil-downturn intensity by county and month (0 before autumn 2014)."""
    return counties.factor("oil")[:, None] * months.ramp(k, OIL_START, OIL_FULL)[None, :]


def hedmark_from(k: np.ndarray, start: str) -> np.ndarray:
    """Boolean (county, month): Hedmark from `start` on."""
    out = np.zeros((counties.N, len(k)), dtype=bool)
    out[counties.HEDMARK] = np.asarray(k) >= months.index(start)
    return out


def _effect(start: str, planted: str, **expected: float) -> dict:
    """One truth entry: first treated month, what was planted, what a DiD should find."""
    return {"start": f"{start}-01", "planted": planted, **expected}


def truth(p: Planted, scale: float, seed: int) -> dict:
    """The planted effects and the relative effects a difference-in-differences should find."""
    rejection = (
        f"rejection probability of AAP applications {p.b_rejection_probability} instead "
        f"of {REJECTION_PROBABILITY}, by decision month"
    )
    return {
        "scale": scale,
        "seed": seed,
        "treated_county": "04",
        "hedmark_2014_jobseekers": {
            "control_counties": list(counties.STUDY_A_CONTROLS),
            "jobseekers_dagpenger": _effect(
                p.a_start,
                f"monthly exit probability of job seekers with dagpenger x {p.a_dagpenger_exit}",
                expected_effect_pct=-12,
            ),
            "jobseekers_no_dagpenger": _effect(
                p.a_start,
                "nothing directly; follows the lower inflow without dagpenger",
                expected_effect_pct=-5,
            ),
            "new_jobseekers_dagpenger": _effect(
                p.a_start,
                f"monthly inflow of job seekers with dagpenger x {p.a_dagpenger_inflow}",
                expected_effect_pct=-8,
            ),
            "new_jobseekers_no_dagpenger": _effect(
                p.a_start,
                f"monthly inflow of job seekers without dagpenger x {p.a_no_dagpenger_inflow}",
                expected_effect_pct=-9,
            ),
        },
        "hedmark_2014_aap": {
            "control_counties": [c for c in counties.CODES if c != "04"],
            "sick_leave_pct": _effect(
                p.b_sick_start,
                f"sick leave percent x {p.b_sick_leave}",
                expected_effect_pct=round(100 * (p.b_sick_leave - 1)),
            ),
            "sickness_benefit_exhaustion": _effect(
                p.b_sick_start,
                f"monthly exhaustions x {p.b_exhaustion}, "
                f"phased in linearly until {p.b_sick_full}-01",
                expected_effect_pct=round(100 * (p.b_exhaustion - 1)),
            ),
            "aap_share_two_months_after_exhaustion": _effect(
                p.b_aap_start, rejection, expected_difference_points=-9, expected_effect_pct=-16
            ),
            "aap_inflow_sickness_benefit": _effect(
                p.b_aap_start,
                "fewer exhaustions and the higher rejection probability",
                expected_effect_pct=-37,
            ),
            "aap_inflow_other": _effect(
                p.b_aap_start,
                f"AAP applications not following exhaustion x {p.b_other_applications}, "
                f"and {rejection}",
                expected_effect_pct=-28,
            ),
            "aap_inflow_total": _effect(
                p.b_aap_start, "both channels above", expected_effect_pct=-34
            ),
            "aap_applications": _effect(
                p.b_aap_start,
                "fewer exhaustions and fewer other applications",
                expected_effect_pct=-24,
            ),
            "aap_rejection_pct": _effect(
                p.b_aap_start,
                rejection,
                expected_level_pct=round(100 * p.b_rejection_probability),
                expected_effect_pct=round(
                    100 * (p.b_rejection_probability / REJECTION_PROBABILITY - 1)
                ),
            ),
        },
    }
