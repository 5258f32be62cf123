"""Search by meaning: the entries' vectors as one int8 matrix over the open index's document numbers, the
query's cosine similarity to every entry in one matrix product, and its fusion with the words' ranking.

The vectors come from the database (embeddings.py), where each version's vector was stored when it was
saved or imported; they are read per index segment, so a reopened searcher fetches only its new segment's.
A rebuild writes its segments' vectors beside them (vectorfile.py): those are read from there by every
search, not held in the process; the segments of saves and merges, small, are held.
"""

from __future__ import annotations

import numpy as np

from .. import embeddings, encoder
from ..db import Database
from . import vectorfile
from .schema import WORD
from .vocabulary import matcher
from .whoosh_internals import column_texts, segment_file, segment_id

# Which entries found by meaning alone count as matches (total, facets, pages): a similarity of at least
# FLOOR and within WITHIN of the query's best one (a plain question's similarities sit close together, so a
# fixed threshold alone let in a third of the kb or nothing). Tuned on the two judged sets
# (tests/test_meaning_quality.py, docs/search.md): a median of 5 entries added to the word matches.
FLOOR = 0.15
WITHIN = 0.10
# The fused score: w x (BM25F / the best BM25F) + (1 - w) x (similarity / the best similarity), with w
# WORDS_WEIGHT when the query names a vocabulary concept (a theme, topic, target group... : the words and
# concepts rank those well), PLAIN_WORDS_WEIGHT when it does not (a plain question: meaning ranks better).
# One weight for all: 0.6 gave 0.389 on the plain set, 0.3 gave 0.47 there but 0.815 on the vocabulary
# set. Reciprocal rank fusion measured lower (best 0.458 / 0.757).
WORDS_WEIGHT = 0.6
PLAIN_WORDS_WEIGHT = 0.2
# Rows converted to float32 at a time, into one buffer the matrix product then reads while it is still in the
# processor's cache (256 KB): at 100,000 entries a query's similarities took 67 ms in chunks of 16,384 rows
# (32 MB converted, then read again from memory), 10 ms in chunks of 512.
CHUNK = 512


