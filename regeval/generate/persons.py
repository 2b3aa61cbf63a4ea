"""Person attributes (age, gender, education) and pseudonymous person ids."""

from __future__ import annotations

import numpy as np

GENDERS = ("F", "M")
EDUCATIONS = ("primary", "secondary", "tertiary", "unknown")

# Age bands (first age, last age) and the shares of job seekers, people using up sickness
# benefit, and people applying for AAP outside sickness benefit.
AGE_BANDS = ((18, 24), (25, 29), (30, 39), (40, 49), (50, 59), (60, 66))
AGE_SHARES = {
    "jobseeker": (0.18, 0.155, 0.25, 0.23, 0.14, 0.045),
    "exhaustion": (0.035, 0.065, 0.18, 0.27, 0.30, 0.15),
    "aap_other": (0.21, 0.17, 0.21, 0.19, 0.15, 0.07),
    "transferred": (0.03, 0.06, 0.17, 0.27, 0.32, 0.15),
}
EDUCATION_SHARES = (0.30, 0.38, 0.22, 0.10)
MALE_SHARE = 0.55

_PRIME = 2_147_483_647
_ID_BASE = 10_000_000_000


def draw_bands_and_ages(
    rng: np.random.Generator, n: int, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """Age band (index into AGE_BANDS) and age in whole years, uniform inside the band."""
    band = rng.choice(len(AGE_BANDS), size=n, p=np.asarray(AGE_SHARES[kind]))
    lo = np.array([b[0] for b in AGE_BANDS])[band]
    hi = np.array([b[1] for b in AGE_BANDS])[band]
    return band.astype(np.int8), lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)


def draw_ages(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Ages in whole years from the band shares of `kind`."""
    return draw_bands_and_ages(rng, n, kind)[1]


def draw_education(rng: np.random.Generator, n: int) -> np.ndarray:
    """Education codes (index into EDUCATIONS)."""
    return rng.choice(len(EDUCATIONS), size=n, p=np.asarray(EDUCATION_SHARES)).astype(np.int8)


def draw_gender(rng: np.random.Generator, n: int) -> np.ndarray:
    """Gender codes (index into GENDERS)."""
    return (rng.random(n) < MALE_SHARE).astype(np.int8)


class PersonIds:
    """Hands out distinct pseudonymous person ids across all tables of one extract."""

    def __init__(self, rng: np.random.Generator) -> None:
        """Draw the pseudonymisation key."""
        self._a = int(rng.integers(1_000_000, _PRIME - 1))
        self._b = int(rng.integers(0, _PRIME))
        self._next = 0

    def allocate(self, n: int) -> np.ndarray:
        """n new person ids (int64)."""
        serial = np.arange(self._next, self._next + n, dtype=np.int64)
        self._next += n
        return _ID_BASE + (self._a * serial + self._b) % _PRIME

    @property
    def count(self) -> int:
        """Number of ids handed out."""
        return self._next
