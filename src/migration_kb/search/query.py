"""Searching: a request (query words, filters, sort, page) -> hits, facet counts, highlights, suggestion.

Never raises on what a user typed: a query the parser cannot read is searched as plain words.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from markupsafe import escape
from whoosh import qparser
from whoosh.query import Every, NullQuery, Or, Query, Term
from whoosh.reading import TermNotFound
from whoosh.support.levenshtein import distance

from ..config import LANGUAGES
from ..taxonomy import Taxonomy, fold
from ..taxonomy import load as load_taxonomy
from .fastscore import Scorer, SegmentCache
from .indexer import SearchIndex
from .schema import FACETS, PART_BOOSTS, TEXT_FIELDS, TEXT_PARTS, stem_spans, stems, stopwords
from .vocabulary import matcher

MAX_QUERY = 500  # characters searched; a longer paste is cut, not refused
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
SORTS = ("relevance", "newest", "title")
CONCEPT_BOOST = 15  # a vocabulary term found in the query also matches entries tagged with it
# The years facet: spans a practice may have been in force during (no end year: ongoing).
YEAR_SPANS = ((None, 1989), (1990, 1999), (2000, 2009), (2010, 2019), (2020, None))
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
TOKENS = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
SYNTAX = re.compile(r'["()*]|\b(AND|OR|NOT)\b|\w:\S')


class SearchError(ValueError):
    """A parameter of a search request is wrong (answered with 400 and this message)."""


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> selected values (OR)
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"

    @classmethod
    def from_args(cls, args, taxonomy: Taxonomy | None = None) -> SearchRequest:
        """Read and check query-string parameters (a werkzeug MultiDict or a dict of lists)."""
        tax = taxonomy or load_taxonomy()
        getlist = args.getlist if hasattr(args, "getlist") else (lambda k: list(args.get(k, [])))

        def one(name: str) -> str | None:
            values = getlist(name)
            return values[-1] if values else None

        q = one("q") or ""
        filters = {}
        for facet in FACETS:
            values = [v for v in getlist(facet) if v != ""]
            if values:
                filters[facet] = [_canonical(tax, facet, v) for v in dict.fromkeys(values)]
        sort = one("sort") or "relevance"
        if sort not in SORTS:
            raise SearchError(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
        return cls(q=q, filters=filters, year_from=_int(one("year_from"), "year_from", 1800, 2100),
                   year_to=_int(one("year_to"), "year_to", 1800, 2100),
                   page=_int(one("page"), "page", 1, MAX_PAGE) or 1,
                   per_page=_int(one("per_page"), "per_page", 1, MAX_PER_PAGE) or 20, sort=sort)


def _int(raw: str | None, name: str, low: int, high: int) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SearchError(f"{name}: {raw[:40]!r} is not a whole number") from None
    if not low <= value <= high:
        raise SearchError(f"{name}: {value} is outside {low}–{high}")
    return value


def _canonical(tax: Taxonomy, facet: str, value: str) -> str:
    if facet == "language":
        if value in LANGUAGES:
            return value
    elif facet == "country":
        if value.upper() in tax.countries:
            return value.upper()
    elif facet == "bloc":
        found = tax.canonical_bloc(value)
        if found:
            return found
    elif value in tax.terms(facet):
        return value
    hint = tax.suggest(facet, value) if facet != "language" else None
    raise SearchError(f"{facet}: {value[:60]!r} is not a known value"
                      + (f" (did you mean {hint!r}?)" if hint else ""))


@dataclass
class Hit:
    id: str
    title: str
    summary: str
    language: str
    themes: list[str]
    blocs: list[str]
    countries: list[str]
    topics: list[str]
    year_start: int | None
    year_end: int | None
    score: float | None
    highlights: str
    updated: float

    def to_api(self) -> dict:
        return {"id": self.id, "title": self.title, "summary": self.summary, "themes": self.themes,
                "blocs": self.blocs, "countries": self.countries, "year_start": self.year_start,
                "score": round(self.score, 4) if self.score is not None else None,
                "highlights": self.highlights, "language": self.language, "topics": self.topics,
                "year_end": self.year_end}


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    years: dict[tuple[int | None, int | None], int] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    def to_api(self) -> dict:
        r = self.request
        return {"query": r.q, "total": self.total, "page": r.page, "per_page": r.per_page,
                "results": [h.to_api() for h in self.hits], "facets": self.facets,
                "suggestion": self.suggestion}


# -- turning words into a Whoosh query -----------------------------------------------------------------
@cache
def _parser() -> qparser.MultifieldParser:
    from .schema import build_schema

    return qparser.MultifieldParser(list(TEXT_FIELDS), build_schema(), fieldboosts=dict(PART_BOOSTS),
                                    group=qparser.OrGroup)


_parse_lock = threading.Lock()  # the parser object is shared; Whoosh parsers keep a little state
FIELD_TOKEN = re.compile(r"^(theme|topic|bloc|country|instrument|target_group|language):[\w-]+$")
WORD = re.compile(r"[\w'’]+")


def clean(q: str) -> str:
    return " ".join(CONTROL.sub(" ", q or "")[:MAX_QUERY].split())


def word_stems(word: str) -> list[str]:
    """The word's stems in the four languages; none when it is a stop word in any of them."""
    folded = fold(word)
    if any(folded in stopwords(lang) for lang in LANGUAGES):
        return []
    return list(dict.fromkeys(stems(word, lang) for lang in LANGUAGES if stems(word, lang)))


