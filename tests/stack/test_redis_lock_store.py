"""The lock store against a real redis-server: the race Rasa's own RedisLockStore loses (two Rasa
servers taking the same conversation's lock at once, RasaHQ/rasa#9213), expiry, configuration."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from stack.redis_lock_store import TicketRedisLockStore
from stack.services import free_port
from stack.throwaway_redis import RedisServer, start_redis


def ours(server: RedisServer, **options) -> TicketRedisLockStore:
    return TicketRedisLockStore(url="127.0.0.1", port=server.port, db=2, **options)


@dataclass
class RaceResult:
    served: list[int] = field(default_factory=list)  # ticket numbers, in the order served
    overlaps: int = 0  # entries into the critical section while another holder was inside
    errors: list[BaseException] = field(default_factory=list)  # LockError, or stuck > 2 s
    rounds: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.overlaps or self.errors)


def race(make_store: Callable[[], LockStore], rounds: int, servers: int = 2, messages: int = 2,
         until_failed: bool = False) -> RaceResult:
    """`servers` store instances (as that many Rasa processes would have, each with its own
    connection and event loop, here one thread each) take the same conversation's lock for
    `messages` concurrent messages each, `rounds` times, all starting together each round.
    A message that waits more than 2 s for the lock counts as an error (a stuck conversation).
    `until_failed`: stop after the first round with an overlap or an error."""
    conversation = f"race-{uuid.uuid4().hex}"
    result = RaceResult()
    guard = threading.Lock()
    inside = 0
    go = True

    def next_round() -> None:  # run by the barrier once every server is there
        nonlocal go
        go = result.rounds < rounds and not (until_failed and result.failed)
        result.rounds += go

    start = threading.Barrier(servers, action=next_round)

    async def turn(store: LockStore) -> None:
        nonlocal inside
        async with store.lock(conversation, lock_lifetime=5, wait_time_in_seconds=0.001) as lock:
            with guard:
                inside += 1
                result.overlaps += inside > 1
                result.served.append(lock.now_serving)
            await asyncio.sleep(0.002)  # the turn: Rasa reads and writes the tracker here
            with guard:
                inside -= 1

    async def message(store: LockStore) -> None:
        try:
            await asyncio.wait_for(turn(store), timeout=2)
        except (LockError, asyncio.TimeoutError) as error:
            with guard:
                result.errors.append(error)

    async def server(store: LockStore) -> None:
        while True:
            start.wait(timeout=60)
            if not go:
                return
            await asyncio.gather(*(message(store) for _ in range(messages)))

    threads = [threading.Thread(target=asyncio.run, args=(server(make_store()),))
               for _ in range(servers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), "the race did not finish in 2 minutes"
    return result


def test_two_servers_never_hold_one_conversation_at_once(redis_server):
    rounds, servers, messages = 150, 2, 2
    result = race(lambda: ours(redis_server, poll_interval=0.001), rounds, servers, messages)
    assert result.rounds == rounds
    assert result.errors == []
    assert result.overlaps == 0
    # Every message was served, each ticket once, in the order the tickets were issued.
    assert len(result.served) == rounds * servers * messages
    assert result.served == sorted(set(result.served))


def test_rasas_own_redis_lock_store_loses_the_same_race(redis_server):
    """What the test above guards against: Rasa 3.6's RedisLockStore, same race, same Redis.
    Its read-modify-write of the whole lock lets two servers take the lock together, or drops
    the other's ticket so that it fails with LockError."""
    result = race(lambda: RedisLockStore(host="127.0.0.1", port=redis_server.port, db=3),
                  rounds=150, until_failed=True)
    assert result.failed, "Rasa's store won the race: the test above would show nothing"


def test_a_killed_holder_blocks_the_conversation_only_until_its_ticket_expires(redis_server):
    conversation = f"killed-{uuid.uuid4().hex}"
    dead = ours(redis_server)
    dead.issue_ticket(conversation, lock_lifetime=1.0)  # took the lock, then was killed

    async def next_message() -> float:
        began = time.monotonic()
        async with ours(redis_server).lock(conversation, lock_lifetime=10) as lock:
            assert lock.now_serving == 2
        return time.monotonic() - began

    waited = asyncio.run(asyncio.wait_for(next_message(), timeout=15))
    assert 0.8 <= waited < 5


