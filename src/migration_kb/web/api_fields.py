"""The fields GET /api/v1/entries/<id> adds to an entry's own, and checking them when a client sends them back.

A REST client reads an entry, changes a field and PUTs the same JSON back, so the read-only fields are
accepted, checked and set aside: `version` and `updated_at` must be the stored ones (409 otherwise, as
`If-Match`); `state` and `created_at` must hold their stored values (422 naming the field otherwise: the
state changes through the workflow); a finding's `id` must be one of this entry's finding ids (`<entry id>:<n>`;
a finding's id is its position, so ids never reorder findings).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..errors import BadRequest, Conflict, FieldError, Invalid
from ..records import Entry, ValidationError, validate_entry
from ..store import StaleVersion

if TYPE_CHECKING:
    from ..reads.entries import EntryInfo

READ_ONLY = ("state", "version", "created_at", "updated_at")
FINDING_ID_RE = re.compile(r"^(?P<entry>[a-z0-9-]{1,80}):(?P<n>[1-9][0-9]{0,5})$", re.ASCII)


def entry_from_json(data: dict, entry_id: str | None, row: EntryInfo | None,
                    known_panels: set[str], latest: int | None = None) -> tuple[Entry, int | None]:
    """The entry a client sent (`row`: the stored one, None for a new one), and the `version` it edited if
    it sent one (`latest`: the version edits start from, when a change awaits review). Raises Invalid listing
    every problem, the read-only fields' and the validator's together."""
    version, errors = _take_read_only(data, entry_id, row, latest)
    try:
        entry = validate_entry(data, expected_id=entry_id, known_panels=known_panels)
    except ValidationError as exc:
        raise Invalid(errors + exc.errors, exc.template) from None
    if errors:
        raise Invalid(errors, "The entry is not valid: %(problems)s")
    return entry, version


def _take_read_only(data: dict, entry_id: str | None, row: EntryInfo | None,
                    latest: int | None = None) -> tuple[int | None, list[FieldError]]:
    """Remove the read-only fields from `data` (in place) and check them against the stored entry."""
    sent = {k: data.pop(k) for k in READ_ONLY if k in data}
    version = sent.get("version")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise BadRequest("version: must be the whole number of the version you edited", field="version")
    current = latest if latest is not None else row.version if row is not None else None
    if row is not None and version is not None and version != current:
        raise StaleVersion(row.id, version, current)  # the other fields differ then too: say why once
    if row is not None and sent.get("updated_at") is not None and not _same_time(sent["updated_at"], row.updated_at):
        raise Conflict("%(id)s was changed by someone else since %(seen)s", field="updated_at", id=row.id,
                       seen=str(sent["updated_at"])[:40])
    errors: list[FieldError] = []
    state = sent.get("state")
    if state is not None and state != (row.state if row is not None else "draft"):
        errors.append(FieldError("state", f"is {row.state if row is not None else 'draft'} (read-only): a state "
                                          "changes through review, e.g. POST /api/v1/entries/<id>/publish"))
    for name in ("created_at", "updated_at") if row is None else ("created_at",):
        if sent.get(name) is not None and not _same_time(sent[name], getattr(row, name) if row else None):
            errors.append(FieldError(name, "is read-only: send the value GET gave, or leave it out"))
    errors += _finding_ids(data.get("findings"), data.get("id", entry_id))
    return version, errors


def _finding_ids(findings, entry_id) -> list[FieldError]:
    if not isinstance(findings, list):
        return []  # the validator says what is wrong with the list itself
    errors = []
    for i, finding in enumerate(findings):
        if not isinstance(finding, dict) or "id" not in finding:
            continue
        found = finding.pop("id")
        m = FINDING_ID_RE.match(found) if isinstance(found, str) else None
        if found is not None and (m is None or m["entry"] != entry_id):
            errors.append(FieldError(f"findings[{i}].id", f"{str(found)[:100]!r} is not a finding id of this entry "
                                                          "(read-only; leave it out for a new finding)"))
    return errors


def _same_time(sent, stored: datetime | None) -> bool:
    """Whether a sent timestamp is the stored one (written as GET wrote it, or as any ISO 8601 reader would);
    a new entry has none, so any well-formed time is set aside."""
    if not isinstance(sent, str):
        return False
    try:
        when = datetime.fromisoformat(sent)
    except ValueError:
        return False
    if stored is None:
        return True
    if (when.tzinfo is None) != (stored.tzinfo is None):  # SQLite keeps naive UTC, PostgreSQL aware
        when, stored = (t.astimezone(UTC).replace(tzinfo=None) if t.tzinfo else t for t in (when, stored))
    return when == stored
