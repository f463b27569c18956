"""The inbox's list of applications at scale: each application's language, and the folded names
and postcode the list is searched by (handoff/store/search.py), filled in from the documents
held (an erased application has neither), and an index for each of the list's filters and for
the search (on SQLite the table holds the documents: an index is read instead of the table).

Revision ID: 0003
Revises: 0002
Create Date: 2026-04-02
"""

import json

import sqlalchemy as sa
from alembic import op

from handoff.store.search import search_text

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH = 500  # documents read at a time
INDEXES = {"applications_area": ["area_id"], "applications_status": ["status"],
           "applications_language": ["language"], "applications_received_on": ["received_on"],
           "applications_search_text": ["search_text"]}


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    applications = sa.table("applications", sa.column("id", sa.Integer()),
                            sa.column("document", sa.Text()), sa.column("language", sa.String()),
                            sa.column("search_text", sa.Text()))
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(applications.c.id, applications.c.document)
            .where(applications.c.id > last, applications.c.document.is_not(None))
            .order_by(applications.c.id).limit(BATCH)).all()
        if not rows:
            break
        for row in rows:
            document = json.loads(row.document)
            language = document.get("language")
            connection.execute(applications.update().where(applications.c.id == row.id).values(
                language=language if isinstance(language, str) and len(language) <= 8 else None,
                search_text=search_text(document)))
        last = rows[-1].id
    for name, columns in INDEXES.items():
        op.create_index(name, "applications", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "applications")
    # SQLite (3.35 on) drops a column in place; a batch would copy the table, which its foreign
    # keys (deliveries, audit) do not allow while they are enforced.
    for column in ("search_text", "language"):
        op.drop_column("applications", column)
