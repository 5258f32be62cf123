"""Alembic on an empty PostgreSQL database: the migrations build exactly the models' schema, twice harmlessly."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from migration_kb.config import Settings
from migration_kb.db import open_database
from migration_kb.models import Base


def test_migrations_build_the_models_schema_on_an_empty_database(pg_cluster, tmp_path):
    url = pg_cluster.fresh_database()  # template0: not even the schema exists
    db = open_database(Settings.load(tmp_path, database_url=url))
    try:
        with db.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            assert {"entries", "changes", "revisions", "alembic_version"} <= set(inspect(conn).get_table_names())
        db.upgrade()  # a second start on a current database changes nothing
    finally:
        db.dispose()


def test_two_servers_starting_together_migrate_once(pg_cluster, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    url = pg_cluster.fresh_database()
    settings = Settings.load(tmp_path, database_url=url)
    with ThreadPoolExecutor(4) as pool:
        databases = list(pool.map(lambda _: open_database(settings), range(4)))  # none fails
    for db in databases:
        db.dispose()
