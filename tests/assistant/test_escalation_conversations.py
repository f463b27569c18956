"""Asking for the case review to be looked at again, through Rasa's REST channel against the
running system (`stack`): the real Rasa server with the trained model, the action server and the
handoff service. An application is stored through the intake API and a caseworker's decision
recorded in the service's database; then the applicant asks in words of their own, in English,
Welsh, Polish and Urdu: inside the window with each ground, past it, and with no ground at all.
What the assistant should say is rendered from the catalogs; what was sent is read back from the
service's database."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from assistant.actions.messages import render
from deployment import load_deployment
from handoff.procedure import deadline_of, stages_of
from handoff.store import Store
from tests.assistant.conversations import Chat, stored_application, typed

pytestmark = pytest.mark.integration


def store_of(stack) -> Store:
    return Store(f"sqlite:///{stack.handoff_db_path}")


def not_met(stack, reference: str, decided: date) -> None:
    """The caseworker records that the threshold was not met, on `decided`."""
    store_of(stack).record_outcome(reference, {
        "threshold_met": False, "threshold_decided_on": decided, "review_held_on": None,
        "recommendations_made": None}, "casey", f"{decided.isoformat()}T10:00:00+00:00")


def reviewed(stack, reference: str, held: date, told: date) -> None:
    """The threshold met, the review held and its outcome told."""
    store = store_of(stack)
    store.record_outcome(reference, {
        "threshold_met": True, "threshold_decided_on": held - timedelta(days=14),
        "review_held_on": held, "recommendations_made": True}, "casey",
        f"{held.isoformat()}T10:00:00+00:00")
    store.record_progress(reference, {"review_meeting_on": held, "outcome_on": told}, "casey",
                          f"{told.isoformat()}T10:00:00+00:00")


def escalations_of(stack, reference: str) -> list[dict]:
    """The escalation documents stored for an application."""
    with stack.handoff_db() as db:
        rows = db.execute(
            "select e.document from escalations e join applications a "
            "on a.id = e.application_id where a.reference = ?", (reference,)).fetchall()
    return [json.loads(row["document"]) for row in rows]


def sent_reference(chat: Chat) -> str:
    for word in chat.text.replace("(", " ").replace(")", " ").replace(".", " ").split():
        if word.startswith("ESC-") and len(word) == 15:
            return word
    raise AssertionError(f"no escalation reference in:\n{chat.text}")


def test_asked_in_words_inside_the_window_on_the_threshold_decision(stack):
    reference, _ = stored_application(stack, "en")
    decided = stack.today - timedelta(days=1)
    not_met(stack, reference, decided)
    area = load_deployment().area()
    chat = Chat(stack, "en")
    chat.send("/greet", {"language": "en"})

    chat.send("they said my case didnt meet the threshold, can i appeal that?")
    chat.expects("escalation-grounds")
    chat.expects("escalation-offer")
    chat.send("yes please")
    chat.expects("ask-status-reference")
    chat.send(f"its {typed(reference)}")
    chat.expects("ask-status-postcode")
    chat.send("an1 2bb")
    chat.expects("status-next-can-escalate", day=deadline_of(area, decided),
                 escalation_to=area.procedure.escalation_to)
    chat.expects("ask-escalation-ground-a")
    chat.send("yes I do, I reported it loads of times")
    chat.expects("ask-escalation-ground-b")
    chat.send("no")
    chat.expects("ask-escalation-ground-c")
    chat.send("no not really")
    chat.expects("ask-escalation-reasons")
    reasons = ("They only counted 2 reports but I rang 101 on the 3rd of Feb as well and "
               "emailed the council twice about the parties next door")
    chat.send(reasons)
    chat.expects("ask-escalation-consent", to=area.lead_agency.name,
                 reviewed_by=area.procedure.escalation_to)
    chat.send("yeah thats fine")

    [document] = escalations_of(stack, reference)
    assert [g["code"] for g in document["grounds"]] == ["A"]
    assert document["reasons"] == reasons
    assert document["language"] == "en"
    escalation = sent_reference(chat)
    assert escalation == document["reference"]
    chat.expects("escalation-sent", reference=escalation, spelt=" ".join(escalation),
                 to=area.lead_agency.name)
    last = date.fromisoformat(stages_of(area, stack.today)[-1]["due_by"])
    chat.expects("escalation-stages", reviewed_by=area.procedure.escalation_to, day=last)

    # Asked where it is, the status check now says it was asked for, with its reference.
    chat.send("/ask_status")
    chat.send(typed(reference))
    chat.send("AN1 2BB")
    chat.expects("status-next-escalation-requested", day=stack.today, escalation=escalation)


def test_from_the_status_check_in_welsh_on_the_process_and_the_evidence(stack):
    reference, _ = stored_application(stack, "cy")
    held, told = stack.today - timedelta(days=6), stack.today - timedelta(days=5)
    reviewed(stack, reference, held, told)
    chat = Chat(stack, "cy")
    chat.send("/greet", {"language": "cy"})
    chat.send("helo, ble mae fy nghais i arni")
    chat.expects("ask-status-reference")
    chat.send(typed(reference))
    chat.send("an1 2bb")
    chat.expects("status-escalation-how")
    assert render("cy", "button-escalate") in chat.buttons

    chat.send("/ask_appeal")  # "Gofyn i rywun edrych arno eto"
    chat.expects("escalation-offer")
    chat.send("ydw")
    # The pair was checked a moment ago: not asked again. The threshold was met: no ground A.
    chat.expects("ask-escalation-ground-b")
    assert render("cy", "ask-status-reference") not in chat.text
    chat.send("Ydw")
    chat.expects("ask-escalation-ground-c")
    chat.send("ydw, yn bendant")
    chat.expects("ask-escalation-reasons")
    chat.send("Ches i ddim gwybod am y cyfarfod tan y diwrnod cynt, a wnaethon nhw ddim edrych "
              "ar y lluniau a anfonais i ym mis Ionawr")
    chat.expects("ask-escalation-consent", to=load_deployment().area().lead_agency.name,
                 reviewed_by=load_deployment().area().procedure.escalation_to)
    chat.send("ydy")
    [document] = escalations_of(stack, reference)
    assert [g["code"] for g in document["grounds"]] == ["B", "C"]
    assert document["language"] == "cy"
    chat.expects("escalation-sent", reference=document["reference"],
                 spelt=" ".join(document["reference"]),
                 to=load_deployment().area().lead_agency.name)


def test_past_the_window_in_polish_it_says_the_day_it_closed(stack):
    reference, _ = stored_application(stack, "pl")
    held, told = stack.today - timedelta(days=70), stack.today - timedelta(days=69)
    reviewed(stack, reference, held, told)
    last_day = deadline_of(load_deployment().area(), told)
    assert last_day < stack.today
    chat = Chat(stack, "pl")
    chat.send("/greet", {"language": "pl"})
    chat.send("chce sie odwolac od decyzji w sprawie przegladu")
    chat.expects("escalation-offer")
    chat.send("tak")
    chat.expects("ask-status-reference")
    chat.send(typed(reference).upper())
    chat.send("AN1 2BB")
    chat.expects("status-next-window-closed", day=last_day)
    assert render("pl", "ask-escalation-ground-b") not in chat.text
    assert escalations_of(stack, reference) == []


def test_no_ground_in_urdu_is_not_sent_and_says_what_is_not_a_ground(stack):
    reference, _ = stored_application(stack, "ur")
    not_met(stack, reference, stack.today - timedelta(days=2))
    chat = Chat(stack, "ur")
    chat.send("/greet", {"language": "ur"})
    chat.send("مجھے فیصلہ پسند نہیں آیا، کیا میں اپیل کر سکتی ہوں؟")
    chat.expects("escalation-offer")
    chat.send("جی ہاں")
    chat.send(typed(reference))
    chat.send("an1 2bb")
    chat.expects("ask-escalation-ground-a")
    chat.send("نہیں")
    chat.expects("ask-escalation-ground-b")
    chat.send("نہیں")
    chat.expects("ask-escalation-ground-c")
    chat.send("نہیں جی")
    chat.expects("escalation-no-ground")
    assert escalations_of(stack, reference) == []


def test_a_lost_reference_is_offered_a_person(stack):
    """No way on without the reference: under "that is not a reference", a person to ask (the
    lead agency can find it), and the question again after their details."""
    chat = Chat(stack, "en")
    chat.send("/greet", {"language": "en"})
    chat.send("they said my case didnt meet the threshold, can i appeal that?")
    chat.send("yes please")
    chat.expects("ask-status-reference")
    chat.send("i lost it")
    chat.expects("status-reference-not-understood")
    human = render("en", "button-human")
    assert human in chat.buttons
    chat.press(human)
    area = load_deployment().area()
    chat.expects("contact-phone", phone=area.lead_agency.contact.phone)
    chat.expects("ask-status-reference")
