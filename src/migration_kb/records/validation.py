"""The one validation: files, the web form and the JSON API all hand a mapping to `validate_entry` /
`validate_event` and get a record or a ValidationError listing every problem: the same rules and the same
messages everywhere (see docs/spec/entry-format.md)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from ..config import LANGUAGES
from ..errors import FieldError, Invalid
from ..taxonomy import Taxonomy
from ..taxonomy import load as load_taxonomy
from .checker import Checker, kind_of
from .format import (
    CONTRIBUTOR_FIELDS,
    DATE_RE,
    ENTRY_FIELDS,
    FINDING_FIELDS,
    FINDING_KINDS,
    FOCAL_POINT_FIELDS,
    ID_RE,
    MAX_BODY,
    MAX_EMAIL,
    MAX_FINDING,
    MAX_ID,
    MAX_NAME,
    MAX_ORGANIZATION,
    MAX_PUBLISHER,
    MAX_SOURCE_TITLE,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_URL,
    PANEL_RE,
    SOURCE_FIELDS,
    STATUSES,
    TIME_RE,
    URL_RE,
    VERIFIED_FIELDS,
    Contributor,
    Entry,
    Event,
    Finding,
    FocalPoint,
    Panel,
    Source,
    Verified,
)
from .text import clean_text


class ValidationError(Invalid, ValueError):
    """Every problem of one record (422 on the web); `where` names its file for `check`'s lines."""

    def __init__(self, errors: list[FieldError], where: str | None = None):
        self.where = where
        super().__init__(errors, "The entry is not valid: %(problems)s")

    def __str__(self) -> str:
        return "\n".join(self.messages())

    def messages(self) -> list[str]:
        return [e.format(self.where) for e in self.errors]


def validate_entry(data: Any, *, expected_id: str | None = None, lines: dict[str, int] | None = None,
                   known_panels: set[str] | None = None, taxonomy: Taxonomy | None = None) -> Entry:
    """Turn untrusted data into an Entry, or raise ValidationError listing every problem.

    `expected_id` is the file stem (or URL id) the record must carry; `known_panels` the `event/panel`
    references that exist (None skips that check, e.g. when no event is known yet).
    """
    tax = taxonomy or load_taxonomy()
    if not isinstance(data, dict):
        raise ValidationError([FieldError("", f"an entry must be a mapping of fields, not {kind_of(data)}")])
    c = Checker(data, lines, tax)
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

    focal_point = _focal_point(c, data.get("focal_point"))
    sources = _sources(c, data.get("sources"))
    findings = _findings(c, data.get("findings"))

    body, fault = data.get("body") or "", None
    if isinstance(body, str):
        body, fault = clean_text(body)
    if not isinstance(body, str):
        c.error("body", f"must be Markdown text, not {kind_of(body)}")
        body = ""
    elif len(body) > MAX_BODY:
        c.error("body", f"is {len(body):,} characters long; the limit is {MAX_BODY:,}")
        body = ""
    elif fault:
        c.error("body", fault)

    if c.found():
        raise ValidationError(c.found())
    return Entry(id=entry_id, title=title, summary=summary, language=language, themes=themes, topics=topics,
                 blocs=blocs, countries=countries, instrument=instrument, target_groups=target_groups,
                 year_start=year_start, year_end=year_end, status=status, superseded_by=superseded_by,
                 panel=panel,
                 contributor=contributor if contributor and (contributor.name or contributor.organization) else None,
                 verified=verified, sources=sources, findings=findings,
                 body=body.strip("\n") + "\n" if body.strip() else "", focal_point=focal_point)


# One @, a dot in the domain, no spaces or control characters (as accounts.EMAIL_RE): whether it works is
# for the focal point's reply to prove.
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f<>,;\"]{1,64}@[^@\s\x00-\x1f\x7f<>,;\"]+\.[^@\s\x00-\x1f\x7f<>,;\".]+$")


def _focal_point(c: Checker, raw: Any) -> FocalPoint | None:
    """`focal_point: {name, institution, role, email}`: whom to contact about the practice (name required)."""
    if raw in (None, ""):
        return None
    if not isinstance(raw, dict):
        c.error("focal_point", "must be a mapping such as {name: ..., institution: ..., role: ..., email: ...}")
        return None
    c.unknown_fields(FOCAL_POINT_FIELDS, raw, "focal_point.")
    name = c.text("focal_point.name", raw.get("name"), required=True, limit=MAX_NAME, single_line=True)
    institution = c.text("focal_point.institution", raw.get("institution"), required=False,
                         limit=MAX_ORGANIZATION, single_line=True)
    role = c.text("focal_point.role", raw.get("role"), required=False, limit=MAX_NAME, single_line=True)
    email = raw.get("email")
    if email in (None, ""):
        email = None
    elif not isinstance(email, str) or len(email) > MAX_EMAIL or not EMAIL_RE.match(email.strip()):
        c.error("focal_point.email", "is not an e-mail address (name@example.org)")  # never echo the address
        email = None
    else:
        email = email.strip()
    return FocalPoint(name or "", institution or None, role or None, email) if name else None


def _verified(c: Checker, raw: Any) -> Verified | None:
    """`verified: 2026-12-01` or `verified: {date: 2026-12-01, by: ...}`; a date in the future is a slip."""
    if raw in (None, ""):
        return None
    by = None
    if isinstance(raw, dict):
        c.unknown_fields(VERIFIED_FIELDS, raw, "verified.")
        by = c.text("verified.by", raw.get("by"), required=False, limit=MAX_NAME, single_line=True)
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


def _sources(c: Checker, raw: Any) -> tuple[Source, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        c.error("sources", f"must be a list of {{title, publisher, year, url}}, not {kind_of(raw)}")
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


def _findings(c: Checker, raw: Any) -> tuple[Finding, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        c.error("findings", f"must be a list of {{kind, text, topics}}, not {kind_of(raw)}")
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
        raise ValidationError([FieldError("", f"an event must be a mapping of fields, not {kind_of(data)}")])
    c = Checker(data, lines, tax)
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
    if c.found():
        raise ValidationError(c.found())
    return Event(id=event_id, title=title, date=date, place=place, organizer=organizer, aliases=tuple(aliases),
                 panels=tuple(panels), body=body.strip("\n") + "\n" if body.strip() else "")
