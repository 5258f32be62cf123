"""Building the index and keeping it in step with the database through the change log.

Layout under the index folder: `CURRENT` names the live generation folder (`gen-000003`), which holds
the Whoosh files and `state.json` (schema version, last change-log position applied). A rebuild writes
a new generation and then swaps `CURRENT` atomically, so a crash at any point leaves the last
committed index answering; the next start repairs what differs from the database.

Several app servers share one database and its change log; each keeps its own index and follows the
log. When the log was trimmed past an index's position (`migration-kb changes trim`), the changes it
missed are gone: it rebuilds from the database instead of catching up row by row.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from whoosh import index as whoosh_index
from whoosh.writing import LockError

from ..changelog import TRIMMED, trimmed_through
from ..config import Settings
from ..db import Database
from ..models import Change, EntryRow
from .bulk import write_index
from .meaning import write_beside as write_vectors_beside
from .schema import SCHEMA_VERSION, published_documents, published_ids

logger = logging.getLogger("migration_kb.search")
GAP_GRACE = timedelta(seconds=10)  # a hole in the log younger than this may be a transaction still committing
BATCH = 1000
WRITER_TIMEOUT = 30.0
PARALLEL_FROM = 20_000  # published entries above which a rebuild writes with two processes

Progress = Callable[[int], None] | None


class LogTrimmed(Exception):
    """The change log no longer reaches back to this index's position: only a rebuild brings it up to date."""

    def __init__(self, position: int, trimmed: int):
        self.position, self.trimmed = position, trimmed
        super().__init__(f"the change log was trimmed through position {trimmed}, "
                         f"past this index's position {position}")


@dataclass
class SyncReport:
    updated: int = 0
    deleted: int = 0


