"""Rasa's SQL tracker store without reading a whole conversation back on every message.

Rasa's `SQLTrackerStore.retrieve` loads every event of the conversation's session from the
database and deserialises each one (`DialogueStateTracker.from_dict`) on every message. A whole
application is about 500 events by the end, so that read was the Rasa server's largest single
cost under load after the policies (py-spy, docs/stack.md): about 75 ms a message near the end of
an application, against 1 ms for the query below.

Here each Rasa server keeps, for the conversations it served last, the events it last read or
saved, with the two numbers that say whether the database still holds exactly those: how many
events the current session has there and the highest event id. A message first asks the database
for those two numbers (one indexed query); when they match, the tracker is rebuilt from the kept
events (replaying events costs about 1 ms; no JSON, no deserialising), else it is read from the
database as Rasa does. So another server writing to the conversation (after a fail-over, or the
race the lock store guards against), `forget-conversations` deleting it, or a turn that failed
before it was saved, each changes a number and the next read goes to the database. The database
stays the only record: nothing is written anywhere else, and a restart just empties the cache.

The kept events are personal data in memory, as any tracker in a running Rasa server is: at most
`ASB_TRACKER_CACHE_SIZE` conversations (default 200; 0 turns the cache off), least recently used
first out, and dropped as soon as the database no longer has them.

Installed by `stack.rasa_server.install()`.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_SIZE = 200


@dataclass(frozen=True)
class Kept:
    count: int  # events of the current session in the database
    last_id: int  # the highest event id of the conversation
    events: tuple[Event, ...]


class TrackerCache:
    """The kept conversations of one tracker store, least recently used first out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[str, Kept] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, sender_id: str) -> Kept | None:
        with self._lock:
            kept = self._kept.get(sender_id)
            if kept is not None:
                self._kept.move_to_end(sender_id)
            return kept

    def put(self, sender_id: str, kept: Kept) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._kept[sender_id] = kept
            self._kept.move_to_end(sender_id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def drop(self, sender_id: str) -> None:
        with self._lock:
            self._kept.pop(sender_id, None)

    def __len__(self) -> int:
        return len(self._kept)


def cache_size() -> int:
    try:
        return max(0, int(os.environ.get("ASB_TRACKER_CACHE_SIZE", DEFAULT_SIZE)))
    except ValueError:
        return DEFAULT_SIZE


def cache_of(store: SQLTrackerStore) -> TrackerCache:
    cache = store.__dict__.get("_asb_tracker_cache")
    if cache is None:
        cache = store.__dict__["_asb_tracker_cache"] = TrackerCache(cache_size())
    return cache


def stored_numbers(store: SQLTrackerStore, sender_id: str) -> tuple[int, int | None]:
    """(events of the current session, highest event id) in the database, in one query."""
    with store.session_scope() as session:
        query = store._event_query(session, sender_id, fetch_events_from_all_sessions=False)
        count, last_id = query.order_by(None).with_entities(
            sa.func.count(store.SQLEvent.id), sa.func.max(store.SQLEvent.id)).one()
    return int(count or 0), last_id


_rasa_retrieve = SQLTrackerStore.retrieve
_rasa_save = SQLTrackerStore.save


async def retrieve(self: SQLTrackerStore, sender_id: str) -> DialogueStateTracker | None:
    """Rasa's `retrieve`, from the kept events while the database holds exactly those."""
    cache = cache_of(self)
    if cache.size <= 0 or self.domain is None:
        return await _rasa_retrieve(self, sender_id)
    count, last_id = stored_numbers(self, sender_id)
    kept = cache.get(sender_id)
    if kept is not None and (kept.count, kept.last_id) == (count, last_id) \
            and len(kept.events) == count:
        cache.hits += 1
        return DialogueStateTracker.from_events(sender_id, list(kept.events), self.domain.slots)
    cache.misses += 1
    cache.drop(sender_id)
    tracker = await _rasa_retrieve(self, sender_id)
    if tracker is not None:
        _keep(self, cache, tracker)
    return tracker


async def save(self: SQLTrackerStore, tracker: DialogueStateTracker) -> None:
    """Rasa's `save`, then the saved events kept (if the database holds exactly them)."""
    cache = cache_of(self)
    cache.drop(tracker.sender_id)  # whatever happens below, the kept events may be stale
    await _rasa_save(self, tracker)
    if cache.size > 0 and self.domain is not None:
        _keep(self, cache, tracker)


def _keep(store: SQLTrackerStore, cache: TrackerCache, tracker: DialogueStateTracker) -> None:
    """Keep the tracker's events when they are the database's current session, one for one (a
    tracker that began a new session this turn holds the old one too: read it again next time)."""
    count, last_id = stored_numbers(store, tracker.sender_id)
    events = tuple(tracker.events)
    if last_id is not None and len(events) == count:
        cache.put(tracker.sender_id, Kept(count, last_id, events))


def install() -> None:
    SQLTrackerStore.retrieve = retrieve
    SQLTrackerStore.save = save
