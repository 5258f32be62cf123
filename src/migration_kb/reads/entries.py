"""Entries as pages see them: the record with its state and version, who may see an unpublished one, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..accounts import Account
from ..models import EntryRow, EventRow
from ..records import Entry
from ..store import published_entries, row_to_entry
from ..workflow import allowed


@dataclass(frozen=True)
class EntryInfo:
    """What the store keeps about an entry besides its record: its state in review, version and dates."""

    id: str
    title: str
    state: str
    version: int
    author_id: int | None
    created_at: datetime
    updated_at: datetime


def info_of(row: EntryRow) -> EntryInfo:
    """For the read layer's own modules."""
    return EntryInfo(row.id, row.title, row.state, row.version, row.author_id, row.created_at, row.updated_at)


def may_see(info: EntryInfo, user: Account | None) -> bool:
    """Everyone sees a published entry; an unpublished one is seen by its creator and by the roles that may
    see unpublished entries (the one permission table)."""
    return info.state == "published" or (user is not None and (allowed(user, "see_unpublished")
                                                               or user.id == info.author_id))


def entry_info(s: Session, entry_id: str) -> EntryInfo | None:
    row = s.get(EntryRow, entry_id)
    return info_of(row) if row is not None else None


def entry_with_info(s: Session, entry_id: str) -> tuple[Entry, EntryInfo] | None:
    row = s.get(EntryRow, entry_id)
    return (row_to_entry(row), info_of(row)) if row is not None else None


def exists(s: Session, entry_id: str) -> bool:
    """Whether an entry (in any state) has this id."""
    return s.get(EntryRow, entry_id) is not None


@dataclass(frozen=True)
class EntryLink:
    """Enough of an entry to link to it."""

    id: str
    title: str
    language: str


def published_link(s: Session, entry_id: str) -> EntryLink | None:
    row = s.get(EntryRow, entry_id)
    return EntryLink(row.id, row.title, row.language) if row is not None and row.state == "published" else None


def published_dates(s: Session) -> list[tuple[str, datetime]]:
    """(id, last change) of every published entry, in id order: the sitemap."""
    return [(i, u) for i, u in s.execute(select(EntryRow.id, EntryRow.updated_at)
                                         .where(EntryRow.state == "published").order_by(EntryRow.id))]


def published_count(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(EntryRow).where(EntryRow.state == "published")) or 0


def is_empty(s: Session) -> bool:
    """No entry and no event: a new instance."""
    return s.scalar(select(EntryRow.id).limit(1)) is None and s.scalar(select(EventRow.id).limit(1)) is None


def lifecycles_of(s: Session, ids: list[str]) -> dict[str, tuple[str | None, int | None, str | None]]:
    """{entry id: (status, year_end, superseded_by)} of these entries, in one query: whether each still applies."""
    return {i: (status, year_end, successor) for i, status, year_end, successor in s.execute(
        select(EntryRow.id, EntryRow.status, EntryRow.year_end, EntryRow.superseded_by).where(EntryRow.id.in_(ids)))}


def published_with_dates(s: Session, ids: list[str]) -> list[tuple[Entry, datetime]]:
    """(record, date of its version) of those of `ids` that are published, in the order of `ids`: a search's
    results to cite or harvest, read in a few queries."""
    found = {entry.id: (entry, updated) for entry, _, updated in published_entries(s, ids)}
    return [found[i] for i in ids if i in found]
