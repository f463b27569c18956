"""Working days: Monday to Friday, less the bank holidays of the nation the area is in.

Bank holidays come from the maintained `holidays` library, never from a table kept here.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import Enum
from functools import cache

import holidays

from eligibility.errors import EligibilityError


class Nation(str, Enum):
    ENGLAND_AND_WALES = "england-and-wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"


# England and Wales share one list of bank holidays.
_SUBDIVISION = {
    Nation.ENGLAND_AND_WALES: "ENG",
    Nation.SCOTLAND: "SCT",
    Nation.NORTHERN_IRELAND: "NIR",
}
_DAY = timedelta(days=1)


def nation_from(value: str | Nation) -> Nation:
    try:
        return Nation(value)
    except ValueError:
        raise EligibilityError(
            "nation", f"unknown nation {value!r}; use one of " + ", ".join(n.value for n in Nation)
        ) from None


@cache
def _bank_holidays(nation: Nation) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=_SUBDIVISION[nation])


def is_working_day(day: date, nation: Nation = Nation.ENGLAND_AND_WALES) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(nation_from(nation))


def add_working_days(
    start: date, days: int, nation: Nation = Nation.ENGLAND_AND_WALES
) -> date:
    """The date `days` working days after `start` (`start` itself is not counted):
    "we will decide within 10 working days of receiving it"."""
    if days < 0:
        raise EligibilityError("days", f"must not be negative, not {days}")
    day = start
    while days:
        day += _DAY
        if is_working_day(day, nation):
            days -= 1
    return day


def working_period_end(
    start: date, days: int, nation: Nation = Nation.ENGLAND_AND_WALES
) -> date:
    """The last day of a period of `days` working days beginning with `start` (counted if it is a
    working day): "you can ask for an escalation within 20 working days of the outcome"."""
    if days < 1:
        raise EligibilityError("days", f"must be at least 1, not {days}")
    if is_working_day(start, nation):
        return add_working_days(start, days - 1, nation)
    return add_working_days(start, days, nation)
