"""The store's tests (tests/test_store.py) on PostgreSQL: one transaction per save, nothing half-written."""

from tests import test_store as on_sqlite

globals().update({name: value for name, value in vars(on_sqlite).items() if name.startswith("test_")})


def test_these_tests_run_on_postgresql(db):
    assert db.engine.dialect.name == "postgresql"
