"""stack/tracker_cache.py: Rasa's SQL tracker store reading a conversation back from the events it
kept, only while the database holds exactly those; every tracker it gives is compared with the
one Rasa's own store reads from the same database (a second store, no cache)."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from stack import tracker_cache

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, inform]
slots:
  language: {type: text, mappings: [{type: custom}]}
  victim_name: {type: text, mappings: [{type: custom}]}
  requested_slot: {type: text, mappings: [{type: custom}]}
""")


@pytest.fixture
def stores(tmp_path, monkeypatch):
    """(ours, Rasa's, the database file): two stores on one SQLite database, the first with the
    cache installed (put back after the test), the second reading as Rasa does."""
    for name in ("retrieve", "save"):
        monkeypatch.setattr(SQLTrackerStore, name, getattr(SQLTrackerStore, name))
    db = tmp_path / "tracker.db"
    rasas = SQLTrackerStore(domain=DOMAIN, db=str(db))
    tracker_cache.install()
    ours = SQLTrackerStore(domain=DOMAIN, db=str(db))
    original = tracker_cache._rasa_retrieve

    async def rasa_reads(sender):
        return await original(rasas, sender)

    return ours, rasa_reads, db


def a_turn(tracker: DialogueStateTracker, text: str, slot: str, value: str) -> None:
    tracker.update_with_events([
        UserUttered(text, {"name": "inform", "confidence": 0.93},
                    parse_data={"text": text, "intent": {"name": "inform", "confidence": 0.93}}),
        ActionExecuted("name_form"),
        SlotSet(slot, value),
        SlotSet("requested_slot", "victim_name"),
        BotUttered("What is their name?", {"buttons": [{"title": "Ie", "payload": "/affirm"}]}),
        ActionExecuted("action_listen"),
    ], DOMAIN)


def same(a: DialogueStateTracker | None, b: DialogueStateTracker | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.current_state() == b.current_state() and list(a.events) == list(b.events)
            and a.active_loop_name == b.active_loop_name)


async def new_conversation(store: SQLTrackerStore, sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                ActionExecuted("action_listen"), ActiveLoop("name_form")], DOMAIN)
    await store.save(tracker)
    return tracker


async def turns(store: SQLTrackerStore, sender: str, count: int) -> None:
    """`count` turns, each read from the store, answered (the name given) and saved."""
    for turn in range(count):
        tracker = await store.retrieve(sender)
        a_turn(tracker, f"{sender.title()} Jones {turn}", "victim_name", f"{sender} {turn}")
        await store.save(tracker)


async def test_a_conversation_is_read_from_what_was_kept_and_is_rasas(stores):
    ours, rasa_reads, _ = stores
    await new_conversation(ours, "mair")
    await turns(ours, "mair", 30)
    cache = tracker_cache.cache_of(ours)
    # one read from the database: the first after the session began (the saved tracker holds the
    # action_session_start before SessionStarted, which Rasa does not read back as the session's)
    assert (cache.hits, cache.misses) == (29, 1)
    read = await ours.retrieve("mair")
    assert same(read, await rasa_reads("mair"))
    assert read.get_slot("victim_name") == "mair 29" and read.active_loop_name == "name_form"
    # the tracker given out is the caller's: changing it changes nothing kept
    read.update(SlotSet("victim_name", "someone else"))
    assert (await ours.retrieve("mair")).get_slot("victim_name") == "mair 29"


def statements(store: SQLTrackerStore) -> list[str]:
    """The SQL statements the store sends from now on (their first word), as they are sent."""
    sent: list[str] = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: sent.append(statement.split()[0]))
    return sent


async def test_a_turn_costs_one_read_and_the_writes(stores):
    ours, rasa_reads, _ = stores
    await new_conversation(ours, "siân")
    await ours.retrieve("siân")  # the first read after the session began: from the database
    sent = statements(ours)
    await turns(ours, "siân", 5)
    # each turn: one SELECT for the two numbers, one INSERT of the turn's six new events
    assert sent.count("SELECT") == 5 and sent.count("INSERT") == 5
    assert same(await ours.retrieve("siân"), await rasa_reads("siân"))
    assert tracker_cache.cache_of(ours).hits == 6


async def test_the_numbers_are_those_of_the_events_rasa_reads(stores):
    """stored_numbers' query against Rasa's own `_event_query` (the current session's events):
    a conversation of one session, one with a second session, one never seen."""
    ours, _, _ = stores
    await new_conversation(ours, "one")
    tracker = await new_conversation(ours, "two")
    a_turn(tracker, "Ffion", "victim_name", "Ffion")
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                ActionExecuted("action_listen")], DOMAIN)
    await ours.save(tracker)
    for sender in ("one", "two", "nobody"):
        with ours.session_scope() as session:
            query = ours._event_query(session, sender, fetch_events_from_all_sessions=False)
            rasas = query.order_by(None).with_entities(
                sa.func.count(ours.SQLEvent.id), sa.func.max(ours.SQLEvent.id)).one()
        assert tracker_cache.stored_numbers(ours, sender) == (int(rasas[0] or 0), rasas[1])
    assert tracker_cache.stored_numbers(ours, "two")[0] == 2  # the second session's two events


async def test_a_tracker_not_made_from_the_kept_events_is_saved_as_rasa_saves(stores):
    ours, rasa_reads, _ = stores
    await new_conversation(ours, "olu")
    await ours.retrieve("olu")
    # the same events, but other objects (read by another store): counted in the database first
    tracker = await rasa_reads("olu")
    a_turn(tracker, "Olu", "victim_name", "Olu")
    await ours.save(tracker)
    assert same(await ours.retrieve("olu"), await rasa_reads("olu"))
    assert (await ours.retrieve("olu")).get_slot("victim_name") == "Olu"


