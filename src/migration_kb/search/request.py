"""A search request: the query-string parameters of a search page or the API, read and checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import LANGUAGES
from ..taxonomy import Taxonomy
from ..taxonomy import load as load_taxonomy
from .schema import FACETS

MAX_PER_PAGE = 100
MAX_PAGE = 10_000
SORTS = ("relevance", "newest", "title")
MODES = ("words", "meaning", "hybrid")  # how the query is matched: its words, its meaning, or both fused


class SearchError(ValueError):
    """A parameter of a search request is wrong (answered with 400 and this message)."""


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> selected values (OR)
    year_from: int | None = None
    year_to: int | None = None
    page: int = 1
    per_page: int = 20
    sort: str = "relevance"
    mode: str = "hybrid"

    @classmethod
    def from_args(cls, args, taxonomy: Taxonomy | None = None) -> SearchRequest:
        """Read and check query-string parameters (a werkzeug MultiDict or a dict of lists)."""
        tax = taxonomy or load_taxonomy()
        getlist = args.getlist if hasattr(args, "getlist") else (lambda k: list(args.get(k, [])))

        def one(name: str) -> str | None:
            values = getlist(name)
            return values[-1] if values else None

        q = one("q") or ""
        filters = {}
        for facet in FACETS:
            values = [v for v in getlist(facet) if v != ""]
            if values:
                filters[facet] = [_canonical(tax, facet, v) for v in dict.fromkeys(values)]
        sort = one("sort") or "relevance"
        if sort not in SORTS:
            raise SearchError(f"sort: {sort!r} is not one of {', '.join(SORTS)}")
        mode = one("mode") or "hybrid"
        if mode not in MODES:
            raise SearchError(f"mode: {mode[:40]!r} is not one of {', '.join(MODES)}")
        year_from = _int(one("year_from"), "year_from", 1800, 2100)
        year_to = _int(one("year_to"), "year_to", 1800, 2100)
        if year_from is not None and year_to is not None and year_from > year_to:
            raise SearchError(f"year_from {year_from} is after year_to {year_to}: the first year comes first")
        return cls(q=q, filters=filters, year_from=year_from, year_to=year_to,
                   page=_int(one("page"), "page", 1, MAX_PAGE) or 1,
                   per_page=_int(one("per_page"), "per_page", 1, MAX_PER_PAGE) or 20, sort=sort, mode=mode)


def _int(raw: str | None, name: str, low: int, high: int) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SearchError(f"{name}: {raw[:40]!r} is not a whole number") from None
    if not low <= value <= high:
        raise SearchError(f"{name}: {value} is outside {low}–{high}")
    return value


def _canonical(tax: Taxonomy, facet: str, value: str) -> str:
    if facet == "language":
        if value in LANGUAGES:
            return value
    elif facet == "country":
        if value.upper() in tax.countries:
            return value.upper()
    elif facet == "bloc":
        found = tax.canonical_bloc(value)
        if found:
            return found
    elif value in tax.terms(facet):
        return value
    hint = tax.suggest(facet, value) if facet != "language" else None
    raise SearchError(f"{facet}: {value[:60]!r} is not a known value"
                      + (f" (did you mean {hint!r}?)" if hint else ""))

