"""The eligibility check, before any personal detail: incidents one at a time, then the engine's
decision told in plain words with dates.

Per incident: when it happened (typed or picked, repeated back in words, approximate accepted),
when it was reported, to whom (several agencies = one incident), a reference if there is one, and
whether it felt targeted because of who they are. Then "another?". The decision is
`eligibility.decide_application` on the area's policy, never a copy of its rules, with the case
built from the document's shape exactly as the handoff service builds it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.actions import choices, service
from assistant.actions.answers import answers_the_apply_offer, offer_after_decision
from assistant.actions.messages import language_of, month_in_words, say
from assistant.actions.questions import Question, ask_actions
from assistant.understanding.days import understood_day
from eligibility import decide_application, period_end
from eligibility.decision import (
    DISCRETIONARY_REVIEW,
    DUPLICATE,
    NO_RECENT_REPORT,
    OUTSIDE_WINDOW,
    REPORTED_LATE,
    Decision,
)

INCIDENT_SLOTS = (
    "incident_date",
    "incident_date_approximate",
    "report_date",
    "report_agencies",
    "incident_reference",
    "incident_hate",
    "more_incidents",
)


def incident_number(tracker: Tracker) -> dict[str, Any]:
    return {"number": len(tracker.get_slot("incidents") or []) + 1}


QUESTIONS = {
    "incident_date": Question("ask-incident-date", date=True, params=incident_number),
    "report_date": Question("ask-report-date", date=True),
    "report_agencies": Question("ask-report-agencies", choices=("agency",)),
    "incident_reference": Question("ask-incident-reference", choices=("no_reference",)),
    "incident_hate": Question("ask-incident-hate", choices=("yes_no", "not_sure")),
    "more_incidents": Question("ask-more-incidents", choices=("yes_no",)),
    "at_risk": Question("ask-at-risk", choices=("yes_no", "not_sure")),
}
ASK_ACTIONS = ask_actions(QUESTIONS)


def read_date(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: Any, not_before: date | None = None,
    anchor: date | None = None,
) -> tuple[date | None, bool]:
    """Understand a date answer and say it back in words; explain any problem. Returns the date
    (None to ask again) and whether it is approximate."""
    language = language_of(tracker)
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent == "dont_know" or not isinstance(text, str):
        say(dispatcher, language, "date-dont-know")
        return None, False
    today = service.today()
    answer = understood_day(text, language, today, anchor)
    if answer.value is None or not answer.certain:
        say(dispatcher, language, "date-not-understood")
        return None, False
    if answer.in_future or answer.value > today:
        say(dispatcher, language, "date-in-future", today=today)
        return None, False
    if not_before is not None and answer.value < not_before:
        say(dispatcher, language, "date-report-before-incident", incident=not_before)
        return None, False
    if answer.approximate:
        if answer.grain == "month":
            say(dispatcher, language, "date-noted-month", month=month_in_words(answer.value,
                                                                               language))
        else:
            say(dispatcher, language, "date-noted-around", day=answer.value)
    else:
        say(dispatcher, language, "date-noted", day=answer.value)
    return answer.value, answer.approximate


def incident_record(tracker: Tracker) -> dict[str, Any]:
    """The incident being asked about, as it goes in the application document."""
    reference = tracker.get_slot("incident_reference") or None
    return {
        "occurred_on": tracker.get_slot("incident_date"),
        "occurred_on_approximate": bool(tracker.get_slot("incident_date_approximate")),
        "reported_on": tracker.get_slot("report_date"),
        "reported_to": list(tracker.get_slot("report_agencies") or []),
        "reference": reference,
        "description": None,
        "hate_related": tracker.get_slot("incident_hate") is True,
    }


def checked_part(incidents: list[dict[str, Any]], at_risk: bool | None) -> dict[str, Any]:
    """The part of the application document the eligibility check has: the incidents (as
    `incident_record` makes them) and the victim's answer to "at risk?". It is all that
    `eligibility.case_from_application` reads, so deciding on it gives the decision the handoff
    service makes from the whole document."""
    return {"incidents": incidents, "victim": {"at_risk": at_risk}}


def decide_document(document: dict[str, Any]) -> Decision:
    """The engine's decision for an application document (whole, or `checked_part`), applied
    for today under the area's policy: the same function the handoff service decides with."""
    return decide_application(document, service.area().policy, service.today())