async def test_what_another_server_wrote_is_read_from_the_database(stores):
    ours, rasa_reads, db = stores
    tracker = await new_conversation(ours, "dan")
    a_turn(tracker, "Dan Price", "victim_name", "Dan Price")
    await ours.save(tracker)
    other = SQLTrackerStore(domain=DOMAIN, db=str(db))  # another Rasa server, no cache of ours
    elsewhere = await tracker_cache._rasa_retrieve(other, "dan")
    a_turn(elsewhere, "cymraeg plis", "language", "cy")
    await tracker_cache._rasa_save(other, elsewhere)
    read = await ours.retrieve("dan")
    assert read.get_slot("language") == "cy" and same(read, await rasa_reads("dan"))
    assert tracker_cache.cache_of(ours).misses == 1


async def test_a_turn_that_was_never_saved_is_not_read_back(stores):
    ours, rasa_reads, _ = stores
    await new_conversation(ours, "amira")
    tracker = await ours.retrieve("amira")
    a_turn(tracker, "the action server fell over here", "victim_name", "Amira")  # not saved
    read = await ours.retrieve("amira")
    assert read.get_slot("victim_name") is None and same(read, await rasa_reads("amira"))


async def test_a_forgotten_conversation_is_gone_from_the_cache_too(stores):
    ours, rasa_reads, db = stores
    tracker = await new_conversation(ours, "rahim")
    a_turn(tracker, "Rahim Uddin", "victim_name", "Rahim Uddin")
    await ours.save(tracker)
    assert (await ours.retrieve("rahim")).get_slot("victim_name") == "Rahim Uddin"
    with sqlite3.connect(db) as connection:  # as `forget-conversations` does
        connection.execute("delete from events where sender_id = 'rahim'")
    assert await ours.retrieve("rahim") is None and await rasa_reads("rahim") is None
    assert len(tracker_cache.cache_of(ours)) == 0


async def test_a_new_session_reads_only_that_session(stores):
    ours, rasa_reads, _ = stores
    tracker = await new_conversation(ours, "huda")
    a_turn(tracker, "Huda", "victim_name", "Huda")
    await ours.save(tracker)
    tracker = await ours.retrieve("huda")
    tracker.update_with_events([ActionExecuted("action_session_start"), SessionStarted(),
                                ActionExecuted("action_listen")], DOMAIN)
    a_turn(tracker, "ola again", "language", "pt")
    await ours.save(tracker)
    read = await ours.retrieve("huda")
    assert same(read, await rasa_reads("huda"))
    assert read.get_slot("victim_name") is None and read.get_slot("language") == "pt"
    again = await ours.retrieve("huda")
    assert same(again, read)


async def test_at_most_the_configured_number_of_conversations_are_kept(stores, monkeypatch):
    ours, rasa_reads, db = stores
    monkeypatch.setenv("ASB_TRACKER_CACHE_SIZE", "3")
    small = SQLTrackerStore(domain=DOMAIN, db=str(db))
    for sender in ("a", "b", "c", "d", "e"):
        await new_conversation(small, sender)
        await small.retrieve(sender)  # read once: kept
    assert len(tracker_cache.cache_of(small)) == 3
    for sender in ("a", "b", "c", "d", "e"):  # the first two read from the database, and right
        assert same(await small.retrieve(sender), await rasa_reads(sender))
    monkeypatch.setenv("ASB_TRACKER_CACHE_SIZE", "0")
    off = SQLTrackerStore(domain=DOMAIN, db=str(db))
    assert same(await off.retrieve("a"), await rasa_reads("a"))
    assert len(tracker_cache.cache_of(off)) == 0


@pytest.mark.parametrize("value", ["", "lots", "-4"])
def test_a_bad_size_setting_gives_the_default_or_off(monkeypatch, value):
    monkeypatch.setenv("ASB_TRACKER_CACHE_SIZE", value)
    assert tracker_cache.cache_size() == (0 if value == "-4" else tracker_cache.DEFAULT_SIZE)


@pytest.mark.integration
async def test_on_postgresql_a_turn_is_one_insert_and_rasa_reads_it_back(postgres, monkeypatch):
    """The deployed database: each turn's events in one INSERT ... RETURNING, the ids it gives
    are the ones the next read's numbers find, and Rasa's own store reads the same tracker."""
    import uuid

    from stack.throwaway_postgres import PG_USER

    for name in ("retrieve", "save"):
        monkeypatch.setattr(SQLTrackerStore, name, getattr(SQLTrackerStore, name))
    name = "t_" + uuid.uuid4().hex[:12]
    postgres.admin(f"CREATE DATABASE {name}")
    try:
        def store() -> SQLTrackerStore:
            return SQLTrackerStore(domain=DOMAIN, dialect="postgresql", host="127.0.0.1",
                                   port=postgres.port, db=name, username=PG_USER)

        rasas = store()
        tracker_cache.install()
        ours = store()
        await new_conversation(ours, "gwen")
        await ours.retrieve("gwen")
        sent = statements(ours)
        await turns(ours, "gwen", 12)
        assert sent.count("INSERT") == 12 and sent.count("SELECT") == 12
        kept = tracker_cache.cache_of(ours).get("gwen")
        assert (kept.count, kept.last_id) == tracker_cache.stored_numbers(ours, "gwen")
        assert tracker_cache.cache_of(ours).hits == 12  # every read in the loop
        assert same(await ours.retrieve("gwen"),
                    await tracker_cache._rasa_retrieve(rasas, "gwen"))
        for made in (ours, rasas):
            made.engine.dispose()
    finally:
        postgres.admin(f"DROP DATABASE {name} WITH (FORCE)")
