"""The escalation request: POST /api/v1/escalations, for the assistant and agencies' own sites.

The applicant (proved like the status check: the reference and the postcode given) asks for the
case review to be looked at again, once its outcome, or "threshold not met", is recorded and
within the deployment's window. At least one ground (A: the threshold decision, B: how the review
was run, C: whether the evidence was considered), their reasons in their own words, consent to
share. It is stored with its own reference (ESC-2026-XXXXXX), the application is marked escalated
(the statutory figures count it), and it is delivered along the deployment's route: to the lead
agency's channels, which passes it on, or straight to the OPCC or the community safety
partnership. The answer holds the stage dates the procedure promises.

The procedure itself is in handoff/procedure.py; the delivery in handoff/escalation_delivery.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import date
from functools import cache
from pathlib import Path

from aiohttp import web
from jsonschema import Draft202012Validator

from deployment.config import Area
from eligibility import clock
from handoff.api_clients import caller
from handoff.context import DEPLOYMENT, ESCALATION_WAKE, STORE
from handoff.document import FieldError
from handoff.intake import KEY, errors
from handoff.pages import long_date
from handoff.procedure import (
    GROUNDS,
    deadline_of,
    delivery_of,
    recipient_name,
    settings_of,
    stages_of,
    told_on,
    window_words,
)
from handoff.reference import ALPHABET, check_character
from handoff.status import read_request, verified_case  # the same proof as the status check
from handoff.store import AlreadyEscalated, Store

routes = web.RouteTableDef()
SCHEMA_FILE = Path(__file__).parent / "schema" / "escalation-request.v1.json"



@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def _problems(body: dict) -> list[FieldError]:
    out = []
    for error in sorted(_validator().iter_errors(body), key=lambda e: list(e.absolute_path)):
        field = ".".join(str(part) for part in error.absolute_path) or "body"
        if error.validator == "required":
            missing = re.search(r"'([^']+)'", error.message)
            field = f"{field}.{missing.group(1)}" if field != "body" and missing else (
                missing.group(1) if missing else field)
            out.append(FieldError(field, "is needed"))
        elif field == "grounds" or field.startswith("grounds."):
            out.append(FieldError("grounds", "give at least one of A (the threshold decision), "
                                  "B (how the review was run), C (whether the evidence was "
                                  "considered), each once"))
        elif field == "requested_by":
            out.append(FieldError(field, "only the applicant (the victim, or the person who "
                                  "applied for them) can ask for an escalation"))
        elif field == "consent.given":
            out.append(FieldError(field, "the request can only be sent with consent to share "
                                  "it with the body that will look at it again"))
        else:
            out.append(FieldError(field, error.message[:200]))
    return out[:20]


def new_escalation_reference(year: int) -> str:
    import secrets

    body = "".join(ALPHABET[byte & 31] for byte in secrets.token_bytes(5))
    return f"ESC-{year:04d}-{body}{check_character(body)}"


def fingerprint(body: dict) -> str:
    kept = {key: value for key, value in body.items() if key != "client"}
    canonical = json.dumps(kept, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def escalation_document(body: dict, found: dict, area: Area, now, told: date,
                        deadline: date) -> dict:
    """The escalation as stored and delivered (document_type asb-case-review-escalation,
    schema_version 1)."""
    settings = settings_of(area)
    document = found["document"]
    requested_on = now.date()
    return {
        "document_type": "asb-case-review-escalation",
        "schema_version": "1",
        "reference": new_escalation_reference(requested_on.year),
        "application_reference": found["reference"],
        "requested_at": now.isoformat(timespec="seconds"),
        "language": body["language"],
        "area": {"id": area.id, "name": area.name, "lead_agency": area.lead_agency.name},
        "requested_by": "applicant",
        "applicant": document.get("applicant"),
        "victim": {"name": document["victim"].get("name"),
                   "contact": document["victim"].get("contact")},
        "grounds": [{"code": code, "title": GROUNDS[code]} for code in sorted(body["grounds"])],
        "reasons": body["reasons"],
        "consent": {**body["consent"], "given_at": now.isoformat(timespec="seconds")},
        "decision": {
            "threshold_met": found["threshold_met"],
            "threshold_decided_on": _iso(found["threshold_decided_on"]),
            "review_meeting_on": _iso(found["progress"]["review_meeting_on"]),
            "review_held_on": _iso(found["review_held_on"]),
            "recommendations_made": found["recommendations_made"],
            "told_on": told.isoformat(),
        },
        "window": {"length": window_words(area), "deadline": deadline.isoformat()},
        "route": {"route": settings.route, "to": recipient_name(area),
                  "reviewed_by": area.procedure.escalation_to},
        # From the day of the request: on the lead agency route, the reviewing body is notified
        # when the lead agency passes it on, and the dates move with that day.
        "stages_counted_from": requested_on.isoformat(),
        "stages_estimated": settings.route == "lead_agency",
        "stages": stages_of(area, requested_on),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def channels_of(area: Area) -> list[str]:
    delivery = delivery_of(area)
    return [name for name in ("webhook", "email") if getattr(delivery, name)]


def actor_of(request: web.Request) -> str:
    """Who the audit trail says asked: the applicant, through the API client that sent it."""
    name = caller(request).name
    return "applicant" if name is None else f"applicant, through the API client {name}"


@routes.post("/api/v1/escalations")
async def request_escalation(request: web.Request) -> web.Response:
    body = await read_request(request, "status")
    if isinstance(body, web.Response):
        return body
    key = request.headers.get("Idempotency-Key", "").strip()
    if not KEY.fullmatch(key):
        return errors(400, FieldError("Idempotency-Key", "needs the request's key (1 to 200 "
                                      "visible ASCII characters)"))
    problems = _problems(body)
    if problems:
        return errors(422, *problems)
    store: Store = request.app[STORE]
    found = await verified_case(request, body)
    if isinstance(found, web.Response):
        return found
    area = request.app[DEPLOYMENT].area(found["area_id"])
    now = clock.now().replace(microsecond=0)
    told = told_on(found)
    if told is None:
        return errors(409, FieldError(
            "reference", "No decision has been recorded for this application yet. You can ask "
            "for it to be looked at again once you have been told the threshold was not met, or "
            "the outcome of the case review."))
    deadline = deadline_of(area, told)
    if found["escalation"] is None and now.date() > deadline:
        return errors(422, FieldError(
            "reference", f"The time to ask ended on {long_date(deadline)} ({window_words(area)} "
            "from when you were told the decision). Contact the lead agency if you think "
            "this is wrong."))
    document = escalation_document(body, found, area, now, told, deadline)
    try:
        stored = await store.run(
            store.store_escalation, found["reference"], key, fingerprint(body),
            document, channels_of(area), time.time(), actor_of(request))
    except AlreadyEscalated:
        return errors(409, FieldError(
            "reference", "An escalation has already been asked for on this application. "
            "Contact the lead agency to add to it."))
    if stored["created"]:
        wake = request.app.get(ESCALATION_WAKE)
        if wake is not None:
            wake.set()
    shown = stored["document"]
    return web.json_response({
        "reference": shown["reference"],
        "application_reference": shown["application_reference"],
        "requested_at": shown["requested_at"],
        "route": shown["route"],
        "grounds": shown["grounds"],
        "stages_counted_from": shown["stages_counted_from"],
        "stages_estimated": shown["stages_estimated"],
        "stages": shown["stages"],
    }, status=201 if stored["created"] else 200)
