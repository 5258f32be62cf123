"""Alembic environment: migrations run on the connection migration-kb hands over (see db.upgrade)."""

from alembic import context

from migration_kb.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - migrations are run through migration_kb.db only
    raise SystemExit("run migrations through 'migration-kb' (it upgrades the database on start)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
