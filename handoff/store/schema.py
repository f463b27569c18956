"""The schema's version: the migrations in handoff/migrations (alembic) bring a database to the
version this code needs, and say when a database is behind it.

`migrate` is safe to run again (nothing to do) and from several processes at once: on
PostgreSQL they queue on an advisory lock, on SQLite on the write lock. A database that the
service made before migrations existed (with create_all) is taken over by the first migration,
keeping its rows."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from handoff.store.tables import metadata

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "alembic_version"
# Any fixed number: the PostgreSQL advisory lock that migrating processes queue on.
MIGRATION_LOCK = 0x61736268


class SchemaBehind(RuntimeError):
    """The database is not at the version this code needs; nothing was changed."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The version this code needs: the newest migration."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def version(connection: Connection) -> str | None:
    """The database's version; None when no migration has run on it."""
    return MigrationContext.configure(connection).get_current_revision()


def migrate(writing: Engine) -> tuple[str | None, str]:
    """Bring the database to `head()` in one transaction; returns (version before, after)."""
    with writing.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        before = version(connection)
        command.upgrade(_config(connection), "head")
        return before, version(connection)


def behind(engine: Engine) -> str | None:
    """Why the service cannot use this database as it is (with what to do), or None."""
    with engine.connect() as connection:
        current = version(connection)
    needed = head()
    if current == needed:
        return None
    if current is None:
        return (f"the database has no schema version (this version needs {needed}): run "
                "`python -m handoff migrate` first")
    if current not in {script.revision for script in
                       ScriptDirectory.from_config(_config()).walk_revisions()}:
        return (f"the database is at version {current}, which this code does not know (a newer "
                "release migrated it): run that release, or restore a backup")
    return (f"the database is at version {current} and this version needs {needed}: run "
            "`python -m handoff migrate` first")


def drift(connection: Connection) -> list:
    """How the database's schema differs from the tables the code queries (empty: not at all)."""
    return [
        difference for difference in compare_metadata(MigrationContext.configure(connection),
                                                      metadata)
        if not (difference[0] == "remove_table" and difference[1].name == VERSION_TABLE)
    ]
