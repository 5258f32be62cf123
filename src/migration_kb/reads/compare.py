"""Practices side by side: two to four published entries, their aligned facts and which of them differ."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import N_, BadRequest
from ..records import FINDING_KINDS, ID_RE, Entry
from ..store import published_entries
from .entries import EntryLink, published_link

MAX_COMPARED = 4
# The rows of the comparison, in order: (row key, the entry's values for it).
ROWS = ("parties", "instrument", "years", "status", "themes", "topics", "target_groups", "blocs", "sources")


@dataclass(frozen=True)
class Row:
    key: str
    values: list[tuple]  # one tuple of values per practice, in the practices' order
    differs: bool


@dataclass(frozen=True)
class Comparison:
    entries: list[Entry]
    rows: list[Row]
    findings: dict[str, list[list[str]]]  # kind -> per practice, its findings of that kind
    successors: dict[str, EntryLink]


def wanted_ids(values: list[str]) -> list[str]:
    """The ids asked for, from `ids=a,b,c` or `ids=a&ids=b` (or both), in order, each once."""
    out = [part.strip() for v in values for part in v.split(",")]
    return list(dict.fromkeys(p for p in out if p))


def _values(entry: Entry, key: str) -> tuple:
    if key == "parties":
        return entry.countries
    if key == "years":
        return (entry.year_start, entry.year_end)
    if key == "status":
        return (entry.status, entry.superseded_by)
    if key == "sources":
        return tuple(s.title for s in entry.sources)
    value = getattr(entry, key)
    return value if isinstance(value, tuple) else ((value,) if value else ())


def compare(s: Session, ids: list[str]) -> Comparison:
    """The comparison of these published practices; BadRequest naming the ids that name none, or when more
    than MAX_COMPARED are asked for."""
    if len(ids) > MAX_COMPARED:
        raise BadRequest(N_("At most %(max)d practices can be compared side by side; %(n)d were chosen. "
                            "Remove %(extra)d from the list."), field="ids", max=MAX_COMPARED, n=len(ids),
                         extra=len(ids) - MAX_COMPARED)
    valid = [i for i in ids if len(i) <= 80 and ID_RE.match(i)]
    found = {e.id: e for e, _, _ in published_entries(s, valid)} if valid else {}
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise BadRequest(N_("No published practice has the id %(ids)s."), field="ids",
                         ids=", ".join(repr(i[:80]) for i in unknown))
    entries = [found[i] for i in ids]
    rows = []
    for key in ROWS:
        values = [_values(e, key) for e in entries]
        rows.append(Row(key, values, len(entries) > 1 and len({tuple(sorted(map(str, v))) for v in values}) > 1))
    findings = {kind: [[f.text for f in e.findings if f.kind == kind] for e in entries] for kind in FINDING_KINDS}
    successors = {}
    for e in entries:
        link = published_link(s, e.superseded_by) if e.superseded_by else None
        if link is not None:
            successors[e.id] = link
    return Comparison(entries, rows, {k: v for k, v in findings.items() if any(v)}, successors)
