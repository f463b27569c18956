""""Where is my application?": POST /api/v1/status, for the assistant and agencies' own sites.

The caller sends the reference as the applicant typed it and one thing only the applicant knows:
the postcode given in the application. The answer is what the inbox has recorded. Without the
right postcode nothing is said about the reference: an unknown reference, a wrong check
character, a wrong postcode and an erased application all get the same 404. Every check is
counted in the database (per client and per reference) before it is answered; too many in the
window get 429 with Retry-After. The intake's bearer token, or an API client's with the scope
`status` (handoff/api_clients.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import date

from aiohttp import web

from eligibility import clock
from handoff.api_clients import caller
from handoff.context import DEPLOYMENT, STORE
from handoff.document import FieldError
from handoff.intake import Unreadable, _body, errors, parse, refused
from handoff.procedure import next_step, stages_of
from handoff.reference import parse_reference

routes = web.RouteTableDef()
MAX_FIELD = 100
NOT_FOUND = ("We could not find an application with that reference and postcode. Check both "
             "and try again. The reference is in the message you got when you applied, like "
             "ASB-2026-7F3K9Q.")


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8", "replace")).hexdigest()


def not_found() -> web.Response:
    return errors(404, FieldError("reference", NOT_FOUND))


async def read_request(request: web.Request, scope: str) -> dict | web.Response:
    """The JSON body of a request authorised for `scope`, or the error response to send."""
    if (refusal := await refused(request, scope)) is not None:
        return refusal
    try:
        body = parse(await _body(request))
    except web.HTTPRequestEntityTooLarge:
        return errors(413, FieldError("body", "is too large"))
    except Unreadable as exc:
        return errors(exc.status, FieldError(exc.field, exc.message))
    if not isinstance(body, dict):
        return errors(422, FieldError("body", "must be a JSON object"))
    return body


def _text_fields(body: dict, names: tuple[str, ...]) -> list[FieldError]:
    problems = []
    for name in names:
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(FieldError(name, "is needed, as text"))
        elif len(value) > MAX_FIELD:
            problems.append(FieldError(name, f"is longer than {MAX_FIELD} characters"))
    client = body.get("client")
    if client is not None and (not isinstance(client, str) or len(client) > 200):
        problems.append(FieldError("client", "must be text of up to 200 characters"))
    return problems


async def verified_case(request: web.Request, body: dict) -> dict | web.Response:
    """The case whose reference and postcode the body gives, or the response to send: 422 for
    missing fields, 429 when this client or reference has had too many tries, else 404 for
    anything that does not match (the same answer whatever did not)."""
    problems = _text_fields(body, ("reference", "postcode"))
    if problems:
        return errors(422, *problems)
    reference = parse_reference(body["reference"])
    # The client: the API client that called (else the address that called), and the one the
    # caller names (a conversation, or the address of the person using an agency's site), so one
    # caller serving many people does not lock them all out together, nor one agency's site
    # another's.
    name = caller(request).name
    who = f"api-client:{name}" if name is not None else request.remote or ""
    client = _key("client", f"{who}|{body.get('client') or ''}")
    counted = _key("reference", reference or re.sub(r"\W+", "", body["reference"]).upper())
    settings = request.app[DEPLOYMENT].handoff.status
    store = request.app[STORE]
    attempt, wait = await store.run(
        store.begin_check, client, counted, time.time(), settings.window_minutes * 60,
        settings.client_attempts, settings.reference_attempts)
    if attempt is None:
        minutes = max(1, round(wait / 60))
        return errors(429, FieldError(
            "reference", f"There have been too many tries. Please wait {minutes} minute"
            f"{'s' if minutes != 1 else ''} and try again, or contact the lead agency."),
            headers={"Retry-After": str(int(wait) + 1)})
    found = await store.run(store.case, reference) if reference else None
    given = (found or {}).get("document") or {}
    postcode = (given.get("victim") or {}).get("postcode")
    ok = bool(isinstance(postcode, str) and postcode.strip() and hmac.compare_digest(
        normalise_postcode(postcode).encode(), normalise_postcode(body["postcode"]).encode()))
    await store.run(store.end_check, attempt, ok)
    return found if ok else not_found()


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def status_answer(found: dict, deployment, today: date) -> dict:
    """What the inbox recorded, for the applicant: dates, decisions, and what they can do next."""
    area = deployment.area(found["area_id"])
    progress = found["progress"]
    met = found["threshold_met"]
    held = found["review_held_on"]
    outcome_recorded = held is not None and (
        found["recommendations_made"] is not None or progress["outcome_on"] is not None)
    escalation = found["escalation"]
    return {
        "reference": found["reference"],
        "received_on": found["received_on"].isoformat(),
        "threshold_decision": {
            "decision": {True: "met", False: "not_met"}.get(met, "not_decided_yet"),
            "decided_on": _iso(found["threshold_decided_on"]),
            "reason": found["threshold_reason"],
            "due_by": found["threshold_decision_due"].isoformat(),
        },
        "review_meeting": {
            "on": _iso(held or progress["review_meeting_on"]),
            "held": held is not None,
        },
        "outcome": {
            "recorded": outcome_recorded,
            "recommendations_made": found["recommendations_made"] if outcome_recorded else None,
            "on": _iso(progress["outcome_on"] or held) if outcome_recorded else None,
        },
        "escalation": None if escalation is None else {
            "reference": escalation["reference"],
            "requested_on": escalation["requested_on"].isoformat(),
            "stages": stages_of(area, escalation["requested_on"]),
        },
        "next_step": next_step(found, area, today),
    }


@routes.post("/api/v1/status")
async def status(request: web.Request) -> web.Response:
    body = await read_request(request, "status")
    if isinstance(body, web.Response):
        return body
    found = await verified_case(request, body)
    if isinstance(found, web.Response):
        return found
    return web.json_response(status_answer(found, request.app[DEPLOYMENT], clock.today()))
