"""The handoff service's real API for the action server's tests: in this process, on a free
loopback port, with its own SQLite database, and the action server's settings pointing at it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from deployment import Deployment
from handoff.app import create_app
from handoff.store import Store
from stack import free_port

TOKEN = "unit-test-intake-token"


@contextlib.asynccontextmanager
async def handoff_service(deployment: Deployment, folder: Path,
                          monkeypatch: pytest.MonkeyPatch, worker: bool = False
                          ) -> AsyncIterator[Store]:
    """The service running for `deployment`, the action server sent to it (ASB_HANDOFF_URL,
    the intake token); its store. With `worker`, it also delivers what it stores."""
    store = Store(f"sqlite:///{folder / 'handoff.sqlite3'}")
    store.migrate()
    runner = web.AppRunner(create_app(deployment, store, TOKEN, worker=worker))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setenv("ASB_HANDOFF_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ASB_HANDOFF_INTAKE_TOKEN", TOKEN)
    try:
        yield store
    finally:
        await runner.cleanup()
        store.close()


@contextlib.asynccontextmanager
async def answering(path: str, handler) -> AsyncIterator[str]:
    """A small HTTP server on a free loopback port that answers POST `path` with `handler` (a
    stand-in for something else: a service that hangs, an agency's webhook): its base URL."""
    app = web.Application()
    app.router.add_post(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
