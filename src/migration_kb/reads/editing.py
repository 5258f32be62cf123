"""What experts read while they work on entries: an entry's history, its review (steps, authors, what
reviewers said) and the desk (what awaits review, one's own entries in progress)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import pending
from ..accounts import Account
from ..models import EntryRow, PendingVersion, Review, Revision, User
from ..store import row_to_entry
from ..workflow import authors, available
from .entries import EntryInfo, info_of


@dataclass(frozen=True)
class RevisionLine:
    """One save of an entry: its whole record as it was (None for a deletion), who saved it and why."""

    version: int
    state: str
    record: dict | None
    author: str | None  # None: no author, or a former user
    created_at: datetime
    message: str | None


def revisions(s: Session, entry_id: str) -> list[RevisionLine]:
    """Every revision of the entry, newest first."""
    return [RevisionLine(r.version, r.state, r.record, name, r.created_at, r.message)
            for r, name in s.execute(select(Revision, User.name).outerjoin(User, User.id == Revision.author_id)
                                     .where(Revision.entry_id == entry_id).order_by(Revision.version.desc()))]


@dataclass(frozen=True)
class ReviewLine:
    """What a reviewer said of a version: approve, changes or comment."""

    version: int
    decision: str
    comment: str
    reviewer: str | None  # None: a former user
    created_at: datetime


@dataclass(frozen=True)
class PendingChange:
    """A change to a published entry awaiting a second expert (pending.py)."""

    version: int
    minor: bool
    author: str | None


@dataclass(frozen=True)
class ReviewState:
    """An entry's review page: where it stands, who wrote it, what this user may do, what reviewers said."""

    entry: EntryInfo
    steps: tuple[str, ...]  # the workflow steps this user may take now, in the page's order
    author_names: tuple[str, ...]
    is_author: bool
    reviews: tuple[ReviewLine, ...]  # newest first
    creator: str | None  # who created the entry (who edited each version is in its history)
    latest: int  # the version a reviewer approves: the pending one, else the entry's
    pending: PendingChange | None


def _name(s: Session, user_id: int | None) -> str | None:
    return s.scalar(select(User.name).where(User.id == user_id)) if user_id else None


def review_state(s: Session, entry_id: str, user: Account) -> ReviewState | None:
    row = s.get(EntryRow, entry_id)
    if row is None:
        return None
    author_ids = authors(s, row)
    names = s.scalars(select(User.name).where(User.id.in_(author_ids)).order_by(User.name))
    reviews = [ReviewLine(r.version, r.decision, r.comment, name, r.created_at)
               for r, name in s.execute(select(Review, User.name).outerjoin(User, User.id == Review.reviewer_id)
                                        .where(Review.entry_id == entry_id).order_by(Review.id.desc()))]
    waiting = pending.pending_of(s, entry_id) if row.state == "published" else None
    change = PendingChange(waiting.version, waiting.minor, _name(s, waiting.author_id)) if waiting else None
    return ReviewState(info_of(row), tuple(available(s, row, user)), tuple(names), user.id in author_ids,
                       tuple(reviews), _name(s, row.author_id), pending.latest_version(s, row), change)


@dataclass(frozen=True)
class UnderReview:
    """The text a reviewer reads, and the earlier text it is compared with (None: it never read otherwise)."""

    text: dict
    since_version: int | None
    since_text: dict | None


def under_review(s: Session, entry_id: str) -> UnderReview | None:
    """The pending change of a published entry against the published text; else the latest version against
    the last published text that differs from it, else against the last text that differs."""
    row = s.get(EntryRow, entry_id)
    waiting = pending.pending_of(s, entry_id) if row is not None and row.state == "published" else None
    if waiting is not None:
        return UnderReview(waiting.record, row.version, row_to_entry(row).to_dict())
    records = s.execute(select(Revision.version, Revision.state, Revision.record)
                        .where(Revision.entry_id == entry_id).order_by(Revision.version.desc())).all()
    if not records or records[0].record is None:
        return None
    current = records[0].record
    older = [r for r in records[1:] if r.record is not None and r.record != current]
    since = next((r for r in older if r.state == "published"), older[0] if older else None)
    return UnderReview(current, since.version if since else None, since.record if since else None)


@dataclass(frozen=True)
class StepLine:
    """A workflow step taken on an entry: submit, approve, archive... on which version, when, and why."""

    decision: str
    version: int
    comment: str
    created_at: datetime


def steps(s: Session, entry_id: str) -> list[tuple[StepLine, str | None]]:
    """(step, who took it) of the entry, newest first."""
    return [(StepLine(r.decision, r.version, r.comment, r.created_at), name) for r, name in s.execute(
        select(Review, User.name).outerjoin(User, User.id == Review.reviewer_id)
        .where(Review.entry_id == entry_id).order_by(Review.id.desc()))]


@dataclass(frozen=True)
class Desk:
    waiting: list[EntryInfo]  # awaiting review, oldest first
    mine: list[EntryInfo]  # this user's unpublished entries, newest first
    drafts: list[EntryInfo]  # other experts' drafts, newest first (at most DESK_DRAFTS)


DESK_DRAFTS = 50


def desk(s: Session, user_id: int) -> Desk:
    """An expert's start page."""
    def infos(query) -> list[EntryInfo]:
        return [info_of(row) for row in s.scalars(query)]

    # Entries in review, then published entries with a change awaiting review (oldest first).
    changed = (select(EntryRow).join(PendingVersion, PendingVersion.entry_id == EntryRow.id)
               .where(EntryRow.state == "published").order_by(PendingVersion.created_at))
    return Desk(
        waiting=infos(select(EntryRow).where(EntryRow.state == "review").order_by(EntryRow.updated_at))
        + infos(changed),
        mine=infos(select(EntryRow).where(EntryRow.author_id == user_id, EntryRow.state != "published")
                   .order_by(EntryRow.updated_at.desc())),
        drafts=infos(select(EntryRow).where(EntryRow.state == "draft", EntryRow.author_id != user_id)
                     .order_by(EntryRow.updated_at.desc()).limit(DESK_DRAFTS)))
