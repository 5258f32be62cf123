"""Questions and comments as pages read them: the threads of a subject, newest activity first, and a post's
history. The public never receives a hidden post (nor the answers under a hidden question)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import EntryFollow, Post, PostEvent, User
from ..workflow import allowed


@dataclass(frozen=True)
class PostView:
    id: int
    author: str | None  # None: a former user
    author_id: int | None
    expert: bool  # written by someone who answers as an expert
    text: str
    created_at: datetime
    edited: bool
    hidden: bool
    hidden_reason: str | None


@dataclass(frozen=True)
class Thread:
    first: PostView
    answers: tuple[PostView, ...]  # oldest first
    activity_at: datetime


def threads(s: Session, subjects: list[str], with_hidden: bool = False) -> dict[str, list[Thread]]:
    """subject -> its threads, the latest activity first. Hidden posts only `with_hidden` (moderators)."""
    query = select(Post, User).outerjoin(User, User.id == Post.author_id).where(Post.subject.in_(subjects))
    if not with_hidden:
        query = query.where(Post.hidden.is_(False))
    rows = s.execute(query.order_by(Post.id)).all()
    edited = set(s.scalars(select(PostEvent.post_id).where(PostEvent.action == "edited",
                                                           PostEvent.post_id.in_([p.id for p, _ in rows]))))
    views, firsts, answers = {}, [], {}
    for post, user in rows:
        views[post.id] = PostView(post.id, user.name if user else None, post.author_id,
                                  user is not None and allowed(user, "answer"), post.text, post.created_at,
                                  post.id in edited, post.hidden, post.hidden_reason)
        if post.parent_id is None:
            firsts.append(post)
        else:
            answers.setdefault(post.parent_id, []).append(views[post.id])
    out: dict[str, list[Thread]] = {subject: [] for subject in subjects}
    for post in sorted(firsts, key=lambda p: (p.activity_at, p.id), reverse=True):
        out[post.subject].append(Thread(views[post.id], tuple(answers.get(post.id, ())), post.activity_at))
    return out


@dataclass(frozen=True)
class PostEventLine:
    action: str  # posted, edited, hidden, restored
    by: str | None
    text: str  # the text posted or edited to, or the moderator's reason
    created_at: datetime


@dataclass(frozen=True)
class PostInfo:
    id: int
    subject: str
    author_id: int | None
    hidden: bool


def post_info(s: Session, post_id: int) -> PostInfo | None:
    row = s.get(Post, post_id)
    return PostInfo(row.id, row.subject, row.author_id, row.hidden) if row is not None else None


def history(s: Session, post_id: int) -> list[PostEventLine]:
    """Every change of the post, oldest first."""
    return [PostEventLine(e.action, name, e.text, e.created_at) for e, name in s.execute(
        select(PostEvent, User.name).outerjoin(User, User.id == PostEvent.by_id)
        .where(PostEvent.post_id == post_id).order_by(PostEvent.id))]


def follows(s: Session, user_id: int, entry_id: str) -> bool:
    return s.get(EntryFollow, (user_id, entry_id)) is not None
