"""A draft as readers see it: sections in order, cited findings with citation numbers and change marks,
sources, and the evidence table (findings by theme and bloc, and the empty cells). Plain dataclasses, read
once, for the draft's page, its exports and the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Draft, EntryRow, EventRow, FindingRow, Tag
from ..taxonomy import Taxonomy
from .sections import NO_GROUP, SECTION_RE, section_choices, section_key, section_texts


@dataclass
class EntryInfo:
    id: str
    title: str
    published: bool
    language: str = "en"
    themes: list[str] = field(default_factory=list)
    blocs: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    findings: dict[int, tuple[str, str]] = field(default_factory=dict)  # position -> (kind, text)


def entry_infos(s: Session, entry_ids: Iterable[str]) -> dict[str, EntryInfo]:
    ids = set(entry_ids)
    if not ids:
        return {}
    out = {r.id: EntryInfo(r.id, r.title, r.state == "published", r.language, sources=list(r.sources or []))
           for r in s.scalars(select(EntryRow).where(EntryRow.id.in_(ids)))}
    lists = {"theme": "themes", "bloc": "blocs", "country": "countries"}
    for tag in s.scalars(select(Tag).where(Tag.entry_id.in_(ids), Tag.vocabulary.in_(lists))
                         .order_by(Tag.entry_id, Tag.position)):
        getattr(out[tag.entry_id], lists[tag.vocabulary]).append(tag.value)
    for f in s.scalars(select(FindingRow).where(FindingRow.entry_id.in_(ids))):
        out[f.entry_id].findings[f.position] = (f.kind, f.text)
    return out


@dataclass
class CitedFinding:
    item_id: int
    finding_id: str
    entry_id: str
    kind: str
    text: str  # the current text (the cited one when the finding is gone)
    cited_text: str
    changed: bool  # the entry's finding now reads differently
    gone: bool  # the finding (or its entry) is no longer published
    entry_title: str
    countries: list[str]
    blocs: list[str]
    note: str
    pinned: bool  # moved here by hand
    language: str = "en"  # of the entry, and so of the finding's text
    number: int = 0  # the citation number of its entry


@dataclass
class Section:
    key: str
    group: str
    kind: str
    items: list[CitedFinding]
    text: str


@dataclass
class Citation:
    number: int
    entry_id: str
    title: str
    sources: list[dict]
    available: bool
    language: str = "en"


@dataclass
class Evidence:
    """The draft's own scope: the themes and blocs its findings come from, each finding counted once."""

    themes: list[str]
    blocs: list[str]
    counts: dict[tuple[str, str], int]  # (theme, bloc) -> findings of the draft
    without_bloc: dict[str, int]  # theme -> findings of entries outside any bloc
    gaps: list[tuple[str, str]]  # the empty (theme, bloc) cells

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + sum(self.without_bloc.values())


@dataclass
class DraftView:
    id: int
    title: str
    event_id: str | None
    event_title: str | None
    grouping: str
    intro: str
    version: int
    updated_at: datetime
    sections: list[Section]
    citations: list[Citation]
    evidence: Evidence

    @property
    def groups(self) -> list[tuple[str, list[Section]]]:
        out: list[tuple[str, list[Section]]] = []
        for section in self.sections:
            if not out or out[-1][0] != section.group:
                out.append((section.group, []))
            out[-1][1].append(section)
        return out

    @property
    def changed(self) -> list[CitedFinding]:
        return [c for section in self.sections for c in section.items if c.changed or c.gone]

    @property
    def count(self) -> int:
        return sum(len(section.items) for section in self.sections)


