"""The one write path. A save is one transaction: the entry, a revision and a change-log row.

Callers pass an open session (see `Database.session()`); nothing here commits, so a bulk import of
many files is all-or-nothing simply by running in one session.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import embeddings
from .errors import N_, Conflict, Invalid, NotFound
from .models import STATES, Change, EntryRow, EventRow, FindingRow, PanelRow, PendingVersion, Revision, Tag, now
from .records import Contributor, Entry, Event, Finding, FocalPoint, Panel, Source, Verified, validate_entry

TAG_FIELDS = ("themes", "topics", "blocs", "countries", "target_groups")
VOCABULARY_OF = {"themes": "theme", "topics": "topic", "blocs": "bloc", "countries": "country",
                 "target_groups": "target_group"}


class StaleVersion(Conflict):
    """Someone saved the entry after the version the editor started from."""

    def __init__(self, entry_id: str, expected: int, current: int):
        self.entry_id, self.expected, self.current = entry_id, expected, current
        super().__init__(N_("%(entry)s was changed by someone else: you edited version %(expected)d, "
                            "the current version is %(current)d"), field="version", entry=entry_id,
                         expected=expected, current=current)


@dataclass(frozen=True)
class SaveResult:
    entry_id: str
    outcome: str  # "added" | "changed" | "unchanged"
    version: int


# -- reading records back ----------------------------------------------------------------------------
def row_to_entry(row: EntryRow) -> Entry:
    tags: dict[str, list[str]] = {}
    for tag in sorted(row.tags, key=lambda t: t.position):
        tags.setdefault(tag.vocabulary, []).append(tag.value)
    findings = [Finding(kind=f.kind, text=f.text, topics=tuple(f.topics or []))
                for f in sorted(row.findings, key=lambda f: f.position)]
    return _entry(row, tags, findings)


def _entry(row, tags: dict[str, list[str]], findings: list[Finding]) -> Entry:
    """The record from an entry's columns (an EntryRow or a plain result row), its tags by vocabulary in
    order, and its findings in order."""
    return Entry(
        id=row.id, title=row.title, summary=row.summary, language=row.language,
        **{field: tuple(tags.get(vocabulary, ())) for field, vocabulary in VOCABULARY_OF.items()},
        instrument=row.instrument, year_start=row.year_start, year_end=row.year_end, status=row.status,
        superseded_by=row.superseded_by, panel=row.panel,
        contributor=Contributor(**row.contributor) if row.contributor else None,
        verified=Verified(**row.verified) if row.verified else None,
        sources=tuple(Source(**x) for x in row.sources or []), findings=tuple(findings), body=row.body,
        # (the search index's plain rows do not read the focal point: it is never indexed)
        focal_point=FocalPoint(**row.focal_point) if getattr(row, "focal_point", None) else None)


def published_entries(s: Session, ids: list[str]) -> list[tuple[Entry, int, datetime]]:
    """(entry, version, updated) of those of `ids` that are published, in id order.

    Three plain queries instead of ORM objects: the index reads every entry on a rebuild, and building
    ORM instances for entries, tags and findings took longer than analysing their text.
    """
    entries = s.execute(select(EntryRow.id, EntryRow.title, EntryRow.summary, EntryRow.language,
                               EntryRow.instrument, EntryRow.year_start, EntryRow.year_end, EntryRow.status,
                               EntryRow.superseded_by, EntryRow.panel, EntryRow.contributor,
                               EntryRow.verified, EntryRow.sources, EntryRow.body,
                               EntryRow.version, EntryRow.updated_at, EntryRow.state)
                        .where(EntryRow.id.in_(ids)).order_by(EntryRow.id)).all()
    # The state is checked here, not in SQL: with it there, SQLite walked the index of states (every published
    # entry, 100,000 rows) for each thousand ids instead of looking the ids up (a 100,000-entry rebuild 20% slower).
    entries = [e for e in entries if e.state == "published"]
    found = [e.id for e in entries]
    tags: dict[str, dict[str, list[str]]] = {}
    for entry_id, vocabulary, value in s.execute(
            select(Tag.entry_id, Tag.vocabulary, Tag.value).where(Tag.entry_id.in_(found))
            .order_by(Tag.entry_id, Tag.position)):
        tags.setdefault(entry_id, {}).setdefault(vocabulary, []).append(value)
    findings: dict[str, list[Finding]] = {}
    for entry_id, kind, text, topics in s.execute(
            select(FindingRow.entry_id, FindingRow.kind, FindingRow.text, FindingRow.topics)
            .where(FindingRow.entry_id.in_(found)).order_by(FindingRow.entry_id, FindingRow.position)):
        findings.setdefault(entry_id, []).append(Finding(kind=kind, text=text, topics=tuple(topics or ())))
    return [(_entry(e, tags.get(e.id, {}), findings.get(e.id, [])), e.version, e.updated_at) for e in entries]


def get_entry(s: Session, entry_id: str) -> tuple[Entry, EntryRow]:
    row = s.get(EntryRow, entry_id)
    if row is None:
        raise NotFound(N_("There is no entry %(id)r."), id=entry_id)
    return row_to_entry(row), row


def row_to_event(row: EventRow) -> Event:
    return Event(id=row.id, title=row.title, date=row.date, place=row.place, organizer=row.organizer,
                 aliases=tuple(row.aliases or ()), body=row.body,
                 panels=tuple(Panel(id=p.id, title=p.title, number=p.number, theme=p.theme, starts=p.starts,
                                    ends=p.ends, description=p.description) for p in row.panels))


NEVER_SAVED = (None, None, 0)  # `known` for an id with no entry and no history


def entry_states(s: Session) -> dict[str, tuple[str | None, str | None, int]]:
    """id -> (content hash, state, version) of every entry, and (None, None, last version) of every deleted
    one: lets a bulk import skip unchanged files and look nothing up for new ones (NEVER_SAVED)."""
    states = {i: (h, st, v) for i, h, st, v in
              s.execute(select(EntryRow.id, EntryRow.content_hash, EntryRow.state, EntryRow.version))}
    for entry_id, last in s.execute(select(Revision.entry_id, func.max(Revision.version))
                                    .where(Revision.entry_id.not_in(select(EntryRow.id)))
                                    .group_by(Revision.entry_id)):
        states[entry_id] = (None, None, last)
    return states


# -- writing ---------------------------------------------------------------------------------------
def _fill(row: EntryRow, entry: Entry) -> None:
    row.title, row.summary, row.language = entry.title, entry.summary, entry.language
    row.instrument, row.year_start, row.year_end = entry.instrument, entry.year_start, entry.year_end
    row.status, row.panel, row.body = entry.status, entry.panel, entry.body
    row.superseded_by = entry.superseded_by
    row.verified = {"date": entry.verified.date, "by": entry.verified.by} if entry.verified else None
    row.contributor = ({"name": entry.contributor.name, "organization": entry.contributor.organization}
                       if entry.contributor else None)
    row.sources = [{"title": x.title, "publisher": x.publisher, "year": x.year, "url": x.url}
                   for x in entry.sources]
    row.focal_point = asdict(entry.focal_point) if entry.focal_point else None
    row.tags = [Tag(vocabulary=VOCABULARY_OF[f], value=v, position=i)
                for f in TAG_FIELDS for i, v in enumerate(getattr(entry, f))]
    row.content_hash = entry.content_hash()


def _replace_findings(s: Session, row: EntryRow, entry: Entry) -> None:
    """Keep finding rows by position so their ids (cited in drafts) survive an edit of their text."""
    old = {f.position: f for f in row.findings}
    keep = []
    for pos, f in enumerate(entry.findings, start=1):
        current = old.pop(pos, None) or FindingRow(entry_id=row.id, position=pos)
        current.kind, current.text, current.topics = f.kind, f.text, list(f.topics)
        keep.append(current)
    for gone in old.values():
        s.delete(gone)
    row.findings = keep


def _log(s: Session, row: EntryRow, author_id: int | None, message: str | None, record: dict | None,
         op: str = "upsert") -> None:
    s.add(Revision(entry_id=row.id, version=row.version, state=row.state, record=record, author_id=author_id,
                   message=message))
    s.add(Change(entry_id=row.id, version=row.version, op=op))


def save_entry(s: Session, entry: Entry, *, state: str | None = None, author_id: int | None = None,
               message: str | None = None, expected_version: int | None = None,
               known: tuple[str | None, str | None, int] | None = None) -> SaveResult:
    """Insert or update an entry. Writes nothing when neither its content nor its state changed.

    `state` None keeps the current state (a new entry starts as a draft). `expected_version` guards
    against lost updates from a stale editor. `known` is (hash, state, version) from `entry_states` (or
    NEVER_SAVED), so bulk imports skip the lookup of unchanged entries and the history lookup of new ones.
    """
    if state is not None and state not in STATES:
        raise Invalid.one("state", "%(state)r is not a workflow state (%(states)s)", state=state,
                          states=", ".join(STATES))
    new_hash = entry.content_hash()
    if known is not None and known[0] == new_hash and (state is None or state == known[1]):
        return SaveResult(entry.id, "unchanged", known[2])
    row = s.get(EntryRow, entry.id)
    if row is not None and expected_version is not None and row.version != expected_version:
        raise StaleVersion(entry.id, expected_version, row.version)
    if row is None:
        if expected_version not in (None, 0):
            raise NotFound(N_("There is no entry %(id)r to update."), id=entry.id)
        target_state = state or "draft"
        _require_publishable(entry, target_state)
        # An id used before (then deleted) goes on from its last version: its history stays one history.
        before = known[2] if known is not None else (
            s.scalar(select(func.max(Revision.version)).where(Revision.entry_id == entry.id)) or 0)
        row = EntryRow(id=entry.id, state=target_state, version=before + 1, author_id=author_id)
        _fill(row, entry)
        s.add(row)
        _replace_findings(s, row, entry)
        s.flush()
        embeddings.remember(s, entry)
        _log(s, row, author_id, message or "created", entry.to_dict())
        return SaveResult(entry.id, "added", row.version)
    target_state = state or row.state
    if row.content_hash == new_hash and row.state == target_state:
        return SaveResult(entry.id, "unchanged", row.version)
    _require_publishable(entry, target_state)
    old_hash = row.content_hash
    _fill(row, entry)
    _replace_findings(s, row, entry)
    row.state = target_state
    row.version = next_version(s, row.id)
    row.updated_at = now()
    s.flush()
    if row.content_hash != old_hash:
        embeddings.remember(s, entry)
    _log(s, row, author_id, message or "changed", entry.to_dict())
    return SaveResult(entry.id, "changed", row.version)


def next_version(s: Session, entry_id: str) -> int:
    """The number of an entry's next version: after every revision, including a change awaiting review (or
    one dropped by archiving), so an operator's import or a later edit never reuses a number."""
    return (s.scalar(select(func.max(Revision.version)).where(Revision.entry_id == entry_id)) or 0) + 1


