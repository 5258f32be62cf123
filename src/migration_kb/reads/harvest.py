"""What a harvester (OAI-PMH, docs/oai-pmh.md) sees: every entry that is or once was public, in id order.

A published entry is a record dated by its last public change (`updated_at`). An entry that was published
once and is not now (archived, reopened as a draft, or removed entirely) is a *deleted* record, for ever: a
harvester that copied it must learn that it went. "Once published" is read from the history, which outlives
the entry row: a revision saved as published (an import) or an "approve" step. An entry removed entirely is
dated by its deletion revision, and keeps the themes and blocs of its last text for set membership. No table
of its own is needed: `revisions` and `reviews` are never trimmed (the change log is, so it is not used).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ..models import EntryRow, Review, Revision, Tag
from ..records import Entry
from ..store import published_entries

SET_VOCABULARIES = {"theme": "themes", "bloc": "blocs"}  # a set's prefix -> the entry field it reads


@dataclass(frozen=True)
class Harvested:
    id: str
    datestamp: datetime  # UTC
    deleted: bool
    sets: tuple[str, ...]  # "theme:<id>", "bloc:<id>"
    entry: Entry | None  # None for a deleted record


@dataclass(frozen=True)
class Selection:
    """A list request's selective-harvesting arguments: datestamps from..until (both inclusive, to the
    microsecond) and a set ("theme", "theme:<id>", "bloc", "bloc:<id>")."""

    since: datetime | None = None
    until: datetime | None = None
    set_spec: str | None = None


def _once_published(entry_id):
    saved = aliased(Revision)  # its own name: the outer query may read `revisions` too
    return or_(exists().where(saved.entry_id == entry_id, saved.state == "published"),
               exists().where(Review.entry_id == entry_id, Review.decision == "approve"))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _sets(themes, blocs) -> tuple[str, ...]:
    return tuple([f"theme:{t}" for t in themes] + [f"bloc:{b}" for b in blocs])


def _in_set(sets: tuple[str, ...], set_spec: str | None) -> bool:
    return set_spec is None or any(s == set_spec or s.startswith(set_spec + ":") for s in sets)


def page(s: Session, selection: Selection, *, after: str | None, limit: int) -> list[Harvested]:
    """Up to `limit` records after the id `after`, in id order (a resumption token carries the last id, so
    an entry archived or added meanwhile neither shifts nor repeats the pages)."""
    current = _current(s, selection, after, limit)
    removed = _removed(s, selection, after, limit)
    return sorted(current + removed, key=lambda h: h.id)[:limit]


def one(s: Session, entry_id: str) -> Harvested | None:
    """The record of this id, or None when it never was public."""
    found = _current(s, Selection(), None, 1, only=entry_id) or _removed(s, Selection(), None, 1, only=entry_id)
    return found[0] if found else None


def _current(s: Session, selection: Selection, after: str | None, limit: int, only: str | None = None):
    query = select(EntryRow.id, EntryRow.state, EntryRow.updated_at).where(
        or_(EntryRow.state == "published", _once_published(EntryRow.id)))
    if only is not None:
        query = query.where(EntryRow.id == only)
    if after is not None:
        query = query.where(EntryRow.id > after)
    if selection.since is not None:
        query = query.where(EntryRow.updated_at >= selection.since)
    if selection.until is not None:
        query = query.where(EntryRow.updated_at <= selection.until)
    if selection.set_spec:
        prefix, _, value = selection.set_spec.partition(":")
        tag = and_(Tag.entry_id == EntryRow.id, Tag.vocabulary == prefix)
        query = query.where(exists().where(tag, Tag.value == value) if value else exists().where(tag))
    rows = s.execute(query.order_by(EntryRow.id).limit(limit)).all()
    # Plain queries, not ORM rows: a page of records is read in four queries (store.published_entries).
    records = {entry.id: entry for entry, _, _ in published_entries(s, [r.id for r in rows if r.state == "published"])}
    gone: dict[str, dict[str, list[str]]] = {}
    for entry_id, vocabulary, value in s.execute(
            select(Tag.entry_id, Tag.vocabulary, Tag.value)
            .where(Tag.entry_id.in_([r.id for r in rows if r.state != "published"]),
                   Tag.vocabulary.in_(("theme", "bloc"))).order_by(Tag.entry_id, Tag.position)):
        gone.setdefault(entry_id, {}).setdefault(vocabulary, []).append(value)
    out = []
    for entry_id, _state, updated in rows:
        entry = records.get(entry_id)
        sets = _sets(entry.themes, entry.blocs) if entry else _sets(gone.get(entry_id, {}).get("theme", ()),
                                                                     gone.get(entry_id, {}).get("bloc", ()))
        out.append(Harvested(entry_id, _utc(updated), entry is None, sets, entry))
    return out


def _removed(s: Session, selection: Selection, after: str | None, limit: int, only: str | None = None):
    """Entries removed entirely that were once public: their last revision is the deletion."""
    gone = (select(Revision.entry_id, func.max(Revision.version).label("last"))
            .where(~exists().where(EntryRow.id == Revision.entry_id), _once_published(Revision.entry_id)))
    if only is not None:
        gone = gone.where(Revision.entry_id == only)
    if after is not None:
        gone = gone.where(Revision.entry_id > after)
    gone = gone.group_by(Revision.entry_id).subquery()
    out = []
    query = (select(Revision.entry_id, Revision.created_at)
             .join(gone, and_(Revision.entry_id == gone.c.entry_id, Revision.version == gone.c.last))
             .order_by(Revision.entry_id))
    for entry_id, created in s.execute(query):
        stamp = _utc(created)
        if (selection.since and stamp < _utc(selection.since)) or (selection.until and stamp > _utc(selection.until)):
            continue
        sets = _last_sets(s, entry_id)
        if _in_set(sets, selection.set_spec):
            out.append(Harvested(entry_id, stamp, True, sets, None))
            if len(out) == limit:
                break
    return out


def _last_sets(s: Session, entry_id: str) -> tuple[str, ...]:
    records = s.scalars(select(Revision.record).where(Revision.entry_id == entry_id)
                        .order_by(Revision.version.desc()).limit(3))
    record = next((r for r in records if isinstance(r, dict)), None)  # a deletion's record is null
    return _sets(record.get("themes", ()), record.get("blocs", ())) if record else ()


def earliest(s: Session) -> datetime | None:
    """A lower bound of every datestamp a harvester can meet (an entry's last change or a deletion)."""
    found = [_utc(d) for d in (s.scalar(select(func.min(EntryRow.updated_at))),
                               s.scalar(select(func.min(Revision.created_at)))) if d is not None]
    return min(found) if found else None
