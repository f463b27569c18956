"""Three failures of Rasa 3.6.21 made visible instead of fatal or silent.

1. Rasa's SQL tracker store, kept from stopping the server on a bad message.

`SQLTrackerStore.session_scope` wraps every read and write in `except ValueError:` meant for one
case, a PostgreSQL schema missing at start-up, and answers it with `sys.exit(1)`. But any
`ValueError` inside the scope lands there too: a message with a lone surrogate raised SQLite's
`UnicodeEncodeError` (a `ValueError`) and stopped the whole Rasa server (issue 11). The channels
now refuse such messages (assistant/channels); this makes sure nothing else can do the same:
the schema check keeps Rasa's message and exit, any other error fails only the message that
caused it.

2. A custom action that fails (the action server down, restarting or answering 500) no longer
passes in silence. Rasa's `MessageProcessor._run_action` logs any exception and carries on with
no events, so the user got nothing, or half a turn, and no word that anything went wrong (found
by the fault campaign, tests/stack/test_faults.py, with the action server killed). Now the
failure ends the turn with `CustomActionFailed`: the channels (assistant/channels) answer it
with "try again in a moment" (REST 500, socket.io `refused`), and Rasa does not save the turn,
so the same message sent again is handled as new once the action server is back. A rejection
(`ActionExecutionRejection`, a form's validation saying no) is no failure and goes on as before.

3. The tracker store unreachable (PostgreSQL restarting) no longer answers as if the conversation
had just begun. Rasa wraps every tracker store in `FailSafeTrackerStore`, which logs a failed read
and returns no tracker, so the message was handled in a new, empty conversation (someone halfway
through an application got the greeting's answer), and logs a failed write and keeps the turn in
memory, where nothing reads it (found by tests/stack/test_cluster_parts.py, PostgreSQL
restarted). Now either failure fails the message, as in 2: "try again in a moment", nothing of
the turn saved, and the same message sent again once the database is back is handled in the
conversation it belongs to.

Installed by `stack.rasa_server.install()` (one line: `rasa_patches.install()`).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Generator
from contextvars import ContextVar
from typing import Any

import rasa
from rasa.core import tracker_store
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"  # the version this module and stack.rasa_server replace pieces of
_SCHEMA_MISSING = (
    "Requested PostgreSQL schema '{schema}' was not found in the database. To continue, please "
    "create the schema by running 'CREATE DATABASE {schema};' or unset the '{variable}' "
    "environment variable in order to use the default schema. Exiting application.")


@contextlib.contextmanager
def session_scope(self: SQLTrackerStore) -> Generator[Any, None, None]:
    """Rasa's transactional scope, exiting only when the schema is missing."""
    session = self.sessionmaker()
    try:
        try:
            tracker_store.ensure_schema_exists(session)
        except ValueError as missing:
            rasa.shared.utils.cli.print_error_and_exit(_SCHEMA_MISSING.format(
                schema=missing, variable=tracker_store.POSTGRESQL_SCHEMA))
        yield session
    finally:
        session.close()


class CustomActionFailed(RasaException):
    """A custom action could not run: the turn ends here and is not saved."""


class TrackerStoreFailed(RasaException):
    """The tracker store could not read or save a conversation: the message fails."""


def tracker_store_failed(self: FailSafeTrackerStore, error: Exception) -> None:
    """What `FailSafeTrackerStore` calls on a failed read or write, instead of going on with
    no tracker or an in-memory one (never the error's message: it may quote the conversation)."""
    logger.error("tracker store: a conversation could not be read or saved (%s)",
                 type(error).__name__)
    raise TrackerStoreFailed("the tracker store could not be reached") from error


_failed_action: ContextVar[str | None] = ContextVar("failed_custom_action", default=None)
_rasa_remote_run = RemoteAction.run
_rasa_run_action = MessageProcessor._run_action


async def remote_run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    """Rasa's call to the action server, noting a failure for `run_action` (also when a form
    calls its validation action, whose errors Rasa's FormAction lets through to _run_action)."""
    try:
        return await _rasa_remote_run(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise
    except Exception:
        _failed_action.set(self.name())
        raise


async def run_action(self: MessageProcessor, *args: Any, **kwargs: Any) -> Any:
    """Rasa's `_run_action`, raising CustomActionFailed where Rasa would swallow the failure."""
    token = _failed_action.set(None)
    try:
        result = await _rasa_run_action(self, *args, **kwargs)
        failed = _failed_action.get()
    finally:
        _failed_action.reset(token)
    if failed is not None:
        raise CustomActionFailed(f"the custom action {failed!r} could not run")
    return result


def require_rasa_version(module: str, check: str) -> None:
    """Refuse to change any Rasa but RASA_VERSION: `module` was written against it, and `check`
    names what to read again in another version before updating the module."""
    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(
            f"{module} was written for Rasa {RASA_VERSION}, found {rasa.__version__}: "
            f"check {check} and update {module.replace('.', '/')}.py")


def run_rasa(install_changes: Callable[[], None]) -> None:
    """Rasa's command line (`rasa run`, `rasa train`...) with the changes `install_changes`
    makes: the `main` of stack.rasa_server and stack.rasa_training."""
    install_changes()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


def install() -> None:
    require_rasa_version("stack.rasa_patches", "SQLTrackerStore.session_scope")
    SQLTrackerStore.session_scope = session_scope
    FailSafeTrackerStore.on_tracker_store_error = tracker_store_failed
    FailSafeTrackerStore.on_tracker_store_retrieve_error = tracker_store_failed
    RemoteAction.run = remote_run
    MessageProcessor._run_action = run_action
