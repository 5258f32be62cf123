"""The change log's upkeep: how far it reaches back, and trimming its old rows.

Search indexes follow the `changes` table by position (`seq`). Trimming deletes old rows but leaves a
marker in their place: the oldest kept row is rewritten as `op = "trimmed"`, meaning "every change up
to this position is gone". An index whose position is before the marker can no longer catch up row by
row and rebuilds from the database instead (see search/indexer.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import Change, now

TRIMMED = "trimmed"
MIN_AGE = timedelta(minutes=1)  # never trim rows this young: a transaction may still be committing below them


@dataclass(frozen=True)
class LogExtent:
    rows: int
    first: int | None  # the oldest position still in the log
    last: int | None  # the newest position
    trimmed_through: int  # changes up to here were trimmed (0: never trimmed)


def extent(s: Session) -> LogExtent:
    rows, first, last = s.execute(select(func.count(), func.min(Change.seq), func.max(Change.seq))).one()
    return LogExtent(rows=rows, first=first, last=last, trimmed_through=trimmed_through(s))


def trimmed_through(s: Session) -> int:
    """The position up to which the log was trimmed (0 when it never was)."""
    return s.scalar(select(func.max(Change.seq)).where(Change.op == TRIMMED)) or 0


def trim(s: Session, keep: int, min_age: timedelta = MIN_AGE) -> int:
    """Delete all but the newest `keep` changes (and none younger than `min_age`). Returns rows deleted."""
    if keep < 0:
        raise ValueError("keep must be 0 or more")
    newest = s.scalar(select(func.max(Change.seq))) or 0
    marker = s.scalar(select(func.max(Change.seq))
                      .where(Change.seq <= newest - keep, Change.created_at < now() - min_age))
    if marker is None:
        return 0
    deleted = s.execute(delete(Change).where(Change.seq < marker)).rowcount or 0
    row = s.get(Change, marker)
    if row.op != TRIMMED:
        row.op, row.entry_id, row.version = TRIMMED, "", 0
        deleted += 1  # the marker replaces the change it was
    return deleted
