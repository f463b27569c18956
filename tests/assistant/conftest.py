"""Fixtures for the assistant's tests: the catalogs checked to be compiled, today fixed, the
handoff service's real API in this process (`intake`)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.locales import CatalogError, shipped_languages, translations
from deployment import load_deployment
from tests.assistant.handoff_service import handoff_service
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


@pytest.fixture
async def intake(tmp_path, monkeypatch):
    """The handoff service's real API on a free port, with its own SQLite database, where the
    action server finds it (`handoff_service`): the store it writes."""
    async with handoff_service(load_deployment(), tmp_path, monkeypatch) as store:
        yield store