def publish_text(s: Session, row: EntryRow, entry: Entry, version: int) -> None:
    """Make an approved version the public text: the entry row takes it (and its version number, whose
    revision was written when it was saved), and the change log tells the search indexes."""
    _fill(row, entry)
    _replace_findings(s, row, entry)
    row.version = version
    row.updated_at = now()
    s.flush()
    embeddings.remember(s, entry)
    s.add(Change(entry_id=row.id, version=row.version, op="upsert"))


def _require_publishable(entry: Entry, state: str) -> None:
    if state == "published" and not entry.sources:
        raise Invalid.one("sources", N_("an entry needs at least one source before it is published"))


def set_state(s: Session, entry_id: str, state: str, *, expected_version: int | None = None) -> SaveResult:
    """Move an entry to another workflow state. A step is an event (the caller records who took it), not a
    version of the text: the version stays; the change log tells the search indexes."""
    entry, row = get_entry(s, entry_id)
    if expected_version is not None and row.version != expected_version:
        raise StaleVersion(entry_id, expected_version, row.version)
    if state not in STATES:
        raise Invalid.one("state", "%(state)r is not a workflow state (%(states)s)", state=state,
                          states=", ".join(STATES))
    if row.state == state:
        return SaveResult(entry_id, "unchanged", row.version)
    _require_publishable(entry, state)
    row.state = state
    row.updated_at = now()
    if state != "published":  # a change waiting for review was a change to public text; its revision stays
        pending = s.get(PendingVersion, entry_id)
        if pending is not None:
            s.delete(pending)
    s.add(Change(entry_id=entry_id, version=row.version, op="upsert"))
    s.flush()
    return SaveResult(entry_id, "changed", row.version)


