"""Sending the application: the document matches schema version 1; the real handoff intake API
(in this process, on a free loopback port) stores it; when it is down the answers are kept and
"Try again" is offered."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest
from aiohttp import web
from jsonschema import Draft202012Validator, FormatChecker

from assistant.actions import service
from assistant.actions.application_form import consent_wording
from assistant.actions.messages import day_in_words
from assistant.actions.submission import application_document, spelt_out
from deployment import load_deployment
from stack import free_port
from tests.assistant.handoff_service import answering
from tests.assistant.slots import VICTIM, consented, submit
from tests.assistant.trackers import ROOT, button_titles, said, tracker

SCHEMA = json.loads((ROOT / "handoff/schema/application.v1.json").read_text(encoding="utf-8"))


def on_behalf() -> dict:
    return consented(
        "cy", applicant_role="on_behalf", applicant_name="Megan Jones",
        applicant_relationship="Aelod o'r teulu", applicant_contact="megan@example.org",
        victim_consent="at_risk", consent_exception_reason="Mae hi'n ofnus iawn",
        contact_preferred="phone", contact_email=None, contact_phone="01234 567890",
        safe_to_call="no")


def schema_errors(document: dict) -> list[str]:
    validator = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.mark.parametrize("slots", [consented, on_behalf], ids=["victim", "on_behalf"])
def test_the_document_matches_schema_version_1(slots):
    document = application_document(tracker(slots()))
    assert schema_errors(document) == []
    assert "reference" not in document and "deadlines" not in document


@pytest.mark.parametrize("language", ["en", "pl", "ar"])
def test_the_document_carries_the_consent_wording_in_english(language):
    consent = application_document(tracker(consented(language)))["consent"]
    assert consent["wording"] == consent_wording(language)
    assert consent["wording_in_english"] == consent_wording("en")


def test_no_english_is_sent_for_consent_words_the_catalogs_no_longer_have():
    slots = consented("pl")
    slots["consent_wording"] = slots["consent_wording"] + " (stara wersja)"
    document = application_document(tracker(slots))
    assert document["consent"]["wording_in_english"] is None
    assert schema_errors(document) == []


def test_on_behalf_without_consent_records_why_and_never_to_phone():
    document = application_document(tracker(on_behalf()))
    assert document["applicant"] == {
        "role": "on_behalf", "name": "Megan Jones", "relationship": "Aelod o'r teulu",
        "organisation": None, "contact": {"phone": None, "email": "megan@example.org"}}
    assert document["consent"]["given_by"] == "without_consent"
    assert document["consent"]["without_consent_reason"] == "Mae hi'n ofnus iawn"
    assert document["victim"]["contact"]["do_not_call"] is True
    assert document["language"] == "cy"


async def test_sent_gives_the_reference_spelt_out_and_the_dates_it_was_given(intake):
    dispatcher, slots = await submit(consented())
    reference = slots["reference"]
    stored = intake.application(reference)
    assert stored is not None
    assert stored["document"]["victim"]["name"] == "Sam Jones"
    assert stored["document"]["incidents"] == VICTIM["incidents"]
    assert f"{reference} ({spelt_out(reference)})" in said(dispatcher)
    deadlines = stored["document"]["deadlines"]
    for key in ("acknowledge_by", "threshold_decision_due"):
        assert day_in_words(date.fromisoformat(deadlines[key]), "en") in said(dispatcher)
    assert "working days of the outcome" in said(dispatcher)


async def test_sending_the_same_conversation_twice_gives_one_application(intake):
    _, first = await submit(consented(), sender="twice")
    _, second = await submit(consented(), sender="twice")
    assert first["reference"] == second["reference"]


async def test_handoff_down_keeps_every_answer_and_offers_try_again(monkeypatch):
    monkeypatch.setenv("ASB_HANDOFF_URL", f"http://127.0.0.1:{free_port()}")
    dispatcher, slots = await submit(consented())
    assert slots == {}  # nothing cleared, no reference
    assert "I have kept all your answers" in said(dispatcher)
    assert button_titles(dispatcher) == ["Try again"]


async def test_a_handoff_that_never_answers_is_a_failure_said_plainly(monkeypatch):
    """aiohttp's timeout is asyncio's TimeoutError on Python 3.10, not the built-in one."""
    async def hang(request):
        await asyncio.sleep(30)
        return web.Response()

    async with answering("/api/v1/applications", hang) as url:
        monkeypatch.setenv("ASB_HANDOFF_URL", url)
        monkeypatch.setattr(service, "TIMEOUT_SECONDS", 0.5)
        dispatcher, slots = await submit(consented())
    assert slots == {}
    assert "I have kept all your answers" in said(dispatcher)
    assert button_titles(dispatcher) == ["Try again"]


async def test_a_refused_token_is_a_failure_said_plainly(intake, monkeypatch):
    monkeypatch.setenv("ASB_HANDOFF_INTAKE_TOKEN", "wrong")
    dispatcher, slots = await submit(consented())
    assert slots == {}
    assert button_titles(dispatcher) == ["Try again"]


async def test_no_consent_sends_nothing_and_gives_other_routes(intake):
    dispatcher, slots = await submit({**consented(), "consent_share": False})
    assert slots == {}
    assert "Nothing has been sent" in said(dispatcher)
    assert load_deployment().area().lead_agency.contact.phone in said(dispatcher)
    assert intake.list_applications() == []
