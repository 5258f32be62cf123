"""create_app builds the app and nothing else; startup.start readies a serving process, stop ends it."""

from __future__ import annotations

import threading

from sqlalchemy import inspect

from migration_kb.importer import import_paths
from migration_kb.web import create_app
from migration_kb.web.startup import start, stop

from .conftest import write_entry


def test_create_app_migrates_indexes_and_starts_nothing(settings):
    threads = threading.active_count()
    app = create_app(settings, testing=True)
    services = app.extensions["migration_kb"]
    assert inspect(services.db.engine).get_table_names() == []  # no migration ran
    assert not settings.index_dir.exists() or not any(settings.index_dir.iterdir())  # no index was built
    assert services.follower is None and threading.active_count() == threads
    services.db.dispose()


def test_start_migrates_builds_the_index_and_follows_the_change_log(settings, db, tmp_path):
    write_entry(tmp_path / "kb", "mx-ca-first", title="First practice")
    assert import_paths(db, [tmp_path / "kb"]).imported
    app = start(create_app(settings, testing=True))
    try:
        assert "entries" in inspect(app.extensions["migration_kb"].db.engine).get_table_names()
        assert app.extensions["migration_kb"].follower is not None
        assert "mx-ca-first" in app.test_client().get("/api/v1/search?q=first").get_data(as_text=True)
    finally:
        stop(app)
    assert app.extensions["migration_kb"].follower is None
