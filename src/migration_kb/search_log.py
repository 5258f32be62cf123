"""What delegates could not find: searches that found nothing or fewer than three practices.

Each is kept with its words, the UI language, the filters and the day only: no account, address, cookie or
time of day, so a line names nobody. Lines older than KEEP_DAYS are deleted by `purge`, which the server runs
when it starts and then daily (`DailyPurge`), and `migration-kb search-log purge` runs on demand.
Experts and admins read them grouped by their folded words (reads/search_log.py).
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from .models import SearchMiss
from .taxonomy import fold

FEW = 3  # fewer results than this is "could not find"
KEEP_DAYS = 90
MAX_QUERY = 500
WORD = re.compile(r"\w+")
log = logging.getLogger("migration_kb")


def today() -> date:
    return datetime.now(UTC).date()


def group_key(query: str) -> str:
    """The same words after folding (case, accents, order and repeats aside): "Trata de Personas" and
    "personas trata de" fall in one group."""
    return " ".join(sorted(set(WORD.findall(fold(query)))))[:MAX_QUERY]


def worth_noting(query: str, filters: dict[str, list[str]], results: int) -> bool:
    return results < FEW and bool(query.strip() or filters)


def note(s: Session, query: str, lang: str, filters: dict[str, list[str]], results: int,
         day: date | None = None) -> None:
    """Record one search that found little (the caller checked `worth_noting`)."""
    query = " ".join(query.split())[:MAX_QUERY]
    s.add(SearchMiss(query=query, folded=group_key(query), lang=lang[:2],
                     filters={k: list(v)[:20] for k, v in sorted(filters.items())}, results=results,
                     day=day or today()))


def purge(s: Session, on: date | None = None) -> int:
    """Delete the lines older than KEEP_DAYS; how many went."""
    limit = (on or today()) - timedelta(days=KEEP_DAYS)
    return s.execute(delete(SearchMiss).where(SearchMiss.day < limit)
                     .execution_options(synchronize_session=False)).rowcount or 0


class DailyPurge(threading.Thread):
    """Runs `purge` now and then every day while the server runs (a failure is logged and tried next day)."""

    EVERY_S = 24 * 3600

    def __init__(self, db):
        super().__init__(name="search-log-purge", daemon=True)
        self.db = db
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                with self.db.session() as s:
                    gone = purge(s)
                if gone:
                    log.info("search log: %d line(s) older than %d days deleted", gone, KEEP_DAYS)
            except Exception:  # the database may be down for a while: try again tomorrow
                log.exception("search log: the daily purge failed")
            self.stopped.wait(self.EVERY_S)

    def stop(self) -> None:
        self.stopped.set()
