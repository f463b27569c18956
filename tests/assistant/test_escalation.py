"""Asking for the case review to be looked at again in the chat: the explanation and its offer,
the escalation form (the reference and postcode checked with the real handoff service, the
grounds, the reasons, consent) and sending it to the service's escalation API (in this process,
on a free loopback port, as the `intake` fixture), in the conversation's language."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import date, timedelta

import pytest
from aiohttp import web
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions import service
from assistant.actions.answers import ESCALATE, ActionExplainEscalation
from assistant.actions.escalation import (
    CONSENT_VERSION,
    GROUNDS,
    PROOF,
    ActionSubmitEscalation,
    ValidateEscalationForm,
)
from assistant.actions.messages import render
from assistant.actions.status import STATUS_TRIES, ActionCheckStatus
from deployment import Deployment, load_deployment
from eligibility.decision import THRESHOLD_NOT_MET
from handoff.procedure import deadline_of, stages_of
from tests.assistant.handoff_service import answering, handoff_service
from tests.assistant.slots import consented, submit
from tests.assistant.trackers import (
    answered,
    asks,
    button_titles,
    message,
    said,
    said_first,
    slot_events,
    tracker,
)

FORM = "escalation_form"
DECIDED = date(2026, 3, 12)  # the threshold decision (a Thursday)


async def applied(sender: str = "applying") -> str:
    _, slots = await submit(consented(), sender=sender)
    return slots["reference"]


def not_met(store, reference: str, decided: date = DECIDED) -> None:
    """The caseworker records that the threshold was not met, on `decided`."""
    store.record_outcome(reference, {
        "threshold_met": False, "threshold_decided_on": decided, "review_held_on": None,
        "recommendations_made": None}, "casey", f"{decided.isoformat()}T10:00:00+00:00")


def reviewed(store, reference: str, held: date, told: date) -> None:
    """The threshold met, the review held on `held` and its outcome told on `told`."""
    store.record_outcome(reference, {
        "threshold_met": True, "threshold_decided_on": DECIDED, "review_held_on": held,
        "recommendations_made": True}, "casey", f"{held.isoformat()}T10:00:00+00:00")
    store.record_progress(reference, {"review_meeting_on": held, "outcome_on": told}, "casey",
                          f"{told.isoformat()}T10:00:00+00:00")


async def can_ask(store, monkeypatch, language: str = "en") -> tuple[str, dict]:
    """An application whose threshold was found not met on DECIDED, checked four days later
    (inside the window) with the right postcode: its reference and `escalation_case`."""
    reference = await applied()
    not_met(store, reference)
    monkeypatch.setenv("ASB_TODAY", "2026-03-16")
    _, proof = await proved(reference, language=language)
    return reference, proof["escalation_case"]


async def required(slots: dict) -> list[str]:
    return await ValidateEscalationForm().required_slots([], CollectingDispatcher(),
                                                         tracker(slots), {})


async def proved(reference: str, postcode: str = "AN1 2BB", language: str = "en",
                 slots: dict | None = None, sender: str = "escalating"):
    """The postcode typed after the reference: what the form said and the slots it set."""
    dispatcher = CollectingDispatcher()
    before = {"language": language, "escalation_reference": reference, **(slots or {})}
    form_tracker = answered(FORM, "escalation_postcode", message(postcode), before)
    form_tracker.sender_id = sender
    events = await ValidateEscalationForm().run(dispatcher, form_tracker, {"forms": {}})
    return dispatcher, slot_events(events)


async def sent(slots: dict, sender: str = "escalating"):
    dispatcher = CollectingDispatcher()
    events = await ActionSubmitEscalation().run(dispatcher, tracker(slots, sender=sender), {})
    return dispatcher, slot_events(events)


def answers(case: dict, **grounds: bool) -> dict:
    """A case the applicant can escalate, with the grounds given, reasons and consent."""
    slots = {"escalation_case": case, "escalation_reasons": "They never looked at my diary "
             "of the noise from March, or the photos of the damage to my car.",
             "escalation_consent": True}
    for code, slot in GROUNDS.items():
        slots[slot] = grounds.get(code, False)
    return slots


# -- what the form asks ---------------------------------------------------------------------------


async def test_the_reference_and_postcode_come_first_and_nothing_once_the_tries_are_used():
    assert await required({}) == list(PROOF)
    assert await required({"status_tries": STATUS_TRIES}) == []


async def test_ground_a_is_asked_only_when_the_threshold_was_found_not_met():
    case = {"next": "can_ask_for_escalation", "threshold_not_met": True}
    assert (await required({"escalation_case": case}))[:3] == list(GROUNDS.values())
    met = {**case, "threshold_not_met": False}
    assert "escalation_ground_a" not in await required({"escalation_case": met})


async def test_no_ground_asks_nothing_more_and_any_ground_goes_on_to_reasons_and_consent():
    case = {"next": "can_ask_for_escalation", "threshold_not_met": False}
    none = await required({"escalation_case": case, "escalation_ground_b": False,
                           "escalation_ground_c": False})
    assert none == ["escalation_ground_b", "escalation_ground_c"]
    one = await required({"escalation_case": case, "escalation_ground_b": False,
                          "escalation_ground_c": True})
    assert one[-2:] == ["escalation_reasons", "escalation_consent"]


async def test_nothing_is_asked_when_the_inbox_says_it_cannot_be_asked_for():
    for code in ("wait_for_threshold_decision", "escalation_window_closed",
                 "escalation_requested", "wait", "failed"):
        assert await required({"escalation_case": {"next": code}}) == [], code


# -- the explanation and its offer ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "cy", "ur"])
async def test_the_explanation_says_the_grounds_and_offers_to_ask_now(language):
    dispatcher = CollectingDispatcher()
    await ActionExplainEscalation().run(dispatcher, tracker({"language": language}), {})
    area = load_deployment().area()
    text = said(dispatcher)
    assert render(language, "explain-escalation", escalation_to=area.procedure.escalation_to,
                  days=area.procedure.escalation_request_working_days) in text
    assert render(language, "escalation-grounds") in text
    assert render(language, "escalation-offer") in text
    assert button_titles(dispatcher) == [render(language, "choice-yes"),
                                         render(language, "button-not-now")]


async def test_after_a_check_in_this_conversation_it_offers_that_next_step_instead():
    """"Not met" a moment ago, "what else can I do?" read as a question about appealing: there is
    no decision on an application to ask about; the offer to pass the request on stands."""
    dispatcher = CollectingDispatcher()
    await ActionExplainEscalation().run(dispatcher, tracker(
        {"eligibility_outcome": THRESHOLD_NOT_MET, "language": "pl"}), {})
    assert render("pl", "escalation-offer") not in said(dispatcher)
    assert render("pl", "choice-yes") not in button_titles(dispatcher)
    assert button_titles(dispatcher), "no way on was offered"


async def test_inside_a_form_the_explanation_offers_nothing():
    dispatcher = CollectingDispatcher()
    await ActionExplainEscalation().run(
        dispatcher, tracker(active_loop="application_form", requested_slot="impact"), {})
    assert render("en", "escalation-offer") not in said(dispatcher)
    assert button_titles(dispatcher) == []


def weeks_deployment(route: dict | None = None) -> Deployment:
    """The example deployment with Devon & Cornwall's window: 4 weeks from the outcome."""
    base = json.loads(load_deployment().json())
    base["areas"][0]["procedure"]["escalation"] = {"window_weeks": 4, **(route or {})}
    return Deployment.parse_obj(base)


