"""Alembic's entry point: migrations run on the connection the store hands over, inside
the transaction the store opened (scanner/store/schema.py), never on a URL of their own."""

from __future__ import annotations

from alembic import context

from scanner.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
