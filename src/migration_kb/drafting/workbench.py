"""The findings workbench: findings of published entries, filtered like a search plus kind and panel.

The search index filters and ranks the entries (text, tags, years); the findings themselves, their kinds and
the entries' panels come from the database. Everything returned is plain data for the page and the API.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import EntryRow, EventRow, FindingRow, Tag

ENTRY_FACETS = ("theme", "topic", "bloc", "country", "target_group")  # filtered by the search index
WORKBENCH_FACETS = ("kind", *ENTRY_FACETS, "panel")


@dataclass
class FoundFinding:
    id: str
    entry_id: str
    kind: str
    text: str
    entry_title: str
    panel: str | None
    language: str
    tags: dict[str, list[str]]  # facet -> values (the entry's; topics include the finding's own)


@dataclass
class Collected:
    total: int
    findings: list[FoundFinding]
    facets: dict[str, dict[str, int]]


def collect(s: Session, searcher, req, kinds: list[str], panels: list[str]) -> Collected:
    """Findings of published entries matching the search `req` (text, tags, years) plus kind and panel.

    Facet counts are findings, for the whole result under the other filters (a facet's own selection is
    ignored for its counts, so its other values stay offered). `req.page`/`per_page` choose the page.
    """
    ranked = {f: searcher.ids(replace(req, filters={k: v for k, v in req.filters.items() if k != f}))
              for f in ENTRY_FACETS if f in req.filters}
    ranked[""] = searcher.ids(req)
    rows = _found(s, {i for ids in ranked.values() for i in ids})
    sets = {f: set(ids) for f, ids in ranked.items()}

    def keep(f: FoundFinding, ignore: str = "") -> bool:
        return (f.entry_id in sets.get(ignore, sets[""]) and (ignore == "kind" or not kinds or f.kind in kinds)
                and (ignore == "panel" or not panels or f.panel in panels))

    facets: dict[str, dict[str, int]] = {}
    for facet in WORKBENCH_FACETS:
        counts: dict[str, int] = {}
        for f in rows:
            if keep(f, facet):
                for value in f.tags[facet]:
                    counts[value] = counts.get(value, 0) + 1
        facets[facet] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    rank = {entry_id: n for n, entry_id in enumerate(ranked[""])}
    chosen = sorted((f for f in rows if keep(f)), key=lambda f: (rank[f.entry_id], int(f.id.rsplit(":", 1)[1])))
    start = (req.page - 1) * req.per_page
    return Collected(len(chosen), chosen[start:start + req.per_page], facets)


def _found(s: Session, entry_ids: set[str]) -> list[FoundFinding]:
    if not entry_ids:
        return []
    entries = {r.id: r for r in s.scalars(select(EntryRow).where(EntryRow.id.in_(entry_ids),
                                                                 EntryRow.state == "published"))}
    tags: dict[str, dict[str, list[str]]] = {i: {f: [] for f in ENTRY_FACETS} for i in entries}
    for tag in s.scalars(select(Tag).where(Tag.entry_id.in_(entries), Tag.vocabulary.in_(ENTRY_FACETS))
                         .order_by(Tag.entry_id, Tag.position)):
        tags[tag.entry_id][tag.vocabulary].append(tag.value)
    out = []
    for f in s.scalars(select(FindingRow).where(FindingRow.entry_id.in_(entries))):
        row = entries[f.entry_id]
        own = {**tags[f.entry_id], "kind": [f.kind], "panel": [row.panel] if row.panel else []}
        own["topic"] = list(dict.fromkeys([*own["topic"], *(f.topics or [])]))
        out.append(FoundFinding(f"{f.entry_id}:{f.position}", f.entry_id, f.kind, f.text, row.title, row.panel,
                                row.language, own))
    return out


def panel_titles(s: Session) -> dict[str, str]:
    """'<event id or alias>/<panel id>' -> 'number. title' of every workshop panel."""
    out = {}
    for event in s.scalars(select(EventRow)):
        for p in event.panels:
            name = f"{p.number}. {p.title}" if p.number else p.title
            for event_name in (event.id, *(event.aliases or [])):
                out[f"{event_name}/{p.id}"] = name
    return out
