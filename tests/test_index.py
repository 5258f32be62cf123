"""The index stays in step with the database: change-log following, crash recovery, concurrent readers."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from migration_kb import embeddings
from migration_kb.records import validate_entry
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher
from migration_kb.store import delete_entry, save_entry, set_state

pytestmark = pytest.mark.databases("sqlite", "postgresql")


def make(i: int, word: str = "alpha", **changes):
    data = {"id": f"gen-{i:05d}", "title": f"Practice {word} number {i}", "summary": f"About {word} {i}.",
            "language": "en", "themes": ["management"], "countries": ["MX", "US"],
            "sources": [{"title": "Law", "publisher": "State"}], "body": f"{word} body text {i} " * 20,
            "findings": [{"kind": "strength", "text": f"{word} finding"}, {"kind": "lesson", "text": "lesson"}]}
    data.update(changes)
    return validate_entry(data)


def fill(db, start: int, count: int, word: str = "alpha") -> None:
    # Thousands of saves for the index: their vectors (search by meaning, tested in test_meaning.py) would
    # be computed one save at a time; a bulk writer defers them, as the bench does.
    with db.session() as s, embeddings.deferred():
        for i in range(start, start + count):
            save_entry(s, make(i, word), state="published")


@pytest.fixture
def open_searcher():
    """Searchers opened by a test, closed after it (Whoosh keeps files open until then)."""
    opened = []

    def make_searcher(index: SearchIndex) -> Searcher:
        opened.append(Searcher(index))
        return opened[-1]

    yield make_searcher
    for searcher in opened:
        searcher.close()


def total(searcher: Searcher, q: str = "") -> int:
    searcher.invalidate()
    return searcher.search(SearchRequest(q=q, per_page=1)).total


def test_follows_the_change_log(db, settings, open_searcher):
    fill(db, 0, 5)
    index = SearchIndex(settings.index_dir)
    index.ensure(db)
    searcher = open_searcher(index)
    assert total(searcher) == 5
    with db.session() as s:
        save_entry(s, make(1, "omega"))  # an edit
        delete_entry(s, "gen-00002")  # a deletion
        save_entry(s, make(9, "alpha"))  # a draft: never in the public index
        set_state(s, "gen-00003", "archived")  # no longer public
    report = index.catch_up(db)
    assert (report.updated, report.deleted) == (1, 3)
    assert total(searcher) == 3 and total(searcher, "omega") == 1
    assert index.catch_up(db).updated == 0  # nothing new: nothing done


def test_reconcile_repairs_an_index_that_missed_changes(db, settings, open_searcher):
    fill(db, 0, 4)
    index = SearchIndex(settings.index_dir)
    index.ensure(db)
    # Changes the index never saw: write them, then pretend the log was already applied.
    with db.session() as s:
        save_entry(s, make(0, "omega"), state="published")
        delete_entry(s, "gen-00001")
    index._write_state(index.current_dir(), last_seq=10_000)
    searcher = open_searcher(index)
    assert total(searcher, "omega") == 0
    live, said = index.current_dir(), []
    index.ensure(db, log=said.append)  # what every start does
    assert total(searcher, "omega") == 1 and total(searcher) == 3
    assert said == ["Search index repaired: 1 updated, 1 removed."]  # repaired in place, not rebuilt
    assert index.current_dir() == live


CHILD = textwrap.dedent("""
    import sys
    from migration_kb.config import Settings
    from migration_kb.db import open_database
    from migration_kb.search.indexer import SearchIndex
    settings = Settings.load(sys.argv[1]); db = open_database(settings); index = SearchIndex(settings.index_dir)
    print("started", flush=True)
    index.rebuild(db) if sys.argv[2] == "rebuild" else index.catch_up(db)
    print("finished", flush=True)
""")


def kill_midway(settings, mode: str) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(settings.instance), mode], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "started"
    time.sleep(0.8)  # well inside the work (several seconds for these sizes)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    child.stdout.close()


@pytest.mark.slow
@pytest.mark.databases("sqlite")
@pytest.mark.parametrize("mode", ["catch_up", "rebuild"])
def test_kill_9_leaves_an_index_that_answers_and_the_next_start_repairs_it(db, settings, mode, open_searcher):
    fill(db, 0, 10)
    index = SearchIndex(settings.index_dir)
    index.ensure(db)
    fill(db, 100, 2500, "beta")  # a big update waiting in the change log
    kill_midway(settings, mode)
    searcher = open_searcher(index)
    assert total(searcher) >= 10  # the last committed index still answers
    index.ensure(db)  # the next start
    assert total(searcher) == 2510 and total(searcher, "beta") == 2500
    assert [p.name for p in settings.index_dir.glob("gen-*")] == [index.current_dir().name]


def test_readers_keep_reading_while_the_index_is_written(db, settings, open_searcher):
    fill(db, 0, 20)
    index = SearchIndex(settings.index_dir)
    index.ensure(db)
    searcher = open_searcher(index)
    searcher.REFRESH_EVERY = 0.0
    errors, counts = [], []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                counts.append(searcher.search(SearchRequest(q="alpha", per_page=5)).total)
            except Exception as exc:  # any failure is what this test is about
                errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for batch in range(5):
        fill(db, 1000 + batch * 200, 200, "alpha")
        index.catch_up(db)
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert counts and min(counts) >= 20 and max(counts) <= 1020
    assert total(searcher, "alpha") == 1020


def test_two_writers_do_not_corrupt_the_index(db, settings, open_searcher):
    fill(db, 0, 5)
    index = SearchIndex(settings.index_dir)
    index.ensure(db)
    fill(db, 100, 300, "gamma")
    other = SearchIndex(settings.index_dir)  # e.g. a CLI import while the server follows the log
    threads = [threading.Thread(target=ix.catch_up, args=(db,)) for ix in (index, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert total(open_searcher(index), "gamma") == 300
