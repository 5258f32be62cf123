"""Backup and restore: `export` then `import` into an empty instance gives identical records (checksums),
from PostgreSQL to PostgreSQL and from PostgreSQL to SQLite."""

import hashlib

from click.testing import CliRunner
from sqlalchemy import select

from migration_kb.cli import main
from migration_kb.config import Settings
from migration_kb.db import open_database
from migration_kb.models import EntryRow, EventRow

from ..conftest import KB


def run(instance, url, *args):
    env = {"MIGRATION_KB_INSTANCE": str(instance), "MIGRATION_KB_DATABASE_URL": url}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def checksums(url):
    db = open_database(Settings.load("/nonexistent", database_url=url))
    try:
        with db.session() as s:
            entries = {r.id: (r.content_hash, r.state) for r in s.scalars(select(EntryRow))}
            events = {r.id: r.content_hash for r in s.scalars(select(EventRow))}
    finally:
        db.dispose()
    return entries, events


def folder_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.md"))}


def test_export_then_import_into_empty_databases_reproduces_identical_records(pg_cluster, pg_template, tmp_path):
    source = pg_cluster.fresh_database(pg_template)
    run(tmp_path / "a", source, "import", str(KB))
    before = checksums(source)
    assert len(before[0]) > 40 and before[1]
    run(tmp_path / "a", source, "export", str(tmp_path / "backup"))

    restored_pg = pg_cluster.fresh_database()  # empty: not even migrated
    restored_sqlite = f"sqlite:///{tmp_path / 'c' / 'kb.sqlite'}"
    (tmp_path / "c").mkdir()
    for instance, url in [(tmp_path / "b", restored_pg), (tmp_path / "c", restored_sqlite)]:
        output = run(instance, url, "import", str(tmp_path / "backup"))
        assert f"entries: {len(before[0])} added" in output
        assert checksums(url) == before
        # and a second export is byte for byte the first
        run(instance, url, "export", str(instance / "again"))
        assert folder_digest(instance / "again") == folder_digest(tmp_path / "backup")
