"""A Rasa lock store on Redis that is safe across Rasa servers.

Rasa Open Source 3.6's `RedisLockStore` reads a conversation's whole lock (a JSON list of
tickets), adds a ticket in Python and writes the list back. Two Rasa servers doing that at once
for the same conversation both read "last ticket N", both issue N+1 and both take the lock
(RasaHQ/rasa#9213; the fix was reverted from the open-source release, #11428). Here every step
is one Lua script run atomically by Redis:

- a ticket number comes from `INCR` on the conversation's counter, so no two are alike;
- the tickets waiting are a sorted set (score: the ticket number; member: "number:expires"),
  so the one served is always the lowest number still waiting;
- a ticket expires `lock_lifetime` seconds after it was issued, by Redis's own clock (no clock
  skew between servers): a holder that was killed blocks its conversation for at most that long;
- releasing removes only one's own ticket, never a list another server wrote.

Plugged in through endpoints.yml:

    lock_store:
      type: stack.redis_lock_store.TicketRedisLockStore
      url: ${ASB_REDIS_HOST}      # a host name, or redis://[:password@]host:port/db
      port: 6379
      db: 1
      key_prefix: asb             # optional, alphanumeric
      poll_interval: 0.02         # seconds between looks while waiting (Rasa's store: 1 s)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

logger = logging.getLogger(__name__)

DEFAULT_POLL_INTERVAL = 0.02

# Shared by the scripts: `now` in milliseconds by Redis's clock, and expired tickets removed.
_PURGE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local expires = tonumber(string.match(member, ':(%d+)$'))
  if expires < now then redis.call('ZREM', KEYS[1], member) end
end
"""
# KEYS: queue, counter. ARGV: lifetime in ms. Returns the new ticket's member ("number:expires")
# and the number served now (the new ticket's own when nobody was waiting: no second look).
_ISSUE = _PURGE + """
local number = redis.call('INCR', KEYS[2])
local member = number .. ':' .. (now + tonumber(ARGV[1]))
redis.call('ZADD', KEYS[1], number, member)
local keep = tonumber(ARGV[1]) * 2 + 60000
redis.call('PEXPIRE', KEYS[1], keep)
if redis.call('PTTL', KEYS[2]) < keep then redis.call('PEXPIRE', KEYS[2], keep) end
return {member, tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])}
"""
# KEYS: queue. ARGV: member. Returns the number served now; -1 when this ticket is gone
# (expired, or Redis restarted and forgot it: a member holds its expiry, so a ticket of the same
# number issued after a restart is not taken for it).
_SERVING = _PURGE + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
return tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
"""
# KEYS: queue. ARGV: member. Removes it; the queue's key goes when nobody waits.
_RELEASE = _PURGE + """
redis.call('ZREM', KEYS[1], ARGV[1])
return redis.call('ZCARD', KEYS[1])
"""
# KEYS: queue. ARGV: number. Rasa's finish_serving, by number only.
_RELEASE_NUMBER = _PURGE + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
return redis.call('ZCARD', KEYS[1])
"""


def _client(url: str | None, **options: Any) -> redis.Redis:
    """A client for a host name (Rasa's `url` convention) or a redis:// URL."""
    if url and "://" in url:
        return redis.Redis.from_url(url, socket_timeout=options.get("socket_timeout"))
    options.setdefault("host", url or "localhost")
    return redis.Redis(**options)


