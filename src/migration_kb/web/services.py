"""What a running app holds: the database, the search index and its follower, reachable as `kb()`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..config import Settings
from ..db import Database
from ..search.indexer import Follower, SearchIndex
from ..search.searcher import Searcher
from ..taxonomy import Taxonomy


@dataclass
class Services:
    settings: Settings
    db: Database
    index: SearchIndex
    searcher: Searcher
    follower: Follower | None
    taxonomy: Taxonomy

    def written(self) -> None:
        """A write was committed: let the follower index it now rather than at its next poll."""
        if self.follower is not None:
            self.follower.wake()


def kb() -> Services:
    return current_app.extensions["migration_kb"]
