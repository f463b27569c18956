"""Rasa 3.6.21's SQL tracker store, kept from stopping the server on a bad message.

`SQLTrackerStore.session_scope` wraps every read and write in `except ValueError:` meant for one
case, a PostgreSQL schema missing at start-up, and answers it with `sys.exit(1)`. But any
`ValueError` inside the scope lands there too: a message with a lone surrogate raised SQLite's
`UnicodeEncodeError` (a `ValueError`) and stopped the whole Rasa server (issue 11). The channels
now refuse such messages (assistant/channels); this makes sure nothing else can do the same:
the schema check keeps Rasa's message and exit, any other error fails only the message that
caused it.

Installed by `stack.rasa_server.install()` (one line: `rasa_patches.install()`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Any

import rasa
from rasa.core import tracker_store
from rasa.core.tracker_store import SQLTrackerStore

RASA_VERSION = "3.6.21"
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


def install() -> None:
    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(
            f"stack.rasa_patches was written for Rasa {RASA_VERSION}, found {rasa.__version__}: "
            "check SQLTrackerStore.session_scope and update stack/rasa_patches.py")
    SQLTrackerStore.session_scope = session_scope
