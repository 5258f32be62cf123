"""What a serving process does once before it answers, and undoes when it ends.

`create_app` only builds the app, so a test pays for none of this unless it asks: `start` tunes the
allocator, brings the database schema up to date, builds or repairs the search index and starts the
change-log follower and the heap's trimmer; `stop` ends them.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from .. import embeddings, encoder, search_log
from ..search.indexer import Follower
from . import malloc


def start(app: Flask, *, follow: bool = True, prepare_index: bool = True,
          progress: Callable[[int], None] | None = None, log: Callable[[str], None] | None = None) -> Flask:
    """Ready `app` to serve. `prepare_index=False` when the caller already built the index."""
    malloc.limit_arenas()  # before the follower's and the server's threads allocate
    services = app.extensions["migration_kb"]
    services.db.upgrade()
    if prepare_index:
        services.index.ensure(services.db, progress=progress, log=log or (lambda message: None))
    if follow and "search_log_purge" not in app.extensions:  # what delegates could not find: 90 days, then gone
        app.extensions["search_log_purge"] = purge = search_log.DailyPurge(services.db)
        purge.start()
    _ready_meaning(services.db, log or (lambda message: None))
    if follow and services.follower is None:
        services.follower = Follower(services.index, services.db, on_change=services.searcher.invalidate)
        services.follower.start()
    if follow and "malloc_trim" not in app.extensions:
        app.extensions["malloc_trim"] = trimmer = malloc.Trimmer()
        if trimmer.start():
            app.teardown_request(lambda _error: trimmer.request_ended())
    return app


def _ready_meaning(db, log: Callable[[str], None]) -> None:
    """Load the sentence encoder now (not in someone's first search); it logs one line when it cannot load,
    and search works by words. Say how many published entries are searchable by words only."""
    if not encoder.available():
        return
    with db.session() as s:
        missing = len(embeddings.missing_ids(s))
    if missing:
        log(f"{missing} published entries have no vector yet: they are found by words, not by meaning, "
            f"until `migration-kb reindex` computes them")


def stop(app: Flask) -> None:
    """End the follower, close the searcher and the database's connections."""
    services = app.extensions["migration_kb"]
    for name in ("search_log_purge", "malloc_trim"):
        if name in app.extensions:
            app.extensions.pop(name).stop()
    if services.follower is not None:
        services.follower.stop()
        services.follower = None
    services.searcher.close()
    services.db.dispose()
