""""Where is my application?": the status form (the reference, then the postcode given in the
application) and the handoff service's status check (POST /api/v1/status, the same URL and token
as sending the application: `service.post_to_handoff`).

The reference is read with the handoff service's own rules (`handoff.reference.parse_reference`:
any case, spaces or hyphens anywhere, the check character checked), anywhere in what was typed
("it's asb 2026 7f3k9q"). The answer is told from what the inbox recorded: received, the
threshold decision, the review meeting, the outcome, and what the applicant can do next by when
(`next_step.code`, said from the catalogs, never the service's English). Nothing is said about a
reference without its postcode: the service answers 404 for any wrong pair, and this says only
that the pair was not found. `STATUS_TRIES` wrong pairs in a conversation and it stops offering
to check again; the service's own limit (429) is told with the time to try again. Both answers
are cleared from the conversation after each check.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_time
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.answers import CHECK, ESCALATE, HUMAN, contact_lines
from assistant.actions.application_form import postcode_in
from assistant.actions.messages import Button, babel_locale, language_of, say
from assistant.actions.questions import Question, QuestionsForm, ask_actions
from assistant.actions.service import HandoffUnavailable, error_fields, post_to_handoff
from eligibility import clock
from handoff.reference import parse_reference

logger = logging.getLogger(__name__)
PATH = "/api/v1/status"
# Wrong reference and postcode pairs in one conversation before it stops offering to check.
STATUS_TRIES = 3
# The longest run of words a reference may be typed in ("asb 2026 7 f 3 k 9 q").
REFERENCE_WORDS = 8
TRY_AGAIN = Button("button-try-again", "/ask_status")

# Both answers are free text to the domain: the message reader has no kind for them, so any
# intent but emergency, stop, start again, another language, a person or asking to apply is
# taken as the answer (a reference is not a question about the process, whatever the model
# makes of it). Asking to apply leaves the check for the eligibility check (rules.yml): someone
# who asked where their application is may not have one yet.
QUESTIONS = {
    "status_reference": Question("ask-status-reference", free_text=True,
                                 leaves_on=("start_application",)),
    "status_postcode": Question("ask-status-postcode", purpose="postal-code", free_text=True,
                                leaves_on=("start_application",)),
}
# Under "that is not a reference": a way out for someone who has none.
NO_REFERENCE = (CHECK, HUMAN)
ASK_ACTIONS = ask_actions(QUESTIONS)

# The threshold decision and the review's outcome (recommendations made?) -> their messages.
THRESHOLD = {"met": "status-threshold-met", "not_met": "status-threshold-not-met"}
OUTCOME = {True: "status-outcome-recommendations", False: "status-outcome-none",
           None: "status-outcome-told"}
# What the applicant can do next (the service's `next_step.code`) -> the message saying it.
NEXT_STEPS = {
    "wait_for_threshold_decision": "status-next-wait-decision",
    "wait_for_review_outcome": "status-next-wait-outcome",
    "can_ask_for_escalation": "status-next-can-escalate",
    "escalation_window_closed": "status-next-window-closed",
    "escalation_requested": "status-next-escalation-requested",
}
DECISION_LATE = "status-next-decision-late"  # wait_for_threshold_decision past its due day


def reference_in(text: str) -> str | None:
    """The first reference typed anywhere in `text`, in its printed form, or None."""
    words = [word.strip(".,;:!?\"'()[]") for word in text.split()]
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + REFERENCE_WORDS) + 1):
            found = parse_reference("".join(words[start:end]))
            if found:
                return found
    return None


def case_from(answer: dict[str, Any], postcode: str) -> dict[str, Any]:
    """What an escalation request needs of a status answer (assistant/actions/escalation.py):
    the pair checked, the next step's code and deadline, whether the threshold was found not
    met, and the answer itself, to say the next step."""
    step = answer["next_step"]
    return {"reference": answer["reference"], "postcode": postcode, "next": step["code"],
            "deadline": step.get("deadline"),
            "threshold_not_met": answer["threshold_decision"]["decision"] == "not_met",
            "status": answer}


def tries(tracker: Tracker) -> int:
    return int(tracker.get_slot("status_tries") or 0)


class ValidateStatusForm(QuestionsForm):
    """The reference, then the postcode; nothing asked once the conversation has used its
    tries (the check then says so)."""

    questions = QUESTIONS
    form_slots: tuple[str, ...] = tuple(QUESTIONS)

    def name(self) -> str:
        return "validate_status_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        return [] if tries(tracker) >= STATUS_TRIES else list(self.form_slots)

    def validate_status_reference(self, value, dispatcher, tracker, domain):
        reference = reference_in(str(value or ""))
        if reference is None:
            say(dispatcher, language_of(tracker), "status-reference-not-understood",
                buttons=NO_REFERENCE)
        return {"status_reference": reference}

    def validate_status_postcode(self, value, dispatcher, tracker, domain):
        postcode = postcode_in(tracker, str(value or ""))
        if postcode is None:
            say(dispatcher, language_of(tracker), "postcode-not-understood")
        return {"status_postcode": postcode}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def tell_decisions(dispatcher: CollectingDispatcher, language: str, answer: dict[str, Any]
                   ) -> None:
    """Received, the threshold decision, the review meeting and the outcome, as recorded."""
    say(dispatcher, language, "status-found", reference=answer["reference"],
        day=_day(answer["received_on"]))
    threshold = answer["threshold_decision"]
    decided_on = _day(threshold.get("decided_on"))
    if threshold["decision"] in THRESHOLD and decided_on:
        say(dispatcher, language, THRESHOLD[threshold["decision"]], day=decided_on)
    meeting = answer["review_meeting"]
    if meeting.get("on"):
        say(dispatcher, language, "status-meeting-held" if meeting["held"]
            else "status-meeting-planned", day=_day(meeting["on"]))
    outcome = answer["outcome"]
    if outcome.get("recorded") and outcome.get("on"):
        say(dispatcher, language, OUTCOME[outcome.get("recommendations_made")],
            day=_day(outcome["on"]))


def next_step_message(step: dict[str, Any]) -> str | None:
    """The message for the service's next step: a threshold decision past its due day is
    said to be late (with whom to contact)."""
    deadline = _day(step.get("deadline"))
    if step["code"] == "wait_for_threshold_decision" and deadline and deadline < service.today():
        return DECISION_LATE
    return NEXT_STEPS.get(step["code"])


def tell_next_step(dispatcher: CollectingDispatcher, language: str, answer: dict[str, Any]
                   ) -> None:
    """What the applicant can do next, with its deadline; how to ask for an escalation."""
    step = answer["next_step"]
    msg_id = next_step_message(step)
    if msg_id is None:
        logger.warning("status check: no message for next step %s", step["code"])
        return
    escalation = answer.get("escalation") or {}
    say(dispatcher, language, msg_id, day=_day(step.get("deadline")
                                              or escalation.get("requested_on")),
        escalation_to=step.get("escalation_to", ""), escalation=escalation.get("reference", ""))
    stages = escalation.get("stages") or []
    if stages:
        say(dispatcher, language, "status-escalation-last-stage",
            day=_day(stages[-1]["due_by"]))
    if step["code"] == "can_ask_for_escalation":
        say(dispatcher, language, "status-escalation-how", buttons=[ESCALATE])
    if msg_id in (DECISION_LATE, NEXT_STEPS["can_ask_for_escalation"]):
        contact_lines(dispatcher, language)


def try_again_at(retry_after: str | None, language: str) -> str:
    """The time of day (Europe/London) the service's Retry-After points to, as people say it."""
    try:
        seconds = max(1, int(retry_after or "60"))
    except ValueError:
        seconds = 60
    at = datetime.now(clock.LONDON) + timedelta(seconds=seconds)
    return format_time(at, format="short", locale=babel_locale(language))


