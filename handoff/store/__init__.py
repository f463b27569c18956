"""The store: applications, the delivery outbox, the audit trail, caseworkers and their sessions,
and after applying, the case's progress, status checks and escalation requests.

One data-access layer (SQLAlchemy Core 1.4) for SQLite (default, WAL mode) and PostgreSQL, in
parts of one job each: the tables, the connection, intake, the outbox (and the leases both
outboxes use), the inbox's queries, the statutory figures, retention, accounts, counted attempts,
the case's progress, status checks, escalations and their outbox, the 2nd-report offer's
prefills, the API's own callers, and the schema's migrations.
Calls are blocking; the service runs them on the store's own threads (`Store.run`).
"""

from __future__ import annotations

from handoff.store import schema
from handoff.store.accounts import Accounts
from handoff.store.api_clients import ApiClients
from handoff.store.database import Database, StoreUnavailable, engine_for
from handoff.store.escalation_outbox import EscalationOutbox
from handoff.store.escalations import AlreadyEscalated, Escalations
from handoff.store.figures import Figures
from handoff.store.inbox import OUTCOME_FIELDS, STATUSES, InboxQueries, Selection, status_of
from handoff.store.intake import BATCH_LIMIT, Intake
from handoff.store.outbox import Outbox
from handoff.store.prefills import Prefills
from handoff.store.progress import PROGRESS_FIELDS, Progress
from handoff.store.retention import Retention
from handoff.store.status_checks import StatusChecks
from handoff.store.submission import (
    NOT_FINGERPRINTED,
    KeyReused,
    Submission,
    Submitted,
    body_fingerprint,
)
from handoff.store.tables import (
    api_clients,
    applications,
    audit,
    case_progress,
    deliveries,
    escalation_deliveries,
    escalations,
    metadata,
    prefills,
    sessions,
    sign_in_attempts,
    status_attempts,
    users,
)

__all__ = [
    "BATCH_LIMIT", "NOT_FINGERPRINTED", "OUTCOME_FIELDS", "PROGRESS_FIELDS", "STATUSES",
    "AlreadyEscalated", "EscalationOutbox", "KeyReused", "Selection", "Store", "StoreUnavailable",
    "Submission", "Submitted", "api_clients", "applications", "audit", "body_fingerprint",
    "case_progress", "deliveries", "engine_for", "escalation_deliveries", "escalations",
    "metadata", "prefills", "sessions", "sign_in_attempts", "status_attempts", "status_of",
    "users",
]


class Store(Database, Intake, Outbox, InboxQueries, Figures, Retention, Accounts, Progress,
            StatusChecks, Escalations, Prefills, ApiClients):
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
