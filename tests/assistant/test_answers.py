"""Explaining and triage: every figure and contact from the deployment, every date from the
procedure's working days (computed here with the eligibility engine, never typed in)."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import answers, service
from assistant.actions.messages import day_in_words
from deployment.config import in_language
from eligibility import Nation, add_working_days
from tests.assistant.trackers import TODAY, button_titles, message, said, slot_events, tracker


async def run(action, **slots):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(slots, active_loop=slots.pop(
        "active_loop", None)), {})
    return dispatcher, events


async def test_greets_with_the_service_name_the_menu_and_the_other_language():
    dispatcher, _ = await run(answers.ActionGreet())
    assert service.deployment().service_name in said(dispatcher)
    assert "call 999" in said(dispatcher)
    assert "Check if I can apply" in button_titles(dispatcher)
    assert "Cymraeg" in button_titles(dispatcher)


async def test_greets_in_welsh_offering_english():
    dispatcher, _ = await run(answers.ActionGreet(), language="cy")
    assert said(dispatcher).startswith("Helo.")
    assert "English" in button_titles(dispatcher)


async def test_what_it_is_names_the_community_trigger_once_and_the_local_threshold():
    dispatcher, _ = await run(answers.ActionExplainCaseReview())
    text = said(dispatcher)
    assert text.count("community trigger") == 1
    assert service.area().name in text
    policy = service.area().threshold_policy
    assert f"reported {policy.min_complaints} or more incidents" in text
    assert "not the way to report a new incident" in text


@pytest.mark.parametrize("action", [answers.ActionExplainProcess(),
                                    answers.ActionExplainTimescales()])
async def test_what_happens_and_when_gives_dates_from_the_procedure(action):
    procedure = service.area().procedure
    nation = Nation(service.area().nation)
    acknowledge = add_working_days(TODAY, procedure.acknowledge_working_days, nation)
    decision = add_working_days(TODAY, procedure.threshold_decision_working_days, nation)
    dispatcher, _ = await run(action)
    assert day_in_words(acknowledge, "en") in said(dispatcher)
    assert day_in_words(decision, "en") in said(dispatcher)


async def test_data_sharing_names_the_partner_agencies():
    dispatcher, _ = await run(answers.ActionExplainDataSharing(), language="cy")
    for agency in service.area().partner_agencies:
        assert agency in said(dispatcher)


async def test_escalation_gives_the_body_and_the_working_days():
    procedure = service.area().procedure
    dispatcher, _ = await run(answers.ActionExplainEscalation())
    assert procedure.escalation_to in said(dispatcher)
    assert f"{procedure.escalation_request_working_days} working days" in said(dispatcher)


async def test_support_gives_national_and_local_services():
    dispatcher, _ = await run(answers.ActionExplainSupport())
    assert "Victim Support" in said(dispatcher)
    for local in service.area().support_services:
        assert local.name in said(dispatcher)


async def test_emergency_says_999_first():
    dispatcher, _ = await run(answers.ActionEmergency())
    assert said(dispatcher).startswith("If someone is in danger or a crime is happening now, "
                                       "call 999 now.")
    assert "18000" in said(dispatcher)


async def test_emergency_inside_a_form_offers_to_carry_on():
    dispatcher, _ = await run(answers.ActionEmergency(), active_loop="application_form")
    assert "carry on where we were" in said(dispatcher)


async def test_a_person_to_talk_to_gives_every_route_and_opening_hours():
    contact = service.area().lead_agency.contact
    dispatcher, _ = await run(answers.ActionHuman())
    for route in (contact.phone, contact.textphone, contact.email, contact.post,
                  in_language(contact.opening_hours, "en")):
        assert route in said(dispatcher)
    assert "Relay UK" in said(dispatcher)


async def test_the_opening_hours_are_said_in_the_conversations_language():
    hours = service.area().lead_agency.contact.opening_hours
    dispatcher, _ = await run(answers.ActionHuman(), language="cy")
    assert in_language(hours, "cy") in said(dispatcher)
    assert in_language(hours, "en") not in said(dispatcher)


async def test_reporting_a_new_incident_points_to_101_and_the_online_form():
    dispatcher, _ = await run(answers.ActionReportIncident())
    assert "101" in said(dispatcher)
    assert f"]({service.area().lead_agency.contact.report_online_url})" in said(dispatcher)


async def test_a_complaint_is_a_separate_procedure():
    dispatcher, _ = await run(answers.ActionComplaint())
    assert "not a complaints procedure" in said(dispatcher)
    assert service.area().lead_agency.contact.complaints_url in said(dispatcher)


async def test_stop_asks_first_and_remembers_the_form():
    dispatcher, events = await run(answers.ActionConfirmStop(), active_loop="eligibility_form")
    assert "delete everything" in said(dispatcher)
    assert button_titles(dispatcher) == ["Yes, delete it", "No, keep it"]
    assert slot_events(events) == {"paused_form": "eligibility_form", "requested_slot": None}


async def test_forget_clears_every_slot_but_the_language_and_says_so():
    dispatcher, events = await run(answers.ActionForget(), language="cy",
                                   victim_name="Sam", incidents=[{"a": 1}])
    assert [e["event"] for e in events] == ["active_loop", "reset_slots", "slot"]
    assert slot_events(events) == {"language": "cy"}
    assert "Rydw i wedi dileu popeth" in said(dispatcher)


async def test_carry_on_goes_back_to_the_form():
    dispatcher, events = await run(answers.ActionCarryOn(), paused_form="application_form")
    assert [(e["event"], e.get("name")) for e in events][-1] == ("followup", "application_form")
    assert "kept everything" in said(dispatcher)


async def test_start_again_is_a_clean_conversation_in_the_same_language():
    dispatcher, events = await run(answers.ActionRestart(), language="cy", victim_name="Sam")
    assert [e["event"] for e in events] == ["restart", "slot"]
    assert slot_events(events) == {"language": "cy"}
    assert said(dispatcher).startswith("Gadewch i ni ddechrau eto")


async def test_stop_pauses_the_form_so_yes_or_no_is_not_taken_as_an_answer():
    _, events = await run(answers.ActionConfirmStop(), active_loop="application_form")
    assert {"event": "active_loop", "name": None} in [
        {k: e.get(k) for k in ("event", "name")} for e in events]


@pytest.mark.parametrize("intent,reverted", [
    ("nlu_fallback", False), ("out_of_scope", False),   # their rules end the turn
    ("inform", True), ("affirm", True),                 # reached as the core fallback
])
async def test_the_fallback_forgets_a_message_it_could_not_place(intent, reverted):
    """As the core fallback, action_fallback reverts the message, so the next prediction is not
    the same fallback again (which looped until Rasa's circuit breaker ended the turn silently)."""
    dispatcher = CollectingDispatcher()
    events = await answers.ActionFallback().run(
        dispatcher, tracker(latest=message("/inform{\"choice\": \"none\"}", intent)), {})
    assert "Check if I can apply" in button_titles(dispatcher)
    assert any(e["event"] == "rewind" for e in events) is reverted
