"""What experts and admins read of the search log: the searches that found little, grouped by their folded
words, most frequent first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import SearchMiss

LISTED = 200


@dataclass(frozen=True)
class MissGroup:
    words: str  # the folded words shared by the group
    query: str  # the latest wording typed
    count: int
    languages: tuple[str, ...]  # UI languages it was typed in
    last_day: date
    fewest: int  # the fewest results any of them found (0: nothing)
    filters: dict  # the latest search's filters


def groups(s: Session, limit: int = LISTED) -> list[MissGroup]:
    """The groups, most frequent first, then the most recent."""
    top = s.execute(select(SearchMiss.folded, func.count(), func.max(SearchMiss.day), func.min(SearchMiss.results),
                           func.max(SearchMiss.id))
                    .group_by(SearchMiss.folded)
                    .order_by(func.count().desc(), func.max(SearchMiss.day).desc(), SearchMiss.folded)
                    .limit(limit)).all()
    if not top:
        return []
    latest = {row.id: row for row in s.scalars(select(SearchMiss).where(SearchMiss.id.in_([t[4] for t in top])))}
    langs: dict[str, set[str]] = {}
    for folded, lang in s.execute(select(SearchMiss.folded, SearchMiss.lang).distinct()
                                  .where(SearchMiss.folded.in_([t[0] for t in top]))):
        langs.setdefault(folded, set()).add(lang)
    return [MissGroup(folded, latest[last_id].query, count, tuple(sorted(langs.get(folded, ()))), last_day, fewest,
                      latest[last_id].filters or {})
            for folded, count, last_day, fewest, last_id in top]


def count(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(SearchMiss)) or 0