def _alternatives(items: list[str]) -> str:
    items = list(dict.fromkeys(i for i in items if i))
    if not items:
        return ""
    return items[0] if len(items) == 1 else "(" + " OR ".join(items) + ")"


def _phrase(text: str) -> str:
    """A quoted phrase, as its stems in each language (each a phrase of its own)."""
    variants = []
    for lang in LANGUAGES:
        analysed = stems(text, lang)
        if analysed:
            variants.append(f'"{analysed}"' if " " in analysed else analysed)
    return _alternatives(variants)


def _words(words: list[str]) -> list[str]:
    """Plain words -> query parts; taxonomy phrases also match entries tagged with their term."""
    parts, i = [], 0
    for m in [*matcher().find(words), None]:
        stop = m.start if m else len(words)
        parts.extend(_alternatives(word_stems(w)) for w in words[i:stop])
        if m is None:
            break
        phrase = words[m.start:m.end]
        options = [_concepts(m.concepts)]
        if len(phrase) > 1:  # each of its words, with any term it names alone (the concept stands for the phrase)
            for w in phrase:
                inner = matcher().find([w])
                options.append(_alternatives([*word_stems(w), *(_concepts(x.concepts) for x in inner)]))
        else:
            options.extend(word_stems(phrase[0]))
        parts.append(_alternatives(options))
        i = m.end
    return [p for p in parts if p]


def _concepts(concepts) -> str:
    return _alternatives([f"{c.field}:{c.value}^{CONCEPT_BOOST:g}" for c in concepts])


def _drop_dangling(parts: list[str]) -> list[str]:
    """Operators left without an operand (a stop word removed next to them, a typo) are dropped."""
    out: list[str] = []
    for i, part in enumerate(parts):
        after = parts[i + 1] if i + 1 < len(parts) else None
        if part in ("AND", "OR") and (not out or out[-1] in (*OPERATORS, "(") or after in (None, ")", "AND", "OR")):
            continue
        if part == "NOT" and after in (None, ")", "AND", "OR", "NOT"):
            continue
        out.append(part)
    return out


def _rewrite(q: str, structured: bool) -> str:
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        parts.extend(_words(run))
        run.clear()

    for token in TOKENS.findall(q):
        if structured and (token in OPERATORS or token in "()"):
            flush()
            parts.append(token)
        elif structured and token.startswith('"'):
            flush()
            parts.append(_phrase(token.strip('"')))
        elif structured and FIELD_TOKEN.match(token):
            flush()
            parts.append(token)
        elif structured and token.endswith("*") and len(WORD.findall(token[:-1])) == 1:
            flush()
            stem = fold(token[:-1]).strip("'’")
            parts.append(f"{stem}*" if len(stem) >= 2 else "")
        else:
            run.extend(w for w in WORD.findall(token) if not (w in OPERATORS and not structured))
    flush()
    return " ".join(_drop_dangling([p for p in parts if p]))


