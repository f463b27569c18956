"""Our services as real processes, started from the stack's own service definitions (readiness
is /readyz): /healthz and /readyz on each, the action server's conversation counters and the
handoff's stored counter moved by a real application sent through the action server's webhook,
and their logs in JSON (ASB_LOG_FORMAT=json)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rasa_sdk.events import ActionExecuted, UserUttered

from stack import Settings, Stack, free_port
from stack.model import ROOT
from stack.services import SERVICES, handoff_database_env
from tests.assistant.slots import consented
from tests.assistant.trackers import tracker
from tests.live_stack import INTAKE_TOKEN, TODAY

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> Iterator[Stack]:
    """The action server, the handoff service and the widget server (no model: no Rasa)."""
    data_dir: Path = tmp_path_factory.mktemp("health")
    settings = Settings(root=ROOT, data_dir=data_dir, run_dir=data_dir / "run",
                        ports={name: free_port() for name in SERVICES},
                        intake_token=INTAKE_TOKEN, today=TODAY.isoformat(),
                        extra_env={handoff_database_env():
                                   f"sqlite:///{data_dir / 'handoff.sqlite3'}",
                                   "ASB_LOG_FORMAT": "json"})
    with Stack(settings) as stack:
        stack.start("actions", "handoff", "widget")
        yield stack


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post(url: str, document: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(document).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, json.loads(answer.read())


def samples(url: str) -> dict:
    status, body = get(f"{url}/metrics")
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body.decode())
            for s in family.samples}


def action_call(action: str, slots: dict, sender: str, events: list | None = None) -> dict:
    """What Rasa posts to the action server's /webhook to run `action`."""
    state = tracker(slots, sender=sender).current_state()
    state["events"] = events or []
    return {"next_action": action, "sender_id": sender, "tracker": state,
            "domain": {}, "version": "3.6.2"}


@pytest.mark.parametrize("name", ["actions", "handoff", "widget"])
def test_each_service_is_alive_and_ready(services, name):
    url = services.settings.url(name)
    assert get(f"{url}/healthz")[0] == 200
    status, body = get(f"{url}/readyz")
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_a_sent_application_moves_the_counters_of_both_services(services):
    actions, handoff = services.settings.url("actions"), services.settings.url("handoff")
    started = ("asb_conversations_started_total", (("language", "pl"),))
    completed = ("asb_conversations_completed_total", (("language", "pl"),))
    stored = ("handoff_applications_stored_total", (("language", "pl"),))
    before = samples(actions)
    sender = f"metrics-{time.time_ns()}"
    slots = consented("pl")
    earlier = [UserUttered("/greet"), ActionExecuted("action_listen")]
    # Only Rasa's own actions so far: the first one the action server runs for it.
    status, answer = post(f"{actions}/webhook",
                          action_call("action_submit_application", slots, sender, earlier))
    assert status == 200
    reference = next(e["value"] for e in answer["events"] if e.get("name") == "reference")
    after = samples(actions)
    assert after[started] == before.get(started, 0) + 1
    assert after[completed] == before.get(completed, 0) + 1
    assert after[("asb_action_seconds_count", (("action", "action_submit_application"),))] >= 1
    assert samples(handoff)[stored] >= 1
    # The same conversation again, now that a custom action ran in it: not a new conversation.
    ran = [*earlier, ActionExecuted("action_submit_application")]
    post(f"{actions}/webhook", action_call("action_submit_application",
                                           {**slots, "reference": reference}, sender, ran))
    again = samples(actions)
    assert again[started] == after[started]
    assert again[completed] == after[completed]  # "already sent" is no second application
    text = get(f"{actions}/metrics")[1].decode()
    assert slots["victim_name"] not in text and sender not in text and reference not in text


def test_the_action_server_stays_ready_but_says_when_the_handoff_is_down(services):
    actions = services.settings.url("actions")
    assert json.loads(get(f"{actions}/readyz")[1])["handoff"] == "ready"
    services.stop("handoff")
    try:
        status, body = get(f"{actions}/readyz")
        assert status == 200 and json.loads(body)["handoff"] == "unreachable"
        assert get(f"{actions}/healthz")[0] == 200
    finally:
        services.start("handoff")
    assert json.loads(get(f"{actions}/readyz")[1])["handoff"] == "ready"


@pytest.mark.parametrize("name", ["actions", "handoff", "widget"])
def test_with_json_logs_every_line_is_one_object(services, name):
    assert get(f"{services.settings.url(name)}/readyz")[0] == 200
    log = services.settings.run_dir / f"{name}.log"
    # Lines starting "--- " are the stack's own, between runs (stack/processes.py).
    lines = [line for line in log.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("--- ")]
    assert lines, f"{name} logged nothing"
    for line in lines:
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= entry.keys(), line
