"""A draft's history: every change is a new version with a snapshot of the whole draft, and any version can
be restored (as a new version, so nothing is lost)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import DraftError
from ..models import Draft, DraftItem, DraftRevision, DraftSection, EventRow, User, now
from .sections import section_texts


def snapshot(s: Session, draft: Draft) -> dict:
    return {"title": draft.title, "event_id": draft.event_id, "grouping": draft.grouping, "intro": draft.intro,
            "items": [{"entry_id": i.entry_id, "finding_position": i.finding_position, "cited_kind": i.cited_kind,
                       "cited_text": i.cited_text, "section": i.section, "position": i.position, "note": i.note}
                      for i in sorted(draft.items, key=lambda i: i.position)],
            "sections": section_texts(s, draft.id)}


def record(s: Session, draft: Draft, user: User | None, message: str) -> None:
    """One change to the draft: a new version and its snapshot."""
    s.flush()
    draft.version = (draft.version or 0) + 1
    draft.updated_at = now()
    s.add(DraftRevision(draft_id=draft.id, version=draft.version, author_id=user.id if user else None,
                        message=message[:300], snapshot=snapshot(s, draft)))
    s.flush()


@dataclass(frozen=True)
class Version:
    version: int
    created_at: datetime
    message: str  # what changed, e.g. "added andean-card:1"


def revisions(s: Session, draft: Draft) -> list[tuple[Version, str | None]]:
    """Every version, newest first, with the name of who made it (None once that account is gone)."""
    rows = s.execute(select(DraftRevision.version, DraftRevision.created_at, DraftRevision.message, User.name)
                     .outerjoin(User, User.id == DraftRevision.author_id)
                     .where(DraftRevision.draft_id == draft.id).order_by(DraftRevision.version.desc())).all()
    return [(Version(version, created_at, message), name) for version, created_at, message, name in rows]


def old_snapshot(s: Session, draft: Draft, version: int) -> dict | None:
    """The draft as it was at that version (title, event_id, grouping, intro, items, sections), or None."""
    return s.scalar(select(DraftRevision.snapshot).where(DraftRevision.draft_id == draft.id,
                                                         DraftRevision.version == version))


def restore(s: Session, draft: Draft, user: User, version: int) -> None:
    snap = old_snapshot(s, draft, version)
    if snap is None:
        raise DraftError(f"there is no version {version} of this draft")
    draft.title, draft.grouping, draft.intro = snap["title"], snap["grouping"], snap["intro"]
    draft.event_id = snap["event_id"] if snap["event_id"] and s.get(EventRow, snap["event_id"]) else None
    draft.items.clear()
    s.flush()
    draft.items.extend(DraftItem(**item) for item in snap["items"])
    for row in s.scalars(select(DraftSection).where(DraftSection.draft_id == draft.id)):
        s.delete(row)
    s.flush()
    s.add_all(DraftSection(draft_id=draft.id, section=k, text=t) for k, t in snap["sections"].items())
    record(s, draft, user, f"restored version {version}")
