"""Periods of months "beginning with" a date, as the Act counts them.

"A period of N months beginning with date D" includes D and ends on the day before the
corresponding date N months later. Where the later month has no corresponding date (31 August
plus six months), the period ends on the last day of that month.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

_DAY = timedelta(days=1)


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def period_end(start: date, months: int) -> date:
    """The last day of the period of `months` months beginning with `start`."""
    year, month = _shift_month(start.year, start.month, months)
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return date(year, month, last)
    return date(year, month, start.day) - _DAY


def within(day: date, start: date, months: int) -> bool:
    """True when `day` falls inside the period of `months` months beginning with `start`."""
    return start <= day <= period_end(start, months)


def months_before(day: date, months: int) -> date:
    """The corresponding date `months` months before `day` (the last day of that month where it
    has none): 31 March less one month is 28 (or 29) February."""
    year, month = _shift_month(day.year, day.month, -months)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
