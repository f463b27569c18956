"""Fixtures for the assistant's tests: the catalogs checked to be compiled, today fixed, the
handoff service's real API in this process (`intake`)."""

from __future__ import annotations

from datetime import date

import pytest
from aiohttp import web

from assistant.locales import CatalogError, shipped_languages, translations
from deployment import load_deployment
from handoff.app import create_app
from handoff.store import Store
from stack import free_port
from tests.assistant.trackers import TODAY


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Every catalog's .mo, which the setup compiles, is there and not older than its .po: the
    tests read the catalogs as the action server does and write nothing into the tree."""
    try:
        for language in shipped_languages():
            translations(language)
    except CatalogError as error:
        pytest.fail(f"{error} (`make setup` does it)", pytrace=False)


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