class TicketRedisLockStore(LockStore):
    """Ticket locks kept in Redis, issued and served atomically (see the module's docstring)."""

    def __init__(self, endpoint_config: Any = None, **options: Any) -> None:
        if endpoint_config is not None:  # Rasa: `type: stack.redis_lock_store...` in endpoints
            options = {**endpoint_config.kwargs, "url": endpoint_config.url, **options}
        self._connect(**options)
        super().__init__()

    def _connect(self, url: str | None = None, port: int = 6379, db: int = 1,
                 username: str | None = None, password: str | None = None,
                 use_ssl: bool = False, key_prefix: str | None = None,
                 socket_timeout: float = 5.0, poll_interval: float = DEFAULT_POLL_INTERVAL) -> None:
        self.red = _client(url, port=int(port), db=int(db), username=username,
                           password=password, ssl=bool(use_ssl),
                           socket_timeout=float(socket_timeout))
        if key_prefix and not str(key_prefix).isalnum():
            raise ValueError(f"lock store key_prefix must be alphanumeric, not {key_prefix!r}")
        self.prefix = f"{key_prefix}:lock:" if key_prefix else "asb:lock:"
        self.poll_interval = float(poll_interval)
        self._issue = self.red.register_script(_ISSUE)
        self._serving = self.red.register_script(_SERVING)
        self._release = self.red.register_script(_RELEASE)
        self._release_number = self.red.register_script(_RELEASE_NUMBER)

    def _queue(self, conversation_id: str) -> str:
        # The braces keep a conversation's keys in one Redis Cluster slot (the scripts need both).
        return f"{self.prefix}{{{conversation_id}}}:queue"

    def _counter(self, conversation_id: str) -> str:
        return f"{self.prefix}{{{conversation_id}}}:next"

    # Rasa's LockStore interface -------------------------------------------------------------

    def _issue_member(self, conversation_id: str, lock_lifetime: float) -> tuple[str, int]:
        """A new ticket's member, and the number served now."""
        try:
            member, serving = self._issue(keys=[self._queue(conversation_id),
                                                self._counter(conversation_id)],
                                          args=[max(1, int(lock_lifetime * 1000))])
        except redis.RedisError as error:
            raise LockError(f"Could not issue a lock ticket (Redis: {error})") from error
        return member.decode(), int(serving)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket, numbered after every other one issued for this conversation."""
        return int(self._issue_member(conversation_id, lock_lifetime)[0].split(":")[0])

    def serving(self, conversation_id: str, member: str) -> int | None:
        """The ticket number served now, or None when the ticket `member` has expired."""
        number = int(self._serving(keys=[self._queue(conversation_id)], args=[member]))
        return None if number < 0 else number

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        """The tickets waiting, as Rasa's TicketLock (a snapshot: for reading only)."""
        members = self.red.zrange(self._queue(conversation_id), 0, -1)
        tickets = []
        for member in members:
            number, expires_ms = member.decode().split(":")
            tickets.append(Ticket(int(number), int(expires_ms) / 1000))
        return TicketLock(conversation_id, deque(tickets)) if tickets else None

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("a TicketLock is never written back whole: that is the race "
                                  "this store exists to avoid")

    def delete_lock(self, conversation_id: str) -> None:
        deleted = self.red.delete(self._queue(conversation_id), self._counter(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def update_lock(self, conversation_id: str) -> None:
        """Expired tickets go on every look at the queue; nothing to do."""

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._release_number(keys=[self._queue(conversation_id)], args=[ticket_number])

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float | None = None) -> AsyncIterator[TicketLock]:
        """Hold the conversation's lock: wait for this ticket's turn, release it afterwards.

        Raises LockError when the ticket expired while waiting (the ones before it held the
        conversation longer than `lock_lifetime`) or Redis does not answer.
        """
        wait = self.poll_interval if wait_time_in_seconds is None else wait_time_in_seconds
        # Rasa's callers pass no wait time (its default is 1 s); ours polls faster.
        wait = min(wait, self.poll_interval)
        member, now_serving = self._issue_member(conversation_id, lock_lifetime)
        ticket = int(member.split(":")[0])
        expires = time.time() + lock_lifetime
        try:
            while now_serving != ticket:
                await asyncio.sleep(wait)
                try:
                    now_serving = self.serving(conversation_id, member)
                except redis.RedisError as error:
                    raise LockError(f"Could not read the lock (Redis: {error})") from error
                if now_serving is None:
                    raise LockError(f"Could not acquire lock for conversation_id "
                                    f"'{conversation_id}': its ticket expired while waiting.")
            yield TicketLock(conversation_id, deque([Ticket(ticket, expires)]))
        finally:
            try:
                self._release(keys=[self._queue(conversation_id)], args=[member])
            except redis.RedisError as error:  # the ticket expires by itself
                logger.warning("Could not release a lock ticket (Redis: %s)", error)