async def test_a_window_in_weeks_is_said_in_weeks(monkeypatch):
    deployment = weeks_deployment()
    monkeypatch.setattr(service, "deployment", lambda: deployment)
    dispatcher = CollectingDispatcher()
    await ActionExplainEscalation().run(dispatcher, tracker({"language": "cy"}), {})
    assert render("cy", "explain-escalation-weeks", weeks=4,
                  escalation_to=deployment.area().procedure.escalation_to) in said(dispatcher)


# -- the reference and postcode, checked ----------------------------------------------------------


async def test_the_right_pair_inside_the_window_says_the_last_day_and_keeps_the_case(
        intake, monkeypatch):
    reference = await applied()
    not_met(intake, reference)
    monkeypatch.setenv("ASB_TODAY", "2026-03-16")
    dispatcher, slots = await proved(" ".join(reference.lower().split("-")), "an1 2bb", "pl")
    area = load_deployment().area()
    assert render("pl", "status-next-can-escalate", day=deadline_of(area, DECIDED),
                  escalation_to=area.procedure.escalation_to) in said(dispatcher)
    case = slots["escalation_case"]
    assert (case["reference"], case["postcode"], case["next"], case["threshold_not_met"]) == (
        reference, "AN1 2BB", "can_ask_for_escalation", True)
    assert slots["requested_slot"] == "escalation_ground_a"


async def test_a_wrong_postcode_says_nothing_of_the_reference_and_asks_both_again(intake):
    reference = await applied()
    not_met(intake, reference)
    dispatcher, slots = await proved(reference, "AN9 9ZZ")
    assert said_first(dispatcher) == render("en", "status-not-found")
    assert asks(dispatcher) == ["escalation_reference"]
    assert (slots["escalation_reference"], slots["escalation_postcode"], slots["status_tries"]) \
        == (None, None, 1)
    assert "escalation_case" not in slots
    assert slots["requested_slot"] == "escalation_reference"


