"""Fixtures shared by every test folder: the running system (`stack`), started once per session.

Tests that use it run last, and the model starts training as soon as collection ends, so the
training (minutes from a fresh clone) overlaps the unit tests instead of adding to them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from asb import env
from stack.throwaway_postgres import PostgresCluster, start_postgres
from tests.live_stack import Launcher, RunningStack, new_base

# The test switch: every test, and every process a test starts, may fix "today" with ASB_TODAY.
os.environ[env.TEST_CLOCK] = "1"

_launcher: Launcher | None = None


def _uses_stack(item: pytest.Item) -> bool:
    return "stack" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)  # after -m / -k deselection
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    global _launcher
    users = [item for item in items if _uses_stack(item)]
    if not users:
        return
    items[:] = [item for item in items if not _uses_stack(item)] + users
    if not config.option.collectonly:
        _launcher = Launcher(new_base())
        _launcher.begin()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _launcher is not None:
        _launcher.close()  # also when no test got as far as using it
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        # A run that tests nothing is a mistake (a wrong path, -m or -k), never a pass.
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("no tests were collected: check the path, -m and -k", red=True)


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    """The running system (Rasa, action server, handoff service, widget server), once per session.

    See tests/live_stack.py for what it offers. Tests using it must be marked `integration`.
    """
    launcher = _launcher or Launcher(new_base())
    running = launcher.finish()
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the whole test session (without fsync: the tests
    never pull the power)."""
    cluster, stop = start_postgres(durable=False)
    try:
        yield cluster
    finally:
        stop()
