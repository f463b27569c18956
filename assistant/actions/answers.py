"""Explaining the case review, and triage: emergency, reporting, complaints, a person to talk to,
stopping (deleting what was said) and starting again.

Every figure and contact comes from the deployment file; every date from the procedure's working
days and the one clock.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActiveLoop,
    AllSlotsReset,
    FollowupAction,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.choices import entity_values
from assistant.actions.language import language_buttons
from assistant.actions.messages import Button, language_of, render, say
from assistant.actions.prefill import take_prefill
from deployment.config import in_language
from eligibility.decision import THRESHOLD_MET
from handoff.procedure import settings_of

WHAT_IS_IT = Button("button-what-is-it", "/ask_what_is_case_review")
CHECK = Button("button-check", "/start_application")
PROCESS = Button("button-process", "/ask_process")
SUPPORT = Button("button-support", "/ask_support")
HUMAN = Button("button-human", "/request_human")
STATUS = Button("button-status", "/ask_status")  # "where is my application?" (actions/status.py)
# "Ask for it to be looked at again" (actions/escalation.py): the explanation, then the offer.
ESCALATE = Button("button-escalate", "/ask_appeal")
# The main menu, in the order it is shown; OTHER_HELP is the menu's support and a person.
MENU = (WHAT_IS_IT, CHECK, PROCESS, SUPPORT, STATUS, HUMAN)
OTHER_HELP = (SUPPORT, HUMAN)


def threshold_lines(dispatcher: CollectingDispatcher, language: str) -> None:
    """The local threshold in words, from the area's policy."""
    policy = service.area().threshold_policy
    rule = "threshold-one-reporter" if policy.min_complaints_from_one_reporter else "threshold"
    say(
        dispatcher,
        language,
        rule,
        count=policy.min_complaints,
        report_months=policy.report_within_months,
        window_months=policy.window_months,
    )
    if policy.hate_incident_triggers:
        say(dispatcher, language, "threshold-hate-incident")
    if policy.hate_min_complaints is not None:
        say(dispatcher, language, "threshold-hate-lowered", count=policy.hate_min_complaints)
    if policy.community_min_complaints is not None:
        say(
            dispatcher,
            language,
            "threshold-community",
            count=policy.community_min_complaints,
            reporters=policy.community_min_reporters,
        )
    if policy.recent_report_within_months is not None:
        say(dispatcher, language, "threshold-recent", months=policy.recent_report_within_months)


def procedure_dates() -> dict[str, Any]:
    procedure = service.area().procedure
    return {
        "acknowledge_by": service.working_days_from_today(procedure.acknowledge_working_days),
        "decision_by": service.working_days_from_today(procedure.threshold_decision_working_days),
        "meeting_days": procedure.review_meeting_working_days,
        "decision_days": procedure.threshold_decision_working_days,
        "acknowledge_days": procedure.acknowledge_working_days,
    }


def complaint_link(dispatcher: CollectingDispatcher, language: str) -> None:
    """The lead agency's complaints page, where the deployment names one."""
    complaints = service.area().lead_agency.contact.complaints_url
    if complaints:
        say(dispatcher, language, "complaint-link", url=complaints)


class _Answer(Action, metaclass=ABCMeta):
    """An answer made of catalog messages; subclasses say what."""

    @property
    @abstractmethod
    def action_name(self) -> str:
        """The action's name (a class attribute in each subclass)."""

    def name(self) -> str:
        return self.action_name

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> list:
        """Say the answer; return any events."""

    # An answer that leaves the person nowhere to go offers the next step when no form is asking
    # (inside a form, the form asks its question again).
    offers_next_step = False

    async def run(self, dispatcher, tracker, domain):
        language = language_of(tracker)
        events = self.answer(dispatcher, tracker, language) or []
        if self.offers_next_step and not tracker.active_loop_name:
            offer_next_step(dispatcher, tracker, language)
        return events


APPLY_OFFERS = ("button-apply", "button-pass-on")


def answers_the_apply_offer(tracker: Tracker, language: str) -> bool:
    """Whether the assistant's last message offered to apply or pass the request on (so that
    "/start_application" now means "Apply now", not the menu's "Check")."""
    titles = {render(language, title) for title in APPLY_OFFERS}
    seen_user = False
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            if seen_user:
                return False
            seen_user = True
        elif event.get("event") == "bot" and seen_user:
            buttons = (event.get("data") or {}).get("buttons") or []
            return any(button.get("title") in titles for button in buttons)
    return False


def offer_after_decision(dispatcher: CollectingDispatcher, language: str, outcome: str) -> None:
    """After the threshold check: apply, pass the request on, or other help."""
    not_now = Button("button-not-now", "/deny")
    if outcome == THRESHOLD_MET:
        say(dispatcher, language, "offer-apply",
            buttons=(Button(APPLY_OFFERS[0], "/start_application"), not_now))
    elif service.area().threshold_policy.discretion_on_vulnerability:
        say(dispatcher, language, "offer-pass-on",
            buttons=(Button(APPLY_OFFERS[1], "/start_application"), not_now))
    else:
        say(dispatcher, language, "offer-other-help", buttons=OTHER_HELP)


