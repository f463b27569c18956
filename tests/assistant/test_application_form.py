"""The application, question by question: asks, validates, moves on; consent; the summary."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.application_form import (
    ASK_ACTIONS,
    ValidateApplicationForm,
    consent_wording,
    wording_version,
)
from assistant.actions.messages import day_in_words
from assistant.actions.summary import ActionAskReviewChoice
from eligibility import clock
from tests.assistant.slots import INCIDENT, VICTIM
from tests.assistant.trackers import (
    DOMAIN,
    TODAY,
    answered,
    button_titles,
    choice,
    message,
    next_question,
    said,
    slot_events,
    tracker,
)

FORM = "application_form"
ASK = {cls.slot: cls() for cls in ASK_ACTIONS}


async def run_form(slot, latest, slots=None, value=None):
    dispatcher = CollectingDispatcher()
    before = answered(FORM, slot, latest, slots, value)
    events = await ValidateApplicationForm().run(dispatcher, before, DOMAIN)
    return dispatcher, {**slot_events(events),
                        "requested_slot": await next_question(ValidateApplicationForm(), before.slots, events)}


async def asked(slot, **slots):
    dispatcher = CollectingDispatcher()
    await ASK[slot].run(dispatcher, tracker(slots), {})
    return dispatcher


# -- who is applying ----------------------------------------------------------------------------

@pytest.mark.parametrize("slot", sorted(ASK))
async def test_every_question_names_the_slot_it_asks_for(slot):
    dispatcher = CollectingDispatcher()
    await ASK[slot].run(dispatcher, tracker(VICTIM), {})
    assert [m["custom"]["asks"] for m in dispatcher.messages if m.get("custom")] == [slot]


def custom_of(dispatcher) -> dict:
    return next(m["custom"] for m in dispatcher.messages if m.get("custom"))


@pytest.mark.parametrize(("slot", "purpose"), [("victim_name", "name"),
                                               ("victim_address", "street-address"),
                                               ("victim_postcode", "postal-code"),
                                               ("contact_phone", "tel"),
                                               ("contact_email", "email")])
async def test_a_victims_own_details_carry_their_input_purpose(slot, purpose):
    dispatcher = CollectingDispatcher()
    await ASK[slot].run(dispatcher, tracker(VICTIM), {})
    assert custom_of(dispatcher)["autocomplete"] == purpose
    on_behalf = CollectingDispatcher()  # the victim's details, not the typing person's own
    await ASK[slot].run(on_behalf, tracker({**VICTIM, "applicant_role": "on_behalf"}), {})
    assert "autocomplete" not in custom_of(on_behalf)


async def test_someone_applying_for_a_victim_gets_their_own_name_purpose():
    dispatcher = CollectingDispatcher()
    await ASK["applicant_name"].run(dispatcher, tracker({"applicant_role": "on_behalf"}), {})
    assert custom_of(dispatcher) == {"asks": "applicant_name", "autocomplete": "name"}
    dispatcher = CollectingDispatcher()
    await ASK["impact"].run(dispatcher, tracker(VICTIM), {})
    assert custom_of(dispatcher) == {"asks": "impact"}


async def test_asks_who_is_applying_with_buttons():
    dispatcher = await asked("applicant_role")
    assert button_titles(dispatcher) == ["Myself", "Someone else"]


async def test_the_victim_goes_straight_to_the_victim_questions():
    _, slots = await run_form("applicant_role", choice("victim"))
    assert slots["applicant_role"] == "victim"
    assert slots["requested_slot"] == "victim_kind"


async def test_someone_else_is_asked_their_name_relationship_and_the_victims_consent():
    _, slots = await run_form("applicant_role", message("Rhywun arall", "out_of_scope"))
    assert slots["applicant_role"] == "on_behalf"
    assert slots["requested_slot"] == "applicant_name"
    behalf = {"applicant_role": "on_behalf", "applicant_name": "Ann",
              "applicant_relationship": "daughter"}
    _, slots = await run_form("applicant_contact", message("07700 900123"), behalf)
    assert slots["applicant_contact"] == "07700 900123"
    assert slots["requested_slot"] == "victim_consent"


async def test_a_contact_without_a_phone_or_email_is_asked_again():
    dispatcher, slots = await run_form("applicant_contact", message("ask my mum"),
                                       {"applicant_role": "on_behalf"})
    assert slots["applicant_contact"] is None
    assert "phone number or an email address" in said(dispatcher)


async def test_a_relationship_button_is_recorded_in_the_conversations_words():
    _, slots = await run_form("applicant_relationship", choice("family"),
                              {"applicant_role": "on_behalf", "language": "cy"})
    assert slots["applicant_relationship"] == "Aelod o'r teulu"


@pytest.mark.parametrize("exception", ["cannot_consent", "at_risk"])
async def test_the_exception_asks_why(exception):
    _, slots = await run_form("victim_consent", choice(exception),
                              {"applicant_role": "on_behalf", "applicant_name": "Ann",
                               "applicant_relationship": "carer",
                               "applicant_contact": "ann@example.org"})
    assert slots["victim_consent"] == exception
    assert slots["requested_slot"] == "consent_exception_reason"


async def test_a_victim_who_refuses_ends_the_application_with_an_explanation():
    dispatcher, slots = await run_form("victim_consent", choice("refuses"),
                                       {"applicant_role": "on_behalf", "applicant_name": "Ann",
                                        "applicant_relationship": "carer",
                                        "applicant_contact": "ann@example.org"})
    assert slots["victim_consent"] == "refuses"
    assert slots["requested_slot"] is None
    assert "We need the agreement of the person affected" in said(dispatcher)


async def test_questions_about_the_victim_are_worded_for_someone_else():
    dispatcher = await asked("victim_name", applicant_role="on_behalf")
    assert said(dispatcher).startswith("What is the full name of the person")
    dispatcher = await asked("victim_name", applicant_role="victim")
    assert said(dispatcher).startswith("What is your full name?")


# -- address and postcode -----------------------------------------------------------------------

async def test_a_postcode_in_the_address_is_taken_and_not_asked_again():
    _, slots = await run_form("victim_address", message("4 mill lane anytown an1 2bb"),
                              {"applicant_role": "victim", "victim_kind": "individual",
                               "victim_name": "Sam"})
    assert slots["victim_postcode"] == "AN1 2BB"
    assert slots["requested_slot"] == "contact_preferred"


async def test_an_address_without_a_postcode_asks_for_it():
    _, slots = await run_form("victim_address", message("4 Mill Lane"),
                              {"applicant_role": "victim", "victim_kind": "individual",
                               "victim_name": "Sam"})
    assert slots["requested_slot"] == "victim_postcode"


@pytest.mark.parametrize(("typed", "entity", "expected"), [
    ("cf10 1aa", None, "CF10 1AA"),
    ("its SW1A1AA", None, "SW1A 1AA"),
    ("the postcode", "AN1 1AA", "AN1 1AA"),
    ("12345", None, None),
])
async def test_the_postcode_is_validated(typed, entity, expected):
    latest = message(typed, "inform", [("postcode", entity)] if entity else [])
    dispatcher, slots = await run_form("victim_postcode", latest)
    assert slots["victim_postcode"] == expected
    if expected is None:
        assert "UK postcode" in said(dispatcher)


# -- safe contact -------------------------------------------------------------------------------

async def test_contact_by_phone_asks_the_number_then_whether_calls_are_safe():
    base = {**VICTIM, "contact_email": None, "contact_preferred": "phone"}
    _, slots = await run_form("contact_preferred", choice("phone"), {**base,
                                                                     "contact_preferred": None})
    assert slots["requested_slot"] == "contact_phone"
    _, slots = await run_form("contact_phone", message("my number is 07700 900 123"), base)
    assert slots["contact_phone"] == "07700 900 123"
    assert slots["requested_slot"] == "safe_to_call"


async def test_never_phone_is_noted_and_said_back():
    dispatcher, slots = await run_form("safe_to_call", message("no", "deny"),
                                       {**VICTIM, "contact_phone": "07700 900123"})
    assert slots["safe_to_call"] == "no"
    assert "will never phone" in said(dispatcher)


async def test_a_bad_email_is_asked_again():
    dispatcher, slots = await run_form("contact_email", message("sam at home"),
                                       {**VICTIM, "contact_email": None})
    assert slots["contact_email"] is None
    assert "email address" in said(dispatcher)


@pytest.mark.parametrize(("slot", "button"), [("interpreter_language", "None"),
                                               ("accessibility_needs", "Dim"),
                                               ("vulnerabilities", "none")])
async def test_none_is_a_button_and_typed_in_any_language(slot, button):
    _, slots = await run_form(slot, message(button, "out_of_scope"),
                              {**VICTIM, slot: None})
    assert slots[slot] == ""


async def test_an_interpreter_language_from_the_entity():
    _, slots = await run_form("interpreter_language",
                              message("polish please", "inform", [("language", "pl")]),
                              {**VICTIM, "interpreter_language": None})
    assert slots["interpreter_language"] == "pl"


async def test_yes_alone_at_the_interpreter_question_asks_which_language():
    dispatcher, slots = await run_form("interpreter_language", message("yes please", "affirm"),
                                       {**VICTIM, "interpreter_language": None})
    assert slots["interpreter_language"] is None
    assert "Which language should the interpreter speak?" in said(dispatcher)


async def test_a_long_impact_answer_is_kept_to_five_thousand_characters():
    words = ("It goes on every night and the children cannot sleep. " * 90)[:5000]
    _, slots = await run_form("impact", message(words, "inform"),
                              {**VICTIM, "impact": None, "vulnerabilities": None})
    assert slots["impact"] == words.strip()


async def test_impact_in_their_own_words_is_kept_whole_and_acknowledged():
    words = "We haven't slept properly since June. My son is scared to go out."
    dispatcher, slots = await run_form("impact", message(words, "report_incident"),
                                       {**VICTIM, "impact": None, "vulnerabilities": None})
    assert slots["impact"] == words
    assert "Thank you for telling me" in said(dispatcher)
    assert slots["requested_slot"] == "vulnerabilities"


# -- consent ------------------------------------------------------------------------------------

async def test_consent_names_every_partner_agency():
    dispatcher = await asked("consent_share", **VICTIM)
    for agency in service.area().partner_agencies:
        assert agency in said(dispatcher)
    assert button_titles(dispatcher) == ["Yes", "No"]


async def test_consent_records_the_exact_wording_its_version_language_and_time():
    _, slots = await run_form("consent_share", message("ydw", "affirm"),
                              {**VICTIM, "language": "cy"})
    wording = consent_wording("cy")
    assert slots["consent_share"] is True
    assert slots["consent_wording"] == wording
    assert wording.startswith("I gynnal yr adolygiad")
    assert slots["consent_wording_version"] == wording_version(wording)
    assert wording_version(wording) != wording_version(consent_wording("en"))
    assert slots["consent_language"] == "cy"
    assert slots["consent_given_at"].startswith(clock.now().date().isoformat())
    assert slots["requested_slot"] == "review_choice"


async def test_no_consent_ends_the_form_without_a_summary():
    _, slots = await run_form("consent_share", message("no", "deny"), VICTIM)
    assert slots["consent_share"] is False
    assert slots["requested_slot"] is None


# -- the summary --------------------------------------------------------------------------------

CONSENTED = {**VICTIM, "consent_share": True, "consent_wording": "x",
             "consent_wording_version": "1-x", "consent_language": "en",
             "consent_given_at": "2026-03-10T10:00:00+00:00"}


async def test_the_summary_shows_every_answer_with_a_change_button():
    dispatcher = CollectingDispatcher()
    await ActionAskReviewChoice().run(dispatcher, tracker(CONSENTED), {})
    text = said(dispatcher)
    for value in ("Sam Jones", "4 Mill Lane, Anytown", "AN1 2BB", "sam@example.org",
                  "after 6pm", "I can't sleep."):
        assert value in text
    occurred = day_in_words(TODAY - timedelta(days=20), "en")
    assert f"Incident 1: happened {occurred}" in text
    titles = button_titles(dispatcher)
    assert "Change name" in titles and "Change the incidents" in titles
    assert titles[-1] == "Send my application"


async def test_change_empties_that_answer_so_the_form_asks_it_again():
    latest = choice("change:victim_address")
    _, slots = await run_form("review_choice", latest, CONSENTED)
    assert slots["victim_address"] is None and slots["victim_postcode"] is None
    assert slots["requested_slot"] == "victim_address"


async def test_a_typed_change_title_works_in_welsh():
    _, slots = await run_form("review_choice", message("newid enw", "out_of_scope"),
                              CONSENTED)
    assert slots["victim_name"] is None
    assert slots["requested_slot"] == "victim_name"


async def test_changing_the_incidents_asks_them_again_then_returns_to_the_summary():
    _, slots = await run_form("review_choice", choice("change:incidents"), CONSENTED)
    assert slots["incidents"] == []
    assert slots["requested_slot"] == "incident_date"
    again = {**CONSENTED, "review_choice": "incidents", "incidents": [INCIDENT],
             "incident_date": INCIDENT["occurred_on"], "report_date": INCIDENT["reported_on"],
             "report_agencies": ["police"], "incident_reference": "",
             "incident_hate": False}
    _, slots = await run_form("more_incidents", message("no", "deny"), again)
    assert len(slots["incidents"]) == 2
    assert slots["requested_slot"] == "review_choice"


async def test_send_completes_the_form():
    _, slots = await run_form("review_choice", choice("send"), CONSENTED)
    assert slots["review_choice"] == "send"
    assert slots["requested_slot"] is None


async def test_anything_else_at_the_summary_asks_again():
    dispatcher, slots = await run_form("review_choice", message("hmm", "out_of_scope"),
                                       CONSENTED)
    assert slots["review_choice"] is None
    assert "Send my application" in said(dispatcher)


async def test_a_typed_button_title_answers_even_when_the_nlu_hears_a_triage_intent():
    # "Person" reads as "talk to a person": the intent held the answer back from the form
    # (not_intent), but it is the button's title, so it answers the question asked.
    latest = message("Person", "request_human")
    before = tracker({"applicant_role": "victim", "language": "cy"}, latest,
                     active_loop=FORM, requested_slot="victim_kind",
                     events=[{"event": "user", "text": "Person", "parse_data": latest}])
    dispatcher = CollectingDispatcher()
    events = await ValidateApplicationForm().run(dispatcher, before, DOMAIN)
    assert slot_events(events)["victim_kind"] == "individual"
    assert await next_question(ValidateApplicationForm(), before.slots, events) == "victim_name"


async def test_other_words_with_a_triage_intent_are_left_to_the_triage_rules():
    latest = message("can i talk to someone", "request_human")
    before = tracker({"applicant_role": "victim"}, latest, active_loop=FORM,
                     requested_slot="victim_kind",
                     events=[{"event": "user", "text": latest["text"], "parse_data": latest}])
    events = await ValidateApplicationForm().run(CollectingDispatcher(), before, DOMAIN)
    assert "victim_kind" not in slot_events(events)