async def test_the_last_wrong_pair_ends_the_form_and_gives_the_lead_agency(intake):
    reference = await applied()
    _, slots = await proved(reference, "AN9 9ZZ", slots={"status_tries": STATUS_TRIES - 1})
    assert slots["status_tries"] == STATUS_TRIES and slots.get("requested_slot") is None
    dispatcher, _ = await sent({"status_tries": STATUS_TRIES})
    assert render("en", "status-not-found-stop") in said(dispatcher)
    assert load_deployment().area().lead_agency.contact.phone in said(dispatcher)


async def test_the_status_check_keeps_the_pair_for_asking_and_offers_the_button(
        intake, monkeypatch):
    reference = await applied()
    not_met(intake, reference)
    monkeypatch.setenv("ASB_TODAY", "2026-03-16")
    dispatcher = CollectingDispatcher()
    events = await ActionCheckStatus().run(dispatcher, tracker({
        "language": "ar", "status_reference": reference, "status_postcode": "AN1 2BB"}), {})
    slots = slot_events(events)
    assert slots["escalation_case"]["reference"] == reference
    assert slots["status_reference"] is None and slots["status_postcode"] is None
    assert render("ar", ESCALATE.title) in button_titles(dispatcher)
    assert ESCALATE.payload == "/ask_appeal"
    assert await required({"escalation_case": slots["escalation_case"]}) == [
        *GROUNDS.values(), "escalation_reasons", "escalation_consent"]


# -- sending --------------------------------------------------------------------------------------


async def test_the_request_is_sent_with_its_grounds_and_dates_and_then_forgotten(
        intake, monkeypatch):
    reference, case = await can_ask(intake, monkeypatch, "cy")
    slots = {"language": "cy", **answers(case, A=True, C=True)}
    dispatcher, after = await sent(slots)
    stored = intake.list_escalations()
    assert [row["application_reference"] for row in stored] == [reference]
    escalation = intake.escalation(stored[0]["reference"])
    document = escalation["document"]
    assert [g["code"] for g in document["grounds"]] == ["A", "C"]
    assert document["reasons"] == slots["escalation_reasons"]
    assert document["consent"]["wording_version"] == CONSENT_VERSION
    assert document["language"] == "cy"
    area = load_deployment().area()
    text = said(dispatcher)
    assert render("cy", "escalation-sent", reference=document["reference"],
                  spelt=" ".join(document["reference"]), to=area.lead_agency.name) in text
    last = stages_of(area, date(2026, 3, 16))[-1]["due_by"]
    assert render("cy", "escalation-stages", reviewed_by=area.procedure.escalation_to,
                  day=date.fromisoformat(last)) in text
    # The lead agency passes it on: the dates count from today and may move.
    assert render("cy", "escalation-dates-estimated", to=area.lead_agency.name) in text
    assert all(after[slot] is None for slot in (*PROOF, *GROUNDS.values(), "escalation_case",
                                                "escalation_reasons", "escalation_consent"))


async def test_sending_it_again_is_the_same_request_not_a_second_one(intake, monkeypatch):
    reference, case = await can_ask(intake, monkeypatch)
    slots = answers(case, B=True)
    first, _ = await sent(slots)
    again, _ = await sent(slots)
    assert len(intake.list_escalations()) == 1
    assert said(first) == said(again)


async def test_no_ground_is_not_sent_and_says_what_is_not_a_ground(intake, monkeypatch):
    reference, case = await can_ask(intake, monkeypatch, "bn")
    dispatcher, after = await sent({"language": "bn", **answers(case)})
    assert render("bn", "escalation-no-ground") in said(dispatcher)
    assert load_deployment().area().lead_agency.contact.phone in said(dispatcher)
    assert intake.list_escalations() == []
    assert after["escalation_case"] is None


async def test_no_consent_is_not_sent(intake, monkeypatch):
    reference, case = await can_ask(intake, monkeypatch)
    slots = {**answers(case, A=True), "escalation_consent": False}
    dispatcher, _ = await sent(slots)
    assert render("en", "escalation-no-consent") in said(dispatcher)
    assert intake.list_escalations() == []


async def test_past_the_window_it_says_the_day_it_closed_and_asks_nothing(intake, monkeypatch):
    reference = await applied()
    held, told = date(2026, 4, 1), date(2026, 4, 2)
    reviewed(intake, reference, held, told)
    last_day = deadline_of(load_deployment().area(), told)
    monkeypatch.setenv("ASB_TODAY", (last_day + timedelta(days=1)).isoformat())
    _, proof = await proved(reference, language="es")
    case = proof["escalation_case"]
    assert case["next"] == "escalation_window_closed"
    assert await required({"escalation_case": case}) == []
    dispatcher, _ = await sent({"language": "es", "escalation_case": case})
    assert render("es", "status-next-window-closed", day=last_day) in said(dispatcher)
    assert intake.list_escalations() == []