def build_view(s: Session, draft: Draft, taxonomy: Taxonomy) -> DraftView:
    """The draft as readers see it: sections in order, findings with citation numbers, evidence gaps."""
    infos = entry_infos(s, {i.entry_id for i in draft.items})
    texts = section_texts(s, draft.id)
    by_key: dict[str, list[CitedFinding]] = {}
    for item in sorted(draft.items, key=lambda i: i.position):
        info = infos.get(item.entry_id) or EntryInfo(item.entry_id, item.entry_id, False)
        current = info.findings.get(item.finding_position) if info.published else None
        kind, text = current or (item.cited_kind, item.cited_text)
        group_values = info.themes if draft.grouping == "theme" else info.blocs
        key = item.section or section_key(draft.grouping, (group_values or [NO_GROUP])[0], kind)
        by_key.setdefault(key, []).append(CitedFinding(
            item_id=item.id, finding_id=f"{item.entry_id}:{item.finding_position}", entry_id=item.entry_id,
            kind=kind, text=text, cited_text=item.cited_text,
            changed=current is not None and (text != item.cited_text or kind != item.cited_kind),
            gone=current is None, entry_title=info.title, countries=info.countries, blocs=info.blocs,
            note=item.note, pinned=item.section is not None, language=info.language))
    order = {k: n for n, k in enumerate([*section_choices("theme", taxonomy), *section_choices("bloc", taxonomy)])}
    keys = sorted({*by_key, *(k for k, t in texts.items() if t and k.startswith(draft.grouping + ":"))},
                  key=lambda k: order.get(k, len(order)))
    sections = []
    for key in keys:
        m = SECTION_RE.match(key)
        if m:
            sections.append(Section(key, m.group(2), m.group(3), by_key.get(key, []), texts.get(key, "")))
    citations = _number(sections, infos)
    event = s.get(EventRow, draft.event_id) if draft.event_id else None
    return DraftView(id=draft.id, title=draft.title, event_id=draft.event_id,
                     event_title=event.title if event else None, grouping=draft.grouping, intro=draft.intro,
                     version=draft.version, updated_at=draft.updated_at, sections=sections, citations=citations,
                     evidence=evidence(sections, draft.grouping, infos, taxonomy))


def _number(sections: list[Section], infos: dict[str, EntryInfo]) -> list[Citation]:
    """[1], [2]...: one number per cited entry, in the order the draft first cites it."""
    numbers: dict[str, int] = {}
    citations = []
    for section in sections:
        for c in section.items:
            if c.entry_id not in numbers:
                numbers[c.entry_id] = len(numbers) + 1
                info = infos.get(c.entry_id)
                citations.append(Citation(numbers[c.entry_id], c.entry_id, info.title if info else c.entry_id,
                                          info.sources if info else [], bool(info and info.published),
                                          info.language if info else "en"))
            c.number = numbers[c.entry_id]
    return citations


def evidence(sections: list[Section], grouping: str, infos: dict[str, EntryInfo], taxonomy: Taxonomy) -> Evidence:
    """The draft's findings by theme x bloc, within the draft's scope: the themes and blocs its findings come
    from (a draft on protection in SICA has no gap "from MERCOSUR"). A finding counts once, in the cell of
    the section it is in: its section's theme (or bloc), and its entry's first bloc (or theme)."""
    cells: dict[tuple[str, str | None], int] = {}
    for section in sections:
        for c in section.items:
            info = infos.get(c.entry_id)
            if c.gone or info is None:
                continue
            in_section = None if section.group == NO_GROUP else section.group
            if grouping == "theme":
                theme, bloc = in_section or (info.themes or [None])[0], (info.blocs or [None])[0]
            else:
                theme, bloc = (info.themes or [None])[0], in_section
            if theme is not None:
                cells[(theme, bloc)] = cells.get((theme, bloc), 0) + 1
    themes = [t for t in taxonomy.themes if any(theme == t for theme, _ in cells)]
    blocs = [b for b in taxonomy.blocs if any(bloc == b for _, bloc in cells)]
    counts = {(t, b): cells.get((t, b), 0) for t in themes for b in blocs}
    without = {t: cells.get((t, None), 0) for t in themes}
    gaps = [(t, b) for t in themes for b in blocs if not counts[(t, b)]]
    return Evidence(themes, blocs, counts, without, gaps)


def event_choices(s: Session) -> list[tuple[str, str]]:
    """(id, title) of every event a draft may conclude, the most recent first."""
    return [(e.id, e.title) for e in s.scalars(select(EventRow).order_by(EventRow.date.desc()))]
