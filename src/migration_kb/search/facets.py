"""Facets: which documents carry each value of each facet, and each document's years, read once per index
segment from the postings; whole-index masks for filtering and counting."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .postings import PostingsFile, unpack_ids
from .postings import beside as postings_beside
from .schema import FACETS
from .whoosh_internals import segment_id

# The years facet: spans a practice may have been in force during (no end year: ongoing).
YEAR_SPANS = ((None, 1989), (1990, 1999), (2000, 2009), (2010, 2019), (2020, None))
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
    def read(cls, reader, name: str, listed: PostingsFile | None = None) -> FacetDocs:
        """From a segment's postings: its postings file's when a rebuild wrote one (Whoosh's matcher yields
        a document at a time: 2 s for the facets of 100,000 entries)."""
        names = list(reader.field_terms(name)) if name in set(reader.indexed_field_names()) else []
        parts = []
        for value in names:
            found = listed.get(name, value.encode("utf-8")) if listed is not None else None
            parts.append(unpack_ids(found[0]).astype(np.int32) if found is not None else
                         np.fromiter(reader.postings(name, value).all_ids(), dtype=np.int32))
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
        listed = postings_beside(reader)
        try:
            self.values = {name: FacetDocs.read(reader, name, listed) for name in FACETS}
        finally:
            if listed is not None:
                listed.close()
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
            key = segment_id(leaf)
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

