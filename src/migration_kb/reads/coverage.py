"""The coverage map: how many published practices each pair of facet values has, read from the search index."""

from __future__ import annotations

from dataclasses import dataclass
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

    @property
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


def coverage(searcher: Searcher, rows: list[str], columns: list[str], row_facet: str, column_facet: str,
             **filters: str) -> Coverage:
    """The coverage map of rows x columns under the given filters (one search per row)."""
    counts = {}
    for value in rows:
        req = SearchRequest(filters={row_facet: [value], **{k: [v] for k, v in filters.items()}}, per_page=1)
        counts[value] = searcher.search(req).facets.get(column_facet, {})
    return Coverage(rows, columns, counts)
