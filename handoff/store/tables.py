"""The tables: applications, the delivery outbox, the audit trail, caseworkers and their sessions,
sign-in attempts; after applying: the case's progress, status-check attempts, escalation requests
and their delivery outbox (docs/after-applying.md). The schema itself is made and changed by the
migrations (handoff/migrations); these definitions are what the code queries with, and a test
holds the two together."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

applications = Table(
    "applications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    # SHA-256 of the document as sent (see body_fingerprint); NULL in rows stored before it was
    # kept, which then answer any body with their first submission, as they always did.
    Column("body_hash", String(64)),
    Column("area_id", String(100), nullable=False),
    Column("received_at", String(40), nullable=False),  # ISO 8601 with offset
    Column("received_on", Date, nullable=False),
    Column("document", Text),  # JSON; NULL once the personal data is erased
    Column("erased_on", Date),
    Column("eligibility_outcome", String(40), nullable=False),
    Column("threshold_decision_due", Date, nullable=False),
    Column("status", String(30), nullable=False),
    Column("threshold_met", Boolean),
    Column("threshold_reason", Text),
    Column("threshold_decided_on", Date),
    Column("review_held_on", Date),
    Column("recommendations_made", Boolean),
    Column("escalated_on", Date),
    # The conversation's language code, for the inbox's list (kept when the document is erased).
    Column("language", String(8)),
    # The folded names and postcode the inbox's list is searched by (handoff/store/search.py);
    # NULL once the personal data is erased.
    Column("search_text", Text),
    Index("applications_area_received", "area_id", "received_on"),
    # The inbox's list: each filter, newest first (the id is in every index), and the search.
    Index("applications_area", "area_id"),
    Index("applications_status", "status"),
    Index("applications_language", "language"),
    Index("applications_received_on", "received_on"),
    Index("applications_search_text", "search_text"),
)


def _outbox_table(name: str, owner: str, owner_id: str) -> Table:
    """An outbox (handoff/store/leases.py): one row per delivery by one channel of the row that
    column `owner` holds the id of (`owner_id`, table.column), what that delivery keeps, and the
    index its due deliveries are claimed by."""
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column(owner, Integer, ForeignKey(owner_id), nullable=False, index=True),
        Column("channel", String(20), nullable=False),  # webhook | email
        Column("state", String(20), nullable=False),  # pending | delivered | failed
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_at", Float, nullable=False),  # Unix time
        Column("lease_until", Float),  # claimed by a worker until then
        Column("last_error", Text),
        Column("created_at", Float, nullable=False),
        Column("delivered_at", Float),
        Index(f"{name}_due", "state", "next_attempt_at"),
    )


deliveries = _outbox_table("deliveries", "application_id", "applications.id")

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("applications.id"), nullable=False, index=True),
    Column("at", String(40), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", Text),  # JSON: {field: [before, after]}
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", String(40), nullable=False),
    # caseworker | manager | pcc_reviewer (handoff/roles.py)
    Column("role", String(20), nullable=False, server_default="caseworker"),
    Column("disabled_at", String(40)),  # ISO 8601; NULL while the account may sign in
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)

def _attempts_table(name: str, *keys: str) -> Table:
    """Attempts counted for throttling that holds across processes (handoff/store/throttle.py):
    one row per attempt, the SHA-256 of each key it is counted by and when it was made; an index
    for each key's count within the window, one for dropping the rows older than it."""
    return Table(
        name, metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        *(Column(key, String(64), nullable=False) for key in keys),
        Column("at", Float, nullable=False),  # Unix time
        *(Index(f"{name}_{key}", key, "at") for key in keys),
        Index(f"{name}_at", "at"),
    )


# Sign-in attempts being checked or failed within the window, by account and by address (a
# success removes its account's rows). Neither the username nor the address is kept.
sign_in_attempts = _attempts_table("sign_in_attempts", "account", "address")


# -- after applying (docs/after-applying.md) -------------------------------------------------------

case_progress = Table(
    "case_progress", metadata,
    Column("application_id", Integer, ForeignKey("applications.id"), primary_key=True),
    Column("review_meeting_on", Date),  # planned or held
    Column("outcome_on", Date),  # the day the applicant was told the outcome
    Column("outcome_summary", Text),  # the outcome and action plan, in the caseworker's words
)

# Status checks (and escalation requests) being checked or failed within the window, by client
# and by reference (a success removes its own row).
status_attempts = _attempts_table("status_attempts", "client", "reference")

escalations = Table(
    "escalations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(20), nullable=False, unique=True),
    Column("application_id", Integer, ForeignKey("applications.id"), nullable=False,
           unique=True),  # one escalation per application
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("body_hash", String(64), nullable=False),
    Column("requested_at", String(40), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("route", String(40), nullable=False),
    Column("document", Text),  # JSON (schema escalation v1); NULL once erased
)

# The escalation requests' own outbox: the same columns and leases as `deliveries`.
escalation_deliveries = _outbox_table("escalation_deliveries", "escalation_id", "escalations.id")

# The 2nd-report offer's prefills (handoff/second_report.py): the incidents an agency gave, kept
# for the assistant's link until it is used or expires. The link holds a random id; this table
# keeps only its SHA-256.
prefills = Table(
    "prefills", metadata,
    Column("id", String(64), primary_key=True),
    Column("area_id", String(100), nullable=False),
    Column("incidents", Text, nullable=False),  # JSON, the application document's shape
    Column("created_at", Float, nullable=False),  # Unix time
    Column("expires_at", Float, nullable=False),
    Index("prefills_expires_at", "expires_at"),
)

# The API's callers other than the assistant (handoff/api_clients.py): an agency's site or case
# system, each with its own bearer token and scopes. Only the token's SHA-256 is kept.
api_clients = Table(
    "api_clients", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(200), nullable=False),  # comma-separated: intake,status,...
    Column("created_at", String(40), nullable=False),  # ISO 8601
    Column("disabled_at", String(40)),  # ISO 8601; NULL while the token is accepted
)
