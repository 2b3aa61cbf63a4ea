"""Number, date and window formatting in the style of the source articles."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MISSING = "–"


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _signed(value: float, decimals: int) -> str:
    """A number with an explicit minus (never "-0.0")."""
    text = f"{value:.{decimals}f}"
    if float(text) == 0:
        text = f"{0:.{decimals}f}"
    return text


def pct(value: object, decimals: int = 1, plus: bool = False) -> str:
    """A percentage as the articles write it: "-11.6 %"."""
    if is_missing(value):
        return MISSING
    text = _signed(float(value), decimals)
    if plus and float(text) > 0:
        text = "+" + text
    return f"{text} %"


def ci(low: object, high: object, decimals: int = 1) -> str:
    """A confidence interval in parentheses: "(-16.2, -6.2)"."""
    if is_missing(low) or is_missing(high):
        return ""
    return f"({_signed(float(low), decimals)}, {_signed(float(high), decimals)})"


def p_value(value: object) -> str:
    """A p-value with three decimals, "<0.001" below that."""
    if is_missing(value):
        return MISSING
    value = float(value)
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def stars(value: object, level: float = 0.05) -> str:
    """The article's significance mark: "*" when p is below the level."""
    return "*" if not is_missing(value) and float(value) < level else ""


def number(value: object, decimals: int = 2) -> str:
    """A rate or difference with a fixed number of decimals."""
    if is_missing(value):
        return MISSING
    return _signed(float(value), decimals)


def persons(value: object) -> str:
    """A whole number of persons with spaces between thousands: "-17 182"."""
    if is_missing(value):
        return MISSING
    rounded = round(float(value))
    return f"{rounded:,}".replace(",", "\u00a0")


def decimals_for(values: list[object], default: int = 2, most: int = 4) -> int:
    """Decimals that give the smallest non-zero value at least two significant digits (at least `default`)."""
    finite = [
        abs(float(v))
        for v in values
        if not is_missing(v) and math.isfinite(float(v)) and float(v) != 0
    ]
    if not finite:
        return default
    needed = -math.floor(math.log10(min(finite))) + 1
    return max(default, min(most, needed))


def as_date(value: object) -> date | None:
    """A date from a date, timestamp or ISO string."""
    if is_missing(value) or value == "":
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(str(value)).date()


def month(value: object) -> str:
    """A month as "Nov 2014"."""
    d = as_date(value)
    return MISSING if d is None else f"{MONTH_ABBR[d.month - 1]} {d.year}"


def quarter(value: object) -> str:
    """A quarter as "2014 Q2"."""
    d = as_date(value)
    return MISSING if d is None else f"{d.year} Q{(d.month - 1) // 3 + 1}"


def period(value: object, period_type: str = "month") -> str:
    """A period label by its type."""
    return quarter(value) if period_type == "quarter" else month(value)


def calendar_months(spec: object) -> list[int]:
    """The month numbers of a same-months window ("12|1|2" -> [12, 1, 2]); [] for all months."""
    if is_missing(spec) or not str(spec).strip():
        return []
    return [int(part) for part in str(spec).split("|") if part.strip()]


def window(start: object, end: object, months: object = None, period_type: str = "month") -> str:
    """A window as "Jan 2011 - Oct 2014", or "Dec-Oct 2010-2014" for a same-months window."""
    start_d, end_d = as_date(start), as_date(end)
    if start_d is None or end_d is None:
        return MISSING
    listed = calendar_months(months)
    if listed:
        first, last = MONTH_ABBR[listed[0] - 1], MONTH_ABBR[listed[-1] - 1]
        span = f"{first}-{last}" if first != last else first
        years = f"{start_d.year}-{end_d.year}" if start_d.year != end_d.year else f"{start_d.year}"
        return f"{span} {years}"
    if start_d == end_d:
        return period(start_d, period_type)
    return f"{period(start_d, period_type)} - {period(end_d, period_type)}"


def difference_unit(unit: str) -> str:
    """The unit of a difference between two rates ("percent ..." becomes "percentage points ...")."""
    if unit.startswith("percent"):
        return "percentage points" + unit[len("percent") :]
    return unit
