"""A real Rasa server with the project's Redis lock store from its endpoints file: a burst of
messages to one conversation all pass through the store, one at a time, in order."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from stack import Project, Settings, Stack, ensure_model, free_port
from stack.model import ROOT
from stack.services import LOAD_TEST_LIMITS, SERVICES
from tests.live_stack import INTAKE_TOKEN, RASA_READY_TIMEOUT, TODAY

pytestmark = pytest.mark.integration

ENDPOINTS = """\
action_endpoint:
  url: ${{ASB_ACTION_ENDPOINT_URL}}
tracker_store:
  type: SQL
  dialect: sqlite
  db: ${{ASB_TRACKER_DB}}
lock_store:
  type: stack.redis_lock_store.TicketRedisLockStore
  url: 127.0.0.1
  port: {port}
  db: 5
  key_prefix: asbtest
"""
BURST = 8


@pytest.fixture(scope="module")
def rasa(redis_server, tmp_path_factory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("rasa-redis")
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(ENDPOINTS.format(port=redis_server.port), encoding="utf-8")
    settings = Settings(root=ROOT, data_dir=folder, run_dir=folder / "run",
                        ports={name: free_port() for name in SERVICES},
                        intake_token=INTAKE_TOKEN, today=TODAY.isoformat(), rasa_api=True,
                        rasa_ready_timeout=RASA_READY_TIMEOUT, limits=LOAD_TEST_LIMITS,
                        endpoints=str(endpoints))
    model = ensure_model(Project.assistant()).path
    with Stack(settings, model=model) as stack:
        stack.start("actions", "rasa")
        yield stack


def send(url: str, sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text, "metadata": {"language": "en"}})
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


def test_a_burst_to_one_conversation_takes_its_tickets_from_redis_in_turn(rasa, redis_server):
    url, sender = rasa.settings.url("rasa"), f"burst-{uuid.uuid4().hex}"
    with ThreadPoolExecutor(BURST) as pool:
        replies = list(pool.map(lambda _: send(url, sender, "/greet"), range(BURST)))
    assert all(replies)
    red = redis_server.client(db=5)
    assert int(red.get(f"asbtest:lock:{{{sender}}}:next")) == BURST  # each took our ticket
    assert red.exists(f"asbtest:lock:{{{sender}}}:queue") == 0  # and gave it back
    token = rasa.settings.rasa_token
    with urllib.request.urlopen(f"{url}/conversations/{sender}/tracker?token={token}",
                                timeout=30) as answer:
        events = json.loads(answer.read())["events"]
    users = [i for i, event in enumerate(events) if event["event"] == "user"]
    assert len(users) == BURST
    # One message at a time: each is answered (back to action_listen) before the next is read.
    for this, following in zip(users, users[1:], strict=False):
        between = [e.get("name") for e in events[this:following] if e["event"] == "action"]
        assert between and between[-1] == "action_listen", between
