"""What the deployment file says this assistant serves, read once per process, and the clock."""

from __future__ import annotations

from datetime import date
from functools import cache

from assistant.locales import shipped_languages
from deployment import Area, Deployment, load_deployment
from eligibility import Nation, add_working_days, clock


@cache
def deployment() -> Deployment:
    return load_deployment()


def languages() -> tuple[str, ...]:
    """The languages this deployment offers that have a catalog, in the deployment's order."""
    return tuple(code for code in deployment().languages if code in shipped_languages())


def area() -> Area:
    """The area the conversation is about (the deployment's first area)."""
    return deployment().area()


def today() -> date:
    """Today in Europe/London (ASB_TODAY fixes it for tests)."""
    return clock.today()


def working_days_from_today(days: int) -> date:
    return add_working_days(today(), days, Nation(area().nation))
