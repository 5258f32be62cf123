"""The database-facing tests again, on a throwaway PostgreSQL cluster that this session starts and stops.

`pg_cluster` (session): initdb into a temporary folder, a loopback port, trust auth; skipped cleanly when
PostgreSQL is not installed. The fixtures below override tests/conftest.py's `settings` and `kb_instance`
so the shared test functions (imported into test_pg_*.py) run against a fresh PostgreSQL database each.
"""

from __future__ import annotations

import itertools

import pytest

from migration_kb.config import Settings
from migration_kb.db import open_database

from .harness import Cluster, postgres_bin

pytestmark = pytest.mark.postgres
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (scripts/setup.sh --test installs it)")
    cluster = Cluster(bin_dir)
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def pg_template(pg_cluster):
    """A database migrated to the current schema once; each test copies it (much faster than migrating)."""
    url = pg_cluster.create_database("migrated")
    database = open_database(Settings.load("/nonexistent", database_url=url))
    database.dispose()
    return "migrated"


def fresh_database(cluster: Cluster, template: str = "template0") -> str:
    return cluster.create_database(f"t{next(_names)}", template)


@pytest.fixture
def pg_url(pg_cluster, pg_template) -> str:
    return fresh_database(pg_cluster, pg_template)


@pytest.fixture
def settings(tmp_path, pg_url) -> Settings:
    return Settings.load(tmp_path / "instance", database_url=pg_url)


@pytest.fixture
def cli(settings, monkeypatch):
    """`migration-kb ...` in-process against the temporary instance and its PostgreSQL database."""
    from click.testing import CliRunner

    from migration_kb.cli import main

    monkeypatch.setenv("MIGRATION_KB_INSTANCE", str(settings.instance))
    monkeypatch.setenv("MIGRATION_KB_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return run


@pytest.fixture(scope="module")
def kb_instance(tmp_path_factory, pg_cluster, pg_template):
    """The shipped kb imported into a fresh PostgreSQL database; the index in a temporary instance folder."""
    from migration_kb.importer import import_paths

    from ..conftest import KB

    url = fresh_database(pg_cluster, pg_template)
    settings = Settings.load(tmp_path_factory.mktemp("kb") / "instance", database_url=url)
    database = open_database(settings)
    report = import_paths(database, [KB])
    assert report.imported and not report.errors, report.errors
    database.dispose()
    return settings