class SearchIndex:
    """One instance's index on disk. Only one process writes at a time (Whoosh's lock plus ours)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._write_lock = threading.Lock()

    # -- where the live generation is ------------------------------------------------------------
    @property
    def pointer(self) -> Path:
        return self.folder / "CURRENT"

    def current_dir(self) -> Path | None:
        try:
            name = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        path = self.folder / name
        return path if name and whoosh_index.exists_in(path) else None

    def state(self, gen: Path | None = None) -> dict:
        gen = gen or self.current_dir()
        try:
            return json.loads((gen / "state.json").read_text()) if gen else {}
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _write_state(self, gen: Path, **changes) -> None:
        state = {**self.state(gen), **changes}
        tmp = gen / "state.json.tmp"
        tmp.write_text(json.dumps(state))
        os.replace(tmp, gen / "state.json")

    def is_usable(self) -> bool:
        gen = self.current_dir()
        return gen is not None and self.state(gen).get("schema") == SCHEMA_VERSION

    def position(self) -> int:
        """The last change-log position this index has applied (0 without an index)."""
        return int(self.state().get("last_seq", 0))

    def open(self):
        gen = self.current_dir()
        if gen is None:
            raise FileNotFoundError(f"no search index in {self.folder}; run 'migration-kb reindex'")
        return whoosh_index.open_dir(str(gen))

    # -- full rebuild ------------------------------------------------------------------------------
    def rebuild(self, db: Database, progress: Progress = None, procs: int | None = None) -> int:
        """Write a fresh generation from the database, then make it live. Returns the entries indexed.

        `procs` None: one process for a small knowledge base, two (the cores here) above PARALLEL_FROM
        entries, where it about halves the time.
        """
        with self._write_lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            gen = self._new_generation_dir()
            with db.session() as s:
                last_seq = s.scalar(select(func.max(Change.seq))) or 0  # changes after this get replayed
            ids = published_ids(db)
            if procs is None:
                procs = min(2, os.cpu_count() or 1) if len(ids) > PARALLEL_FROM else 1
            try:
                count = write_index(gen, db, ids, procs, progress)
                with whoosh_index.open_dir(str(gen)).reader() as reader:  # read by searches, not held: meaning.py
                    write_vectors_beside(reader, db)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                raise
            self._write_state(gen, schema=SCHEMA_VERSION, last_seq=last_seq)
            tmp = self.folder / "CURRENT.tmp"
            tmp.write_text(gen.name)
            os.replace(tmp, self.pointer)  # the swap: readers see the old or the new, never half
            return count

    def _new_generation_dir(self) -> Path:
        existing = [int(p.name[4:]) for p in self.folder.glob("gen-*") if p.name[4:].isdigit()]
        gen = self.folder / f"gen-{max(existing, default=0) + 1:06d}"
        gen.mkdir()
        return gen

    def remove_stale_generations(self) -> None:
        """Delete generations that are not live (left by a finished or a crashed rebuild)."""
        live = self.current_dir()
        for path in self.folder.glob("gen-*"):
            if path != live:
                shutil.rmtree(path, ignore_errors=True)

    # -- following the change log -----------------------------------------------------------------
    def catch_up(self, db: Database, timeout: float = WRITER_TIMEOUT) -> SyncReport:
        """Apply the changes logged since this index's position. Safe to repeat: updates are by id.

        Raises LogTrimmed when the log was trimmed past the position (the caller rebuilds).
        """
        report = SyncReport()
        gen = self.current_dir()
        if gen is None:
            return report
        with self._write_lock:
            while True:
                last = int(self.state(gen).get("last_seq", 0))
                with db.session() as s:
                    rows = s.execute(select(Change.seq, Change.entry_id, Change.created_at, Change.op)
                                     .where(Change.seq > last).order_by(Change.seq).limit(BATCH)).all()
                if not rows:
                    return report
                if rows[0].op == TRIMMED:  # trimming keeps only the marker and what follows it
                    raise LogTrimmed(last, rows[0].seq)
                ids = sorted({r.entry_id for r in rows})
                self._apply(gen, db, ids, report, timeout)
                self._write_state(gen, last_seq=_safe_position(last, rows))
                if len(rows) < BATCH:
                    return report

    def _apply(self, gen: Path, db: Database, ids: Iterable[str], report: SyncReport, timeout: float) -> None:
        ids = list(ids)
        docs = {doc["id"]: doc for batch in published_documents(db, ids) for doc in batch}
        ix = whoosh_index.open_dir(str(gen))
        writer = ix.writer(timeout=timeout, compound=False)
        try:
            for entry_id in ids:
                if entry_id in docs:
                    writer.update_document(**docs[entry_id])
                    report.updated += 1
                else:  # deleted, or no longer published
                    writer.delete_by_term("id", entry_id)
                    report.deleted += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            ix.close()

    def reconcile(self, db: Database) -> SyncReport:
        """Compare the index with the database (ids and versions) and repair every difference."""
        report = SyncReport()
        gen = self.current_dir()
        if gen is None:
            return report
        with self._write_lock:
            with db.session() as s:
                last_seq = s.scalar(select(func.max(Change.seq))) or 0
                rows = s.execute(select(EntryRow.id, EntryRow.version).where(EntryRow.state == "published"))
                wanted = {entry_id: version for entry_id, version in rows}
            ix = whoosh_index.open_dir(str(gen))
            with ix.reader() as reader:
                have = indexed_versions(reader)
            ix.close()
            # (no whole-index sets: at 100,000 entries they were a start-up's peak memory)
            differ = sorted([i for i, v in wanted.items() if have.get(i) != v] + list(have.keys() - wanted.keys()))
            del wanted, have
            for start in range(0, len(differ), BATCH):
                self._apply(gen, db, differ[start:start + BATCH], report, WRITER_TIMEOUT)
            self._write_state(gen, last_seq=max(last_seq, int(self.state(gen).get("last_seq", 0))))
        return report

    def ensure(self, db: Database, progress: Progress = None, log: Callable[[str], None] = lambda m: None) -> None:
        """On start: build the index if missing, outdated, unreadable or behind a trimmed log; else repair it."""
        reason = self._rebuild_reason(db)
        if reason is None:
            try:
                r = self.reconcile(db)
                if r.updated or r.deleted:
                    log(f"Search index repaired: {r.updated} updated, {r.deleted} removed.")
                self.catch_up(db)
            except SQLAlchemyError:
                raise  # the database, not the index: nothing to rebuild
            except Exception as exc:  # a damaged index (e.g. a host crash mid-write): build a new one
                reason = f"the search index could not be read ({exc.__class__.__name__}: {exc})"
        if reason is not None:
            log(f"Building the search index: {reason}...")
            n = self.rebuild(db, progress)
            log(f"Indexed {n} published entries.")
        self.remove_stale_generations()

    def _rebuild_reason(self, db: Database) -> str | None:
        if not self.is_usable():
            return "there is none yet, or it is from an older version"
        with db.session() as s:
            trimmed = trimmed_through(s)
        if self.position() < trimmed:
            return f"the change log was trimmed through position {trimmed}, past this index's {self.position()}"
        return None


def indexed_versions(reader) -> dict[str, int]:
    """id -> version of every live document, read from the two columns (not the stored documents)."""
    out: dict[str, int] = {}
    for leaf, _offset in reader.leaf_readers():
        ids, versions = leaf.column_reader("id"), leaf.column_reader("version")
        for docnum in leaf.all_doc_ids():
            entry_id = ids[docnum]
            out[entry_id.decode() if isinstance(entry_id, bytes) else entry_id] = int(versions[docnum])
    return out


def _safe_position(last: int, rows) -> int:
    """The furthest log position with no recent hole before it (see GAP_GRACE)."""
    position = last
    now = datetime.now(UTC)
    for row in rows:
        if row.seq != position + 1:
            created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
            if now - created < GAP_GRACE:
                return position  # re-read from here next time; re-applying is harmless
        position = row.seq
    return position


def catch_up_if_present(settings: Settings, db: Database) -> None:
    """After a command-line write: bring an existing index up to date (a server may be doing it too)."""
    index = SearchIndex(settings.index_dir)
    if index.is_usable():
        # A running server may hold the writer: it follows the change log itself. A log trimmed past this
        # index: the server's follower, or the next start, rebuilds it.
        with contextlib.suppress(LockError, LogTrimmed):
            index.catch_up(db, timeout=5.0)


class Follower:
    """A background thread that applies the change log every `interval` seconds or when woken."""

    def __init__(self, index: SearchIndex, db: Database, interval: float = 0.5,
                 on_change: Callable[[], None] = lambda: None):
        self.index, self.db, self.interval, self.on_change = index, db, interval, on_change
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-follower", daemon=True)
        self.last_error: str | None = None
        self.rebuilds = 0  # full rebuilds this follower made because the log was trimmed past it

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                if self._follow_once():
                    self.on_change()
                self.last_error = None
            except Exception as exc:  # database down, lock busy: try again next round
                self.last_error = f"{exc.__class__.__name__}: {exc}"
                time.sleep(min(self.interval * 4, 2.0))

    def _follow_once(self) -> bool:
        """One round: apply the new changes, or rebuild when the log was trimmed past us. True if it changed."""
        try:
            report = self.index.catch_up(self.db, timeout=2.0)
        except LogTrimmed as exc:
            logger.warning("rebuilding the search index: %s", exc)
            self.index.rebuild(self.db)
            self.rebuilds += 1
            return True
        return bool(report.updated or report.deleted)
