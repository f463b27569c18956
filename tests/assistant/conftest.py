"""Fixtures for the assistant's tests: the catalogs checked to be compiled, today fixed."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.locales import CatalogError, shipped_languages, translations
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
