"""The entry format's records: case entries, findings, sources and events as frozen dataclasses, with the
fields and limits of the format (docs/spec/entry-format.md). `validation` makes them from untrusted data."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace
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
                "verified", "sources", "findings", "body", "focal_point")
CONTRIBUTOR_FIELDS = ("name", "organization")
FOCAL_POINT_FIELDS = ("name", "institution", "role", "email")
MAX_EMAIL = 254
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
class FocalPoint:
    """Whom to contact about the practice (horizontal cooperation). The e-mail address is never shown or
    answered: messages reach it through the server's contact form, and only `export --with-focal-emails`
    writes it out."""

    name: str
    institution: str | None = None
    role: str | None = None
    email: str | None = None


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
    focal_point: FocalPoint | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON-ready data, with the field names of the entry format (`focal_point` only
        when there is one, so an entry without one keeps its content hash)."""
        data = asdict(self)
        if data["focal_point"] is None:
            del data["focal_point"]
        for key, value in list(data.items()):
            if isinstance(value, tuple):
                data[key] = list(value)
        data["findings"] = [{**f, "topics": list(f["topics"])} for f in data["findings"]]
        return data

    def content_hash(self) -> str:
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def keeping_email_of(self, stored: Entry | None, remove: bool = False) -> Entry:
        """A form or API client never sees the focal point's address, so it sends none: the stored one stays
        (unless `remove`, or a new address was given, or the focal point itself was removed)."""
        if (self.focal_point is None or self.focal_point.email or remove or stored is None
                or stored.focal_point is None or not stored.focal_point.email):
            return self
        return replace(self, focal_point=replace(self.focal_point, email=stored.focal_point.email))

    def public(self) -> Entry:
        """The entry as anyone may read it: its focal point without the e-mail address. Every page, API answer,
        download and export (without the explicit flag) goes through this."""
        if self.focal_point is None or self.focal_point.email is None:
            return self
        return replace(self, focal_point=replace(self.focal_point, email=None))


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
