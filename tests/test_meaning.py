"""Search by meaning: vectors stored with entry versions (SQLite and PostgreSQL), the hybrid and meaning
modes of the API, the flag of entries found by meaning alone, and search by words when the encoder is
missing (a real `migration-kb serve` whose encoder module cannot be imported)."""

from __future__ import annotations

from urllib.parse import quote

import numpy as np
import pytest
from sqlalchemy import func, select
from testkit.servers import AppServer

from migration_kb import embeddings, encoder
from migration_kb.models import EntryEmbedding
from migration_kb.records import validate_entry
from migration_kb.search.request import SearchRequest
from migration_kb.search.searcher import Searcher
from migration_kb.store import get_entry, save_entry

from .conftest import KB

pytestmark = [pytest.mark.databases("sqlite", "postgresql"),
              pytest.mark.skipif(not encoder.available(), reason="the sentence encoder is not installed")]

PLAIN_ES = "papeles para extranjeros que entraron sin permiso"


def _vectors(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(EntryEmbedding))


def _record(**changes):
    base = {"id": "xx-meaning-test", "title": "Seasonal farm work between two countries",
            "summary": "Workers travel each year for the harvest and go home afterwards.", "language": "en",
            "themes": ["labour-mobility"], "countries": ["MX", "CA"],
            "sources": [{"title": "The agreement", "publisher": "A ministry", "year": 2001}],
            "findings": [{"kind": "strength", "text": "Employers pay the travel."}]}
    return validate_entry({**base, **changes})


def test_the_encoder_keeps_to_one_blas_thread():
    """Concurrent searches in `serve` each encode a query: one BLAS thread each, not one per core for each
    (under load a query's p95 went from 3.5 ms to 59 ms; docs/search.md)."""
    from threadpoolctl import threadpool_info

    backend = encoder._load()._model
    seen: list[list[int]] = []
    forward = backend._encode
    backend._encode = lambda texts: (seen.append([i["num_threads"] for i in threadpool_info()
                                                  if i["user_api"] == "blas"]), forward(texts))[1]
    try:
        encoder.encode_texts(["una pregunta que nadie hizo antes sobre hilos de cálculo"])
    finally:
        del backend._encode
    assert seen and seen[0] and set(seen[0]) == {1}


def test_a_save_stores_the_versions_vector_once(db):
    with db.session() as s:
        save_entry(s, _record(), state="published")
    assert _vectors(db) == 1
    with db.session() as s:  # the same text again, and a state change: nothing to compute
        save_entry(s, _record(), state="draft")
    assert _vectors(db) == 1
    with db.session() as s:
        save_entry(s, _record(summary="Workers go for the harvest and come back."))
        entry, _ = get_entry(s, "xx-meaning-test")
        found = list(embeddings.each_vector(s, ["xx-meaning-test"]))
    assert _vectors(db) == 2
    [(_, vector, scale)] = found
    exact = encoder.encode_texts([embeddings.entry_text(entry)])[0]
    assert vector.dtype == np.int8 and len(vector) == encoder.DIM
    assert float(vector.astype(np.float32) @ exact) * scale == pytest.approx(1.0, abs=0.005)  # int8 costs < 0.5%


def test_import_computes_the_vectors_in_batches_and_reindex_fills_those_missing(db, cli):
    from migration_kb.importer import import_paths

    calls = []

    def bar(total):
        calls.append(total)
        from contextlib import nullcontext
        return nullcontext(None)

    report = import_paths(db, [KB], embedding_progress=bar)
    assert report.imported and calls == [_vectors(db)] and calls[0] >= 134
    with db.session() as s:
        s.execute(EntryEmbedding.__table__.delete().where(
            EntryEmbedding.content_hash.in_(select(EntryEmbedding.content_hash).limit(3).scalar_subquery())))
    with db.session() as s:
        assert len(embeddings.missing_ids(s)) == 3
    result = cli("reindex")
    assert "Computed the meaning of 3 entries" in result.output
    with db.session() as s:
        assert embeddings.missing_ids(s) == []


@pytest.fixture(scope="module")
def searcher(app) -> Searcher:
    return app.extensions["migration_kb"].searcher  # the server's own: Searcher(index, db)


def test_a_plain_spanish_question_finds_english_and_portuguese_practices_by_meaning(searcher):
    words = searcher.search(SearchRequest(q=PLAIN_ES, mode="words"))
    hybrid = searcher.search(SearchRequest(q=PLAIN_ES))
    meaning = searcher.search(SearchRequest(q=PLAIN_ES, mode="meaning"))
    assert hybrid.total > words.total  # the entries close in meaning join the word matches
    assert all(h.by_meaning for h in meaning.hits) and not any(h.by_meaning for h in words.hits)
    alone = [h for h in hybrid.hits if h.by_meaning]
    assert alone and {h.language for h in alone} - {"es"}  # found across languages
    # facets count the same set as the total
    assert sum(hybrid.facets["language"].values()) == hybrid.total


def test_the_match_set_stays_small(searcher):
    """A plain question does not return the whole collection: the entries close in meaning are those near
    the best similarity, not everything above a low bar."""
    for q in ("help for people who come back home", "dinero para la familia", "colheita de café"):
        result = searcher.search(SearchRequest(q=q, mode="meaning"))
        assert 1 <= result.total <= 30, (q, result.total)


