"""SQL tables: the system of record. Schema changes go through Alembic (migrations/)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import Date

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Workflow states of an entry. Only `published` is visible to the public.
STATES = ("draft", "review", "published", "archived")
ROLES = ("reader", "expert", "rapporteur", "admin")


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # Optional, for digests and notices; nothing is sent to it before its owner followed the link sent to it.
    email: Mapped[str | None] = mapped_column(String(254))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_lang: Mapped[str | None] = mapped_column(String(2))  # e-mails' language (en/es/pt/fr); None: English


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the secret; shown once
    label: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship()


class EntryRow(Base):
    __tablename__ = "entries"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2))
    instrument: Mapped[str | None] = mapped_column(String(60))
    year_start: Mapped[int | None] = mapped_column(Integer)
    year_end: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(20))
    superseded_by: Mapped[str | None] = mapped_column(String(80))
    panel: Mapped[str | None] = mapped_column(String(200))
    contributor: Mapped[dict | None] = mapped_column(JSON)
    verified: Mapped[dict | None] = mapped_column(JSON)  # {"date": "YYYY-MM-DD", "by": ... or null}
    focal_point: Mapped[dict | None] = mapped_column(JSON)  # name, institution, role, email (never shown)
    sources: Mapped[list] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    tags: Mapped[list[Tag]] = relationship(cascade="all, delete-orphan", order_by="Tag.position",
                                           passive_deletes=True)
    findings: Mapped[list[FindingRow]] = relationship(cascade="all, delete-orphan",
                                                      order_by="FindingRow.position", passive_deletes=True)


class Tag(Base):
    """One controlled value on an entry: vocabulary is theme, topic, bloc, country or target_group."""

    __tablename__ = "entry_tags"
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (Index("ix_entry_tags_vocabulary_value", "vocabulary", "value"),)


class FindingRow(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1-based; the public id is "<entry id>:<position>"
    kind: Mapped[str] = mapped_column(String(20), index=True)
    text: Mapped[str] = mapped_column(Text)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    __table_args__ = (UniqueConstraint("entry_id", "position", name="uq_findings_entry_position"),)


class Revision(Base):
    """Every save of an entry, with the whole record as it was: history, diffs and restore read this."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)  # kept after the entry is deleted
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))
    record: Mapped[dict | None] = mapped_column(JSON)  # None for a deletion
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_revisions_entry_version"),)


class PendingVersion(Base):
    """A change to a published entry, waiting for a second expert: the entry row keeps the published text
    (what the public, the search and the API's public reads show) until it is approved. Its revision is in
    `revisions` like any other version."""

    __tablename__ = "pending_versions"
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    record: Mapped[dict] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    minor: Mapped[bool] = mapped_column(Boolean, default=False)  # "a small fix", still reviewed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Review(Base):
    """One workflow step on an entry version, with who took it: submit, approve, request changes, archive,
    ask for archiving, reopen, or a comment. Steps are events in the entry's history, not versions of its
    text."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(20))  # a step: "submit", "approve", "changes", "comment"...
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class SignInAttempt(Base):
    """Failed sign-ins per key (user name or address) and window: shared by every app server."""

    __tablename__ = "sign_in_attempts"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class SessionRow(Base):
    """A browser session kept on the server: the cookie holds only a random id, whose sha256 is the key
    (a copy of this table opens no session). Ending a session deletes its row."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class Change(Base):
    """The change log (outbox): one row per write, in commit order; search indexes follow it."""

    __tablename__ = "changes"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    op: Mapped[str] = mapped_column(String(10))  # "upsert" | "delete"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    # Never reuse a sequence number, even after the log is trimmed: followers remember positions.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 - SQLAlchemy reads it once


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    date: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(String(300))
    organizer: Mapped[str | None] = mapped_column(String(300))
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    panels: Mapped[list[PanelRow]] = relationship(cascade="all, delete-orphan", order_by="PanelRow.position",
                                                  passive_deletes=True)


class PanelRow(Base):
    __tablename__ = "panels"
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    theme: Mapped[str | None] = mapped_column(String(60))
    starts: Mapped[str | None] = mapped_column(String(5))
    ends: Mapped[str | None] = mapped_column(String(5))
    description: Mapped[str] = mapped_column(Text, default="")


