"""Search follows the change log on PostgreSQL: a transaction that commits late is not skipped, and a log
trimmed past an index's position makes that index rebuild rather than miss changes. (The index's other tests,
tests/test_index.py, run on both databases.)"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from migration_kb.changelog import TRIMMED, extent, trim
from migration_kb.models import Change
from migration_kb.search.indexer import Follower, LogTrimmed, SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher
from migration_kb.store import save_entry
from tests.test_index import make


def found(index: SearchIndex, word: str) -> set[str]:
    searcher = Searcher(index)
    try:
        return {h.id for h in searcher.search(SearchRequest(q=word)).hits}
    finally:
        searcher.close()


def test_a_transaction_that_commits_late_is_not_skipped(db, settings):
    index = SearchIndex(settings.index_dir)
    index.rebuild(db)
    slow = db.Session()
    slow.begin()
    save_entry(slow, make(1, "tortoise"), state="published")  # takes the lower position, not committed
    slow.flush()
    with db.session() as s:
        save_entry(s, make(2, "hare"), state="published")  # the higher position commits first
    index.catch_up(db)
    assert found(index, "hare") == {"gen-00002"}
    slow.commit()
    slow.close()
    index.catch_up(db)  # the hole below the hare was young: the index waited at it
    assert found(index, "tortoise") == {"gen-00001"}


def test_trimming_keeps_the_newest_changes_and_leaves_a_marker(db):
    with db.session() as s:
        for i in range(10):
            save_entry(s, make(i), state="published")
    with db.session() as s:
        assert trim(s, keep=3) == 0  # every change is younger than a minute
        assert trim(s, keep=3, min_age=timedelta(0)) == 7
    with db.session() as s:
        rows = s.execute(select(Change.seq, Change.op).order_by(Change.seq)).all()
        e = extent(s)
    assert [op for _, op in rows] == [TRIMMED, "upsert", "upsert", "upsert"]
    assert (e.rows, e.trimmed_through, e.last) == (4, rows[0].seq, rows[-1].seq)


def test_an_index_behind_a_trimmed_log_rebuilds(db, settings, tmp_path):
    behind = SearchIndex(tmp_path / "behind")
    behind.rebuild(db)
    with db.session() as s:
        for i in range(5):
            save_entry(s, make(i, "meanwhile"), state="published")
    with db.session() as s:
        trim(s, keep=1, min_age=timedelta(0))
    with pytest.raises(LogTrimmed):
        behind.catch_up(db)
    follower = Follower(behind, db)
    assert follower._follow_once() and follower.rebuilds == 1
    assert len(found(behind, "meanwhile")) == 5
    behind.catch_up(db)  # and from there it follows row by row again

    stopped = SearchIndex(tmp_path / "stopped")  # a server that was down during the trim
    stopped.rebuild(db)
    with db.session() as s:
        save_entry(s, make(9, "later"), state="published")
        save_entry(s, make(8, "later"), state="published")
    with db.session() as s:
        trim(s, keep=0, min_age=timedelta(0))
    messages = []
    stopped.ensure(db, log=messages.append)
    assert any("trimmed" in m for m in messages)
    assert found(stopped, "later") == {"gen-00008", "gen-00009"}
