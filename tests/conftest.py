"""Shared fixtures: a temporary instance folder, its database, and the command line against it.

The database is SQLite unless a module (or test) asks for more with `pytest.mark.databases("sqlite",
"postgresql")`: its tests then run once on each, PostgreSQL in a throwaway cluster this session starts
(skipped cleanly where PostgreSQL is not installed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migration_kb.config import Settings
from migration_kb.db import open_database

ROOT = Path(__file__).resolve().parents[1]
KB = ROOT / "kb"


def pytest_generate_tests(metafunc):
    mark = metafunc.definition.get_closest_marker("databases")
    if mark and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", [pytest.param(name, marks=pytest.mark.postgres) if name == "postgresql"
                                         else name for name in mark.args], indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request) -> str:
    """The database the test runs on: "sqlite" (the default) or "postgresql"."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_cluster():
    from testkit.servers import Cluster, postgres_bin

    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (scripts/setup.sh --test installs it)")
    cluster = Cluster(bin_dir)
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def pg_template(pg_cluster) -> str:
    """A database migrated to the current schema once; each test copies it (much faster than migrating)."""
    url = pg_cluster.create_database("migrated")
    open_database(Settings.load("/nonexistent", database_url=url)).dispose()
    return "migrated"


def database_url(request, backend: str) -> str | None:
    """None for SQLite in the instance folder; else a fresh, migrated PostgreSQL database."""
    if backend == "sqlite":
        return None
    return request.getfixturevalue("pg_cluster").fresh_database(request.getfixturevalue("pg_template"))


@pytest.fixture
def settings(tmp_path, backend, request, monkeypatch) -> Settings:
    settings = Settings.load(tmp_path / "instance", database_url=database_url(request, backend))
    if not settings.is_sqlite:  # child processes find the database through the environment, as servers do
        monkeypatch.setenv("MIGRATION_KB_DATABASE_URL", settings.database_url)
    return settings


@pytest.fixture
def db(settings):
    database = open_database(settings)
    yield database
    database.dispose()


@pytest.fixture
def cli(settings, monkeypatch):
    """Run `migration-kb ...` in-process against the temporary instance; returns the click Result."""
    from migration_kb.cli import main

    monkeypatch.setenv("MIGRATION_KB_INSTANCE", str(settings.instance))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return run


MINIMAL = """---
id: {id}
title: {title}
summary: A short summary of the practice.
language: en
themes: [labour-mobility]
countries: [MX, CA]
sources:
  - {{title: The agreement, publisher: A ministry, year: 2001}}
findings:
  - kind: strength
    text: Workers are recruited by the public employment service.
  - kind: difficulty
    text: Workers are tied to one employer.
---

Body text of the entry.
"""


def write_entry(folder: Path, entry_id: str, text: str | None = None, **fields) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{entry_id}.md"
    path.write_text(text if text is not None else MINIMAL.format(id=entry_id, title=fields.get("title", "A title")),
                    encoding="utf-8")
    return path


# -- the web app over a real instance (SQLite + Whoosh on disk) ----------------------------------------
@pytest.fixture(scope="module")
def kb_instance(tmp_path_factory, backend, request):
    """An instance with the shipped kb imported and indexed; shared by a module's read-only tests."""
    from migration_kb.importer import import_paths

    settings = Settings.load(tmp_path_factory.mktemp("kb") / "instance", database_url=database_url(request, backend))
    database = open_database(settings)
    report = import_paths(database, [KB])
    assert report.imported and not report.errors, report.errors
    database.dispose()
    return settings


@pytest.fixture(scope="module")
def app(kb_instance):
    from migration_kb.web import create_app
    from migration_kb.web.startup import start, stop

    application = start(create_app(kb_instance, testing=True))
    yield application
    stop(application)


@pytest.fixture
def client(app):
    return app.test_client()
