"""The synthetic roll-out: counties copying the activity requirement at different months.

From its adoption month on, each job-seeker period in an adopting county leaves the register
earlier: it is kept at an update e months after adoption only if the period's own uniform
draw is at least the reduction d(e). As d(e) never falls, a period that is left out once is
left out at every later update too (an earlier exit), and the expected number of job seekers
of any kind in the county is (1 - d(e)) times what it would have been: the planted relative
effect is -d(e) on every stock (with and without dagpenger, every duration group). The draws
come from their own random stream, so every other table is the same as without the roll-out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from regeval.generate import counties, months

STUDY_ID = "rollout_2012_jobseekers"
STREAM = 16


@dataclass(frozen=True)
class RollOut:
    """Adoption months by county and the reduction of the stock by months since adoption."""

    adoption: tuple[tuple[str, str], ...] = (
        ("02", "2012-09"),
        ("09", "2012-09"),
        ("10", "2012-09"),
        ("11", "2013-01"),
        ("12", "2013-01"),
        ("14", "2013-06"),
        ("15", "2013-06"),
    )
    first_reduction: float = 0.10
    monthly_growth: float = 0.01
    full_reduction: float = 0.22

    def reduction(self, event_time: np.ndarray) -> np.ndarray:
        """d(e): 0 before adoption, first_reduction at e = 0, + monthly_growth a month, capped."""
        e = np.asarray(event_time, dtype=np.float64)
        grown = np.minimum(self.first_reduction + self.monthly_growth * e, self.full_reduction)
        return np.where(e >= 0, grown, 0.0)

    def by_county_month(self) -> np.ndarray:
        """d by (county index, month index) over the register's months."""
        k = np.arange(months.N_MONTHS)
        out = np.zeros((counties.N, months.N_MONTHS))
        for code, start in self.adoption:
            out[counties.CODES.index(code)] = self.reduction(k - months.index(start))
        return out

    def truth(self) -> dict:
        """The truth.json entry: adoption months and the planted effect by event time."""
        last = max((months.LAST - months.index(start) for _, start in self.adoption), default=-1)
        return {
            "adoption": {code: f"{start}-01" for code, start in self.adoption},
            "planted": (
                "job-seeker periods in an adopting county leave the register earlier: from "
                "adoption each period is kept at an update e months later only if its uniform "
                f"draw is at least d(e) = min({self.first_reduction} + {self.monthly_growth} e, "
                f"{self.full_reduction}); every stock is (1 - d(e)) times its counterfactual"
            ),
            "outcomes": [
                "jobseekers_dagpenger",
                "jobseekers_no_dagpenger",
                *(
                    f"duration_{group}_{kind}"
                    for kind in ("dagpenger", "no_dagpenger")
                    for group in ("26_51", "52_77", "78_103", "104plus")
                ),
            ],
            "expected_effect_pct_by_event_time": {
                str(e): round(-100 * float(self.reduction(e)), 6) for e in range(last + 1)
            },
        }


def kept(
    plan: RollOut,
    seed: int,
    n_spells: int,
    spell: np.ndarray,
    county: np.ndarray,
    month: np.ndarray,
) -> np.ndarray:
    """Boolean per register row (spell, county index, month index): the row stays."""
    draws = np.random.default_rng([seed, STREAM]).random(n_spells)
    return draws[spell] >= plan.by_county_month()[county, month]
