"""The entry format's records: case entries, findings, sources and events as frozen dataclasses, with the
fields and limits of the format (docs/spec/entry-format.md). `validation` makes them from untrusted data."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\Z")  # \Z: "$" would let a final newline through
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.I)
STATUSES = ("active", "completed", "planned", "unknown")
FINDING_KINDS = ("strength", "difficulty", "lesson", "recommendation")
MAX_ID, MAX_TITLE, MAX_SUMMARY, MAX_FINDING = 80, 300, 600, 1500
MAX_BODY = 200_000  # characters; a case entry is a few pages, not a book
MAX_NAME, MAX_ORGANIZATION, MAX_SOURCE_TITLE, MAX_PUBLISHER, MAX_URL = 200, 300, 500, 300, 2000
YEAR_MIN, YEAR_MAX = 1800, 2100
MAX_ERRORS = 50  # problems listed for one record; past it they are only counted (a body of 150,000 junk keys)
MAX_ROW_ID = 2**31 - 1  # the largest value of an integer column (PostgreSQL's int4): a larger id names no row
PANEL_RE = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+$")

ENTRY_FIELDS = ("id", "title", "summary", "language", "themes", "topics", "blocs", "countries", "instrument",
                "target_groups", "year_start", "year_end", "status", "superseded_by", "panel", "contributor",
                "verified", "sources", "findings", "body")
CONTRIBUTOR_FIELDS = ("name", "organization")
VERIFIED_FIELDS = ("date", "by")
SOURCE_FIELDS = ("title", "publisher", "year", "url")
FINDING_FIELDS = ("kind", "text", "topics")


@dataclass(frozen=True)
class Source:
    title: str
    publisher: str | None = None
    year: int | None = None
    url: str | None = None


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contributor:
    name: str | None = None
    organization: str | None = None


@dataclass(frozen=True)
class Verified:
    """When an entry's facts were last checked against its sources, and optionally by whom."""

    date: str  # ISO date, YYYY-MM-DD
    by: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    summary: str
    language: str
    themes: tuple[str, ...]
    countries: tuple[str, ...]
    topics: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()
    instrument: str | None = None
    target_groups: tuple[str, ...] = ()
    year_start: int | None = None
    year_end: int | None = None
    status: str | None = None
    superseded_by: str | None = None  # the id of the entry that replaced this practice
    panel: str | None = None
    contributor: Contributor | None = None
    verified: Verified | None = None
    sources: tuple[Source, ...] = ()
    findings: tuple[Finding, ...] = ()
    body: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, with the field names of the entry format."""
        data = asdict(self)
        for key, value in list(data.items()):
            if isinstance(value, tuple):
                data[key] = list(value)
        data["findings"] = [{**f, "topics": list(f["topics"])} for f in data["findings"]]
        return data

    def content_hash(self) -> str:
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    number: str | None = None
    theme: str | None = None
    starts: str | None = None
    ends: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Event:
    id: str
    title: str
    date: str | None = None
    place: str | None = None
    organizer: str | None = None
    aliases: tuple[str, ...] = ()
    panels: tuple[Panel, ...] = ()
    body: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["aliases"] = list(self.aliases)
        data["panels"] = [asdict(p) for p in self.panels]
        return data

    def content_hash(self) -> str:
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def panel_refs(events) -> set[str]:
    """Every `event/panel` reference the given events offer, aliases of the event included."""
    refs = set()
    for ev in events:
        for name in (ev.id, *ev.aliases):
            refs.update(f"{name}/{p.id}" for p in ev.panels)
    return refs
