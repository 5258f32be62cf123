"""The numpy scorer (search/fastscore.py, through whoosh_internals) against Whoosh's own BM25F scoring, and the
start-up check of the Whoosh version those internals were written for."""

import subprocess
import sys

import pytest
from whoosh import index as whoosh_index
from whoosh.query import And, Not, Or, Phrase, Prefix, Term
from whoosh.scoring import BM25F

from migration_kb.db import open_database
from migration_kb.search.fastscore import Scorer, SegmentCache, _plan
from migration_kb.search.indexer import SearchIndex
from migration_kb.search.querybuild import build_query
from migration_kb.search.schema import published_documents
from migration_kb.search.whoosh_internals import WRITTEN_FOR, WhooshVersionError, check_version

# Plain words, phrases, prefixes, field:value and AND/OR/NOT groups, mixed, in the four languages.
QUERIES = [
    "seasonal agricultural workers",
    'workers "social security"',
    '"free movement" OR caribbean',
    "migr* remittances",
    "migrant* health",
    "(refugees OR asylum) AND venezuela",
    "consular protection NOT mexico",
    "topic:trafficking victims",
    "trata de personas",
    '"trata de personas" víctimas',
    '"libre circulación" residencia MERCOSUR',
    "(trabajadores OR migrantes) AND NOT (temporales OR agrícolas) regulariz*",
    "previdência social AND (Mercosul OR Argentina)",
    'reconhecimento "de diplomas" fronteir*',
    'previdência "seguridade social"',
    'trabalhadores "mercado de trabalho" migra*',
    "travailleurs NOT saisonniers",
    '"travailleurs migrants" OR asile',
    '"sécurité sociale" OR (rapatriement AND Haïti) diaspora*',
    "protection consulaire OR remittances OR remesas OR remessas",
]


def kinds(query) -> set[str]:
    """What the query holds, as the scorer splits it: plain terms scored as arrays, other parts by Whoosh."""
    terms, others = [], []
    _plan(query, 1.0, terms, others)
    found = {"terms"} if terms else set()
    for sub, _ in others:
        found |= {type(q).__name__ for q in sub.leaves()} | {type(sub).__name__}
    return found


def assert_scored_as_whoosh_does(ix) -> set[str]:
    seen = set()
    with ix.searcher(weighting=BM25F()) as searcher:
        scorer = Scorer(searcher, SegmentCache())
        live = set(searcher.reader().all_doc_ids())
        for q in QUERIES:
            query = build_query(q)
            expected = {docnum: score for score, docnum in searcher.search(query, limit=None).top_n}
            # Whoosh 2.7.5's NOT, on a segment with deleted documents, also yields deleted ones (the numpy
            # scorer keeps only live documents, so a search never shows them): compared on live documents.
            expected = {docnum: score for docnum, score in expected.items() if docnum in live}
            docs, scores = scorer.score(query)
            got = dict(zip(docs.tolist(), scores.tolist(), strict=True))
            assert expected, q  # each query finds something in the shipped kb
            assert got.keys() == expected.keys(), q
            off = {d: (got[d], s) for d, s in expected.items() if abs(got[d] - s) > 1e-6 * abs(s)}
            assert not off, (q, off)
            seen |= kinds(query)
    return seen


@pytest.fixture(scope="module")
def kb_index(kb_instance, tmp_path_factory):
    """The shipped kb's index, written by a rebuild (one segment)."""
    db = open_database(kb_instance)
    index = SearchIndex(tmp_path_factory.mktemp("fastscore") / "index")
    index.rebuild(db)
    yield index, db
    db.dispose()


def test_the_numpy_scorer_gives_whooshs_matches_and_scores(kb_index):
    index, _ = kb_index
    seen = assert_scored_as_whoosh_does(index.open())
    # Both paths were exercised: terms as arrays, and phrases, prefixes and groups by Whoosh.
    assert {"terms", "Phrase", "Prefix", "And", "Not"} <= seen, seen


def test_it_still_does_across_segments_with_deleted_documents(kb_index, tmp_path):
    """After saves: Whoosh's writer adds a segment and deletes the old copies (document numbers shift)."""
    import shutil

    index, db = kb_index
    folder = tmp_path / "copy"
    shutil.copytree(index.current_dir(), folder)
    ix = whoosh_index.open_dir(str(folder))
    docs = [doc for batch in published_documents(db) for doc in batch][::4]
    writer = ix.writer()
    for doc in docs:
        writer.update_document(**doc)
    writer.commit(merge=False)
    ix = whoosh_index.open_dir(str(folder))
    with ix.reader() as reader:
        assert len(list(reader.leaf_readers())) == 2 and reader.has_deletions()
    assert_scored_as_whoosh_does(ix)


