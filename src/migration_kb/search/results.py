"""What a search answers: result lines (hits) and the whole result, and their shape in the API's JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .request import SearchRequest
from .snippets import highlight


@dataclass
class Hit:
    id: str
    title: str
    summary: str
    language: str
    themes: list[str]
    blocs: list[str]
    countries: list[str]
    topics: list[str]
    year_start: int | None
    year_end: int | None
    score: float | None
    highlights: str
    updated: float
    by_meaning: bool = False  # found by meaning alone: not a match of the query's words

    def to_api(self) -> dict:
        return {"id": self.id, "title": self.title, "summary": self.summary, "themes": self.themes,
                "blocs": self.blocs, "countries": self.countries, "year_start": self.year_start,
                "score": round(self.score, 4) if self.score is not None else None,
                "highlights": self.highlights, "language": self.language, "topics": self.topics,
                "year_end": self.year_end, "related_in_meaning": self.by_meaning}


@dataclass
class SearchResult:
    request: SearchRequest
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    years: dict[tuple[int | None, int | None], int] = field(default_factory=dict)
    elapsed_ms: float = 0.0

    def to_api(self) -> dict:
        r = self.request
        return {"query": r.q, "total": self.total, "page": r.page, "per_page": r.per_page,
                "results": [h.to_api() for h in self.hits], "facets": self.facets,
                "suggestion": self.suggestion}


def hit(stored: dict, score: float | None, terms: set[str] | None, *, by_meaning: bool = False) -> Hit:
    """A result line from the stored fields; `terms` (stems) are marked in the snippet."""
    d = json.loads(stored["display"])
    # An entry found by meaning alone rarely holds the words: stemming its whole body to find none was most
    # of a hybrid search's time (at 10,000 entries, p95 120 ms -> see docs/search.md).
    snippet = highlight(d, terms or set(), body=not by_meaning)
    return Hit(id=stored["id"], title=d["title"], summary=d["summary"], language=d["language"], themes=d["themes"],
               blocs=d["blocs"], countries=d["countries"], topics=d.get("topics", []), year_start=d["year_start"],
               year_end=d.get("year_end"), score=score, highlights=snippet, updated=d["updated"],
               by_meaning=by_meaning)

