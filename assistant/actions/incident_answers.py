"""The answers to the incident questions, read and checked one way in both forms: the eligibility
form asks them first, the application form again when the incidents are changed at its summary.

Each form takes the validators with `@validates_incidents`; rasa_sdk finds a slot's validator by
its name on the form (`validate_<slot>`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.actions import choices, service
from assistant.actions.messages import language_of, month_in_words, say
from assistant.understanding.days import understood_day

INCIDENT_SLOTS = (
    "incident_date",
    "incident_date_approximate",
    "report_date",
    "report_agencies",
    "incident_reference",
    "incident_hate",
    "more_incidents",
)


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


def yes_no(slot: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """A yes/no answer as true/false ("not sure" counts as no); None to ask again."""
    picked = choices.chosen(tracker, "yes_no", "not_sure")
    if picked is None:
        say(dispatcher, language_of(tracker), "choose-a-button")
        return {slot: None}
    return {slot: picked == choices.YES}


# The validators, as rasa_sdk calls them: the slot's value, the dispatcher, the tracker and the
# domain; each returns the slots to set.

def validate_incident_date(value, dispatcher, tracker, domain: DomainDict):
    day, approximate = read_date(dispatcher, tracker, value)
    if day is None:
        return {"incident_date": None}
    return {"incident_date": day.isoformat(), "incident_date_approximate": approximate}


def validate_report_date(value, dispatcher, tracker, domain: DomainDict):
    occurred = date.fromisoformat(tracker.get_slot("incident_date"))
    approximate = bool(tracker.get_slot("incident_date_approximate"))
    # An approximate incident date may fall after the report: the incident then happened on or
    # before the day it was reported.
    day, _ = read_date(dispatcher, tracker, value, None if approximate else occurred,
                       anchor=occurred)
    if day is None:
        return {"report_date": None}
    out: dict[str, Any] = {"report_date": day.isoformat()}
    if approximate and day < occurred:
        out["incident_date"] = day.isoformat()
    return out


def validate_report_agencies(value, dispatcher, tracker, domain: DomainDict):
    agencies = [a for a in choices.entity_values(tracker, "agency")
                if a in choices.QUESTIONS["agency"]]
    if not agencies:
        picked = choices.chosen(tracker, "agency")
        agencies = picked.split("+") if picked else []
    if not agencies:
        say(dispatcher, language_of(tracker), "agency-not-understood")
        return {"report_agencies": None}
    return {"report_agencies": agencies}


def validate_incident_reference(value, dispatcher, tracker, domain: DomainDict):
    if choices.chosen(tracker, "no_reference", "yes_no") in ("no_reference", choices.NO):
        return {"incident_reference": ""}
    if choices.chosen(tracker, "yes_no") == choices.YES:
        say(dispatcher, language_of(tracker), "reference-type-it")
        return {"incident_reference": None}
    found = choices.entity_values(tracker, "reference")
    text = found[0] if found else str(value).strip()
    return {"incident_reference": text[:100]}


def validate_incident_hate(value, dispatcher, tracker, domain: DomainDict):
    return yes_no("incident_hate", dispatcher, tracker)


def validate_more_incidents(value, dispatcher, tracker, domain: DomainDict):
    picked = choices.chosen(tracker, "yes_no")
    if picked is None:
        say(dispatcher, language_of(tracker), "choose-a-button")
        return {"more_incidents": None}
    incidents = [*(tracker.get_slot("incidents") or []), incident_record(tracker)]
    if picked == choices.YES:
        return {"incidents": incidents, **{slot: None for slot in INCIDENT_SLOTS}}
    return {"incidents": incidents, "more_incidents": False}


def validate_at_risk(value, dispatcher, tracker, domain: DomainDict):
    return yes_no("at_risk", dispatcher, tracker)


# By the name rasa_sdk looks for on the form.
VALIDATORS: dict[str, Callable[..., dict[str, Any]]] = {f.__name__: f for f in (
    validate_incident_date, validate_report_date, validate_report_agencies,
    validate_incident_reference, validate_incident_hate, validate_more_incidents, validate_at_risk,
)}
Form = TypeVar("Form", bound=type[FormValidationAction])


def validates_incidents(form: Form) -> Form:
    """The form, with each incident slot's validator where rasa_sdk looks for it (`validate_<slot>`
    on the form). A validator the form writes itself stays: it may call the one here."""
    for name, validator in VALIDATORS.items():
        if name not in vars(form):
            setattr(form, name, staticmethod(validator))
    return form
