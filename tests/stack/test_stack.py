"""The running system comes up, answers, and lets a service be stopped and started again."""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.integration


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_every_service_is_in_the_tree(stack):
    assert stack.missing == {}, f"services not in the tree yet: {stack.missing}"


def test_rest_channel_answers_greet(stack):
    sender = f"smoke-{uuid.uuid4().hex}"
    replies = stack.send(sender, "/greet", {"language": "en"})
    assert replies, "the assistant said nothing to /greet"
    assert all(reply["recipient_id"] == sender for reply in replies)
    assert any(reply.get("text") for reply in replies)


def test_conversations_are_kept_in_the_sqlite_tracker_store(stack):
    sender = f"smoke-{uuid.uuid4().hex}"
    stack.send(sender, "/greet", {"language": "en"})
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        (count,) = db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()
    assert count > 0


def test_action_server_and_handoff_service_are_healthy(stack):
    assert _status(f"{stack.actions_url}/health") == 200
    assert _status(f"{stack.handoff_url}/healthz") == 200


def test_widget_server_serves_the_demo_page(stack):
    assert _status(f"{stack.widget_url}/") == 200


def test_stopping_and_starting_a_service(stack):
    stack.stop("handoff")
    assert not stack.running("handoff")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{stack.handoff_url}/healthz", timeout=5)
    stack.start("handoff")
    assert stack.running("handoff")
    assert _status(f"{stack.handoff_url}/healthz") == 200
