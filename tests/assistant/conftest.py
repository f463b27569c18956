"""Fixtures for the assistant's tests: catalogs compiled as the setup does, today fixed, the
handoff service's real API in this process (`intake`)."""

from __future__ import annotations

from datetime import date

import pytest
from aiohttp import web

from assistant.locales import compile_catalogs
from deployment import load_deployment
from handoff.app import create_app
from handoff.store import Store
from stack import free_port
from tests.assistant.trackers import TODAY


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """What the setup does: compile the .po catalogs the action server reads."""
    compile_catalogs()


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> date:
    monkeypatch.setenv("ASB_TODAY", TODAY.isoformat())
    monkeypatch.delenv("ASB_DEPLOYMENT", raising=False)
    return TODAY


INTAKE_TOKEN = "unit-test-intake-token"


@pytest.fixture
async def intake(tmp_path, monkeypatch):
    """The handoff service's real API on a free port, with its own SQLite database, where the
    action server finds it (ASB_HANDOFF_URL, ASB_HANDOFF_INTAKE_TOKEN): the store it writes."""
    store = Store(f"sqlite:///{tmp_path / 'handoff.sqlite3'}")
    store.migrate()
    runner = web.AppRunner(create_app(load_deployment(), store, INTAKE_TOKEN, worker=False))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    monkeypatch.setenv("ASB_HANDOFF_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ASB_HANDOFF_INTAKE_TOKEN", INTAKE_TOKEN)
    yield store
    await runner.cleanup()
    store.close()