async def test_before_any_decision_it_says_when_to_expect_one(intake):
    reference = await applied()
    _, proof = await proved(reference)
    case = proof["escalation_case"]
    assert case["next"] == "wait_for_threshold_decision"
    dispatcher, _ = await sent({"escalation_case": case})
    assert render("en", "escalation-too-early") in said(dispatcher)
    assert intake.list_escalations() == []


async def test_asked_for_already_it_says_so_with_its_reference(intake, monkeypatch):
    reference, case = await can_ask(intake, monkeypatch)
    await sent(answers(case, A=True))
    first = intake.list_escalations()[0]["reference"]
    _, again = await proved(reference, sender="another-conversation")
    assert again["escalation_case"]["next"] == "escalation_requested"
    dispatcher, _ = await sent({"escalation_case": again["escalation_case"]})
    assert render("en", "status-next-escalation-requested", day=date(2026, 3, 16),
                  escalation=first) in said(dispatcher)
    assert len(intake.list_escalations()) == 1


async def test_the_service_down_keeps_every_answer_for_try_again(intake, monkeypatch):
    reference, case = await can_ask(intake, monkeypatch)
    slots = answers(case, C=True)
    monkeypatch.setenv("ASB_HANDOFF_URL", "http://127.0.0.1:9")  # nothing listens there
    dispatcher, after = await sent(slots)
    assert said(dispatcher) == render("en", "escalation-failed")
    assert button_titles(dispatcher) == [render("en", "button-try-again")]
    assert after == {}
    assert intake.list_escalations() == []


async def test_straight_to_the_opcc_the_dates_are_not_estimated(tmp_path, monkeypatch):
    deployment = weeks_deployment({"route": "opcc", "recipient": {
        "name": "Office of the Police and Crime Commissioner",
        "delivery": {"email": {"to": "opcc@example.police.uk",
                               "sender": "no-reply@anytown.example"}}}})
    monkeypatch.setattr(service, "deployment", lambda: deployment)
    async with handoff_service(deployment, tmp_path, monkeypatch) as store:
        reference, case = await can_ask(store, monkeypatch)
        assert case["deadline"] == (DECIDED + timedelta(weeks=4)).isoformat()
        done, _ = await sent(answers(case, B=True))
        text = said(done)
        assert render("en", "escalation-dates-estimated",
                      to="Office of the Police and Crime Commissioner") not in text
        stored = store.list_escalations()
        assert [row["route"] for row in stored] == ["opcc"]


async def test_sent_from_the_chat_it_reaches_the_lead_agencys_webhook_signed(
        tmp_path, monkeypatch):
    """The whole way: the chat's request, stored by the service, delivered by its worker to the
    lead agency's webhook (a receiver on a free loopback port), signed with the agency's
    secret."""
    received: list[dict] = []

    async def receive(request: web.Request) -> web.Response:
        received.append({"headers": dict(request.headers), "body": await request.read()})
        return web.json_response({"ok": True})

    secret = "a-webhook-secret-for-this-test"
    monkeypatch.setenv("TEST_LEAD_AGENCY_SECRET", secret)
    async with answering("/cases", receive) as url:
        base = json.loads(load_deployment().json())
        base["areas"][0]["delivery"] = {"webhook": {"url": f"{url}/cases",
                                                    "secret_env": "TEST_LEAD_AGENCY_SECRET"}}
        deployment = Deployment.parse_obj(base)
        monkeypatch.setattr(service, "deployment", lambda: deployment)
        async with handoff_service(deployment, tmp_path, monkeypatch, worker=True) as store:
            reference, case = await can_ask(store, monkeypatch, "pa")
            dispatcher, _ = await sent({"language": "pa", **answers(case, B=True)})
            [row] = store.list_escalations()
            assert row["application_reference"] == reference
            for _ in range(200):  # the worker is woken by the request; 20 s at most
                delivered = [r for r in received
                             if r["headers"].get("Idempotency-Key") == row["reference"]]
                if delivered:
                    break
                await asyncio.sleep(0.1)
            assert delivered, "the escalation did not reach the webhook"
    request = delivered[0]
    signed = hmac.new(secret.encode(), request["headers"]["X-ASB-Timestamp"].encode() + b"."
                      + request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-ASB-Signature"] == "sha256=" + signed
    document = json.loads(request["body"])
    assert document["document_type"] == "asb-case-review-escalation"
    assert (document["application_reference"], document["language"]) == (reference, "pa")
    assert [g["code"] for g in document["grounds"]] == ["B"]
    assert document["reasons"] == answers(case)["escalation_reasons"]
    assert render("pa", "escalation-sent", reference=row["reference"],
                  spelt=" ".join(row["reference"]), to=deployment.area().lead_agency.name) in \
        said(dispatcher)
