"""Published findings as the API lists them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import EntryRow, FindingRow


@dataclass(frozen=True)
class PublishedFinding:
    entry_id: str
    position: int  # 1-based; the finding's public id is "<entry id>:<position>"
    entry_title: str
    kind: str
    text: str
    topics: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.entry_id}:{self.position}"


def published_findings(s: Session, entry_ids: list[str]) -> list[PublishedFinding]:
    """The findings of those of these entries that are published (in no particular order)."""
    if not entry_ids:
        return []
    return [PublishedFinding(f.entry_id, f.position, title, f.kind, f.text, tuple(f.topics or ()))
            for f, title in s.execute(select(FindingRow, EntryRow.title)
                                      .join(EntryRow, EntryRow.id == FindingRow.entry_id)
                                      .where(FindingRow.entry_id.in_(entry_ids), EntryRow.state == "published"))]
