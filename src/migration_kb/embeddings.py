"""Entry versions' vectors for search by meaning: which text is encoded, how a vector is stored, and
computing those a save, an import or `reindex` needs.

A vector is stored as DIM signed bytes and one scale (int8: 512 bytes instead of 2,048 for float32), in
the database with the version's content hash (models.EntryEmbedding). Entries saved while the encoder is
not available are searchable by words at once and by meaning after the next `reindex` (or a server start),
which computes the vectors missing for published entries.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, nullcontext

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import encoder
from .models import EntryEmbedding, EntryRow
from .records import Entry

log = logging.getLogger("migration_kb")
Progress = Callable[[int], None] | None
# Given how many texts are to be encoded, a context giving the callback that counts them (a progress bar).
ProgressBar = Callable[[int], AbstractContextManager[Progress]] | None
BATCH = 64  # texts per encoder call (the encoder streams its weights once per call)
_deferred = contextvars.ContextVar("embeddings_deferred", default=False)
WHOLE_TABLE_FROM = 5000  # ids: from this many, one pass over the vectors beats queries of 500 ids
PARALLEL_FROM = 400  # texts: below this, starting a second process (about 2 s) costs more than it saves


def entry_text(entry: Entry) -> str:
    """What the encoder reads of an entry: its title, summary and findings (the body adds little and
    dilutes the vector)."""
    return "\n".join([entry.title, entry.summary, *(f.text for f in entry.findings)])


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit float vectors -> (int8 rows, one scale per row): each row's largest component becomes 127."""
    peak = np.abs(vectors).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    return np.round(vectors / scale[:, None]).astype(np.int8), scale


def _encode_all(texts: list[str], progress: Progress, procs: int) -> np.ndarray:
    batches = [texts[i:i + BATCH] for i in range(0, len(texts), BATCH)]
    out = []
    if procs > 1 and len(texts) >= PARALLEL_FROM:
        # Worker processes (spawned: the parent may run threads) each load the model once.
        with ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for vectors in pool.map(encoder.encode_texts, batches):
                out.append(vectors)
                if progress:
                    progress(len(vectors))
    else:
        for batch in batches:
            out.append(encoder.encode_texts(batch))
            if progress:
                progress(len(batch))
    return np.concatenate(out) if out else np.zeros((0, encoder.DIM), dtype=np.float32)


def compute(s: Session, entries: Iterable[Entry], *, progress: ProgressBar = None, procs: int = 2) -> int:
    """Store the vectors these entries' versions lack; returns how many were computed (0 when the encoder
    is not available: those versions are searchable by words only until `reindex`)."""
    wanted: dict[str, str] = {}
    for entry in entries:
        wanted.setdefault(entry.content_hash(), entry_text(entry))
    if not wanted or not encoder.available():
        return 0
    have = set()
    hashes = list(wanted)
    for start in range(0, len(hashes), 500):
        have.update(s.scalars(select(EntryEmbedding.content_hash).where(
            EntryEmbedding.model == encoder.MODEL, EntryEmbedding.content_hash.in_(hashes[start:start + 500]))))
    missing = [h for h in hashes if h not in have]
    if not missing:
        return 0
    with progress(len(missing)) if progress else nullcontext(None) as tick:
        rows, scales = quantize(_encode_all([wanted[h] for h in missing], tick, procs))
    s.add_all(EntryEmbedding(content_hash=h, model=encoder.MODEL, vector=rows[i].tobytes(), scale=float(scales[i]))
              for i, h in enumerate(missing))
    s.flush()
    return len(missing)


@contextlib.contextmanager
def deferred():
    """Saves inside compute no vector: a bulk writer computes them afterwards, in batches (`compute`)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


def remember(s: Session, entry: Entry) -> None:
    """The vector of one saved version (the store calls this on every save of entry text)."""
    if _deferred.get():
        return
    try:
        with s.begin_nested():  # a failure here (another process storing the same vector) undoes only this
            compute(s, [entry], procs=1)
    except Exception:  # the text is saved all the same; `reindex` computes what is missing
        log.exception("the vector of %s was not computed; it is searchable by words", entry.id)


def each_vector(s: Session, ids: list[str]) -> Iterator[tuple[str, np.ndarray, float]]:
    """(id, int8 vector, scale) of those of `ids` whose current text has a vector, streamed: at 100,000
    entries a dict of them all was a server's peak memory. Many ids are read in one pass over the table."""
    query = (select(EntryRow.id, EntryEmbedding.vector, EntryEmbedding.scale)
             .join(EntryEmbedding, EntryEmbedding.content_hash == EntryRow.content_hash)
             .where(EntryEmbedding.model == encoder.MODEL))
    if len(ids) > WHOLE_TABLE_FROM:
        wanted = set(ids)
        rows = (r for r in s.execute(query.execution_options(yield_per=1000)) if r[0] in wanted)
    else:
        rows = (r for start in range(0, len(ids), 500)
                for r in s.execute(query.where(EntryRow.id.in_(ids[start:start + 500]))))
    for entry_id, vector, scale in rows:
        yield entry_id, np.frombuffer(vector, dtype=np.int8), scale


def missing_ids(s: Session) -> list[str]:
    """Published entries whose current text has no vector of this model."""
    have = select(EntryEmbedding.content_hash).where(EntryEmbedding.model == encoder.MODEL)
    return list(s.scalars(select(EntryRow.id).where(EntryRow.state == "published",
                                                      EntryRow.content_hash.not_in(have)).order_by(EntryRow.id)))
