"""The eligibility check, question by question: asks, validates, moves on; then the decision.

Expected dates and outcomes are computed with the eligibility engine and Babel, never typed in.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.eligibility_form import (
    ASK_ACTIONS,
    ActionCheckEligibility,
    ValidateEligibilityForm,
)
from assistant.actions.messages import day_in_words, render
from eligibility import check
from tests.assistant.slots import incident
from tests.assistant.trackers import (
    DOMAIN,
    TODAY,
    answered,
    asks,
    button_titles,
    choice,
    message,
    next_question,
    said,
    said_first,
    slot_events,
    tracker,
)

FORM = "eligibility_form"
ASK = {cls.slot: cls() for cls in ASK_ACTIONS}


def case_for(incidents: list[dict], vulnerable: bool) -> dict:
    """The engine's CASE.json for incidents as the form records them, applied for today: written
    out here, so the action's own case building is checked against it."""
    return {"applied_on": TODAY.isoformat(), "vulnerable": vulnerable,
            "incidents": [{key: item[key] for key in ("occurred_on", "reported_on", "reported_to",
                                                      "hate_related")} for item in incidents]}


THREE = [incident(TODAY - timedelta(days=d), TODAY - timedelta(days=d - 1))
         for d in (60, 30, 9)]


async def run_form(slot, latest, slots=None, value=None):
    dispatcher = CollectingDispatcher()
    before = answered(FORM, slot, latest, slots, value)
    events = await ValidateEligibilityForm().run(dispatcher, before, DOMAIN)
    return dispatcher, {**slot_events(events),
                        "requested_slot": await next_question(ValidateEligibilityForm(), before.slots, events)}


# -- when it happened ---------------------------------------------------------------------------

async def test_asks_for_the_first_incident_date_with_a_date_picker():
    dispatcher = CollectingDispatcher()
    await ASK["incident_date"].run(dispatcher, tracker(), {})
    assert said(dispatcher).startswith("Incident 1: when did it happen?")
    custom = [m["custom"] for m in dispatcher.messages if m.get("custom")]
    assert custom == [{"asks": "incident_date", "input": "date", "max": TODAY.isoformat()}]


async def test_asks_for_the_next_incident_by_its_number_in_welsh():
    dispatcher = CollectingDispatcher()
    await ASK["incident_date"].run(dispatcher, tracker({"language": "cy",
                                                        "incidents": THREE[:1]}), {})
    assert said(dispatcher).startswith("Digwyddiad 2: pryd ddigwyddodd e?")


async def test_a_picked_date_is_repeated_in_words_and_the_form_moves_on():
    picked = TODAY - timedelta(days=7)
    dispatcher, slots = await run_form("incident_date", message(picked.isoformat()))
    assert slots["incident_date"] == picked.isoformat()
    assert slots["incident_date_approximate"] is False
    assert day_in_words(picked, "en") in said(dispatcher)
    assert slots["requested_slot"] == "report_date"


async def test_a_date_in_welsh_is_repeated_in_welsh():
    picked = TODAY - timedelta(days=7)
    dispatcher, slots = await run_form("incident_date", message(picked.isoformat()),
                                       {"language": "cy"})
    assert day_in_words(picked, "cy") in said(dispatcher)
    assert said(dispatcher).startswith("Diolch")


async def test_a_date_in_the_future_is_refused_kindly():
    tomorrow = TODAY + timedelta(days=1)
    dispatcher, slots = await run_form("incident_date", message(tomorrow.isoformat()))
    assert slots["incident_date"] is None
    assert slots["requested_slot"] == "incident_date"
    assert day_in_words(TODAY, "en") in said(dispatcher)
    assert "after today" in said(dispatcher)


async def test_i_dont_know_the_date_asks_for_a_month():
    dispatcher, slots = await run_form("incident_date", message("no idea", "dont_know"))
    assert slots["incident_date"] is None
    assert "A month is enough" in said(dispatcher)


async def test_words_that_are_no_date_ask_again():
    dispatcher, slots = await run_form("incident_date", message("purple elephant"))
    assert slots["incident_date"] is None
    assert "didn't understand that date" in said(dispatcher)


async def test_a_month_is_recorded_as_approximate():
    dispatcher, slots = await run_form("incident_date", message("January 2026"))
    assert slots["incident_date_approximate"] is True
    assert date.fromisoformat(slots["incident_date"]).month == 1
    assert "January 2026" in said(dispatcher)
    assert "approximate" in said(dispatcher)


# -- when it was reported -------------------------------------------------------------------------

async def test_a_report_before_the_incident_is_explained():
    occurred = TODAY - timedelta(days=5)
    dispatcher, slots = await run_form(
        "report_date", message((occurred - timedelta(days=1)).isoformat()),
        {"incident_date": occurred.isoformat(), "incident_date_approximate": False})
    assert slots["report_date"] is None
    assert day_in_words(occurred, "en") in said(dispatcher)
    assert "before the incident happened" in said(dispatcher)


