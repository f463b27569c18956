"""Answers as the forms record them in slots, for the action tests: an incident, a victim who
has answered every question up to consent, the same victim having consented, and `submit`, which
sends such answers with the submission action."""

from __future__ import annotations

from datetime import date, timedelta

from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.application_form import consent_wording, wording_version
from assistant.actions.submission import ActionSubmitApplication
from tests.assistant.trackers import TODAY, slot_events, tracker


def incident(occurred: date, reported: date, agencies=("police",), hate=False) -> dict:
    return {
        "occurred_on": occurred.isoformat(),
        "occurred_on_approximate": False,
        "reported_on": reported.isoformat(),
        "reported_to": list(agencies),
        "reference": None,
        "description": None,
        "hate_related": hate,
    }


INCIDENT = incident(TODAY - timedelta(days=20), TODAY - timedelta(days=19), ("police", "council"))
# A victim applying for themselves, every answer given up to consent.
VICTIM = {
    "incidents": [INCIDENT] * 3,
    "applicant_role": "victim",
    "victim_kind": "individual",
    "victim_name": "Sam Jones",
    "victim_address": "4 Mill Lane, Anytown",
    "victim_postcode": "AN1 2BB",
    "contact_preferred": "email",
    "contact_email": "sam@example.org",
    "safe_times": "after 6pm",
    "interpreter_language": "",
    "accessibility_needs": "",
    "impact": "I can't sleep.",
    "vulnerabilities": "",
    "support_wanted": True,
}


def consented(language: str = "en", **more) -> dict:
    """VICTIM in `language`, having agreed to share the consent wording shown, and chosen to
    send."""
    wording = consent_wording(language)
    return {**VICTIM, "language": language, "consent_share": True, "consent_wording": wording,
            "consent_wording_version": wording_version(wording), "consent_language": language,
            "consent_given_at": "2026-03-10T11:30:00+00:00", "review_choice": "send", **more}


async def submit(slots, sender="conversation-1"):
    """The submission action run on these answers: what it said, and the slots it set."""
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitApplication().run(dispatcher, tracker(slots, sender=sender), {})
    return dispatcher, slot_events(events)
