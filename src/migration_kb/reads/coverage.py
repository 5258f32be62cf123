"""The coverage map: how many published practices each pair of facet values has, read from the search index."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import ceil

from ..search.request import SearchRequest
from ..search.searcher import Searcher

SHADES = 5  # colour steps of the coverage map above "none"


@dataclass
class Coverage:
    """Counts of published entries for each row value x column value, and their shade on the map."""

    rows: list[str]
    columns: list[str]
    counts: dict[str, dict[str, int]]

    def count(self, row: str, column: str) -> int:
        return self.counts[row].get(column, 0)

    @cached_property  # level() asks for it for every cell and every step of the legend
    def top(self) -> int:
        return max((self.count(r, c) for r in self.rows for c in self.columns), default=0)

    def level(self, n: int) -> int:
        """0 for a gap, else 1..SHADES in proportion to the fullest cell."""
        return 0 if n <= 0 else max(1, ceil(SHADES * n / max(self.top, 1)))

    def legend(self) -> list[tuple[int, int, int]]:
        """(level, lowest count, highest count) for each shade some count can take."""
        out: dict[int, list[int]] = {}
        for n in range(0, self.top + 1):
            out.setdefault(self.level(n), []).append(n)
        return [(level, ns[0], ns[-1]) for level, ns in out.items()]


NO_BLOC = ""  # the column of the practices tagged with no region bloc (bilateral or national)


def coverage(searcher: Searcher, rows: list[str], columns: list[str], row_facet: str, column_facet: str,
             **filters: str) -> Coverage:
    """The coverage map of rows x columns under the given filters, counted over every matching practice (one
    search); the column NO_BLOC counts the practices with no bloc."""
    req = SearchRequest(filters={k: [v] for k, v in filters.items()})
    return Coverage(rows, columns, searcher.cross_counts(req, row_facet, rows, column_facet))