def build_query(q: str) -> Query:
    """The Whoosh query for what the user typed; Every() when nothing was typed."""
    q = clean(q)
    if not q:
        return Every()
    structured = bool(SYNTAX.search(q)) and _well_formed(q)
    for attempt in ((True, False) if structured else (False,)):
        text = _rewrite(q, attempt)
        if not text:
            return NullQuery
        try:
            with _parse_lock:
                parsed = _parser().parse(text)
        except Exception:
            continue
        if parsed is not None and parsed is not NullQuery:
            return parsed
    return NullQuery


def _well_formed(q: str) -> bool:
    """Balanced quotes and brackets, and no operator left dangling: else it is read as plain words."""
    if q.count('"') % 2 or q.count("(") != q.count(")"):
        return False
    depth = 0
    for ch in q:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    tokens = q.split()
    return not (tokens[0] in OPERATORS - {"NOT"} or tokens[-1] in OPERATORS)


# -- per-document facet values, cached per index segment ------------------------------------------
YEAR_NONE, YEAR_ONGOING = 0, 9999  # no start year; no end year (in force until now)
MASKS_KEPT = 16  # filter masks kept for reuse (one byte per document each)


@dataclass
class FacetDocs:
    """Which documents carry each value of one facet (names[i] is value i), kept the smaller of two ways:
    a bitmap per value (one bit per document: for values that many documents carry, e.g. languages), or
    the ascending documents of every value one after the other (value i: docs[starts[i]:starts[i + 1]])."""

    names: list[str]
    size: int  # documents
    bits: np.ndarray | None = None  # uint8, one row of ceil(size / 8) bytes per value
    docs: np.ndarray | None = None  # int32
    starts: np.ndarray | None = None  # int64, len(names) + 1

    @classmethod
    def read(cls, reader, name: str) -> FacetDocs:
        names = list(reader.field_terms(name)) if name in set(reader.indexed_field_names()) else []
        parts = [np.fromiter(reader.postings(name, value).all_ids(), dtype=np.int32) for value in names]
        return cls.of(names, reader.doc_count_all(), parts)

    @classmethod
    def of(cls, names: list[str], size: int, parts: list[np.ndarray]) -> FacetDocs:
        """From each value's documents (ascending int32)."""
        row_bytes = (size + 7) // 8
        if len(names) * row_bytes < 4 * sum(len(p) for p in parts):
            bits = np.zeros((len(names), row_bytes), dtype=np.uint8)
            row = np.zeros(size, dtype=bool)
            for i, part in enumerate(parts):
                row[:] = False
                row[part] = True
                bits[i] = np.packbits(row)
            return cls(names, size, bits=bits)
        starts = np.zeros(len(parts) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in parts], out=starts[1:])
        return cls(names, size, docs=np.concatenate(parts) if parts else np.empty(0, np.int32), starts=starts)

    def docs_of(self, i: int) -> np.ndarray:
        """The documents of value i (ascending int32)."""
        if self.bits is not None:
            return np.flatnonzero(np.unpackbits(self.bits[i], count=self.size)).astype(np.int32)
        return self.docs[self.starts[i]:self.starts[i + 1]]

    def mask_of(self, i: int) -> np.ndarray:
        """The documents of value i as a boolean mask."""
        if self.bits is not None:
            return np.unpackbits(self.bits[i], count=self.size).view(bool)
        mask = np.zeros(self.size, dtype=bool)
        mask[self.docs_of(i)] = True
        return mask

    def count(self, mask: np.ndarray) -> np.ndarray:
        """How many of the masked documents carry each value."""
        if self.bits is not None:
            return np.bitwise_count(self.bits & np.packbits(mask)).sum(axis=1, dtype=np.int64)
        running = np.zeros(len(self.docs) + 1, dtype=np.int32)
        np.cumsum(mask[self.docs], out=running[1:])
        return running[self.starts[1:]] - running[self.starts[:-1]]