def test_syntax_queries_are_matched_by_words_only(searcher):
    result = searcher.search(SearchRequest(q='"social security" AND Canada'))
    assert result.total and not any(h.by_meaning for h in result.hits)


def test_api_mode_is_validated_and_flags_meaning_alone(client):
    bad = client.get("/api/v1/search?q=x&mode=semantic")
    assert bad.status_code == 400 and "mode" in bad.get_json()["error"]
    for mode in ("words", "meaning", "hybrid"):
        data = client.get(f"/api/v1/search?q={PLAIN_ES}&mode={mode}").get_json()
        assert set(data) == {"query", "total", "page", "per_page", "results", "facets", "suggestion"}
        assert all(isinstance(r["related_in_meaning"], bool) for r in data["results"])
    data = client.get(f"/api/v1/search?q={PLAIN_ES}").get_json()
    assert any(r["related_in_meaning"] for r in data["results"])


def test_the_search_page_says_why_an_entry_matched(client):
    page = client.get(f"/?q={PLAIN_ES}&lang=es").get_data(as_text=True)
    assert "relacionado por el significado" in page
    kept = client.get(f"/?q={PLAIN_ES}&mode=words").get_data(as_text=True)
    assert 'name="mode" value="words"' in kept and "related in meaning" not in kept


@pytest.mark.databases("sqlite")
def test_without_the_encoder_serve_starts_and_searches_by_words(tmp_path):
    server = AppServer(tmp_path / "instance", start=False)
    server.env["MIGRATION_KB_ENCODER"] = "no_such_encoder_module"
    server.start()
    try:
        assert "search by meaning is off" in server.log_text()
        assert "no_such_encoder_module" in server.log_text()
        status, data = server.get("/api/v1/search?q=social+security")
        assert status == 200 and data["total"] > 0
        assert not any(r["related_in_meaning"] for r in data["results"])
        status, data = server.get(f"/api/v1/search?q={quote(PLAIN_ES)}&mode=meaning")
        assert status == 200  # by words: the mode asks for what is not there
    finally:
        server.stop()


def _save_schooling(db, index, searcher, entry_id: str) -> None:
    """Publish a practice on bilingual schooling, and let the index and the searcher follow."""
    with db.session() as s:
        save_entry(s, _record(id=entry_id, title="Bilingual schooling for the children of migrants",
                              summary="The education ministry teaches migrants' children in two languages."),
                   state="published")
    index.catch_up(db)
    searcher.invalidate()


def test_a_saved_entry_is_found_by_meaning_once_the_index_follows(db, settings):
    from migration_kb.search.indexer import SearchIndex

    with db.session() as s:
        save_entry(s, _record(), state="published")
        save_entry(s, _record(id="xx-other", title="Consular offices issue identity cards",
                              summary="Nationals abroad get documents at the consulate."), state="published")
    index = SearchIndex(settings.index_dir)
    index.rebuild(db)
    searcher = Searcher(index, db)
    try:
        question = "a ministry helps children learn two languages at school"
        assert "xx-school" not in [h.id for h in searcher.search(SearchRequest(q=question, mode="meaning")).hits]
        _save_schooling(db, index, searcher, "xx-school")
        hits = searcher.search(SearchRequest(q=question, mode="meaning")).hits
        assert hits[0].id == "xx-school" and hits[0].by_meaning
    finally:
        searcher.close()


def test_a_reopened_index_reads_only_the_new_segments_vectors(db, settings, monkeypatch):
    from migration_kb.search.indexer import SearchIndex

    with db.session() as s:
        for n in range(3):
            save_entry(s, _record(id=f"xx-seg-{n}", title=f"Seasonal farm work, corridor {n}"), state="published")
    index = SearchIndex(settings.index_dir)
    index.rebuild(db)
    read: list[list[str]] = []
    each_vector = embeddings.each_vector
    monkeypatch.setattr(embeddings, "each_vector", lambda s, ids: read.append(sorted(ids)) or each_vector(s, ids))
    searcher = Searcher(index, db)
    try:
        question = "harvest workers crossing a border"
        first = searcher.search(SearchRequest(q=question, mode="meaning"))
        assert read == [] and first.total > 0  # the rebuild's segment: from the file it wrote (vectorfile.py)
        _save_schooling(db, index, searcher, "xx-seg-new")
        hits = searcher.search(SearchRequest(q="children taught in two languages", mode="meaning")).hits
        assert read == [["xx-seg-new"]]  # the new segment's from the database; the old one's not read again
        assert hits[0].id == "xx-seg-new"
        assert {h.id for h in searcher.search(SearchRequest(q=question, mode="meaning")).hits} >= {
            h.id for h in first.hits}
    finally:
        searcher.close()


def test_many_ids_are_read_in_one_pass_with_the_same_vectors(db, monkeypatch):
    with db.session() as s:
        for n in range(4):
            save_entry(s, _record(id=f"xx-pass-{n}", title=f"Seasonal farm work, season {n}"), state="published")
    ids = ["xx-pass-0", "xx-pass-2", "xx-none"]
    with db.session() as s:
        by_id = {i: (v.tobytes(), sc) for i, v, sc in embeddings.each_vector(s, ids)}
        monkeypatch.setattr(embeddings, "WHOLE_TABLE_FROM", 0)
        one_pass = {i: (v.tobytes(), sc) for i, v, sc in embeddings.each_vector(s, ids)}
    assert sorted(by_id) == ["xx-pass-0", "xx-pass-2"] and one_pass == by_id
