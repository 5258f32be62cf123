"""Alembic: the migrations build exactly the schema the models describe, and upgrading is idempotent."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from migration_kb.db import open_database
from migration_kb.models import Base

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def test_migrations_match_the_models(settings):
    db = open_database(settings)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    db.upgrade()  # a second start on a current database changes nothing
    db.dispose()