class _SegmentFacets:
    """For one segment, read once from its postings: the documents of each value of each facet, and the
    start and end year of each document (YEAR_NONE / YEAR_ONGOING when it has none)."""

    def __init__(self, reader):
        self.size = reader.doc_count_all()
        indexed = set(reader.indexed_field_names())
        self.values = {name: FacetDocs.read(reader, name) for name in FACETS}
        self.years = {}
        for name, missing in (("year_start", YEAR_NONE), ("year_end", YEAR_ONGOING)):
            column = np.full(self.size, missing, dtype=np.int16)
            if name in indexed:
                for value in reader.field_terms(name):
                    column[np.fromiter(reader.postings(name, value).all_ids(), dtype=np.int32)] = int(value)
            self.years[name] = column


class Facets:
    """Whole-index arrays for filtering and counting, assembled per commit from cached segment parts.

    Sets of documents are boolean masks over the index's document numbers.
    """

    def __init__(self, searcher, previous: Facets | None):
        cache = previous.segments if previous else {}
        self.segments: dict[str, _SegmentFacets] = {}
        parts = []
        for leaf, offset in searcher.reader().leaf_readers():
            key = leaf.segment().segment_id() if hasattr(leaf, "segment") and leaf.segment() else str(id(leaf))
            part = cache.get(key) or _SegmentFacets(leaf)
            self.segments[key] = part
            parts.append((part, offset))
        self.size = sum(part.size for part, _ in parts)
        self.values: dict[str, FacetDocs] = {}
        for name in FACETS:
            if len(parts) == 1:  # the usual case after a rebuild: no copy
                self.values[name] = parts[0][0].values[name]
                continue
            local = [(part.values[name], {v: i for i, v in enumerate(part.values[name].names)}, offset)
                     for part, offset in parts]
            names = sorted({v for _, index, _ in local for v in index})
            merged = [np.concatenate([values.docs_of(index[v]) + offset for values, index, offset in local
                                      if v in index]).astype(np.int32) for v in names]
            self.values[name] = FacetDocs.of(names, self.size, merged)
        self.start, self.end = (
            (parts[0][0].years[name] if len(parts) == 1 else
             np.concatenate([part.years[name] for part, _ in parts]) if parts else np.zeros(0, np.int16))
            for name in ("year_start", "year_end"))
        self._masks: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._title_rank: np.ndarray | None = None
        self._searcher = searcher

    def _cached(self, key: tuple[str, str], make) -> np.ndarray:
        """A mask, kept among the MASKS_KEPT most recently used (the year spans every search counts)."""
        with self._lock:
            found = self._masks.get(key)
            if found is not None:
                self._masks.move_to_end(key)
                return found
        found = make()
        with self._lock:
            self._masks[key] = found
            while len(self._masks) > MASKS_KEPT:
                self._masks.popitem(last=False)
        return found

    def docs_with(self, facet: str, value: str) -> np.ndarray:
        """The documents that carry this value of the facet."""

        def make() -> np.ndarray:
            values = self.values[facet]
            return values.mask_of(values.names.index(value)) if value in values.names else \
                np.zeros(self.size, dtype=bool)

        return self._cached((facet, value), make)

    def in_force(self, year_from: int | None, year_to: int | None) -> np.ndarray:
        """Practices in force at some time within [year_from, year_to] (no end year: ongoing)."""

        def make() -> np.ndarray:
            mask = self.start != YEAR_NONE
            if year_to is not None:
                mask &= self.start <= year_to
            if year_from is not None:
                mask &= self.end >= year_from
            return mask

        return self._cached(("years", f"{year_from}-{year_to}"), make)

    def count(self, facet: str, mask: np.ndarray) -> dict[str, int]:
        """How many of the masked documents carry each value of the facet, most frequent first."""
        values = self.values[facet]
        counts = values.count(mask)
        order = np.lexsort((np.arange(len(values.names)), -counts))
        return {values.names[i]: int(counts[i]) for i in order if counts[i]}

    def title_rank(self) -> np.ndarray:
        """Each document's position in title order (read once per commit, when a title sort needs it)."""
        if self._title_rank is None:
            titles = [""] * self.size
            reader = self._searcher.reader()
            for leaf, offset in reader.leaf_readers():
                column = leaf.column_reader("title_sort") if leaf.has_column("title_sort") else None
                for d in range(leaf.doc_count_all()):
                    value = column[d] if column is not None else ""
                    titles[offset + d] = value.decode() if isinstance(value, bytes) else (value or "")
            rank = np.empty(self.size, dtype=np.int32)
            rank[np.argsort(np.array(titles, dtype=object), kind="stable")] = np.arange(self.size, dtype=np.int32)
            self._title_rank = rank
        return self._title_rank


