"""Who may see and change a draft: those with the "draft" permission (the one table, `workflow.PERMISSIONS`)
who own it or were given it. Anyone else is told nothing, not even that the draft exists.

Also the reads that list a user's drafts and a draft's people, as plain data for pages and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import Draft, DraftItem, DraftShare, User
from ..workflow import allowed


def may_draft(user: User | None) -> bool:
    return user is not None and not user.disabled and allowed(user, "draft")


def owns(draft: Draft, user: User) -> bool:
    """Only the owner shares a draft, stops sharing it, or deletes it."""
    return draft.owner_id == user.id


def draft_for(s: Session, draft_id: int, user: User) -> Draft | None:
    """The draft if this user may draft and owns it or was given it; None otherwise (answered as 404)."""
    draft = s.get(Draft, draft_id)
    if draft is None or not may_draft(user):
        return None
    if owns(draft, user) or s.get(DraftShare, (draft.id, user.id)) is not None:
        return draft
    return None


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class DraftSummary:
    """A draft as lists and the API name it."""

    id: int
    title: str
    event_id: str | None
    grouping: str
    version: int
    updated_at: datetime
    findings: int  # how many findings it cites
    owner: str  # the owner's user name
    mine: bool  # owned by the user who asked (else shared with them)


def _visible(user: User, *columns):
    """The drafts a user owns or was given, most recently changed first."""
    shared = select(DraftShare.draft_id).where(DraftShare.user_id == user.id)
    return (select(*columns).where(or_(Draft.owner_id == user.id, Draft.id.in_(shared)))
            .order_by(Draft.updated_at.desc(), Draft.id.desc()))


def drafts_of(s: Session, user: User) -> list[DraftSummary]:
    """The drafts a user owns or was given, most recently changed first."""
    return _summaries(s, list(s.scalars(_visible(user, Draft))), user)


def draft_titles(s: Session, user: User) -> list[tuple[int, str]]:
    """(id, title) of the same drafts, in the same order: the "add to draft" choices of every page."""
    return [(draft_id, title) for draft_id, title in s.execute(_visible(user, Draft.id, Draft.title))]


def summary(s: Session, draft: Draft, user: User) -> DraftSummary:
    return _summaries(s, [draft], user)[0]


def _summaries(s: Session, drafts: list[Draft], user: User) -> list[DraftSummary]:
    if not drafts:
        return []
    ids = [d.id for d in drafts]
    counts = dict(s.execute(select(DraftItem.draft_id, func.count()).where(DraftItem.draft_id.in_(ids))
                            .group_by(DraftItem.draft_id)).all())
    names = dict(s.execute(select(User.id, User.name).where(User.id.in_({d.owner_id for d in drafts}))).all())
    return [DraftSummary(d.id, d.title, d.event_id, d.grouping, d.version, d.updated_at, counts.get(d.id, 0),
                         names.get(d.owner_id, "?"), owns(d, user)) for d in drafts]


@dataclass(frozen=True)
class People:
    """Who works on a draft: its owner and the colleagues it is shared with (by name)."""

    owner: Person
    colleagues: list[Person]


def people(s: Session, draft: Draft) -> People:
    ids = select(DraftShare.user_id).where(DraftShare.draft_id == draft.id)
    colleagues = [Person(u.id, u.name) for u in s.scalars(select(User).where(User.id.in_(ids)).order_by(User.name))]
    owner = s.get(User, draft.owner_id)
    return People(Person(owner.id, owner.name), colleagues)
