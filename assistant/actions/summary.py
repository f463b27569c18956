"""The application's summary, its last question (`review_choice`): every answer with its "Change"
button, the incidents with the decision, then "Send". What each "Change" empties is `CHANGES`;
the application form (`validate_review_choice`) empties it so the form asks it again.
"""

from __future__ import annotations

from datetime import date

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import choices
from assistant.actions.eligibility_form import decide_incidents, explain_decision
from assistant.actions.messages import Button, day_in_words, language_of, render, say

# What a "Change" button empties: the answer and the answers that depend on it.
CHANGES = {
    "applicant_role": ("applicant_role", "applicant_name", "applicant_relationship",
                       "applicant_contact", "victim_consent", "consent_exception_reason"),
    "applicant_name": ("applicant_name",),
    "applicant_relationship": ("applicant_relationship",),
    "applicant_contact": ("applicant_contact",),
    "victim_consent": ("victim_consent", "consent_exception_reason"),
    "victim_kind": ("victim_kind",),
    "victim_name": ("victim_name",),
    "victim_address": ("victim_address", "victim_postcode"),
    "victim_postcode": ("victim_postcode",),
    "contact_preferred": ("contact_preferred", "contact_phone", "contact_email", "safe_to_call"),
    "contact_phone": ("contact_phone",),
    "contact_email": ("contact_email",),
    "safe_to_call": ("safe_to_call",),
    "safe_times": ("safe_times",),
    "interpreter_language": ("interpreter_language",),
    "accessibility_needs": ("accessibility_needs",),
    "impact": ("impact",),
    "vulnerabilities": ("vulnerabilities",),
    "support_wanted": ("support_wanted",),
}
# "Change" the incidents: the eligibility questions are asked again inside the application form.
INCIDENTS = "incidents"
SEND = "send"


def change_button(field: str) -> Button:
    return Button(f"change-{field.replace('_', '-')}", choices.payload(f"change:{field}"))


def typed_change_field(text: str | None) -> str | None:
    """The answer whose "Change …" button title the text is."""
    return next((field for field in [*CHANGES, INCIDENTS]
                 if choices.is_title(text, change_button(field).title)), None)


def summary_value(tracker: Tracker, slot: str, language: str) -> str | None:
    """An answer as the summary shows it; None for a question that was not asked."""
    value = tracker.get_slot(slot)
    if value is None:
        return None
    if isinstance(value, bool):
        return render(language, choices.title_id(choices.YES if value else choices.NO))
    if slot in ("applicant_role", "victim_consent", "victim_kind", "contact_preferred",
                "safe_to_call"):
        return render(language, choices.title_id(value))
    if value == "":
        return render(language, choices.title_id("none"))
    return str(value)


def show_summary(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    language = language_of(tracker)
    say(dispatcher, language, "summary-intro")
    incidents = tracker.get_slot("incidents") or []
    for number, incident in enumerate(incidents, start=1):
        agencies = ", ".join(render(language, choices.title_id(a))
                             for a in incident["reported_to"])
        occurred = date.fromisoformat(incident["occurred_on"])
        day = (render(language, "date-approximate", day=occurred)
               if incident.get("occurred_on_approximate") else day_in_words(occurred, language))
        say(dispatcher, language, "summary-incident", number=number, day=day,
            reported=day_in_words(date.fromisoformat(incident["reported_on"]), language),
            agencies=agencies)
    if incidents:
        explain_decision(dispatcher, language, decide_incidents(
            incidents, tracker.get_slot("at_risk") is True), incidents)
    say(dispatcher, language, "summary-incidents-change", buttons=[change_button(INCIDENTS)])
    for slot in CHANGES:
        shown = summary_value(tracker, slot, language)
        if shown is None:
            continue
        say(dispatcher, language, "summary-line", label=render(language, f"label-{slot}".replace(
            "_", "-")), value=shown, buttons=[change_button(slot)])
    say(dispatcher, language, "summary-send", buttons=choices.buttons("review"),
        custom={"asks": "review_choice"})


class ActionAskReviewChoice(Action):
    """The summary is the question: every answer with its "Change" button, then "Send"."""

    def name(self) -> str:
        return "action_ask_review_choice"

    async def run(self, dispatcher, tracker, domain):
        show_summary(dispatcher, tracker)
        return []