async def test_a_report_before_an_approximate_incident_date_moves_the_incident_back():
    occurred = TODAY - timedelta(days=5)
    reported = occurred - timedelta(days=2)
    _, slots = await run_form(
        "report_date", message(reported.isoformat()),
        {"incident_date": occurred.isoformat(), "incident_date_approximate": True})
    assert slots["report_date"] == reported.isoformat()
    assert slots["incident_date"] == reported.isoformat()
    assert slots["requested_slot"] == "report_agencies"


# -- to whom ------------------------------------------------------------------------------------

async def test_asks_who_it_was_reported_to_with_a_button_per_agency():
    dispatcher = CollectingDispatcher()
    await ASK["report_agencies"].run(dispatcher, tracker(), {})
    assert button_titles(dispatcher) == ["Police", "Council", "Housing provider",
                                         "Health service", "Other", "Police and council"]


DATES = {"incident_date": "2026-03-01", "incident_date_approximate": False,
         "report_date": "2026-03-02"}


async def test_both_the_police_and_the_council_is_one_incident_with_two_agencies():
    latest = message("both the police and the council", "inform",
                     [("agency", "police"), ("agency", "council")])
    _, slots = await run_form("report_agencies", latest, DATES)
    assert slots["report_agencies"] == ["police", "council"]
    assert slots["requested_slot"] == "incident_reference"


async def test_the_police_and_council_button_gives_both():
    _, slots = await run_form("report_agencies", choice("police+council"))
    assert slots["report_agencies"] == ["police", "council"]


async def test_a_welsh_button_title_typed_in_an_english_conversation_works():
    _, slots = await run_form("report_agencies", message("heddlu", "out_of_scope"))
    assert slots["report_agencies"] == ["police"]


async def test_an_answer_with_no_agency_asks_again():
    dispatcher, slots = await run_form("report_agencies", message("dunno really", "inform"), DATES)
    assert slots["report_agencies"] is None
    assert said_first(dispatcher) == render("en", "agency-not-understood")
    assert asks(dispatcher) == [slots["requested_slot"]] == ["report_agencies"]


# -- reference and hate -------------------------------------------------------------------------

async def test_no_reference_is_fine():
    _, slots = await run_form("incident_reference", choice("no_reference"),
                              {**DATES, "report_agencies": ["police"]})
    assert slots["incident_reference"] == ""
    assert slots["requested_slot"] == "incident_hate"


async def test_a_reference_is_taken_from_the_entity():
    latest = message("it was CR/12345/26 i think", "inform", [("reference", "CR/12345/26")])
    _, slots = await run_form("incident_reference", latest)
    assert slots["incident_reference"] == "CR/12345/26"


async def test_the_hate_question_explains_itself_in_plain_words():
    dispatcher = CollectingDispatcher()
    await ASK["incident_hate"].run(dispatcher, tracker(), {})
    assert "race, religion, disability" in said(dispatcher)
    assert button_titles(dispatcher) == ["Yes", "No", "Not sure"]


@pytest.mark.parametrize(("latest", "expected"), [
    (message("yes", "affirm"), True),
    (message("nope", "deny"), False),
    (choice("not_sure"), False),
    (message("Ie", "out_of_scope"), True),
])
async def test_hate_related_yes_or_no(latest, expected):
    _, slots = await run_form("incident_hate", latest)
    assert slots["incident_hate"] is expected


# -- another? -----------------------------------------------------------------------------------

CURRENT = {
    "incident_date": THREE[0]["occurred_on"],
    "incident_date_approximate": False,
    "report_date": THREE[0]["reported_on"],
    "report_agencies": ["police", "council"],
    "incident_reference": "",
    "incident_hate": False,
}


async def test_another_incident_records_this_one_and_starts_the_next():
    _, slots = await run_form("more_incidents", message("yes", "affirm"), CURRENT)
    assert slots["incidents"] == [incident(TODAY - timedelta(days=60),
                                           TODAY - timedelta(days=59), ("police", "council"))]
    assert slots["incident_date"] is None and slots["report_agencies"] is None
    assert slots["requested_slot"] == "incident_date"


async def test_no_more_incidents_with_three_that_count_ends_the_form():
    _, slots = await run_form("more_incidents", message("no", "deny"),
                              {**CURRENT, "incidents": THREE[1:]})
    assert slots["more_incidents"] is False
    assert len(slots["incidents"]) == 3
    assert slots["requested_slot"] is None


async def test_too_few_incidents_asks_whether_the_victim_is_at_risk():
    _, slots = await run_form("more_incidents", message("no", "deny"), CURRENT)
    policy = service.area().threshold_policy
    assert policy.discretion_on_vulnerability  # the example deployment allows discretion
    assert slots["requested_slot"] == "at_risk"


# -- the decision -------------------------------------------------------------------------------

