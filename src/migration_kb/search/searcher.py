"""The search service a server (or a script) holds: one Whoosh searcher kept open and reopened after commits,
retried once when a commit moved the index under it; matching, filtering, ordering, related practices."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import numpy as np
from whoosh.query import Every, Or, Query, Term

from .. import encoder
from ..config import LANGUAGES
from ..db import Database
from .facets import YEAR_SPANS, Facets
from .fastscore import Scorer, SegmentCache
from .indexer import SearchIndex
from .meaning import MeaningIndex, Vectors, fuse, meaning_only, words_weight
from .querybuild import build_query, clean, has_syntax, query_terms
from .request import SearchRequest
from .results import Hit, SearchResult, hit
from .schema import FACETS
from .suggest import suggest

RELATED_TAGS = 0.5  # shared tags' share beside the meaning in related practices (see _related_in_meaning)


@dataclass
class _Match:
    searcher: object
    facets: Facets
    query: Query
    ranked: np.ndarray | None  # matching documents, best first; None when no words were given
    scores: np.ndarray | None  # their scores, in the same order
    worded: np.ndarray  # masks: matching the words
    matched: np.ndarray  # ... and the years
    selected: dict[str, np.ndarray]  # each facet's selected values
    allowed: np.ndarray  # all of it
    good: bool  # some entries match most of the query's words
    meant: np.ndarray | None = None  # mask: entries found by meaning alone


class Searcher:
    """Keeps one Whoosh searcher open, reopened after commits, and answers SearchRequests.

    Whoosh readers share file handles, so one process's searches take turns (a lock); Python runs one
    thread at a time anyway. A searcher is reopened rather than `refresh()`ed: Whoosh-Reloaded 2.7.5's
    refresh re-adds segments a merge removed, which brings deleted documents back.
    """

    REFRESH_EVERY = 1.0  # seconds between checks for commits made by other processes

    def __init__(self, index: SearchIndex, db: Database | None = None):
        """`db` given: search by meaning too, with the entries' vectors stored there."""
        self.index = index
        self._meaning = MeaningIndex(db)
        self._vectors: Vectors | None = None
        self._lock = threading.RLock()
        self._searcher = None
        self._gen_dir = None
        self._facets: Facets | None = None
        self._live: np.ndarray = np.zeros(0, dtype=bool)
        self._checked = 0.0
        self._segments = SegmentCache()
        self._scorer: Scorer | None = None

    def invalidate(self) -> None:
        """Called after this process committed to the index: the next search looks at once."""
        self._checked = 0.0

    def _current(self):
        now = time.monotonic()
        if self._searcher is not None and now - self._checked < self.REFRESH_EVERY:
            return self._searcher, self._facets, self._live
        self._checked = now
        gen = self.index.current_dir()
        if self._searcher is not None and gen == self._gen_dir and self._searcher.up_to_date():
            return self._searcher, self._facets, self._live
        old, same_folder = self._searcher, gen == self._gen_dir
        self._searcher, self._gen_dir = self.index.open().searcher(), gen
        # Segments unchanged since the last commit keep their facet arrays.
        self._facets = Facets(self._searcher, self._facets if same_folder else None)
        if not same_folder:  # a rebuild: the old generation's postings files are closed, its caches dropped
            self._segments.forget(set())
            self._segments = SegmentCache()
        self._scorer = Scorer(self._searcher, self._segments)
        self._live = self._scorer.live
        self._vectors = self._meaning.align(self._searcher.reader())
        if old is not None:
            old.close()
        return self._searcher, self._facets, self._live

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def _match(self, request: SearchRequest) -> _Match:
        """One pass over the index: every matching document with its score, then the filters."""
        searcher, facets, live = self._current()
        query = build_query(request.q)
        most = True  # the entries found match most of the query (else "did you mean" may help)
        meant = None
        similarity = None if isinstance(query, Every) else self._similarity(request)
        if isinstance(query, Every):
            ranked = scores = None
            worded = live
        elif similarity is not None and request.mode == "meaning":  # the words are not scored at all
            ranked, scores = meaning_only(similarity, live)
            meant = np.zeros(facets.size, dtype=bool)
            meant[ranked] = True
            worded = meant
        else:  # scoring every match once gives both the ranking and the set the facets count
            docs, doc_scores, most = self._scorer.score_most(
                query, [facets.docs_with("language", lang) for lang in LANGUAGES])
            order = np.lexsort((docs, -doc_scores))
            ranked, scores = docs[order], doc_scores[order]
            worded = np.zeros(facets.size, dtype=bool)
            worded[docs] = True
            if similarity is not None:  # hybrid
                ranked, scores, meant = fuse(ranked, scores, similarity, live, worded, words_weight(request.q))
                worded = worded | meant
        matched = worded
        if request.year_from is not None or request.year_to is not None:
            matched = matched & facets.in_force(request.year_from, request.year_to)
        selected = {}
        for facet, values in request.filters.items():
            mask = np.zeros(facets.size, dtype=bool)
            for value in values:
                mask |= facets.docs_with(facet, value)
            selected[facet] = mask
        allowed = matched
        for mask in selected.values():
            allowed = allowed & mask
        return _Match(searcher, facets, query, ranked, scores, worded, matched, selected, allowed,
                      most and bool(worded.any()), meant)

    def _similarity(self, request: SearchRequest) -> np.ndarray | None:
        """Every entry's similarity to the query, when meaning takes part: not in `words` mode, not for a
        query written with syntax (phrases, AND/OR/NOT, field:value), not without the encoder."""
        if request.mode == "words" or self._vectors is None or has_syntax(request.q):
            return None
        query = encoder.encode_query(clean(request.q))  # cut and cleaned as the words are
        return None if query is None else self._vectors.similarity(query)

    def _retrying(self, work):
        """Run `work` under the lock; once more on a fresh searcher if a commit (this process's follower, or
        another process) had meanwhile merged away segment files the open searcher had not read yet. Whoosh
        removes them at once: the reader then meets a missing file (FileNotFoundError) or a missing column
        (a TypeError inside Whoosh). An error on an index that did not move is not retried."""
        with self._lock:
            try:
                return work()
            except Exception as exc:
                if not isinstance(exc, FileNotFoundError) and not self._index_moved():
                    raise
                self.close()
                self._checked = 0.0
                return work()

    def _index_moved(self) -> bool:
        """Whether the index has changed (a commit, or a new generation) since the open searcher was opened."""
        try:
            return self._searcher is not None and (self.index.current_dir() != self._gen_dir
                                                   or not self._searcher.up_to_date())
        except OSError:  # the searcher's own folder is gone: a rebuild replaced it
            return True

    def search(self, request: SearchRequest) -> SearchResult:
        return self._retrying(lambda: self._search(request))

    def _search(self, request: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        m = self._match(request)
        counts = {}
        for facet in FACETS:
            mask = m.allowed
            if facet in m.selected:  # counted as if this facet's own selection were removed
                mask = m.matched
                for other, selection in m.selected.items():
                    if other != facet:
                        mask = mask & selection
            counts[facet] = m.facets.count(facet, mask)
        end = request.page * request.per_page
        terms = query_terms(m.query)
        page = self._ordered(m, request.sort, end)[end - request.per_page:end]
        with_scores = m.ranked is not None and request.sort == "relevance"
        scores = dict(zip(m.ranked[:end].tolist(), m.scores[:end].tolist(), strict=True)) if with_scores else {}
        hits = [hit(m.searcher.stored_fields(d), scores.get(d), terms,
                    by_meaning=m.meant is not None and bool(m.meant[d])) for d in page]
        suggestion = None if m.good else suggest(m.searcher, request.q)
        return SearchResult(request=request, total=int(m.allowed.sum()), hits=hits, facets=counts,
                            suggestion=suggestion, years=self._year_counts(m),
                            elapsed_ms=(time.perf_counter() - t0) * 1000)

    @staticmethod
    def _year_counts(m: _Match) -> dict[tuple[int | None, int | None], int]:
        """Matches per span of YEAR_SPANS, under every filter but the years' own."""
        base = m.worded
        for mask in m.selected.values():
            base = base & mask
        return {span: int((base & m.facets.in_force(*span)).sum()) for span in YEAR_SPANS}

    def all_hits(self, request: SearchRequest, limit: int = 100_000) -> list[Hit]:
        """Every matching entry in the requested order, without snippets: for exports and feeds."""

        def work():
            m = self._match(request)
            sort = request.sort if m.ranked is not None or request.sort != "relevance" else "title"
            return [hit(m.searcher.stored_fields(d), None, None) for d in self._ordered(m, sort, limit)]

        return self._retrying(work)

    @staticmethod
    def _ordered(m: _Match, sort: str, limit: int) -> list[int]:
        """The first `limit` allowed documents in the requested order."""
        if m.ranked is not None and sort == "relevance":
            return m.ranked[m.allowed[m.ranked]][:limit].tolist()
        docs = np.nonzero(m.allowed)[0]
        if sort == "title":
            keys = (m.facets.title_rank()[docs],)
        else:  # newest first (by start year, then title); also the order of a search without words
            keys = (m.facets.title_rank()[docs], -m.facets.start[docs])
        return docs[np.lexsort(keys)][:limit].tolist()

    def ids(self, request: SearchRequest, limit: int = 10_000) -> list[str]:
        """Ids of the matching entries, best first (no facets, no snippets): for findings and exports."""

        def work():
            m = self._match(request)
            order = self._ordered(m, "relevance" if m.ranked is not None else "title", limit)
            return [m.searcher.stored_fields(d)["id"] for d in order]

        return self._retrying(work)

    def related(self, entry_id: str, limit: int = 5, by: str = "tags") -> list[Hit]:
        """Practices related to this one: `by` "tags", those sharing the most specific tags (topics, target
        groups, countries...); `by` "meaning", those whose text is closest in meaning, in any language
        (none when search by meaning is off or the entry has no vector yet)."""
        if by == "meaning":
            return self._retrying(lambda: self._related_in_meaning(entry_id, limit))
        return self._retrying(lambda: self._related(entry_id, limit))

    def _related_in_meaning(self, entry_id: str, limit: int) -> list[Hit]:
        searcher, _, live = self._current()
        docnum = searcher.document_number(id=entry_id)
        vectors = self._vectors
        if docnum is None or vectors is None or not vectors.present[docnum]:
            return []
        similarity = vectors.similarity(vectors.vector(docnum))
        # Texts in one language read closer to each other than to their peers in another: shared tags
        # (language-neutral) count beside the meaning, so a practice's peers in other languages come up.
        score = np.clip(similarity, 0, None) / max(float(similarity[live].max(initial=0)), 1e-9)
        docs, scores = self._tag_scores(searcher, docnum)
        if len(docs):
            tags = np.zeros(len(live))
            tags[docs] = scores
            score += RELATED_TAGS * tags / max(float(scores.max()), 1e-9)
        score[~live | ~vectors.present] = -1.0
        score[docnum] = -1.0
        best = np.argsort(-score, kind="stable")[:limit]
        return [hit(searcher.stored_fields(int(d)), float(score[d]), None) for d in best if score[d] > 0]

    def _related(self, entry_id: str, limit: int) -> list[Hit]:
        searcher, _, _ = self._current()
        docnum = searcher.document_number(id=entry_id)
        if docnum is None:
            return []
        docs, scores = self._tag_scores(searcher, docnum)
        keep = docs != docnum
        docs, scores = docs[keep], scores[keep]
        best = np.lexsort((docs, -scores))[:limit]
        return [hit(searcher.stored_fields(int(docs[i])), float(scores[i]), None) for i in best]

    def _tag_scores(self, searcher, docnum: int) -> tuple[np.ndarray, np.ndarray]:
        """Documents sharing tags with this one, and their BM25F over its tags (itself included)."""
        d = json.loads(searcher.stored_fields(docnum)["display"])
        weights = {"topics": ("topic", 3.0), "target_groups": ("target_group", 1.5), "countries": ("country", 1.5),
                   "themes": ("theme", 1.0), "blocs": ("bloc", 1.0)}
        clauses = [Term(name, value, boost=weight) for key, (name, weight) in weights.items()
                   for value in d.get(key, [])]
        if not clauses:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        # Scored as arrays (the same BM25F as Whoosh's, ties in document order): a common tag matches tens of
        # thousands of entries, which Whoosh scores one by one (about a second at 100,000 entries).
        return self._scorer.score(Or(clauses))

    def cross_counts(self, request: SearchRequest, row_facet: str, rows: list[str],
                     column_facet: str) -> dict[str, dict[str, int]]:
        """For each row value, how many matching entries carry each value of `column_facet` (under "": those
        that carry none): a coverage map from the facet masks, without reading an entry (reading every entry
        took a theme page 14 s at 100,000 entries)."""

        def work():
            m = self._match(request)
            tagged = self._tagged(m.facets, column_facet)
            out = {}
            for row in rows:
                mask = m.allowed & m.facets.docs_with(row_facet, row)
                out[row] = m.facets.count(column_facet, mask)
                if none := int(np.count_nonzero(mask & ~tagged)):
                    out[row][""] = none
            return out

        return self._retrying(work)

    @staticmethod
    def _tagged(facets: Facets, facet: str) -> np.ndarray:
        """Mask: the documents carrying some value of `facet` (for "bloc", all but the practices with no bloc)."""
        tagged = np.zeros(facets.size, dtype=bool)
        for value in facets.values[facet].names:
            tagged |= facets.docs_with(facet, value)
        return tagged

    def without(self, request: SearchRequest, facet: str, offset: int = 0, limit: int = 10) -> tuple[int, list[Hit]]:
        """The matching entries that carry no value of `facet` (the practices with no bloc): how many, and `limit`
        of them from `offset` in title order. Only those entries' stored fields are read: a list of the 50,000
        entries with no bloc among 100,000 costs what a page of search results does."""

        def work():
            m = self._match(request)
            m.allowed = m.allowed & ~self._tagged(m.facets, facet)
            docs = self._ordered(m, "title", offset + limit)[offset:] if limit > 0 else []
            return int(np.count_nonzero(m.allowed)), [hit(m.searcher.stored_fields(d), None, None) for d in docs]

        return self._retrying(work)

    def pair_counts(self, request: SearchRequest, facet: str,
                    pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """How many matching entries carry both values of each pair (two countries: a corridor's weight), from
        the facet masks: no stored field is read, so it costs the same at 100 or 100,000 entries."""

        def work():
            m = self._match(request)
            masks: dict[str, np.ndarray] = {}

            def mask(value: str) -> np.ndarray:
                if value not in masks:
                    masks[value] = m.allowed & m.facets.docs_with(facet, value)
                return masks[value]

            return {(a, b): int(np.count_nonzero(mask(a) & mask(b))) for a, b in pairs}

        return self._retrying(work)