def test_a_ticket_that_expires_while_waiting_fails_clearly(redis_server):
    conversation = f"slow-{uuid.uuid4().hex}"
    ours(redis_server).issue_ticket(conversation, lock_lifetime=30)  # held for long

    async def impatient() -> None:
        async with ours(redis_server).lock(conversation, lock_lifetime=0.3):
            pytest.fail("took a lock that was held")

    with pytest.raises(LockError, match="expired while waiting"):
        asyncio.run(asyncio.wait_for(impatient(), timeout=10))


def test_a_released_lock_leaves_no_queue_and_the_counter_expires(redis_server):
    conversation = f"tidy-{uuid.uuid4().hex}"
    store = ours(redis_server)

    async def one() -> None:
        async with store.lock(conversation, lock_lifetime=5):
            assert store.get_lock(conversation).is_someone_waiting()

    asyncio.run(one())
    red = redis_server.client(db=2)
    assert red.exists(store._queue(conversation)) == 0
    assert store.get_lock(conversation) is None
    assert 0 < red.pttl(store._counter(conversation)) <= 70_000
    with pytest.raises(NotImplementedError):
        store.save_lock(store.create_lock(conversation))


def test_a_lock_nobody_holds_costs_two_calls_to_redis(redis_server):
    """A message's lock when the conversation is free (nearly always): one call issues the
    ticket and says it is served, one releases it."""
    store = ours(redis_server)
    red = redis_server.client(db=2)

    def calls() -> int:
        return sum(stats["calls"] for name, stats in red.info("commandstats").items()
                   if name.startswith("cmdstat_eval"))

    async def one() -> None:
        async with store.lock(f"free-{uuid.uuid4().hex}", lock_lifetime=5):
            pass

    asyncio.run(one())  # the scripts loaded
    before = calls()
    asyncio.run(one())
    assert calls() - before == 2


def test_rasa_builds_it_from_an_endpoints_file(redis_server, tmp_path, monkeypatch):
    from rasa.core.utils import AvailableEndpoints

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("lock_store:\n  type: stack.redis_lock_store.TicketRedisLockStore\n"
                         "  url: ${ASB_REDIS_HOST}\n  port: ${ASB_REDIS_PORT}\n  db: 4\n"
                         "  key_prefix: agency1\n")
    monkeypatch.setenv("ASB_REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("ASB_REDIS_PORT", str(redis_server.port))
    store = LockStore.create(AvailableEndpoints.read_endpoints(str(endpoints)).lock_store)
    assert isinstance(store, TicketRedisLockStore)
    assert store.issue_ticket("c1") == 1
    assert redis_server.client(db=4).exists("agency1:lock:{c1}:queue") == 1

    by_url = LockStore.create(EndpointConfig(
        url=f"redis://127.0.0.1:{redis_server.port}/4",
        type="stack.redis_lock_store.TicketRedisLockStore", key_prefix="agency1"))
    assert by_url.issue_ticket("c1") == 2  # the same counter, reached by URL


def test_redis_down_is_a_lock_error_not_a_hang():
    store = TicketRedisLockStore(url="127.0.0.1", port=free_port(), socket_timeout=2)

    async def message() -> None:
        async with store.lock("c1"):
            pytest.fail("locked without Redis")

    began = time.monotonic()
    with pytest.raises(LockError, match="Redis"):
        asyncio.run(message())
    assert time.monotonic() - began < 5


def test_a_non_alphanumeric_key_prefix_is_refused(redis_server):
    with pytest.raises(ValueError, match="alphanumeric"):
        ours(redis_server, key_prefix="a:b")


def test_after_a_redis_restart_an_old_holder_releases_only_its_own_ticket():
    """Redis forgot every ticket: the numbers start again at 1. The holder from before the
    restart, finishing, must not release the new ticket 1 that has the same number."""
    server = start_redis()
    try:
        conversation = f"restart-{uuid.uuid4().hex}"
        old, new, later = (ours(server) for _ in range(3))

        async def scenario() -> None:
            async with old.lock(conversation, lock_lifetime=30) as before:
                assert before.now_serving == 1
                server.stop()
                restarted = start_redis(port=server.port)
                server.process, server.folder = restarted.process, restarted.folder
                holder = new.lock(conversation, lock_lifetime=30)
                assert (await holder.__aenter__()).now_serving == 1  # numbering started again
            # `old` released here (its ticket 1 of before the restart): `new` still holds.
            waiting = asyncio.create_task(later.lock(conversation, lock_lifetime=30).__aenter__())
            await asyncio.sleep(0.3)
            assert not waiting.done(), "the old holder released the new holder's ticket"
            await holder.__aexit__(None, None, None)
            assert (await asyncio.wait_for(waiting, timeout=5)).now_serving == 2

        asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    finally:
        server.stop()