def offer_next_step(dispatcher: CollectingDispatcher, tracker: Tracker, language: str) -> None:
    """The way on after an answer: the offer to apply again once the check is done (not after
    sending), else the offer to check."""
    if tracker.get_slot("reference"):
        return
    outcome = tracker.get_slot("eligibility_outcome")
    if outcome:
        offer_after_decision(dispatcher, language, outcome)
    else:
        say(dispatcher, language, "offer-check", buttons=(CHECK,))


class ActionGreet(_Answer):
    """The greeting; from a 2nd-report link (`prefill`), the incidents filled in, the greeting,
    and the eligibility check going on."""

    action_name = "action_greet"

    async def run(self, dispatcher, tracker, domain):
        language = language_of(tracker)
        prefilled = await take_prefill(dispatcher, tracker, language)
        if prefilled is None:
            return await super().run(dispatcher, tracker, domain)
        return prefilled

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "greet", service=service.deployment().service_name)
        say(dispatcher, language, "greet-menu", buttons=MENU)
        others = language_buttons(language)
        if others:
            say(dispatcher, language, "greet-languages", buttons=others)


class ActionExplainCaseReview(_Answer):
    action_name = "action_explain_case_review"

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "explain-what", area=service.area().name)
        say(dispatcher, language, "explain-not")
        threshold_lines(dispatcher, language)
        say(dispatcher, language, "offer-check", buttons=(CHECK,))


class ActionExplainEligibility(_Answer):
    action_name = "action_explain_eligibility"

    def answer(self, dispatcher, tracker, language):
        threshold_lines(dispatcher, language)
        say(dispatcher, language, "offer-check", buttons=(CHECK,))


class ActionExplainWhoCanApply(_Answer):
    action_name = "action_explain_who_can_apply"

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "explain-who")
        say(dispatcher, language, "offer-check", buttons=(CHECK,))


class ActionExplainProcess(_Answer):
    action_name = "action_explain_process"
    offers_next_step = True

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "explain-process", **procedure_dates())


class ActionExplainTimescales(_Answer):
    action_name = "action_explain_timescales"
    offers_next_step = True

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "explain-timescales", **procedure_dates())


class ActionExplainDataSharing(_Answer):
    action_name = "action_explain_data_sharing"
    offers_next_step = True

    def answer(self, dispatcher, tracker, language):
        say(
            dispatcher,
            language,
            "explain-data",
            agencies=", ".join(service.area().partner_agencies),
        )


def window_message(prefix: str) -> tuple[str, dict[str, Any]]:
    """The message saying the deployment's window for an escalation request (`<prefix>` in
    working days, `<prefix>-weeks` in calendar weeks) and its parameters."""
    area = service.area()
    settings = settings_of(area)
    params = {"escalation_to": area.procedure.escalation_to}
    if settings.window_weeks is not None:
        return f"{prefix}-weeks", {**params, "weeks": settings.window_weeks}
    return prefix, {**params, "days": settings.window_working_days}


class ActionExplainEscalation(_Answer):
    """Who can ask for the case review to be looked at again, by when, on what grounds; then,
    away from a form, the offer to ask now (yes: the escalation form, see rules.yml), unless the
    conversation is on its way to an application (checked or sent here): its next step then."""

    action_name = "action_explain_escalation"

    def answer(self, dispatcher, tracker, language):
        msg_id, params = window_message("explain-escalation")
        say(dispatcher, language, msg_id, **params)
        say(dispatcher, language, "escalation-grounds")
        complaint_link(dispatcher, language)
        if tracker.active_loop_name:
            return
        # Someone part-way through (checked, or applied, in this conversation) is offered their
        # own next step: there is no decision to ask about yet.
        if tracker.get_slot("escalation_case") or not (
                tracker.get_slot("reference") or tracker.get_slot("eligibility_outcome")):
            say(dispatcher, language, "escalation-offer", buttons=(
                Button("choice-yes", "/affirm"), Button("button-not-now", "/deny")))
        else:
            offer_next_step(dispatcher, tracker, language)


class ActionExplainSupport(_Answer):
    action_name = "action_explain_support"
    offers_next_step = True

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "support-national")
        for local in service.area().support_services:
            say(dispatcher, language, "support-local", name=in_language(local.name, language),
                description=in_language(local.description, language))
            if local.phone:
                say(dispatcher, language, "contact-phone", phone=local.phone)
            if local.url:
                say(dispatcher, language, "contact-website", url=local.url)


