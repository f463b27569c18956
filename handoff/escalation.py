"""The escalation request: POST /api/v1/escalations, for the assistant and agencies' own sites.

The applicant (proved like the status check: the reference and the postcode given) asks for the
case review to be looked at again, once its outcome, or "threshold not met", is recorded and
within the deployment's window. At least one ground (A: the threshold decision, B: how the review
was run, C: whether the evidence was considered), their reasons in their own words, consent to
share. It is stored with its own reference (ESC-2026-XXXXXX), the application is marked escalated
(the statutory figures count it), and it is delivered along the deployment's route: to the lead
agency's channels, which passes it on, or straight to the OPCC or the community safety
partnership. The answer holds the stage dates the procedure promises."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from functools import cache
from pathlib import Path

from aiohttp import web
from jsonschema import Draft202012Validator

from deployment.config import Area, Deployment, Escalation
from eligibility import clock
from eligibility.working_days import add_working_days, working_period_end
from handoff import casework
from handoff.channels import DeliveryFailed, send_message, send_webhook
from handoff.context import DEPLOYMENT, STORE
from handoff.document import FieldError
from handoff.intake import KEY, errors
from handoff.pages import templates
from handoff.reference import ALPHABET, check_character
from handoff.store import Store
from handoff.worker import RETENTION_EVERY_SECONDS, Worker

routes = web.RouteTableDef()
SCHEMA_FILE = Path(__file__).parent / "schema" / "escalation-request.v1.json"
ESCALATION_WORKER = web.AppKey("escalation_worker", Worker)
GROUNDS = {
    "A": "The threshold decision: the bodies decided the threshold was not met, and the "
         "applicant disagrees",
    "B": "How the review was run: it did not follow a relevant process, policy or protocol "
         "(timescales included)",
    "C": "The evidence: the review did not consider relevant, evidenced information",
}
ROUTE_NAMES = {"lead_agency": "the lead agency, which passes it on",
               "opcc": "the Office of the Police and Crime Commissioner",
               "community_safety_partnership": "the community safety partnership"}


# -- the procedure, from the deployment -----------------------------------------------------------


def settings_of(area: Area) -> Escalation:
    """The area's escalation procedure; without one in the file: the window in working days
    from `escalation_request_working_days`, to the lead agency, with the OPCC's stages."""
    procedure = area.procedure
    return procedure.escalation or Escalation(
        window_working_days=procedure.escalation_request_working_days)


def recipient_name(area: Area) -> str:
    settings = settings_of(area)
    if settings.recipient is not None:
        return settings.recipient.name
    return area.lead_agency.name


def told_on(found: dict) -> date | None:
    """The day the applicant was told what can be escalated: the outcome of the review (the day
    recorded as told, else the day it was held), or the decision that the threshold was not
    met. None while neither is recorded."""
    outcome_on = found["progress"]["outcome_on"]
    if found["review_held_on"] is not None and (
            found["recommendations_made"] is not None or outcome_on is not None):
        return outcome_on or found["review_held_on"]
    if found["threshold_met"] is False and found["threshold_decided_on"] is not None:
        return outcome_on or found["threshold_decided_on"]
    return None


def deadline_of(area: Area, told: date) -> date:
    """The last day to ask: `window_weeks` calendar weeks after being told, or the last of
    `window_working_days` working days beginning with that day (the nation's bank holidays)."""
    settings = settings_of(area)
    if settings.window_weeks is not None:
        return told + timedelta(weeks=settings.window_weeks)
    return working_period_end(told, settings.window_working_days, area.nation)


def window_words(area: Area) -> str:
    settings = settings_of(area)
    if settings.window_weeks is not None:
        weeks = settings.window_weeks
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{settings.window_working_days} working days"


def stages_of(area: Area, notified_on: date) -> list[dict]:
    """The date each stage is promised by, counted in working days from the day the reviewing
    body is notified, or from the end of the stage before."""
    out, previous = [], notified_on
    for number, stage in enumerate(settings_of(area).stages, start=1):
        start = notified_on if stage.counted_from == "notified" else previous
        previous = add_working_days(start, stage.working_days, area.nation)
        out.append({"stage": number, "what": stage.what, "working_days": stage.working_days,
                    "counted_from": stage.counted_from, "due_by": previous.isoformat()})
    return out