async def run_check(incidents, **slots):
    dispatcher = CollectingDispatcher()
    events = await ActionCheckEligibility().run(
        dispatcher, tracker({"incidents": incidents, **slots}), {})
    return dispatcher, slot_events(events)


async def test_three_qualifying_incidents_meet_the_threshold_with_an_apply_by_date():
    decision = check(case_for(THREE, False), policy=service.area().policy, today=TODAY)
    assert decision.met
    dispatcher, slots = await run_check(THREE)
    apply_by = min(r.counts_until for r in decision.incidents if r.counts_until)
    assert slots["eligibility_outcome"] == "threshold_met"
    assert "you can ask for a case review" in said(dispatcher)
    assert f"Reports that count: {decision.qualifying_count}" in said(dispatcher)
    assert day_in_words(apply_by, "en") in said(dispatcher)
    assert button_titles(dispatcher) == ["Apply now", "Not now"]


async def test_not_met_says_what_would_change_it_and_offers_to_pass_it_on():
    one = THREE[:1]
    decision = check(case_for(one, False), policy=service.area().policy, today=TODAY)
    dispatcher, slots = await run_check(one, at_risk=False)
    assert slots["eligibility_outcome"] == decision.outcome == "threshold_not_met"
    assert f"({decision.more_needed} more)" in said(dispatcher)
    assert day_in_words(decision.act_by, "en") in said(dispatcher)
    assert button_titles(dispatcher) == ["Pass my request on", "Not now"]


async def test_at_risk_gives_the_discretionary_route_in_welsh():
    one = THREE[:1]
    decision = check(case_for(one, True), policy=service.area().policy, today=TODAY)
    dispatcher, slots = await run_check(one, at_risk=True, language="cy")
    assert slots["eligibility_outcome"] == decision.outcome == "discretionary_review"
    assert "gall yr asiantaethau benderfynu cynnal adolygiad" in said(dispatcher)
    assert day_in_words(decision.act_by, "cy") in said(dispatcher)


async def test_a_late_report_is_explained_with_its_last_day():
    occurred = TODAY - timedelta(days=100)
    late = [incident(occurred, TODAY - timedelta(days=20)), *THREE[1:]]
    decision = check(case_for(late, False), policy=service.area().policy, today=TODAY)
    assert decision.incidents[0].reasons == ("reported_late",)
    dispatcher, _ = await run_check(late)
    assert f"Incident 1 ({day_in_words(occurred, 'en')}) does not count" in said(dispatcher)


async def test_a_form_started_again_keeps_its_answers_without_checking_them_again():
    # Back after "stop, no, keep it": the pause cleared requested_slot; Rasa hands the
    # answers the form already has to the validation action as it starts again.
    before = tracker({**DATES}, message("/deny", "deny"), active_loop=FORM, events=[
        {"event": "user", "text": "/deny"},
        {"event": "slot", "name": "incident_date", "value": DATES["incident_date"]}])
    dispatcher = CollectingDispatcher()
    events = await ValidateEligibilityForm().run(dispatcher, before, DOMAIN)
    assert said_first(dispatcher) == ""  # nothing said of the answers it has: the next question
    assert await next_question(ValidateEligibilityForm(), before.slots, events) == "report_agencies"
    assert asks(dispatcher) == ["report_agencies"]


async def test_apply_pressed_after_an_answer_goes_to_the_application_not_the_decision_again():
    """The decision was told, then "what else can I do?" got the other help and the offer again;
    "Apply now" then starts the application (the check has nothing new to say). The menu's
    "Check" (the same payload) after "Not now" tells the decision again."""
    told_by, told = await run_check(THREE)
    offer = [m for m in told_by.messages if m.get("buttons")][-1]
    after_offer = [{"event": "bot", "text": offer["text"], "data": {"buttons": offer["buttons"]}},
                   {"event": "user", "text": "yes let's do it"}]
    again = CollectingDispatcher()
    events = await ActionCheckEligibility().run(again, tracker(
        {"incidents": THREE, **told}, latest=message("yes let's do it", "start_application"),
        events=after_offer), {})
    assert [e.get("name") for e in events if e.get("event") == "followup"] == ["application_form"]
    assert again.messages == []
    after_menu = [{"event": "bot", "text": "What would you like to do?",
                   "data": {"buttons": [{"title": "Check if I can apply",
                                         "payload": "/start_application"}]}},
                  {"event": "user", "text": "/start_application"}]
    events = await ActionCheckEligibility().run(again, tracker(
        {"incidents": THREE, **told}, latest=message("/start_application", "start_application"),
        events=after_menu), {})
    assert not [e for e in events if e.get("event") == "followup"]
    assert "you can ask for a case review" in said(again)
    # Answers changed since: the decision is told again.
    again = CollectingDispatcher()
    events = await ActionCheckEligibility().run(again, tracker(
        {"incidents": THREE[:1], "at_risk": False, **told},
        latest=message("yes", "start_application"), events=after_offer), {})
    assert not [e for e in events if e.get("event") == "followup"]
    assert "not met" in said(again)
