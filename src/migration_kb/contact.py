""""Contact the focal point": a signed-in user writes to an entry's focal point through the server.

The focal point's address is never shown: the server sends the message, with Reply-To the sender's verified
address (so the focal point answers the person directly) and a limit per sender per day. Each message sent is
logged as who, which entry and when — never its text (`contacts_sent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import accounts
from .accounts import Account
from .errors import N_, Conflict, NotFound
from .models import ContactSent, EntryRow
from .threads import TooMany, check_text
from .workflow import NotPermitted, allowed

PER_DAY = 5  # messages per sender per day


@dataclass(frozen=True)
class Contact:
    """What the mail needs; the caller sends it inside the same transaction, so a failed send is not counted."""

    to: str
    reply_to: str
    sender: str
    entry_id: str
    entry_title: str
    text: str


def reachable(s: Session, entry_id: str) -> bool:
    """Whether the published entry has a focal point with an address to write to."""
    row = s.get(EntryRow, entry_id)
    return bool(row is not None and row.state == "published" and row.focal_point and row.focal_point.get("email"))


def prepare(s: Session, sender: Account | None, entry_id: str, text: str, *, at: datetime | None = None) -> Contact:
    """Check everything and log the message (without its text). Raises NotPermitted, NotFound, Conflict (no
    verified address of one's own), Invalid (empty or too long) or TooMany."""
    if not allowed(sender, "post"):
        raise NotPermitted(N_("Sign in to contact the focal point."))
    row = s.get(EntryRow, entry_id)
    if not reachable(s, entry_id):
        raise NotFound(N_("This practice has no focal point to contact."))
    reply_to = accounts.verified_email(s, sender.id)
    if not reply_to:
        raise Conflict(N_("Add an e-mail address to your account and confirm it first (account page): the focal "
                          "point's answer goes to it. Your text is kept below."))
    text = check_text(text)
    at = at or datetime.now(UTC)
    sent = s.scalar(select(func.count()).select_from(ContactSent).where(
        ContactSent.sender_id == sender.id, ContactSent.created_at > at - timedelta(days=1))) or 0
    if sent >= PER_DAY:
        raise TooMany(N_("You have written to focal points %(n)d times in the last day, the most allowed; please "
                         "try again tomorrow. Your text is kept below."), n=sent)
    s.add(ContactSent(sender_id=sender.id, entry_id=entry_id, created_at=at))
    return Contact(row.focal_point["email"], reply_to, sender.name, entry_id, row.title, text)
