"""Calls for practices as pages read them: the list, one call with the practices it gathered, the open ones
for the home page, and which call each entry on the desk responds to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..calls import is_open, today
from ..models import CallResponse, CallRow, EntryRow
from .entries import EntryLink


@dataclass(frozen=True)
class Call:
    id: int
    title: str
    description: str
    language: str
    themes: tuple[str, ...]
    topics: tuple[str, ...]
    blocs: tuple[str, ...]
    criteria: str
    deadline: date
    created_at: datetime
    open: bool


def _call(row: CallRow, on: date) -> Call:
    return Call(row.id, row.title, row.description, row.language, tuple(row.themes or ()), tuple(row.topics or ()),
                tuple(row.blocs or ()), row.criteria, row.deadline, row.created_at, is_open(row.deadline, on))


def all_calls(s: Session, on: date | None = None) -> list[Call]:
    """Open calls first (nearest deadline first), then closed ones (latest deadline first)."""
    on = on or today()
    calls = [_call(r, on) for r in s.scalars(select(CallRow).order_by(CallRow.deadline.desc(), CallRow.id.desc()))]
    return sorted((c for c in calls if c.open), key=lambda c: (c.deadline, c.id)) + [c for c in calls if not c.open]


def open_calls(s: Session, on: date | None = None) -> list[Call]:
    on = on or today()
    return [_call(r, on) for r in s.scalars(select(CallRow).where(CallRow.deadline >= on)
                                            .order_by(CallRow.deadline, CallRow.id))]


def call(s: Session, call_id: int, on: date | None = None) -> Call | None:
    row = s.get(CallRow, call_id)
    return _call(row, on or today()) if row is not None else None


def gathered(s: Session, call_id: int, published_only: bool = True) -> list[EntryLink]:
    """The entries responding to the call (published ones only, for the public), by title."""
    query = (select(EntryRow).join(CallResponse, CallResponse.entry_id == EntryRow.id)
             .where(CallResponse.call_id == call_id).order_by(EntryRow.title))
    if published_only:
        query = query.where(EntryRow.state == "published")
    return [EntryLink(r.id, r.title, r.language) for r in s.scalars(query)]


@dataclass(frozen=True)
class CallMark:
    id: int
    title: str


def responses_of(s: Session, entry_ids: list[str]) -> dict[str, CallMark]:
    """entry id -> the call it responds to, for these entries."""
    return {entry_id: CallMark(call_id, title) for entry_id, call_id, title in s.execute(
        select(CallResponse.entry_id, CallRow.id, CallRow.title).join(CallRow, CallRow.id == CallResponse.call_id)
        .where(CallResponse.entry_id.in_(entry_ids)))}


def answering(s: Session, entry_id: str) -> CallMark | None:
    return responses_of(s, [entry_id]).get(entry_id)
