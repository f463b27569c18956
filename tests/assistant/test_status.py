""""Where is my application?": the status form reads the reference as people type it and the
postcode; the check asks the real handoff service (in this process, on a free loopback port, as
the `intake` fixture) and says what the inbox recorded in the conversation's language, never a
word about a reference without its postcode, and forgets both answers after each check."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta

import aiohttp
import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.answers import MENU, STATUS, ActionGreet
from assistant.actions.messages import render
from assistant.actions.status import (
    STATUS_TRIES,
    ActionCheckStatus,
    ValidateStatusForm,
    reference_in,
)
from deployment import load_deployment
from handoff.procedure import deadline_of, stages_of
from handoff.reference import check_character
from stack import free_port
from tests.assistant.handoff_service import TOKEN as INTAKE_TOKEN
from tests.assistant.slots import consented, submit
from tests.assistant.trackers import (
    DOMAIN,
    TODAY,
    answered,
    button_titles,
    message,
    said,
    slot_events,
    tracker,
)

FORM = "status_form"
BODY = "7F3K9"
REFERENCE = f"ASB-2026-{BODY}{check_character(BODY)}"


def typed(reference: str) -> str:
    """As someone types it: lower case, no hyphens, a space in the middle."""
    compact = reference.replace("-", "").lower()
    return compact[:7] + " " + compact[7:]


def wrong_check(reference: str) -> str:
    return reference[:-1] + next(c for c in "ABCDEFGH" if c != reference[-1])


# -- the form ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    REFERENCE, REFERENCE.lower(), typed(REFERENCE), f"it's {REFERENCE}.",
    "my ref is asb 2026 " + " ".join(REFERENCE[-6:].lower()), "2026-" + REFERENCE[-6:],
])
def test_a_reference_is_found_as_people_type_it(text):
    assert reference_in(text) == REFERENCE


@pytest.mark.parametrize("text", [wrong_check(REFERENCE), "ASB-2026-7F3K9", "i lost it", ""])
def test_anything_else_is_no_reference(text):
    assert reference_in(text) is None


async def validate(slot: str, text: str, slots: dict | None = None, language: str = "en"):
    dispatcher = CollectingDispatcher()
    before = answered(FORM, slot, message(text), {"language": language, **(slots or {})})
    events = await ValidateStatusForm().run(dispatcher, before, DOMAIN)
    return dispatcher, slot_events(events)


async def test_the_reference_typed_is_kept_in_its_printed_form():
    dispatcher, slots = await validate("status_reference", typed(REFERENCE))
    assert slots["status_reference"] == REFERENCE
    assert said(dispatcher) == ""


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_a_reference_that_cannot_be_one_is_asked_again(language):
    dispatcher, slots = await validate("status_reference", wrong_check(REFERENCE),
                                       language=language)
    assert slots["status_reference"] is None
    assert said(dispatcher) == render(language, "status-reference-not-understood")


async def test_the_postcode_is_read_and_a_wrong_one_asked_again():
    _, slots = await validate("status_postcode", "an1 2bb", {"status_reference": REFERENCE})
    assert slots["status_postcode"] == "AN1 2BB"
    dispatcher, slots = await validate("status_postcode", "next to the park")
    assert slots["status_postcode"] is None
    assert said(dispatcher) == render("en", "postcode-not-understood")


async def test_nothing_is_asked_once_the_conversation_used_its_tries():
    form = ValidateStatusForm()
    asked = await form.required_slots([], CollectingDispatcher(), tracker(), {})
    assert asked == ["status_reference", "status_postcode"]
    spent = tracker({"status_tries": STATUS_TRIES})
    assert await form.required_slots([], CollectingDispatcher(), spent, {}) == []


async def test_the_menu_offers_the_check():
    assert STATUS in MENU
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, tracker({"language": "cy"}), {})
    assert render("cy", "button-status") in button_titles(dispatcher)


# -- the check against the real handoff service ---------------------------------------------------


async def applied(sender: str = "applying") -> str:
    _, slots = await submit(consented(), sender=sender)
    return slots["reference"]


async def check(reference: str, postcode: str, language: str = "en", tries: int = 0,
                sender: str = "checking"):
    dispatcher = CollectingDispatcher()
    slots = {"language": language, "status_reference": reference, "status_postcode": postcode,
             "status_tries": tries}
    events = await ActionCheckStatus().run(dispatcher, tracker(slots, sender=sender), {})
    return dispatcher, slot_events(events)


@pytest.mark.parametrize("language", ["en", "cy", "pl"])
async def test_a_new_application_is_received_and_waits_for_the_decision(intake, language):
    reference = await applied()
    due = date.fromisoformat(intake.application(reference)["document"]["deadlines"][
        "threshold_decision_due"])
    dispatcher, slots = await check(reference_in(typed(reference)), "an1 2bb", language)
    text = said(dispatcher)
    assert render(language, "status-found", reference=reference, day=TODAY) in text
    assert render(language, "status-next-wait-decision", day=due) in text
    assert slots == {"status_reference": None, "status_postcode": None}  # forgotten


async def test_a_decision_past_its_due_day_is_said_to_be_late_with_whom_to_contact(
        intake, monkeypatch):
    reference = await applied()
    due = date.fromisoformat(intake.application(reference)["document"]["deadlines"][
        "threshold_decision_due"])
    monkeypatch.setenv("ASB_TODAY", (due + timedelta(days=1)).isoformat())
    dispatcher, _ = await check(reference, "AN1 2BB")
    assert render("en", "status-next-decision-late", day=due) in said(dispatcher)
    assert render("en", "status-next-wait-decision", day=due) not in said(dispatcher)
    assert load_deployment().area().lead_agency.contact.phone in said(dispatcher)


def record(store, reference: str, threshold_met: bool, decided: date,
           held: date | None = None, told: date | None = None) -> None:
    store.record_outcome(reference, {
        "threshold_met": threshold_met, "threshold_decided_on": decided,
        "review_held_on": held, "recommendations_made": True if held else None},
        "casey", "2026-03-12T10:00:00+00:00")
    if told:
        store.record_progress(reference, {"review_meeting_on": held, "outcome_on": told},
                              "casey", "2026-04-02T10:00:00+00:00")


async def test_a_review_going_ahead_says_when_the_meeting_is_planned(intake):
    reference = await applied()
    record(intake, reference, True, date(2026, 3, 12))
    intake.record_progress(reference, {"review_meeting_on": date(2026, 3, 30)}, "casey",
                           "2026-03-12T10:00:00+00:00")
    dispatcher, _ = await check(reference, "AN1 2BB", "ar")
    assert said(dispatcher).split("\n")[1:] == [
        render("ar", "status-threshold-met", day=date(2026, 3, 12)),
        render("ar", "status-meeting-planned", day=date(2026, 3, 30)),
        render("ar", "status-next-wait-outcome")]


async def test_the_outcome_recorded_says_when_and_how_to_ask_for_it_to_be_looked_at_again(
        intake, monkeypatch):
    reference = await applied()
    decided, held, told = date(2026, 3, 12), date(2026, 4, 1), date(2026, 4, 2)
    record(intake, reference, True, decided, held, told)
    monkeypatch.setenv("ASB_TODAY", "2026-04-07")
    dispatcher, _ = await check(reference, "AN1 2BB", "cy")
    text = said(dispatcher)
    area = load_deployment().area()
    for msg_id, params in [
        ("status-threshold-met", {"day": decided}),
        ("status-meeting-held", {"day": held}),
        ("status-outcome-recommendations", {"day": told}),
        ("status-next-can-escalate", {"day": deadline_of(area, told),
                                      "escalation_to": area.procedure.escalation_to}),
        ("status-escalation-how", {}),
    ]:
        assert render("cy", msg_id, **params) in text, msg_id
    assert area.lead_agency.contact.phone in text


async def test_past_the_window_it_says_the_day_it_closed(intake, monkeypatch):
    reference = await applied()
    decided = date(2026, 3, 12)
    record(intake, reference, False, decided)
    last_day = deadline_of(load_deployment().area(), decided)
    monkeypatch.setenv("ASB_TODAY", (last_day + timedelta(days=1)).isoformat())
    dispatcher, _ = await check(reference, "AN1 2BB")
    text = said(dispatcher)
    assert render("en", "status-threshold-not-met", day=decided) in text
    assert render("en", "status-next-window-closed", day=last_day) in text
    assert render("en", "status-escalation-how") not in text


async def test_an_escalation_asked_for_is_said_with_its_reference_and_last_stage(
        intake, monkeypatch):
    reference = await applied()
    record(intake, reference, False, date(2026, 3, 12))
    monkeypatch.setenv("ASB_TODAY", "2026-03-16")
    url = os.environ["ASB_HANDOFF_URL"] + "/api/v1/escalations"
    body = {"schema_version": "1", "reference": reference, "postcode": "AN1 2BB",
            "requested_by": "applicant", "grounds": ["A"], "reasons": "They missed a report.",
            "consent": {"given": True, "wording_version": "escalation-1"}, "language": "en"}
    async with aiohttp.ClientSession() as http, http.post(url, data=json.dumps(body), headers={
            "Authorization": f"Bearer {INTAKE_TOKEN}", "Content-Type": "application/json",
            "Idempotency-Key": "escalation-test-1"}) as response:
        answer = await response.json()
        assert response.status == 201, answer
    dispatcher, _ = await check(reference, "AN1 2BB")
    text = said(dispatcher)
    last_stage = stages_of(load_deployment().area(), date(2026, 3, 16))[-1]["due_by"]
    assert render("en", "status-next-escalation-requested", day=date(2026, 3, 16),
                  escalation=answer["reference"]) in text
    assert render("en", "status-escalation-last-stage",
                  day=date.fromisoformat(last_stage)) in text


async def test_a_wrong_postcode_says_nothing_of_the_reference_and_offers_to_try_again(intake):
    reference = await applied()
    dispatcher, slots = await check(typed(reference), "AN9 9ZZ")
    assert said(dispatcher) == render("en", "status-not-found")
    assert reference not in said(dispatcher)
    assert button_titles(dispatcher) == [render("en", "button-try-again"),
                                         render("en", "button-human")]
    assert slots == {"status_reference": None, "status_postcode": None, "status_tries": 1}


async def test_the_last_wrong_try_stops_and_gives_the_lead_agency(intake):
    reference = await applied()
    dispatcher, slots = await check(reference, "AN9 9ZZ", tries=STATUS_TRIES - 1)
    assert render("en", "status-not-found-stop") in said(dispatcher)
    assert load_deployment().area().lead_agency.contact.phone in said(dispatcher)
    assert button_titles(dispatcher) == []
    assert slots["status_tries"] == STATUS_TRIES


async def test_too_many_tries_at_the_service_say_when_to_try_again(intake):
    reference = await applied()
    limit = load_deployment().handoff.status.reference_attempts
    for attempt in range(limit):  # each from its own conversation: the reference's limit
        await check(reference, "AN9 9ZZ", sender=f"guess-{attempt}")
    dispatcher, _ = await check(reference, "AN1 2BB", sender="the-applicant")
    text = said(dispatcher)
    before_time = render("en", "status-wait", time="{time}").split("{time}")[0]
    assert before_time in text
    assert render("en", "status-found", reference=reference, day=TODAY) not in text


async def test_the_service_down_is_said_plainly_with_try_again(monkeypatch):
    monkeypatch.setenv("ASB_HANDOFF_URL", f"http://127.0.0.1:{free_port()}")
    dispatcher, slots = await check(REFERENCE, "AN1 2BB")
    assert said(dispatcher) == render("en", "status-failed")
    assert button_titles(dispatcher) == [render("en", "button-try-again")]
    assert slots == {"status_reference": None, "status_postcode": None}
