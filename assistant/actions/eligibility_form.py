"""The eligibility check, before any personal detail: incidents one at a time, then the engine's
decision told in plain words with dates.

Per incident: when it happened (typed or picked, repeated back in words, approximate accepted),
when it was reported, to whom (several agencies = one incident), a reference if there is one, and
whether it felt targeted because of who they are (`incident_answers`, which the application
form asks again when the incidents are changed). Then "another?". The decision is
`eligibility.decide_application` on the area's policy, never a copy of its rules, with the case
built from the document's shape exactly as the handoff service builds it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.answers import answers_the_apply_offer, offer_after_decision
from assistant.actions.incident_answers import validates_incidents
from assistant.actions.messages import language_of, say
from assistant.actions.questions import Question, QuestionsForm, ask_actions
from eligibility import decide_application, period_end
from eligibility.decision import (
    DISCRETIONARY_REVIEW,
    DUPLICATE,
    NO_RECENT_REPORT,
    OUTSIDE_WINDOW,
    REPORTED_LATE,
    Decision,
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


def checked_part(incidents: list[dict[str, Any]], at_risk: bool | None) -> dict[str, Any]:
    """The part of the application document the eligibility check has: the incidents (as
    `incident_answers.incident_record` makes them) and the victim's answer to "at risk?". It is
    all that `eligibility.case_from_application` reads, so deciding on it gives the decision the
    handoff service makes from the whole document."""
    return {"incidents": incidents, "victim": {"at_risk": at_risk}}


def decide_document(document: dict[str, Any]) -> Decision:
    """The engine's decision for an application document (whole, or `checked_part`), applied
    for today under the area's policy: the same function the handoff service decides with."""
    return decide_application(document, service.area().policy, service.today())


def decide_incidents(incidents: list[dict[str, Any]], at_risk: bool | None = None) -> Decision:
    return decide_document(checked_part(incidents, at_risk))


@validates_incidents
class ValidateEligibilityForm(QuestionsForm):
    """The incident questions (their validators: `incident_answers`), then "at risk?" when the
    incidents fall short and the policy allows discretion."""

    questions = QUESTIONS
    # Every slot the form may ask, in order: the domain's `required_slots` (`python -m
    # assistant.domain` writes them); `required_slots()` picks the ones a conversation needs.
    form_slots: tuple[str, ...] = tuple(QUESTIONS)

    def name(self) -> str:
        return "validate_eligibility_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        required = [slot for slot in QUESTIONS if slot != "at_risk"]
        if tracker.get_slot("more_incidents") is False:
            incidents = tracker.get_slot("incidents") or []
            decision = decide_incidents(incidents)
            if not decision.met and decision.policy.discretion_on_vulnerability:
                required.append("at_risk")
        return required


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
