"""Workshops as pages see them: one by its id or a former id (alias), a panel's place, what was presented."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import EntryRow, EventRow
from ..records import Event
from ..store import row_to_event


def _row(s: Session, event_id: str) -> EventRow | None:
    row = s.get(EventRow, event_id)
    if row is None:  # an old link: some event may list this id among its aliases (a handful of events)
        row = next((e for e in s.scalars(select(EventRow)) if event_id in (e.aliases or [])), None)
    return row


def event_named(s: Session, event_id: str) -> Event | None:
    """The event with this id, or the one that was known by it."""
    row = _row(s, event_id)
    return row_to_event(row) if row is not None else None


def event_ids(s: Session) -> list[str]:
    return list(s.scalars(select(EventRow.id).order_by(EventRow.id)))


@dataclass(frozen=True)
class PanelPlace:
    """Where an entry was presented: the event and the panel (its title is the panel's id when the event no
    longer has that panel)."""

    event_id: str
    event_title: str
    date: str | None
    panel_id: str
    number: str | None
    title: str


def panel_place(s: Session, panel_ref: str) -> PanelPlace | None:
    """The panel an entry names (`<event id or alias>/<panel id>`), or None when its event is unknown."""
    event_id, panel_id = panel_ref.split("/", 1)
    event = event_named(s, event_id)
    if event is None:
        return None
    panel = next((p for p in event.panels if p.id == panel_id), None)
    return PanelPlace(event.id, event.title, event.date, panel_id, panel.number if panel else None,
                      panel.title if panel else panel_id)


@dataclass(frozen=True)
class PanelPractice:
    """A published practice on a panel's subject, dated."""

    id: str
    title: str
    language: str
    year_start: int | None
    year_end: int | None


def presented(s: Session, event: Event) -> dict[str, list[PanelPractice]]:
    """Panel id -> the published practices tagged with it (named by the event's id or an alias): practices on
    the panel's subject, of any year, oldest first."""
    refs = [f"{name}/{p.id}" for name in (event.id, *event.aliases) for p in event.panels]
    by_panel: dict[str, list[PanelPractice]] = {}
    for panel, *practice in s.execute(
            select(EntryRow.panel, EntryRow.id, EntryRow.title, EntryRow.language, EntryRow.year_start,
                   EntryRow.year_end)
            .where(EntryRow.panel.in_(refs), EntryRow.state == "published")
            .order_by(EntryRow.year_start, EntryRow.title)):
        by_panel.setdefault(panel.split("/", 1)[1], []).append(PanelPractice(*practice))
    return by_panel
