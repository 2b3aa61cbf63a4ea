"""County reference figures (NAV, SSB) and the scaled denominators built from them."""

from __future__ import annotations

import numpy as np

from regeval.generate import months

# Pre-2018 county numbers (13 does not exist); 04 is Hedmark.
CODES: tuple[str, ...] = tuple(f"{i:02d}" for i in (*range(1, 13), *range(14, 21)))
N = len(CODES)
HEDMARK = CODES.index("04")
STUDY_A_CONTROLS = ("01", "03", "05", "06", "07", "08", "16", "17", "18", "19", "20")

# NAV labour-force denominator ("Hovedtall om arbeidsmarkedet", table "Helt ledige fylke"),
# valid from May of the year shown to April of the next; 2009 is the figure printed for
# March-April 2010. Østfold 2009 is not published (None).
LABOUR_FORCE_YEARS = tuple(range(2009, 2016))
LABOUR_FORCE: dict[str, tuple[int | None, ...]] = {
    "01": (None, 139487, 138252, 139451, 141124, 142465, 143508),
    "02": (289195, 289840, 290877, 294957, 301714, 305607, 309992),
    "03": (331293, 334288, 337704, 348626, 353177, 358301, 365827),
    "04": (97555, 96395, 95972, 95470, 96398, 96649, 97716),
    "05": (97150, 96445, 96164, 96105, 96997, 96550, 96900),
    "06": (139056, 138821, 139233, 140324, 142448, 143460, 145493),
    "07": (120948, 120565, 120387, 121028, 122804, 122880, 124227),
    "08": (87327, 86606, 86347, 86589, 87145, 86810, 87052),
    "09": (55791, 55499, 55655, 56221, 56869, 57440, 57430),
    "10": (88036, 88151, 89004, 89901, 91196, 92004, 92943),
    "11": (231641, 233102, 237031, 242649, 246837, 252203, 255985),
    "12": (255079, 256032, 258223, 262063, 266526, 270067, 275721),
    "14": (56295, 55974, 56199, 56357, 57190, 57067, 57641),
    "15": (133033, 132948, 133559, 134517, 136302, 137620, 139570),
    "16": (155714, 155608, 156007, 157873, 160729, 163766, 165840),
    "17": (67483, 66803, 66422, 66523, 67553, 68252, 68187),
    "18": (121322, 120277, 120188, 120697, 121707, 122858, 122941),
    "19": (83792, 83140, 83093, 83363, 84265, 85355, 85968),
    "20": (38637, 37961, 38008, 38337, 38682, 39177, 39461),
}

# SSB table 07459: population aged 18-66 on 1 January.
POPULATION_YEARS = tuple(range(2006, 2016))
POPULATION_18_66: dict[str, tuple[int, ...]] = {
    "01": (164178, 165642, 167899, 170724, 172779, 175111, 177230, 179153, 180300, 180999),
    "02": (316661, 321705, 328529, 335698, 341746, 347593, 354258, 359997, 364381, 369445),
    "03": (369385, 378054, 388596, 401150, 409404, 418744, 428967, 436219, 442973, 451913),
    "04": (116844, 117197, 117883, 118869, 119642, 120412, 121215, 121392, 121436, 121636),
    "05": (114010, 113985, 114585, 115600, 116368, 117011, 117887, 117824, 117831, 118149),
    "06": (155898, 157672, 160687, 163437, 165774, 168098, 170357, 172556, 173828, 174515),
    "07": (142825, 143873, 145356, 147170, 148481, 149656, 150817, 151753, 152251, 152870),
    "08": (104211, 104586, 105369, 106473, 107182, 107893, 108122, 108537, 108446, 108291),
    "09": (65679, 66115, 67204, 68230, 69067, 70087, 70917, 71499, 71825, 72234),
    "10": (101069, 102037, 103810, 105775, 107355, 108873, 110120, 111581, 112674, 114259),
    "11": (249553, 255219, 262079, 268717, 274122, 279824, 284617, 291061, 295922, 300198),
    "12": (283806, 287579, 292873, 298970, 304822, 310260, 314799, 320434, 324716, 328599),
    "14": (64262, 64061, 64256, 64714, 65484, 66141, 66404, 66846, 66874, 66937),
    "15": (151051, 151602, 152939, 155034, 157220, 159195, 161123, 162760, 163728, 165021),
    "16": (175906, 179010, 182786, 186082, 189069, 191444, 194475, 197906, 199681, 202132),
    "17": (78597, 79065, 79923, 80669, 81229, 81510, 82389, 83047, 83104, 83498),
    "18": (146193, 146099, 146244, 147018, 147802, 148714, 149531, 150393, 151143, 151449),
    "19": (85906, 86312, 86961, 87594, 88213, 88952, 89616, 106398, 107519, 108438),
    "20": (46276, 46158, 46136, 46408, 46720, 47272, 47700, 48307, 48824, 48962),
}
# SSB's Troms series leaves out old Harstad before 2013 (about 21,000 inhabitants) and
# double counts part of it from 2013 (about 4,500); 18-66 is about 64.5 % of them.
TROMS_18_66_CORRECTION = {year: 13500 if year < 2013 else -2900 for year in POPULATION_YEARS}

