"""Asking for the case review to be looked at again (the escalation request) in the chat, and
sending it to the handoff service (POST /api/v1/escalations, schema version 1).

The way in is a question about appealing (`ask_appeal`): the answer explains who can ask, by
when, and the grounds, then offers to ask now. The status check offers the same when the inbox
says the applicant can ask; it then keeps the reference and postcode it has just checked
(`escalation_case`), so they are not asked twice.

The escalation form:

1. the reference and the postcode given in the application, read as the status form reads them,
   checked with the handoff service's status check (POST /api/v1/status). Wrong pairs count
   against the same `STATUS_TRIES` as the status check; the service keeps its own limit;
2. only when the inbox says the applicant can ask (a decision or an outcome recorded, inside the
   deployment's window, nothing asked yet): the grounds, one yes/no question each. A, the
   threshold decision, only when the threshold was found not met. No ground: not liking the
   outcome alone is not one, and a complaint about an agency goes to its complaints process;
3. the reasons in their own words, then consent to share it with whoever will look at it again.

`action_submit_escalation` then sends it, or says why there is nothing to send, and forgets every
answer; a request the service could not take keeps them all for "Try again".
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.answers import ESCALATE, HUMAN, complaint_link, contact_lines
from assistant.actions.application_form import postcode_in
from assistant.actions.incident_answers import yes_no
from assistant.actions.messages import Button, language_of, say
from assistant.actions.questions import Question, QuestionsForm, ask_actions
from assistant.actions.service import HandoffUnavailable, error_fields, post_to_handoff
from assistant.actions.status import (
    NEXT_STEPS,
    STATUS_TRIES,
    case_from,
    check_status,
    reference_in,
    tell_next_step,
    tries,
    try_again_at,
)
from assistant.actions.submission import spelt_out
from handoff.procedure import recipient_name

logger = logging.getLogger(__name__)
PATH = "/api/v1/escalations"
CAN_ASK = "can_ask_for_escalation"
# The consent wording's version, sent with the request (the wording is `ask-escalation-consent`).
CONSENT_VERSION = "escalation-consent-1"
TRY_AGAIN = Button("button-try-again", "/affirm")


def _consent_params(tracker: Tracker) -> dict[str, Any]:
    area = service.area()
    return {"to": recipient_name(area), "reviewed_by": area.procedure.escalation_to}


QUESTIONS = {
    "escalation_reference": Question("ask-status-reference", free_text=True),
    "escalation_postcode": Question("ask-status-postcode", purpose="postal-code",
                                    free_text=True),
    "escalation_ground_a": Question("ask-escalation-ground-a", choices=("yes_no",)),
    "escalation_ground_b": Question("ask-escalation-ground-b", choices=("yes_no",)),
    "escalation_ground_c": Question("ask-escalation-ground-c", choices=("yes_no",)),
    "escalation_reasons": Question("ask-escalation-reasons", free_text=True),
    "escalation_consent": Question("ask-escalation-consent", choices=("yes_no",),
                                   params=_consent_params),
}
ASK_ACTIONS = ask_actions(QUESTIONS)
GROUNDS = {"A": "escalation_ground_a", "B": "escalation_ground_b", "C": "escalation_ground_c"}
PROOF = ("escalation_reference", "escalation_postcode")


def case_of(tracker: Tracker) -> dict[str, Any]:
    """What the status check found for the reference and postcode given: the pair itself, what
    the applicant can do next (`next`, the service's code, or `wait`/`failed` when it could not
    say), its deadline, whether the threshold was found not met, any escalation asked for."""
    return tracker.get_slot("escalation_case") or {}


def grounds_asked(case: dict[str, Any]) -> list[str]:
    """The ground questions for this case: A (the threshold decision) only when it was not met."""
    return [slot for code, slot in GROUNDS.items() if code != "A" or case["threshold_not_met"]]


def grounds_given(tracker: Tracker) -> list[str]:
    return [code for code, slot in GROUNDS.items() if tracker.get_slot(slot) is True]


class ValidateEscalationForm(QuestionsForm):
    questions = QUESTIONS
    form_slots: tuple[str, ...] = tuple(QUESTIONS)

    def name(self) -> str:
        return "validate_escalation_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        case = case_of(tracker)
        if not case:
            return [] if tries(tracker) >= STATUS_TRIES else list(PROOF)
        if case["next"] != CAN_ASK:
            return []
        grounds = grounds_asked(case)
        if all(tracker.get_slot(slot) is not None for slot in grounds) and not grounds_given(
                tracker):
            return grounds  # no ground: nothing more to ask (the sending action says why)
        return [*grounds, "escalation_reasons", "escalation_consent"]

    def validate_escalation_reference(self, value, dispatcher, tracker, domain):
        reference = reference_in(str(value or ""))
        if reference is None:  # a reference lost or never kept: the lead agency can find it
            say(dispatcher, language_of(tracker), "status-reference-not-understood",
                buttons=(HUMAN,))
        return {"escalation_reference": reference}

    async def validate_escalation_postcode(self, value, dispatcher, tracker, domain):
        language = language_of(tracker)
        postcode = postcode_in(tracker, str(value or ""))
        if postcode is None:
            say(dispatcher, language, "postcode-not-understood")
            return {"escalation_postcode": None}
        status, text, headers = await check_status(
            tracker.get_slot("escalation_reference"), postcode, tracker.sender_id)
        if status == 200:
            case = case_from(json.loads(text), postcode)
            if case["next"] == CAN_ASK:
                say(dispatcher, language, NEXT_STEPS[CAN_ASK], day=date.fromisoformat(
                    case["deadline"]), escalation_to=case["status"]["next_step"].get(
                    "escalation_to", ""))
            return {"escalation_postcode": postcode, "escalation_case": case}
        if status == 404:
            count = tries(tracker) + 1
            if count < STATUS_TRIES:
                say(dispatcher, language, "status-not-found")
            return {"escalation_reference": None, "escalation_postcode": None,
                    "status_tries": count}
        if status == 429:
            return {"escalation_postcode": postcode, "escalation_case": {
                "next": "wait", "retry_after": headers.get("Retry-After")}}
        return {"escalation_postcode": postcode, "escalation_case": {"next": "failed"}}

    def validate_escalation_ground_a(self, value, dispatcher, tracker, domain):
        return yes_no("escalation_ground_a", dispatcher, tracker)

    def validate_escalation_ground_b(self, value, dispatcher, tracker, domain):
        return yes_no("escalation_ground_b", dispatcher, tracker)

    def validate_escalation_ground_c(self, value, dispatcher, tracker, domain):
        return yes_no("escalation_ground_c", dispatcher, tracker)

    def validate_escalation_reasons(self, value, dispatcher, tracker, domain):
        text = str(value or "").strip()
        if not text:
            return {"escalation_reasons": None}
        return {"escalation_reasons": text[:10000]}

    def validate_escalation_consent(self, value, dispatcher, tracker, domain):
        return yes_no("escalation_consent", dispatcher, tracker)


def forgotten() -> list[dict[str, Any]]:
    """Every answer of the escalation form cleared (the tries stay, as the status check's do)."""
    return [SlotSet(slot, None) for slot in (*QUESTIONS, "escalation_case")]


def escalation_key(conversation_id: str, body: dict[str, Any]) -> str:
    """The Idempotency-Key of one request: "Try again" sends the same one with the same key."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    text = f"{conversation_id}\n{canonical}".encode("utf-8", "surrogatepass")
    return "escalation-" + hashlib.sha256(text).hexdigest()


def request_body(tracker: Tracker, case: dict[str, Any], language: str) -> dict[str, Any]:
    return {"schema_version": "1", "reference": case["reference"], "postcode": case["postcode"],
            "client": tracker.sender_id, "requested_by": "applicant",
            "grounds": grounds_given(tracker), "reasons": tracker.get_slot("escalation_reasons"),
            "consent": {"given": True, "wording_version": CONSENT_VERSION}, "language": language}


class ActionSubmitEscalation(Action):
    """Sends the request, or says why there is nothing to send; then forgets the answers."""

    def name(self) -> str:
        return "action_submit_escalation"

    async def run(self, dispatcher, tracker, domain):
        language = language_of(tracker)
        case = case_of(tracker)
        if not self.can_send(dispatcher, tracker, language, case):
            return forgotten()
        body = request_body(tracker, case, language)
        headers = {"Idempotency-Key": escalation_key(tracker.sender_id, body)}
        try:
            status, text, answer_headers = await post_to_handoff(PATH, body, headers)
        except HandoffUnavailable:
            status, text, answer_headers = 0, "", {}
        if status in (200, 201):
            self.sent(dispatcher, language, json.loads(text))
            return forgotten()
        if status == 422 and case.get("deadline"):  # the window closed since it was checked
            say(dispatcher, language, NEXT_STEPS["escalation_window_closed"],
                day=date.fromisoformat(case["deadline"]))
            contact_lines(dispatcher, language)
            return forgotten()
        if status == 409:  # asked for already, or the decision taken back, since the check
            say(dispatcher, language, "escalation-not-sent")
            contact_lines(dispatcher, language)
            return forgotten()
        if status == 429:
            say(dispatcher, language, "status-wait",
                time=try_again_at(answer_headers.get("Retry-After"), language))
            contact_lines(dispatcher, language)
            return forgotten()
        if status:
            logger.warning("handoff escalation answered %s (fields: %s)", status,
                           error_fields(text))
        say(dispatcher, language, "escalation-failed", buttons=[TRY_AGAIN])
        return []

    @staticmethod
    def can_send(dispatcher: CollectingDispatcher, tracker: Tracker, language: str,
                 case: dict[str, Any]) -> bool:
        """Whether there is a request to send; if not, says why."""
        if not case:  # the tries used up
            say(dispatcher, language, "status-not-found-stop")
            contact_lines(dispatcher, language)
            return False
        if case["next"] == "wait":
            say(dispatcher, language, "status-wait",
                time=try_again_at(case.get("retry_after"), language))
            contact_lines(dispatcher, language)
            return False
        if case["next"] == "failed":
            say(dispatcher, language, "status-failed", buttons=[ESCALATE])
            return False
        if case["next"] != CAN_ASK:
            if case["next"] in ("wait_for_threshold_decision", "wait_for_review_outcome"):
                say(dispatcher, language, "escalation-too-early")
            tell_next_step(dispatcher, language, case["status"])
            if case["next"] == "escalation_window_closed":
                contact_lines(dispatcher, language)
            return False
        if not grounds_given(tracker):
            say(dispatcher, language, "escalation-no-ground")
            complaint_link(dispatcher, language)
            contact_lines(dispatcher, language)
            return False
        if tracker.get_slot("escalation_consent") is not True:
            say(dispatcher, language, "escalation-no-consent")
            contact_lines(dispatcher, language)
            return False
        return True

    @staticmethod
    def sent(dispatcher: CollectingDispatcher, language: str, answer: dict[str, Any]) -> None:
        reference = answer["reference"]
        route = answer["route"]
        say(dispatcher, language, "escalation-sent", reference=reference,
            spelt=spelt_out(reference), to=route["to"])
        stages = answer.get("stages") or []
        if stages:
            say(dispatcher, language, "escalation-stages", reviewed_by=route["reviewed_by"],
                day=date.fromisoformat(stages[-1]["due_by"]))
        if answer.get("stages_estimated"):
            say(dispatcher, language, "escalation-dates-estimated", to=route["to"])

