"""The application: who is applying (and the victim's consent when it is someone else), the
victim, safe contact, interpreter and accessibility needs, the impact in their own words,
vulnerabilities and support, consent to share, then the summary (`assistant.actions.summary`)
where any answer can be changed.

The summary is the form's last question (`review_choice`): "Send" completes the form; "Change X"
empties X so the form asks it again, then shows the summary again. Changing the incidents asks
the eligibility questions again inside this form.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.actions import choices, incident_answers, service
from assistant.actions.eligibility_form import QUESTIONS as INCIDENT_QUESTIONS
from assistant.actions.incident_answers import validates_incidents, yes_no
from assistant.actions.messages import language_of, render, say
from assistant.actions.questions import (
    Question,
    QuestionsForm,
    ask_actions,
    on_behalf,
)
from assistant.actions.summary import CHANGES, INCIDENTS, SEND, typed_change_field
from eligibility import clock

CONSENT_MSG = "ask-consent-share"
CONSENT_GIVEN_BY = {"agrees": "third_party_with_consent", "cannot_consent": "without_consent",
                    "at_risk": "without_consent"}
POSTCODE = re.compile(r"\b([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})\b")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+?\d[\d ()-]{8,}\d")


def consent_params(tracker: Tracker | None = None) -> dict[str, Any]:
    """The consent question's values: the area's partner agencies, whoever is asked (the
    question's `params` gives the tracker; `consent_wording` has none)."""
    return {"agencies": ", ".join(service.area().partner_agencies)}


def consent_wording(language: str) -> str:
    """The exact consent words shown, in the conversation's language."""
    return render(language, CONSENT_MSG, **consent_params())


def consent_wording_in_english(language: str | None, wording: str | None) -> str | None:
    """The consent words shown in `language`, in English, for the agency (the document's
    `consent.wording_in_english`): None when the words shown are no longer what the catalogs
    say (changed since), so the English is always of the very words shown."""
    if not wording or not language or consent_wording(language) != wording:
        return None
    return consent_wording("en")


def wording_version(wording: str) -> str:
    """Identifies the words shown: changing them (or the partner agencies) changes it."""
    return "1-" + hashlib.sha256(wording.encode("utf-8")).hexdigest()[:12]


QUESTIONS = {
    "applicant_role": Question("ask-applicant-role", choices=("applicant_role",)),
    "applicant_name": Question("ask-applicant-name", purpose="name", always_own=True,
                               free_text=True),
    "applicant_relationship": Question("ask-applicant-relationship", choices=("relationship",),
                                       free_text=True),
    "applicant_contact": Question("ask-applicant-contact", free_text=True),
    "victim_consent": Question("ask-victim-consent", choices=("victim_consent",)),
    "consent_exception_reason": Question("ask-consent-exception-reason", free_text=True),
    "victim_kind": Question("ask-victim-kind", choices=("victim_kind",)),
    "victim_name": Question("ask-victim-name", purpose="name", free_text=True),
    "victim_address": Question("ask-victim-address", purpose="street-address", free_text=True),
    "victim_postcode": Question("ask-victim-postcode", purpose="postal-code"),
    "contact_preferred": Question("ask-contact-preferred", choices=("contact_preferred",)),
    "contact_phone": Question("ask-contact-phone", purpose="tel"),
    "contact_email": Question("ask-contact-email", purpose="email"),
    "safe_to_call": Question("ask-safe-to-call", choices=("yes_no",)),
    "safe_times": Question("ask-safe-times", choices=("any_time",), free_text=True),
    "interpreter_language": Question("ask-interpreter", choices=("none",), free_text=True),
    "accessibility_needs": Question("ask-accessibility", choices=("none",), free_text=True),
    "impact": Question("ask-impact", free_text=True),
    "vulnerabilities": Question("ask-vulnerabilities", choices=("none",), free_text=True),
    "support_wanted": Question("ask-support-wanted", choices=("yes_no",)),
    "consent_share": Question(CONSENT_MSG, choices=("yes_no",), params=consent_params),
}
ASK_ACTIONS = ask_actions(QUESTIONS)
# Asked again inside this form when the incidents are changed.
INCIDENTS_AGAIN = tuple(slot for slot in INCIDENT_QUESTIONS if slot != "at_risk")


def blocked(tracker: Tracker) -> bool:
    """No submission: the victim refused, or consent to share was not given."""
    return tracker.get_slot("victim_consent") == "refuses" or tracker.get_slot(
        "consent_share") is False


def application_slots(tracker: Tracker) -> list[str]:
    """The questions this application needs, in order, given the answers so far."""
    slots = ["applicant_role"]
    if on_behalf(tracker):
        slots += ["applicant_name", "applicant_relationship", "applicant_contact",
                  "victim_consent"]
        consent = tracker.get_slot("victim_consent")
        if consent == "refuses":
            return slots
        if consent in ("cannot_consent", "at_risk"):
            slots.append("consent_exception_reason")
    slots += ["victim_kind", "victim_name", "victim_address", "victim_postcode",
              "contact_preferred"]
    preferred = tracker.get_slot("contact_preferred")
    if preferred in ("phone", "text"):
        slots.append("contact_phone")
    if preferred == "email":
        slots.append("contact_email")
    if tracker.get_slot("contact_phone"):
        slots.append("safe_to_call")
    slots += ["safe_times", "interpreter_language", "accessibility_needs", "impact",
              "vulnerabilities", "support_wanted", "consent_share"]
    if tracker.get_slot("consent_share") is False:
        return slots
    return slots + ["review_choice"]


def _text(value: Any) -> str | None:
    """A free-text answer as typed, up to the deployment's message limit (the channels refuse
    longer messages and say the limit, so nothing is cut here in practice)."""
    text = str(value).strip() if value is not None else ""
    return text[:service.deployment().limits.message_characters] or None


def postcode_in(tracker: Tracker, text: str) -> str | None:
    """A UK postcode, from the NLU's `postcode` entity or the text, written "AN1 1AA"."""
    for candidate in [*choices.entity_values(tracker, "postcode"), text]:
        match = POSTCODE.search(candidate.upper())
        if match:
            return f"{match.group(1)} {match.group(2)}"
    return None


def found_in(tracker: Tracker, entity: str, pattern: re.Pattern[str], value: Any,
             dispatcher: CollectingDispatcher, not_understood: str) -> str | None:
    """What `pattern` finds in the NLU's first `entity` value, or else in the answer typed;
    None, saying `not_understood`, to ask again."""
    found = choices.entity_values(tracker, entity)
    match = pattern.search(found[0] if found else str(value or ""))
    if match is None:
        say(dispatcher, language_of(tracker), not_understood)
        return None
    return match.group(0)


@validates_incidents
class ValidateApplicationForm(QuestionsForm):
    """The application's questions, then the summary; changing the incidents there asks the
    incident questions again (their validators: `incident_answers`)."""

    questions = {**INCIDENT_QUESTIONS, **QUESTIONS}
    form_slots = (*QUESTIONS, "review_choice", *INCIDENTS_AGAIN)

    def name(self) -> str:
        return "validate_application_form"

    def is_button_title(self, slot: str, text: str | None) -> bool:
        if slot == "review_choice":
            return typed_change_field(text) is not None or choices.typed_choice(
                text, choices.QUESTIONS["review"]) is not None
        return super().is_button_title(slot, text)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if tracker.get_slot("review_choice") == INCIDENTS:
            return [*INCIDENTS_AGAIN, *application_slots(tracker)]
        return application_slots(tracker)

    def _choice(self, slot, question, dispatcher, tracker):
        picked = choices.chosen(tracker, question)
        if picked is None:
            say(dispatcher, language_of(tracker), "choose-a-button")
        return {slot: picked}

    def _free_text(self, slot, value, dispatcher, tracker, none_choice: str | None = None):
        if none_choice and choices.chosen(tracker, none_choice, "yes_no") in (
                none_choice, choices.NO):
            return {slot: ""}
        text = _text(value)
        if text is None or text.startswith("/"):
            say(dispatcher, language_of(tracker), "type-an-answer")
            return {slot: None}
        return {slot: text}

    def validate_more_incidents(self, value, dispatcher, tracker, domain):
        out = incident_answers.validate_more_incidents(value, dispatcher, tracker, domain)
        if out.get("more_incidents") is False:
            # The incidents are given again: back to the summary, with a fresh decision.
            out.update({"review_choice": None, "more_incidents": None})
            out.update({slot: None for slot in INCIDENTS_AGAIN})
        return out

    def validate_applicant_role(self, value, dispatcher, tracker, domain):
        return self._choice("applicant_role", "applicant_role", dispatcher, tracker)

    def validate_applicant_name(self, value, dispatcher, tracker, domain):
        return self._free_text("applicant_name", value, dispatcher, tracker)

    def validate_applicant_relationship(self, value, dispatcher, tracker, domain):
        picked = choices.chosen(tracker, "relationship")
        if picked:
            return {"applicant_relationship": render(language_of(tracker),
                                                     choices.title_id(picked))}
        return self._free_text("applicant_relationship", value, dispatcher, tracker)

    def validate_applicant_contact(self, value, dispatcher, tracker, domain):
        found = [*choices.entity_values(tracker, "phone"), *choices.entity_values(tracker, "email")]
        text = " ".join(found) or str(value or "")
        if not (PHONE.search(text) or EMAIL.search(text)):
            say(dispatcher, language_of(tracker), "applicant-contact-not-understood")
            return {"applicant_contact": None}
        return {"applicant_contact": text.strip()}

    def validate_victim_consent(self, value, dispatcher, tracker, domain):
        out = self._choice("victim_consent", "victim_consent", dispatcher, tracker)
        if out["victim_consent"] == "refuses":
            say(dispatcher, language_of(tracker), "victim-refuses")
        return out

    def validate_consent_exception_reason(self, value, dispatcher, tracker, domain):
        return self._free_text("consent_exception_reason", value, dispatcher, tracker)

    def validate_victim_kind(self, value, dispatcher, tracker, domain):
        return self._choice("victim_kind", "victim_kind", dispatcher, tracker)

    def validate_victim_name(self, value, dispatcher, tracker, domain):
        return self._free_text("victim_name", value, dispatcher, tracker)

    def validate_victim_address(self, value, dispatcher, tracker, domain):
        out = self._free_text("victim_address", value, dispatcher, tracker)
        if out["victim_address"]:
            postcode = postcode_in(tracker, out["victim_address"])
            if postcode:
                out["victim_postcode"] = postcode
        return out

    def validate_victim_postcode(self, value, dispatcher, tracker, domain):
        postcode = postcode_in(tracker, str(value or ""))
        if postcode is None:
            say(dispatcher, language_of(tracker), "postcode-not-understood")
        return {"victim_postcode": postcode}

    def validate_contact_preferred(self, value, dispatcher, tracker, domain):
        return self._choice("contact_preferred", "contact_preferred", dispatcher, tracker)

    def validate_contact_phone(self, value, dispatcher, tracker, domain):
        phone = found_in(tracker, "phone", PHONE, value, dispatcher, "phone-not-understood")
        return {"contact_phone": phone and " ".join(phone.split())}

    def validate_contact_email(self, value, dispatcher, tracker, domain):
        email = found_in(tracker, "email", EMAIL, value, dispatcher, "email-not-understood")
        return {"contact_email": email and email.rstrip(".,")}

    def validate_safe_to_call(self, value, dispatcher, tracker, domain):
        out = self._choice("safe_to_call", "yes_no", dispatcher, tracker)
        if out["safe_to_call"] == choices.NO:
            say(dispatcher, language_of(tracker), "never-call-noted")
        return out

    def validate_safe_times(self, value, dispatcher, tracker, domain):
        if choices.chosen(tracker, "any_time") == "any_time":
            return {"safe_times": render(language_of(tracker), choices.title_id("any_time"))}
        return self._free_text("safe_times", value, dispatcher, tracker)

    def validate_interpreter_language(self, value, dispatcher, tracker, domain):
        named = choices.entity_values(tracker, "language")
        if named:
            return {"interpreter_language": named[0]}
        if choices.chosen(tracker, "yes_no") == choices.YES:  # "yes" alone: which language?
            say(dispatcher, language_of(tracker), "interpreter-which-language")
            return {"interpreter_language": None}
        return self._free_text("interpreter_language", value, dispatcher, tracker, "none")

    def validate_accessibility_needs(self, value, dispatcher, tracker, domain):
        return self._free_text("accessibility_needs", value, dispatcher, tracker, "none")

    def validate_impact(self, value, dispatcher, tracker, domain):
        out = self._free_text("impact", value, dispatcher, tracker)
        if out["impact"]:
            say(dispatcher, language_of(tracker), "impact-thanks")
        return out

    def validate_vulnerabilities(self, value, dispatcher, tracker, domain):
        return self._free_text("vulnerabilities", value, dispatcher, tracker, "none")

    def validate_support_wanted(self, value, dispatcher, tracker, domain):
        return yes_no("support_wanted", dispatcher, tracker)

    def validate_consent_share(self, value, dispatcher, tracker, domain):
        picked = choices.chosen(tracker, "yes_no")
        language = language_of(tracker)
        if picked is None:
            say(dispatcher, language, "choose-a-button")
            return {"consent_share": None}
        if picked == choices.NO:
            return {"consent_share": False}
        wording = consent_wording(language)
        return {
            "consent_share": True,
            "consent_wording": wording,
            "consent_wording_version": wording_version(wording),
            "consent_language": language,
            "consent_given_at": clock.now().isoformat(timespec="seconds"),
        }

    def validate_review_choice(self, value, dispatcher, tracker, domain: DomainDict):
        entity = [v for v in choices.entity_values(tracker, "choice") if v.startswith("change:")]
        field = (entity[0].split(":", 1)[1] if entity
                 else typed_change_field((tracker.latest_message or {}).get("text")))
        if field == INCIDENTS:
            return {"review_choice": INCIDENTS, "incidents": [], "more_incidents": None,
                    **{slot: None for slot in INCIDENTS_AGAIN}}
        if field in CHANGES:
            return {"review_choice": None, **{slot: None for slot in CHANGES[field]}}
        if choices.chosen(tracker, "review", "yes_no") in (SEND, choices.YES):
            return {"review_choice": SEND}
        say(dispatcher, language_of(tracker), "review-choose")
        return {"review_choice": None}

