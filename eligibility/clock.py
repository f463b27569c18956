"""One clock: "today" is the date in Europe/London.

Tests, benchmarks and demonstrations fix it with ASB_TODAY (YYYY-MM-DD) and the test switch
ASB_TEST_CLOCK=1 beside it (asb/env.py), read at every call so a test can set it for a whole
running stack.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from asb import env
from eligibility.errors import EligibilityError

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current time in Europe/London (on the fixed day, if the test clock is on)."""
    current = datetime.now(LONDON)
    fixed = env.fixed_today()
    if fixed:
        day = today()
        current = current.replace(year=day.year, month=day.month, day=day.day)
    return current


def today() -> date:
    fixed = env.fixed_today()
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError:
            raise EligibilityError(
                "ASB_TODAY", f"{fixed!r} is not a date written YYYY-MM-DD"
            ) from None
    return datetime.now(LONDON).date()
