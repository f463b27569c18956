"""The 2nd-report link in the assistant: the real handoff service (in this process, on a free
loopback port) makes the link from an agency's reports, the greeting redeems it once, fills the
eligibility form's incident slots and starts the form at "any more incidents?"; a link used,
expired or not signed by the service is said plainly and the greeting goes on as usual."""

from __future__ import annotations

import os

import aiohttp
import pytest
from rasa_sdk.executor import CollectingDispatcher

from assistant.actions.answers import ActionGreet
from assistant.actions.eligibility_form import ValidateEligibilityForm
from handoff.prefill_link import FRAGMENT
from stack import free_port
from tests.assistant.handoff_service import TOKEN, handoff_service
from tests.assistant.trackers import message, said, slot_events, tracker
from tests.handoff.handoff_parts import TWO, with_assistant


@pytest.fixture
async def handoff(tmp_path, monkeypatch):
    """The handoff service with the assistant's page set (so it makes links); its URL."""
    async with handoff_service(with_assistant(), tmp_path, monkeypatch):
        yield os.environ["ASB_HANDOFF_URL"]


async def link_value(url: str) -> str:
    """What an agency's case system gets for TWO reports: the link's value after #asb-prefill=."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/api/v1/second-report", json={"reports": TWO},
                             headers={"Authorization": f"Bearer {TOKEN}"}) as response:
            assert response.status == 200, await response.text()
            link = (await response.json())["assistant_link"]["url"]
    return link.split(f"#{FRAGMENT}=", 1)[1]


async def greet(prefill: str | None, language: str = "en"):
    dispatcher = CollectingDispatcher()
    latest = message("/greet", "greet", metadata={"prefill": prefill} if prefill else None)
    events = await ActionGreet().run(dispatcher, tracker({"language": language}, latest), {})
    return dispatcher, events


async def test_the_link_fills_the_incidents_and_the_check_asks_for_more(handoff):
    dispatcher, events = await greet(await link_value(handoff))
    assert "already filled in" in said(dispatcher)
    slots = slot_events(events)
    assert slots["incidents"] == [{
        "occurred_on": "2026-01-06", "occurred_on_approximate": True,
        "reported_on": "2026-01-06", "reported_to": ["police"], "reference": None,
        "description": None, "hate_related": False}]
    assert {name: slots[name] for name in ("incident_date", "incident_date_approximate",
                                           "report_date", "report_agencies",
                                           "incident_reference", "incident_hate")} == {
        "incident_date": "2026-03-01", "incident_date_approximate": False,
        "report_date": "2026-03-02", "report_agencies": ["council"],
        "incident_reference": "", "incident_hate": False}
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "eligibility_form"}
    form = ValidateEligibilityForm()
    required = await form.required_slots([], dispatcher, tracker(slots), {})
    assert [slot for slot in required if slots.get(slot) is None][0] == "more_incidents"


async def test_no_means_both_incidents_go_into_the_check(handoff):
    _, events = await greet(await link_value(handoff))
    slots = slot_events(events)
    answered = ValidateEligibilityForm.validate_more_incidents(
        "no", CollectingDispatcher(), tracker(slots, message("/deny", "deny")), {})
    assert [i["occurred_on"] for i in answered["incidents"]] == ["2026-01-06", "2026-03-01"]
    assert answered["more_incidents"] is False


async def test_a_link_works_once_and_then_says_so_and_greets(handoff):
    value = await link_value(handoff)
    await greet(value)
    dispatcher, events = await greet(value, "cy")
    assert "wedi'i defnyddio eisoes" in said(dispatcher)
    assert slot_events(events) == {}
    assert "999" in said(dispatcher)  # the greeting's menu, as any conversation


async def test_an_expired_link_is_said_plainly(handoff, monkeypatch):
    value = await link_value(handoff)
    monkeypatch.setenv("ASB_TODAY", "2026-03-25")
    dispatcher, events = await greet(value)
    assert "This link has expired" in said(dispatcher) and slot_events(events) == {}


async def test_a_link_not_signed_by_the_service_is_not_read(handoff):
    value = await link_value(handoff)
    dispatcher, events = await greet(value[:-1] + ("A" if value[-1] != "A" else "B"))
    assert "could not read your incidents" in said(dispatcher) and slot_events(events) == {}


async def test_the_service_down_is_said_plainly(monkeypatch):
    monkeypatch.setenv("ASB_HANDOFF_URL", f"http://127.0.0.1:{free_port()}")
    dispatcher, events = await greet("a" * 24 + "." + "b" * 43)
    assert "could not read your incidents" in said(dispatcher) and slot_events(events) == {}


async def test_no_link_is_the_usual_greeting():
    dispatcher, events = await greet(None)
    assert "already filled in" not in said(dispatcher) and events == []
