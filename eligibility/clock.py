"""One clock: "today" is the date in Europe/London.

Tests and demonstrations fix it with the ASB_TODAY environment variable (YYYY-MM-DD), read at
every call so a test can set it for a whole running stack.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from eligibility.errors import EligibilityError

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current time in Europe/London (on the fixed day, if ASB_TODAY is set)."""
    current = datetime.now(LONDON)
    fixed = os.environ.get("ASB_TODAY")
    if fixed:
        day = today()
        current = current.replace(year=day.year, month=day.month, day=day.day)
    return current


def today() -> date:
    fixed = os.environ.get("ASB_TODAY")
    if fixed:
        try:
            return date.fromisoformat(fixed)
        except ValueError:
            raise EligibilityError(
                "ASB_TODAY", f"{fixed!r} is not a date written YYYY-MM-DD"
            ) from None
    return datetime.now(LONDON).date()
