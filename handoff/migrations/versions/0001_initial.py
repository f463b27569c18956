"""The schema as the service made it before migrations (with create_all), frozen here.

A database that create_all made is taken over rather than made again: its tables are kept with
their rows, a column added since a table was first made (applications.body_hash) is added, and a
table that is missing is made. A table that lacks any other column is not one this service made,
and the migration stops there, changing nothing.

Revision ID: 0001
Revises:
Create Date: 2026-03-20
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Added to applications after its first release; create_schema added it to older databases.
ADDED_LATER = {("applications", "body_hash")}


def _tables() -> dict[str, list]:
    """Each table's columns and constraints (fresh objects: a column joins one table only)."""
    return {
        "applications": [
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("reference", sa.String(length=20), nullable=False),
            sa.Column("idempotency_key", sa.String(length=200), nullable=False),
            sa.Column("body_hash", sa.String(length=64), nullable=True),
            sa.Column("area_id", sa.String(length=100), nullable=False),
            sa.Column("received_at", sa.String(length=40), nullable=False),
            sa.Column("received_on", sa.Date(), nullable=False),
            sa.Column("document", sa.Text(), nullable=True),
            sa.Column("erased_on", sa.Date(), nullable=True),
            sa.Column("eligibility_outcome", sa.String(length=40), nullable=False),
            sa.Column("threshold_decision_due", sa.Date(), nullable=False),
            sa.Column("status", sa.String(length=30), nullable=False),
            sa.Column("threshold_met", sa.Boolean(), nullable=True),
            sa.Column("threshold_reason", sa.Text(), nullable=True),
            sa.Column("threshold_decided_on", sa.Date(), nullable=True),
            sa.Column("review_held_on", sa.Date(), nullable=True),
            sa.Column("recommendations_made", sa.Boolean(), nullable=True),
            sa.Column("escalated_on", sa.Date(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("idempotency_key"),
            sa.UniqueConstraint("reference"),
        ],
        "deliveries": [
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("application_id", sa.Integer(), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("state", sa.String(length=20), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.Float(), nullable=False),
            sa.Column("lease_until", sa.Float(), nullable=True),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("delivered_at", sa.Float(), nullable=True),
            sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
            sa.PrimaryKeyConstraint("id"),
        ],
        "audit": [
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("application_id", sa.Integer(), nullable=False),
            sa.Column("at", sa.String(length=40), nullable=False),
            sa.Column("actor", sa.String(length=100), nullable=False),
            sa.Column("action", sa.String(length=60), nullable=False),
            sa.Column("detail", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
            sa.PrimaryKeyConstraint("id"),
        ],
        "users": [
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("username", sa.String(length=100), nullable=False),
            sa.Column("password_hash", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.String(length=40), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("username"),
        ],
        "sessions": [
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("csrf", sa.String(length=64), nullable=False),
            sa.Column("expires_at", sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
            sa.PrimaryKeyConstraint("token_hash"),
        ],
        "sign_in_attempts": [
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("account", sa.String(length=64), nullable=False),
            sa.Column("address", sa.String(length=64), nullable=False),
            sa.Column("at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        ],
    }


# (name, table, columns) of each index.
INDEXES = [
    ("applications_area_received", "applications", ["area_id", "received_on"]),
    ("deliveries_due", "deliveries", ["state", "next_attempt_at"]),
    ("ix_deliveries_application_id", "deliveries", ["application_id"]),
    ("ix_audit_application_id", "audit", ["application_id"]),
    ("sign_in_attempts_account", "sign_in_attempts", ["account", "at"]),
    ("sign_in_attempts_address", "sign_in_attempts", ["address", "at"]),
    ("sign_in_attempts_at", "sign_in_attempts", ["at"]),
]


def _take_over(inspector, table: str, columns: list) -> None:
    """A table create_all made: add what was added later; stop on anything else missing."""
    present = {column["name"] for column in inspector.get_columns(table)}
    wanted = [item for item in columns if isinstance(item, sa.Column)]
    missing = [column for column in wanted if column.name not in present]
    unknown = [column.name for column in missing if (table, column.name) not in ADDED_LATER]
    if unknown:
        raise RuntimeError(
            f"the existing table {table!r} has no column {', '.join(unknown)}: it was not made "
            "by this service, so it is left as it is (nothing was changed)")
    for column in missing:
        op.add_column(table, column)


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = set(inspector.get_table_names())
    made = set()
    for table, columns in _tables().items():
        if table in present:
            _take_over(inspector, table, columns)
        else:
            op.create_table(table, *columns)
            made.add(table)
    for name, table, columns in INDEXES:
        if table in made:
            op.create_index(name, table, columns)


def downgrade() -> None:
    for table in reversed(list(_tables())):
        op.drop_table(table)
