"""Bilateral corridors: two states that are the first two parties of at least one published practice.

A corridor's practices are all the published practices naming both states (a regional agreement of ten
states counts in every corridor its parties form); the map draws each corridor with the number of those that
match its filters, and the corridor page lists them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Change, EntryRow, Tag
from ..records import FINDING_KINDS, Entry, Finding
from ..store import published_entries
from ..taxonomy import Taxonomy
from .entries import EntryLink, published_link

KEY_RE = re.compile(r"^([A-Za-z]{2})-([A-Za-z]{2})$")


def pair(a: str, b: str) -> tuple[str, str]:
    """The corridor of two states, whichever order they are named in."""
    x, y = a.upper(), b.upper()
    return (x, y) if x <= y else (y, x)


def corridor_key(a: str, b: str) -> str:
    """The corridor's name in URLs: 'AR-BO' (alphabetical, so either order names one page)."""
    return "-".join(pair(a, b))


def parse_key(key: str) -> tuple[str, str] | None:
    """('AR', 'BO') from 'AR-BO' or 'bo-ar'; None when it is not two two-letter codes."""
    m = KEY_RE.match(key or "")
    return (m.group(1).upper(), m.group(2).upper()) if m and m.group(1).upper() != m.group(2).upper() else None


@dataclass(frozen=True)
class Corridor:
    a: str
    b: str
    weight: int  # how many practices name both states
    practices: tuple[str, ...] = ()  # their ids, when known

    @property
    def key(self) -> str:
        return f"{self.a}-{self.b}"


_pairs_cache: dict[str, tuple[int, list[tuple[str, str]]]] = {}  # database -> (change-log position, pairs)


def corridor_pairs(s: Session) -> list[tuple[str, str]]:
    """Every corridor of the published practices (their first two parties). Read again only when the change log
    moved (every write to an entry adds a row to it); a join over the tags took 0.3 s at 10,000 entries."""
    key = str(s.get_bind().url)
    position = s.scalar(select(func.max(Change.seq))) or 0
    cached = _pairs_cache.get(key)
    if cached is not None and cached[0] == position:
        return cached[1]
    published = set(s.scalars(select(EntryRow.id).where(EntryRow.state == "published")))
    firsts: dict[str, list[str]] = {}
    for entry_id, value, _ in s.execute(select(Tag.entry_id, Tag.value, Tag.position)
                                        .where(Tag.vocabulary == "country", Tag.position < 2)
                                        .order_by(Tag.entry_id, Tag.position)):
        if entry_id in published:
            firsts.setdefault(entry_id, []).append(value)
    pairs = sorted({pair(*two) for two in firsts.values() if len(two) == 2 and two[0] != two[1]})
    _pairs_cache[key] = (position, pairs)
    return pairs


def weighed(weights: dict[tuple[str, str], int]) -> list[Corridor]:
    """The corridors that have practices under these weights, heaviest first."""
    return sorted((Corridor(a, b, n) for (a, b), n in weights.items() if n), key=lambda c: (-c.weight, c.key))


@dataclass(frozen=True)
class YearMark:
    """One instrument on the timeline: begun (or ended) that year."""

    entry: Entry
    ended: bool  # this mark is the year it stopped applying


@dataclass(frozen=True)
class CorridorView:
    a: str
    b: str
    entries: list[Entry]  # oldest first; undated last
    shared_blocs: list[tuple[str, str, str]]  # (bloc id, standing of a, standing of b)
    timeline: list[tuple[int, list[YearMark]]]  # year, what began or ended then
    undated: list[Entry]
    findings: dict[str, list[tuple[Entry, int, Finding]]]  # kind -> (entry, its finding number, finding)
    successors: dict[str, EntryLink]  # entry id -> the published entry that replaced it

    @property
    def key(self) -> str:
        return f"{self.a}-{self.b}"


def ended(entry: Entry) -> bool:
    """No longer in force: completed, or replaced by another practice."""
    return entry.status == "completed" or bool(entry.superseded_by)


def practice_ids_between(s: Session, a: str, b: str) -> list[str]:
    """Ids of the published practices naming both states. The two states' tags are read by their index and
    matched here, and the state by primary key: SQLite planned `state = 'published' AND id IN (GROUP BY ...
    HAVING ...)` as a walk over every published entry (80 ms at 10,000 entries; this way 2 ms)."""
    naming: dict[str, set[str]] = {a: set(), b: set()}
    for entry_id, value in s.execute(select(Tag.entry_id, Tag.value).where(Tag.vocabulary == "country",
                                                                           Tag.value.in_((a, b)))):
        naming[value].add(entry_id)
    both = sorted(naming[a] & naming[b])
    if not both:
        return []
    return [i for i, state in s.execute(select(EntryRow.id, EntryRow.state).where(EntryRow.id.in_(both)))
            if state == "published"]


def corridor(s: Session, taxonomy: Taxonomy, a: str, b: str) -> CorridorView | None:
    """The corridor page's data, or None when no published practice names both states."""
    a, b = pair(a, b)
    ids = practice_ids_between(s, a, b)
    if not ids:
        return None
    entries = sorted((e for e, _, _ in published_entries(s, ids)),
                     key=lambda e: (e.year_start is None, e.year_start or 0, e.title.casefold()))
    marks: dict[int, list[YearMark]] = {}
    for e in entries:
        if e.year_start:
            marks.setdefault(e.year_start, []).append(YearMark(e, False))
        if e.year_end and ended(e):
            marks.setdefault(e.year_end, []).append(YearMark(e, True))
    findings: dict[str, list[tuple[Entry, int, Finding]]] = {k: [] for k in FINDING_KINDS}
    for e in entries:
        for number, f in enumerate(e.findings, start=1):
            findings.setdefault(f.kind, []).append((e, number, f))
    successors = {}
    for e in entries:
        link = published_link(s, e.superseded_by) if e.superseded_by else None
        if link is not None:
            successors[e.id] = link
    return CorridorView(a, b, entries, shared_blocs(taxonomy, a, b), sorted(marks.items()),
                        [e for e in entries if not e.year_start], {k: v for k, v in findings.items() if v},
                        successors)


def shared_blocs(taxonomy: Taxonomy, a: str, b: str) -> list[tuple[str, str, str]]:
    """The region blocs both states belong to (any standing), with each one's standing."""
    out = []
    for bloc_id, bloc in taxonomy.blocs.items():
        standing = {m.country: m.status for m in bloc.members}
        if a in standing and b in standing:
            out.append((bloc_id, standing[a], standing[b]))
    return out
