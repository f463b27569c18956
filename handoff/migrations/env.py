"""Alembic's entry point for the handoff service's migrations. They run on a connection the
service opens (handoff/store/schema.py); `python -m handoff migrate` is the way to run them."""

from alembic import context

from handoff.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata,
    # SQLite alters a table by copying it: later migrations use op.batch_alter_table.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
