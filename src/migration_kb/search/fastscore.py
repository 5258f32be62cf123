"""BM25F scoring of OR-queries with numpy, over the postings of the Whoosh index.

Whoosh scores posting by posting in Python; for a few common words that match half of a large index, that
was most of a search's time. A query built by `querybuild.build_query` is an OR of terms (each word's stems in
each text field, vocabulary concepts) plus, sometimes, phrases: the terms are scored here as whole arrays,
anything else (phrases, prefixes, AND/NOT groups) by Whoosh, and the sums are the same BM25F scores Whoosh
computes. Postings and field lengths are cached per index segment, so a commit only reads its new segment.
Postings come from the file a rebuild writes beside each segment (postings.py), else through `whoosh_internals`
(Whoosh's private block reader); field lengths are Whoosh's one-byte ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from math import log

import numpy as np
from whoosh.query import Or, Query, Term

from .postings import PostingsFile, compact, pack_ids, unpack_ids
from .postings import beside as postings_beside
from .querybuild import CONCEPT_WORDS_BOOST, Clauses, required
from .whoosh_internals import field_lengths, read_postings, segment_id

SHORT_PARTS = ("title", "summary", "findings")  # where a wording's stems together say it (see _said)
K1, B = 1.2, 0.75  # Whoosh's BM25F defaults
# Postings kept in memory, least recently used dropped first. A posting takes about 3 bytes (the gap to the
# previous document number as uint16, the term frequency as uint8): 6 MB hold about two million, the
# postings of the few hundred words that most queries share. Reading a common word's postings again from
# the index costs ~10-20 ms; see docs/search.md (Memory).
CACHE_BYTES = 6 * 2**20
# Which entries say a concept, and how well (see Scorer._saying), kept for the concepts most recently
# searched: ~12 bytes an entry that says it (~60 KB for a common concept at 10,000 entries, ~600 KB at 100,000).
SAYINGS_BYTES = 4 * 2**20
PHRASE_WORDS = 0.5  # the words of a vocabulary phrase, beside its concept (0.3-0.5: nDCG@10 0.887-0.891)


def small_ints(codes: np.ndarray, count: int) -> np.ndarray:
    """Indexes into a table of `count` values, in the smallest unsigned type that holds them."""
    return codes.astype(np.uint8 if count <= 2**8 else np.uint16 if count <= 2**16 else np.int64)


class SegmentCache:
    """Decoded postings and field lengths of index segments, shared across searcher generations.

    Field lengths are kept as one byte per document when they fit (Whoosh stores them as a byte that
    encodes an approximate length): the few distinct lengths, plus each document's position among them.
    """

    def __init__(self) -> None:
        self.lengths: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.postings: OrderedDict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self.budget = CACHE_BYTES
        self.size = 0  # bytes held in self.postings
        self.files: dict[str, PostingsFile | None] = {}  # per segment: its postings file, if a rebuild wrote one
        self.lock = threading.Lock()

    def segment_lengths(self, seg_id: str, leaf, field: str) -> tuple[np.ndarray, np.ndarray]:
        """(distinct lengths as float32, each document's index into them)."""
        key = (seg_id, field)
        found = self.lengths.get(key)
        if found is None:
            values, codes = np.unique(field_lengths(leaf, field), return_inverse=True)
            found = (values, small_ints(codes, len(values)))
            self.lengths[key] = found
        return found

    def segment_postings(self, seg_id: str, leaf, field: str,
                         text: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(document numbers as int32, term frequencies, document frequency) of one term in one segment.

        The document frequency is the segment's count when it was written, deleted documents included, as
        Whoosh's: asking Whoosh's term table for it cost a third of a search at 10,000 entries."""
        key = (seg_id, field, text)
        with self.lock:
            found = self.postings.get(key)
            if found is not None:
                self.postings.move_to_end(key)
                return unpack_ids(found[0]), found[1], found[2]
        listed = self._listed(seg_id, leaf, field, text)
        if listed is None:  # a segment Whoosh's writer made, or a term its file does not list
            ids, weights = read_postings(leaf, field, text)  # without the documents deleted since
            stored = (pack_ids(ids), compact(weights), leaf.doc_frequency(field, text) if len(ids) else 0)
        else:  # every posting the segment was written with
            ids, weights = unpack_ids(listed[0]), listed[1]
            stored = (*listed, len(ids))
        nbytes = _nbytes(stored)
        if nbytes <= self.budget:
            with self.lock:
                if key not in self.postings:
                    self.postings[key] = stored
                    self.size += nbytes
                while self.size > self.budget:
                    _, dropped = self.postings.popitem(last=False)
                    self.size -= _nbytes(dropped)
        return ids, weights, stored[2]

    def _listed(self, seg_id: str, leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's postings from the file a rebuild wrote beside the segment (postings.py), if any."""
        with self.lock:
            if seg_id not in self.files:
                self.files[seg_id] = postings_beside(leaf)
            listed = self.files[seg_id]
            return listed.get(field, text.encode("utf-8")) if listed is not None else None

    def forget(self, live_segments: set[str]) -> None:
        """Drop what belongs to segments a merge removed."""
        with self.lock:
            for seg in [k for k in self.files if k not in live_segments]:
                listed = self.files.pop(seg)
                if listed is not None:
                    listed.close()
            for key in [k for k in self.lengths if k[0] not in live_segments]:
                del self.lengths[key]
            for key in [k for k in self.postings if k[0] not in live_segments]:
                self.size -= _nbytes(self.postings.pop(key))


def _nbytes(stored: tuple) -> int:
    return sum(a.nbytes for a in stored if isinstance(a, np.ndarray))


def live_documents(reader) -> np.ndarray:
    """Mask of the documents not deleted, from each segment's deleted set (asking each document was 240 ms
    a reopening at 100,000 entries)."""
    live = np.ones(reader.doc_count_all(), dtype=bool)
    for leaf, offset in reader.leaf_readers():
        if leaf.has_deletions():
            deleted = getattr(leaf, "deleted_docs_set", None)  # a segment reader's (a cached property)
            if not isinstance(deleted, frozenset):
                deleted = [d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d)]
            live[offset + np.fromiter(deleted, dtype=np.int64, count=len(deleted))] = False
    return live


class Scorer:
    """Scores queries against one searcher generation."""

    def __init__(self, searcher, cache: SegmentCache):
        self.searcher = searcher
        self.cache = cache
        reader = searcher.reader()
        self.reader = reader
        self.leaves = [(leaf, offset, segment_id(leaf)) for leaf, offset in reader.leaf_readers()]
        cache.forget({seg for _, _, seg in self.leaves})
        self.n = reader.doc_count_all()
        self.live = live_documents(reader)
        self._lengths: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # see _norms
        self._sayings: OrderedDict[int, tuple] = OrderedDict()  # see _saying
        self._sayings_size = 0
        self._sayings_lock = threading.Lock()

    def _norms(self, field: str) -> tuple[np.ndarray, np.ndarray]:
        """BM25F's length normalisation, K1 x ((1 - B) + B x length / average length), for each distinct
        length of the field (float32), and each document's index into them: a term's documents then need
        two lookups, not four operations on their lengths (~6 us of ~25 a term)."""
        found = self._lengths.get(field)
        if found is None:
            parts = [self.cache.segment_lengths(seg, leaf, field) for leaf, _, seg in self.leaves]
            if len(parts) == 1:  # the usual case after a rebuild: no copy
                values, codes = parts[0]
            else:  # one table of distinct lengths for all segments
                values = np.unique(np.concatenate([v for v, _ in parts] or [np.empty(0, np.float32)]))
                codes = np.concatenate([np.searchsorted(values, v[c]) for v, c in parts] or [np.empty(0, np.int64)])
                codes = small_ints(codes, len(values))
            # As Whoosh's Searcher.avg_field_length: the field's total length over every document the
            # segments hold, deleted ones too (the total still counts them until a merge drops them).
            avg = (self.reader.field_length(field) / (self.n or 1)) or 1.0
            found = self._lengths[field] = (K1 * ((1 - B) + B * values / avg), codes)
        return found

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray, int]:
        """(documents, term frequencies, document frequency) of one term over every segment."""
        ids, weights, frequency = [], [], 0
        for leaf, offset, seg in self.leaves:
            i, w, df = self.cache.segment_postings(seg, leaf, field, text)
            frequency += df
            if len(i):
                ids.append(i + offset)
                weights.append(w)
        if not ids:
            return np.empty(0, np.int32), np.empty(0, np.float32), frequency
        if len(ids) == 1:
            return ids[0], weights[0], frequency
        return np.concatenate(ids), np.concatenate(weights), frequency

    def score(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """(documents, scores) of every live document the query matches (any of its parts), in document order."""
        scores = np.zeros(self.n, dtype=np.float64)
        docs = np.nonzero(self._add(query, scores) & self.live)[0]
        return docs, scores[docs]

    def score_most(self, query: Query, languages: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, bool]:
        """As `score`, but of a `Clauses` query only the entries that match most of it (see `_most`); and
        whether any did and every clause matched some entry (False: a part of it found nothing, or the query
        was not plain words)."""
        if not isinstance(query, Clauses):  # operators, phrases, prefixes: as the user wrote it
            docs, scores = self.score(query)
            return docs, scores, False
        scores = np.zeros(self.n, dtype=np.float64)
        matched, most = self._most(query, languages, scores)
        docs = np.nonzero(matched)[0]
        return docs, scores[docs], most

    def _most(self, query: Clauses, languages: list[np.ndarray], scores: np.ndarray) -> tuple[np.ndarray, bool]:
        matched = np.zeros(self.n, dtype=np.uint8)  # clauses each document matches
        tagged = self.live.copy()  # has every concept of the query
        usable = np.zeros((len(languages), len(query.parts)), dtype=bool)
        seen: dict[int, dict] = {}  # wordings share stems ("migrant", "trabajador")
        for i, (words, concepts, wordings) in enumerate(query.parts):
            by_words, by_concepts = np.zeros(self.n), np.zeros(self.n)
            hit = self.live.copy() if words else np.zeros(self.n, dtype=bool)
            for word in words:  # a phrase's words, all of them (or its concept)
                hit &= self._add(word, by_words)
            usable[:, i] = [bool((hit & lang).any()) for lang in languages]
            if concepts is not None:
                has = self._add(concepts, by_concepts)
                tagged &= has
                hit |= has
                usable[:, i] = True
            if wordings:  # the concept said in an entry's own language
                ids, values = self._saying(wordings, seen)
                by_concepts[ids] += values
                hit[ids] = True
            scores += by_concepts + (PHRASE_WORDS * by_words if concepts is not None else by_words)
            matched += hit
        matched[~self.live] = 0
        enough = np.zeros(self.n, dtype=bool)
        for lang, can in zip(languages, usable, strict=True):
            enough |= lang & (matched >= required(int(can.sum())))
        if any(c is not None for _, c, _ in query.parts):
            enough |= tagged
        enough &= matched > 0
        if enough.any():  # most of it, unless some clause matches no entry at all (a typo?)
            return enough, bool(usable.any(axis=0).all())
        return (matched == matched.max(initial=0)) & (matched > 0), False  # initial: an empty index

    def _saying(self, wordings: tuple, seen: dict) -> tuple[np.ndarray, np.ndarray]:
        """The entries that say any of a concept's wordings, and their stems' scores there (summed over the
        wordings, weighted). The same for every query naming the concept, so kept for this generation of the
        index, the most recently used first: a common concept has dozens of wordings, ~5-10 ms a query."""
        with self._sayings_lock:
            found = self._sayings.get(id(wordings))
            if found is not None and found[0] is wordings:  # the id of a live object: querybuild caches them
                self._sayings.move_to_end(id(wordings))
                return found[1], found[2]
        scores, saying = np.zeros(self.n), np.zeros(self.n, dtype=bool)
        for wording in wordings:
            said, postings = self._said(wording, seen)
            for ids, values in postings:  # its stems' scores, where it is said
                inside = said[ids]
                scores[ids[inside]] += CONCEPT_WORDS_BOOST * values[inside]
            saying |= said
        ids = np.flatnonzero(saying).astype(np.int32)
        found = (wordings, ids, scores[ids])
        with self._sayings_lock:
            self._sayings[id(wordings)] = found
            self._sayings_size += _nbytes(found)
            while self._sayings_size > SAYINGS_BYTES:
                _, dropped = self._sayings.popitem(last=False)
                self._sayings_size -= _nbytes(dropped)
        return found[1], found[2]

    def _said(self, wording, seen: dict) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Entries that say a wording (a mask), and its stems' postings with their scores: a one-stem
        wording in any part; a wording of several stems with all of them in the title, or all in the summary,
        or all in the findings (in the body they meet by chance: "social security for migrant workers" then
        matched 56 entries instead of 48). Without the phrase's positions: as phrase queries the wordings made
        a search ~4x slower. The stems are kept as posting lists, not whole-index arrays: a query's wordings
        hold dozens of stems, which as arrays took ~1.2 MB each at 100,000 entries."""
        stems = []
        for stem in wording:
            if id(stem) not in seen:
                seen[id(stem)] = self._parts(stem)
            stems.append(seen[id(stem)])
        said = np.zeros(self.n, dtype=bool)
        if len(stems) == 1:
            for ids, _ in stems[0].values():
                said[ids] = True
        else:
            holding = np.zeros(self.n, dtype=np.uint8)  # how many of the stems each document holds in a part
            for part in SHORT_PARTS:
                holding[:] = 0
                for found in stems:
                    if part in found:
                        holding[found[part][0]] += 1  # a part's postings name a document once
                said |= holding == len(stems)
        said &= self.live
        return said, [posting for found in stems for posting in found.values()]

    def _parts(self, stem: Query) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """A stem's documents (ascending) and BM25F scores in each text part."""
        terms: list[tuple[str, str, float]] = []
        others: list[tuple[Query, float]] = []
        _plan(stem, 1.0, terms, others)
        found = {}
        for field, text, boost in terms:  # one term per part (querybuild._stem_query)
            found[field] = self._term(field, text, boost)
        for sub, factor in others:  # not made by querybuild._stem_query; scored as any other part
            dense = np.zeros(self.n)
            hit = np.flatnonzero(self._add(sub, dense))
            found[getattr(sub, "fieldname", repr(sub))] = hit, factor * dense[hit]
        return found

    def _term(self, field: str, text: str, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """One term's documents (ascending) and their BM25F scores, as Whoosh computes them."""
        ids, tf, frequency = self.postings(field, text)
        if not len(ids):
            return np.empty(0, np.int64), np.empty(0)
        idf = log(self.n / (frequency + 1)) + 1
        norms, codes = self._norms(field)
        tf = tf.astype(np.float32)
        return ids, boost * idf * (tf * (K1 + 1)) / (tf + norms[codes[ids]])

    def _add(self, query: Query, scores: np.ndarray) -> np.ndarray:
        """Adds the query's scores to `scores`; the documents it matches (a mask)."""
        terms: list[tuple[str, str, float]] = []
        others: list[tuple[Query, float]] = []
        _plan(query, 1.0, terms, others)
        hit = np.zeros(self.n, dtype=bool)
        for field, text, boost in terms:
            ids, values = self._term(field, text, boost)
            # a term's postings name each document once, so a plain indexed add (np.add.at is ~10x slower)
            scores[ids] += values
            hit[ids] = True
        for sub, factor in others:
            for score, docnum in self.searcher.search(sub, limit=None).top_n:
                scores[docnum] += factor * score
                hit[docnum] = True
        return hit


def _plan(query: Query, factor: float, terms: list, others: list) -> None:
    """Split an OR tree into plain terms (scored here) and other parts (scored by Whoosh); sums either way."""
    if isinstance(query, Or) and not getattr(query, "minmatch", 0) and not getattr(query, "scale", None):
        for sub in query.subqueries:
            _plan(sub, factor * query.boost, terms, others)
    elif type(query) is Term:
        text = query.text.decode() if isinstance(query.text, bytes) else query.text
        terms.append((query.fieldname, text, factor * query.boost))
    else:
        others.append((query, factor))
