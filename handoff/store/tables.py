"""The tables: applications, the delivery outbox, the audit trail, caseworkers and their sessions,
sign-in attempts. The schema itself is made and changed by the migrations (handoff/migrations);
these definitions are what the code queries with, and a test holds the two together."""

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
    Index("applications_area_received", "area_id", "received_on"),
)

deliveries = Table(
    "deliveries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("applications.id"), nullable=False, index=True),
    Column("channel", String(20), nullable=False),  # webhook | email
    Column("state", String(20), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", Float, nullable=False),  # Unix time
    Column("lease_until", Float),  # claimed by a worker until then
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float),
    Index("deliveries_due", "state", "next_attempt_at"),
)

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
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
)

# Sign-in attempts, for throttling that holds across processes: one row per attempt being
# checked or failed within the window (a success removes its account's rows). Neither the
# username nor the address is kept, only their SHA-256.
sign_in_attempts = Table(
    "sign_in_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", Float, nullable=False),  # Unix time
    Index("sign_in_attempts_account", "account", "at"),
    Index("sign_in_attempts_address", "address", "at"),
    Index("sign_in_attempts_at", "at"),
)
