"""Case entries, findings, sources and events as plain records, with their one validation.

Files, the web form and the JSON API all hand a mapping to `validate_entry` / `validate_event`: the same
rules and the same messages everywhere (see docs/spec/entry-format.md).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from .config import LANGUAGES
from .errors import FieldError, Invalid
from .taxonomy import Taxonomy
from .taxonomy import load as load_taxonomy

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
PANEL_RE = re.compile(r"^[a-z0-9-]+/[a-z0-9-]+$")
MAX_ERRORS = 50  # problems listed for one record; past it they are only counted (a body of 150,000 junk keys)
MAX_ROW_ID = 2**31 - 1  # the largest value of an integer column (PostgreSQL's int4): a larger id names no row

ENTRY_FIELDS = ("id", "title", "summary", "language", "themes", "topics", "blocs", "countries", "instrument",
                "target_groups", "year_start", "year_end", "status", "superseded_by", "panel", "contributor",
                "verified", "sources", "findings", "body")
CONTRIBUTOR_FIELDS = ("name", "organization")
VERIFIED_FIELDS = ("date", "by")
SOURCE_FIELDS = ("title", "publisher", "year", "url")
FINDING_FIELDS = ("kind", "text", "topics")


def clean_text(value: str) -> tuple[str, str | None]:
    """The one rule for every text of entries and drafts: line ends made `\n`, then valid Unicode (no lone
    surrogate, which no database or hash can store) and no control character but newline and tab.
    Returns (the text, None) or (the text, what is wrong with it)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for char in value:
        if "\ud800" <= char <= "\udfff":
            return value, "is not valid Unicode (a lone surrogate such as \\ud800)"
        if (char < " " and char not in "\n\t") or "\x7f" <= char <= "\x9f":
            name = "a NUL character" if char == "\x00" else f"the control character U+{ord(char):04X}"
            return value, f"contains {name}; text may hold any character but control characters (newline and " \
                          "tab are fine)"
    return value, None


