"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.stack import RunningStack, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The running system (Rasa, action server, handoff service, widget server), once per session.

    See tests/stack.py for what it offers. Tests using it must be marked `integration`.
    """
    running = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.close()