def decide_incidents(incidents: list[dict[str, Any]], at_risk: bool | None = None) -> Decision:
    return decide_document(checked_part(incidents, at_risk))


def yes_no(slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """A yes/no answer as true/false ("not sure" counts as no); None to ask again."""
    picked = choices.chosen(tracker, "yes_no", "not_sure")
    if picked is None:
        say(dispatcher, language_of(tracker), "choose-a-button")
        return {slot: None}
    return {slot: picked == choices.YES}


class ValidateEligibilityForm(FormValidationAction):
    questions = QUESTIONS
    # Every slot the form may ask, in order: the domain's `required_slots` (`python -m
    # assistant.domain` writes them); `required_slots()` picks the ones a conversation needs.
    form_slots: tuple[str, ...] = tuple(QUESTIONS)

    def name(self) -> str:
        return "validate_eligibility_form"

    def is_button_title(self, slot: str, text: str | None) -> bool:
        question = self.questions.get(slot)
        values = [v for q in question.choices for v in choices.QUESTIONS[q]] if question else []
        return choices.typed_choice(text, values) is not None

    async def get_extraction_events(self, dispatcher, tracker, domain):
        """A button's title typed is the answer to the question asked, whatever the NLU made of
        it ("Person" is not asking for a person): it fills the question even where the intent
        would have interrupted the form."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        text = (tracker.latest_message or {}).get("text")
        if (requested and requested not in tracker.slots_to_validate()
                and self.is_button_title(requested, text)):
            events.append(SlotSet(requested, text))
        return events

    async def get_validation_events(self, dispatcher, tracker, domain):
        """Validate only an answer to the question just asked. When a form starts again (after
        a pause, which clears `requested_slot`, or "apply" a second time) the answers it already
        has stand as they were given, and are not checked, or said back, a second time."""
        if tracker.get_slot("requested_slot") not in tracker.slots_to_validate():
            return []
        return await super().get_validation_events(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        required = [slot for slot in QUESTIONS if slot != "at_risk"]
        if tracker.get_slot("more_incidents") is False:
            incidents = tracker.get_slot("incidents") or []
            decision = decide_incidents(incidents)
            if not decision.met and decision.policy.discretion_on_vulnerability:
                required.append("at_risk")
        return required

    def validate_incident_date(self, value, dispatcher, tracker, domain: DomainDict):
        day, approximate = read_date(dispatcher, tracker, value)
        if day is None:
            return {"incident_date": None}
        return {"incident_date": day.isoformat(), "incident_date_approximate": approximate}

    def validate_report_date(self, value, dispatcher, tracker, domain: DomainDict):
        occurred = date.fromisoformat(tracker.get_slot("incident_date"))
        approximate = bool(tracker.get_slot("incident_date_approximate"))
        # An approximate incident date may fall after the report: the incident then happened on
        # or before the day it was reported.
        day, _ = read_date(dispatcher, tracker, value, None if approximate else occurred,
                           anchor=occurred)
        if day is None:
            return {"report_date": None}
        out: dict[str, Any] = {"report_date": day.isoformat()}
        if approximate and day < occurred:
            out["incident_date"] = day.isoformat()
        return out

    def validate_report_agencies(self, value, dispatcher, tracker, domain: DomainDict):
        agencies = [a for a in choices.entity_values(tracker, "agency")
                    if a in choices.QUESTIONS["agency"]]
        if not agencies:
            picked = choices.chosen(tracker, "agency")
            agencies = picked.split("+") if picked else []
        if not agencies:
            say(dispatcher, language_of(tracker), "agency-not-understood")
            return {"report_agencies": None}
        return {"report_agencies": agencies}

    def validate_incident_reference(self, value, dispatcher, tracker, domain: DomainDict):
        if choices.chosen(tracker, "no_reference", "yes_no") in ("no_reference", choices.NO):
            return {"incident_reference": ""}
        if choices.chosen(tracker, "yes_no") == choices.YES:
            say(dispatcher, language_of(tracker), "reference-type-it")
            return {"incident_reference": None}
        found = choices.entity_values(tracker, "reference")
        text = found[0] if found else str(value).strip()
        return {"incident_reference": text[:100]}

    def validate_incident_hate(self, value, dispatcher, tracker, domain: DomainDict):
        return yes_no("incident_hate", dispatcher, tracker)

    def validate_more_incidents(self, value, dispatcher, tracker, domain: DomainDict):
        picked = choices.chosen(tracker, "yes_no")
        if picked is None:
            say(dispatcher, language_of(tracker), "choose-a-button")
            return {"more_incidents": None}
        incidents = [*(tracker.get_slot("incidents") or []), incident_record(tracker)]
        if picked == choices.YES:
            return {"incidents": incidents, **{slot: None for slot in INCIDENT_SLOTS}}
        return {"incidents": incidents, "more_incidents": False}

    def validate_at_risk(self, value, dispatcher, tracker, domain: DomainDict):
        return yes_no("at_risk", dispatcher, tracker)


_LATE_REASONS = {REPORTED_LATE: "incident-reported-late", OUTSIDE_WINDOW: "incident-too-old",
                 DUPLICATE: "incident-duplicate"}


def explain_decision(
    dispatcher: CollectingDispatcher, language: str, decision: Decision,
    incidents: list[dict[str, Any]],
) -> None:
    """The decision and its reasons in plain words, with dates."""
    policy = decision.policy
    for result in decision.incidents:
        incident = incidents[result.index]
        occurred = date.fromisoformat(incident["occurred_on"])
        for reason in result.reasons:
            say(
                dispatcher,
                language,
                _LATE_REASONS[reason],
                number=result.index + 1,
                day=occurred,
                reported=result.complaint_on,
                last_day=period_end(occurred, policy.report_within_months),
                counted_until=period_end(result.complaint_on, policy.window_months),
            )
    if decision.met:
        say(dispatcher, language, f"decision-met-{decision.met_by.replace('_', '-')}",
            count=decision.qualifying_count, required=decision.required)
        until = min(r.counts_until for r in decision.incidents if r.counts_until)
        say(dispatcher, language, "decision-apply-by", day=until)
        return
    say(dispatcher, language, "decision-not-met", count=decision.qualifying_count,
        required=decision.required)
    if decision.more_needed:
        if decision.act_by:
            say(dispatcher, language, "decision-more-needed-by", more=decision.more_needed,
                day=decision.act_by)
        else:
            say(dispatcher, language, "decision-more-needed", more=decision.more_needed)
    if NO_RECENT_REPORT in decision.reasons:
        say(dispatcher, language, "decision-no-recent-report", day=decision.recent_report_since)
    if decision.outcome == DISCRETIONARY_REVIEW:
        say(dispatcher, language, "decision-discretionary")


class ActionCheckEligibility(Action):
    def name(self) -> str:
        return "action_check_eligibility"

    async def run(self, dispatcher, tracker, domain):
        language = language_of(tracker)
        incidents = tracker.get_slot("incidents") or []
        decision = decide_incidents(incidents, tracker.get_slot("at_risk"))
        decided = {
            "outcome": decision.outcome,
            "met_by": decision.met_by,
            "policy": decision.policy.id,
            "reasons": list(decision.reasons),
        }
        # "Apply now" pressed (or a yes typed) after an answer that offered it again ("what
        # else can I do?"): the same decision, already told, so straight to the application
        # rather than the decision a second time.
        if (tracker.get_slot("eligibility") == decided
                and (tracker.latest_message or {}).get("intent", {}).get("name")
                == "start_application" and answers_the_apply_offer(tracker, language)):
            return [FollowupAction("application_form")]
        explain_decision(dispatcher, language, decision, incidents)
        offer_after_decision(dispatcher, language, decision.outcome)
        return [SlotSet("eligibility_outcome", decision.outcome), SlotSet("eligibility", decided)]
