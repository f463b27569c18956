"""Whole conversations through Rasa's REST channel against the running system (`stack` fixture):
the real Rasa server with the trained model, the action server and the handoff service.

The six conversations of the issue. What the assistant should say is rendered from the catalogs
with the same values (dates from the fixed clock), never typed in; what arrives at the handoff
service is read back from its database and compared field by field.
"""

from __future__ import annotations

import urllib.request
from collections import Counter
from datetime import date

import pytest
from prometheus_client.parser import text_string_to_metric_families

from assistant.actions import service
from assistant.actions.messages import render
from tests.assistant.conversations import Chat, second_report_link

pytestmark = pytest.mark.integration


def incident(chat: Chat, occurred: str, reported: str, agencies: str | None, more: bool,
             agency_choice: str | None = None) -> None:
    """One incident of the eligibility check, answered as a user would."""
    chat.send(occurred)
    chat.send(reported)
    chat.send(agencies) if agencies else chat.choose(agency_choice)
    chat.choose("no_reference")
    chat.choose("no")
    chat.send("yes" if chat.language == "en" else "ie") if more else chat.choose("no")


def test_a_victim_applies_in_english_with_three_incidents(stack):
    chat = Chat(stack)
    chat.send("/greet", {"language": "en"})
    chat.send("I want to apply for a case review")
    chat.expects("ask-incident-date", number=1)
    assert {"asks": "incident_date", "input": "date", "max": stack.today.isoformat()} in chat.custom
    chat.send("2026-01-12")
    chat.expects("date-noted", day=date(2026, 1, 12))
    chat.send("2026-01-13")
    chat.send("I told both the police and the council")
    chat.send("CR/12345/26")
    chat.choose("no")
    chat.choose("yes")
    chat.expects("ask-incident-date", number=2)
    incident(chat, "2026-02-02", "2026-02-02", None, True, agency_choice="housing")
    incident(chat, "2026-03-02", "2026-03-03", None, False, agency_choice="police")
    assert "Apply now" in chat.buttons
    chat.send("yes")
    chat.expects("ask-applicant-role")
    chat.choose("victim")
    chat.choose("individual")
    chat.send("Sam Jones")
    chat.send("4 Mill Lane, Anytown AN1 2BB")
    chat.expects("ask-contact-preferred")
    chat.choose("email")
    chat.send("sam.jones@example.org")
    chat.send("weekdays after 6pm")
    chat.choose("none")
    chat.send("large print please")
    chat.send("The shouting goes on every night and I haven't slept properly since January.")
    chat.choose("none")
    chat.choose("yes")
    chat.expects("ask-consent-share", agencies=", ".join(
        service.area().partner_agencies))
    chat.choose("yes")
    chat.expects("summary-intro")
    chat.choose("send")
    reference = chat.reference()
    document = chat.stored(reference)
    assert document["language"] == "en"
    assert document["applicant"]["role"] == "victim"
    assert document["applicant"]["name"] == "Sam Jones"
    assert document["victim"] == {
        "kind": "individual", "name": "Sam Jones", "address": "4 Mill Lane, Anytown AN1 2BB",
        "postcode": "AN1 2BB",
        "contact": {"phone": None, "email": "sam.jones@example.org", "preferred": "email",
                    "safe_times": "weekdays after 6pm", "do_not_call": False},
        "interpreter_language": None, "accessibility_needs": "large print please",
        "at_risk": False, "vulnerabilities": None, "support_wanted": True}
    assert [(i["occurred_on"], i["reported_on"], i["reported_to"], i["reference"])
            for i in document["incidents"]] == [
        ("2026-01-12", "2026-01-13", ["police", "council"], "CR/12345/26"),
        ("2026-02-02", "2026-02-02", ["housing"], None),
        ("2026-03-02", "2026-03-03", ["police"], None)]
    assert document["impact"].startswith("The shouting goes on every night")
    consent = document["consent"]
    assert consent["given"] is True and consent["given_by"] == "victim"
    assert consent["language"] == "en"
    assert consent["wording"] == render("en", "ask-consent-share", agencies=", ".join(
        service.area().partner_agencies))
    assert consent["given_at"].startswith(stack.today.isoformat())
    assert document["eligibility"]["outcome"] == "threshold_met"
    chat.expects("next-decision", day=date.fromisoformat(
        document["deadlines"]["threshold_decision_due"]))


