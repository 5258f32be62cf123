"""The two-person rule for published text: an expert's change to a published entry is a pending version.

The entry row keeps the approved text, so the public pages, the search (it indexes entry rows) and the API's
public reads show it until a second person approves the pending version (workflow.act "approve", naming
the version read). Experts see the pending version, its revision and its diff. Drafts, entries in review
and archived entries are not public: an edit changes them at once. An operator's `migration-kb import`
publishes directly (importer.py), as it always did.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .errors import N_, Invalid
from .models import EntryRow, PendingVersion, Revision, now
from .records import Entry, validate_entry
from .store import SaveResult, StaleVersion, next_version, publish_text, row_to_entry, save_entry


def pending_of(s: Session, entry_id: str) -> PendingVersion | None:
    return s.get(PendingVersion, entry_id)


def latest_version(s: Session, row: EntryRow) -> int:
    """The version an editor or a reviewer works on: the pending one, else the entry's."""
    pending = pending_of(s, row.id)
    return pending.version if pending else row.version


def latest_entry(s: Session, row: EntryRow, entry: Entry) -> Entry:
    """The text experts edit: the pending version when there is one, else `entry` (the row's)."""
    pending = pending_of(s, row.id)
    return validate_entry(pending.record) if pending else entry


def edit(s: Session, entry: Entry, *, author_id: int | None, message: str,
         expected_version: int | None = None, minor: bool = False) -> SaveResult:
    """An expert's save (the editor, the API's PUT, restoring a revision). Outcome "pending" when the
    change waits for review; "unchanged" writes nothing. The entry's author (its creator) stays; each
    version's revision records who wrote it."""
    row = s.get(EntryRow, entry.id)
    if row is None or row.state != "published":
        return save_entry(s, entry, author_id=author_id, message=message, expected_version=expected_version)
    pending = pending_of(s, row.id)
    latest = pending.version if pending else row.version
    if expected_version is not None and expected_version != latest:
        raise StaleVersion(entry.id, expected_version, latest)
    record = entry.to_dict()
    if record == (pending.record if pending else row_to_entry(row).to_dict()):
        return SaveResult(entry.id, "unchanged", latest)
    if not entry.sources:
        raise Invalid.one("sources", N_("an entry needs at least one source before it is published"))
    version = next_version(s, entry.id)
    s.add(Revision(entry_id=entry.id, version=version, state="review", record=record, author_id=author_id,
                   message=message))
    if pending is None:
        pending = PendingVersion(entry_id=entry.id)
        s.add(pending)
    pending.version, pending.record, pending.author_id, pending.minor = version, record, author_id, minor
    pending.created_at = now()
    s.flush()
    return SaveResult(entry.id, "pending", version)


def approve(s: Session, row: EntryRow) -> SaveResult:
    """The pending version becomes the public text (the caller checked who approves, and which version)."""
    pending = pending_of(s, row.id)
    publish_text(s, row, validate_entry(pending.record), pending.version)
    s.delete(pending)
    s.flush()
    return SaveResult(row.id, "changed", row.version)