def test_a_query_s_parts_are_summed_like_whooshs_or(kb_index):
    """Hand-built trees too: nested ORs with boosts, and phrase, prefix and NOT parts beside terms."""
    index, _ = kb_index
    query = Or([Term("body", "migrant", boost=2.0),
                Or([Term("title", "trabajador"), Prefix("summary", "refug")], boost=1.5),
                Phrase("body", ["social", "secur"]), And([Term("body", "border"), Not(Term("body", "visa"))])])
    with index.open().searcher(weighting=BM25F()) as searcher:
        expected = {d: s for s, d in searcher.search(query, limit=None).top_n}
        docs, scores = Scorer(searcher, SegmentCache()).score(query)
    assert expected and dict(zip(docs.tolist(), scores.tolist(), strict=True)) == pytest.approx(expected, rel=1e-6)


def test_the_internals_refuse_another_whoosh_version():
    check_version()  # the installed one: the pinned one
    with pytest.raises(WhooshVersionError) as raised:
        check_version("2.8.0")
    assert f"Whoosh-Reloaded {WRITTEN_FOR}" in str(raised.value) and "Whoosh 2.8.0 is installed" in str(raised.value)


def test_a_server_does_not_start_under_another_whoosh():
    """The check runs on import: anything that searches or rebuilds stops at start-up, naming both versions."""
    code = ("import whoosh; whoosh.versionstring = lambda *a: '2.7.4'\n"
            "from migration_kb.web import create_app\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode != 0
    assert "WhooshVersionError" in out.stderr and "Whoosh-Reloaded 2.7.5" in out.stderr and "Whoosh 2.7.4" in out.stderr


def test_a_search_of_an_empty_knowledge_base_finds_nothing_without_failing(db, tmp_path):
    from migration_kb.search.request import SearchRequest
    from migration_kb.search.searcher import Searcher

    index = SearchIndex(tmp_path / "empty-index")
    index.rebuild(db)
    result = Searcher(index).search(SearchRequest(q="trabajadores temporales", mode="words"))
    assert result.total == 0 and result.hits == []


def test_field_lengths_are_read_whole_as_whoosh_gives_them_one_by_one(kb_index):
    import numpy as np

    from migration_kb.search.whoosh_internals import field_lengths

    index, _ = kb_index
    with index.open().reader() as reader:
        for leaf, _ in reader.leaf_readers():
            n = leaf.doc_count_all()
            for field in ("title", "summary", "findings", "body", "topic", "country", "spell"):
                one_by_one = np.array([leaf.doc_field_length(d, field, 1) for d in range(n)], dtype=np.float32)
                assert np.array_equal(field_lengths(leaf, field), one_by_one, equal_nan=True), field


def test_a_concept_searched_again_is_scored_from_what_the_first_search_kept(kb_index, monkeypatch):
    """Which entries say a concept's wordings is kept per index generation: the second query naming it reads
    none of its wordings again, and every query scores as with nothing kept; the kept bytes stay in budget."""
    from migration_kb.config import LANGUAGES
    from migration_kb.search import fastscore
    from migration_kb.search.facets import Facets

    index, _ = kb_index
    queries = ["trabajadores migrantes", "remesas", "migrant workers pensions", "trabajadores temporales",
               "remittances to families", "réfugiés", "refugiados e asilo"]
    with index.open().searcher(weighting=BM25F()) as searcher:
        facets = Facets(searcher, None)
        languages = [facets.docs_with("language", lang) for lang in LANGUAGES]
        monkeypatch.setattr(fastscore, "SAYINGS_BYTES", 0)  # nothing kept
        fresh = {q: Scorer(searcher, SegmentCache()).score_most(build_query(q), languages) for q in queries}
        monkeypatch.setattr(fastscore, "SAYINGS_BYTES", 4 * 2**20)
        scorer = Scorer(searcher, SegmentCache())
        said = []
        monkeypatch.setattr(scorer, "_said", lambda wording, seen: said.append(wording) or
                            Scorer._said(scorer, wording, seen))
        for q in queries + queries:  # each twice: the second time from what was kept
            docs, scores, most = scorer.score_most(build_query(q), languages)
            want_docs, want_scores, want_most = fresh[q]
            assert docs.tolist() == want_docs.tolist() and most == want_most, q
            assert scores.tolist() == pytest.approx(want_scores.tolist(), rel=1e-9), q
        wordings = {id(t) for q in queries for _, _, t in build_query(q).parts if t}
        assert len(wordings) >= 4  # the queries name several concepts, some of them twice
        assert len(said) == sum(len(t) for t in {id(t): t for q in queries
                                                 for _, _, t in build_query(q).parts if t}.values())
        assert 0 < scorer._sayings_size <= 4 * 2**20
