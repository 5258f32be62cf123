"""The peer engine: a plain SQLite FTS5 index of the same published entries, searched the plain way.

Used side by side with migration-kb's search by tests/test_search_quality.py (relevance) and by
bench/search_bench.py (speed, memory). It is what one gets "for free" from SQLite: porter stemming
(English rules, whatever the entry's language), case and diacritics folded, the query's words OR-ed,
ranked by bm25 with the same field weights as migration-kb (title 4, summary 2.5, findings 1.5, body 1).
No vocabulary, no cross-language concepts, no per-language stemming.

    peer = FTS5Peer.from_database(db)          # in memory; FTS5Peer(path) for a file
    peer.search("trata de personas", limit=10)  # -> [(entry id, bm25 score), ...] best first
    peer.search_with_facets("free movement", limit=20)  # -> (hits, total, {facet: {value: count}})
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the serving side needs only sqlite3: the database modules load when building
    from migration_kb.db import Database

TOKENIZE = "porter unicode61 remove_diacritics 2"
WEIGHTS = (4.0, 2.5, 1.5, 1.0)  # title, summary, findings, body: as migration_kb.search.schema.PART_BOOSTS
FACETS = ("theme", "topic", "bloc", "country", "instrument", "target_group", "language")
WORD = re.compile(r"\w+", re.UNICODE)
BATCH = 2000

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(title, summary, findings, body, tokenize = '{TOKENIZE}');
CREATE TABLE IF NOT EXISTS facets (doc INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS facets_doc ON facets (doc);
"""


def match_expression(q: str) -> str | None:
    """The query's words, each as a quoted FTS5 string (so no FTS5 syntax can be typed), OR-ed."""
    tokens = list(dict.fromkeys(t.lower() for t in WORD.findall(q or "")))
    if not tokens:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def published_documents(db: Database, ids: Iterable[str] | None = None) -> Iterator[list[tuple]]:
    """The same text the migration-kb index gets, in batches: id, title, summary, findings, body, facets."""
    from sqlalchemy import select

    from migration_kb.models import EntryRow, FindingRow, Tag

    with db.session() as s:
        if ids is None:
            all_ids = list(s.scalars(select(EntryRow.id).where(EntryRow.state == "published").order_by(EntryRow.id)))
        else:
            all_ids = list(ids)
    for start in range(0, len(all_ids), BATCH):
        chunk = all_ids[start:start + BATCH]
        with db.session() as s:
            rows = s.execute(select(EntryRow.id, EntryRow.title, EntryRow.summary, EntryRow.body, EntryRow.language,
                                    EntryRow.instrument)
                             .where(EntryRow.id.in_(chunk), EntryRow.state == "published")).all()
            findings: dict[str, list[tuple[int, str, list]]] = {}
            for entry_id, position, text, topics in s.execute(
                    select(FindingRow.entry_id, FindingRow.position, FindingRow.text, FindingRow.topics)
                    .where(FindingRow.entry_id.in_(chunk))):
                findings.setdefault(entry_id, []).append((position, text, topics or []))
            tags: dict[str, set[tuple[str, str]]] = {}
            for entry_id, vocabulary, value in s.execute(
                    select(Tag.entry_id, Tag.vocabulary, Tag.value).where(Tag.entry_id.in_(chunk))):
                tags.setdefault(entry_id, set()).add((vocabulary, value))
        batch = []
        for r in rows:
            fs = sorted(findings.get(r.id, []))
            facet_values = set(tags.get(r.id, set()))
            facet_values |= {("topic", t) for _, _, topics in fs for t in topics}  # as the index does
            facet_values.add(("language", r.language))
            if r.instrument:
                facet_values.add(("instrument", r.instrument))
            batch.append((r.id, r.title, r.summary, "\n".join(t for _, t, _ in fs), r.body, sorted(facet_values)))
        yield batch


class FTS5Peer:
    def __init__(self, path: str | Path = ":memory:"):
        self.conn = sqlite3.connect(str(path), check_same_thread=False)
        self.conn.executescript(SCHEMA)

    @classmethod
    def from_database(cls, db: Database, path: str | Path = ":memory:") -> FTS5Peer:
        peer = cls(path)
        peer.add_all(db)
        return peer

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> FTS5Peer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------------
    def add_all(self, db: Database) -> int:
        count = 0
        with self.conn:
            for batch in published_documents(db):
                self._write(batch)
                count += len(batch)
        return count

    def upsert(self, db: Database, entry_ids: Iterable[str]) -> None:
        """Bring these entries in step with the database (replace, or remove when no longer published)."""
        ids = list(entry_ids)
        with self.conn:
            for entry_id in ids:
                self._remove(entry_id)
            for batch in published_documents(db, ids):
                self._write(batch)

    def _remove(self, entry_id: str) -> None:
        row = self.conn.execute("SELECT rowid FROM docs WHERE id = ?", (entry_id,)).fetchone()
        if row:
            self.conn.execute("DELETE FROM fts WHERE rowid = ?", row)
            self.conn.execute("DELETE FROM facets WHERE doc = ?", row)
            self.conn.execute("DELETE FROM docs WHERE rowid = ?", row)

    def _write(self, batch: list[tuple]) -> None:
        cur = self.conn.cursor()
        for entry_id, title, summary, findings, body, facet_values in batch:
            cur.execute("INSERT INTO docs (id) VALUES (?)", (entry_id,))
            rowid = cur.lastrowid
            cur.execute("INSERT INTO fts (rowid, title, summary, findings, body) VALUES (?, ?, ?, ?, ?)",
                        (rowid, title, summary, findings, body))
            cur.executemany("INSERT INTO facets (doc, facet, value) VALUES (?, ?, ?)",
                            [(rowid, f, v) for f, v in facet_values])

    def optimize(self) -> None:
        with self.conn:
            self.conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")

    # -- reading ---------------------------------------------------------------------------------------
    def search(self, q: str, limit: int = 10) -> list[tuple[str, float]]:
        """Best first: (entry id, bm25 score; lower is better, as SQLite gives it)."""
        expr = match_expression(q)
        if expr is None:
            return []
        w = ", ".join(f"{x:g}" for x in WEIGHTS)
        return self.conn.execute(
            f"SELECT d.id, bm25(fts, {w}) AS score FROM fts JOIN docs d ON d.rowid = fts.rowid "
            "WHERE fts MATCH ? ORDER BY score LIMIT ?", (expr, limit)).fetchall()

    def count(self, q: str) -> int:
        expr = match_expression(q)
        if expr is None:
            return 0
        return self.conn.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (expr,)).fetchone()[0]

    def facet_counts(self, q: str) -> dict[str, dict[str, int]]:
        """For every facet, how many of all the matching entries (not only a page) carry each value."""
        out: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        expr = match_expression(q)
        if expr is None:
            return out
        rows = self.conn.execute(
            "SELECT facet, value, count(*) AS n FROM facets WHERE doc IN (SELECT rowid FROM fts WHERE fts MATCH ?) "
            "GROUP BY facet, value ORDER BY facet, n DESC", (expr,))
        for facet, value, n in rows:
            out.setdefault(facet, {})[value] = n
        return out

    def search_with_facets(self, q: str, limit: int = 20) -> tuple[list[tuple[str, float]], int, dict]:
        """The work of one results page: the top hits, the total and all facet counts."""
        return self.search(q, limit), self.count(q), self.facet_counts(q)

    def __len__(self) -> int:
        return self.conn.execute("SELECT count(*) FROM docs").fetchone()[0]
