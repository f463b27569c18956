"""Handing the application to the lead agency: the application document (schema version 1) and
the handoff intake API (POST /api/v1/applications, Idempotency-Key = `application_key`: one per
application, the same on every retry of it, another for a second application in the conversation).

On success: the reference, spelt out; what happens next with the dates the service set; how to
escalate later. On failure: said plainly, every answer kept, "Try again".
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet

from assistant.actions import service
from assistant.actions.answers import contact_lines, window_message
from assistant.actions.application_form import (
    CONSENT_GIVEN_BY,
    EMAIL,
    PHONE,
    blocked,
    consent_wording_in_english,
)
from assistant.actions.eligibility_form import decide_document
from assistant.actions.messages import Button, language_of, say
from assistant.actions.service import HandoffUnavailable, error_fields, post_to_handoff

logger = logging.getLogger(__name__)
PATH = "/api/v1/applications"


def _or_none(value: Any) -> Any:
    return None if value in ("", None) else value


def _contact_in(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    phone, email = PHONE.search(text), EMAIL.search(text)
    if not phone and not email:
        return None
    return {"phone": " ".join(phone.group(0).split()) if phone else None,
            "email": email.group(0).rstrip(".,") if email else None}


def application_document(tracker: Tracker) -> dict[str, Any]:
    """The application as the intake API takes it: without reference, submitted_at, deadlines."""
    slot = tracker.get_slot
    role = slot("applicant_role")
    incidents = slot("incidents") or []
    on_behalf = role == "on_behalf"
    document = {
        "schema_version": "1",
        "language": language_of(tracker),
        "area": {"id": service.area().id},
        "applicant": {
            "role": role,
            "name": slot("applicant_name") if on_behalf else slot("victim_name"),
            "relationship": slot("applicant_relationship") if on_behalf else None,
            "organisation": None,
            "contact": _contact_in(slot("applicant_contact")) if on_behalf else None,
        },
        "victim": {
            "kind": slot("victim_kind"),
            "name": slot("victim_name"),
            "address": _or_none(slot("victim_address")),
            "postcode": _or_none(slot("victim_postcode")),
            "contact": {
                "phone": _or_none(slot("contact_phone")),
                "email": _or_none(slot("contact_email")),
                "preferred": slot("contact_preferred"),
                "safe_times": _or_none(slot("safe_times")),
                "do_not_call": slot("safe_to_call") == "no",
            },
            "interpreter_language": _or_none(slot("interpreter_language")),
            "accessibility_needs": _or_none(slot("accessibility_needs")),
            "at_risk": slot("at_risk") is True,
            "vulnerabilities": _or_none(slot("vulnerabilities")),
            "support_wanted": slot("support_wanted"),
        },
        "incidents": incidents,
        "impact": _or_none(slot("impact")),
        "consent": {
            "given": slot("consent_share") is True,
            "given_by": CONSENT_GIVEN_BY[slot("victim_consent")] if on_behalf else "victim",
            "without_consent_reason": _or_none(slot("consent_exception_reason")),
            "wording": slot("consent_wording"),
            "wording_in_english": consent_wording_in_english(slot("consent_language"),
                                                             slot("consent_wording")),
            "wording_version": slot("consent_wording_version"),
            "language": slot("consent_language"),
            "given_at": slot("consent_given_at"),
        },
    }
    # Decided from the document itself, as the handoff service decides it when it stores it.
    decision = decide_document(document)
    document["eligibility"] = {
        "outcome": decision.outcome,
        "met_by": decision.met_by,
        "policy": decision.policy.id,
        "reasons": list(decision.reasons),
    }
    return document


def application_key(conversation_id: str, document: dict[str, Any]) -> str:
    """The Idempotency-Key of one application: a hash of the conversation id and the document
    as sent, without the eligibility (the service recomputes it, and it may read differently
    on a retry a day later). "Try again" sends the same application with the same key; after
    "start again" the next application differs (its answers, at least its consent time), so
    it has its own key and is stored as well, never answered with the first one's reference."""
    kept = {name: value for name, value in document.items() if name != "eligibility"}
    canonical = json.dumps(kept, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    text = f"{conversation_id}\n{canonical}".encode("utf-8", "surrogatepass")
    return "application-" + hashlib.sha256(text).hexdigest()


async def post_application(document: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    headers = {"Idempotency-Key": application_key(conversation_id, document)}
    status, text, _ = await post_to_handoff(PATH, document, headers)  # HandoffUnavailable
    if status in (200, 201):
        return json.loads(text)
    logger.warning("handoff intake answered %s (fields: %s)", status, error_fields(text))
    raise HandoffUnavailable(status)


def spelt_out(reference: str) -> str:
    """"ASB-2026-7F3K9Q" -> "A S B - 2 0 2 6 - 7 F 3 K 9 Q": easy to read out or copy down."""
    return " ".join(reference)


class ActionSubmitApplication(Action):
    def name(self) -> str:
        return "action_submit_application"

    async def run(self, dispatcher, tracker, domain):
        language = language_of(tracker)
        if tracker.get_slot("reference"):
            say(dispatcher, language, "already-sent", reference=tracker.get_slot("reference"))
            return []
        if blocked(tracker):
            key = ("no-consent-victim" if tracker.get_slot("victim_consent") == "refuses"
                   else "no-consent-share")
            say(dispatcher, language, key)
            contact_lines(dispatcher, language)
            return []
        try:
            answer = await post_application(application_document(tracker), tracker.sender_id)
        except HandoffUnavailable:
            say(dispatcher, language, "submit-failed",
                buttons=[Button("button-try-again", "/affirm")])
            return []
        reference = answer["reference"]
        deadlines = answer.get("deadlines") or {}
        say(dispatcher, language, "submitted", reference=reference,
            spelt=spelt_out(reference))
        if deadlines.get("acknowledge_by"):
            say(dispatcher, language, "next-acknowledge",
                day=date.fromisoformat(deadlines["acknowledge_by"]))
        if deadlines.get("threshold_decision_due"):
            say(dispatcher, language, "next-decision",
                day=date.fromisoformat(deadlines["threshold_decision_due"]))
        msg_id, params = window_message("next-escalation")
        say(dispatcher, language, msg_id, **params)
        return [SlotSet("reference", reference)]