def test_a_daughter_applies_in_welsh_for_her_mother(stack):
    chat = Chat(stack, "cy")
    chat.send("/greet", {"language": "cy"})
    chat.expects("greet", service=service.deployment().service_name)
    chat.send("dw i isio gwneud cais am adolygiad achos i mam")
    chat.expects("ask-incident-date", number=1)
    chat.send("2026-02-16")
    chat.expects("date-noted", day=date(2026, 2, 16))
    chat.send("2026-02-17")
    chat.send("yr heddlu")
    chat.choose("no_reference")
    chat.send("na")
    chat.send("ie")
    incident(chat, "2026-02-23", "2026-02-24", "y cyngor", True)
    incident(chat, "2026-03-02", "2026-03-02", "yr heddlu a'r cyngor", False)
    chat.expects("offer-apply")
    chat.send("ie")
    chat.send("Rhywun arall")
    chat.send("Megan Jones")
    chat.choose("family")
    chat.send("megan.jones@example.org")
    chat.send("Ydyn, maen nhw'n cytuno")
    chat.choose("individual")
    chat.send("Gwen Jones")
    chat.send("5 Heol y Bont, Anytown AN1 3CC")
    chat.choose("post")
    chat.send("Unrhyw bryd")
    chat.send("Dim")
    chat.send("mae angen print bras arni")
    chat.send("Dydy mam ddim wedi cysgu ers misoedd ac mae ofn arni fynd allan.")
    chat.send("mae hi'n 84 oed")
    chat.send("ie")
    chat.send("ie")
    chat.expects("summary-intro")
    chat.send("Anfon fy nghais")
    chat.expects("submitted", reference=chat.reference(), spelt=" ".join(chat.reference()))
    document = chat.stored(chat.reference())
    assert document["language"] == "cy"
    assert document["applicant"] == {
        "role": "on_behalf", "name": "Megan Jones", "relationship": "Aelod o'r teulu",
        "organisation": None, "contact": {"phone": None, "email": "megan.jones@example.org"}}
    assert document["victim"]["name"] == "Gwen Jones"
    assert document["victim"]["contact"]["preferred"] == "post"
    assert document["consent"]["given_by"] == "third_party_with_consent"
    assert document["consent"]["language"] == "cy"
    assert document["consent"]["wording"].startswith("I gynnal yr adolygiad")
    assert [i["reported_to"] for i in document["incidents"]] == [
        ["police"], ["council"], ["police", "council"]]


def one_incident_then_apply(chat: Chat) -> None:
    """Greeted, one incident reported to the police (not enough), not at risk, applying anyway."""
    chat.send("/greet", {"language": chat.language})
    chat.send("/start_application")
    incident(chat, "2026-03-02", "2026-03-03", None, False, agency_choice="police")
    chat.choose("no")
    chat.send("/affirm")
    chat.choose("victim")
    chat.choose("individual")


def the_rest_by_buttons(chat: Chat) -> None:
    """From the address to consent, the quickest way: buttons wherever there are some."""
    chat.send("4 Mill Lane, Anytown AN1 2BB")
    chat.choose("post")
    chat.choose("any_time")
    chat.choose("none")
    chat.choose("none")
    chat.send("It never stops.")
    chat.choose("none")
    chat.choose("no")
    chat.choose("yes")
    chat.expects("summary-intro")


def test_not_met_with_the_discretionary_route(stack):
    chat = Chat(stack)
    chat.send("/greet", {"language": "en"})
    chat.send("/start_application")
    incident(chat, "2026-03-02", "2026-03-03", None, False, agency_choice="council")
    chat.expects("ask-at-risk")
    chat.choose("yes")
    chat.expects("decision-not-met", count=1, required=3)
    chat.expects("decision-discretionary")
    assert "Pass my request on" in chat.buttons
    chat.send("/affirm")
    chat.expects("ask-applicant-role")
    chat.choose("victim")
    chat.choose("individual")
    chat.send("Sam Jones")
    the_rest_by_buttons(chat)
    chat.choose("send")
    document = chat.stored(chat.reference())
    assert [i["reported_to"] for i in document["incidents"]] == [["council"]]
    # The stored decision is the one the user was told.
    assert document["victim"]["at_risk"] is True
    assert document["eligibility"]["outcome"] == "discretionary_review"