# Per-county factors, one row per county:
# - share_18_29: share aged 18-29 of those aged 18-66 (assumed; university counties higher);
# - sick_leave: NAV doctor-certified sick leave in the 1st quarter, mean ratio to the whole
#   country over 2005-2012;
# - unemployment: NAV registered fully unemployed in percent of the labour force, Jan 2011 -
#   Oct 2014, ratio to the whole country;
# - new_aap: NAV new AAP recipients in the 2nd quarter 2011-2013 per inhabitant aged 18-66
#   (SSB 07459), ratio to the whole country;
# - oil: exposure to the oil downturn from autumn 2014 (assumed; Rogaland = 1).
FACTOR_COLUMNS = ("share_18_29", "sick_leave", "unemployment", "new_aap", "oil")
FACTORS: dict[str, tuple[float, float, float, float, float]] = {
    "01": (0.225, 1.153, 1.310, 1.094, 0.0),
    "02": (0.225, 0.969, 0.883, 0.864, 0.0),
    "03": (0.285, 0.890, 1.274, 0.822, 0.0),
    "04": (0.210, 1.130, 1.052, 1.272, 0.0),
    "05": (0.215, 1.151, 0.857, 1.123, 0.0),
    "06": (0.225, 1.079, 0.990, 0.953, 0.0),
    "07": (0.225, 0.969, 1.168, 1.117, 0.0),
    "08": (0.220, 1.058, 1.256, 1.092, 0.0),
    "09": (0.230, 1.021, 1.229, 1.063, 0.35),
    "10": (0.245, 0.984, 1.062, 1.099, 0.45),
    "11": (0.255, 0.801, 0.739, 0.743, 1.0),
    "12": (0.260, 1.004, 0.842, 0.960, 0.45),
    "14": (0.225, 0.894, 0.712, 0.908, 0.12),
    "15": (0.230, 0.994, 0.794, 1.086, 0.45),
    "16": (0.275, 1.012, 0.918, 0.960, 0.0),
    "17": (0.220, 1.091, 0.936, 1.155, 0.0),
    "18": (0.225, 1.104, 1.070, 1.221, 0.0),
    "19": (0.255, 1.176, 0.858, 1.252, 0.0),
    "20": (0.235, 1.231, 1.253, 1.187, 0.0),
}
# NAV doctor-certified sick leave in the 1st quarter 2005-2014, whole country, percent.
SICK_LEAVE_Q1_YEARS = tuple(range(2005, 2015))
SICK_LEAVE_Q1_NATIONAL = (5.8, 6.2, 6.0, 6.2, 6.4, 5.8, 6.1, 5.7, 5.9, 5.5)

# Labour force relative to the May 2009 figure for the years it is not published: growth of
# the population aged 18-66 times the change in the employment rate (high in 2008).
EMPLOYMENT_RATE_RELATIVE_TO_2009 = {2006: 0.985, 2007: 0.995, 2008: 1.005}


def factor(name: str) -> np.ndarray:
    """County-ordered array of one column of FACTORS."""
    column = FACTOR_COLUMNS.index(name)
    return np.array([FACTORS[code][column] for code in CODES], dtype=np.float64)


def relative_level(name: str, power: float, population: np.ndarray) -> np.ndarray:
    """A county factor raised to a power, scaled so its 2011 population-weighted mean is 1."""
    level = factor(name) ** power
    weights = population[:, 2011 - POPULATION_YEARS[0]]
    return level / (np.sum(level * weights) / weights.sum())


def population_18_66() -> np.ndarray:
    """Real population aged 18-66, shape (county, year 2006-2015), Troms corrected."""
    pop = np.array([POPULATION_18_66[c] for c in CODES], dtype=np.float64)
    pop[CODES.index("19")] += np.array([TROMS_18_66_CORRECTION[y] for y in POPULATION_YEARS])
    return pop


def labour_force_years() -> tuple[np.ndarray, np.ndarray]:
    """Real labour force by May-year 2006-2015, shape (county, year), and the years."""
    years = np.arange(2006, 2016)
    lf = np.zeros((N, len(years)))
    pub = np.array([[np.nan if v is None else v for v in LABOUR_FORCE[c]] for c in CODES])
    i01 = CODES.index("01")
    others = np.delete(pub, i01, axis=0)
    pub[i01, 0] = pub[i01, 1] * others[:, 0].sum() / others[:, 1].sum()
    lf[:, 3:] = pub
    pop = population_18_66()
    for y, rate in EMPLOYMENT_RATE_RELATIVE_TO_2009.items():
        growth = pop[:, y + 1 - 2006] / pop[:, 2010 - 2006]
        lf[:, y - 2006] = pub[:, 0] * growth * rate
    return lf, years


def labour_force_real() -> np.ndarray:
    """Real labour force by county and month index 0-108 (changes each May)."""
    lf, years = labour_force_years()
    k = np.arange(months.N_MONTHS)
    may_year = months.year(k) - (months.month_of_year(k) < 5)
    return lf[:, np.searchsorted(years, may_year)]


def scaled(values: np.ndarray, scale: float) -> np.ndarray:
    """Denominators at `scale`: round(real * scale), at least 1 (int64)."""
    return np.maximum(np.rint(values * scale), 1).astype(np.int64)


def population_by_age_group() -> np.ndarray:
    """Real population, shape (county, year 2006-2015, age group 18-29 / 30-66)."""
    pop = population_18_66()
    drift = 0.004 * (np.arange(len(POPULATION_YEARS)) - 4.5) / 4.5
    share = np.clip(factor("share_18_29")[:, None] + drift[None, :], 0.05, 0.95)
    young = np.rint(pop * share)
    return np.stack([young, pop - young], axis=2)
