"""Fixtures for the assistant's tests: catalogs compiled as the setup does, today fixed."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.locales import compile_catalogs
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
