"""The connection to the database: the engine for SQLite (WAL mode, one writer at a time) or
PostgreSQL, and the store's own threads that run its blocking calls for the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InterfaceError, OperationalError


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or is locked; nothing was written."""


def engine_for(url: str, busy_timeout: float = 5.0) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, future=True,
            connect_args={"timeout": busy_timeout, "check_same_thread": False,
                          "isolation_level": None},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            # A writing transaction takes the write lock at its start, so two writers queue
            # instead of failing; readers do not take it (WAL lets them read meanwhile).
            writing = connection.get_execution_options().get("writing")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")

        return engine
    return create_engine(
        parsed, future=True, pool_pre_ping=True, pool_size=10, max_overflow=5,
        connect_args={"connect_timeout": max(1, int(busy_timeout))},
    )


class Database:
    """The engine, its writing variant and the threads; the store's parts build on it."""

    def __init__(self, url: str, busy_timeout: float = 5.0):
        self.url = url
        self.engine = engine_for(url, busy_timeout)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._writing = self.engine.execution_options(writing=True)  # see engine_for
        # SQLite takes one writer at a time anyway: one thread avoids lock waits.
        self._threads = ThreadPoolExecutor(
            max_workers=1 if self.is_sqlite else 8, thread_name_prefix="store"
        )

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a blocking store call on the store's threads."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, lambda: self._guard(function, *args))

    @staticmethod
    def _guard(function, *args):
        try:
            return function(*args)
        except (OperationalError, InterfaceError) as exc:
            raise StoreUnavailable(str(exc.orig).strip().splitlines()[0][:200]) from exc


    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self.engine.dispose()

    def ping(self) -> bool:
        """Ready for intake: a writing transaction can start (SQLite: the write lock is free)."""
        with self._writing.begin() as conn:
            conn.execute(select(1))
        return True
