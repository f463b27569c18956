"""The report date question reads "the same day" and "the next day" from the incident date, in
the conversation's language, through the real form validation; the incident date question has no
such anchor and asks again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.eligibility_form import ValidateEligibilityForm
from assistant.actions.messages import render
from tests.assistant.trackers import (
    DOMAIN,
    TODAY,
    answered,
    message,
    next_question,
    said,
    slot_events,
)

FORM = "eligibility_form"
OCCURRED = TODAY - timedelta(days=9)


async def run_form(slot: str, text: str, slots: dict) -> tuple[CollectingDispatcher, dict]:
    dispatcher = CollectingDispatcher()
    before = answered(FORM, slot, message(text), slots)
    events = await ValidateEligibilityForm().run(dispatcher, before, DOMAIN)
    return dispatcher, {**slot_events(events),
                        "requested_slot": await next_question(ValidateEligibilityForm(), before.slots, events)}


def incident(language: str, occurred: date = OCCURRED, approximate: bool = False) -> dict:
    return {"language": language, "incident_date": occurred.isoformat(),
            "incident_date_approximate": approximate}


@pytest.mark.parametrize(("language", "text", "days_after"), [
    ("en", "the next day", 1),
    ("en", "same day", 0),
    ("cy", "yr un diwrnod", 0),
    ("cy", "y diwrnod wedyn", 1),
    ("pl", "następnego dnia", 1),
    ("ro", "în aceeași zi", 0),
    ("pt", "no dia seguinte", 1),
    ("es", "el mismo día", 0),
    ("ar", "في اليوم التالي", 1),
    ("ur", "agle din", 1),
    ("pa", "ਉਸੇ ਦਿਨ", 0),
    ("bn", "পরের দিন", 1),
    ("en", "three days later", 3),
])
async def test_the_report_date_is_read_from_the_incident_date(language, text, days_after):
    reported = OCCURRED + timedelta(days=days_after)
    dispatcher, slots = await run_form("report_date", text, incident(language))
    assert slots["report_date"] == reported.isoformat()
    assert slots["requested_slot"] == "report_agencies"
    assert render(language, "date-noted", day=reported) in said(dispatcher)


async def test_the_same_day_as_an_approximate_incident_date_is_that_date():
    _, slots = await run_form("report_date", "same day", incident("en", approximate=True))
    assert slots["report_date"] == OCCURRED.isoformat()


async def test_the_next_day_after_an_incident_today_is_in_the_future():
    dispatcher, slots = await run_form("report_date", "the next day", incident("en", TODAY))
    assert slots["report_date"] is None
    assert render("en", "date-in-future", today=TODAY) in said(dispatcher)


@pytest.mark.parametrize(("language", "text"), [
    ("en", "the same day"), ("cy", "y diwrnod wedyn"), ("bn", "একই দিনে"), ("es", "al día siguiente"),
])
async def test_the_incident_date_has_no_anchor_so_it_asks_again(language, text):
    dispatcher, slots = await run_form("incident_date", text, {"language": language})
    assert slots["incident_date"] is None
    assert slots["requested_slot"] == "incident_date"
    assert render(language, "date-not-understood") in said(dispatcher)
