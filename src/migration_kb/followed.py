"""Followed searches: a user's saved searches, each with a private Atom feed and an optional e-mail digest.

The feed's address carries a random token; only its SHA-256 is stored (like API tokens), so the address is
shown once, and a new one revokes the old. A digest reports the practices of the search that were published
or changed since the last one: each followed search remembers the change-log position it reported up to
(`seen_through`) and when its last period closed. A run closes a due period *before* it sends (and reopens it
if the SMTP server refuses), so no change is ever mailed twice; a period with nothing new sends nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import accounts
from .changelog import trimmed_through
from .config import LANGUAGES
from .errors import N_, Conflict, Invalid, NotFound
from .models import Change, FollowedSearch, now
from .records import Entry, clean_text
from .search.request import SearchError, SearchRequest
from .search.schema import FACETS
from .store import published_entries
from .taxonomy import Taxonomy

DIGESTS = ("none", "daily", "weekly")
# A period is over a little before a full day or week has passed, so a cron job that starts a few seconds
# early or late each day does not skip a day.
PERIODS = {"daily": timedelta(hours=23), "weekly": timedelta(days=6, hours=23)}
MAX_NAME, MAX_QUERY, MAX_PER_USER = 120, 2000, 50
MAX_LISTED = 50  # practices written out in one digest; the rest are counted and linked


@dataclass(frozen=True)
class Followed:
    id: int
    user_id: int
    name: str
    query: str  # the search's query string (q, filters, years), canonical
    lang: str
    digest: str
    has_feed: bool
    created_at: datetime
    period_closed_at: datetime | None


def _plain(row: FollowedSearch) -> Followed:
    return Followed(row.id, row.user_id, row.name, row.query, row.lang, row.digest, row.feed_token_hash is not None,
                    row.created_at, row.period_closed_at)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def search_request(query: str, taxonomy: Taxonomy) -> SearchRequest:
    """The search a query string asks for (pages, order and language aside), checked as the search page does."""
    args = {k: v for k, v in parse_qs(query, keep_blank_values=False).items() if k in ("q", *FACETS, "year_from",
                                                                                        "year_to")}
    try:
        return SearchRequest.from_args(args, taxonomy)
    except SearchError as exc:
        raise Invalid.one("query", "%(problem)s", problem=str(exc)) from None


def canonical_query(req: SearchRequest) -> str:
    params = [("q", req.q)] if req.q else []
    params += [(f, v) for f in FACETS for v in req.filters.get(f, [])]
    params += [(k, str(v)) for k, v in (("year_from", req.year_from), ("year_to", req.year_to)) if v is not None]
    return urlencode(params)


def _check_name(name: str) -> str:
    name, problem = clean_text(" ".join((name or "").split()))
    if problem:
        raise Invalid.one("name", "the name %(problem)s", problem=problem)
    if not name:
        raise Invalid.one("name", N_("give the search a name, such as “Labour mobility in CARICOM”"))
    if len(name) > MAX_NAME:
        raise Invalid.one("name", N_("a name is at most %(n)d characters"), n=MAX_NAME)
    return name


def _check_digest(digest: str) -> str:
    if digest not in DIGESTS:
        raise Invalid.one("digest", N_("a digest is sent daily, weekly or not at all"))
    return digest


def follow(s: Session, user_id: int, name: str, query: str, lang: str, digest: str,
           taxonomy: Taxonomy) -> tuple[Followed, str]:
    """Save a search under a name; returns it and its feed token (shown once). Its digests start from now."""
    name, digest = _check_name(name), _check_digest(digest)
    if len(query or "") > MAX_QUERY:
        raise Invalid.one("query", N_("this search is too long to follow (at most %(n)d characters)"), n=MAX_QUERY)
    query = canonical_query(search_request(query or "", taxonomy))
    if s.scalar(select(func.count()).select_from(FollowedSearch).where(FollowedSearch.user_id == user_id)) \
            >= MAX_PER_USER:
        raise Conflict(N_("You follow %(n)d searches, the most one account may: stop following one first."),
                       field="name", n=MAX_PER_USER)
    if s.scalar(select(FollowedSearch.id).where(FollowedSearch.user_id == user_id, FollowedSearch.name == name)):
        raise Conflict(N_("You already follow a search named “%(name)s”: choose another name."), field="name",
                       name=name)
    token = secrets.token_urlsafe(32)
    row = FollowedSearch(user_id=user_id, name=name, query=query, lang=lang if lang in LANGUAGES else "en",
                         feed_token_hash=_digest(token), digest=digest, seen_through=_last_change(s),
                         period_closed_at=now(), created_at=now())
    s.add(row)
    s.flush()
    return _plain(row), token


def followed_of(s: Session, user_id: int) -> list[Followed]:
    rows = s.scalars(select(FollowedSearch).where(FollowedSearch.user_id == user_id).order_by(FollowedSearch.name))
    return [_plain(r) for r in rows]


def _mine(s: Session, user_id: int, followed_id: int) -> FollowedSearch:
    row = s.get(FollowedSearch, followed_id)
    if row is None or row.user_id != user_id:  # another user's search is not there for this one
        raise NotFound(N_("You follow no such search."))
    return row


def set_digest(s: Session, user_id: int, followed_id: int, digest: str) -> Followed:
    row = _mine(s, user_id, followed_id)
    new = _check_digest(digest)
    if new != "none" and row.digest == "none":  # a digest starts from now, not from when it was stopped
        row.seen_through, row.period_closed_at = _last_change(s), now()
    row.digest = new
    return _plain(row)


def new_feed(s: Session, user_id: int, followed_id: int) -> str:
    """A new feed token for this search (shown once); the old address stops working."""
    token = secrets.token_urlsafe(32)
    _mine(s, user_id, followed_id).feed_token_hash = _digest(token)
    return token


def stop_feed(s: Session, user_id: int, followed_id: int) -> None:
    _mine(s, user_id, followed_id).feed_token_hash = None


def unfollow(s: Session, user_id: int, followed_id: int) -> None:
    s.delete(_mine(s, user_id, followed_id))


def by_feed_token(s: Session, token: str) -> Followed | None:
    if not token or len(token) > 100:
        return None
    row = s.scalar(select(FollowedSearch).where(FollowedSearch.feed_token_hash == _digest(token)))
    return _plain(row) if row is not None else None


def get(s: Session, followed_id: int) -> Followed | None:
    row = s.get(FollowedSearch, followed_id)
    return _plain(row) if row is not None else None


def unsubscribe(s: Session, followed_id: int) -> Followed | None:
    """Stop the digest of this search (from the signed link in a digest); None when it no longer exists."""
    row = s.get(FollowedSearch, followed_id)
    if row is not None:
        row.digest = "none"
    return _plain(row) if row is not None else None


# -- digests ---------------------------------------------------------------------------------------------------

def _last_change(s: Session) -> int:
    return s.scalar(select(func.max(Change.seq))) or 0


@dataclass(frozen=True)
class Digest:
    """One digest to send: the practices of a followed search published or changed in its period."""

    followed: Followed
    email: str
    entries: list[Entry]  # in the search's order
    new: frozenset[str]  # ids of the practices first published in the period (the others changed)
    more: int  # matching practices past MAX_LISTED, counted but not written out


@dataclass
class DigestReport:
    sent: list[tuple[str, str]] = field(default_factory=list)  # (address, followed search's name)
    empty: int = 0  # periods with nothing new: closed, nothing sent
    unverified: int = 0  # due, but the account has no verified address: nothing sent, the period stays open
    not_due: int = 0
    failed: list[str] = field(default_factory=list)


def send_digests(db, ids_matching: Callable[[SearchRequest], list[str]], taxonomy: Taxonomy,
                 deliver: Callable[[Digest], None], at: datetime | None = None) -> DigestReport:
    """Close every due digest period and deliver what it found. `ids_matching` answers a search (published
    practices, best first); `deliver` composes and sends one digest, raising to say it was not sent."""
    at = at or now()
    report = DigestReport()
    with db.session() as s:
        through = _last_change(s)
        todo = [r.id for r in s.scalars(select(FollowedSearch).where(FollowedSearch.digest != "none"))]
    for followed_id in todo:
        with db.session() as s:
            row = s.get(FollowedSearch, followed_id)
            if row is None or row.digest == "none":
                continue
            closed = row.period_closed_at
            if closed is not None and at - _aware(closed) < PERIODS[row.digest]:
                report.not_due += 1
                continue
            email = accounts.verified_email(s, row.user_id)
            if email is None:  # never to an unverified address; the changes wait for one
                report.unverified += 1
                continue
            changed = set(s.scalars(select(Change.entry_id).where(Change.seq > row.seen_through,
                                                                  Change.seq <= through, Change.op == "upsert")))
            followed = _plain(row)
            try:  # a vocabulary value removed since the search was saved: say so, send nothing
                req = search_request(followed.query, taxonomy)
            except Invalid as exc:
                report.failed.append(f"{followed.name!r} to {email}: {exc.message}")
                continue
            previous = (row.seen_through, row.period_closed_at)
            # Close the period first: a crash after this commit loses a digest rather than sending one twice.
            row.seen_through, row.period_closed_at = through, at
        ids = [i for i in ids_matching(req) if i in changed] if changed else []
        if not ids:
            report.empty += 1
            continue
        with db.session() as s:
            found = {e.id: e for e, _, _ in published_entries(s, ids[:MAX_LISTED])}
            # New: the log has no earlier change of it (unknowable, so "changed", where the log was trimmed).
            known = previous[0] >= trimmed_through(s)
            new = frozenset(i for i, first in s.execute(select(Change.entry_id, func.min(Change.seq))
                                                         .where(Change.entry_id.in_(list(found)))
                                                         .group_by(Change.entry_id))
                            if known and first > previous[0])
        digest = Digest(followed, email, [found[i] for i in ids[:MAX_LISTED] if i in found], new,
                        max(0, len(ids) - MAX_LISTED))
        try:
            deliver(digest)
        except Exception as exc:  # not sent: reopen the period so the next run sends these changes
            with db.session() as s:
                row = s.get(FollowedSearch, followed_id)
                if row is not None:
                    row.seen_through, row.period_closed_at = previous
            report.failed.append(f"{followed.name!r} to {email}: {exc}")
            continue
        report.sent.append((email, followed.name))
    return report


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
