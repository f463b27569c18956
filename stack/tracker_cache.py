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

Saving a turn, Rasa first counts the session's events in the database to know which of the
tracker's are new; ours did that and then asked for the two numbers again to keep the result.
A tracker made from the kept events this turn (the same event objects, checked one by one) is
saved without either: the new events are those after the kept count, and the numbers to keep are
the old count plus the new events and the highest id the database gave them. That holds because
the conversation's lock is held from the read to the write (no other server writes in between);
were it ever broken, the numbers would differ at the next read, which would go to the database.
The new events go in one statement (`INSERT ... VALUES (...), (...)`, with `RETURNING id` on
PostgreSQL), where Rasa's session sends one a row; on a database other than PostgreSQL and SQLite,
and for any other tracker, the turn is saved Rasa's way. A turn is
two statements, the query and the insert, where it was about twenty.

The kept events are personal data in memory, as any tracker in a running Rasa server is: at most
`ASB_TRACKER_CACHE_SIZE` conversations (default 200; 0 turns the cache off), least recently used
first out, and dropped as soon as the database no longer has them.

Installed by `stack.rasa_server.install()`.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

DEFAULT_SIZE = 200
# Where a turn's events go in one INSERT and the highest id it gave is known without asking:
# PostgreSQL says the ids (RETURNING), SQLite's last row id is the last row's. (MySQL's would be
# the first row's: any other database is saved Rasa's way.)
ONE_INSERT = frozenset({"postgresql", "sqlite"})


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


def numbers_query(store: SQLTrackerStore) -> sa.sql.Select:
    """The query for `stored_numbers`, made once per store: the count and highest id of the
    events Rasa's `_event_query` reads (the conversation's since its latest `session_started`,
    or all of them if it has none), with the conversation as the parameter `sender`."""
    query = store.__dict__.get("_asb_numbers_query")
    if query is None:
        event = store.SQLEvent
        session_start = sa.select(sa.func.max(event.timestamp)).where(
            event.sender_id == sa.bindparam("sender"),
            event.type_name == SessionStarted.type_name).scalar_subquery()
        query = store.__dict__["_asb_numbers_query"] = sa.select(
            sa.func.count(event.id), sa.func.max(event.id)).where(
            event.sender_id == sa.bindparam("sender"),
            sa.or_(event.timestamp >= session_start, session_start.is_(None)))
    return query


def stored_numbers(store: SQLTrackerStore, sender_id: str) -> tuple[int, int | None]:
    """(events of the current session, highest event id) in the database, in one query."""
    with store.session_scope() as session:
        count, last_id = session.execute(numbers_query(store), {"sender": sender_id}).one()
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
    kept = cache.get(tracker.sender_id)
    cache.drop(tracker.sender_id)  # whatever happens below, the kept events may be stale
    if cache.size <= 0 or self.domain is None:
        await _rasa_save(self, tracker)
    elif kept is not None and _continues(kept, tracker) and self.engine.dialect.name in ONE_INSERT:
        await _save_after(self, cache, kept, tracker)
    else:
        await _rasa_save(self, tracker)
        _keep(self, cache, tracker)


def _continues(kept: Kept, tracker: DialogueStateTracker) -> bool:
    """Whether the tracker was made from the kept events (read back this turn, the database
    checked to hold exactly them then), the same objects in the same order, and added to."""
    events = tracker.events
    return len(events) >= kept.count and all(
        mine is theirs for mine, theirs in zip(kept.events, events, strict=False))


async def _save_after(store: SQLTrackerStore, cache: TrackerCache, kept: Kept,
                      tracker: DialogueStateTracker) -> None:
    """What Rasa's `save` writes (the events after the first `kept.count`), without asking the
    database how many it holds, nor afterwards which it holds: the kept numbers say it, as long as
    no one else wrote to the conversation since it was read this turn, which its lock (taken for
    the whole turn) rules out, and which would show as different numbers at the next read."""
    await store.stream_events(tracker)
    new = list(itertools.islice(tracker.events, kept.count, None))
    last_id = kept.last_id
    if new:
        with store.session_scope() as session:
            last_id = insert_events(store, session, tracker.sender_id, new)
            session.commit()
    if not any(isinstance(event, SessionStarted) for event in new):  # else a new session: read
        cache.put(tracker.sender_id, Kept(kept.count + len(new), last_id, tuple(tracker.events)))


def insert_events(store: SQLTrackerStore, session, sender_id: str, events: list[Event]) -> int:
    """The rows Rasa's `save` writes for `events`, in one statement rather than one a row (as
    Rasa's session does it): the highest id the database gave them (see ONE_INSERT)."""
    rows = []
    for event in events:
        data = event.as_dict()
        rows.append({
            "sender_id": sender_id, "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)})
    table = store.SQLEvent.__table__
    statement = sa.insert(table).values(rows)
    if store.engine.dialect.name == "postgresql":
        return max(session.execute(statement.returning(table.c.id)).scalars())
    return session.execute(statement).lastrowid  # SQLite (ONE_INSERT)


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