def contact_lines(dispatcher: CollectingDispatcher, language: str) -> None:
    """How to reach a person at the lead agency: every route the deployment gives."""
    agency = service.area().lead_agency
    contact = agency.contact
    say(dispatcher, language, "human-intro", agency=agency.name,
        hours=in_language(contact.opening_hours, language))
    say(dispatcher, language, "contact-phone", phone=contact.phone)
    if contact.textphone:
        say(dispatcher, language, "contact-textphone", textphone=contact.textphone)
    if contact.email:
        say(dispatcher, language, "contact-email", email=contact.email)
    if contact.post:
        say(dispatcher, language, "contact-post", post=contact.post)


class ActionEmergency(_Answer):
    """999 first. Inside a form, the form asks its question again next (see rules.yml)."""

    action_name = "action_emergency"

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "emergency")
        say(dispatcher, language, "emergency-carry-on" if tracker.active_loop_name
            else "emergency-ready", buttons=() if tracker.active_loop_name else MENU)


class ActionReportIncident(_Answer):
    action_name = "action_report_incident"
    offers_next_step = True

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "report-incident")
        contact = service.area().lead_agency.contact
        if contact.report_online_url:
            say(dispatcher, language, "report-online", url=contact.report_online_url)
        say(dispatcher, language, "report-then-review")


class ActionComplaint(_Answer):
    action_name = "action_complaint"
    offers_next_step = True

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "complaint")
        complaint_link(dispatcher, language)


class ActionHuman(_Answer):
    action_name = "action_human"
    offers_next_step = True

    def answer(self, dispatcher, tracker, language):
        contact_lines(dispatcher, language)


class _OneMessage(_Answer):
    """One catalog message, maybe with buttons."""

    msg_id: str
    buttons: tuple[Button, ...] = ()

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, self.msg_id, buttons=self.buttons)


class ActionFallback(_OneMessage):
    """Anything else: say so, and offer what it can do. It is also the core fallback (no action
    is confident), so it forgets the message it could not place, as Rasa's default fallback does:
    otherwise the same prediction comes round again until the circuit breaker stops the turn."""

    action_name, msg_id, buttons = "action_fallback", "fallback", MENU
    # Intents whose rules run this action; anything else reached it as the core fallback.
    by_rule = ("nlu_fallback", "out_of_scope")

    def answer(self, dispatcher, tracker, language):
        super().answer(dispatcher, tracker, language)
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent in self.by_rule:
            return []
        # Forgetting the message also undoes what was set after it: the language it changed to
        # (the reply above is already in that language) stays.
        kept = tracker.get_slot("language")
        return [UserUtteranceReverted(), *([SlotSet("language", kept)] if kept else [])]


class ActionGoodbye(_OneMessage):
    action_name, msg_id = "action_goodbye", "goodbye"


class ActionThank(_OneMessage):
    action_name, msg_id = "action_thank", "thank"


class ActionNotNow(_OneMessage):
    """They do not want to go on now: no pressure, what else it can do."""

    action_name, msg_id, buttons = "action_not_now", "not-now", MENU


class ActionConfirmStop(_Answer):
    """"Stop, delete what I said" or "start again" typed: ask first. Remembers the form it
    interrupted."""

    action_name = "action_confirm_stop"

    def answer(self, dispatcher, tracker, language):
        # "Start again" typed reaches here too (the Rasa server's reading marks it `restart`):
        # starting again forgets the answers, so it is asked first in the same way.
        restart = "restart" in entity_values(tracker, "choice")
        say(dispatcher, language, "restart-confirm" if restart else "stop-confirm", buttons=(
            Button("restart-yes" if restart else "choice-stop-delete", "/affirm"),
            Button("choice-stop-keep", "/deny")))
        # The form, if any, waits: the yes or no that follows is not an answer to its question.
        return [SlotSet("paused_form", tracker.active_loop_name), ActiveLoop(None),
                SlotSet("requested_slot", None)]


def forget(language: str | None) -> list:
    """Every slot cleared, the form closed; only the language stays."""
    return [ActiveLoop(None), AllSlotsReset(), SlotSet("language", language)]


class ActionForget(_Answer):
    action_name = "action_forget"

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "stop-done", buttons=(WHAT_IS_IT, CHECK))
        return forget(tracker.get_slot("language"))


class ActionCarryOn(_Answer):
    """They did not want to stop after all: back to the question they were on."""

    action_name = "action_carry_on"

    def answer(self, dispatcher, tracker, language):
        form = tracker.get_slot("paused_form")
        if form:
            say(dispatcher, language, "carry-on")
            return [SlotSet("paused_form", None), FollowupAction(form)]
        say(dispatcher, language, "not-now", buttons=MENU)
        return []


class ActionRestart(_Answer):
    """"Start again" (the widget sends /restart): overrides Rasa's own `action_restart` so the
    new conversation keeps its language."""

    action_name = "action_restart"

    def answer(self, dispatcher, tracker, language):
        say(dispatcher, language, "start-again", buttons=MENU)
        return [Restarted(), SlotSet("language", tracker.get_slot("language"))]
