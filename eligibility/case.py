"""A case as the engine sees it: incident records, the application date, vulnerability.

`case_from_json` validates a decoded CASE.json object and names the field at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from eligibility.errors import EligibilityError
from eligibility.fields import parse_date, require_bool, require_text

AGENCIES = ("police", "council", "housing", "health", "other")
DEFAULT_REPORTER = "applicant"


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One report of one incident to one or more agencies. Records that share `id` are the same
    incident reported more than once."""

    occurred_on: date
    reported_on: date
    reported_to: tuple[str, ...] = ("police",)
    id: str | None = None
    hate_related: bool = False
    reporter: str = DEFAULT_REPORTER


@dataclass(frozen=True, slots=True)
class Case:
    applied_on: date
    incidents: tuple[IncidentRecord, ...]
    vulnerable: bool = False


_INCIDENT_KEYS = {"id", "occurred_on", "reported_on", "reported_to", "hate_related", "reporter"}


def incident_from_json(field: str, data: Any, applied_on: date) -> IncidentRecord:
    _check_incident_keys(field, data)
    occurred_on, reported_on = _incident_dates(field, data, applied_on)
    agencies = _agencies(field, data["reported_to"])
    return IncidentRecord(
        occurred_on=occurred_on,
        reported_on=reported_on,
        reported_to=tuple(dict.fromkeys(agencies)),
        id=_record_id(field, data.get("id")),
        hate_related=require_bool(f"{field}.hate_related", data.get("hate_related", False)),
        reporter=require_text(f"{field}.reporter", data.get("reporter", DEFAULT_REPORTER)),
    )


def _check_incident_keys(field: str, data: Any) -> None:
    """An object, with no key it does not know and the three it needs."""
    if not isinstance(data, Mapping):
        raise EligibilityError(field, "must be an object with occurred_on and reported_on")
    unknown = sorted(set(data) - _INCIDENT_KEYS)
    if unknown:
        raise EligibilityError(
            f"{field}.{unknown[0]}",
            "is not an incident key; known keys are " + ", ".join(sorted(_INCIDENT_KEYS)),
        )
    for key in ("occurred_on", "reported_on", "reported_to"):
        if key not in data:
            raise EligibilityError(f"{field}.{key}", "is missing")


def _incident_dates(field: str, data: Mapping, applied_on: date) -> tuple[date, date]:
    """When it happened and when it was reported: neither after the application, and not
    reported before it happened."""
    occurred_on = parse_date(f"{field}.occurred_on", data["occurred_on"])
    reported_on = parse_date(f"{field}.reported_on", data["reported_on"])
    if occurred_on > applied_on:
        raise EligibilityError(
            f"{field}.occurred_on",
            f"{occurred_on.isoformat()} is after the application date {applied_on.isoformat()}",
        )
    if reported_on > applied_on:
        raise EligibilityError(
            f"{field}.reported_on",
            f"{reported_on.isoformat()} is after the application date {applied_on.isoformat()}",
        )
    if reported_on < occurred_on:
        raise EligibilityError(
            f"{field}.reported_on",
            f"{reported_on.isoformat()} is before the incident happened "
            f"(occurred_on {occurred_on.isoformat()})",
        )
    return occurred_on, reported_on


def _agencies(field: str, agencies: Any) -> list[str]:
    """A non-empty list of known agencies."""
    if not isinstance(agencies, list) or not agencies:
        raise EligibilityError(
            f"{field}.reported_to", "must be a non-empty list of agencies: " + ", ".join(AGENCIES)
        )
    for i, agency in enumerate(agencies):
        if agency not in AGENCIES:
            raise EligibilityError(
                f"{field}.reported_to[{i}]",
                f"unknown agency {agency!r}; use one of " + ", ".join(AGENCIES),
            )
    return agencies


def _record_id(field: str, record_id: Any) -> str | None:
    """The record's id as text (a whole number is taken as its digits), or None."""
    if record_id is None:
        return None
    if isinstance(record_id, int) and not isinstance(record_id, bool):
        record_id = str(record_id)
    return require_text(f"{field}.id", record_id)


def case_from_json(data: Any, today: date) -> Case:
    """Validate a decoded CASE.json object. `applied_on` defaults to `today`."""
    if not isinstance(data, Mapping):
        raise EligibilityError("case", "must be a JSON object with applied_on and incidents")
    applied_on = (
        parse_date("applied_on", data["applied_on"])
        if data.get("applied_on") is not None
        else today
    )
    if "incidents" not in data:
        raise EligibilityError("incidents", "is missing; give a list (it may be empty)")
    incidents = data["incidents"]
    if not isinstance(incidents, list):
        raise EligibilityError("incidents", "must be a list of incidents")
    records = tuple(
        incident_from_json(f"incidents[{i}]", item, applied_on) for i, item in enumerate(incidents)
    )
    return Case(
        applied_on=applied_on,
        incidents=records,
        vulnerable=require_bool("vulnerable", data.get("vulnerable", False)),
    )
