"""Questions and comments on entries and workshop panels: posting, editing, moderation, following, limits.

A thread is a first post (a question or a comment) on a subject — "entry:<entry id>" or
"panel:<event id>/<panel id>" — and the answers under it. Any signed-in role posts ("post" in the one
permission table); experts' posts are answers ("answer"); admins hide and restore a post with a reason
("moderate"). Every change is a `post_events` row (posted, edited with its new text, hidden or restored with
the reason): nothing is ever deleted, and a hidden post is still there for moderators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import accounts
from .accounts import Account
from .errors import N_, DomainError, Invalid, NotFound
from .models import EntryFollow, EntryRow, EventRow, Post, PostEvent, User
from .records import ID_RE, clean_text
from .workflow import NotPermitted, allowed

MAX_TEXT = 5000
MAX_REASON = 500
PER_HOUR = 20  # posts and edits per user per hour


class TooMany(DomainError):
    """The user reached the hourly limit (429)."""

    status = 429


def _now() -> datetime:
    return datetime.now(UTC)


def entry_subject(entry_id: str) -> str:
    return f"entry:{entry_id}"


def panel_subject(event_id: str, panel_id: str) -> str:
    return f"panel:{event_id}/{panel_id}"


def check_text(text: str, field: str = "text", limit: int = MAX_TEXT) -> str:
    """The text of a post (or a moderator's reason): not empty, at most `limit` characters, the one text rule."""
    text, problem = clean_text(text or "")
    text = text.strip()
    if problem:
        raise Invalid.one(field, problem)
    if not text:
        raise Invalid.one(field, N_("The text is empty: write your question or comment first."))
    if len(text) > limit:
        raise Invalid.one(field, N_("The text is %(n)s characters long; at most %(limit)s are allowed."),
                          n=f"{len(text):,}", limit=f"{limit:,}")
    return text


def _check_rate(s: Session, user: Account, at: datetime) -> None:
    done = s.scalar(select(func.count()).select_from(PostEvent).where(
        PostEvent.by_id == user.id, PostEvent.action.in_(("posted", "edited")),
        PostEvent.created_at > at - timedelta(hours=1))) or 0
    if done >= PER_HOUR:
        raise TooMany(N_("You have posted or edited %(n)d times in the last hour, the most allowed; please try "
                         "again later. Your text is kept below."), n=done)


def _check_subject(s: Session, subject: str, user: Account) -> None:
    kind, _, ref = subject.partition(":")
    if kind == "entry" and ID_RE.match(ref) and len(ref) <= 80:
        row = s.get(EntryRow, ref)
        if row is not None and (row.state == "published" or allowed(user, "see_unpublished")
                                or row.author_id == user.id):
            return
    elif kind == "panel" and "/" in ref:
        event_id, panel_id = ref.split("/", 1)
        event = s.get(EventRow, event_id) if ID_RE.match(event_id) and len(event_id) <= 80 else None
        if event is not None and any(p.id == panel_id for p in event.panels):
            return
    raise NotFound(N_("There is nothing here to post on."))


@dataclass(frozen=True)
class Posted:
    """A new post and who is to be told of it (verified addresses only, never the poster's own)."""

    id: int
    thread_id: int
    subject: str
    recipients: tuple[accounts.Recipient, ...]  # each in the language they read e-mail in


def post(s: Session, user: Account | None, subject: str, text: str, parent_id: int | None = None,
         *, at: datetime | None = None) -> Posted:
    """A new question or comment (parent_id None) or an answer in a thread. Raises NotPermitted, NotFound,
    Invalid (empty, too long, control characters) or TooMany."""
    if not allowed(user, "post"):
        raise NotPermitted(N_("Sign in to ask a question or comment."))
    at = at or _now()
    _check_subject(s, subject, user)
    text = check_text(text)
    root = None
    if parent_id is not None:
        root = s.get(Post, parent_id)
        if root is None or root.subject != subject or root.hidden:
            raise NotFound(N_("There is no such question or comment to answer."))
        if root.parent_id is not None:  # an answer to an answer joins the same thread
            root = s.get(Post, root.parent_id)
    _check_rate(s, user, at)
    row = Post(subject=subject, parent_id=root.id if root else None, author_id=user.id, text=text,
               created_at=at, activity_at=at)
    s.add(row)
    s.flush()
    s.add(PostEvent(post_id=row.id, action="posted", by_id=user.id, text=text, created_at=at))
    if root is not None:
        root.activity_at = at
    return Posted(row.id, root.id if root else row.id, subject, tuple(_recipients(s, subject, root, user.id)))


def _recipients(s: Session, subject: str, root: Post | None, poster_id: int) -> list[accounts.Recipient]:
    """The entry's creator and the experts following it; in a thread, whoever started it. Verified addresses."""
    people: list[int] = []
    if subject.startswith("entry:"):
        entry_id = subject[len("entry:"):]
        creator = s.scalar(select(EntryRow.author_id).where(EntryRow.id == entry_id))
        people += [creator] if creator else []
        for follower in s.scalars(select(User).join(EntryFollow, EntryFollow.user_id == User.id)
                                  .where(EntryFollow.entry_id == entry_id, User.disabled.is_(False))):
            if allowed(follower, "answer"):
                people.append(follower.id)
    if root is not None and root.author_id:
        people.append(root.author_id)
    found: dict[str, accounts.Recipient] = {}
    for user_id in dict.fromkeys(people):
        if user_id == poster_id:
            continue
        recipient = accounts.verified_recipient(s, user_id)  # notices go to verified addresses only
        if recipient and recipient.address not in found:
            found[recipient.address] = recipient
    return list(found.values())


def _post(s: Session, post_id: int) -> Post:
    row = s.get(Post, post_id)
    if row is None:
        raise NotFound(N_("There is no such question or comment."))
    return row


def edit(s: Session, user: Account | None, post_id: int, text: str, *, at: datetime | None = None) -> Post:
    """The author changes their post; the old text stays in its history."""
    row = _post(s, post_id)
    if user is None or row.author_id != user.id or not allowed(user, "post"):
        raise NotPermitted(N_("Only its author edits a post."))
    if row.hidden:
        raise NotPermitted(N_("A hidden post cannot be edited."))
    at = at or _now()
    text = check_text(text)
    _check_rate(s, user, at)
    if text != row.text:
        row.text = text
        s.add(PostEvent(post_id=row.id, action="edited", by_id=user.id, text=text, created_at=at))
    return row


def moderate(s: Session, user: Account | None, post_id: int, hide: bool, reason: str) -> Post:
    """An admin hides a post from everyone else (or restores it), saying why; both stay in its history."""
    if not allowed(user, "moderate"):
        raise NotPermitted(N_("Only a moderator hides or restores a post."))
    row = _post(s, post_id)
    reason = check_text(reason, "reason", MAX_REASON)
    row.hidden = hide
    row.hidden_reason = reason if hide else None
    s.add(PostEvent(post_id=row.id, action="hidden" if hide else "restored", by_id=user.id, text=reason))
    return row


def follow(s: Session, user: Account | None, entry_id: str, on: bool = True) -> None:
    """An expert follows an entry (told of new posts on it by e-mail), or stops."""
    if not allowed(user, "answer"):
        raise NotPermitted(N_("Experts follow entries."))
    if s.get(EntryRow, entry_id) is None:
        raise NotFound(N_("There is no entry %(id)r."), id=entry_id[:80])
    row = s.get(EntryFollow, (user.id, entry_id))
    if on and row is None:
        s.add(EntryFollow(user_id=user.id, entry_id=entry_id))
    elif not on and row is not None:
        s.delete(row)
