"""Fixtures for the stack's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stack.throwaway_redis import RedisServer, start_redis


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session, on a free loopback port, saving nothing."""
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()
