"""The store: applications, the delivery outbox, the audit trail, caseworkers and their sessions.

One data-access layer (SQLAlchemy Core 1.4) for SQLite (default, WAL mode) and PostgreSQL, in
parts of one job each: the tables, the connection, intake, the outbox, the inbox's queries, the
statutory figures, retention, accounts, and the schema's migrations. Calls are blocking; the
service runs them on the store's own threads (`Store.run`).
"""

from __future__ import annotations

from handoff.store import schema
from handoff.store.accounts import Accounts
from handoff.store.database import Database, StoreUnavailable, engine_for
from handoff.store.figures import Figures
from handoff.store.inbox import OUTCOME_FIELDS, STATUSES, InboxQueries, status_of
from handoff.store.intake import BATCH_LIMIT, Intake
from handoff.store.outbox import Outbox
from handoff.store.retention import Retention
from handoff.store.submission import (
    NOT_FINGERPRINTED,
    KeyReused,
    Submission,
    Submitted,
    body_fingerprint,
)
from handoff.store.tables import (
    applications,
    audit,
    deliveries,
    metadata,
    sessions,
    sign_in_attempts,
    users,
)

__all__ = [
    "BATCH_LIMIT", "NOT_FINGERPRINTED", "OUTCOME_FIELDS", "STATUSES", "KeyReused", "Store",
    "StoreUnavailable", "Submission", "Submitted", "applications", "audit", "body_fingerprint",
    "deliveries", "engine_for", "metadata", "sessions", "sign_in_attempts", "status_of", "users",
]


class Store(Database, Intake, Outbox, InboxQueries, Figures, Retention, Accounts):
    """Every part of the store on one connection."""

    def __init__(self, url: str, busy_timeout: float = 5.0):
        super().__init__(url, busy_timeout)
        self._start_intake()

    def migrate(self) -> tuple[str | None, str]:
        """Bring the schema to this code's version (see handoff/store/schema.py)."""
        return schema.migrate(self._writing)

    def schema_behind(self) -> str | None:
        """Why the schema is not at this code's version, or None when it is."""
        return schema.behind(self.engine)
