"""Checks for one typed field of the input, each raising an error that names the field."""

from __future__ import annotations

from datetime import date
from typing import Any

from eligibility.errors import EligibilityError


def require_bool(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise EligibilityError(field, f"must be true or false, not {value!r}")
    return value


def require_text(field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EligibilityError(field, f"must be a non-empty piece of text, not {value!r}")
    return value


def parse_date(field: str, value: Any) -> date:
    """A date written YYYY-MM-DD (a YAML date is accepted as it is)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise EligibilityError(field, f"{value!r} is not a real date written YYYY-MM-DD")