# -- the service a server (or a script) holds ---------------------------------------------------------
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


class Searcher:
    """Keeps one Whoosh searcher open, reopened after commits, and answers SearchRequests.

    Whoosh readers share file handles, so one process's searches take turns (a lock); Python runs one
    thread at a time anyway. A searcher is reopened rather than `refresh()`ed: Whoosh-Reloaded 2.7.5's
    refresh re-adds segments a merge removed, which brings deleted documents back.
    """

    REFRESH_EVERY = 1.0  # seconds between checks for commits made by other processes

    def __init__(self, index: SearchIndex):
        self.index = index
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
        if not same_folder:
            self._segments = SegmentCache()
        self._scorer = Scorer(self._searcher, self._segments)
        self._live = self._scorer.live
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
        if isinstance(query, Every):
            ranked = scores = None
            worded = live
        else:  # scoring every match once gives both the ranking and the set the facets count
            docs, doc_scores = self._scorer.score(query)
            order = np.lexsort((docs, -doc_scores))
            ranked, scores = docs[order], doc_scores[order]
            worded = np.zeros(facets.size, dtype=bool)
            worded[docs] = True
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
        return _Match(searcher, facets, query, ranked, scores, worded, matched, selected, allowed)

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
        terms = _query_terms(m.query)
        page = self._ordered(m, request.sort, end)[end - request.per_page:end]
        with_scores = m.ranked is not None and request.sort == "relevance"
        scores = dict(zip(m.ranked[:end].tolist(), m.scores[:end].tolist(), strict=True)) if with_scores else {}
        hits = [_hit(m.searcher.stored_fields(d), scores.get(d), terms) for d in page]
        suggestion = suggest(m.searcher, request.q)
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
            return [_hit(m.searcher.stored_fields(d), None, None) for d in self._ordered(m, sort, limit)]

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

    def related(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """Practices that share the most specific tags (topics, target groups, countries...) with this one."""
        return self._retrying(lambda: self._related(entry_id, limit))

    def _related(self, entry_id: str, limit: int) -> list[Hit]:
        searcher, _, _ = self._current()
        docnum = searcher.document_number(id=entry_id)
        if docnum is None:
            return []
        d = json.loads(searcher.stored_fields(docnum)["display"])
        weights = {"topics": ("topic", 3.0), "target_groups": ("target_group", 1.5), "countries": ("country", 1.5),
                   "themes": ("theme", 1.0), "blocs": ("bloc", 1.0)}
        clauses = [Term(name, value, boost=weight) for key, (name, weight) in weights.items()
                   for value in d.get(key, [])]
        if not clauses:
            return []
        # Scored as arrays (the same BM25F as Whoosh's, ties in document order): a common tag matches tens of
        # thousands of entries, which Whoosh scores one by one (about a second at 100,000 entries).
        docs, scores = self._scorer.score(Or(clauses))
        keep = docs != docnum
        docs, scores = docs[keep], scores[keep]
        best = np.lexsort((docs, -scores))[:limit]
        return [_hit(searcher.stored_fields(int(docs[i])), float(scores[i]), None) for i in best]


def _hit(stored: dict, score: float | None, terms: set[str] | None) -> Hit:
    """A result line from the stored fields; `terms` (stems) are marked in the snippet."""
    d = json.loads(stored["display"])
    snippet = highlight(d, terms) if terms else str(escape(_cut(d["summary"], 0)))
    return Hit(id=stored["id"], title=d["title"], summary=d["summary"], language=d["language"], themes=d["themes"],
               blocs=d["blocs"], countries=d["countries"], topics=d.get("topics", []), year_start=d["year_start"],
               year_end=d.get("year_end"), score=score, highlights=snippet, updated=d["updated"])


# -- highlights and suggestions ---------------------------------------------------------------------------
def _query_terms(query: Query) -> set[str]:
    """The stems the query looks for in the text fields (to mark them in snippets)."""
    try:
        terms = query.iter_all_terms(phrases=True)
    except TypeError:
        terms = query.iter_all_terms()
    return {t.decode() if isinstance(t, bytes) else t for f, t in terms if f in TEXT_PARTS}


SNIPPET = 220


def highlight(display: dict, terms: set[str]) -> str:
    """An HTML-escaped snippet around the best matches, with the matched words in <mark>."""
    sources = [display["summary"], *display.get("findings", []), display.get("body", "")]
    if terms:
        lang = display["language"]
        for text in sources:
            spans = [(start, end) for start, end, stem in stem_spans(text, lang) if stem in terms]
            if spans:
                return _fragment(text, spans)
    return str(escape(_cut(display["summary"], 0)))


def _cut(text: str, start: int) -> str:
    end = start + SNIPPET
    piece = text[start:end]
    return ("… " if start else "") + piece + (" …" if end < len(text) else "")


def _fragment(text: str, spans: list[tuple[int, int]]) -> str:
    # Start a little before the window holding the most matches.
    best_start, best = spans[0][0], 0
    for s, _ in spans:
        n = sum(1 for a, _b in spans if s <= a < s + SNIPPET)
        if n > best:
            best, best_start = n, s
    start = max(0, best_start - 40)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best_start else start
    end = min(len(text), start + SNIPPET)
    out, pos = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(str(escape(text[pos:a])))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(str(escape(text[pos:end])))
    return ("… " if start else "") + "".join(out) + (" …" if end < len(text) else "")


def suggest(searcher, q: str) -> str | None:
    """'did you mean': the query with each unknown word replaced by the closest known word.

    Known words are those of the indexed text and of the vocabularies (labels and synonyms in the four
    languages). Prefix searches (word*) and operators are left alone.
    """
    q = clean(q)
    words = [w for w in re.findall(r"[^\W\d_]{3,}\*?", q) if not w.endswith("*") and w not in OPERATORS]
    if not words or len(words) > 12:
        return None
    reader = searcher.reader()
    known = vocabulary_words()
    out, changed = q, False
    for word in words:
        token = fold(word)
        if token in known or _published(reader, token):
            continue
        better = _closest(reader, known, token)
        if better:
            out = re.sub(rf"\b{re.escape(word)}\b", better, out, count=1)
            changed = True
    return out if changed else None


def _closest(reader, known: frozenset[str], token: str) -> str | None:
    for maxdist in (1, 2):
        candidates = {w for w in reader.terms_within("spell", token, maxdist, prefix=1) if _published(reader, w)}
        candidates |= {w for w in known if w[:1] == token[:1] and abs(len(w) - len(token)) <= maxdist
                       and distance(w, token, limit=maxdist) <= maxdist}
        if candidates:
            return max(sorted(candidates), key=lambda w: (w in known, reader.frequency("spell", w)))
    return None


def _published(reader, word: str) -> bool:
    """Whether a published entry holds the word now: Whoosh keeps the words of a deleted or replaced document
    (archived, edited) in its term lists until segments merge; its postings skip deleted documents."""
    try:
        return reader.postings("spell", word).is_active()
    except TermNotFound:
        return False


@cache
def vocabulary_words() -> frozenset[str]:
    """Every word of every label and synonym, folded: typos of these get corrected too."""
    tax = load_taxonomy()
    words = set()
    for vocabulary in ("theme", "topic", "target_group", "instrument", "bloc"):
        for term in tax.terms(vocabulary).values():
            for phrase in (*term.labels.values(), *(w for ws in term.synonyms.values() for w in ws)):
                words.update(fold(w) for w in re.findall(r"[^\W\d_]{3,}", phrase))
    for country in tax.countries.values():
        for name in country.names.values():
            words.update(fold(w) for w in re.findall(r"[^\W\d_]{3,}", name))
    return frozenset(words)