def delete_entry(s: Session, entry_id: str, *, author_id: int | None = None,
                 expected_version: int | None = None) -> None:
    row = s.get(EntryRow, entry_id)
    if row is None:
        raise NotFound(N_("There is no entry %(id)r."), id=entry_id)
    if expected_version is not None and row.version != expected_version:
        raise StaleVersion(entry_id, expected_version, row.version)
    row.version += 1
    _log(s, row, author_id, "deleted", None, op="delete")
    s.delete(row)
    s.flush()


def revision_entry(s: Session, entry_id: str, version: int) -> Entry:
    """The text of an earlier version, to restore it (through the caller's edit path)."""
    rev = s.scalar(select(Revision).where(Revision.entry_id == entry_id, Revision.version == version))
    if rev is None or rev.record is None:
        raise NotFound(N_("There is no version %(version)d of %(id)r."), version=version, id=entry_id)
    return validate_entry(rev.record)


def restore_revision(s: Session, entry_id: str, version: int, *, author_id: int | None = None) -> SaveResult:
    """Save an earlier version's text again as the entry's newest version (directly: the web and the API
    restore through pending.edit, so published text waits for review)."""
    return save_entry(s, revision_entry(s, entry_id, version), author_id=author_id,
                      message=f"restored version {version}")


def save_event(s: Session, event: Event) -> str:
    """Insert or update a workshop and its panels; returns added/changed/unchanged."""
    new_hash = event.content_hash()
    row = s.get(EventRow, event.id)
    if row is not None and row.content_hash == new_hash:
        return "unchanged"
    outcome = "added" if row is None else "changed"
    if row is None:
        row = EventRow(id=event.id)
        s.add(row)
    row.title, row.date, row.place, row.organizer = event.title, event.date, event.place, event.organizer
    row.aliases, row.body, row.content_hash, row.updated_at = list(event.aliases), event.body, new_hash, now()
    row.panels = []
    s.flush()  # old panels go before new ones with the same keys arrive
    row.panels = [PanelRow(event_id=event.id, id=p.id, position=i, number=p.number, title=p.title,
                           theme=p.theme, starts=p.starts, ends=p.ends, description=p.description)
                  for i, p in enumerate(event.panels)]
    s.flush()
    return outcome


def all_events(s: Session) -> list[Event]:
    return [row_to_event(r) for r in s.scalars(select(EventRow).order_by(EventRow.date, EventRow.id))]
