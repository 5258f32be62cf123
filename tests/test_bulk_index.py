"""A rebuild writes segments itself (search/bulk.py): they must read exactly like Whoosh's own writer's."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from migration_kb.config import Settings
from migration_kb.db import Database, open_database
from migration_kb.search import bulk
from migration_kb.search.bulk import BuildFailed, SegmentBuilder, write_index
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.request import SearchRequest
from migration_kb.search.schema import (
    WORD,
    analyzer,
    build_schema,
    document,
    folded_words,
    plain_analyzer,
    published_documents,
    published_ids,
    stem_of,
    stems,
)
from migration_kb.search.searcher import Searcher
from migration_kb.search.snippets import _matched, _start

from .test_index import make


@pytest.fixture(scope="module")
def kb_db(kb_instance):
    database = open_database(kb_instance)
    yield database
    database.dispose()


def whoosh_written(folder, docs):
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer(compound=False)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit(merge=False)
    return ix


def contents(ix) -> dict:
    """Everything a search can read from an index, by document id rather than number."""
    with ix.reader() as reader:
        schema = ix.schema
        ids = {n: stored["id"] for n, stored in reader.iter_docs()}
        out = {"count": reader.doc_count(), "stored": {ids[n]: s for n, s in reader.iter_docs()}}
        for name in schema.names():
            if schema[name].scorable:
                out[f"{name} lengths"] = {ids[n]: reader.doc_field_length(n, name) for n in ids}
                out[f"{name} total"] = reader.field_length(name)
            if schema[name].column_type:
                column = reader.column_reader(name)
                out[f"{name} column"] = {ids[n]: column[n] for n in ids}
            if not schema[name].indexed:
                continue
            for term in reader.lexicon(name):
                info = reader.term_info(name, term)
                matcher = reader.postings(name, term)
                postings = []
                while matcher.is_active():
                    postings.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                    matcher.next()
                out[(name, term)] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                     info.max_weight(), sorted(postings))
        return out


def test_a_bulk_written_index_reads_exactly_like_whoosh_writers(kb_db, tmp_path):
    docs = [doc for batch in published_documents(kb_db) for doc in batch]
    assert len(docs) >= 45
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    expected = contents(whoosh_written(tmp_path / "whoosh", docs))
    assert write_index(tmp_path / "bulk", kb_db, published_ids(kb_db)) == len(docs)
    got = contents(whoosh_index.open_dir(str(tmp_path / "bulk")))
    assert got.keys() == expected.keys()
    different = [key for key in expected if got[key] != expected[key]]
    assert not different, different[:5]


def test_long_posting_lists_are_written_in_blocks_as_whoosh_does(tmp_path):
    # 300 entries sharing words: their posting lists span several of Whoosh's 128-posting blocks.
    docs = [document(make(i, "alpha" if i % 3 else "beta"), version=1 + i % 4, updated=1.7e9 + i) for i in range(300)]
    for name in ("whoosh", "bulk"):
        (tmp_path / name).mkdir()
    expected = contents(whoosh_written(tmp_path / "whoosh", docs))
    builder = SegmentBuilder(tmp_path / "bulk", build_schema())
    for doc in docs:
        builder.add(doc)
    segment = builder.finish()
    TOC(build_schema(), [segment], 0).write(FileStorage(str(tmp_path / "bulk")), "MAIN")
    got = contents(whoosh_index.open_dir(str(tmp_path / "bulk")))
    assert got[("body", b"alpha")][1] == 200  # document frequency: two blocks and a part
    assert got == expected


def test_two_processes_index_the_same_as_one(kb_instance, kb_db, tmp_path):
    one, two = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    assert one.rebuild(kb_db, procs=1) == two.rebuild(kb_db, procs=2)
    assert len(list(two.current_dir().glob("*.trm"))) == 2  # a segment from each process
    assert not list(two.current_dir().glob("part-*"))  # the workers' hand-over files are gone
    for q in ("trata de personas", "seasonal agricultural workers", "previdência social", '"free movement"'):
        a, b = Searcher(one), Searcher(two)
        try:
            first, second = a.search(SearchRequest(q=q)), b.search(SearchRequest(q=q))
            assert [h.id for h in first.hits] == [h.id for h in second.hits], q
            assert first.facets == second.facets
        finally:
            a.close(), b.close()


@pytest.mark.parametrize("procs", [1, 2])
def test_a_large_rebuild_is_written_in_bounded_segments(kb_db, tmp_path, monkeypatch, procs):
    monkeypatch.setattr(bulk, "SEGMENT_ENTRIES", 12)  # the kb's entries: runs of 12, two workers at a time
    index = SearchIndex(tmp_path / "index")
    entries = len(published_ids(kb_db))
    assert index.rebuild(kb_db, procs=procs) == entries
    assert len(list(index.current_dir().glob("*.trm"))) == -(-entries // 12)
    searcher = Searcher(index)
    try:
        assert searcher.search(SearchRequest(q="trata de personas")).total > 0
        assert searcher.search(SearchRequest(q="")).total == len(published_ids(kb_db))
    finally:
        searcher.close()


def test_a_failing_worker_fails_the_build_and_says_why(kb_db, tmp_path):
    elsewhere = Settings(instance=tmp_path / "other", database_url=f"sqlite:///{tmp_path}/missing/db.sqlite",
                         index_dir=tmp_path / "other" / "index")
    (tmp_path / "gen").mkdir()
    with pytest.raises(BuildFailed, match=r"part-\d of the index failed: OperationalError.*unable to open"):
        write_index(tmp_path / "gen", Database(elsewhere), published_ids(kb_db), procs=2)
    assert not list((tmp_path / "gen").glob("part-*"))


@pytest.mark.parametrize("text", ["Ærø straße ŒUVRE l’été d'été naïve São Paulo x² ﬁnance İstanbul Ms vs",
                                  "Los trabajadores agrícolas temporales y la protección consular"])
def test_fast_stemming_matches_the_analyzer(text):
    for lang in ("en", "es", "pt", "fr"):
        assert stems(text, lang) == " ".join(t.text for t in analyzer(lang)(text))
        spans = [(m.start(), m.end(), stem_of(m.group(), lang)) for m in WORD.finditer(text)]
        assert [s for s in spans if s[2]] == [(t.startchar, t.endchar, t.text)  # the words snippets mark
                                              for t in analyzer(lang)(text, chars=True, mode="index")]
        # snippets stem only the words that begin as a matched stem does (snippets._matched)
        assert all(_start(text[a:b], 2).startswith(_start(stem, 2)) for a, b, stem in spans if stem)
        assert all(_start(text[a:b], 3) == _start(stem, 3) for a, b, stem in spans if len(stem) >= 4)
        assert _matched(text, lang, {stem for _, _, stem in spans if stem}) == {text[a:b] for a, b, s in spans if s}
    assert folded_words(text) == [t.text for t in plain_analyzer()(text)]


def test_a_worker_does_not_outlive_the_rebuild_that_started_it(kb_instance, tmp_path):
    # The worker blocks reading its ids from a FIFO nobody writes to; then its parent is killed -9.
    part = tmp_path / "part-0"
    os.mkfifo(part.with_suffix(".ids"))
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, subprocess, sys, time
        worker = subprocess.Popen([sys.executable, "-m", "migration_kb.search.bulk", {str(kb_instance.instance)!r},
                                   {str(part)!r}, str(os.getpid())])
        print(worker.pid, flush=True)
        time.sleep(60)
        """)], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    time.sleep(1.5)  # the worker is started and waiting for its ids
    assert alive(worker)
    parent.kill()
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker)


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its exit status waits to be collected