def whole_number(text: object, limit: int) -> int | None:
    """`text` as a whole number when it is 1–18 ASCII digits no larger than `limit`, else None. Ids, versions and
    years are ASCII digits: `str.isdigit` also accepts `²` (which int() refuses) and `١` (which it reads as 1)."""
    if not isinstance(text, str) or not (0 < len(text) <= 18 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= limit else None


class ValidationError(Invalid, ValueError):
    """Every problem of one record (422 on the web); `where` names its file for `check`'s lines."""

    def __init__(self, errors: list[FieldError], where: str | None = None):
        self.where = where
        super().__init__(errors, "The entry is not valid: %(problems)s")

    def __str__(self) -> str:
        return "\n".join(self.messages())

    def messages(self) -> list[str]:
        return [e.format(self.where) for e in self.errors]


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


# -- validation ------------------------------------------------------------------------------------
class _Checker:
    """Collects every error of one record instead of stopping at the first."""

    def __init__(self, data: dict, lines: dict[str, int] | None, taxonomy: Taxonomy):
        self.data = data
        self.lines = lines or {}
        self.tax = taxonomy
        self.errors: list[FieldError] = []
        self.unlisted = 0  # problems past MAX_ERRORS

    def error(self, path: str, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.unlisted += 1
            return
        line = self.lines.get(path)
        if line is None:  # fall back to the line of the enclosing field
            line = self.lines.get(re.split(r"[.\[]", path, maxsplit=1)[0])
        self.errors.append(FieldError(path, message, line))

    def text(self, path: str, value: Any, *, required: bool, limit: int, single_line: bool = False) -> str | None:
        if value is None or value == "":
            if required:
                self.error(path, "is required")
            return None
        if isinstance(value, (int, float, datetime.date)) and not isinstance(value, bool):
            value = str(value)  # YAML read `title: 2011` as a number; the author meant text
        if not isinstance(value, str):
            self.error(path, f"must be text, not {_kind(value)}")
            return None
        value = value.strip()
        if not value and required:
            self.error(path, "is required")
            return None
        if len(value) > limit:
            self.error(path, f"is {len(value):,} characters long; the limit is {limit:,}")
            return None
        value, fault = clean_text(value)
        if fault:
            self.error(path, fault)
            return None
        if single_line:
            value = " ".join(value.split())
        return value or None

    def ids(self, path: str, value: Any, vocabulary: str, *, minimum: int = 0) -> tuple[str, ...]:
        if value is None:
            value = []
        if isinstance(value, str):
            value = [value]  # a lone value where a list is expected is an easy slip; accept it
        if not isinstance(value, list):
            self.error(path, f"must be a list, not {_kind(value)}")
            return ()
        out: list[str] = []
        for i, item in enumerate(value):
            here = f"{path}[{i}]"
            canonical = self.term(here if len(value) > 1 else path, item, vocabulary)
            if canonical and canonical not in out:
                out.append(canonical)
            elif canonical:
                self.error(path, f"{canonical!r} is listed twice")
        if len(out) < minimum and not any(e.field.startswith(path) for e in self.errors):
            self.error(path, f"needs at least {minimum} value" + ("s" if minimum > 1 else ""))
        return tuple(out)

    def term(self, path: str, value: Any, vocabulary: str) -> str | None:
        noun = {"theme": "a theme", "topic": "a topic", "target_group": "a target group",
                "instrument": "an instrument", "bloc": "a bloc", "country": "a country code",
                "finding_kind": "a finding kind"}[vocabulary]
        if not isinstance(value, str) or not value.strip():
            self.error(path, f"{value!r} is not {noun}")
            return None
        value = value.strip()
        if vocabulary == "bloc":
            found = self.tax.canonical_bloc(value)
        elif vocabulary == "country":
            found = value if value in self.tax.countries else None
        else:
            found = value if value in self.tax.terms(vocabulary) else None
        if found:
            return found
        hint = self.tax.suggest(vocabulary, value)
        self.error(path, f"{value!r} is not {noun}" + (f" (did you mean {hint!r}?)" if hint else ""))
        return None

    def year(self, path: str, value: Any) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            number = whole_number(value.strip(), 99_999) if isinstance(value, str) else None
            if number is None:
                self.error(path, f"must be a year such as 2004, not {value!r}")
                return None
            value = number
        if not YEAR_MIN <= value <= YEAR_MAX:
            self.error(path, f"{value} is not a plausible year ({YEAR_MIN}–{YEAR_MAX})")
            return None
        return value

    def raise_if_any(self) -> None:
        if self.unlisted:
            self.errors.append(FieldError("", f"and {self.unlisted:,} more problems, not listed"))
        if self.errors:
            raise ValidationError(self.errors)

    def unknown_fields(self, allowed: tuple[str, ...], data: dict, prefix: str = "") -> None:
        import difflib

        for key in data:
            if key in allowed:
                continue
            if len(self.errors) >= MAX_ERRORS:  # only counted from here: no close-match search for each
                self.unlisted += 1
            else:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(f"{prefix}{key}", f"is not a field of this format{hint}")


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number",
            float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)


def validate_entry(data: Any, *, expected_id: str | None = None, lines: dict[str, int] | None = None,
                   known_panels: set[str] | None = None, taxonomy: Taxonomy | None = None) -> Entry:
    """Turn untrusted data into an Entry, or raise ValidationError listing every problem.

    `expected_id` is the file stem (or URL id) the record must carry; `known_panels` the `event/panel`
    references that exist (None skips that check, e.g. when no event is known yet).
    """
    tax = taxonomy or load_taxonomy()
    if not isinstance(data, dict):
        raise ValidationError([FieldError("", f"an entry must be a mapping of fields, not {_kind(data)}")])
    c = _Checker(data, lines, tax)
    c.unknown_fields(ENTRY_FIELDS, data)

    entry_id = data.get("id", expected_id)
    if entry_id is None:
        c.error("id", "is required")
    elif not isinstance(entry_id, str) or not ID_RE.match(entry_id) or len(entry_id) > MAX_ID:
        c.error("id", f"{entry_id!r} must be lower-case letters and digits joined by single hyphens, "
                      f"at most {MAX_ID} characters")
        entry_id = None
    elif expected_id is not None and entry_id != expected_id:
        c.error("id", f"{entry_id!r} does not match the file name {expected_id!r}")

    title = c.text("title", data.get("title"), required=True, limit=MAX_TITLE, single_line=True)
    summary = c.text("summary", data.get("summary"), required=True, limit=MAX_SUMMARY, single_line=True)
    language = data.get("language")
    if language not in LANGUAGES:
        c.error("language", f"{language!r} is not one of {', '.join(LANGUAGES)}")

    themes = c.ids("themes", data.get("themes"), "theme", minimum=1)
    topics = c.ids("topics", data.get("topics"), "topic")
    blocs = c.ids("blocs", data.get("blocs"), "bloc")
    countries = c.ids("countries", data.get("countries"), "country", minimum=1)
    target_groups = c.ids("target_groups", data.get("target_groups"), "target_group")
    instrument = None
    if data.get("instrument") not in (None, ""):
        instrument = c.term("instrument", data["instrument"], "instrument")

    year_start = c.year("year_start", data.get("year_start"))
    year_end = c.year("year_end", data.get("year_end"))
    if year_start and year_end and year_end < year_start:
        c.error("year_end", f"{year_end} is before year_start {year_start}")

    status = data.get("status")
    if status in (None, ""):
        status = None
    elif status not in STATUSES:
        c.error("status", f"{status!r} is not one of {', '.join(STATUSES)}")
        status = None

    superseded_by = data.get("superseded_by")
    if superseded_by in (None, ""):
        superseded_by = None
    elif not isinstance(superseded_by, str) or not ID_RE.match(superseded_by) or len(superseded_by) > MAX_ID:
        c.error("superseded_by", f"{superseded_by!r} must be the id of the entry that replaced this one")
        superseded_by = None
    elif superseded_by == entry_id:
        c.error("superseded_by", "an entry cannot replace itself")
        superseded_by = None
    verified = _verified(c, data.get("verified"))

    panel = data.get("panel")
    if panel in (None, ""):
        panel = None
    elif not isinstance(panel, str) or not PANEL_RE.match(panel):
        c.error("panel", f"{panel!r} must be '<event id>/<panel id>', e.g. 'oas-2011-bilateral-cooperation/protection'")
        panel = None
    elif known_panels is not None and panel not in known_panels:
        c.error("panel", f"{panel!r} is not a panel of any known event")

    contributor = None
    raw = data.get("contributor")
    if raw not in (None, ""):
        if not isinstance(raw, dict):
            c.error("contributor", "must be a mapping such as {name: ..., organization: ...}")
        else:
            c.unknown_fields(CONTRIBUTOR_FIELDS, raw, "contributor.")
            contributor = Contributor(
                name=c.text("contributor.name", raw.get("name"), required=False, limit=MAX_NAME,
                            single_line=True),
                organization=c.text("contributor.organization", raw.get("organization"), required=False,
                                    limit=MAX_ORGANIZATION, single_line=True))

    sources = _sources(c, data.get("sources"))
    findings = _findings(c, data.get("findings"))

    body, fault = data.get("body") or "", None
    if isinstance(body, str):
        body, fault = clean_text(body)
    if not isinstance(body, str):
        c.error("body", f"must be Markdown text, not {_kind(body)}")
        body = ""
    elif len(body) > MAX_BODY:
        c.error("body", f"is {len(body):,} characters long; the limit is {MAX_BODY:,}")
        body = ""
    elif fault:
        c.error("body", fault)

    c.raise_if_any()
    return Entry(id=entry_id, title=title, summary=summary, language=language, themes=themes, topics=topics,
                 blocs=blocs, countries=countries, instrument=instrument, target_groups=target_groups,
                 year_start=year_start, year_end=year_end, status=status, superseded_by=superseded_by,
                 panel=panel,
                 contributor=contributor if contributor and (contributor.name or contributor.organization) else None,
                 verified=verified, sources=sources, findings=findings,
                 body=body.strip("\n") + "\n" if body.strip() else "")


def _verified(c: _Checker, raw: Any) -> Verified | None:
    """`verified: 2026-12-01` or `verified: {date: 2026-12-01, by: ...}`; a date in the future is a slip."""
    if raw in (None, ""):
        return None
    by = None
    if isinstance(raw, dict):
        c.unknown_fields(VERIFIED_FIELDS, raw, "verified.")
        by = c.text("verified.by", raw.get("by"), required=False, limit=200, single_line=True)
        raw = raw.get("date")
        path = "verified.date"
    else:
        path = "verified"
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    text = raw.isoformat() if isinstance(raw, datetime.date) else raw
    try:
        day = datetime.date.fromisoformat(text) if isinstance(text, str) and DATE_RE.match(text) else None
    except ValueError:
        day = None
    if day is None:
        c.error(path, f"{text!r} must be a date such as 2026-12-01")
        return None
    if day > datetime.date.today() + datetime.timedelta(days=1):
        c.error(path, f"{text} is in the future")
        return None
    return Verified(date=day.isoformat(), by=by)


def _sources(c: _Checker, raw: Any) -> tuple[Source, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        c.error("sources", f"must be a list of {{title, publisher, year, url}}, not {_kind(raw)}")
        return ()
    out = []
    for i, item in enumerate(raw):
        path = f"sources[{i}]"
        if not isinstance(item, dict):
            c.error(path, "must be a mapping such as {title: ..., publisher: ..., year: ..., url: ...}")
            continue
        c.unknown_fields(SOURCE_FIELDS, item, f"{path}.")
        title = c.text(f"{path}.title", item.get("title"), required=True, limit=MAX_SOURCE_TITLE, single_line=True)
        publisher = c.text(f"{path}.publisher", item.get("publisher"), required=False, limit=MAX_PUBLISHER,
                           single_line=True)
        year = c.year(f"{path}.year", item.get("year"))
        url = item.get("url")
        if url in (None, ""):
            url = None
        elif not isinstance(url, str) or not URL_RE.match(url.strip()) or len(url) > MAX_URL:
            c.error(f"{path}.url", f"{url!r} is not an http(s) address")
            url = None
        if title:
            out.append(Source(title=title, publisher=publisher, year=year, url=url.strip() if url else None))
    return tuple(out)


def _findings(c: _Checker, raw: Any) -> tuple[Finding, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        c.error("findings", f"must be a list of {{kind, text, topics}}, not {_kind(raw)}")
        return ()
    out = []
    for i, item in enumerate(raw):
        path = f"findings[{i}]"
        if not isinstance(item, dict):
            c.error(path, "must be a mapping such as {kind: strength, text: ...}")
            continue
        c.unknown_fields(FINDING_FIELDS, item, f"{path}.")
        kind = item.get("kind")
        if kind not in FINDING_KINDS:
            c.error(f"{path}.kind", f"{kind!r} is not one of {', '.join(FINDING_KINDS)}")
        text = c.text(f"{path}.text", item.get("text"), required=True, limit=MAX_FINDING, single_line=True)
        topics = c.ids(f"{path}.topics", item.get("topics"), "topic")
        if kind in FINDING_KINDS and text:
            out.append(Finding(kind=kind, text=text, topics=topics))
    return tuple(out)


def validate_event(data: Any, *, expected_id: str | None = None, lines: dict[str, int] | None = None,
                   taxonomy: Taxonomy | None = None) -> Event:
    tax = taxonomy or load_taxonomy()
    if not isinstance(data, dict):
        raise ValidationError([FieldError("", f"an event must be a mapping of fields, not {_kind(data)}")])
    c = _Checker(data, lines, tax)
    c.unknown_fields(("id", "title", "date", "place", "organizer", "aliases", "panels", "body"), data)
    event_id = data.get("id", expected_id)
    if not isinstance(event_id, str) or not ID_RE.match(event_id) or len(event_id) > MAX_ID:
        c.error("id", f"{event_id!r} must be lower-case letters and digits joined by single hyphens")
    elif expected_id is not None and event_id != expected_id:
        c.error("id", f"{event_id!r} does not match the file name {expected_id!r}")
    title = c.text("title", data.get("title"), required=True, limit=MAX_TITLE, single_line=True)
    date = data.get("date")
    if date is not None:
        date = str(date)
        if not DATE_RE.match(date):
            c.error("date", f"{date!r} must be a date such as 2011-04-12")
    place = c.text("place", data.get("place"), required=False, limit=300, single_line=True)
    organizer = c.text("organizer", data.get("organizer"), required=False, limit=300, single_line=True)
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) and ID_RE.match(a) for a in aliases):
        c.error("aliases", "must be a list of ids")
        aliases = []
    panels = []
    raw_panels = data.get("panels") or []
    if not isinstance(raw_panels, list):
        c.error("panels", "must be a list")
        raw_panels = []
    seen = set()
    for i, p in enumerate(raw_panels):
        path = f"panels[{i}]"
        if not isinstance(p, dict):
            c.error(path, "must be a mapping with id, number, title, theme, starts, ends, description")
            continue
        c.unknown_fields(("id", "number", "title", "theme", "starts", "ends", "description"), p, f"{path}.")
        pid = p.get("id")
        if not isinstance(pid, str) or not ID_RE.match(pid):
            c.error(f"{path}.id", f"{pid!r} must be lower-case letters and digits joined by hyphens")
        elif pid in seen:
            c.error(f"{path}.id", f"{pid!r} is used by two panels")
        seen.add(pid)
        ptitle = c.text(f"{path}.title", p.get("title"), required=True, limit=MAX_TITLE, single_line=True)
        theme = p.get("theme")
        theme = c.term(f"{path}.theme", theme, "theme") if theme not in (None, "") else None
        times = {}
        for key in ("starts", "ends"):
            value = p.get(key)
            if value not in (None, "") and not (isinstance(value, str) and TIME_RE.match(value)):
                c.error(f"{path}.{key}", f"{value!r} must be a time such as 09:30 (quote it in YAML)")
                value = None
            times[key] = value or None
        number = p.get("number")
        description = p.get("description") or ""
        if not isinstance(description, str):
            c.error(f"{path}.description", "must be Markdown text")
            description = ""
        if isinstance(pid, str) and ptitle:
            panels.append(Panel(id=pid, title=ptitle, number=str(number) if number not in (None, "") else None,
                                theme=theme, starts=times["starts"], ends=times["ends"],
                                description=description.strip()))
    body = data.get("body") or ""
    if not isinstance(body, str) or len(body) > MAX_BODY:
        c.error("body", "must be Markdown text of at most 200,000 characters")
        body = ""
    c.raise_if_any()
    return Event(id=event_id, title=title, date=date, place=place, organizer=organizer, aliases=tuple(aliases),
                 panels=tuple(panels), body=body.strip("\n") + "\n" if body.strip() else "")


def panel_refs(events) -> set[str]:
    """Every `event/panel` reference the given events offer, aliases of the event included."""
    refs = set()
    for ev in events:
        for name in (ev.id, *ev.aliases):
            refs.update(f"{name}/{p.id}" for p in ev.panels)
    return refs
