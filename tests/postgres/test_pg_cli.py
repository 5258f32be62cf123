"""The command line's tests (tests/test_cli.py) with MIGRATION_KB_DATABASE_URL pointing at PostgreSQL.

The export round trip is in test_pg_backup.py: the SQLite version's second instance would share the URL.
"""

from tests import test_cli as on_sqlite

globals().update({name: value for name, value in vars(on_sqlite).items()
                  if name.startswith("test_") and name != "test_export_reimports_to_identical_records"})