def next_step(found: dict, area: Area, today: date) -> dict:
    """What the applicant can do next, and by when, in plain words (and a code for the chat)."""
    if found["escalation"] is not None:
        return {"code": "escalation_requested", "deadline": None,
                "text": "You have asked for your case review to be looked at again. "
                        f"{recipient_name(area)} will keep you updated."}
    told = told_on(found)
    if told is None:
        if found["threshold_met"] is None:
            due = found["threshold_decision_due"]
            return {"code": "wait_for_threshold_decision", "deadline": due.isoformat(),
                    "text": "We are deciding whether your case meets the threshold for a case "
                            f"review. You should hear by {_long(due)}."}
        return {"code": "wait_for_review_outcome", "deadline": None,
                "text": "Your case review is going ahead. We will tell you when the review "
                        "meeting has been held and what it decided."}
    deadline = deadline_of(area, told)
    if today > deadline:
        return {"code": "escalation_window_closed", "deadline": deadline.isoformat(),
                "text": f"The time to ask for your case review to be looked at again ended on "
                        f"{_long(deadline)}. If you are still having problems, you can report "
                        "them again, or contact the lead agency."}
    return {"code": "can_ask_for_escalation", "deadline": deadline.isoformat(),
            "escalation_to": area.procedure.escalation_to,
            "text": f"If you think the decision was wrong, you can ask for it to be looked at "
                    f"again by {area.procedure.escalation_to}. Ask by {_long(deadline)} "
                    f"({window_words(area)} from when you were told)."}


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# -- the request ---------------------------------------------------------------------------------


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
    settings = settings_of(area)
    delivery = settings.recipient.delivery if settings.recipient else area.delivery
    return [name for name in ("webhook", "email") if getattr(delivery, name)]


@routes.post("/api/v1/escalations")
async def request_escalation(request: web.Request) -> web.Response:
    from handoff.status import read_request, verified_case  # the same proof as the status check

    body = await read_request(request)
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
            "reference", f"The time to ask ended on {_long(deadline)} ({window_words(area)} "
            "from when you were told the decision). Contact the lead agency if you think "
            "this is wrong."))
    document = escalation_document(body, found, area, now, told, deadline)
    try:
        stored = await store.run(
            casework.store_escalation, store, found["reference"], key, fingerprint(body),
            document, channels_of(area), time.time())
    except casework.AlreadyEscalated:
        return errors(409, FieldError(
            "reference", "An escalation has already been asked for on this application. "
            "Contact the lead agency to add to it."))
    if stored["created"]:
        worker = request.app.get(ESCALATION_WORKER)
        if worker is not None:
            worker.wake.set()
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


# -- delivery ------------------------------------------------------------------------------------


def escalation_email(config, document: dict, raw: bytes, delivery_id: int, service_name: str
                     ) -> EmailMessage:
    reference = document["reference"]
    message = EmailMessage()
    message["Subject"] = f"ASB case review escalation request {reference} " \
                         f"(application {document['application_reference']})"
    message["From"] = config.sender
    message["To"] = config.to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{reference}.{delivery_id}@asb-handoff>"
    message["X-ASB-Reference"] = reference
    message["Idempotency-Key"] = reference
    message.set_content(templates().get_template("email/escalation.txt").render(
        document=document, service_name=service_name, grounds=GROUNDS))
    message.add_attachment(raw, maintype="application", subtype="json",
                           filename=f"{reference}.json")
    return message


class EscalationWorker(Worker):
    """The delivery worker over the escalation outbox: the same retries, backoff, leases and
    alerts; the target is the route's (the lead agency's channels, or the recipient's)."""

    def __init__(self, deployment: Deployment, store: Store):
        super().__init__(deployment, casework.EscalationOutbox(store))

    async def _send(self, item: dict) -> None:
        try:
            area = self.deployment.area(item["area_id"])
        except KeyError:
            raise DeliveryFailed(f"area {item['area_id']} is no longer configured") from None
        settings = settings_of(area)
        delivery = settings.recipient.delivery if settings.recipient else area.delivery
        raw = item["document"].encode("utf-8")
        timeout = self.settings.timeout_seconds
        if item["channel"] == "webhook" and delivery.webhook:
            await send_webhook(self._http, delivery.webhook, item["reference"], item["id"], raw,
                               timeout)
        elif item["channel"] == "email" and delivery.email:
            message = escalation_email(delivery.email, json.loads(raw), raw, item["id"],
                                       self.deployment.service_name)
            await asyncio.to_thread(send_message, delivery.email, message, timeout)
        else:
            raise DeliveryFailed(f"the {item['channel']} channel is no longer configured")

    async def _retention(self) -> None:
        """What is kept beside an application goes once its personal data is erased (the
        application worker erases that on the deployment's retention_days)."""
        if time.monotonic() < self._next_retention:
            return
        self._next_retention = time.monotonic() + RETENTION_EVERY_SECONDS
        store = self.store.store
        await store.run(casework.erase_with_applications, store)
