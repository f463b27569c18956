"""The application document (schema version 1): validating what the assistant sends, and
completing it with the reference, the submission time, the deadlines and the engine's decision."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker

from asb import env
from deployment.config import Area, Deployment
from eligibility import EligibilityError, Nation, add_working_days, clock, decide_application

SCHEMA_FILE = Path(__file__).parent / "schema" / "application.v1.json"
SET_BY_SERVICE = ("reference", "submitted_at", "deadlines")
CLOCK_SKEW = timedelta(minutes=10)  # a consent time this far ahead of ours is still accepted
EARLIEST = datetime(2014, 1, 1, tzinfo=clock.LONDON)  # the ASB case review began in 2014


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DocumentError(ValueError):
    """The document breaks the schema or names something the deployment does not know."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


_formats = FormatChecker()


@_formats.checks("date-time", raises=ValueError)
def _datetime_format(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("needs a UTC offset")
    return True


@cache
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def _validator() -> Draft202012Validator:
    """The reference validator: slow, but it lists every error with its path."""
    return Draft202012Validator(schema(), format_checker=_formats)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        return _datetime_format(value)
    except ValueError:
        return False


@cache
def _quick_check():
    """The same schema compiled to Python code (fastjsonschema, about 20 times quicker): it
    answers "valid" for the usual case; the reference validator explains a failure."""
    # The schema uses only keywords that mean the same in draft 7, which fastjsonschema knows.
    as_draft7 = schema() | {"$schema": "http://json-schema.org/draft-07/schema#"}
    return fastjsonschema.compile(
        as_draft7, formats={"date": _is_date, "date-time": _is_datetime})


def _path(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _message(error) -> tuple[str, str]:
    """The field at fault and a plain message, for one jsonschema error."""
    where = _path(error.absolute_path)

    def join(name: str) -> str:
        return f"{where}.{name}" if where else name

    if error.validator == "required":
        name = error.message.split("'")[1]
        return join(name), "is missing"
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return join(extra[0]), "is not a field of the application document"
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        shown = ", ".join(json.dumps(value) for value in allowed)
        return where or "document", f"must be one of {shown}, not {json.dumps(error.instance)}"
    shown = json.dumps(error.instance, ensure_ascii=False)
    if error.validator == "format" and error.validator_value == "date-time":
        return where, f"{shown} is not a date and time with a UTC offset (ISO 8601)"
    if error.validator in ("format", "pattern") and error.schema.get("format") == "date":
        return where, f"{shown} is not a real date written YYYY-MM-DD"
    if error.validator == "format":
        return where, f"{shown} is not a valid {error.validator_value}"
    if error.validator in ("pattern", "minLength") and error.schema.get("pattern") == r"\S":
        return where, "must not be empty"
    return where or "document", error.message


def validate(document: Any, now: datetime | None = None) -> None:
    """Raise DocumentError listing every schema violation (one entry per field), then what the
    schema cannot say: a way to contact someone, and a consent time that could be true at
    `now` (default: the clock's)."""
    if not isinstance(document, dict):
        raise DocumentError([FieldError("document", "must be a JSON object")])
    errors: dict[str, str] = {}
    try:
        _quick_check()(document)
    except fastjsonschema.JsonSchemaException as quick:
        for error in sorted(_validator().iter_errors(document), key=lambda e: list(e.path)):
            for leaf in _leaves(error):
                field, message = _message(leaf)
                errors.setdefault(field, message)
        if not errors:  # the two validators disagree: still refuse, with the quick reason
            errors[quick.name.removeprefix("data.") or "document"] = quick.message
    for key in SET_BY_SERVICE:
        if key in document:
            errors[key] = "is set by the handoff service; leave it out"
    if not errors:
        errors.update(_beyond_schema(document, now or clock.now()))
    if errors:
        raise DocumentError([FieldError(f, m) for f, m in errors.items()])


def _has_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def contact_routes(document: dict) -> list[str]:
    """The ways to reach someone the document gives: phone, email or post, victim or applicant."""
    victim, applicant = document["victim"], document["applicant"]
    found = [f"victim.contact.{name}" for name in ("phone", "email")
             if _has_text(victim["contact"].get(name))]
    if _has_text(victim.get("address")):
        found.append("victim.address")
    contact = applicant.get("contact") or {}
    found += [f"applicant.contact.{name}" for name in ("phone", "email")
              if _has_text(contact.get(name))]
    return found


def _latest_plausible(now: datetime) -> datetime:
    """The latest consent time that can be true now: a little clock skew allowed. With the day
    fixed for tests and demonstrations (the test clock, asb/env.py), the whole of that day."""
    if env.fixed_today():
        end_of_day = datetime.combine(clock.today(), time(23, 59, 59), tzinfo=clock.LONDON)
        return max(now, end_of_day) + CLOCK_SKEW
    return now + CLOCK_SKEW


def _beyond_schema(document: dict, now: datetime) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not contact_routes(document):
        errors["victim.contact"] = (
            "gives no way to contact anyone: a phone number, an email address or a postal "
            "address is needed (the victim's or the applicant's)")
    given_at = document["consent"]["given_at"]
    try:
        moment = datetime.fromisoformat(given_at.replace("Z", "+00:00"))
        if moment > _latest_plausible(now):
            errors["consent.given_at"] = f"{given_at} is in the future"
        elif moment < EARLIEST:
            errors["consent.given_at"] = f"{given_at} is before {EARLIEST.year}"
    except (ValueError, OverflowError):
        errors["consent.given_at"] = f"{given_at} is not a time that can be compared"
    for index, incident in enumerate(document["incidents"]):
        for name in ("occurred_on", "reported_on"):
            if date.fromisoformat(incident[name]).year < 1900:
                errors[f"incidents[{index}].{name}"] = f"{incident[name]} is before 1900"
    return errors


def _leaves(error):
    """For anyOf/oneOf errors, the most specific sub-errors; otherwise the error itself."""
    if error.context:
        best = [e for e in error.context if e.validator not in ("type",)] or list(error.context)
        return best[:1]
    return [error]


def area_of(document: dict, deployment: Deployment) -> Area:
    try:
        return deployment.area(document["area"]["id"])
    except KeyError:
        known = ", ".join(area.id for area in deployment.areas)
        raise DocumentError(
            [FieldError("area.id", f"unknown area {document['area']['id']!r}; known: {known}")]
        ) from None


def deadlines(area: Area, received_on: date) -> dict[str, str]:
    procedure = area.procedure
    return {
        "acknowledge_by": _working_days_after(
            received_on, procedure.acknowledge_working_days, area.nation),
        "threshold_decision_due": _working_days_after(
            received_on, procedure.threshold_decision_working_days, area.nation),
    }


@lru_cache(maxsize=256)
def _working_days_after(start: date, days: int, nation: Nation) -> str:
    """Every application received on a day shares its deadlines: worked out once."""
    return add_working_days(start, days, nation).isoformat()


def decide(document: dict, area: Area, received_on: date) -> dict:
    """The engine's decision for the document under the area's policy: the case is built by
    `eligibility.case_from_application`, the same function the assistant decides with."""
    try:
        return decide_application(document, area.threshold_policy, received_on).to_json()
    except EligibilityError as exc:
        raise DocumentError([FieldError(exc.field, exc.message)]) from None


def complete(document: dict, area: Area, submitted_at: datetime) -> dict:
    """The document to store and deliver: what was sent, with the area as the deployment names
    it, the submission time, the deadlines and the engine's decision. The store adds the
    reference."""
    received_on = submitted_at.date()
    out = dict(document)
    out["area"] = {"id": area.id, "name": area.name, "lead_agency": area.lead_agency.name}
    out["submitted_at"] = submitted_at.isoformat(timespec="seconds")
    out["eligibility"] = decide(document, area, received_on)
    out["deadlines"] = deadlines(area, received_on)
    return out