class Draft(Base):
    """A rapporteur's draft of conclusions, built from cited findings."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str | None] = mapped_column(String(80))
    grouping: Mapped[str] = mapped_column(String(20), default="theme")  # "theme" | "bloc"
    intro: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    items: Mapped[list[DraftItem]] = relationship(cascade="all, delete-orphan", order_by="DraftItem.position",
                                                  passive_deletes=True)


class DraftItem(Base):
    """A finding cited in a draft, with the text it had when cited (to mark later changes)."""

    __tablename__ = "draft_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(80))
    finding_position: Mapped[int] = mapped_column(Integer)
    cited_kind: Mapped[str] = mapped_column(String(20))
    cited_text: Mapped[str] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")


class DraftShare(Base):
    __tablename__ = "draft_shares"
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class DraftSection(Base):
    """The rapporteur's own Markdown text for one section of a draft."""

    __tablename__ = "draft_sections"
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), primary_key=True)
    section: Mapped[str] = mapped_column(String(120), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")


class DraftRevision(Base):
    """A draft as it was after one change: its history, and what "restore this version" brings back."""

    __tablename__ = "draft_revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(String(300))
    snapshot: Mapped[dict] = mapped_column(JSON)  # title, intro, grouping, items and section texts
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    __table_args__ = (UniqueConstraint("draft_id", "version", name="uq_draft_revisions_draft_version"),)


# -- the community: what delegates could not find, questions and comments, calls for practices ---------------
class SearchMiss(Base):
    """A search that found nothing or fewer than three practices: the words, UI language, filters and day only
    (no account, address or cookie). Kept 90 days (search_log.purge)."""

    __tablename__ = "search_misses"
    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(500))
    folded: Mapped[str] = mapped_column(String(500), index=True)  # its words folded and sorted: the group
    lang: Mapped[str] = mapped_column(String(2))
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    results: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date, index=True)


class Post(Base):
    """A question or comment on an entry or a workshop panel (`subject`: "entry:<id>" or "panel:<event>/<panel>"),
    or an answer in its thread (`parent_id`: the thread's first post). `activity_at` of a first post is the
    thread's latest post: threads are listed by it."""

    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    activity_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class PostEvent(Base):
    """A post's history: posted, edited (with the new text), hidden or restored (with the moderator's reason)."""

    __tablename__ = "post_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class EntryFollow(Base):
    """An expert who follows an entry: told by e-mail of new questions and comments on it."""

    __tablename__ = "entry_follows"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)


class CallRow(Base):
    """A call for practices: open until the end of its deadline day, then closed by itself."""

    __tablename__ = "calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2))
    themes: Mapped[list] = mapped_column(JSON, default=list)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    blocs: Mapped[list] = mapped_column(JSON, default=list)
    criteria: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date, index=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class CallResponse(Base):
    """An entry written in response to a call (at most one call per entry)."""

    __tablename__ = "call_responses"
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)


class ContactSent(Base):
    """A message sent to an entry's focal point: who and when, never the text (the daily limit counts these)."""

    __tablename__ = "contacts_sent"
    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    entry_id: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
class FollowedSearch(Base):
    """A user's saved search: a private Atom feed (the SHA-256 of its secret token; None once revoked) and an
    optional e-mail digest of the practices new or changed in it (followed.py)."""

    __tablename__ = "followed_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    query: Mapped[str] = mapped_column(String(2000))  # the search's query string: q, filters, years
    lang: Mapped[str] = mapped_column(String(2))  # the language its digests are written in
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    digest: Mapped[str] = mapped_column(String(10), default="none")  # none | daily | weekly
    seen_through: Mapped[int] = mapped_column(Integer, default=0)  # change-log position digests reported up to
    period_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the last digest period
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class EntryEmbedding(Base):
    """The meaning of an entry version's text as the sentence encoder sees it (search by meaning). Keyed by
    the version's content hash: a version, a re-import of the same text and a restored version share one
    vector, so a rebuild, a second server or a restart never recomputes it. `vector` is DIM signed bytes; the
    float vector is vector * scale (see embeddings.py)."""

    __tablename__ = "entry_embeddings"
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(40), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    scale: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
