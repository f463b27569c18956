"""The action call carries what the actions read (stack/action_payload.py), checked against the
call Rasa itself makes for the same conversation: the same call but for the older events, and
every reading the actions and the action server make of it the same."""

from __future__ import annotations

import json

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from assistant.action_server import ActionMetrics
from assistant.actions.answers import APPLY_OFFERS, answers_the_apply_offer
from assistant.actions.messages import render
from stack import action_payload
from tests.assistant.trackers import ROOT

RASAS = RemoteAction._action_call_format  # Rasa's own (a test installing ours puts it back)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def user(text: str, intent: str) -> UserUttered:
    ranking = [{"name": intent, "confidence": 0.93}, {"name": "inform", "confidence": 0.04}]
    return UserUttered(text, {"name": intent, "confidence": 0.93},
                       [{"entity": "agency", "value": "council", "start": 0, "end": 3}],
                       {"text": text, "intent": {"name": intent, "confidence": 0.93},
                        "intent_ranking": ranking, "entities": []},
                       input_channel="rest", metadata={"language": "cy"})


def bot(text: str, *titles: str) -> BotUttered:
    return BotUttered(text, {"buttons": [{"title": t, "payload": f"/{i}"}
                                         for i, t in enumerate(titles)]})


def conversation(domain: Domain, restart: bool = False) -> DialogueStateTracker:
    """An application well under way: typed Welsh, buttons pressed, a form asking, the last
    answer offering to apply."""
    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen"), user("shwmae, mae cymdogion yn swnllyd", "greet"),
              ActionExecuted("action_greet"), bot("Helo", "Gwirio", "Gwneud cais"),
              ActionExecuted("action_listen"), user("/start_application", "start_application"),
              ActionExecuted("eligibility_form"), ActiveLoop("eligibility_form")]
    if restart:
        events += [ActionExecuted("action_restart"), Restarted(), ActionExecuted("action_listen")]
    for day in range(1, 16):
        events += [SlotSet("requested_slot", "incident_date"), bot(f"Pryd? {day}", "Heddiw"),
                   ActionExecuted("action_listen"), user(f"{day} Mai, y noson wedyn", "inform"),
                   ActionExecuted("validate_eligibility_form"),
                   SlotSet("incident_date", f"2026-05-{day:02}"), ActionExecuted("eligibility_form")]
    events += [ActiveLoop(None), ActionExecuted("action_check_eligibility"),
               bot("Gallwch wneud cais", render("cy", APPLY_OFFERS[0]), "Dim nawr"),
               ActionExecuted("action_listen"), user("/start_application", "start_application"),
               SlotSet("applicant_role", "victim")]
    tracker = DialogueStateTracker("payload", domain.slots)
    tracker.update_with_events(events, domain)
    return tracker


def calls(tracker: DialogueStateTracker, domain: Domain) -> tuple[dict, dict]:
    action = RemoteAction("validate_application_form", EndpointConfig("http://127.0.0.1:1"))
    return RASAS(action, tracker, domain), action_payload.action_call_format(action, tracker, domain)


def test_the_call_is_rasas_but_for_the_older_events(domain):
    tracker = conversation(domain)
    rasas, ours = calls(tracker, domain)
    rasa_events, our_events = rasas["tracker"].pop("events"), ours["tracker"].pop("events")
    assert ours == rasas  # the slots, latest message, active loop, domain: Rasa's own
    start = action_payload.window_start(list(tracker.events))
    window = len(tracker.events) - start
    assert our_events[-window:] == rasa_events[-window:]
    assert our_events[-window]["event"] == "user"  # from the user's message before the latest
    older = our_events[:-window]
    assert {e["event"] for e in older} == {"user", "action", "session_started", "active_loop"}
    # every older user message, custom action and mark is there, in order
    custom = set(domain.user_actions)
    for kept in (lambda e: e["event"] == "user", lambda e: e["event"] in action_payload.MARKS,
                 lambda e: e["event"] == "action" and e["name"] in custom):
        assert [e.get("text") or e.get("name") for e in our_events if kept(e)] == \
            [e.get("text") or e.get("name") for e in rasa_events if kept(e)]
    assert len(json.dumps(our_events)) < len(json.dumps(rasa_events)) / 3


@pytest.mark.parametrize("restart", [False, True])
def test_what_the_actions_read_is_the_same(domain, restart):
    tracker = conversation(domain, restart)
    rasas, ours = (Tracker.from_dict(call["tracker"]) for call in calls(tracker, domain))
    assert answers_the_apply_offer(ours, "cy") is answers_the_apply_offer(rasas, "cy") is True
    assert ours.slots_to_validate() == rasas.slots_to_validate() == {"applicant_role": "victim"}
    assert ours.get_latest_input_channel() == rasas.get_latest_input_channel() == "rest"
    assert ours.latest_message == rasas.latest_message
    assert ours.active_loop_name == rasas.active_loop_name
    assert ours.current_slot_values() == rasas.current_slot_values()
    assert [e.get("text") for e in ours.events_after_latest_restart() if e["event"] == "user"] \
        == [e.get("text") for e in rasas.events_after_latest_restart() if e["event"] == "user"]
    metrics = ActionMetrics({"action_greet", "validate_eligibility_form"})
    for call in (ours, rasas):
        assert not metrics.first_served({"events": call.events}, "action_greet")


def test_a_short_conversation_is_sent_whole(domain):
    tracker = DialogueStateTracker("short", domain.slots)
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                ActionExecuted("action_listen"), user("helo", "greet")], domain)
    rasas, ours = calls(tracker, domain)
    assert ours == rasas
