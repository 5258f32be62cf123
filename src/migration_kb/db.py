"""Database engine and sessions; brings any older database up to the current schema with Alembic.

Alembic (and Mako, which it loads) is imported only when a migration is due: on a current database a
serving process is about 10 MB smaller without it.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
CONNECT_TIMEOUT = 3  # seconds to reach PostgreSQL before a request gives up (answers 503)
MIGRATION_LOCK = 0x6D6B6201  # PostgreSQL advisory lock key held while migrating ("mkb" 1)
POOL_WAIT = 5  # seconds a request waits for a free pooled connection
POOL_SIZE, POOL_OVERFLOW = 5, 10  # per process: with waitress' 8 threads, every thread gets a connection

# What callers above the domain catch, without importing SQLAlchemy: the database could not be reached (or the
# connection broke), or it could not complete a statement.
Unreachable = OperationalError
DatabaseFailure = SQLAlchemyError


class Database:
    def __init__(self, settings: Settings):
        self.settings = settings
        if settings.is_sqlite:
            settings.ensure_instance()
            self.engine = create_engine(settings.database_url, connect_args={"timeout": 30})
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            # A stopped or unreachable server must fail a request within seconds (the app answers 503),
            # not hang it: a short connect timeout, a short wait for a pooled connection, TCP keepalives.
            self.engine = create_engine(
                settings.database_url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                pool_timeout=POOL_WAIT, pool_recycle=1800,
                connect_args={"connect_timeout": CONNECT_TIMEOUT, "keepalives": 1, "keepalives_idle": 30,
                              "application_name": "migration-kb"})
        self.Session = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade(self) -> None:
        """Run pending migrations (a no-op on a current database)."""
        head = script_head()
        if head is not None and self.revision() == head:
            return
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        cfg = _alembic_config()
        head = ScriptDirectory.from_config(cfg).get_current_head()
        with self.engine.begin() as conn:
            if not self.settings.is_sqlite:
                # Several servers starting together on a new database: one migrates, the others wait for it.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """The Alembic revision the database is at (None: never migrated)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        return rows[0] if len(rows) == 1 else None

    @contextmanager
    def session(self):
        """One unit of work: committed at the end, rolled back whole on any error."""
        with self.Session() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(?:None|['\"]([^'\"]+)['\"])", re.M)


def script_head() -> str | None:
    """The newest revision of the migration scripts, read from their text (None unless exactly one)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in REVISION.findall(path.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else parents).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers keep reading while one writer writes
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def open_database(settings: Settings) -> Database:
    db = Database(settings)
    db.upgrade()
    return db


__all__ = ["Database", "DatabaseFailure", "Engine", "Session", "Unreachable", "open_database"]
