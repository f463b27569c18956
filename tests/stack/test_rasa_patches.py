"""Rasa's SQL tracker store no longer stops the server when one message cannot be stored, a
custom action that cannot run ends the turn instead of passing in silence, and a tracker store
that cannot be reached fails the message instead of starting the conversation afresh."""

from __future__ import annotations

import pytest
import rasa
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from stack import free_port, rasa_patches


@pytest.fixture
def store(tmp_path):
    patched = [(SQLTrackerStore, "session_scope"), (RemoteAction, "run"),
               (MessageProcessor, "_run_action"), (FailSafeTrackerStore, "on_tracker_store_error"),
               (FailSafeTrackerStore, "on_tracker_store_retrieve_error")]
    originals = [getattr(cls, name) for cls, name in patched]
    yield lambda: SQLTrackerStore(domain=Domain.empty(), db=str(tmp_path / "tracker.db"))
    for (cls, name), original in zip(patched, originals, strict=True):
        setattr(cls, name, original)


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


def test_install_refuses_another_rasa_and_changes_nothing(store, monkeypatch):
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match=r"^stack\.rasa_patches was written for Rasa 3\.6\.21, "
                       r"found 3\.7\.0: check SQLTrackerStore\.session_scope and update "
                       r"stack/rasa_patches\.py$"):
        rasa_patches.install()
    assert SQLTrackerStore.session_scope is not rasa_patches.session_scope


def unreachable(store) -> FailSafeTrackerStore:
    """Rasa's wrapper around a SQL tracker store whose database has lost its table (as when
    the database cannot be reached: every read and write fails)."""
    tracker_store = store()
    with tracker_store.engine.begin() as connection:
        connection.exec_driver_sql("drop table events")
    return FailSafeTrackerStore(tracker_store)


async def test_rasa_alone_goes_on_without_the_tracker_store(store):
    tracker_store = unreachable(store)
    assert await tracker_store.retrieve("d") is None  # the conversation starts afresh
    await save(tracker_store, "d", "hello")  # kept in memory, where nothing reads it


async def test_with_the_patch_a_tracker_store_failure_fails_the_message(store):
    rasa_patches.install()
    tracker_store = unreachable(store)
    with pytest.raises(rasa_patches.TrackerStoreFailed):
        await tracker_store.retrieve("d")
    with pytest.raises(rasa_patches.TrackerStoreFailed):
        await save(tracker_store, "d", "hello")


async def rasa_swallowing(self, action, tracker, output_channel, nlg, prediction):
    """What Rasa 3.6.21's _run_action does with a failing action: logs it, goes on."""
    try:
        return await action.run(output_channel, nlg, tracker, Domain.empty())
    except ActionExecutionRejection:
        raise
    except Exception:
        return []


async def test_a_custom_action_that_cannot_run_ends_the_turn(store, monkeypatch):
    rasa_patches.install()
    monkeypatch.setattr(rasa_patches, "_rasa_run_action", rasa_swallowing)
    nobody = EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")  # the server is down
    action = RemoteAction("action_greet", nobody)
    tracker = DialogueStateTracker("a", slots=[])
    with pytest.raises(rasa_patches.CustomActionFailed):
        await rasa_patches.run_action(None, action, tracker, CollectingOutputChannel(), None,
                                      None)
    assert rasa_patches._failed_action.get() is None  # the next action starts clean

