"""Rasa's SQL tracker store no longer stops the server when one message cannot be stored."""

from __future__ import annotations

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stack import rasa_patches


@pytest.fixture
def store(tmp_path):
    original = SQLTrackerStore.session_scope
    yield lambda: SQLTrackerStore(domain=Domain.empty(), db=str(tmp_path / "tracker.db"))
    SQLTrackerStore.session_scope = original


async def save(store: SQLTrackerStore, sender: str, text: str) -> None:
    tracker = DialogueStateTracker(sender, slots=[])
    tracker.update(UserUttered(text))
    await store.save(tracker)


async def test_rasa_alone_exits_on_a_lone_surrogate(store):
    with pytest.raises(SystemExit):
        await save(store(), "\ud800x", "hi")  # issue 11's request: the sender id


async def test_with_the_patch_only_that_message_fails_and_the_store_goes_on(store):
    rasa_patches.install()
    tracker_store = store()
    with pytest.raises(UnicodeEncodeError):
        await save(tracker_store, "\ud800x", "hi")
    await save(tracker_store, "b", "hello")
    assert (await tracker_store.retrieve("b")).latest_message.text == "hello"


async def test_a_missing_postgresql_schema_still_stops_start_up(store, monkeypatch):
    rasa_patches.install()
    tracker_store = store()
    monkeypatch.setattr("rasa.core.tracker_store.ensure_schema_exists",
                        lambda session: (_ for _ in ()).throw(ValueError("asb")))
    with pytest.raises(SystemExit):
        await save(tracker_store, "c", "hello")
