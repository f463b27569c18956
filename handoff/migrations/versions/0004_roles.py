"""Roles and disabled accounts for the inbox's users: each user's role (caseworker, manager,
pcc_reviewer; every user there is becomes a caseworker, as all had a caseworker's rights) and
when the account was disabled (NULL: it is not).

Revision ID: 0004
Revises: 0003
Create Date: 2026-04-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("role", sa.String(length=20), nullable=False,
                                   server_default="caseworker"))
        batch.add_column(sa.Column("disabled_at", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35 on): copying the table is not allowed while sessions refer to it.
    for column in ("disabled_at", "role"):
        op.drop_column("users", column)
