"""Old conversations are deleted from Rasa's SQL tracker store; recent ones are kept whole."""

from __future__ import annotations

import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stack import StackError
from stack.retention import forget_conversations

DAY = 86400.0


@pytest.fixture
def tracker_db(tmp_path, monkeypatch):
    path = tmp_path / "tracker.db"
    monkeypatch.setenv("ASB_TRACKER_DB", str(path))
    monkeypatch.setenv("ASB_ACTION_ENDPOINT_URL", "http://127.0.0.1:1/webhook")
    return path


async def _save(store: SQLTrackerStore, sender: str, *ages_in_days: float, now: float) -> None:
    tracker = DialogueStateTracker(sender, slots=[])
    for age in ages_in_days:
        tracker.update(UserUttered("my name is Sam", timestamp=now - age * DAY))
        tracker.update(ActionExecuted("action_listen", timestamp=now - age * DAY))
    await store.save(tracker)


async def test_conversations_idle_longer_than_the_limit_are_deleted(tracker_db):
    now = time.time()
    store = SQLTrackerStore(domain=Domain.empty(), db=str(tracker_db))
    await _save(store, "old", 90, 60, now=now)
    await _save(store, "started-long-ago-still-going", 90, 1, now=now)
    await _save(store, "recent", 2, now=now)

    assert forget_conversations(30, now=now) == 1

    assert await store.retrieve("old") is None
    kept = await store.retrieve("started-long-ago-still-going")
    assert kept is not None and len([e for e in kept.events if isinstance(e, UserUttered)]) == 2
    assert await store.retrieve("recent") is not None
    assert forget_conversations(30, now=now) == 0


def test_a_limit_of_zero_is_refused(tracker_db):
    with pytest.raises(StackError, match="more than 0"):
        forget_conversations(0)