async def check_status(reference: str | None, postcode: str | None, client: str
                       ) -> tuple[int, str, Mapping[str, str]]:
    """POST /api/v1/status for the pair: the answer's status, text and headers; 0 when the
    service could not be reached. An answer other than 200, 404 or 429 is logged (status and
    field names, never values). The status check and the escalation form both ask this way."""
    body = {"reference": reference, "postcode": postcode, "client": client}
    try:
        status, text, headers = await post_to_handoff(PATH, body)
    except HandoffUnavailable:
        return 0, "", {}
    if status not in (200, 404, 429):
        logger.warning("handoff status answered %s (fields: %s)", status, error_fields(text))
    return status, text, headers


class ActionCheckStatus(Action):
    """Asks the handoff service, says what it recorded or that nothing was found, and forgets
    the reference and postcode."""

    def name(self) -> str:
        return "action_check_status"

    async def run(self, dispatcher, tracker, domain):
        language = language_of(tracker)
        cleared = [SlotSet(slot, None) for slot in QUESTIONS]
        if tries(tracker) >= STATUS_TRIES or not tracker.get_slot("status_reference"):
            say(dispatcher, language, "status-not-found-stop")
            contact_lines(dispatcher, language)
            return cleared
        status, text, headers = await check_status(
            tracker.get_slot("status_reference"), tracker.get_slot("status_postcode"),
            tracker.sender_id)
        if status == 200:
            answer = json.loads(text)
            tell_decisions(dispatcher, language, answer)
            tell_next_step(dispatcher, language, answer)
            if answer["next_step"]["code"] == "can_ask_for_escalation":
                # Asking now ("Ask for it to be looked at again") needs the pair no more.
                case = case_from(answer, tracker.get_slot("status_postcode"))
                return [*cleared, SlotSet("escalation_case", case)]
            return cleared
        if status == 404:
            return cleared + self.not_found(dispatcher, language, tries(tracker) + 1)
        if status == 429:
            say(dispatcher, language, "status-wait",
                time=try_again_at(headers.get("Retry-After"), language))
            contact_lines(dispatcher, language)
            return cleared
        say(dispatcher, language, "status-failed", buttons=[TRY_AGAIN])
        return cleared

    @staticmethod
    def not_found(dispatcher: CollectingDispatcher, language: str, count: int) -> list:
        if count >= STATUS_TRIES:
            say(dispatcher, language, "status-not-found-stop")
            contact_lines(dispatcher, language)
        else:
            say(dispatcher, language, "status-not-found", buttons=[TRY_AGAIN, HUMAN])
        return [SlotSet("status_tries", count)]
