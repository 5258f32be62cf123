"""Search by meaning: the entries' vectors as one int8 matrix over the open index's document numbers, the
query's cosine similarity to every entry in one matrix product, and its fusion with the words' ranking.

The vectors come from the database (embeddings.py), where each version's vector was stored when it was
saved or imported; a reopened searcher fetches only those of documents whose version it has not seen.
"""

from __future__ import annotations

import numpy as np

from .. import embeddings, encoder
from ..db import Database
from .schema import WORD
from .vocabulary import matcher

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
    """One row per document number (zeros where a document has no vector yet)."""

    def __init__(self, matrix: np.ndarray, scales: np.ndarray, present: np.ndarray):
        self.matrix, self.scales, self.present = matrix, scales, present

    def similarity(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every document to the query's unit vector; -1 where no vector is stored."""
        out = np.empty(len(self.matrix), dtype=np.float32)
        buffer = np.empty((CHUNK, self.matrix.shape[1]), dtype=np.float32)
        query = np.asarray(query, dtype=np.float32)
        for start in range(0, len(self.matrix), CHUNK):
            rows = self.matrix[start:start + CHUNK]
            part = buffer[:len(rows)]
            np.copyto(part, rows, casting="unsafe")  # int8 -> float32, exact
            np.dot(part, query, out=out[start:start + len(rows)])
        out *= self.scales
        out[~self.present] = -1.0
        return out


class MeaningIndex:
    """The vectors of a server's open index, carried over when it reopens (a save fetches one vector)."""

    def __init__(self, db: Database | None):
        self.db = db
        self._vectors: Vectors | None = None
        self._rows: dict[str, tuple[int, int]] = {}  # id -> (indexed version, row in _vectors or -1: none)

    @property
    def enabled(self) -> bool:
        return self.db is not None and encoder.available()

    def align(self, reader, size: int, new_generation: bool) -> Vectors | None:
        """The vectors for `reader`'s documents, or None when search by meaning is off."""
        if not self.enabled:
            return None
        vectors = Vectors(np.zeros((size, encoder.DIM), dtype=np.int8), np.zeros(size, dtype=np.float32),
                          np.zeros(size, dtype=bool))
        rows: dict[str, tuple[int, int]] = {}
        moved_to, moved_from, need = [], [], {}
        for leaf, offset in reader.leaf_readers():
            ids, versions = leaf.column_reader("id"), leaf.column_reader("version")
            for docnum in leaf.all_doc_ids():
                entry_id = ids[docnum]
                entry_id = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                version, doc = int(versions[docnum]), offset + docnum
                known = self._rows.get(entry_id)
                if known is not None and known[0] == version and known[1] >= 0:
                    moved_to.append(doc)
                    moved_from.append(known[1])
                    rows[entry_id] = (version, doc)
                elif known is not None and known[0] == version and not new_generation:
                    rows[entry_id] = known  # none stored yet; a rebuild (`reindex`) looks again
                else:
                    need[entry_id] = (version, doc)
        if moved_to:
            old = self._vectors
            vectors.matrix[moved_to] = old.matrix[moved_from]
            vectors.scales[moved_to] = old.scales[moved_from]
            vectors.present[moved_to] = True
        if need:
            with self.db.session() as s:  # the vector of the database's text, even when it is a step ahead
                found = embeddings.vectors_of(s, list(need))
            for entry_id, (version, doc) in need.items():
                _, vector, scale = found.get(entry_id, (None, None, 0.0))
                if vector is None:
                    rows[entry_id] = (version, -1)
                    continue
                vectors.matrix[doc], vectors.scales[doc], vectors.present[doc] = vector, scale, True
                rows[entry_id] = (version, doc)
        self._vectors, self._rows = vectors, rows
        return vectors


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
