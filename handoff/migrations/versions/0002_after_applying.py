"""After applying (docs/after-applying.md): the case's progress (review meeting and outcome
dates, the outcome summary), status-check attempts, escalation requests and their delivery
outbox. Four new tables; nothing existing changes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_progress",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("review_meeting_on", sa.Date(), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("outcome_summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.create_table(
        "status_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("status_attempts_client", "status_attempts", ["client", "at"])
    op.create_index("status_attempts_reference", "status_attempts", ["reference", "at"])
    op.create_index("status_attempts_at", "status_attempts", ["at"])
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.String(length=40), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("route", sa.String(length=40), nullable=False),
        sa.Column("document", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("reference"),
    )
    op.create_table(
        "escalation_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.Float(), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("delivered_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("escalation_deliveries_due", "escalation_deliveries",
                    ["state", "next_attempt_at"])
    op.create_index("ix_escalation_deliveries_escalation_id", "escalation_deliveries",
                    ["escalation_id"])


def downgrade() -> None:
    for table in ("escalation_deliveries", "escalations", "status_attempts", "case_progress"):
        op.drop_table(table)