def test_an_emergency_in_the_middle_of_the_application_then_carrying_on(stack):
    chat = Chat(stack)
    one_incident_then_apply(chat)
    chat.expects("ask-victim-name")
    chat.send("someone is kicking my door in right now, help")
    chat.expects("emergency")
    chat.expects("emergency-carry-on")
    chat.expects("ask-victim-name")
    chat.send("Sam Jones")
    chat.expects("ask-victim-address")


def test_switching_from_english_to_welsh_half_way_keeps_the_answers(stack):
    chat = Chat(stack)
    one_incident_then_apply(chat)
    chat.send("Sam Jones")
    chat.send('/change_language{"language":"cy"}')
    chat.language = "cy"
    chat.expects("language-changed")
    assert {"language": "cy", "dir": "ltr"} in chat.custom
    chat.expects("ask-victim-address")
    the_rest_by_buttons(chat)
    assert "Sam Jones" in chat.text  # typed before the switch, kept
    chat.choose("send")
    document = chat.stored(chat.reference())
    assert document["language"] == "cy"
    assert document["victim"]["name"] == "Sam Jones"
    assert document["incidents"][0]["occurred_on"] == "2026-03-02"


def test_the_handoff_service_down_at_submission_then_back(stack):
    chat = Chat(stack)
    chat.send("/greet", {"language": "en"})
    chat.send("/start_application")
    for occurred in ("2026-02-02", "2026-02-16"):
        incident(chat, occurred, occurred, None, True, agency_choice="police")
    incident(chat, "2026-03-02", "2026-03-02", None, False, agency_choice="police")
    chat.send("/affirm")
    chat.choose("victim")
    chat.choose("individual")
    chat.send("Sam Jones")
    the_rest_by_buttons(chat)
    stack.stop("handoff")
    try:
        chat.choose("send")
        chat.expects("submit-failed")
        assert chat.buttons == ["Try again"]
    finally:
        stack.start("handoff")
    chat.send("/affirm")
    reference = chat.reference()
    assert chat.stored(reference)["victim"]["name"] == "Sam Jones"


def test_start_again_in_the_middle_clears_the_answers_and_keeps_the_language(stack):
    chat = Chat(stack, "cy")
    chat.send("/greet", {"language": "cy"})
    chat.send("/start_application")
    chat.send("2026-03-02")
    chat.expects("ask-report-date")
    chat.send("/restart")
    chat.expects("start-again")
    chat.send("/start_application")
    chat.expects("ask-incident-date", number=1)
    chat.send("2026-03-03")
    chat.expects("date-noted", day=date(2026, 3, 3))


def test_a_2nd_report_link_starts_the_check_with_the_incidents_filled_in(stack):
    value = second_report_link(stack)
    chat = Chat(stack)
    chat.send("/greet", {"language": "en", "prefill": value})
    chat.expects("prefill-filled")
    chat.expects("ask-more-incidents")
    chat.choose("no")
    chat.expects("ask-at-risk")
    chat.choose("yes")
    chat.expects("decision-not-met", count=2, required=3)
    # The link works once: a second conversation from it is told so and greeted as any other.
    again = Chat(stack, "cy")
    again.send("/greet", {"language": "cy", "prefill": value})
    again.expects("prefill-used")
    again.expects("greet-menu")


def action_calls(stack) -> Counter:
    """How many times the action server has run each action (its /metrics)."""
    with urllib.request.urlopen(f"{stack.actions_url}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    return Counter({sample.labels["action"]: sample.value
                    for family in text_string_to_metric_families(text)
                    for sample in family.samples if sample.name == "asb_action_seconds_count"})


def test_each_answer_in_a_form_is_one_call_to_the_action_server(stack):
    """The form's validation asks the next question in the same call (stack/form_questions.py)
    and the Rasa server sets the language itself (stack/language_slot.py): no
    `action_ask_<slot>` after an answer, no `action_validate_slot_mappings` after any message."""
    chat = Chat(stack)
    chat.send("/greet", {"language": "en"})
    chat.send("i'd like to apply please")
    before = action_calls(stack)
    chat.send("the 12th of january")
    chat.expects("ask-report-date")
    chat.send("the next day")
    chat.send("I rang the police")
    chat.choose("no_reference")
    chat.choose("no")
    calls = action_calls(stack)
    calls.subtract(before)
    assert +calls == Counter({"validate_eligibility_form": 5})
    assert [c.get("asks") for c in chat.custom] == ["more_incidents"]  # asked all the same
