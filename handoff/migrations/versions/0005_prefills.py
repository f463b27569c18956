"""The 2nd-report offer's prefills: the incidents an agency gave, kept (by the SHA-256 of the
link's id) until the assistant's link is used or expires.

Revision ID: 0005
Revises: 0004
Create Date: 2026-04-09
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prefills",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("area_id", sa.String(length=100), nullable=False),
        sa.Column("incidents", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("prefills_expires_at", "prefills", ["expires_at"])


def downgrade() -> None:
    # IF EXISTS: the migration tests rebuild a database made before migrations by stamping it
    # at the head and downgrading, and such a database never had this table.
    op.execute("DROP INDEX IF EXISTS prefills_expires_at")
    op.execute("DROP TABLE IF EXISTS prefills")
