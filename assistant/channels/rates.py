"""Rate limits at the edge, in process (one Rasa server): a token bucket per key.

    per_address = RateLimit(per_minute=600)
    wait = per_address.take("203.0.113.7")   # 0.0: go ahead; else seconds until one is allowed

A key may make `per_minute` requests at once, then one every 60/per_minute seconds. Keys whose
bucket has filled up again are forgotten once there are many, so memory stays bounded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable


class RateLimit:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000):
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key: (tokens, when)

    def _tokens(self, key: str, now: float) -> float:
        tokens, when = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - when) * self.rate)

    def take(self, key: str) -> float:
        """Spend one request of `key`: 0.0 if allowed, else the seconds to wait (nothing spent)."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            return (1.0 - tokens) / self.rate
        self._buckets.pop(key, None)  # re-inserted last: the dict stays ordered by last use
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > self.max_keys:
            self._forget(now)
        return 0.0

    def _forget(self, now: float) -> None:
        """Drop keys whose bucket is full again; if still too many, the least recently used (down
        to nine tenths of the maximum, so the next few new keys do not scan them all again)."""
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.capacity]:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys * 9 // 10:
            del self._buckets[next(iter(self._buckets))]

    def __len__(self) -> int:
        return len(self._buckets)


def retry_after(wait: float) -> str:
    """The Retry-After header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


class Gate:
    """The two limits of the public edge, shared by every channel of one Rasa server."""

    def __init__(self, address_per_minute: int, conversation_per_minute: int,
                 clock: Callable[[], float] = time.monotonic):
        self.addresses = RateLimit(address_per_minute, clock)
        self.conversations = RateLimit(conversation_per_minute, clock)