class Vectors:
    """One row per document number (zeros where a document has no vector yet), held as each segment's block
    of rows: a commit adds a block for its new segment, and no row of the others is copied."""

    def __init__(self, blocks: list[tuple[int, SegmentVectors | vectorfile.VectorFile]]):
        self.blocks = blocks  # (first document number, the segment's rows)
        self.scales = np.concatenate([b.scales for _, b in blocks] or [np.zeros(0, np.float32)])
        self.present = np.concatenate([b.present for _, b in blocks] or [np.zeros(0, bool)])

    def similarity(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every document to the query's unit vector; -1 where no vector is stored."""
        out = np.empty(len(self.scales), dtype=np.float32)
        read = np.empty((CHUNK, encoder.DIM), dtype=np.int8)
        buffer = np.empty((CHUNK, encoder.DIM), dtype=np.float32)
        query = np.asarray(query, dtype=np.float32)
        for offset, block in self.blocks:
            for start in range(0, len(block), CHUNK):
                rows = block.read_rows(start, read)
                part = buffer[:len(rows)]
                np.copyto(part, rows, casting="unsafe")  # int8 -> float32, exact
                np.dot(part, query, out=out[offset + start:offset + start + len(rows)])
        out *= self.scales
        out[~self.present] = -1.0
        return out

    def vector(self, docnum: int) -> np.ndarray:
        """The document's vector as float32 (zeros when it has none)."""
        offset, block = next((o, b) for o, b in reversed(self.blocks) if o <= docnum)
        row = block.read_rows(docnum - offset, np.empty((1, encoder.DIM), dtype=np.int8))[0]
        return row.astype(np.float32) * self.scales[docnum]


class SegmentVectors:
    """One index segment's vectors by its document numbers, read once from the database: the vector of each
    live document's current text in the database (even when the database is a step ahead of the index)."""

    def __init__(self, leaf):
        size = leaf.doc_count_all()
        self.matrix = np.zeros((size, encoder.DIM), dtype=np.int8)
        self.scales = np.zeros(size, dtype=np.float32)
        self.present = np.zeros(size, dtype=bool)
        ids = column_texts(leaf, "id") if size else []  # an empty index's reader has no columns
        self.docs = {ids[docnum]: docnum for docnum in leaf.all_doc_ids()}

    @classmethod
    def read(cls, leaves: list, db: Database) -> list[SegmentVectors]:
        """The segments' vectors, in one pass over the database's for many entries (a rebuild's segments)."""
        blocks = [cls(leaf) for leaf in leaves]
        where = {entry_id: (block, docnum) for block in blocks for entry_id, docnum in block.docs.items()}
        with db.session() as s:
            for entry_id, vector, scale in embeddings.each_vector(s, list(where)):
                block, docnum = where[entry_id]
                block.matrix[docnum], block.scales[docnum], block.present[docnum] = vector, scale, True
        return blocks

    def __len__(self) -> int:
        return len(self.scales)

    def read_rows(self, start: int, out: np.ndarray) -> np.ndarray:
        """Rows start.. (as many as `out` holds, fewer at the end), as VectorFile.read_rows: here, without a copy."""
        return self.matrix[start:start + len(out)]


def write_beside(reader, db: Database) -> int:
    """Write each segment's vectors file (a rebuild's, before its generation goes live); how many were written.
    A segment none of whose entries has a vector gets none (search by meaning never ran, or is off)."""
    leaves = [(leaf, path) for leaf, _ in reader.leaf_readers()
              if (path := segment_file(leaf, vectorfile.EXT)) is not None]  # not an empty index's reader
    written = 0
    for (_, path), block in zip(leaves, SegmentVectors.read([leaf for leaf, _ in leaves], db), strict=True):
        if block.present.any():
            vectorfile.write(path, block.matrix, block.scales, block.present)
            written += 1
    return written


def _segment_vectors(leaf, db: Database) -> SegmentVectors | vectorfile.VectorFile:
    """The segment's vectors file if a rebuild wrote one, else its vectors read from the database."""
    listed = vectorfile.beside(segment_file(leaf, vectorfile.EXT), leaf.doc_count_all(), encoder.DIM)
    return listed if listed is not None else SegmentVectors.read([leaf], db)[0]


class MeaningIndex:
    """The vectors of a server's open index, kept per segment across reopenings: a save reads one vector.

    A document whose vector was not stored when its segment was read stays without one until its segment is
    rewritten (a merge, `reindex`, or the server's start, which computes the missing vectors first)."""

    def __init__(self, db: Database | None):
        self.db = db
        self._segments: dict[str, SegmentVectors | vectorfile.VectorFile] = {}

    @property
    def enabled(self) -> bool:
        return self.db is not None and encoder.available()

    def align(self, reader) -> Vectors | None:
        """The vectors for `reader`'s documents, or None when search by meaning is off."""
        if not self.enabled:
            return None
        kept, blocks = {}, []
        for leaf, offset in reader.leaf_readers():
            key = segment_id(leaf)
            block = self._segments.get(key)
            kept[key] = block = _segment_vectors(leaf, self.db) if block is None else block
            blocks.append((offset, block))
        self._segments = kept  # segments a merge removed are dropped with their vectors
        return Vectors(blocks)


def meant(similarity: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Mask of the entries whose meaning is close enough to the query to count as matches."""
    if not live.any():
        return np.zeros(len(similarity), dtype=bool)
    best = float(similarity[live].max())
    return live & (similarity >= max(FLOOR, best - WITHIN))


def words_weight(q: str) -> float:
    """The words' share in the fused score: larger when the query names a concept other than a country."""
    found = matcher().find(WORD.findall(q))
    named = any(c.field != "country" for m in found for c in m.concepts)
    return WORDS_WEIGHT if named else PLAIN_WORDS_WEIGHT


def fuse(word_docs: np.ndarray, word_scores: np.ndarray, similarity: np.ndarray, live: np.ndarray,
         worded: np.ndarray, weight: float = WORDS_WEIGHT) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hybrid ranking: the word matches plus the entries close in meaning, by a weighted sum of the
    normalised BM25F score and the normalised similarity.

    Returns (documents best first, their fused scores, mask of those found by meaning alone)."""
    close = meant(similarity, live)
    alone = close & ~worded
    candidates = np.flatnonzero(worded | close)
    score = np.zeros(len(similarity), dtype=np.float64)
    if len(word_docs):
        score[word_docs] = weight * word_scores / max(float(word_scores.max()), 1e-9)
    best = float(similarity[live].max()) if live.any() else 1.0
    score[candidates] += (1 - weight) * np.clip(similarity[candidates], 0, None) / max(best, 1e-9)
    order = np.lexsort((candidates, -score[candidates]))
    return candidates[order], score[candidates][order], alone


def meaning_only(similarity: np.ndarray, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranking by meaning alone: the entries close in meaning, most similar first."""
    docs = np.flatnonzero(meant(similarity, live))
    order = np.lexsort((docs, -similarity[docs]))
    return docs[order], similarity[docs][order].astype(np.float64)
